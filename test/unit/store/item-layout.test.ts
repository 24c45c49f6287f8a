/**
 * The 36-byte item header: 42-bit millisecond expiries, a flags word only when flags are not 0,
 * and no cached hash. Each test goes through the public Store API and checkInvariants (which
 * rehashes every key it finds in the index).
 */
import { HEADER_SIZE, ITEM_TYPE_LIST, MAX_EXPIRES_MS, itemSize } from '../../../src/store/item-layout';
import { StoreMode, StoreStatus } from '../../../src/store/types';
import { hashBytes } from '../../../src/util/hash';
import { NOW, bytes, get, getValue, makeStore, set, storeOp } from './helpers';

function expiryOf(s: ReturnType<typeof makeStore>, key: string, now = NOW): number | null {
  const k = bytes(key);
  const status = s.itemInfo(k, 0, k.length, hashBytes(k, 0, k.length), now);
  return status === StoreStatus.Ok ? s.result.meta.expiresAtMs : null;
}

function classOfItem(s: ReturnType<typeof makeStore>): number {
  return s.stats().slab_classes.find((c) => c.used_chunks > 0)!.chunk_size;
}

describe('item header', () => {
  it('is 36 bytes, and a 14-byte key with a 100-byte value fits the 152-byte class without flags', () => {
    expect(HEADER_SIZE).toBe(36);
    const s = makeStore();
    set(s, 'key:0000000001', 'v'.repeat(100));
    expect(classOfItem(s)).toBe(152);
    expect(s.stats().bytes).toBe(150);
    const t = makeStore();
    set(t, 'key:0000000001', 'v'.repeat(100), { flags: 1 });
    expect(classOfItem(t)).toBe(192);
    expect(t.stats().bytes).toBe(154);
  });

  it('keeps millisecond expiries beyond 2^32 ms exactly, up to MAX_EXPIRES_MS', () => {
    const s = makeStore();
    for (const at of [NOW + 1, NOW + 1234, 4102444800623, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, MAX_EXPIRES_MS]) {
      set(s, 'k', 'v', { exp: at, now: 1 });
      expect(expiryOf(s, 'k', 1)).toBe(at);
    }
    s.checkInvariants();
  });

  it('stores a later expiry as MAX_EXPIRES_MS (May 2109), and a time before 1970 as long past', () => {
    const s = makeStore();
    set(s, 'far', 'v', { exp: 2 ** 50 });
    expect(expiryOf(s, 'far')).toBe(MAX_EXPIRES_MS);
    expect(new Date(MAX_EXPIRES_MS).toISOString()).toMatch(/^2109-05-15/);
    set(s, 'past', 'v', { exp: -5 });
    expect(get(s, 'past')).toBeNull();
    set(s, 'never', 'v', { exp: 0 });
    expect(expiryOf(s, 'never')).toBe(0);
  });

  it('the expiry survives the header words around it changing (fetched, append, a typed write)', () => {
    const s = makeStore();
    const at = 4102444800623;
    set(s, 'k', 'v', { exp: at, flags: 9 });
    get(s, 'k');
    expect(expiryOf(s, 'k')).toBe(at);
    storeOp(s, StoreMode.Append, 'k', 'w');
    expect(expiryOf(s, 'k')).toBe(at);
    expect(get(s, 'k')).toMatchObject({ value: 'vw', flags: 9 });
    const k = bytes('k');
    const list = bytes('typed');
    expect(s.typedWrite(k, 0, 1, hashBytes(k, 0, 1), ITEM_TYPE_LIST, list, 0, list.length, -1, NOW)).toBe(StoreStatus.Stored);
    expect(s.typedRead(k, 0, 1, hashBytes(k, 0, 1), NOW)).toBe(ITEM_TYPE_LIST);
    expect(expiryOf(s, 'k')).toBe(at);
    s.checkInvariants();
  });

  it('moves the key when an overwrite in the same chunk adds or drops the flags word', () => {
    const s = makeStore();
    const key = 'a-key-of-some-length';
    set(s, key, 'x'.repeat(30));
    const chunk = classOfItem(s);
    set(s, key, 'y'.repeat(30), { flags: 0xfeedf00d, exp: NOW + 5000 });
    expect(classOfItem(s)).toBe(chunk);
    expect(get(s, key)).toMatchObject({ value: 'y'.repeat(30), flags: 0xfeedf00d });
    expect(s.stats().bytes).toBe(itemSize(key.length, 30, 1));
    s.checkInvariants();
    set(s, key, 'z'.repeat(30));
    expect(get(s, key)).toMatchObject({ value: 'z'.repeat(30), flags: 0 });
    expect(expiryOf(s, key)).toBe(0);
    expect(s.stats().bytes).toBe(HEADER_SIZE + key.length + 30);
    s.checkInvariants();
  });

  it('finds keys of one length that differ only in their first byte or only in their last', () => {
    const s = makeStore({ hashPowerInitial: 4 }); // 16 buckets: long chains
    const keys: string[] = [];
    for (let i = 0; i < 200; i++) keys.push(`${String.fromCharCode(65 + (i % 26))}:${String(i).padStart(6, '0')}`);
    for (const k of keys) set(s, k, `v-${k}`);
    for (const k of keys) expect(getValue(s, k)).toBe(`v-${k}`);
    expect(getValue(s, 'Z:000000')).toBeNull();
    s.checkInvariants();
  });

  it('rehashes keys from their bytes while the index grows, with and without flags', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    for (let i = 0; i < 5000; i++) set(s, `key-${i}`, `${i}`, { flags: i % 3 });
    for (let i = 0; i < 5000; i += 7) expect(get(s, `key-${i}`)).toMatchObject({ value: `${i}`, flags: i % 3 });
    s.checkInvariants();
    expect(s.TEST_hashIndexState.power).toBeGreaterThan(4);
  });
});
