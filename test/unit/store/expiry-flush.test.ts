import { StoreMode, StoreStatus } from '../../../src/store/types';
import { NOW, del, gat, get, getValue, incrDecr, makeStore, set, storeOp, touch } from './helpers';

describe('Store expiry', () => {
  it('0 never expires', () => {
    const s = makeStore();
    set(s, 'k', 'v', { exp: 0 });
    expect(getValue(s, 'k', NOW + 1e12)).toBe('v');
  });

  it('a future expiry is visible until the deadline, gone at it', () => {
    const s = makeStore();
    set(s, 'k', 'v', { exp: NOW + 1000 });
    expect(getValue(s, 'k', NOW + 999)).toBe('v');
    expect(getValue(s, 'k', NOW + 1000)).toBeNull();
    expect(s.stats()).toMatchObject({ curr_items: 0, get_expired: 1, reclaimed: 1, expired_unfetched: 0 });
    s.checkInvariants();
  });

  it('an expiry in the past stores normally but hides the item (set with negative exptime)', () => {
    const s = makeStore();
    set(s, 'k', 'old');
    expect(set(s, 'k', 'new', { exp: NOW - 1 })).toBe(StoreStatus.Stored);
    expect(get(s, 'k')).toBeNull();
    const st = s.stats();
    expect(st.total_items).toBe(2);
    expect(st.get_expired).toBe(1);
    expect(st.expired_unfetched).toBe(1);
    expect(st.curr_items).toBe(0);
    s.checkInvariants();
  });

  it('expired items are invisible to every command', () => {
    const s = makeStore();
    set(s, 'k', '5', { exp: NOW + 1 });
    const later = NOW + 2;
    expect(get(s, 'k', later)).toBeNull();
    set(s, 'k', '5', { exp: NOW + 1 });
    expect(gat(s, 'k', 0, later)).toBeNull();
    set(s, 'k', '5', { exp: NOW + 1 });
    expect(touch(s, 'k', 0, later)).toBe(StoreStatus.NotFound);
    set(s, 'k', '5', { exp: NOW + 1 });
    expect(del(s, 'k', later)).toBe(StoreStatus.NotFound);
    set(s, 'k', '5', { exp: NOW + 1 });
    expect(incrDecr(s, 'k', true, 1n, later).status).toBe(StoreStatus.NotFound);
    set(s, 'k', '5', { exp: NOW + 1 });
    expect(storeOp(s, StoreMode.Append, 'k', 'x', { now: later })).toBe(StoreStatus.NotStored);
    expect(s.stats().get_expired).toBe(6);
    s.checkInvariants();
  });
});

describe('Store.flushAll', () => {
  it('immediate: hides everything stored before, even in the same millisecond', () => {
    const s = makeStore();
    for (let i = 0; i < 10; i++) set(s, `k${i}`, 'v');
    s.flushAll(NOW, NOW);
    set(s, 'after', 'v'); // same ms as the flush
    for (let i = 0; i < 10; i++) expect(get(s, `k${i}`)).toBeNull();
    expect(getValue(s, 'after')).toBe('v');
    expect(s.stats().get_flushed).toBe(10);
    expect(s.stats().curr_items).toBe(1);
    s.checkInvariants();
  });

  it('a deadline of 0 (or any past time) flushes now', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    s.flushAll(0, NOW);
    expect(get(s, 'k')).toBeNull();
  });

  it('add succeeds and replace fails on a flushed key; items re-set after the flush live', () => {
    const s = makeStore();
    set(s, 'a', 'v');
    set(s, 'b', 'v');
    s.flushAll(NOW, NOW);
    expect(storeOp(s, StoreMode.Replace, 'a', 'x')).toBe(StoreStatus.NotStored);
    expect(storeOp(s, StoreMode.Add, 'b', 'new')).toBe(StoreStatus.Stored);
    expect(getValue(s, 'b')).toBe('new');
    s.flushAll(NOW, NOW);
    expect(getValue(s, 'b')).toBeNull();
  });

  it('touch does not revive a flushed item', () => {
    const s = makeStore();
    set(s, 'a', 'v');
    s.flushAll(NOW, NOW);
    expect(touch(s, 'a', 0)).toBe(StoreStatus.NotFound);
  });

  it('incr after a flush is NotFound; an in-place incr after flush counts as a new write', () => {
    const s = makeStore();
    set(s, 'n', '10');
    s.flushAll(NOW, NOW);
    expect(incrDecr(s, 'n', true, 1n).status).toBe(StoreStatus.NotFound);
    set(s, 'm', '10');
    expect(incrDecr(s, 'm', false, 1n).value).toBe('9');
    expect(getValue(s, 'm')).toBe('9 ');
  });

  it('delayed: items stay visible until the deadline, then everything written before it is gone', () => {
    const s = makeStore();
    set(s, 'early', 'v', { now: NOW });
    s.flushAll(NOW + 10_000, NOW);
    set(s, 'before-deadline', 'v', { now: NOW + 5_000 });
    expect(getValue(s, 'early', NOW + 9_999)).toBe('v');
    expect(getValue(s, 'before-deadline', NOW + 9_999)).toBe('v');
    // First call at/after the deadline: a write in that same call survives.
    set(s, 'at-deadline', 'v', { now: NOW + 10_000 });
    expect(getValue(s, 'early', NOW + 10_000)).toBeNull();
    expect(getValue(s, 'before-deadline', NOW + 10_001)).toBeNull();
    expect(getValue(s, 'at-deadline', NOW + 10_001)).toBe('v');
    set(s, 'later', 'v', { now: NOW + 20_000 });
    expect(getValue(s, 'later', NOW + 20_000)).toBe('v');
    expect(s.stats().get_flushed).toBe(2);
    s.checkInvariants();
  });

  it('a later flushAll replaces a pending one', () => {
    const s = makeStore();
    set(s, 'k', 'v');
    s.flushAll(NOW + 1000, NOW);
    s.flushAll(NOW + 5000, NOW + 1);
    expect(getValue(s, 'k', NOW + 2000)).toBe('v');
    expect(getValue(s, 'k', NOW + 5000)).toBeNull();
  });

  it('an immediate flush cancels a pending delayed one', () => {
    const s = makeStore();
    set(s, 'a', 'v');
    s.flushAll(NOW + 1000, NOW);
    s.flushAll(NOW, NOW);
    expect(getValue(s, 'a')).toBeNull();
    set(s, 'b', 'v', { now: NOW + 1 });
    expect(getValue(s, 'b', NOW + 2000)).toBe('v');
  });

  it('a pending flush that came due is applied before a new one is scheduled', () => {
    const s = makeStore();
    set(s, 'a', 'v');
    s.flushAll(NOW + 1000, NOW);
    s.flushAll(NOW + 9000, NOW + 1000); // the first deadline has passed at this call
    expect(getValue(s, 'a', NOW + 1001)).toBeNull();
  });

  it('flushAll on an empty store is harmless', () => {
    const s = makeStore();
    s.flushAll(NOW, NOW);
    set(s, 'a', 'v');
    expect(getValue(s, 'a')).toBe('v');
  });

  it('flushed memory is reclaimed by the crawler', () => {
    const s = makeStore();
    for (let i = 0; i < 100; i++) set(s, `k${i}`, 'v');
    s.flushAll(NOW, NOW);
    let reclaimed = 0;
    for (let i = 0; i < 10; i++) reclaimed += s.crawlExpired(50, NOW);
    expect(reclaimed).toBe(100);
    expect(s.stats()).toMatchObject({ curr_items: 0, bytes: 0, reclaimed: 100, expired_unfetched: 100 });
    s.checkInvariants();
  });
});
