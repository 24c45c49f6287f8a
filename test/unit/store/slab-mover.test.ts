/** The page mover: a class with no pages takes one from another class instead of failing the write. */
import type { Store } from '../../../src/store/store';
import { HEADER_SIZE } from '../../../src/store/item-layout';
import { StoreMode, StoreStatus } from '../../../src/store/types';
import { hashBytes } from '../../../src/util/hash';
import { KIB, NOW, del, getValue, incrDecr, makeStore, set, storeOp } from './helpers';

const PAGE_SIZE = 64 * KIB;
const PAGES = 8;
const SMALL = 100;

const smallKey = (i: number): string => `s:${String(i).padStart(6, '0')}`;
const smallValue = (i: number): string => `${i}:`.padEnd(SMALL, 'v');
const bigValue = (tag: string, length: number): string => `${tag}:`.padEnd(length, 'B');

function classOf(s: Store, itemBytes: number): number {
  return s.stats().slab_classes.find((c) => c.chunk_size >= itemBytes)!.id;
}

function classStats(s: Store, id: number) {
  return s.stats().slab_classes.find((c) => c.id === id)!;
}

/** Small items until the budget is spent and the class has begun evicting; returns how many were written. */
function fillSmall(s: Store): number {
  let n = 0;
  while (s.stats().evictions === 0) {
    expect(set(s, smallKey(n), smallValue(n))).toBe(StoreStatus.Stored);
    n++;
  }
  expect(s.stats().total_pages).toBe(PAGES);
  return n;
}

/** Keys among the first `n` small ones that are still stored; every one must hold its own value. */
function presentSmallKeys(s: Store, n: number): Set<string> {
  const present = new Set<string>();
  for (let i = 0; i < n; i++) {
    const v = getValue(s, smallKey(i));
    if (v === null) continue;
    expect(v).toBe(smallValue(i));
    present.add(smallKey(i));
  }
  return present;
}

describe('Store page mover', () => {
  it('moves a page from the small class when a large item finds no page, evicting only that page', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES });
    const n = fillSmall(s);
    const smallClass = classOf(s, HEADER_SIZE + smallKey(0).length + SMALL);
    const before = presentSmallKeys(s, n);
    const stBefore = s.stats();
    const smallPagesBefore = classStats(s, smallClass).total_pages;
    expect(stBefore.slabs_moved).toBe(0);

    expect(set(s, 'big:0', bigValue('0', 20_000))).toBe(StoreStatus.Stored);
    s.checkInvariants();
    const st = s.stats();
    expect(st.slabs_moved).toBe(1);
    expect(st.total_pages).toBe(PAGES);
    const after = presentSmallKeys(s, n);
    const gone = [...before].filter((k) => !after.has(k));
    for (const k of after) expect(before.has(k)).toBe(true);
    expect(gone.length).toBeGreaterThan(0);
    expect(gone.length).toBeLessThanOrEqual(classStats(s, smallClass).chunks_per_page);
    expect(st.evictions - stBefore.evictions).toBe(gone.length);
    expect(st.slab_reassign_evictions_nomem).toBe(gone.length);
    expect(classStats(s, smallClass).evicted - stBefore.slab_classes.find((c) => c.id === smallClass)!.evicted).toBe(gone.length);
    expect(classStats(s, smallClass).total_pages).toBe(smallPagesBefore - 1);
    expect(getValue(s, 'big:0')).toBe(bigValue('0', 20_000));

    // More of the same size: the class now has a page and evicts its own items, no further move.
    for (let i = 1; i < 10; i++) expect(set(s, `big:${i}`, bigValue(String(i), 20_000))).toBe(StoreStatus.Stored);
    expect(s.stats().slabs_moved).toBe(1);
    expect(s.stats().slab_classes.reduce((sum, c) => sum + c.outofmemory, 0)).toBe(0);
    s.checkInvariants();
  });

  it('a ladder of ever larger items takes a page per class, each time from the class with the most pages', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES });
    const n = fillSmall(s);
    const smallClass = classOf(s, HEADER_SIZE + smallKey(0).length + SMALL);
    const sizes = [400, 1_000, 2_500, 6_000, 15_000, 40_000];
    let present = presentSmallKeys(s, n);
    for (let step = 0; step < sizes.length; step++) {
      const evictionsBefore = s.stats().evictions;
      expect(set(s, `ladder:${step}`, bigValue(String(step), sizes[step]!))).toBe(StoreStatus.Stored);
      s.checkInvariants();
      const st = s.stats();
      // The small class holds the most pages until only two are left to it and one to each other class.
      expect(st.slabs_moved).toBe(step + 1);
      expect(classStats(s, smallClass).total_pages).toBe(PAGES - 1 - step);
      const now = presentSmallKeys(s, n);
      expect(present.size - now.size).toBe(st.evictions - evictionsBefore);
      present = now;
      for (let k = 0; k <= step; k++) expect(getValue(s, `ladder:${k}`)).toBe(bigValue(String(k), sizes[k]!));
    }
    // Now every class holds one page but the small one (two): one more class can still get a page, then none.
    expect(set(s, 'ladder:x', bigValue('x', 200))).toBe(StoreStatus.Stored);
    expect(classStats(s, smallClass).total_pages).toBe(1);
    expect(set(s, 'ladder:y', bigValue('y', 60_000))).toBe(StoreStatus.NoMemory);
    expect(s.stats().slabs_moved).toBe(sizes.length + 1);
    s.checkInvariants();
  });

  it('pages go back and forth between classes whose items were deleted, with no more evictions', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES });
    const n = fillSmall(s);
    const sizes = [3_000, 9_000];
    const classA = classOf(s, HEADER_SIZE + 4 + sizes[0]!);
    const classB = classOf(s, HEADER_SIZE + 4 + sizes[1]!);
    expect(classA).not.toBe(classB);
    let expectedMoves = 0;
    let evictionsAfterFirstMove = -1;
    let present = presentSmallKeys(s, n);
    for (let round = 0; round < 8; round++) {
      const size = sizes[round % 2]!;
      const keys = [0, 1, 2].map((i) => `r${round}${i}`);
      for (const k of keys) expect(set(s, k, bigValue(k, size))).toBe(StoreStatus.Stored);
      expectedMoves++;
      s.checkInvariants();
      expect(s.stats().slabs_moved).toBe(expectedMoves);
      for (const k of keys) expect(getValue(s, k)).toBe(bigValue(k, size));
      if (round === 0) {
        evictionsAfterFirstMove = s.stats().evictions;
      } else {
        // From the second round on the donor is the class emptied just before: nothing is evicted.
        expect(s.stats().evictions).toBe(evictionsAfterFirstMove);
        expect(classStats(s, round % 2 === 0 ? classB : classA).total_pages).toBe(0);
      }
      expect(classStats(s, round % 2 === 0 ? classA : classB).total_pages).toBe(1);
      for (const k of keys) expect(del(s, k)).toBe(StoreStatus.Ok);
      s.checkInvariants();
      const now = presentSmallKeys(s, n);
      for (const k of now) expect(present.has(k)).toBe(true);
      if (round > 0) expect(now.size).toBe(present.size);
      present = now;
    }
  });

  it('never takes the page of the item a write replaces (set, append, incr growing into another class)', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES });
    const n = fillSmall(s);
    // The LRU tail is the oldest small item; its page is the donor's first choice.
    const stats = s.stats();
    const smallClass = stats.slab_classes.find((c) => c.used_chunks > 0)!;
    let oldest = -1;
    for (let i = 0; i < n && oldest < 0; i++) if (s.itemInfo(Buffer.from(smallKey(i)), 0, smallKey(i).length, hashOf(smallKey(i)), NOW) === StoreStatus.Ok) oldest = i;
    expect(oldest).toBeGreaterThanOrEqual(0);
    expect(set(s, smallKey(oldest), bigValue('set', 30_000))).toBe(StoreStatus.Stored);
    expect(getValue(s, smallKey(oldest))).toBe(bigValue('set', 30_000));
    s.checkInvariants();
    expect(s.stats().slabs_moved).toBe(1);
    expect(classStats(s, smallClass.id).total_pages).toBe(smallClass.total_pages - 1);

    const appendKey = smallKey(n - 1);
    expect(storeOp(s, StoreMode.Append, appendKey, 'a'.repeat(5_000))).toBe(StoreStatus.Stored);
    expect(getValue(s, appendKey)).toBe(smallValue(n - 1) + 'a'.repeat(5_000));
    s.checkInvariants();

    const counter = 'n'.repeat(200);
    expect(set(s, counter, '1')).toBe(StoreStatus.Stored);
    expect(incrDecr(s, counter, true, 99_999_999_999_999n).value).toBe('100000000000000');
    expect(getValue(s, counter)).toBe('100000000000000');
    s.checkInvariants();
  });

  it('a scan begun before a move terminates and returns every key that survived it', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES, hashPowerInitial: 4 });
    const n = fillSmall(s);
    const seen = new Set<string>();
    const visit = (u8: Uint8Array, keyAt: number, keyLength: number): boolean => {
      seen.add(Buffer.from(u8.subarray(keyAt, keyAt + keyLength)).toString('latin1'));
      return true;
    };
    let cursor = s.scanKeys(0, 100, 10, NOW, visit);
    expect(cursor).not.toBe(0);
    let slices = 0;
    let moves = 0;
    do {
      // A move every few slices, each into a class that has no page yet.
      if (slices % 20 === 0 && moves < 4) {
        expect(set(s, `mid:${moves}`, bigValue(String(moves), 2_000 * 2 ** moves))).toBe(StoreStatus.Stored);
        moves++;
      }
      cursor = s.scanKeys(cursor, 100, 10, NOW, visit);
      if (++slices > 1_000_000) throw new Error('scan does not terminate');
    } while (cursor !== 0);
    expect(s.stats().slabs_moved).toBe(moves);
    s.checkInvariants();
    for (const k of presentSmallKeys(s, n)) expect(seen.has(k)).toBe(true);
  });

  it('the crawler keeps working across a move of the page it is on', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES });
    const expiresAt = NOW + 10_000;
    let n = 0;
    while (s.stats().evictions === 0) {
      expect(set(s, smallKey(n), smallValue(n), { exp: expiresAt })).toBe(StoreStatus.Stored);
      n++;
    }
    // Park the crawler in the middle of the pages (nothing has expired yet).
    expect(s.crawlExpired(PAGE_SIZE / 2, NOW)).toBe(0);
    expect(set(s, 'big:0', bigValue('0', 20_000))).toBe(StoreStatus.Stored);
    expect(set(s, 'big:1', bigValue('1', 7_000))).toBe(StoreStatus.Stored);
    expect(s.stats().slabs_moved).toBe(2);
    s.checkInvariants();
    const smallLeft = s.stats().curr_items - 2;
    let reclaimed = 0;
    for (let i = 0; i < 100 && reclaimed < smallLeft; i++) reclaimed += s.crawlExpired(1_000, expiresAt + 1);
    expect(reclaimed).toBe(smallLeft);
    expect(s.stats().curr_items).toBe(2);
    expect(getValue(s, 'big:0', expiresAt + 1)).toBe(bigValue('0', 20_000));
    expect(getValue(s, 'big:1', expiresAt + 1)).toBe(bigValue('1', 7_000));
    s.checkInvariants();
  });

  it('stats reset zeroes slabs_moved; a one-page budget still answers NoMemory (no donor)', () => {
    const s = makeStore({ pageSize: PAGE_SIZE, pages: PAGES });
    fillSmall(s);
    expect(set(s, 'big', bigValue('b', 20_000))).toBe(StoreStatus.Stored);
    expect(s.stats().slabs_moved).toBe(1);
    s.resetStats();
    expect(s.stats()).toMatchObject({ slabs_moved: 0, slab_reassign_evictions_nomem: 0 });

    const one = makeStore({ pageSize: PAGE_SIZE, pages: 1 });
    expect(set(one, 'a', 'small')).toBe(StoreStatus.Stored);
    expect(set(one, 'b', 'x'.repeat(2_000))).toBe(StoreStatus.NoMemory);
    expect(one.stats().slabs_moved).toBe(0);
    expect(getValue(one, 'a')).toBe('small');
    one.checkInvariants();
  });
});

function hashOf(key: string): number {
  return hashBytes(Buffer.from(key, 'latin1'), 0, key.length);
}
