import { StoreMode, StoreStatus } from '../../../src/store/types';
import { HEADER_SIZE } from '../../../src/store/item-layout';
import { hashBytes } from '../../../src/util/hash';
import { NOW, del, gat, get, getValue, makeStore, resultCas, set, storeOp, touch } from './helpers';

describe('Store', () => {
  describe('get / set', () => {
    it('returns NotFound for a missing key', () => {
      const s = makeStore();
      expect(get(s, 'nope')).toBeNull();
    });

    it('stores and reads back value, flags and CAS', () => {
      const s = makeStore();
      expect(set(s, 'k', 'hello', { flags: 0xdeadbeef })).toBe(StoreStatus.Stored);
      const cas = resultCas(s);
      expect(cas).toBeGreaterThan(0n);
      expect(get(s, 'k')).toEqual({ value: 'hello', flags: 0xdeadbeef, cas });
      s.checkInvariants();
    });

    it('overwrites an existing key in the same class and in another class', () => {
      const s = makeStore();
      set(s, 'k', 'a');
      set(s, 'k', 'b', { flags: 3 });
      expect(get(s, 'k')).toMatchObject({ value: 'b', flags: 3 });
      const big = 'x'.repeat(5000);
      set(s, 'k', big);
      expect(getValue(s, 'k')).toBe(big);
      set(s, 'k', 'small again');
      expect(getValue(s, 'k')).toBe('small again');
      expect(s.stats().curr_items).toBe(1);
      expect(s.stats().total_items).toBe(4);
      s.checkInvariants();
    });

    it('stores an empty value and a 250-byte binary key', () => {
      const s = makeStore();
      const key = Buffer.alloc(250);
      for (let i = 0; i < 250; i++) key[i] = (i * 7 + 1) & 0xff;
      expect(set(s, key, '')).toBe(StoreStatus.Stored);
      expect(get(s, key)).toMatchObject({ value: '' });
      s.checkInvariants();
    });

    it('reads a key from the middle of a larger buffer', () => {
      const s = makeStore();
      set(s, 'abc', 'v');
      const buf = Buffer.from('xxabcyy');
      expect(s.get(buf, 2, 3, hashBytes(buf, 2, 3), NOW)).toBe(StoreStatus.Ok);
    });

    it('accepts a value slice from a larger buffer', () => {
      const s = makeStore();
      const k = Buffer.from('key');
      const v = Buffer.from('..payload..');
      expect(s.store(StoreMode.Set, k, 0, 3, hashBytes(k, 0, 3), v, 2, 7, 0, 0, 0, 0, NOW)).toBe(StoreStatus.Stored);
      expect(getValue(s, 'key')).toBe('payload');
      const long = Buffer.alloc(300, 0x61);
      long.write('Z', 299);
      expect(s.store(StoreMode.Set, k, 0, 3, hashBytes(k, 0, 3), long, 100, 200, 0, 0, 0, 0, NOW)).toBe(StoreStatus.Stored);
      expect(getValue(s, 'key')).toBe('a'.repeat(199) + 'Z');
    });

    it('keeps keys that differ only in bytes apart', () => {
      const s = makeStore();
      set(s, 'key1', 'one');
      set(s, 'key2', 'two');
      set(s, 'key10', 'ten');
      expect(getValue(s, 'key1')).toBe('one');
      expect(getValue(s, 'key2')).toBe('two');
      expect(getValue(s, 'key10')).toBe('ten');
    });

    it('marks an item fetched on get (not counted as expired_unfetched later)', () => {
      const s = makeStore();
      set(s, 'a', '1', { exp: NOW + 10 });
      set(s, 'b', '2', { exp: NOW + 10 });
      get(s, 'a');
      expect(get(s, 'a', NOW + 10)).toBeNull();
      expect(get(s, 'b', NOW + 10)).toBeNull();
      const st = s.stats();
      expect(st.reclaimed).toBe(2);
      expect(st.expired_unfetched).toBe(1);
      expect(st.get_expired).toBe(2);
    });
  });

  describe('add', () => {
    it('stores when missing, NotStored when live', () => {
      const s = makeStore();
      expect(storeOp(s, StoreMode.Add, 'k', 'v1')).toBe(StoreStatus.Stored);
      expect(storeOp(s, StoreMode.Add, 'k', 'v2')).toBe(StoreStatus.NotStored);
      expect(getValue(s, 'k')).toBe('v1');
      s.checkInvariants();
    });

    it('succeeds over an expired or hidden item', () => {
      const s = makeStore();
      set(s, 'k', 'old', { exp: NOW - 1 });
      expect(storeOp(s, StoreMode.Add, 'k', 'new')).toBe(StoreStatus.Stored);
      expect(getValue(s, 'k')).toBe('new');
      set(s, 'j', 'old', { exp: NOW + 5 });
      expect(storeOp(s, StoreMode.Add, 'j', 'new', { now: NOW + 5 })).toBe(StoreStatus.Stored);
      expect(getValue(s, 'j', NOW + 5)).toBe('new');
      s.checkInvariants();
    });

    it('bumps the existing item in the LRU without changing its CAS', () => {
      const s = makeStore();
      set(s, 'k', 'v');
      const cas = resultCas(s);
      expect(storeOp(s, StoreMode.Add, 'k', 'w')).toBe(StoreStatus.NotStored);
      expect(get(s, 'k')!.cas).toBe(cas);
    });
  });

  describe('replace', () => {
    it('NotStored when missing, Stored when present', () => {
      const s = makeStore();
      expect(storeOp(s, StoreMode.Replace, 'k', 'v')).toBe(StoreStatus.NotStored);
      expect(get(s, 'k')).toBeNull();
      set(s, 'k', 'v');
      expect(storeOp(s, StoreMode.Replace, 'k', 'w', { flags: 9 })).toBe(StoreStatus.Stored);
      expect(get(s, 'k')).toMatchObject({ value: 'w', flags: 9 });
      expect(storeOp(s, StoreMode.Replace, 'k', 'x'.repeat(3000))).toBe(StoreStatus.Stored);
      expect(getValue(s, 'k')).toBe('x'.repeat(3000));
      s.checkInvariants();
    });

    it('NotStored on an expired key', () => {
      const s = makeStore();
      set(s, 'k', 'v', { exp: NOW - 1000 });
      expect(storeOp(s, StoreMode.Replace, 'k', 'w')).toBe(StoreStatus.NotStored);
    });
  });

  describe('append / prepend', () => {
    it('NotStored when missing', () => {
      const s = makeStore();
      expect(storeOp(s, StoreMode.Append, 'k', 'x')).toBe(StoreStatus.NotStored);
      expect(storeOp(s, StoreMode.Prepend, 'k', 'x')).toBe(StoreStatus.NotStored);
      expect(s.stats().curr_items).toBe(0);
    });

    it('appends and prepends in place and keep flags and expiry of the old item', () => {
      const s = makeStore();
      set(s, 'k', 'mid', { flags: 42, exp: NOW + 1000 });
      const cas0 = resultCas(s);
      expect(storeOp(s, StoreMode.Append, 'k', '-end', { flags: 1, exp: NOW + 5 })).toBe(StoreStatus.Stored);
      const cas1 = resultCas(s);
      expect(cas1).toBeGreaterThan(cas0);
      expect(storeOp(s, StoreMode.Prepend, 'k', 'start-', { flags: 2, exp: NOW - 5 })).toBe(StoreStatus.Stored);
      expect(get(s, 'k', NOW + 500)).toMatchObject({ value: 'start-mid-end', flags: 42, cas: resultCas(s) });
      expect(get(s, 'k', NOW + 1000)).toBeNull();
      s.checkInvariants();
    });

    it('moves the item to a larger class when it grows', () => {
      const s = makeStore();
      set(s, 'k', 'a'.repeat(40), { flags: 7 });
      storeOp(s, StoreMode.Append, 'k', 'b'.repeat(2000));
      storeOp(s, StoreMode.Prepend, 'k', 'c'.repeat(3000));
      expect(get(s, 'k')).toMatchObject({ value: 'c'.repeat(3000) + 'a'.repeat(40) + 'b'.repeat(2000), flags: 7 });
      const st = s.stats();
      expect(st.curr_items).toBe(1);
      expect(st.bytes).toBe(HEADER_SIZE + 4 + 1 + 5040); // flags 7 take a header word
      expect(st.total_items).toBe(3);
      s.checkInvariants();
    });

    it('checks a non-zero CAS (binary protocol) and ignores a zero one', () => {
      const s = makeStore();
      set(s, 'k', 'v');
      const cas = resultCas(s);
      expect(storeOp(s, StoreMode.Append, 'k', 'x', { cas: cas + 1n })).toBe(StoreStatus.Exists);
      expect(storeOp(s, StoreMode.Append, 'k', 'x', { cas })).toBe(StoreStatus.Stored);
      expect(storeOp(s, StoreMode.Prepend, 'k', 'y')).toBe(StoreStatus.Stored);
      expect(getValue(s, 'k')).toBe('yvx');
    });

    it('NotStored when the combined item exceeds the page (memcached behaviour)', () => {
      const s = makeStore({ pageSize: 64 * 1024 });
      set(s, 'k', 'x'.repeat(40_000));
      expect(storeOp(s, StoreMode.Append, 'k', 'y'.repeat(30_000))).toBe(StoreStatus.NotStored);
      expect(getValue(s, 'k')).toBe('x'.repeat(40_000));
      expect(storeOp(s, StoreMode.Append, 'k', 'y'.repeat(70_000))).toBe(StoreStatus.TooLarge);
      expect(getValue(s, 'k')).toBe('x'.repeat(40_000));
      s.checkInvariants();
    });
  });

  describe('cas', () => {
    it('NotFound when missing, Exists on mismatch, Stored on match', () => {
      const s = makeStore();
      expect(storeOp(s, StoreMode.Cas, 'k', 'v', { cas: 1n })).toBe(StoreStatus.NotFound);
      set(s, 'k', 'v1');
      const cas = resultCas(s);
      expect(storeOp(s, StoreMode.Cas, 'k', 'v2', { cas: cas + 1n })).toBe(StoreStatus.Exists);
      expect(getValue(s, 'k')).toBe('v1');
      expect(storeOp(s, StoreMode.Cas, 'k', 'v2', { cas, flags: 5 })).toBe(StoreStatus.Stored);
      const cas2 = resultCas(s);
      expect(cas2).not.toBe(cas);
      expect(get(s, 'k')).toEqual({ value: 'v2', flags: 5, cas: cas2 });
      expect(storeOp(s, StoreMode.Cas, 'k', 'v3', { cas })).toBe(StoreStatus.Exists);
      s.checkInvariants();
    });

    it('CAS 0 never matches an existing item', () => {
      const s = makeStore();
      set(s, 'k', 'v');
      expect(storeOp(s, StoreMode.Cas, 'k', 'w', { cas: 0n })).toBe(StoreStatus.Exists);
    });

    it('NotFound on an expired item', () => {
      const s = makeStore();
      set(s, 'k', 'v', { exp: NOW + 1 });
      const cas = resultCas(s);
      expect(storeOp(s, StoreMode.Cas, 'k', 'w', { cas, now: NOW + 1 })).toBe(StoreStatus.NotFound);
    });

    it('compares both 32-bit halves', () => {
      const s = makeStore();
      s.TEST_setCasCounter(5, 0xffffffff);
      set(s, 'k', 'v');
      const cas = resultCas(s);
      expect(cas).toBe(6n << 32n);
      expect(storeOp(s, StoreMode.Cas, 'k', 'w', { cas: 0n })).toBe(StoreStatus.Exists);
      expect(storeOp(s, StoreMode.Cas, 'k', 'w', { cas: 6n })).toBe(StoreStatus.Exists);
      expect(storeOp(s, StoreMode.Cas, 'k', 'w', { cas })).toBe(StoreStatus.Stored);
    });
  });

  describe('CAS values', () => {
    it('are unique and increasing per write, untouched by get/touch/gat', () => {
      const s = makeStore();
      const seen = new Set<bigint>();
      for (let i = 0; i < 100; i++) {
        set(s, `k${i % 10}`, `v${i}`);
        const cas = resultCas(s);
        expect(seen.has(cas)).toBe(false);
        seen.add(cas);
      }
      const before = get(s, 'k3')!.cas;
      expect(touch(s, 'k3', NOW + 100000)).toBe(StoreStatus.Ok);
      expect(gat(s, 'k3', 0)!.cas).toBe(before);
      expect(get(s, 'k3')!.cas).toBe(before);
    });

    it('follow counter * shardCount + shardIndex, counter from 1', () => {
      const s = makeStore({ shardCount: 3, shardIndex: 2 });
      const cas: bigint[] = [];
      for (let i = 0; i < 4; i++) {
        set(s, `k${i}`, 'v');
        cas.push(resultCas(s));
      }
      expect(cas).toEqual([5n, 8n, 11n, 14n]);
      const single = makeStore();
      set(single, 'a', 'v');
      expect(resultCas(single)).toBe(1n);
    });

    it('carry into the high half exactly', () => {
      const s = makeStore({ shardCount: 7, shardIndex: 6 });
      s.TEST_setCasCounter(1, 0xfffffffe);
      set(s, 'a', 'v');
      expect(resultCas(s)).toBe(((1n << 32n) + 0xffffffffn) * 7n + 6n);
      set(s, 'b', 'v');
      expect(resultCas(s)).toBe((2n << 32n) * 7n + 6n);
      expect(get(s, 'a')!.cas).toBe(((1n << 32n) + 0xffffffffn) * 7n + 6n);
    });

    it('never collide across shards', () => {
      const stores = [0, 1, 2, 3].map((shardIndex) => makeStore({ shardCount: 4, shardIndex }));
      const seen = new Set<bigint>();
      for (let i = 0; i < 50; i++) {
        for (const s of stores) {
          set(s, `k${i}`, 'v');
          const cas = resultCas(s);
          expect(seen.has(cas)).toBe(false);
          seen.add(cas);
        }
      }
    });
  });

  describe('delete', () => {
    it('Ok then NotFound', () => {
      const s = makeStore();
      set(s, 'k', 'v');
      expect(del(s, 'k')).toBe(StoreStatus.Ok);
      expect(del(s, 'k')).toBe(StoreStatus.NotFound);
      expect(get(s, 'k')).toBeNull();
      expect(s.stats()).toMatchObject({ curr_items: 0, bytes: 0 });
      s.checkInvariants();
    });

    it('NotFound on an expired key', () => {
      const s = makeStore();
      set(s, 'k', 'v', { exp: NOW });
      expect(del(s, 'k')).toBe(StoreStatus.NotFound);
    });

    it('frees the chunk for reuse', () => {
      const s = makeStore();
      for (let i = 0; i < 1000; i++) {
        set(s, `k${i}`, 'v');
        del(s, `k${i}`);
      }
      const cls = s.stats().slab_classes[0]!;
      expect(cls.total_pages).toBe(1);
      expect(cls.used_chunks).toBe(0);
      s.checkInvariants();
    });
  });

  describe('touch / gat', () => {
    it('touch: NotFound when missing, Ok and new expiry when present', () => {
      const s = makeStore();
      expect(touch(s, 'k', 0)).toBe(StoreStatus.NotFound);
      set(s, 'k', 'v', { exp: NOW + 10 });
      expect(touch(s, 'k', NOW + 1000)).toBe(StoreStatus.Ok);
      expect(getValue(s, 'k', NOW + 500)).toBe('v');
      expect(getValue(s, 'k', NOW + 1000)).toBeNull();
    });

    it('touch to 0 makes the item permanent; to the past hides it', () => {
      const s = makeStore();
      set(s, 'k', 'v', { exp: NOW + 10 });
      touch(s, 'k', 0);
      expect(getValue(s, 'k', NOW + 1e9)).toBe('v');
      expect(touch(s, 'k', NOW - 1)).toBe(StoreStatus.Ok);
      expect(getValue(s, 'k')).toBeNull();
    });

    it('gat returns the value and updates the expiry', () => {
      const s = makeStore();
      expect(gat(s, 'k', 0)).toBeNull();
      set(s, 'k', 'v', { flags: 3, exp: NOW + 10 });
      const cas = resultCas(s);
      expect(gat(s, 'k', NOW + 100)).toEqual({ value: 'v', flags: 3, cas });
      expect(getValue(s, 'k', NOW + 50)).toBe('v');
      expect(getValue(s, 'k', NOW + 100)).toBeNull();
    });

    it('gat on an expired item is NotFound', () => {
      const s = makeStore();
      set(s, 'k', 'v', { exp: NOW + 10 });
      expect(gat(s, 'k', NOW + 1000, NOW + 10)).toBeNull();
    });
  });

  describe('TooLarge', () => {
    it('rejects header + key + value above the page size, in every mode', () => {
      const pageSize = 64 * 1024;
      const s = makeStore({ pageSize });
      const fits = 'x'.repeat(pageSize - HEADER_SIZE - 1);
      const over = fits + 'y';
      expect(set(s, 'k', fits)).toBe(StoreStatus.Stored);
      expect(getValue(s, 'k')).toBe(fits);
      for (const mode of [StoreMode.Add, StoreMode.Replace, StoreMode.Append, StoreMode.Prepend, StoreMode.Cas]) {
        expect(storeOp(s, mode, 'k', over)).toBe(StoreStatus.TooLarge);
        expect(getValue(s, 'k')).toBe(fits);
      }
      s.checkInvariants();
    });

    it('rejects keys longer than the header can describe', () => {
      const s = makeStore({ pageSize: 128 * 1024 });
      expect(set(s, 'k'.repeat(70_000), 'v')).toBe(StoreStatus.TooLarge);
      expect(set(s, 'k'.repeat(65_535), 'v')).toBe(StoreStatus.Stored);
      s.checkInvariants();
    });

    it('a too-large set removes the existing item (memcached unlinks it)', () => {
      const s = makeStore({ pageSize: 64 * 1024 });
      set(s, 'k', 'old');
      expect(set(s, 'k', 'x'.repeat(64 * 1024))).toBe(StoreStatus.TooLarge);
      expect(get(s, 'k')).toBeNull();
      expect(set(s, 'missing', 'x'.repeat(64 * 1024))).toBe(StoreStatus.TooLarge);
      s.checkInvariants();
    });
  });

  describe('NoMemory', () => {
    it('with a zero page budget', () => {
      const s = makeStore({ pages: 0 });
      expect(set(s, 'k', 'v')).toBe(StoreStatus.NoMemory);
      expect(storeOp(s, StoreMode.Add, 'k', 'v')).toBe(StoreStatus.NoMemory);
      expect(get(s, 'k')).toBeNull();
      const st = s.stats();
      expect(st.total_pages).toBe(0);
      expect(st.slab_classes[0]!.outofmemory).toBe(2);
      s.checkInvariants();
    });

    it('when the class has no page and the budget is spent; a failed set removes the old item', () => {
      const s = makeStore({ pages: 1, pageSize: 64 * 1024 });
      expect(set(s, 'k', 'small')).toBe(StoreStatus.Stored);
      expect(set(s, 'k', 'x'.repeat(1000))).toBe(StoreStatus.NoMemory);
      expect(get(s, 'k')).toBeNull();
      set(s, 'j', 'small');
      expect(storeOp(s, StoreMode.Replace, 'j', 'x'.repeat(1000))).toBe(StoreStatus.NoMemory);
      expect(getValue(s, 'j')).toBe('small');
      expect(storeOp(s, StoreMode.Append, 'j', 'x'.repeat(1000))).toBe(StoreStatus.NotStored);
      expect(getValue(s, 'j')).toBe('small');
      s.checkInvariants();
    });
  });

  describe('stats', () => {
    it('track bytes, items and per-class numbers', () => {
      const s = makeStore();
      set(s, 'a', '12345');
      set(s, 'bb', 'x'.repeat(500));
      const st = s.stats();
      expect(st.curr_items).toBe(2);
      expect(st.total_items).toBe(2);
      expect(st.bytes).toBe(HEADER_SIZE * 2 + 1 + 5 + 2 + 500);
      expect(st.total_pages).toBe(2);
      const used = st.slab_classes.filter((c) => c.used_chunks > 0);
      expect(used).toHaveLength(2);
      expect(used[0]).toMatchObject({ id: 1, chunk_size: 96, total_pages: 1, used_chunks: 1, mem_requested: HEADER_SIZE + 6 });
      expect(used[0]!.free_chunks).toBe(used[0]!.total_chunks - 1);
      expect(st.hash_power_level).toBe(16);
      expect(st.hash_bytes).toBe(4 << 16);
      del(s, 'a');
      expect(s.stats()).toMatchObject({ curr_items: 1, bytes: HEADER_SIZE + 502, total_items: 2 });
    });
  });

  describe('constructor', () => {
    it('rejects bad configuration', () => {
      expect(() => makeStore({ pageSize: 1000 })).toThrow(RangeError);
      expect(() => makeStore({ pageSize: 4097 })).toThrow();
      expect(() => makeStore({ growthFactor: 1 })).toThrow(TypeError);
      expect(() => makeStore({ shardIndex: 2, shardCount: 2 })).toThrow(RangeError);
      expect(() => makeStore({ hashPowerInitial: 40 })).toThrow(RangeError);
    });
  });
});
