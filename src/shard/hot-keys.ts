/**
 * Key statistics a shard keeps beside the store, all in bounded memory:
 *
 * - HotKeys: the most requested keys, always on. Space-Saving (Metwally et
 *   al.): CAPACITY counters; a key not counted yet takes over the smallest
 *   counter and inherits its count as its error, so every key with more than
 *   1/CAPACITY of the ops is certainly among the counters and its count is
 *   over-estimated by at most its error. Keys are identified by their 32-bit
 *   murmur3 hash (already computed for routing), so counting allocates nothing;
 *   two keys with the same hash share a counter. Counts halve every minute so
 *   the list follows current traffic. After the first SAMPLE_AFTER_OPS ops
 *   (since start or reset) one op in SAMPLE_EVERY is counted, chosen at random,
 *   with weight SAMPLE_EVERY (weighted Space-Saving): a key that is not counted
 *   yet costs a heap update, and on a uniform key space that is nearly every op
 *   (~300 ns measured), so sampling keeps the average near 40 ns per op.
 * - PrefixStats: memcached's `stats detail` (per-prefix get / hit / set / del),
 *   only while switched on.
 * - itemSizeHistogram: memcached's `stats sizes` (items per 32-byte size bucket),
 *   computed by walking the store when asked.
 *
 * ShardKeyStats bundles the three for the executor (execute.ts calls it once
 * per op and for the KeyStatsControl / PrefixStatsDump / ItemSizes ops).
 *
 * May import messages, the store's item layout and the Store type only (not protocols or prom-client).
 */
import type { Store } from '../store/store';
import { KEY_STATS_DETAIL, KEY_STATS_NO_HOT_KEYS, OpCode } from './messages';

/** Counters kept per shard: keys above 1/128 of a shard's ops are always found. */
export const HOT_KEYS_CAPACITY = 128;
/** Entries a snapshot reports per shard. */
export const HOT_KEYS_REPORTED = 20;
/** Bytes of a key kept for display; longer keys are shown cut. */
export const HOT_KEY_MAX_BYTES = 250;
/** How often counts halve. */
export const HOT_KEYS_HALF_LIFE_MS = 60_000;
const INDEX_SIZE = HOT_KEYS_CAPACITY * 4;
const INDEX_MASK = INDEX_SIZE - 1;
/** The clock is looked at once per this many counted ops, not per op. */
const DECAY_CHECK_EVERY = 4096;
/** Ops counted one by one after a start or reset (small workloads and tests see exact counts). */
export const SAMPLE_AFTER_OPS = 65_536;
/** Past that, one op in this many is counted (a power of two), with this weight. */
export const SAMPLE_EVERY = 8;

export interface HotKeyEntry {
  /** The key's bytes as latin1 (cut at HOT_KEY_MAX_BYTES). */
  key: string;
  /** Estimated ops on the key since counting began (decayed); over-estimates by at most `error`. */
  count: number;
  error: number;
}

export class HotKeys {
  enabled = true;
  /** Ops counted (decayed like the counts): the denominator of a key's share. */
  private total = 0;
  private size = 0;
  private readonly hashes = new Uint32Array(HOT_KEYS_CAPACITY);
  private readonly counts = new Float64Array(HOT_KEYS_CAPACITY);
  private readonly errors = new Float64Array(HOT_KEYS_CAPACITY);
  private readonly keyLengths = new Uint16Array(HOT_KEYS_CAPACITY);
  private readonly keyBytes = new Uint8Array(HOT_KEYS_CAPACITY * HOT_KEY_MAX_BYTES);
  /** Min-heap of entry numbers by count; heapAt[entry] = its position. */
  private readonly heap = new Int32Array(HOT_KEYS_CAPACITY);
  private readonly heapAt = new Int32Array(HOT_KEYS_CAPACITY);
  /** Open addressing by hash (linear probing): entry + 1, 0 = empty. */
  private readonly index = new Int32Array(INDEX_SIZE);
  private untilDecayCheck = DECAY_CHECK_EVERY;
  private lastDecayMs = -1;
  private exactOpsLeft = SAMPLE_AFTER_OPS;
  /** xorshift32 state for sampling. */
  private random = 0x9e3779b9;

  /** Counts one op on the key at bytes[offset, offset + length) whose murmur3 hash is `hash`. */
  count(bytes: Uint8Array, offset: number, length: number, hash: number, nowMs: number): void {
    if (!this.enabled) return;
    let weight = 1;
    if (this.exactOpsLeft > 0) {
      this.exactOpsLeft--;
    } else {
      let x = this.random;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.random = x;
      if ((x & (SAMPLE_EVERY - 1)) !== 0) return;
      weight = SAMPLE_EVERY;
    }
    if (--this.untilDecayCheck === 0) this.maybeDecay(nowMs);
    this.total += weight;
    const found = this.find(hash);
    if (found >= 0) {
      this.counts[found]! += weight;
      this.siftDown(this.heapAt[found]!);
      return;
    }
    let entry: number;
    if (this.size < HOT_KEYS_CAPACITY) {
      entry = this.size++;
      this.counts[entry] = weight;
      this.errors[entry] = 0;
      this.heap[entry] = entry;
      this.heapAt[entry] = entry;
      this.siftUp(entry);
    } else {
      // Space-Saving: the least counted key gives its counter to the newcomer.
      entry = this.heap[0]!;
      this.unindex(this.hashes[entry]!);
      const floor = this.counts[entry]!;
      this.counts[entry] = floor + weight;
      this.errors[entry] = floor;
      this.siftDown(0);
    }
    this.hashes[entry] = hash;
    this.indexEntry(hash, entry);
    const kept = Math.min(length, HOT_KEY_MAX_BYTES);
    // A byte loop: keys are short, and subarray() would allocate a view per op.
    const keyBytes = this.keyBytes;
    const at = entry * HOT_KEY_MAX_BYTES;
    for (let i = 0; i < kept; i++) keyBytes[at + i] = bytes[offset + i]!;
    this.keyLengths[entry] = kept;
  }

  /** The most counted keys, most first, and the ops counted. */
  snapshot(limit = HOT_KEYS_REPORTED): { keys: HotKeyEntry[]; ops: number } {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => this.counts[b]! - this.counts[a]!);
    const keys = order.slice(0, limit).map((e) => ({
      key: Buffer.from(this.keyBytes.subarray(e * HOT_KEY_MAX_BYTES, e * HOT_KEY_MAX_BYTES + this.keyLengths[e]!)).toString('latin1'),
      count: Math.round(this.counts[e]!),
      error: Math.round(this.errors[e]!),
    }));
    return { keys, ops: Math.round(this.total) };
  }

  reset(): void {
    this.size = 0;
    this.total = 0;
    this.index.fill(0);
    this.exactOpsLeft = SAMPLE_AFTER_OPS;
  }

  private maybeDecay(nowMs: number): void {
    this.untilDecayCheck = DECAY_CHECK_EVERY;
    if (this.lastDecayMs < 0) this.lastDecayMs = nowMs;
    if (nowMs - this.lastDecayMs < HOT_KEYS_HALF_LIFE_MS) return;
    this.lastDecayMs = nowMs;
    // Halving keeps the heap order: no re-heap needed.
    this.total /= 2;
    for (let i = 0; i < this.size; i++) {
      this.counts[i]! /= 2;
      this.errors[i]! /= 2;
    }
  }

  private find(hash: number): number {
    for (let i = hash & INDEX_MASK; ; i = (i + 1) & INDEX_MASK) {
      const slot = this.index[i]!;
      if (slot === 0) return -1;
      if (this.hashes[slot - 1] === hash) return slot - 1;
    }
  }

  private indexEntry(hash: number, entry: number): void {
    let i = hash & INDEX_MASK;
    while (this.index[i] !== 0) i = (i + 1) & INDEX_MASK;
    this.index[i] = entry + 1;
  }

  /** Removes `hash` from the index, shifting later probes back so no tombstone is left. */
  private unindex(hash: number): void {
    let hole = hash & INDEX_MASK;
    while (this.hashes[this.index[hole]! - 1] !== hash) hole = (hole + 1) & INDEX_MASK;
    for (let j = (hole + 1) & INDEX_MASK; this.index[j] !== 0; j = (j + 1) & INDEX_MASK) {
      const home = this.hashes[this.index[j]! - 1]! & INDEX_MASK;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const homeBetween = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!homeBetween) {
        this.index[hole] = this.index[j]!;
        hole = j;
      }
    }
    this.index[hole] = 0;
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const entry = heap[at]!;
    const count = this.counts[entry]!;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = heap[parentAt]!;
      if (this.counts[parent]! <= count) break;
      heap[at] = parent;
      this.heapAt[parent] = at;
      at = parentAt;
    }
    heap[at] = entry;
    this.heapAt[entry] = at;
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const size = this.size;
    const entry = heap[at]!;
    const count = this.counts[entry]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && this.counts[heap[child + 1]!]! < this.counts[heap[child]!]!) child++;
      const smallest = heap[child]!;
      if (this.counts[smallest]! >= count) break;
      heap[at] = smallest;
      this.heapAt[smallest] = at;
      at = child;
    }
    heap[at] = entry;
    this.heapAt[entry] = at;
  }
}

/** memcached's MAX_PREFIX_COUNT: prefixes past it are not counted. */
export const MAX_PREFIXES = 1 << 16;

export const PrefixOp = { Get: 0, Set: 1, Delete: 2 } as const;
export type PrefixOp = (typeof PrefixOp)[keyof typeof PrefixOp];

export interface PrefixCounts {
  prefix: string;
  get: number;
  hit: number;
  set: number;
  del: number;
  /** Order of first use (for memcached's listing order among prefixes of one hash bucket). */
  firstSeen: number;
}

/** memcached's stats_prefix.c: a key's prefix is what precedes the first delimiter; keys without one are not counted. */
export class PrefixStats {
  private readonly byPrefix = new Map<string, PrefixCounts>();
  private sequence = 0;

  constructor(readonly delimiter: number) {}

  record(bytes: Uint8Array, offset: number, length: number, op: PrefixOp, hit: boolean): void {
    const end = offset + length;
    let at = offset;
    // memcached stops at a NUL as well (C strings).
    while (at < end && bytes[at] !== this.delimiter && bytes[at] !== 0) at++;
    if (at === end || bytes[at] !== this.delimiter) return;
    const prefix = Buffer.from(bytes.buffer, bytes.byteOffset + offset, at - offset).toString('latin1');
    let counts = this.byPrefix.get(prefix);
    if (counts === undefined) {
      if (this.byPrefix.size >= MAX_PREFIXES) return;
      counts = { prefix, get: 0, hit: 0, set: 0, del: 0, firstSeen: this.sequence++ };
      this.byPrefix.set(prefix, counts);
    }
    if (op === PrefixOp.Get) {
      counts.get++;
      if (hit) counts.hit++;
    } else if (op === PrefixOp.Set) {
      counts.set++;
    } else {
      counts.del++;
    }
  }

  snapshot(): PrefixCounts[] {
    return [...this.byPrefix.values()];
  }

  clear(): void {
    this.byPrefix.clear();
  }
}

/** memcached's ITEM_ntotal: 48-byte header, 8-byte CAS, key + NUL, value + CRLF, 4 more when flags are set. */
const ITEM_TOTAL_OVERHEAD = 48 + 8 + 1 + 2;

/** `stats sizes`: live items per 32-byte bucket of memcached's item size (bucket → count), by walking the store. */
export function itemSizeHistogram(store: Store, nowMs: number): Record<string, number> {
  const buckets: Record<string, number> = {};
  store.forEachItemSize(nowMs, (keyLength, valueLength, clientFlags) => {
    const total = ITEM_TOTAL_OVERHEAD + keyLength + valueLength + (clientFlags !== 0 ? 4 : 0);
    const bucket = Math.ceil(total / 32) * 32;
    buckets[bucket] = (buckets[bucket] ?? 0) + 1;
  });
  return buckets;
}

/** What a shard's stats snapshot adds for hot keys (summed / concatenated across shards by shard-stats.ts). */
export interface HotKeysSnapshot {
  hot_keys: HotKeyEntry[];
  /** Ops counted for hot keys (decayed like the counts): a key's share is count / the sum over shards. */
  hot_keys_ops: number;
}

const textEncoder = new TextEncoder();

/** The executor's key statistics: hot keys always (unless switched off), per-prefix stats while on. */
export class ShardKeyStats {
  readonly hotKeys = new HotKeys();
  /** Non-null while per-prefix stats are recorded (the executor checks it per op). */
  prefixes: PrefixStats | null = null;
  /** The per-prefix counts, kept while recording is off: memcached's `stats detail off` keeps them for `dump`. */
  private prefixTable: PrefixStats | null = null;

  /** Called once per keyed op, before it runs. */
  countKey(bytes: Uint8Array, offset: number, length: number, hash: number, nowMs: number): void {
    this.hotKeys.count(bytes, offset, length, hash, nowMs);
  }

  /** Called after a keyed op ran while per-prefix stats are on; `hit` = it counted a get hit. */
  recordPrefix(opCode: number, bytes: Uint8Array, offset: number, length: number, hit: boolean): void {
    const prefixes = this.prefixes!;
    switch (opCode) {
      // The classic get / set / delete ops, as memcached counts get, set (all storage commands) and delete.
      case OpCode.Get:
      case OpCode.GetAndTouch:
        return prefixes.record(bytes, offset, length, PrefixOp.Get, hit);
      case OpCode.Set:
      case OpCode.Add:
      case OpCode.Replace:
      case OpCode.Append:
      case OpCode.Prepend:
      case OpCode.Cas:
        return prefixes.record(bytes, offset, length, PrefixOp.Set, false);
      case OpCode.Delete:
        return prefixes.record(bytes, offset, length, PrefixOp.Delete, false);
    }
  }

  snapshot(): HotKeysSnapshot {
    const { keys, ops } = this.hotKeys.snapshot();
    return { hot_keys: keys, hot_keys_ops: ops };
  }

  /** `stats reset`: memcached clears the prefix stats too. */
  reset(): void {
    this.hotKeys.reset();
    this.prefixTable?.clear();
  }

  /** Runs a key-statistics op; returns the reply value (JSON), or null for a bare Ok. */
  control(opCode: number, argLow: number, argHigh: number, store: Store, nowMs: number): Uint8Array | null {
    switch (opCode) {
      case OpCode.KeyStatsControl: {
        this.hotKeys.enabled = (argLow & KEY_STATS_NO_HOT_KEYS) === 0;
        const detail = (argLow & KEY_STATS_DETAIL) !== 0;
        if (detail && (this.prefixTable === null || this.prefixTable.delimiter !== argHigh)) this.prefixTable = new PrefixStats(argHigh);
        this.prefixes = detail ? this.prefixTable : null;
        return null;
      }
      case OpCode.PrefixStatsDump:
        return textEncoder.encode(JSON.stringify(this.prefixTable?.snapshot() ?? []));
      default:
        return textEncoder.encode(JSON.stringify(itemSizeHistogram(store, nowMs)));
    }
  }
}
