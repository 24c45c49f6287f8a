/**
 * Store micro-benchmark: ns/op for set, get hit, get miss and set-with-eviction, and bytes per item
 * at 1M items (14-byte keys, 100-byte values) as RSS delta and as pages × pageSize / items.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/store.bench.js
 *
 * The RSS measurement runs first, in a fresh process, so nothing else has grown the heap yet.
 */

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { LocalPageBudget, Store } from '../src/store/store';
import { StoreMode, StoreStatus } from '../src/store/types';
import { hashBytes } from '../src/util/hash';

const MIB = 1024 * 1024;
const PAGE_SIZE = MIB;
const ITEMS = 1_000_000;
const KEY_LENGTH = 14;
const VALUE_LENGTH = 100;
const NOW = Date.now();

function makeStore(pages: number): Store {
  return new Store({
    pageSize: PAGE_SIZE,
    slabMinSize: 48,
    growthFactor: 1.25,
    memoryLimitBytes: pages * PAGE_SIZE,
    shardIndex: 0,
    shardCount: 1,
    pageBudget: new LocalPageBudget(pages),
  });
}

/** Writes "key:" + 10 decimal digits of i (14 bytes) at `offset`. */
function writeKey(buf: Uint8Array, offset: number, i: number): void {
  buf[offset] = 0x6b;
  buf[offset + 1] = 0x65;
  buf[offset + 2] = 0x79;
  buf[offset + 3] = 0x3a;
  for (let d = KEY_LENGTH - 1; d >= 4; d--) {
    buf[offset + d] = 48 + (i % 10);
    i = Math.floor(i / 10);
  }
}

/** N keys packed in one buffer plus their hashes, so the timed loops do store work only. */
function makeKeys(first: number, count: number): { keys: Uint8Array; hashes: Uint32Array } {
  const keys = new Uint8Array(count * KEY_LENGTH);
  const hashes = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    writeKey(keys, i * KEY_LENGTH, first + i);
    hashes[i] = hashBytes(keys, i * KEY_LENGTH, KEY_LENGTH);
  }
  return { keys, hashes };
}

/** A fixed pseudo-random visiting order (so gets do not walk the pages sequentially). */
function shuffledOrder(count: number, seed: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  let s = seed >>> 0;
  for (let i = count - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

// Plain `node` has no --expose-gc; turning the flag on at run time exposes gc in a new context.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Anonymous resident memory (heap, ArrayBuffers), without file-backed pages such as node's own code. */
function rssAnon(): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return Number.NaN;
}

function report(name: string, ops: number, ns: bigint): void {
  console.log(`${name.padEnd(34)} ${(Number(ns) / ops).toFixed(1).padStart(8)} ns/op   (${ops} ops)`);
}

function main(): void {
  const value = new Uint8Array(VALUE_LENGTH).fill(0x76);
  const key = new Uint8Array(KEY_LENGTH);

  // 0. Warm up every code path on a throwaway store, so JIT code and node's own pages are resident
  //    before the baseline and the RSS delta is item memory only.
  {
    const warm = makeStore(8);
    for (let i = 0; i < 300_000; i++) {
      writeKey(key, 0, i);
      const h = hashBytes(key, 0, KEY_LENGTH);
      warm.store(StoreMode.Set, key, 0, KEY_LENGTH, h, value, 0, VALUE_LENGTH, 0, 0, 0, 0, NOW);
      warm.get(key, 0, KEY_LENGTH, h, NOW);
    }
  }
  gc();

  // 1. Memory per item: insert 1M items with one reused key buffer.
  const rssBefore = process.memoryUsage().rss;
  const anonBefore = rssAnon();
  const heapBefore = process.memoryUsage().heapUsed;
  const store = makeStore(4096);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < ITEMS; i++) {
    writeKey(key, 0, i);
    const status = store.store(StoreMode.Set, key, 0, KEY_LENGTH, hashBytes(key, 0, KEY_LENGTH), value, 0, VALUE_LENGTH, 0, 0, 0, 0, NOW);
    if (status !== StoreStatus.Stored) throw new Error(`set failed: ${status}`);
  }
  const insertNs = process.hrtime.bigint() - t0;
  gc(); // frees the hash tables outgrown on the way
  const mem = process.memoryUsage();
  const anonAfter = rssAnon();
  const st = store.stats();
  console.log(`store bench: ${ITEMS} items, ${KEY_LENGTH}-byte keys, ${VALUE_LENGTH}-byte values, pageSize ${PAGE_SIZE}, node ${process.version}`);
  console.log(`RSS delta per item                 ${((mem.rss - rssBefore) / ITEMS).toFixed(1).padStart(8)} B`);
  console.log(`RssAnon delta per item             ${((anonAfter - anonBefore) / ITEMS).toFixed(1).padStart(8)} B`);
  console.log(`pages x pageSize / items           ${((st.total_pages * PAGE_SIZE) / ITEMS).toFixed(1).padStart(8)} B   (${st.total_pages} pages)`);
  console.log(`+ hash table / items               ${(st.hash_bytes / ITEMS).toFixed(1).padStart(8)} B   (hashpower ${st.hash_power_level})`);
  console.log(`item bytes (header+key+value)      ${(st.bytes / ITEMS).toFixed(1).padStart(8)} B   (chunk ${st.slab_classes.find((c) => c.used_chunks > 0)!.chunk_size} B)`);
  console.log(`JS heap delta per item             ${((mem.heapUsed - heapBefore) / ITEMS).toFixed(1).padStart(8)} B`);
  report('set, new key (incl. key hashing)', ITEMS, insertNs);

  // 2. Timed loops over precomputed keys and hashes.
  const { keys, hashes } = makeKeys(0, ITEMS);
  const order = shuffledOrder(ITEMS, 42);
  // Gets visit keys in another order than the sets, so LRU neighbours are not already in cache.
  const getOrder = shuffledOrder(ITEMS, 4242);
  const miss = makeKeys(ITEMS * 10, ITEMS);

  const rounds = 3;
  let best = 0n;
  for (let r = 0; r < rounds; r++) {
    t0 = process.hrtime.bigint();
    for (let n = 0; n < ITEMS; n++) {
      const i = order[n]!;
      store.store(StoreMode.Set, keys, i * KEY_LENGTH, KEY_LENGTH, hashes[i]!, value, 0, VALUE_LENGTH, 0, 0, 0, 0, NOW);
    }
    const ns = process.hrtime.bigint() - t0;
    if (r === 0 || ns < best) best = ns;
  }
  report('set, overwrite (random order)', ITEMS, best);

  let found = 0;
  for (let r = 0; r < rounds; r++) {
    t0 = process.hrtime.bigint();
    for (let n = 0; n < ITEMS; n++) {
      const i = getOrder[n]!;
      if (store.get(keys, i * KEY_LENGTH, KEY_LENGTH, hashes[i]!, NOW) === StoreStatus.Ok) found++;
    }
    const ns = process.hrtime.bigint() - t0;
    if (r === 0 || ns < best) best = ns;
  }
  if (found !== ITEMS * rounds) throw new Error(`get hit found ${found}`);
  report('get hit (random order)', ITEMS, best);

  let missed = 0;
  for (let r = 0; r < rounds; r++) {
    t0 = process.hrtime.bigint();
    for (let i = 0; i < ITEMS; i++) {
      if (store.get(miss.keys, i * KEY_LENGTH, KEY_LENGTH, miss.hashes[i]!, NOW) === StoreStatus.NotFound) missed++;
    }
    const ns = process.hrtime.bigint() - t0;
    if (r === 0 || ns < best) best = ns;
  }
  if (missed !== ITEMS * rounds) throw new Error(`get miss found ${ITEMS * rounds - missed}`);
  report('get miss', ITEMS, best);

  // 2b. The same over a 10k-item working set (fits in cache): the store's CPU cost without memory stalls.
  const hot = 10_000;
  const hotOrder = shuffledOrder(hot, 7);
  const hotRounds = 200;
  t0 = process.hrtime.bigint();
  for (let r = 0; r < hotRounds; r++) {
    for (let n = 0; n < hot; n++) {
      const i = hotOrder[n]!;
      store.get(keys, i * KEY_LENGTH, KEY_LENGTH, hashes[i]!, NOW);
    }
  }
  report('get hit, 10k hot keys', hot * hotRounds, process.hrtime.bigint() - t0);
  t0 = process.hrtime.bigint();
  for (let r = 0; r < hotRounds; r++) {
    for (let n = 0; n < hot; n++) {
      const i = hotOrder[n]!;
      store.store(StoreMode.Set, keys, i * KEY_LENGTH, KEY_LENGTH, hashes[i]!, value, 0, VALUE_LENGTH, 0, 0, 0, 0, NOW);
    }
  }
  report('set overwrite, 10k hot keys', hot * hotRounds, process.hrtime.bigint() - t0);

  // 3. Set with eviction: a 32 MiB budget, filled first, then every set evicts the class's LRU tail.
  const small = makeStore(32);
  for (let i = 0; i < ITEMS; i++) {
    small.store(StoreMode.Set, keys, i * KEY_LENGTH, KEY_LENGTH, hashes[i]!, value, 0, VALUE_LENGTH, 0, 0, 0, 0, NOW);
  }
  const evictionsBefore = small.stats().evictions;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < ITEMS; i++) {
    small.store(StoreMode.Set, miss.keys, i * KEY_LENGTH, KEY_LENGTH, miss.hashes[i]!, value, 0, VALUE_LENGTH, 0, 0, 0, 0, NOW);
  }
  const evictNs = process.hrtime.bigint() - t0;
  const evicted = small.stats().evictions - evictionsBefore;
  report('set with eviction', ITEMS, evictNs);
  console.log(`  (evictions during the loop: ${evicted}, items resident: ${small.stats().curr_items})`);

  // 4. Background crawl over the full store (nothing expired): cost per visited chunk.
  t0 = process.hrtime.bigint();
  let visited = 0;
  for (let i = 0; i < 100; i++) {
    store.crawlExpired(10_000, NOW);
    visited += 10_000;
  }
  report('crawlExpired per chunk visited', visited, process.hrtime.bigint() - t0);
}

main();
