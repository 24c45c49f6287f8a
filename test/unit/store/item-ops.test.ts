/**
 * Store item ops (readItem, writeItem, deleteItem, arithmetic, itemInfo): the semantics memcached
 * 1.6's meta commands and binary protocol need, checked against what memcached 1.6.18 does
 * (vivify/win/stale tokens, CAS rules of do_store_item, md x tombstones, ma vivify), with the
 * invariants checker after the mutations.
 */
import type { Store } from '../../../src/store/store';
import { ExpireCondition, StoreMode, StoreStatus } from '../../../src/store/types';
import type { ArithmeticParams, ItemDeleteParams, ItemReadParams, ItemWriteParams } from '../../../src/store/types';
import { hashBytes } from '../../../src/util/hash';
import { bytes, casHalves, get, makeStore, NOW, prng, resultCas, set, storeOp } from './helpers';

interface ItemView {
  status: StoreStatus;
  value: string | null;
  flags: number;
  cas: bigint;
  expiresAtMs: number;
  lastAccessSeconds: number;
  valueSize: number;
  hitBefore: boolean;
  won: boolean;
  stale: boolean;
  winTokenSent: boolean;
  created: boolean;
}

function view(store: Store, status: StoreStatus): ItemView {
  const r = store.result;
  const m = r.meta;
  const ok = status === StoreStatus.Ok || status === StoreStatus.Stored;
  return {
    status,
    value: ok && m.valueSent ? Buffer.from(r.valueBytes.subarray(r.valueOffset, r.valueOffset + r.valueLength)).toString('latin1') : null,
    flags: ok ? r.clientFlags : 0,
    cas: ok ? resultCas(store) : 0n,
    expiresAtMs: ok ? m.expiresAtMs : 0,
    lastAccessSeconds: ok ? m.lastAccessSeconds : 0,
    valueSize: ok ? m.valueSize : 0,
    hitBefore: ok && m.hitBefore,
    won: ok && m.won,
    stale: ok && m.stale,
    winTokenSent: ok && m.winTokenSent,
    created: ok && m.created,
  };
}

function keyArgs(key: string): [Uint8Array, number, number, number] {
  const k = bytes(key);
  return [k, 0, k.length, hashBytes(k, 0, k.length)];
}

function read(store: Store, key: string, o: Partial<Omit<ItemReadParams, 'compareCasHigh' | 'compareCasLow' | 'newCasHigh' | 'newCasLow'>> & { compareCas?: bigint; newCas?: bigint } = {}, now = NOW): ItemView {
  const [compareCasHigh, compareCasLow] = casHalves(o.compareCas ?? 0n);
  const [newCasHigh, newCasLow] = casHalves(o.newCas ?? 0n);
  const p: ItemReadParams = {
    wantValue: o.wantValue ?? true,
    noBump: o.noBump ?? false,
    touch: o.touch ?? false,
    touchExpiresAtMs: o.touchExpiresAtMs ?? 0,
    touchCondition: o.touchCondition ?? ExpireCondition.Always,
    vivify: o.vivify ?? false,
    vivifyExpiresAtMs: o.vivifyExpiresAtMs ?? 0,
    recache: o.recache ?? false,
    recacheBelowSeconds: o.recacheBelowSeconds ?? 0,
    compareCasHigh,
    compareCasLow,
    newCasHigh,
    newCasLow,
  };
  return view(store, store.readItem(...keyArgs(key), p, now));
}

function write(
  store: Store,
  key: string,
  value: string,
  o: Partial<Omit<ItemWriteParams, 'compareCasHigh' | 'compareCasLow' | 'newCasHigh' | 'newCasLow'>> & { compareCas?: bigint; newCas?: bigint } = {},
  now = NOW,
): ItemView {
  const [compareCasHigh, compareCasLow] = casHalves(o.compareCas ?? 0n);
  const [newCasHigh, newCasLow] = casHalves(o.newCas ?? 0n);
  const p: ItemWriteParams = {
    mode: o.mode ?? StoreMode.Set,
    clientFlags: o.clientFlags ?? 0,
    expiresAtMs: o.expiresAtMs ?? 0,
    compareCasHigh,
    compareCasLow,
    newCasHigh,
    newCasLow,
    invalidate: o.invalidate ?? false,
    vivify: o.vivify ?? false,
    vivifyExpiresAtMs: o.vivifyExpiresAtMs ?? 0,
    keepExpiry: o.keepExpiry ?? false,
  };
  const v = bytes(value);
  return view(store, store.writeItem(...keyArgs(key), v, 0, v.length, p, now));
}

function remove(
  store: Store,
  key: string,
  o: Partial<Omit<ItemDeleteParams, 'compareCasHigh' | 'compareCasLow' | 'newCasHigh' | 'newCasLow'>> & { compareCas?: bigint; newCas?: bigint } = {},
  now = NOW,
): ItemView {
  const [compareCasHigh, compareCasLow] = casHalves(o.compareCas ?? 0n);
  const [newCasHigh, newCasLow] = casHalves(o.newCas ?? 0n);
  const p: ItemDeleteParams = {
    compareCasHigh,
    compareCasLow,
    newCasHigh,
    newCasLow,
    invalidate: o.invalidate ?? false,
    hasExpiry: o.hasExpiry ?? false,
    expiresAtMs: o.expiresAtMs ?? 0,
    dropValue: o.dropValue ?? false,
  };
  return view(store, store.deleteItem(...keyArgs(key), p, now));
}

function arith(
  store: Store,
  key: string,
  o: Partial<Omit<ArithmeticParams, 'compareCasHigh' | 'compareCasLow' | 'newCasHigh' | 'newCasLow'>> & { compareCas?: bigint; newCas?: bigint } = {},
  now = NOW,
): ItemView {
  const [compareCasHigh, compareCasLow] = casHalves(o.compareCas ?? 0n);
  const [newCasHigh, newCasLow] = casHalves(o.newCas ?? 0n);
  const p: ArithmeticParams = {
    incr: o.incr ?? true,
    delta: o.delta ?? 1n,
    signed: o.signed ?? false,
    initial: o.initial ?? 0n,
    vivify: o.vivify ?? false,
    vivifyExpiresAtMs: o.vivifyExpiresAtMs ?? 0,
    touch: o.touch ?? false,
    touchExpiresAtMs: o.touchExpiresAtMs ?? 0,
    compareCasHigh,
    compareCasLow,
    newCasHigh,
    newCasLow,
  };
  return view(store, store.arithmetic(...keyArgs(key), p, now));
}

function info(store: Store, key: string, now = NOW): ItemView {
  return view(store, store.itemInfo(...keyArgs(key), now));
}

const SEC = 1000;
const NOW_SECONDS = Math.floor(NOW / SEC);

describe('Store.readItem (meta get)', () => {
  it('misses without vivify, and leaves nothing behind', () => {
    const s = makeStore();
    expect(read(s, 'k').status).toBe(StoreStatus.NotFound);
    expect(get(s, 'k')).toBeNull();
  });

  it('vivifies an empty item on a miss: the first caller wins, later ones see the token out', () => {
    const s = makeStore();
    const first = read(s, 'k', { vivify: true, vivifyExpiresAtMs: NOW + 30 * SEC });
    expect(first).toMatchObject({ status: StoreStatus.Ok, value: '', flags: 0, won: true, winTokenSent: false, hitBefore: false, created: true });
    expect(first.expiresAtMs).toBe(NOW + 30 * SEC);
    const second = read(s, 'k', { vivify: true, vivifyExpiresAtMs: NOW + 30 * SEC });
    expect(second).toMatchObject({ status: StoreStatus.Ok, won: false, winTokenSent: true, cas: first.cas, created: false });
    s.checkInvariants();
  });

  it('gives a vivified item the explicit CAS when one is supplied', () => {
    const s = makeStore();
    const big = (7n << 32n) + 5n;
    expect(read(s, 'k', { vivify: true, vivifyExpiresAtMs: 0, newCas: big }).cas).toBe(big);
    expect(get(s, 'k')!.cas).toBe(big);
    s.checkInvariants();
  });

  it('reports hit-before and last access as they were before the call; noBump changes neither', () => {
    const s = makeStore();
    set(s, 'k', 'v', { now: NOW });
    expect(read(s, 'k', { noBump: true }, NOW + 5 * SEC)).toMatchObject({ hitBefore: false, lastAccessSeconds: NOW_SECONDS });
    expect(read(s, 'k', {}, NOW + 7 * SEC)).toMatchObject({ hitBefore: false, lastAccessSeconds: NOW_SECONDS, value: 'v' });
    expect(read(s, 'k', {}, NOW + 9 * SEC)).toMatchObject({ hitBefore: true, lastAccessSeconds: NOW_SECONDS + 7 });
    expect(info(s, 'k', NOW + 10 * SEC)).toMatchObject({ hitBefore: true, lastAccessSeconds: NOW_SECONDS + 9 });
  });

  it('touches the expiry without changing the CAS', () => {
    const s = makeStore();
    set(s, 'k', 'v', { exp: NOW + 10 * SEC });
    const cas = get(s, 'k')!.cas;
    const r = read(s, 'k', { touch: true, touchExpiresAtMs: NOW + 100 * SEC });
    expect(r).toMatchObject({ cas, expiresAtMs: NOW + 100 * SEC });
    expect(get(s, 'k', NOW + 50 * SEC)).not.toBeNull();
  });

  it('leaves the value out when the compare CAS matches, and sends it when it does not', () => {
    const s = makeStore();
    set(s, 'k', 'value');
    const cas = get(s, 'k')!.cas;
    expect(read(s, 'k', { compareCas: cas })).toMatchObject({ status: StoreStatus.Ok, value: null, valueSize: 5, cas });
    expect(read(s, 'k', { compareCas: cas + 1n }).value).toBe('value');
    expect(read(s, 'k', { wantValue: false }).value).toBeNull();
  });

  it('wins the recache once when the remaining TTL is below the threshold', () => {
    const s = makeStore();
    set(s, 'k', 'v', { exp: NOW + 20 * SEC });
    expect(read(s, 'k', { recache: true, recacheBelowSeconds: 10 })).toMatchObject({ won: false, winTokenSent: false });
    expect(read(s, 'k', { recache: true, recacheBelowSeconds: 30 })).toMatchObject({ won: true, winTokenSent: false });
    expect(read(s, 'k', { recache: true, recacheBelowSeconds: 30 })).toMatchObject({ won: false, winTokenSent: true });
    // A fresh value clears the token.
    set(s, 'k', 'v2', { exp: NOW + 20 * SEC });
    expect(read(s, 'k', { recache: true, recacheBelowSeconds: 30 })).toMatchObject({ won: true, winTokenSent: false });
  });

  it('never wins the recache for an item without expiry', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    expect(read(s, 'k', { recache: true, recacheBelowSeconds: 1_000_000 }).won).toBe(false);
  });
});

describe('Store.readItem touch conditions (Redis EXPIRE NX XX GT LT)', () => {
  const later = NOW + 200 * SEC;
  const earlier = NOW + 50 * SEC;
  const touchIf = (s: Store, key: string, touchCondition: ExpireCondition, at: number): ItemView =>
    read(s, key, { touch: true, touchExpiresAtMs: at, touchCondition, wantValue: false });

  it('NX and XX look only at whether the item has an expiry', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    expect(touchIf(s, 'k', ExpireCondition.HasExpiry, later).status).toBe(StoreStatus.NotStored);
    expect(get(s, 'k')).not.toBeNull();
    expect(touchIf(s, 'k', ExpireCondition.NoExpiry, later)).toMatchObject({ status: StoreStatus.Ok, expiresAtMs: later });
    expect(touchIf(s, 'k', ExpireCondition.NoExpiry, earlier).status).toBe(StoreStatus.NotStored);
    expect(touchIf(s, 'k', ExpireCondition.HasExpiry, earlier)).toMatchObject({ status: StoreStatus.Ok, expiresAtMs: earlier });
  });

  it('GT and LT treat no expiry as infinite; equal times do not pass either', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    expect(touchIf(s, 'k', ExpireCondition.Later, later).status).toBe(StoreStatus.NotStored);
    expect(touchIf(s, 'k', ExpireCondition.Earlier, later)).toMatchObject({ status: StoreStatus.Ok, expiresAtMs: later });
    expect(touchIf(s, 'k', ExpireCondition.Earlier, later).status).toBe(StoreStatus.NotStored);
    expect(touchIf(s, 'k', ExpireCondition.Later, later).status).toBe(StoreStatus.NotStored);
    expect(touchIf(s, 'k', ExpireCondition.Later, earlier).status).toBe(StoreStatus.NotStored);
    expect(touchIf(s, 'k', ExpireCondition.Earlier, earlier)).toMatchObject({ status: StoreStatus.Ok, expiresAtMs: earlier });
    expect(touchIf(s, 'k', ExpireCondition.Later, later)).toMatchObject({ status: StoreStatus.Ok, expiresAtMs: later });
    s.checkInvariants();
  });

  it('a passing condition with a time in the past expires the item at once; a missing key is NotFound', () => {
    const s = makeStore();
    set(s, 'k', 'v', { exp: later });
    expect(touchIf(s, 'k', ExpireCondition.Later, 1).status).toBe(StoreStatus.NotStored);
    expect(touchIf(s, 'k', ExpireCondition.Earlier, 1).status).toBe(StoreStatus.Ok);
    expect(get(s, 'k')).toBeNull();
    expect(touchIf(s, 'k', ExpireCondition.Always, later).status).toBe(StoreStatus.NotFound);
    s.checkInvariants();
  });
});

describe('Store.writeItem keepExpiry (Redis SET KEEPTTL)', () => {
  it('keeps the expiry of a live item, gives a new item expiresAtMs, and ignores an expired one', () => {
    const s = makeStore();
    set(s, 'k', 'old', { exp: NOW + 100 * SEC, flags: 3 });
    expect(write(s, 'k', 'new', { keepExpiry: true, expiresAtMs: NOW + 5 * SEC })).toMatchObject({ status: StoreStatus.Stored, expiresAtMs: NOW + 100 * SEC, flags: 0 });
    expect(get(s, 'k')?.value).toBe('new');
    expect(write(s, 'fresh', 'v', { keepExpiry: true })).toMatchObject({ status: StoreStatus.Stored, expiresAtMs: 0 });
    expect(write(s, 'k', 'later', { keepExpiry: true }, NOW + 200 * SEC)).toMatchObject({ status: StoreStatus.Stored, expiresAtMs: 0 });
    expect(write(s, 'k', 'x', { mode: StoreMode.Replace, keepExpiry: true, expiresAtMs: NOW + 9 * SEC }, NOW + 200 * SEC).expiresAtMs).toBe(0);
    s.checkInvariants();
  });
});

describe('Store.setRange (Redis SETRANGE)', () => {
  const setRange = (s: Store, key: string, offset: number, patch: string, now = NOW): ItemView => {
    const p = bytes(patch);
    return view(s, s.setRange(...keyArgs(key), p, 0, p.length, offset, now));
  };

  it('creates a missing key from zero bytes; an empty patch on a missing key creates nothing', () => {
    const s = makeStore();
    expect(setRange(s, 'k', 0, '').status).toBe(StoreStatus.NotFound);
    expect(get(s, 'k')).toBeNull();
    expect(setRange(s, 'k', 3, 'ab')).toMatchObject({ status: StoreStatus.Stored, valueSize: 5, flags: 0, expiresAtMs: 0, created: true });
    expect(get(s, 'k')?.value).toBe('\0\0\0ab');
    s.checkInvariants();
  });

  it('patches inside and past the end, keeping flags and expiry; an empty patch reports the length', () => {
    const s = makeStore();
    set(s, 'k', 'hello world', { flags: 4, exp: NOW + 60 * SEC });
    expect(setRange(s, 'k', 6, 'there')).toMatchObject({ status: StoreStatus.Stored, valueSize: 11, flags: 4, expiresAtMs: NOW + 60 * SEC });
    expect(get(s, 'k')?.value).toBe('hello there');
    expect(setRange(s, 'k', 13, '!')).toMatchObject({ valueSize: 14 });
    expect(get(s, 'k')).toMatchObject({ value: 'hello there\0\0!', flags: 4 });
    expect(setRange(s, 'k', 1000, '')).toMatchObject({ status: StoreStatus.Ok, valueSize: 14 });
    s.checkInvariants();
  });

  it('refuses a patch ending past the page size before allocating, and leaves the value alone', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    expect(setRange(s, 'k', 2 ** 52, 'x').status).toBe(StoreStatus.TooLarge);
    expect(get(s, 'k')?.value).toBe('v');
  });
});

describe('Store.floatIncrement (Redis INCRBYFLOAT)', () => {
  const incrByFloat = (s: Store, key: string, increment: string, now = NOW): ItemView => {
    const b = bytes(increment);
    return view(s, s.floatIncrement(...keyArgs(key), b, 0, b.length, now));
  };

  it('counts a missing key as 0, keeps flags and expiry of an existing one, and stores the text it replies', () => {
    const s = makeStore();
    expect(incrByFloat(s, 'f', '0.1')).toMatchObject({ status: StoreStatus.Ok, value: '0.1', flags: 0, expiresAtMs: 0, created: true });
    expect(incrByFloat(s, 'f', '0.2')).toMatchObject({ value: '0.3', created: false });
    set(s, 'g', '2', { flags: 8, exp: NOW + 9 * SEC });
    expect(incrByFloat(s, 'g', '0.5')).toMatchObject({ value: '2.5', flags: 8, expiresAtMs: NOW + 9 * SEC });
    expect(get(s, 'g')).toMatchObject({ value: '2.5', flags: 8 });
    s.checkInvariants();
  });

  it('refuses a bad value or increment, and an infinite sum, leaving the value alone', () => {
    const s = makeStore();
    set(s, 'f', 'abc');
    expect(incrByFloat(s, 'f', '1').status).toBe(StoreStatus.NonNumeric);
    set(s, 'f', '1');
    expect(incrByFloat(s, 'f', 'x').status).toBe(StoreStatus.NonNumeric);
    expect(incrByFloat(s, 'f', 'inf').status).toBe(StoreStatus.Overflow);
    expect(incrByFloat(s, 'missing', 'nan').status).toBe(StoreStatus.NonNumeric);
    expect(get(s, 'f')?.value).toBe('1');
    expect(get(s, 'missing')).toBeNull();
  });
});

describe('Store.deleteItem (meta delete) and stale items', () => {
  it('deletes only when the compare CAS matches', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    const cas = get(s, 'k')!.cas;
    expect(remove(s, 'k', { compareCas: cas + 1n }).status).toBe(StoreStatus.Exists);
    expect(get(s, 'k')).not.toBeNull();
    expect(remove(s, 'k', { compareCas: cas }).status).toBe(StoreStatus.Ok);
    expect(get(s, 'k')).toBeNull();
    expect(remove(s, 'k').status).toBe(StoreStatus.NotFound);
    s.checkInvariants();
  });

  it('invalidate keeps the item, bumps its CAS and makes the first reader win (X W), later ones X Z', () => {
    const s = makeStore();
    set(s, 'k', 'hi', { flags: 5 });
    const before = get(s, 'k')!.cas;
    const marked = remove(s, 'k', { invalidate: true, hasExpiry: true, expiresAtMs: NOW + 30 * SEC });
    expect(marked.status).toBe(StoreStatus.Ok);
    expect(marked.cas).toBeGreaterThan(before);
    const first = read(s, 'k');
    expect(first).toMatchObject({ value: 'hi', flags: 5, stale: true, won: true, winTokenSent: false, cas: marked.cas, expiresAtMs: NOW + 30 * SEC });
    expect(read(s, 'k')).toMatchObject({ stale: true, won: false, winTokenSent: true });
    // Invalidating again hands out a fresh token.
    remove(s, 'k', { invalidate: true });
    expect(read(s, 'k')).toMatchObject({ stale: true, won: true, winTokenSent: false, expiresAtMs: NOW + 30 * SEC });
    // A plain set replaces the stale item with a fresh one.
    set(s, 'k', 'new');
    expect(read(s, 'k')).toMatchObject({ stale: false, won: false, winTokenSent: false });
    s.checkInvariants();
  });

  it('invalidate uses the explicit CAS when one is supplied', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    expect(remove(s, 'k', { invalidate: true, newCas: 999n }).cas).toBe(999n);
    expect(get(s, 'k')!.cas).toBe(999n);
  });

  it('dropValue leaves an empty, unfetched item with flags 0 and the old CAS (md x)', () => {
    const s = makeStore();
    set(s, 'k', 'x'.repeat(500), { flags: 9, exp: NOW + 100 * SEC });
    const cas = get(s, 'k')!.cas;
    const r = remove(s, 'k', { dropValue: true });
    expect(r).toMatchObject({ status: StoreStatus.Ok, cas, flags: 0, valueSize: 0, stale: false });
    // memcached gives the tombstone the command's exptime: none without T.
    expect(r.expiresAtMs).toBe(0);
    expect(info(s, 'k')).toMatchObject({ hitBefore: false, valueSize: 0, cas });
    expect(get(s, 'k')).toEqual({ value: '', flags: 0, cas });
    s.checkInvariants();
  });

  it('dropValue with invalidate and a TTL leaves a stale tombstone', () => {
    const s = makeStore();
    set(s, 'k', 'value');
    const r = remove(s, 'k', { dropValue: true, invalidate: true, hasExpiry: true, expiresAtMs: NOW + 5 * SEC });
    expect(r).toMatchObject({ status: StoreStatus.Ok, stale: true, valueSize: 0, expiresAtMs: NOW + 5 * SEC });
    expect(read(s, 'k')).toMatchObject({ value: '', stale: true, won: true });
    expect(get(s, 'k', NOW + 6 * SEC)).toBeNull();
    s.checkInvariants();
  });
});

describe('Store.writeItem (meta set, binary storage)', () => {
  it('Set and Replace with a compare CAS act as cas: NotFound, Exists, Stored', () => {
    const s = makeStore();
    for (const mode of [StoreMode.Set, StoreMode.Replace]) {
      expect(write(s, 'missing', 'v', { mode, compareCas: 5n }).status).toBe(StoreStatus.NotFound);
      set(s, 'k', 'v');
      const cas = get(s, 'k')!.cas;
      expect(write(s, 'k', 'w', { mode, compareCas: cas + 1n }).status).toBe(StoreStatus.Exists);
      const stored = write(s, 'k', 'w', { mode, compareCas: cas, clientFlags: 3 });
      expect(stored.status).toBe(StoreStatus.Stored);
      expect(stored.cas).not.toBe(cas);
      expect(get(s, 'k')).toEqual({ value: 'w', flags: 3, cas: stored.cas });
    }
    s.checkInvariants();
  });

  it('Add ignores the compare CAS, as memcached meta add does', () => {
    const s = makeStore();
    expect(write(s, 'k', 'a', { mode: StoreMode.Add, compareCas: 5n }).status).toBe(StoreStatus.Stored);
    expect(write(s, 'k', 'b', { mode: StoreMode.Add, compareCas: 5n }).status).toBe(StoreStatus.NotStored);
    expect(get(s, 'k')!.value).toBe('a');
  });

  it('Append/Prepend check a compare CAS on an existing item; a missing item is NotStored', () => {
    const s = makeStore();
    expect(write(s, 'k', 'x', { mode: StoreMode.Append, compareCas: 5n }).status).toBe(StoreStatus.NotStored);
    set(s, 'k', 'mid', { flags: 4, exp: NOW + 60 * SEC });
    const cas = get(s, 'k')!.cas;
    expect(write(s, 'k', 'x', { mode: StoreMode.Append, compareCas: cas + 1n }).status).toBe(StoreStatus.Exists);
    const appended = write(s, 'k', '>', { mode: StoreMode.Append, compareCas: cas, clientFlags: 99 });
    expect(appended).toMatchObject({ status: StoreStatus.Stored, valueSize: 4, flags: 4, expiresAtMs: NOW + 60 * SEC });
    expect(write(s, 'k', '<', { mode: StoreMode.Prepend }).valueSize).toBe(5);
    expect(get(s, 'k')!.value).toBe('<mid>');
    s.checkInvariants();
  });

  it('Append with vivify creates the item from the value on a miss, with the vivify TTL and the given flags', () => {
    const s = makeStore();
    const r = write(s, 'k', 'seed', { mode: StoreMode.Append, vivify: true, vivifyExpiresAtMs: NOW + 30 * SEC, expiresAtMs: NOW + 5 * SEC, clientFlags: 7 });
    expect(r).toMatchObject({ status: StoreStatus.Stored, valueSize: 4, flags: 7, expiresAtMs: NOW + 30 * SEC, created: true });
    expect(write(s, 'k', '+', { mode: StoreMode.Append, vivify: true, vivifyExpiresAtMs: NOW + 99 * SEC })).toMatchObject({ expiresAtMs: NOW + 30 * SEC, created: false });
    expect(get(s, 'k')!.value).toBe('seed+');
  });

  it('invalidate: a lower CAS stores the value as stale with the old TTL; equal stores normally; higher is Exists', () => {
    const s = makeStore();
    s.TEST_setCasCounter(0, 100);
    set(s, 'k', 'abc', { exp: NOW + 100 * SEC });
    const cas = get(s, 'k')!.cas;
    expect(write(s, 'k', 'qqq', { compareCas: cas + 100n, invalidate: true }).status).toBe(StoreStatus.Exists);
    const stale = write(s, 'k', 'xyz', { compareCas: cas - 1n, invalidate: true, expiresAtMs: NOW + 5 * SEC });
    expect(stale).toMatchObject({ status: StoreStatus.Stored, stale: true, expiresAtMs: NOW + 100 * SEC });
    expect(stale.cas).toBeGreaterThan(cas);
    expect(read(s, 'k')).toMatchObject({ value: 'xyz', flags: 0, stale: true, won: true });
    expect(read(s, 'k')).toMatchObject({ stale: true, won: false, winTokenSent: true });
    // The token stays out across another stale write (memcached keeps ITEM_TOKEN_SENT).
    write(s, 'k', 'again', { compareCas: 1n, invalidate: true });
    expect(read(s, 'k')).toMatchObject({ value: 'again', stale: true, won: false, winTokenSent: true });
    const current = get(s, 'k')!.cas;
    expect(write(s, 'k', 'fresh', { compareCas: current, invalidate: true })).toMatchObject({ status: StoreStatus.Stored, stale: false });
    expect(read(s, 'k')).toMatchObject({ stale: false, won: false, winTokenSent: false });
    s.checkInvariants();
  });

  it('stores the explicit CAS (meta E) and compares against it later', () => {
    const s = makeStore();
    const e = (1n << 40n) + 12345n;
    expect(write(s, 'k', 'v', { newCas: e }).cas).toBe(e);
    expect(write(s, 'k', 'w', { compareCas: e, newCas: e + 1n }).cas).toBe(e + 1n);
    expect(get(s, 'k')).toEqual({ value: 'w', flags: 0, cas: e + 1n });
    // The counter is untouched by explicit values.
    set(s, 'other', 'x');
    expect(get(s, 'other')!.cas).toBeLessThan(100n);
    s.checkInvariants();
  });

  it('flush_all removes explicit-CAS items written before it and keeps those written in a later second', () => {
    const s = makeStore();
    write(s, 'before', 'v', { newCas: 1n << 50n }, NOW);
    s.flushAll(NOW + 2 * SEC, NOW + 2 * SEC);
    expect(get(s, 'before', NOW + 2 * SEC)).toBeNull();
    // A low explicit CAS after the flush is below the CAS watermark but must survive.
    write(s, 'after', 'v', { newCas: 1n }, NOW + 3 * SEC);
    set(s, 'counter', 'v', { now: NOW + 3 * SEC });
    expect(get(s, 'after', NOW + 4 * SEC)).not.toBeNull();
    expect(get(s, 'counter', NOW + 4 * SEC)).not.toBeNull();
    s.checkInvariants();
  });

  it('a too-large value on Set removes the old item; the error statuses pass through', () => {
    const s = makeStore({ pageSize: 1024 * 1024 });
    set(s, 'k', 'v');
    expect(write(s, 'k', 'x'.repeat(2 * 1024 * 1024)).status).toBe(StoreStatus.TooLarge);
    expect(get(s, 'k')).toBeNull();
  });
});

describe('Store.arithmetic (meta arithmetic, binary incr/decr)', () => {
  it('misses without vivify; vivify stores the initial value, flags 0, without applying the delta', () => {
    const s = makeStore();
    expect(arith(s, 'n').status).toBe(StoreStatus.NotFound);
    const r = arith(s, 'n', { vivify: true, initial: 7n, delta: 5n, vivifyExpiresAtMs: NOW + 30 * SEC });
    expect(r).toMatchObject({ status: StoreStatus.Ok, value: '7', flags: 0, expiresAtMs: NOW + 30 * SEC, created: true });
    expect(get(s, 'n')).toEqual({ value: '7', flags: 0, cas: r.cas });
    expect(arith(s, 'n', { delta: 3n, vivify: true, initial: 100n })).toMatchObject({ value: '10', created: false });
    s.checkInvariants();
  });

  it('vivifies a full 64-bit initial value and decrements to zero', () => {
    const s = makeStore();
    const max = (1n << 64n) - 1n;
    expect(arith(s, 'n', { vivify: true, initial: max }).value).toBe(max.toString());
    expect(arith(s, 'n', { delta: 1n }).value).toBe('0');
    expect(arith(s, 'n', { incr: false, delta: 5n }).value).toBe('0');
  });

  it('compares the CAS, takes an explicit new CAS, and touches on success', () => {
    const s = makeStore();
    set(s, 'n', '10', { exp: NOW + 10 * SEC });
    const cas = get(s, 'n')!.cas;
    expect(arith(s, 'n', { compareCas: cas + 1n }).status).toBe(StoreStatus.Exists);
    expect(get(s, 'n')!.value).toBe('10');
    const r = arith(s, 'n', { compareCas: cas, incr: false, delta: 3n, newCas: 4242n, touch: true, touchExpiresAtMs: NOW + 100 * SEC });
    expect(r).toMatchObject({ status: StoreStatus.Ok, value: '7', cas: 4242n, expiresAtMs: NOW + 100 * SEC });
    // memcached rewrites a shorter number in place, padded with spaces; the reply has the digits only.
    expect(get(s, 'n')).toEqual({ value: '7 ', flags: 0, cas: 4242n });
    s.checkInvariants();
  });

  it('reports an empty value as non-numeric before comparing the CAS (memcached do_add_delta order)', () => {
    const s = makeStore();
    set(s, 'e', '');
    expect(arith(s, 'e', { compareCas: 12345n }).status).toBe(StoreStatus.NonNumeric);
    set(s, 't', 'text');
    expect(arith(s, 't', { compareCas: 12345n }).status).toBe(StoreStatus.Exists);
    expect(arith(s, 't').status).toBe(StoreStatus.NonNumeric);
  });

  it('keeps the stale mark on an in-place update, drops it when the number grows into a new item', () => {
    const s = makeStore();
    set(s, 'n', '5');
    remove(s, 'n', { invalidate: true });
    expect(arith(s, 'n', { delta: 1n }).stale).toBe(true);
    expect(arith(s, 'n', { delta: 1000n }).stale).toBe(false);
  });
});

describe('Store.arithmetic signed (Redis INCRBY)', () => {
  const I64_MAX = (1n << 63n) - 1n;
  const I64_MIN = -(1n << 63n);
  const incrBy = (s: Store, key: string, delta: bigint, now = NOW): ItemView => arith(s, key, { signed: true, delta }, now);

  it('counts a missing key as 0 and creates it with flags 0 and no expiry', () => {
    const s = makeStore();
    expect(incrBy(s, 'n', -5n)).toMatchObject({ status: StoreStatus.Ok, value: '-5', flags: 0, expiresAtMs: 0, created: true });
    expect(get(s, 'n')?.value).toBe('-5');
    expect(incrBy(s, 'n', 7n)).toMatchObject({ status: StoreStatus.Ok, value: '2', created: false });
    s.checkInvariants();
  });

  it('keeps the flags and expiry of an existing item and writes unpadded digits', () => {
    const s = makeStore();
    expect(storeOp(s, StoreMode.Set, 'n', '100', { flags: 9, exp: NOW + 60 * SEC })).toBe(StoreStatus.Stored);
    expect(incrBy(s, 'n', -91n)).toMatchObject({ value: '9', flags: 9, expiresAtMs: NOW + 60 * SEC });
    expect(get(s, 'n')).toMatchObject({ value: '9', flags: 9 });
    s.checkInvariants();
  });

  it('refuses what Redis string2ll refuses, and leaves the value alone', () => {
    const s = makeStore();
    for (const bad of ['', ' 1', '1 ', '+1', '01', '-0', '-', '1.5', 'abc', '9223372036854775808', '-9223372036854775809', '123456789012345678901']) {
      storeOp(s, StoreMode.Set, 'n', bad);
      expect([bad, incrBy(s, 'n', 1n).status]).toEqual([bad, StoreStatus.NonNumeric]);
      expect(get(s, 'n')?.value).toBe(bad);
    }
    for (const good of ['0', '-1', '9223372036854775806', '-9223372036854775808']) {
      storeOp(s, StoreMode.Set, 'n', good);
      expect(incrBy(s, 'n', 1n).value).toBe((BigInt(good) + 1n).toString());
    }
  });

  it('reports overflow at both ends of int64 without changing the value', () => {
    const s = makeStore();
    storeOp(s, StoreMode.Set, 'n', I64_MAX.toString());
    expect(incrBy(s, 'n', 1n).status).toBe(StoreStatus.Overflow);
    expect(get(s, 'n')?.value).toBe(I64_MAX.toString());
    storeOp(s, StoreMode.Set, 'n', '-1');
    expect(incrBy(s, 'n', I64_MIN).status).toBe(StoreStatus.Overflow);
    storeOp(s, StoreMode.Set, 'n', '0');
    expect(incrBy(s, 'n', I64_MIN).value).toBe(I64_MIN.toString());
    expect(incrBy(s, 'n', -1n).status).toBe(StoreStatus.Overflow);
    expect(incrBy(s, 'm', I64_MAX).value).toBe(I64_MAX.toString());
  });

  it('does not resurrect an expired item: it counts as missing', () => {
    const s = makeStore();
    storeOp(s, StoreMode.Set, 'n', '50', { exp: NOW + SEC });
    expect(incrBy(s, 'n', 1n, NOW + 2 * SEC)).toMatchObject({ value: '1', expiresAtMs: 0, created: true });
  });
});

describe('Store.itemInfo (meta debug)', () => {
  it('reports metadata without bumping, fetching or changing anything', () => {
    const s = makeStore();
    expect(info(s, 'k').status).toBe(StoreStatus.NotFound);
    set(s, 'k', 'hi', { flags: 5, exp: NOW + 60 * SEC, now: NOW });
    const cas = get(s, 'k', NOW)!.cas; // fetched, last access NOW
    const r = info(s, 'k', NOW + 3 * SEC);
    expect(r).toMatchObject({ status: StoreStatus.Ok, value: null, cas, hitBefore: true, lastAccessSeconds: NOW_SECONDS, valueSize: 2, expiresAtMs: NOW + 60 * SEC });
    expect(s.result.meta.slabClassId).toBe(1);
    expect(info(s, 'k', NOW + 5 * SEC).lastAccessSeconds).toBe(NOW_SECONDS);
  });

  it('does not report expired or flushed items', () => {
    const s = makeStore();
    set(s, 'k', 'v', { exp: NOW + SEC });
    expect(info(s, 'k', NOW + 2 * SEC).status).toBe(StoreStatus.NotFound);
  });
});

describe('item ops keep the store consistent', () => {
  it('random mixes of item ops and classic ops leave the invariants intact', () => {
    const s = makeStore({ pages: 3, pageSize: 64 * 1024 });
    const random = prng(20260522);
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    let now = NOW;
    for (let step = 0; step < 4000; step++) {
      now += Math.floor(random() * 300);
      const key = keys[Math.floor(random() * keys.length)]!;
      const cas = random() < 0.5 ? 0n : BigInt(Math.floor(random() * 50));
      const size = Math.floor(random() * 3000);
      switch (Math.floor(random() * 7)) {
        case 0:
          read(s, key, { vivify: random() < 0.3, vivifyExpiresAtMs: now + 5000, touch: random() < 0.2, touchExpiresAtMs: now + 2000, recache: true, recacheBelowSeconds: 3, noBump: random() < 0.3 }, now);
          break;
        case 1:
          write(s, key, 'v'.repeat(size), { mode: Math.floor(random() * 5) as StoreMode, compareCas: cas, invalidate: random() < 0.3, vivify: random() < 0.3, newCas: random() < 0.2 ? 77n : 0n, expiresAtMs: random() < 0.5 ? 0 : now + 3000 }, now);
          break;
        case 2:
          remove(s, key, { compareCas: cas, invalidate: random() < 0.4, dropValue: random() < 0.4, hasExpiry: random() < 0.5, expiresAtMs: now + 4000 }, now);
          break;
        case 3:
          arith(s, key, { vivify: random() < 0.5, initial: BigInt(size), delta: BigInt(size * 1000), incr: random() < 0.5, compareCas: cas }, now);
          break;
        case 4:
          info(s, key, now);
          break;
        case 5:
          set(s, key, String(size), { now, exp: random() < 0.5 ? 0 : now + 2000 });
          break;
        default:
          if (random() < 0.02) s.flushAll(now, now);
          else s.crawlExpired(50, now);
      }
    }
    s.checkInvariants();
  });
});
