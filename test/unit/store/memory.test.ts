import { StoreMode, StoreStatus } from '../../../src/store/types';
import { HEADER_SIZE } from '../../../src/store/item-layout';
import { KIB, NOW, del, get, getValue, makeStore, set } from './helpers';

const key = (i: number): string => `key:${String(i).padStart(8, '0')}`;

describe('Store eviction', () => {
  it('stays within a tiny budget while writing 10x the memory, keeping the newest keys', () => {
    const pageSize = 64 * KIB;
    const pages = 4;
    const s = makeStore({ pageSize, pages });
    const value = 'v'.repeat(100);
    const itemSize = HEADER_SIZE + key(0).length + value.length;
    const n = Math.ceil((10 * pages * pageSize) / itemSize);
    for (let i = 0; i < n; i++) {
      expect(set(s, key(i), value)).toBe(StoreStatus.Stored);
      if (i % 1000 === 0) s.checkInvariants();
    }
    const st = s.stats();
    expect(st.total_pages).toBe(pages);
    expect(st.bytes).toBeLessThanOrEqual(pages * pageSize);
    expect(st.evictions).toBeGreaterThan(0);
    expect(st.evicted_unfetched).toBe(st.evictions);
    expect(st.evictions).toBe(n - st.curr_items);
    const cls = st.slab_classes.find((c) => c.used_chunks > 0)!;
    expect(cls.evicted).toBe(st.evictions);
    expect(cls.used_chunks).toBe(cls.total_chunks);
    for (let i = n - 100; i < n; i++) expect(getValue(s, key(i))).toBe(value);
    expect(get(s, key(0))).toBeNull();
    s.checkInvariants();
  });

  it('evicts the least recently used: a key read recently survives one not read', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    const value = 'v'.repeat(100);
    const perPage = s.stats().slab_classes.find((c) => c.chunk_size >= HEADER_SIZE + 12 + 100)!.chunks_per_page;
    for (let i = 0; i < perPage; i++) set(s, key(i), value);
    expect(s.stats().evictions).toBe(0);
    get(s, key(0)); // key 0 is now the most recent; key 1 the least
    set(s, key(perPage), value);
    expect(s.stats().evictions).toBe(1);
    expect(getValue(s, key(0))).toBe(value);
    expect(get(s, key(1))).toBeNull();
    s.checkInvariants();
  });

  it('a touched or re-set key also counts as recently used', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    const value = 'v'.repeat(100);
    const perPage = s.stats().slab_classes.find((c) => c.chunk_size >= HEADER_SIZE + 12 + 100)!.chunks_per_page;
    for (let i = 0; i < perPage; i++) set(s, key(i), value);
    set(s, key(0), value);
    set(s, key(perPage), value);
    expect(getValue(s, key(0))).toBe(value);
    expect(get(s, key(1))).toBeNull();
  });

  it('reclaims an expired tail item instead of evicting', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    const value = 'v'.repeat(100);
    const perPage = s.stats().slab_classes.find((c) => c.chunk_size >= HEADER_SIZE + 12 + 100)!.chunks_per_page;
    set(s, key(0), value, { exp: NOW + 10 });
    for (let i = 1; i < perPage; i++) set(s, key(i), value);
    set(s, key(perPage), value, { now: NOW + 10 });
    const st = s.stats();
    expect(st.evictions).toBe(0);
    expect(st.reclaimed).toBe(1);
    expect(st.expired_unfetched).toBe(1);
    expect(getValue(s, key(1), NOW + 10)).toBe(value);
    s.checkInvariants();
  });

  it('counts evicted_unfetched only for items never read', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    const value = 'v'.repeat(100);
    const perPage = s.stats().slab_classes.find((c) => c.chunk_size >= HEADER_SIZE + 12 + 100)!.chunks_per_page;
    for (let i = 0; i < perPage; i++) set(s, key(i), value);
    for (let i = 0; i < perPage; i++) get(s, key(i));
    for (let i = perPage; i < perPage + 10; i++) set(s, key(i), value);
    expect(s.stats()).toMatchObject({ evictions: 10, evicted_unfetched: 0 });
  });

  it('NoMemory when the class has no page, the budget is spent and its LRU is empty', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    set(s, 'a', 'small');
    expect(set(s, 'b', 'x'.repeat(2000))).toBe(StoreStatus.NoMemory);
    const st = s.stats();
    expect(st.slab_classes.reduce((n, c) => n + c.outofmemory, 0)).toBe(1);
    expect(getValue(s, 'a')).toBe('small');
  });

  it('uses whole-page items in the largest class', () => {
    const pageSize = 64 * KIB;
    const s = makeStore({ pageSize, pages: 2 });
    const big = 'b'.repeat(pageSize - HEADER_SIZE - 2);
    expect(set(s, 'k1', big)).toBe(StoreStatus.Stored);
    expect(set(s, 'k2', big)).toBe(StoreStatus.Stored);
    expect(set(s, 'k3', big)).toBe(StoreStatus.Stored);
    expect(get(s, 'k1')).toBeNull();
    expect(getValue(s, 'k3')).toBe(big);
    const last = s.stats().slab_classes.at(-1)!;
    expect(last).toMatchObject({ chunk_size: pageSize, chunks_per_page: 1, total_pages: 2, used_chunks: 2, evicted: 1 });
    s.checkInvariants();
  });
});

describe('Store.crawlExpired', () => {
  it('reclaims expired items over repeated bounded calls', () => {
    const s = makeStore({ pageSize: 64 * KIB });
    const n = 3000;
    for (let i = 0; i < n; i++) set(s, key(i), 'v'.repeat(i % 300), { exp: i % 2 === 0 ? NOW + 100 : 0 });
    const pages = s.stats().total_pages;
    expect(pages).toBeGreaterThan(3);
    let total = 0;
    let calls = 0;
    while (s.stats().curr_items > n / 2) {
      const got = s.crawlExpired(100, NOW + 100);
      expect(got).toBeLessThanOrEqual(100);
      total += got;
      calls++;
      expect(calls).toBeLessThan(1000);
    }
    expect(calls).toBeGreaterThan(10);
    expect(total).toBe(n / 2);
    const st = s.stats();
    expect(st.reclaimed).toBe(n / 2);
    expect(st.expired_unfetched).toBe(n / 2);
    expect(st.get_expired).toBe(0);
    for (let i = 1; i < n; i += 2) expect(getValue(s, key(i), NOW + 100)).toBe('v'.repeat(i % 300));
    s.checkInvariants();
  });

  it('does nothing before expiry and wraps around for later passes', () => {
    const s = makeStore();
    for (let i = 0; i < 50; i++) set(s, key(i), 'v', { exp: NOW + 10 });
    for (let i = 0; i < 20; i++) expect(s.crawlExpired(7, NOW)).toBe(0);
    let total = 0;
    for (let i = 0; i < 20; i++) total += s.crawlExpired(7, NOW + 10);
    expect(total).toBe(50);
    s.checkInvariants();
  });

  it('is bounded even when asked for everything, and handles an empty store', () => {
    const s = makeStore();
    expect(s.crawlExpired(1000, NOW)).toBe(0);
    for (let i = 0; i < 10; i++) set(s, key(i), 'v', { exp: NOW + 1 });
    expect(s.crawlExpired(Number.POSITIVE_INFINITY, NOW + 1)).toBe(10);
    expect(s.crawlExpired(0, NOW + 1)).toBe(0);
  });

  it('reuses reclaimed chunks', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    for (let i = 0; i < 100; i++) set(s, key(i), 'v', { exp: NOW + 1 });
    s.crawlExpired(10_000, NOW + 1);
    for (let i = 100; i < 200; i++) set(s, key(i), 'v', { now: NOW + 1 });
    expect(s.stats()).toMatchObject({ total_pages: 1, evictions: 0, curr_items: 100 });
    s.checkInvariants();
  });
});

describe('Store hash index', () => {
  it('grows incrementally and keeps every key', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    const n = 5000;
    for (let i = 0; i < n; i++) {
      set(s, key(i), `v${i}`);
      if (i % 97 === 0) s.checkInvariants();
      if (i % 13 === 0) expect(getValue(s, key(i >> 1))).toBe(`v${i >> 1}`);
    }
    const st = s.stats();
    expect(st.hash_power_level).toBeGreaterThanOrEqual(12);
    expect(st.curr_items).toBe(n);
    for (let i = 0; i < n; i++) expect(getValue(s, key(i))).toBe(`v${i}`);
    s.checkInvariants();
  });

  it('deletes and re-inserts during growth', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    for (let i = 0; i < 2000; i++) {
      set(s, key(i), 'v');
      if (i % 3 === 0 && i > 0) expect(del(s, key(i - 1))).toBe(StoreStatus.Ok);
      if (i % 50 === 0) s.checkInvariants();
    }
    s.checkInvariants();
    for (let i = 0; i < 2000; i++) expect(getValue(s, key(i)) === null).toBe(i % 3 === 2 && i < 1999);
  });

  it('crawler calls finish a pending expansion', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    for (let i = 0; i < 25; i++) set(s, key(i), 'v');
    expect(s.stats().hash_bytes).toBe((16 + 32) * 4); // both tables while growing
    s.crawlExpired(1, NOW);
    expect(s.stats().hash_bytes).toBe(32 * 4);
    s.checkInvariants();
  });

  it('handles colliding hashes by comparing key bytes', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    const keys = ['alpha', 'beta', 'gamma', 'delta'];
    for (const k of keys) {
      const b = Buffer.from(k);
      // Same forged hash for all: they share one chain.
      expect(s.store(StoreMode.Set, b, 0, b.length, 12345, b, 0, b.length, 0, 0, 0, 0, NOW)).toBe(StoreStatus.Stored);
    }
    for (const k of keys) {
      const b = Buffer.from(k);
      expect(s.get(b, 0, b.length, 12345, NOW)).toBe(StoreStatus.Ok);
      expect(Buffer.from(s.result.valueBytes.subarray(s.result.valueOffset, s.result.valueOffset + s.result.valueLength)).toString()).toBe(k);
    }
    const b = Buffer.from('beta');
    expect(s.delete(b, 0, 4, 12345, NOW)).toBe(StoreStatus.Ok);
    expect(s.get(b, 0, 4, 12345, NOW)).toBe(StoreStatus.NotFound);
    expect(s.get(Buffer.from('gamma'), 0, 5, 12345, NOW)).toBe(StoreStatus.Ok);
  });
});
