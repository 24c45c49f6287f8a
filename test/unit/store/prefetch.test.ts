import { HEADER_SIZE } from '../../../src/store/item-layout';
import { hashBytes } from '../../../src/util/hash';
import { KIB, NOW, get, getValue, makeStore, set } from './helpers';
import type { Store } from '../../../src/store/store';

const key = (i: number): string => `key:${String(i).padStart(8, '0')}`;

function hashesOf(keys: string[]): Uint32Array {
  return Uint32Array.from(keys, (k) => hashBytes(Buffer.from(k, 'latin1'), 0, k.length));
}

/** The store's counters at a fixed clock (a class's `age` is measured against it). */
function snapshot(s: Store): string {
  return JSON.stringify(s.stats(NOW));
}

describe('Store.prefetch', () => {
  it('changes nothing a lookup would: stats, fetched bits and LRU order stay as they were', () => {
    const s = makeStore({ pageSize: 64 * KIB, pages: 1 });
    const value = 'v'.repeat(100);
    const perPage = s.stats().slab_classes.find((c) => c.chunk_size >= HEADER_SIZE + 12 + 100)!.chunks_per_page;
    const keys = Array.from({ length: perPage }, (_, i) => key(i));
    for (const k of keys) set(s, k, value);
    const before = snapshot(s);
    // Newest first, more than one group of 64, plus hashes of keys that are not there:
    // a prefetch that bumped what it read would leave key 0 at the head and the newest key at the tail.
    const hashes = hashesOf([...keys].reverse().concat(['absent:1', 'absent:2']));
    const checksum = s.prefetch(hashes, hashes.length);
    expect(s.prefetch(hashes, hashes.length)).toBe(checksum);
    expect(s.prefetch(hashes, 0)).toBe(0);
    expect(snapshot(s)).toBe(before);
    set(s, key(perPage), value);
    expect(s.stats().evictions).toBe(1);
    expect(get(s, key(0))).toBeNull();
    expect(getValue(s, key(perPage - 1))).toBe(value);
    // Nothing was marked fetched: the eviction counts as unfetched.
    expect(s.stats().evicted_unfetched).toBe(1);
    s.checkInvariants();
  });

  it('reads both tables while the hash index is growing, and every key is still found after', () => {
    const s = makeStore({ hashPowerInitial: 4 });
    const keys: string[] = [];
    let sawGrowing = false;
    for (let i = 0; i < 3000; i++) {
      keys.push(key(i));
      set(s, key(i), `value ${i}`);
      if (!s.TEST_hashIndexState.growing) continue;
      sawGrowing = true;
      const before = snapshot(s);
      const hashes = hashesOf(keys.slice(-200));
      s.prefetch(hashes, hashes.length);
      expect(snapshot(s)).toBe(before);
    }
    expect(sawGrowing).toBe(true);
    for (let i = 0; i < keys.length; i++) expect(getValue(s, keys[i]!)).toBe(`value ${i}`);
    s.checkInvariants();
  });
});
