import { SCAN_ITEM_COST, type Store } from '../../../src/store/store';
import { StoreStatus } from '../../../src/store/types';
import { hashBytes } from '../../../src/util/hash';
import { NOW, bytes, del, getValue, makeStore, prng, set } from './helpers';

/** Every key a visit saw, with how often. */
type Seen = Map<string, number>;

function collect(seen: Seen) {
  return (u8: Uint8Array, keyAt: number, keyLength: number): boolean => {
    const key = Buffer.from(u8.subarray(keyAt, keyAt + keyLength)).toString('latin1');
    seen.set(key, (seen.get(key) ?? 0) + 1);
    return true;
  };
}

/** Runs a whole scan in slices of `count`, calling `between` after each slice; returns the slices taken. */
function scanAll(store: Store, seen: Seen, count: number, between: (slice: number) => void = () => {}, now = NOW): number {
  let cursor = 0;
  let slices = 0;
  do {
    cursor = store.scanKeys(cursor, count * 10, count, now, collect(seen));
    between(slices++);
    if (slices > 1_000_000) throw new Error('scan does not terminate');
  } while (cursor !== 0);
  return slices;
}

describe('Store.scanKeys', () => {
  it('returns every key exactly once when nothing changes, and ends with cursor 0', () => {
    const s = makeStore();
    for (let i = 0; i < 5000; i++) set(s, `k${i}`, 'v');
    const seen: Seen = new Map();
    scanAll(s, seen, 10);
    expect(seen.size).toBe(5000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('finishes an empty store in bounded slices', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    const seen: Seen = new Map();
    expect(scanAll(s, seen, 100)).toBe(1);
    expect(seen.size).toBe(0);
  });

  it('stops a slice at the wanted number of matches, at a bucket boundary', () => {
    const s = makeStore();
    for (let i = 0; i < 1000; i++) set(s, `k${i}`, 'v');
    const seen: Seen = new Map();
    const cursor = s.scanKeys(0, 1_000_000, 5, NOW, collect(seen));
    expect(cursor).not.toBe(0);
    expect(seen.size).toBeGreaterThanOrEqual(5);
    // Whole buckets: a chain of the load factor in use rarely holds more than a handful.
    expect(seen.size).toBeLessThan(20);
  });

  it('bounds the work of a slice even when nothing matches (1 per bucket, SCAN_ITEM_COST per item)', () => {
    const s = makeStore();
    for (let i = 0; i < 1000; i++) set(s, `k${i}`, 'v');
    let visited = 0;
    const cursor = s.scanKeys(0, 50 * SCAN_ITEM_COST, 1, NOW, () => {
      visited++;
      return false;
    });
    expect(cursor).not.toBe(0);
    expect(visited).toBeGreaterThan(0);
    expect(visited).toBeLessThanOrEqual(50);
  });

  it('finishes an empty fresh index (2^16 buckets) within a budget of 2^16', () => {
    const s = makeStore();
    expect(s.scanKeys(0, 65536, 10, NOW, () => true)).toBe(0);
  });

  it('keeps every key present for the whole scan while others are added and removed', () => {
    const s = makeStore();
    const random = prng(7);
    const stable = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      set(s, `stable${i}`, 'v');
      stable.add(`stable${i}`);
    }
    for (let i = 0; i < 3000; i++) set(s, `churn${i}`, 'v');
    const seen: Seen = new Map();
    let next = 3000;
    scanAll(s, seen, 10, () => {
      for (let j = 0; j < 5; j++) del(s, `churn${Math.floor(random() * next)}`);
      for (let j = 0; j < 5; j++) set(s, `churn${next++}`, 'v');
    });
    for (const key of stable) expect(seen.has(key)).toBe(true);
    s.checkInvariants();
  });

  it('keeps every key present for the whole scan while the hash index doubles (several times) during it', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    const stable: string[] = [];
    for (let i = 0; i < 20; i++) {
      set(s, `stable${i}`, 'v');
      stable.push(`stable${i}`);
    }
    const before = s.TEST_hashIndexState.power;
    const seen: Seen = new Map();
    let added = 0;
    let sawGrowing = false;
    scanAll(s, seen, 2, () => {
      for (let j = 0; j < 7; j++) set(s, `grow${added++}`, 'v');
      if (s.TEST_hashIndexState.growing) sawGrowing = true;
    });
    expect(s.TEST_hashIndexState.power).toBeGreaterThan(before + 2);
    expect(sawGrowing).toBe(true);
    for (const key of stable) expect(seen.has(key)).toBe(true);
    // Never loops: each key comes back a bounded number of times.
    expect(Math.max(...seen.values())).toBeLessThanOrEqual(4);
    s.checkInvariants();
  });

  it('finds a key whose item moved to a chunk of another class during the scan', () => {
    const s = makeStore();
    for (let i = 0; i < 2000; i++) set(s, `k${i}`, 'v');
    const seen: Seen = new Map();
    scanAll(s, seen, 10, (slice) => {
      // Grow every key's value: each moves to a new chunk, wherever the walk is.
      for (let j = 0; j < 20; j++) set(s, `k${(slice * 20 + j) % 2000}`, 'x'.repeat(300));
    });
    expect(seen.size).toBe(2000);
  });

  it('skips and reclaims expired items', () => {
    const s = makeStore();
    set(s, 'live', 'v');
    set(s, 'gone', 'v', { exp: NOW + 1000 });
    const seen: Seen = new Map();
    scanAll(s, seen, 10, () => {}, NOW + 2000);
    expect([...seen.keys()]).toEqual(['live']);
    expect(s.stats(NOW + 2000).curr_items).toBe(1);
  });
});

describe('Store.sweepItems', () => {
  it('counts and removes only the items the visitor accepts', () => {
    const s = makeStore();
    for (let i = 0; i < 300; i++) set(s, `${i % 3}:${i}`, 'v');
    const inGroupOne = (u8: Uint8Array, keyAt: number): boolean => u8[keyAt] === 0x31;
    expect(s.sweepItems(false, NOW, inGroupOne)).toBe(100);
    expect(s.sweepItems(true, NOW, inGroupOne)).toBe(100);
    expect(s.sweepItems(false, NOW, inGroupOne)).toBe(0);
    expect(s.stats(NOW).curr_items).toBe(200);
    expect(getValue(s, '0:0')).toBe('v');
    expect(getValue(s, '1:1')).toBeNull();
    s.checkInvariants();
  });
});

describe('Store dump / restore / copy', () => {
  const k = (key: string) => {
    const b = bytes(key);
    return [b, 0, b.length, hashBytes(b, 0, b.length)] as const;
  };

  it('copies value, flags, expiry and type; removeSource renames; onlyIfMissing refuses an existing target', () => {
    const s = makeStore();
    set(s, 'src', 'value', { flags: 42, exp: NOW + 60_000 });
    const [tb, to, tl, th] = k('dst');
    expect(s.copyItem(...k('src'), tb, to, tl, th, false, false, NOW)).toBe(StoreStatus.Stored);
    expect(s.dumpItem(...k('dst'), NOW)).toBe(StoreStatus.Ok);
    expect(s.result.clientFlags).toBe(42);
    expect(s.dumped.expiresAtMs).toBe(NOW + 60_000);
    expect(getValue(s, 'src')).toBe('value');
    expect(s.copyItem(...k('src'), tb, to, tl, th, true, true, NOW)).toBe(StoreStatus.NotStored);
    expect(getValue(s, 'src')).toBe('value');
    const [ob, oo, ol, oh] = k('other');
    expect(s.copyItem(...k('src'), ob, oo, ol, oh, true, true, NOW)).toBe(StoreStatus.Stored);
    expect(getValue(s, 'src')).toBeNull();
    expect(getValue(s, 'other')).toBe('value');
    expect(s.copyItem(...k('missing'), ob, oo, ol, oh, false, false, NOW)).toBe(StoreStatus.NotFound);
    s.checkInvariants();
  });

  it('treats the same key as source and target as a no-op', () => {
    const s = makeStore();
    set(s, 'a', '1');
    const [b, o, l, h] = k('a');
    expect(s.copyItem(b, o, l, h, b, o, l, h, false, true, NOW)).toBe(StoreStatus.Stored);
    expect(s.copyItem(b, o, l, h, b, o, l, h, true, true, NOW)).toBe(StoreStatus.NotStored);
    expect(getValue(s, 'a')).toBe('1');
  });

  it('restores the type byte it is given', () => {
    const s = makeStore();
    const v = bytes('raw');
    expect(s.restoreItem(...k('t'), v, 0, v.length, 3, 7, 0, false, NOW)).toBe(StoreStatus.Stored);
    expect(s.dumpItem(...k('t'), NOW)).toBe(StoreStatus.Ok);
    expect(s.dumped.itemType).toBe(3);
    expect(s.result.clientFlags).toBe(7);
    const seenTypes: number[] = [];
    s.scanKeys(0, 1e9, 1e9, NOW, (_u8, _at, _len, type) => {
      seenTypes.push(type);
      return true;
    });
    expect(seenTypes).toEqual([3]);
  });
});
