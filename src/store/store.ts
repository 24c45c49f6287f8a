/**
 * The per-shard item store: memcached's slab allocator, hash index and
 * per-class LRU, rebuilt over typed arrays so that a million items cost a few
 * hundred ArrayBuffers instead of a million JS objects.
 *
 * - Memory comes in pages of `pageSize` bytes (one ArrayBuffer each, allocated
 *   lazily under the shared page budget). A page belongs to one size class
 *   and is cut into chunks of that class; chunks are carved lazily from the
 *   class's newest page, and freed chunks go on a per-class free list.
 * - Pages change class only through the page mover (memcached's slab_reassign, done inline): when
 *   a class owns nothing to evict and the budget is spent, one page of another class is emptied
 *   (its items evicted) and carved for the class that needs it. Page numbers never change, so a
 *   handle names the same page before and after; only the chunks on the moved page die.
 * - An item is a header, its key and its value inside one chunk (layout in
 *   item-layout.ts). Items are named by u32 handles: page number << chunkBits
 *   | chunk index; handle 0 means "none" because page 0 never exists.
 * - A chained hash table of handles (incremental ×2 growth, as memcached's
 *   assoc.c) and one doubly linked LRU per class, both threaded through the
 *   item headers.
 * - Expiry is lazy (on access, at the LRU tail, and by the bounded crawler);
 *   flush_all is a CAS watermark: every item whose CAS is at most the last CAS
 *   issued before the flush took effect is dead.
 *
 * The store never throws on the data path: every call returns a StoreStatus.
 * May import only `src/util` (and its own directory).
 */

import { hashBytes } from '../util/hash';
import { DecimalU64, U64_MAX, writeDigitString } from './decimal-u64';
import { copyBytes, decimalDigits, writeDecimal } from '../util/bytes';
import { I64_MAX, I64_MIN, parseRedisInt64 } from './decimal-i64';
import { addLongDouble, formatLongDouble, parseLongDouble } from './long-double';
import {
  CLASS_SIZE_BASE,
  ITEM_TYPE_STRING,
  MAX_EXPIRES_MS,
  META_CLIENT_FLAGS,
  META_EXPIRES_MASK,
  META_EXPIRES_SHIFT,
  META_EXPLICIT_CAS,
  META_FETCHED,
  META_FRESH_CLEAR,
  META_KEY_MASK,
  META_LINKED,
  META_STALE,
  META_TOKEN_SENT,
  MAX_VALUE_LENGTH,
  VALUE_LENGTH_MASK,
  VALUE_TAG_MASK,
  VALUE_TYPE_MASK,
  VALUE_TYPE_SHIFT,
  W_CAS_HIGH,
  W_CAS_LOW,
  W_CLIENT_FLAGS,
  W_EXPIRES_LOW,
  W_HASH_NEXT,
  W_LRU_NEXT,
  W_LRU_PREV,
  W_META,
  W_TIME,
  W_VALUE,
  itemSize,
  hashTagBits,
  keyStart,
} from './item-layout';
import { classForSize, computeChunkSizes } from './slab-classes';
import { ExpireCondition, StoreMode, StoreStatus } from './types';
import type {
  ArithmeticParams,
  ItemDeleteParams,
  ItemReadParams,
  ItemWriteParams,
  PageBudget,
  ReadResult,
  SlabClassStats,
  StoreConfig,
  StoreStats,
} from './types';

export { LocalPageBudget, SharedPageBudget } from './shared-page-budget';

const EMPTY_U8 = new Uint8Array(0);
const EMPTY_U32 = new Uint32Array(0);

const DEFAULT_HASH_POWER = 16;
const MIN_HASH_POWER = 4;
const MAX_HASH_POWER = 30;
/** Old buckets moved to the new table per insert while the table grows (memcached moves them in a thread). */
const HASH_MIGRATE_PER_INSERT = 8;
const HASH_MIGRATE_PER_CRAWL = 1024;
/** Hashes whose buckets prefetch() reads before reading their items. */
const PREFETCH_GROUP = 64;
/** scanKeys: what visiting one item costs against its work budget, where one bucket costs 1. */
export const SCAN_ITEM_COST = 16;
const MIN_PAGE_SIZE = 1024;
const MAX_SHARD_COUNT = 1 << 20;
const TWO_32 = 4294967296;
const MAX_SAFE_DELTA = BigInt(Number.MAX_SAFE_INTEGER);
const SPACE = 32;
const textEncoder = new TextEncoder();

/** Bytes as latin1 text (one char per byte), for the float parser. */
function latin1(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let i = offset; i < offset + length; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}

/** The absolute expiry (unix ms, 0 = never) of the item whose header starts at word `w`. */
function readExpiry(u32: Uint32Array, w: number): number {
  return u32[w + W_EXPIRES_LOW]! + (u32[w + W_META]! >>> META_EXPIRES_SHIFT) * TWO_32;
}

/**
 * Sets the expiry of the item at word `w`; its meta word must already be written (the top 10
 * bits of the expiry live there). A time before 1970 is long past, not "never"; a time after
 * MAX_EXPIRES_MS is stored as MAX_EXPIRES_MS.
 */
function writeExpiry(u32: Uint32Array, w: number, expiresAtMs: number): void {
  if (expiresAtMs === 0) {
    u32[w + W_EXPIRES_LOW] = 0;
    u32[w + W_META] = u32[w + W_META]! & ~META_EXPIRES_MASK;
    return;
  }
  const ms = expiresAtMs > MAX_EXPIRES_MS ? MAX_EXPIRES_MS : expiresAtMs >= 1 ? Math.floor(expiresAtMs) : 1;
  const high = Math.floor(ms / TWO_32);
  u32[w + W_EXPIRES_LOW] = ms - high * TWO_32;
  u32[w + W_META] = (u32[w + W_META]! & ~META_EXPIRES_MASK) | (high << META_EXPIRES_SHIFT);
}

/** The client flags of the item at word `w` (0 when its header has no flags word). */
function readClientFlags(u32: Uint32Array, w: number): number {
  return (u32[w + W_META]! & META_CLIENT_FLAGS) !== 0 ? u32[w + W_CLIENT_FLAGS]! : 0;
}

function valueLengthAt(u32: Uint32Array, w: number): number {
  return u32[w + W_VALUE]! & VALUE_LENGTH_MASK;
}

/** ITEM_TYPE_* of the item at word `w`. */
function typeAt(u32: Uint32Array, w: number): number {
  return (u32[w + W_VALUE]! >>> VALUE_TYPE_SHIFT) & 7;
}

/** A new value length for the string item at word `w`, keeping its hash tag. */
function setStringLength(u32: Uint32Array, w: number, valueLength: number): void {
  u32[w + W_VALUE] = (u32[w + W_VALUE]! & VALUE_TAG_MASK) | valueLength;
}

/** Redis's EXPIRE NX/XX/GT/LT test; expiries are absolute ms, 0 = never (an infinite TTL). */
function expiryConditionHolds(condition: ExpireCondition, currentMs: number, newMs: number): boolean {
  switch (condition) {
    case ExpireCondition.NoExpiry:
      return currentMs === 0;
    case ExpireCondition.HasExpiry:
      return currentMs !== 0;
    case ExpireCondition.Later:
      return currentMs !== 0 && (newMs === 0 || newMs > currentMs);
    case ExpireCondition.Earlier:
      return newMs !== 0 && (currentMs === 0 || newMs < currentMs);
    default:
      return true;
  }
}

/** The 32 bits of `v` in reverse order (SCAN's reverse-binary cursor). */
function reverseBits32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) >>> 0;
}

/**
 * Redis's dictScan step: increments the bits of `cursor` under `mask` starting from the high
 * one, so a cursor taken from a smaller table still names the right buckets after the index
 * doubles (a bucket i of the small table becomes buckets i and i + size of the big one, and
 * both come after i in this order). Returns 0 after the last bucket.
 */
function nextScanCursor(cursor: number, mask: number): number {
  return reverseBits32((reverseBits32((cursor | ~mask) >>> 0) + 1) >>> 0);
}

/**
 * Called by `scanKeys` and `sweepItems` for every live item: the key is `u8[keyAt, keyAt +
 * keyLength)`, valid only during the call; `itemType` is the item's ITEM_TYPE_*. Returns
 * true when the item counts as a match (scan: a key the caller kept; sweep: an item to count
 * and, when removing, remove). Must not call into the store.
 */
export type ItemVisitor = (u8: Uint8Array, keyAt: number, keyLength: number, itemType: number) => boolean;

export class Store {
  /** Reused result object, filled on hits and successful writes (see ReadResult in types.ts). */
  readonly result: ReadResult = {
    valueBytes: EMPTY_U8,
    valueOffset: 0,
    valueLength: 0,
    clientFlags: 0,
    casHigh: 0,
    casLow: 0,
    meta: {
      expiresAtMs: 0,
      lastAccessSeconds: 0,
      keyLength: 0,
      valueSize: 0,
      slabClassId: 0,
      hitBefore: false,
      won: false,
      stale: false,
      winTokenSent: false,
      valueSent: false,
      created: false,
    },
  };

  readonly #pageSize: number;
  readonly #budget: PageBudget;
  readonly #shardIndex: number;
  readonly #shardCount: number;
  readonly #memoryLimitBytes: number;

  // Slab classes; index 0 is memcached's class 1.
  readonly #classCount: number;
  readonly #chunkSizes: Int32Array;
  readonly #chunksPerPage: Int32Array;
  readonly #lruHead: Uint32Array;
  readonly #lruTail: Uint32Array;
  readonly #freeHead: Uint32Array;
  readonly #freeCount: Float64Array;
  readonly #classPages: Float64Array;
  readonly #classUsed: Float64Array;
  readonly #classRequested: Float64Array;
  readonly #classEvicted: Float64Array;
  readonly #classOutOfMemory: Float64Array;
  /** The page chunks are carved from (memcached's free_chunks_end), 0 before the first page. */
  readonly #classCurrentPage: Uint32Array;

  // Pages. Index 0 holds empty placeholders so that handle 0 can mean "none".
  readonly #chunkBits: number;
  readonly #chunkMask: number;
  readonly #maxPageNumber: number;
  readonly #maxChunksPerPage: number;
  #pageCount = 0;
  readonly #pageU8: Uint8Array[] = [EMPTY_U8];
  readonly #pageU32: Uint32Array[] = [EMPTY_U32];
  #pageChunkSize = new Int32Array(64);
  #pageClass = new Uint8Array(64);
  #pageCarved = new Int32Array(64);

  // Hash index. While growing, buckets of the old table below #expandBucket have moved.
  #buckets: Uint32Array;
  #hashPower: number;
  #hashMask: number;
  #oldBuckets: Uint32Array | null = null;
  #expandBucket = 0;
  /** Out-parameter of #slotIndex: the table the returned bucket index refers to. */
  #slotTable: Uint32Array;
  /** prefetch()'s bucket heads, between its two passes. */
  readonly #prefetchHeads = new Uint32Array(PREFETCH_GROUP);

  // CAS: counter (as two u32 halves) and the last CAS issued.
  #counterHigh = 0;
  #counterLow = 0;
  #lastCasHigh = 0;
  #lastCasLow = 0;
  // flush_all: items with CAS <= the watermark are dead; a future flush waits in #flushDeadlineMs.
  #flushMarked = false;
  #flushCasHigh = 0;
  #flushCasLow = 0;
  #flushDeadlineMs = 0;
  #flushOldestLiveSeconds = -1;
  // An explicit CAS (meta E) for the next #assignCas, and the item that call last wrote.
  #explicitCasArmed = false;
  #explicitCasHigh = 0;
  #explicitCasLow = 0;
  #explicitCasFromClient = false;
  #lastWritten = 0;
  /** Class index of the item the current op found or wrote, -1 = none (per-class stats). */
  #lastClass = -1;
  /** Type of a non-string item the current string op treated as missing, -1 = none (Redis WRONGTYPE). */
  #wrongType = -1;

  // Crawler cursor over (page, chunk).
  #crawlPage = 1;
  #crawlChunk = 0;

  // Counters.
  #currItems = 0;
  #totalItems = 0;
  #bytes = 0;
  #evictions = 0;
  #reclaimed = 0;
  #expiredUnfetched = 0;
  #evictedUnfetched = 0;
  #getExpired = 0;
  #getFlushed = 0;
  /** Crawler: linked items examined, and passes begun over the pages (memcached's lru_crawler_starts). */
  #crawlerItemsChecked = 0;
  #crawlerStarts = 0;
  /** Page mover: pages moved between classes, and live items evicted to empty them. */
  #slabsMoved = 0;
  #slabReassignEvictionsNomem = 0;

  readonly #decimal = new DecimalU64();

  constructor(config: StoreConfig) {
    const { pageSize, slabMinSize, growthFactor, shardIndex, shardCount, pageBudget } = config;
    if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_VALUE_LENGTH + 1) {
      throw new RangeError(`pageSize must be an integer in [${MIN_PAGE_SIZE}, ${MAX_VALUE_LENGTH + 1}], got ${pageSize}`);
    }
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > MAX_SHARD_COUNT) {
      throw new RangeError(`shardCount must be an integer in [1, ${MAX_SHARD_COUNT}], got ${shardCount}`);
    }
    if (!Number.isInteger(shardIndex) || shardIndex < 0 || shardIndex >= shardCount) {
      throw new RangeError(`shardIndex must be an integer in [0, ${shardCount}), got ${shardIndex}`);
    }
    const hashPower = config.hashPowerInitial ?? DEFAULT_HASH_POWER;
    if (!Number.isInteger(hashPower) || hashPower < MIN_HASH_POWER || hashPower > MAX_HASH_POWER) {
      throw new RangeError(`hashPowerInitial must be an integer in [${MIN_HASH_POWER}, ${MAX_HASH_POWER}]`);
    }
    const sizes = computeChunkSizes(CLASS_SIZE_BASE, pageSize, slabMinSize, growthFactor);

    this.#pageSize = pageSize;
    this.#budget = pageBudget;
    this.#shardIndex = shardIndex;
    this.#shardCount = shardCount;
    this.#memoryLimitBytes = config.memoryLimitBytes;

    const n = sizes.length;
    this.#classCount = n;
    this.#chunkSizes = Int32Array.from(sizes);
    this.#chunksPerPage = Int32Array.from(sizes, (s) => Math.floor(pageSize / s));
    this.#lruHead = new Uint32Array(n);
    this.#lruTail = new Uint32Array(n);
    this.#freeHead = new Uint32Array(n);
    this.#freeCount = new Float64Array(n);
    this.#classPages = new Float64Array(n);
    this.#classUsed = new Float64Array(n);
    this.#classRequested = new Float64Array(n);
    this.#classEvicted = new Float64Array(n);
    this.#classOutOfMemory = new Float64Array(n);
    this.#classCurrentPage = new Uint32Array(n);

    const maxChunks = this.#chunksPerPage[0]!;
    this.#maxChunksPerPage = maxChunks;
    this.#chunkBits = maxChunks <= 1 ? 0 : 32 - Math.clz32(maxChunks - 1);
    this.#chunkMask = (1 << this.#chunkBits) - 1;
    this.#maxPageNumber = 0xffffffff >>> this.#chunkBits;

    this.#hashPower = hashPower;
    this.#buckets = new Uint32Array(1 << hashPower);
    this.#hashMask = (1 << hashPower) - 1;
    this.#slotTable = this.#buckets;
  }

  // ---------------------------------------------------------------- public API

  /**
   * Reads the index bucket of each of `hashes[0, count)`, then the first item of each of those
   * chains, and changes nothing. One lookup waits for two cache misses in turn (bucket, then
   * item); loads of different keys issued together overlap their misses instead, so the lookups
   * that follow (a shard batch's ops) find their lines in cache. In a shard worker this took ~10%
   * off the worker's CPU per op at pipeline 16 and ~13% per 100-key multi-get. Returns a value
   * made from the loads, for the caller to keep, so that they are not optimized away.
   */
  prefetch(hashes: Uint32Array, count: number): number {
    const heads = this.#prefetchHeads;
    const cb = this.#chunkBits;
    const cm = this.#chunkMask;
    let sink = 0;
    for (let start = 0; start < count; start += PREFETCH_GROUP) {
      const n = Math.min(PREFETCH_GROUP, count - start);
      for (let i = 0; i < n; i++) {
        const slot = this.#slotIndex(hashes[start + i]! >>> 0);
        heads[i] = this.#slotTable[slot]!;
      }
      for (let i = 0; i < n; i++) {
        const h = heads[i]!;
        if (h === 0) continue;
        const p = h >>> cb;
        sink ^= this.#pageU32[p]![(((h & cm) * this.#pageChunkSize[p]!) >>> 2) + W_META]!;
      }
    }
    return sink;
  }

  /** get: Ok (result filled) | NotFound. Bumps the item in its LRU and marks it fetched. */
  get(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): StoreStatus {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findString(key, keyOffset, keyLength, hash >>> 0, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    this.#markAccessed(h, nowMs);
    this.#fillResult(h);
    return StoreStatus.Ok;
  }

  /** gat: Ok (result filled, expiry replaced, CAS unchanged) | NotFound. */
  getAndTouch(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    expiresAtMs: number,
    nowMs: number,
  ): StoreStatus {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findString(key, keyOffset, keyLength, hash >>> 0, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    this.#setExpiry(h, expiresAtMs);
    this.#markAccessed(h, nowMs);
    this.#fillResult(h);
    return StoreStatus.Ok;
  }

  /**
   * set/add/replace/append/prepend/cas. On Stored, result.casHigh/casLow hold the new CAS.
   * `casHigh`/`casLow` are compared in Cas mode (0 never matches, as in memcached) and, when
   * non-zero, in Append/Prepend mode (binary protocol); other modes ignore them.
   */
  store(
    mode: StoreMode,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    clientFlags: number,
    expiresAtMs: number,
    casHigh: number,
    casLow: number,
    nowMs: number,
  ): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const total = itemSize(keyLength, valueLength, clientFlags);
    // The header keeps the key length in 16 bits (callers already limit keys to 250 bytes).
    const cls = total <= this.#pageSize && keyLength <= META_KEY_MASK ? classForSize(this.#chunkSizes, total) : -1;
    if (cls < 0) {
      // memcached unlinks the old item when a set cannot be stored, so no stale value survives.
      if (mode === StoreMode.Set) this.#deleteIfLive(key, keyOffset, keyLength, hash, nowMs);
      return StoreStatus.TooLarge;
    }
    const old = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
    switch (mode) {
      case StoreMode.Set:
        break;
      case StoreMode.Add:
        if (old !== 0) {
          // "add only adds a nonexistent item, but promote to head of LRU" (memcached do_store_item).
          this.#bump(old, nowMs);
          return StoreStatus.NotStored;
        }
        break;
      case StoreMode.Replace:
        if (old === 0) return StoreStatus.NotStored;
        break;
      case StoreMode.Cas:
        if (old === 0) return StoreStatus.NotFound;
        if (!this.#casEquals(old, casHigh, casLow)) return StoreStatus.Exists;
        break;
      case StoreMode.Append:
      case StoreMode.Prepend:
        if (old === 0) return StoreStatus.NotStored;
        if (this.#typeOf(old) !== ITEM_TYPE_STRING) {
          this.#wrongType = this.#typeOf(old);
          return StoreStatus.NotStored;
        }
        if ((casHigh !== 0 || casLow !== 0) && !this.#casEquals(old, casHigh, casLow)) return StoreStatus.Exists;
        return this.#appendPrepend(mode === StoreMode.Prepend, old, key, keyOffset, keyLength, hash, value, valueOffset, valueLength, nowMs);
      default:
        return StoreStatus.NotStored;
    }

    if (old !== 0 && this.#pageClass[old >>> this.#chunkBits] === cls) {
      // Same class: reuse the chunk. Indistinguishable from memcached's alloc + replace, minus an eviction.
      this.#overwrite(old, cls, total, value, valueOffset, valueLength, clientFlags, expiresAtMs, nowMs);
      return StoreStatus.Stored;
    }
    const h = this.#alloc(cls, nowMs, old);
    if (h === 0) {
      if (mode === StoreMode.Set && old !== 0) this.#unlinkAndFree(old);
      return StoreStatus.NoMemory;
    }
    const valueAt = this.#initItem(h, key, keyOffset, keyLength, hash, valueLength, clientFlags, expiresAtMs, nowMs);
    copyBytes(this.#pageU8[h >>> this.#chunkBits]!, valueAt, value, valueOffset, valueOffset + valueLength);
    if (old !== 0) this.#unlinkAndFree(old);
    this.#link(h, cls, total, hash);
    return StoreStatus.Stored;
  }

  /** delete: Ok | NotFound. */
  delete(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): StoreStatus {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    return this.#deleteIfLive(key, keyOffset, keyLength, hash >>> 0, nowMs) ? StoreStatus.Ok : StoreStatus.NotFound;
  }

  /** touch: Ok (expiry replaced, CAS unchanged) | NotFound. */
  touch(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, expiresAtMs: number, nowMs: number): StoreStatus {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findLive(key, keyOffset, keyLength, hash >>> 0, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    this.#setExpiry(h, expiresAtMs);
    this.#markAccessed(h, nowMs);
    return StoreStatus.Ok;
  }

  /**
   * incr/decr: Ok | NotFound | NonNumeric | NoMemory. On Ok, result.valueBytes/valueOffset/valueLength
   * are the decimal digits of the new value (no padding) and result CAS the new CAS. As in memcached,
   * a result no longer than the stored value is written in place, padded with trailing spaces.
   */
  incrDecr(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    incr: boolean,
    delta: bigint,
    nowMs: number,
  ): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findString(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    if (delta < 0n || delta > U64_MAX) delta = BigInt.asUintN(64, delta);

    const p = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[p]!;
    const w = b >>> 2;
    const u8 = this.#pageU8[p]!;
    const u32 = this.#pageU32[p]!;
    const oldLength = valueLengthAt(u32, w);
    const klen = u32[w + W_META]! & META_KEY_MASK;
    const valueAt = keyStart(b, u32[w + W_META]!) + klen;
    const flags = readClientFlags(u32, w);
    const dec = this.#decimal;
    if (oldLength === 0 || !dec.parse(u8, valueAt, oldLength)) return StoreStatus.NonNumeric;

    let small = 0;
    let big = 0n;
    let isBig = false;
    if (!dec.isBig && delta <= MAX_SAFE_DELTA) {
      const v = dec.small;
      const d = Number(delta);
      if (!incr) {
        small = v > d ? v - d : 0;
      } else if (v + d <= Number.MAX_SAFE_INTEGER) {
        small = v + d;
      } else {
        isBig = true;
        big = BigInt(v) + delta;
      }
    } else {
      const v = dec.isBig ? dec.big : BigInt(dec.small);
      isBig = true;
      big = incr ? (v + delta) & U64_MAX : v > delta ? v - delta : 0n;
    }
    const digits = isBig ? big.toString() : '';
    const newLength = isBig ? digits.length : decimalDigits(small);
    const cls = this.#pageClass[p]!;

    if (newLength <= oldLength) {
      if (isBig) writeDigitString(u8, valueAt, digits);
      else writeDecimal(u8, valueAt, small);
      u8.fill(SPACE, valueAt + newLength, valueAt + oldLength);
      this.#assignCas(h, u32, w);
      this.#bump(h, nowMs);
      this.#fillResult(h);
      this.result.valueLength = newLength;
      return StoreStatus.Ok;
    }

    const total = itemSize(klen, newLength, flags);
    const newCls = classForSize(this.#chunkSizes, total);
    if (newCls === cls) {
      // Grows within its chunk: memcached would allocate a new item of the same class.
      if (isBig) writeDigitString(u8, valueAt, digits);
      else writeDecimal(u8, valueAt, small);
      setStringLength(u32, w, newLength);
      u32[w + W_META] = u32[w + W_META]! & ~META_FRESH_CLEAR;
      this.#bytes += newLength - oldLength;
      this.#classRequested[cls] += newLength - oldLength;
      this.#totalItems++;
      this.#assignCas(h, u32, w);
      this.#bump(h, nowMs);
      this.#fillResult(h);
      return StoreStatus.Ok;
    }
    if (newCls < 0) return StoreStatus.NoMemory;
    const nh = this.#alloc(newCls, nowMs, h);
    if (nh === 0) return StoreStatus.NoMemory;
    const newAt = this.#initItem(nh, key, keyOffset, keyLength, hash, newLength, flags, readExpiry(u32, w), nowMs);
    const nu8 = this.#pageU8[nh >>> this.#chunkBits]!;
    if (isBig) writeDigitString(nu8, newAt, digits);
    else writeDecimal(nu8, newAt, small);
    this.#unlinkAndFree(h);
    this.#link(nh, newCls, total, hash);
    this.#fillResult(nh);
    return StoreStatus.Ok;
  }

  // ---------------------------------------------------------------- item ops (meta commands, binary protocol)
  // Each fills result (and result.meta) on success. Explicit CAS values (meta E) are armed just before
  // the write that assigns them and disarmed right after, so no other call can pick one up.

  /**
   * Meta get: Ok (result + meta filled; value only when meta.valueSent) | NotFound. Touch applies
   * before the recache test; h/l report the state before this call. Win rules follow memcached:
   * vivified on a miss, TTL below the recache threshold, or first reader of a stale item, and
   * never while a token is out.
   */
  readItem(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, p: ItemReadParams, nowMs: number): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    // A read of the value (or one that may create it) sees only strings; a metadata-only read (EXPIRE NX..., mg without v) sees any type.
    const valueRead = p.wantValue || p.vivify || p.recache;
    let h = valueRead ? this.#findString(key, keyOffset, keyLength, hash, nowMs) : this.#findLive(key, keyOffset, keyLength, hash, nowMs);
    let created = false;
    if (h === 0 && valueRead && this.#wrongType >= 0) return StoreStatus.NotFound;
    if (h === 0) {
      if (!p.vivify) return StoreStatus.NotFound;
      h = this.#create(key, keyOffset, keyLength, hash, EMPTY_U8, 0, p.vivifyExpiresAtMs, p.newCasHigh, p.newCasLow, nowMs);
      if (h === 0) return StoreStatus.NotFound;
      created = true;
    }
    const pg = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[pg]!;
    const w = b >>> 2;
    const u32 = this.#pageU32[pg]!;
    const metaWord = u32[w + W_META]!;
    const hitBefore = !created && (metaWord & META_FETCHED) !== 0;
    const lastAccessSeconds = u32[w + W_TIME]!;
    if (p.touch) {
      if (!expiryConditionHolds(p.touchCondition, readExpiry(u32, w), p.touchExpiresAtMs)) return StoreStatus.NotStored;
      this.#setExpiry(h, p.touchExpiresAtMs);
    }
    const expiresAt = readExpiry(u32, w);
    const tokenSent = (metaWord & META_TOKEN_SENT) !== 0;
    const stale = (metaWord & META_STALE) !== 0;
    let won = created;
    if (p.recache && !created && !tokenSent && expiresAt !== 0 && expiresAt < nowMs + p.recacheBelowSeconds * 1000) won = true;
    if (stale && !tokenSent) won = true;
    if (won) u32[w + W_META] = u32[w + W_META]! | META_TOKEN_SENT;
    if (!p.noBump) this.#markAccessed(h, nowMs);
    const casMatches = (p.compareCasHigh !== 0 || p.compareCasLow !== 0) && this.#casEquals(h, p.compareCasHigh, p.compareCasLow);
    const valueSent = p.wantValue && !casMatches;
    this.#fillItemResult(h, valueSent, hitBefore, lastAccessSeconds, won, tokenSent);
    this.result.meta.created = created;
    return StoreStatus.Ok;
  }

  /**
   * Meta set and the binary storage commands: Stored (result + meta, no value) | NotStored | Exists |
   * NotFound | TooLarge | NoMemory. A compare CAS turns Set/Replace into Cas and is checked by
   * Append/Prepend; Add ignores it (memcached do_store_item). With invalidate, a compare CAS lower
   * than the item's stores the value as stale, keeping the old expiry and win-token state.
   */
  writeItem(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    p: ItemWriteParams,
    nowMs: number,
  ): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const hasCompare = p.compareCasHigh !== 0 || p.compareCasLow !== 0;
    let mode: StoreMode = p.mode;
    let expiresAtMs = p.expiresAtMs;
    let markStale = false;
    let keepTokenSent = false;
    let created = false;
    if (hasCompare && (mode === StoreMode.Set || mode === StoreMode.Replace)) {
      mode = StoreMode.Cas;
      if (p.invalidate) {
        const old = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
        if (old !== 0 && this.#casIsBelowItem(old, p.compareCasHigh, p.compareCasLow)) {
          mode = StoreMode.Set;
          markStale = true;
          const pg = old >>> this.#chunkBits;
          const w = ((old & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
          expiresAtMs = readExpiry(this.#pageU32[pg]!, w);
          keepTokenSent = (this.#pageU32[pg]![w + W_META]! & META_TOKEN_SENT) !== 0;
        }
      }
    } else if ((mode === StoreMode.Append || mode === StoreMode.Prepend) && p.vivify) {
      if (this.#findString(key, keyOffset, keyLength, hash, nowMs) === 0 && this.#wrongType < 0) {
        mode = StoreMode.Set;
        expiresAtMs = p.vivifyExpiresAtMs;
        created = true;
      }
    } else if (mode !== StoreMode.Set && mode !== StoreMode.Add && mode !== StoreMode.Replace && mode !== StoreMode.Append && mode !== StoreMode.Prepend) {
      return StoreStatus.NotStored;
    }
    if (p.stringOnly === true && this.#findString(key, keyOffset, keyLength, hash, nowMs) === 0 && this.#wrongType >= 0) {
      return StoreStatus.NotStored;
    }
    if (p.keepExpiry && !markStale) {
      const old = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
      if (old !== 0) expiresAtMs = this.#expiryOf(old);
    }
    this.#armExplicitCas(p.newCasHigh, p.newCasLow, true);
    const status = this.store(
      mode,
      key,
      keyOffset,
      keyLength,
      hash,
      value,
      valueOffset,
      valueLength,
      p.clientFlags,
      expiresAtMs,
      p.compareCasHigh,
      p.compareCasLow,
      nowMs,
    );
    this.#explicitCasArmed = false;
    if (status !== StoreStatus.Stored) return status;
    const h = this.#lastWritten;
    if (markStale) {
      const pg = h >>> this.#chunkBits;
      const w = ((h & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
      const u32 = this.#pageU32[pg]!;
      u32[w + W_META] = u32[w + W_META]! | META_STALE | (keepTokenSent ? META_TOKEN_SENT : 0);
    }
    this.#fillItemResult(h, false, false, Math.floor(nowMs / 1000), false, false);
    this.result.meta.created = created;
    return StoreStatus.Stored;
  }

  /**
   * Meta delete and binary delete: Ok | NotFound | Exists | NotStored (dropValue could not store).
   * With invalidate or dropValue the item stays (result + meta filled); otherwise it is removed.
   */
  deleteItem(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, p: ItemDeleteParams, nowMs: number): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    let h = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    if ((p.compareCasHigh !== 0 || p.compareCasLow !== 0) && !this.#casEquals(h, p.compareCasHigh, p.compareCasLow)) {
      return StoreStatus.Exists;
    }
    if (!p.invalidate && !p.dropValue) {
      this.#unlinkAndFree(h);
      return StoreStatus.Ok;
    }
    if (p.dropValue) {
      // memcached stores an empty tombstone with the old CAS (or E), flags 0 and the command's exptime.
      const explicit = p.newCasHigh !== 0 || p.newCasLow !== 0;
      const pg = h >>> this.#chunkBits;
      const w = ((h & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
      const u32 = this.#pageU32[pg]!;
      const fromClient = explicit || (u32[w + W_META]! & META_EXPLICIT_CAS) !== 0;
      this.#armExplicitCas(explicit ? p.newCasHigh : u32[w + W_CAS_HIGH]!, explicit ? p.newCasLow : u32[w + W_CAS_LOW]!, fromClient);
      const expiresAtMs = p.hasExpiry ? p.expiresAtMs : 0;
      const status = this.store(StoreMode.Set, key, keyOffset, keyLength, hash, EMPTY_U8, 0, 0, 0, expiresAtMs, 0, 0, nowMs);
      this.#explicitCasArmed = false;
      if (status !== StoreStatus.Stored) return StoreStatus.NotStored;
      h = this.#lastWritten;
    }
    const pg = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
    const u32 = this.#pageU32[pg]!;
    const hitBefore = (u32[w + W_META]! & META_FETCHED) !== 0;
    const lastAccessSeconds = u32[w + W_TIME]!;
    if (p.invalidate) {
      if (p.hasExpiry) this.#setExpiry(h, p.expiresAtMs);
      // A fresh stale mark: the next reader wins the recache, even if a token was out before.
      u32[w + W_META] = (u32[w + W_META]! | META_STALE) & ~META_TOKEN_SENT;
      this.#armExplicitCas(p.newCasHigh, p.newCasLow, true);
      this.#assignCas(h, u32, w);
      this.#explicitCasArmed = false;
    }
    this.#fillItemResult(h, false, hitBefore, lastAccessSeconds, false, false);
    return StoreStatus.Ok;
  }

  /**
   * Meta arithmetic and binary incr/decr: Ok (result value = decimal digits of the new value, meta
   * filled) | NotFound | NonNumeric | Exists | NoMemory | NotStored. On a miss with vivify the item is
   * created holding `initial` (flags 0) and the delta is not applied, as memcached does.
   */
  arithmetic(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, p: ArithmeticParams, nowMs: number): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    if (p.signed) return this.#signedArithmetic(key, keyOffset, keyLength, hash, p.delta, nowMs);
    let h = this.#findString(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0 && this.#wrongType >= 0) return StoreStatus.NotFound;
    let hitBefore = false;
    let lastAccessSeconds = Math.floor(nowMs / 1000);
    const created = h === 0;
    if (h === 0) {
      if (!p.vivify) return StoreStatus.NotFound;
      const digits = textEncoder.encode(BigInt.asUintN(64, p.initial).toString());
      this.#armExplicitCas(p.newCasHigh, p.newCasLow, true);
      const status = this.store(StoreMode.Add, key, keyOffset, keyLength, hash, digits, 0, digits.length, 0, p.vivifyExpiresAtMs, 0, 0, nowMs);
      this.#explicitCasArmed = false;
      if (status === StoreStatus.NoMemory || status === StoreStatus.TooLarge) return StoreStatus.NoMemory;
      if (status !== StoreStatus.Stored) return StoreStatus.NotStored;
      h = this.#lastWritten;
      this.#fillResult(h);
    } else {
      const pg = h >>> this.#chunkBits;
      const w = ((h & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
      const u32 = this.#pageU32[pg]!;
      // memcached's do_add_delta: an empty value is non-numeric before the CAS is compared.
      if (valueLengthAt(u32, w) === 0) return StoreStatus.NonNumeric;
      if ((p.compareCasHigh !== 0 || p.compareCasLow !== 0) && !this.#casEquals(h, p.compareCasHigh, p.compareCasLow)) {
        return StoreStatus.Exists;
      }
      hitBefore = (u32[w + W_META]! & META_FETCHED) !== 0;
      lastAccessSeconds = u32[w + W_TIME]!;
      this.#armExplicitCas(p.newCasHigh, p.newCasLow, true);
      const status = this.incrDecr(key, keyOffset, keyLength, hash, p.incr, p.delta, nowMs);
      this.#explicitCasArmed = false;
      if (status !== StoreStatus.Ok) return status;
      h = this.#lastWritten;
    }
    if (p.touch) this.#setExpiry(h, p.touchExpiresAtMs);
    // result's value fields already hold the digits (incrDecr trims the in-place padding).
    this.#fillItemMeta(h, true, hitBefore, lastAccessSeconds, false, false);
    this.result.meta.created = created;
    return StoreStatus.Ok;
  }

  /**
   * Redis INCRBY (see ArithmeticParams.signed): Ok (result value = the new decimal digits, meta filled)
   * | NonNumeric | Overflow | NoMemory. The new value is written as a whole new item rather than in
   * place, so it never carries memcached's space padding (Redis would refuse "9 ").
   */
  #signedArithmetic(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, delta: bigint, nowMs: number): StoreStatus {
    delta = BigInt.asIntN(64, delta);
    const h = this.#findString(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0 && this.#wrongType >= 0) return StoreStatus.NotFound;
    let current = 0n;
    let clientFlags = 0;
    let expiresAtMs = 0;
    let hitBefore = false;
    let lastAccessSeconds = Math.floor(nowMs / 1000);
    if (h !== 0) {
      const item = this.#open(h);
      const parsed = parseRedisInt64(item.bytes, item.valueAt, item.valueLength);
      if (parsed === null) return StoreStatus.NonNumeric;
      current = parsed;
      clientFlags = item.clientFlags;
      expiresAtMs = item.expiresAtMs;
      hitBefore = item.fetched;
      lastAccessSeconds = item.lastAccessSeconds;
    }
    const next = current + delta;
    if (next < I64_MIN || next > I64_MAX) return StoreStatus.Overflow;
    const digits = textEncoder.encode(next.toString());
    const status = this.store(StoreMode.Set, key, keyOffset, keyLength, hash, digits, 0, digits.length, clientFlags, expiresAtMs, 0, 0, nowMs);
    if (status !== StoreStatus.Stored) return StoreStatus.NoMemory;
    const written = this.#lastWritten;
    this.#fillResult(written);
    this.#fillItemMeta(written, true, hitBefore, lastAccessSeconds, false, false);
    this.result.meta.created = h === 0;
    return StoreStatus.Ok;
  }

  /**
   * Redis SETRANGE: writes `patch` at byte `offset` of the value, padding with zero bytes, keeping
   * the item's flags and expiry; a missing key is created from zeros (flags 0, no expiry).
   * Stored (meta.valueSize = new length) | Ok when the patch is empty and the item exists (nothing
   * changes; meta.valueSize = its length) | NotFound when the patch is empty and the key is missing
   * | TooLarge (checked before anything is allocated, so a huge offset costs nothing) | NoMemory.
   */
  setRange(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    patch: Uint8Array,
    patchOffset: number,
    patchLength: number,
    offset: number,
    nowMs: number,
  ): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findString(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0 && this.#wrongType >= 0) return StoreStatus.NotFound;
    if (patchLength === 0) {
      if (h === 0) return StoreStatus.NotFound;
      this.#fillItemResult(h, false, false, Math.floor(nowMs / 1000), false, false);
      return StoreStatus.Ok;
    }
    if (offset + patchLength > this.#pageSize) return StoreStatus.TooLarge;
    let oldLength = 0;
    let clientFlags = 0;
    let expiresAtMs = 0;
    let oldBytes: Uint8Array | null = null;
    let oldAt = 0;
    if (h !== 0) {
      const item = this.#open(h);
      oldLength = item.valueLength;
      clientFlags = item.clientFlags;
      expiresAtMs = item.expiresAtMs;
      oldBytes = item.bytes;
      oldAt = item.valueAt;
    }
    const value = new Uint8Array(Math.max(oldLength, offset + patchLength));
    if (oldBytes !== null) value.set(oldBytes.subarray(oldAt, oldAt + oldLength));
    value.set(patch.subarray(patchOffset, patchOffset + patchLength), offset);
    const status = this.store(StoreMode.Set, key, keyOffset, keyLength, hash, value, 0, value.length, clientFlags, expiresAtMs, 0, 0, nowMs);
    if (status !== StoreStatus.Stored) return status;
    this.#fillItemResult(this.#lastWritten, false, false, Math.floor(nowMs / 1000), false, false);
    this.result.meta.created = h === 0;
    return StoreStatus.Stored;
  }

  /**
   * Redis INCRBYFLOAT: adds `increment` (a float string) to the value in long double arithmetic and
   * stores Redis's human form of the sum, keeping flags and expiry; a missing key counts as 0 and
   * is created (flags 0, no expiry). Ok (result value = the new text, meta filled) | NonNumeric
   * (value or increment not a valid float) | Overflow (the sum is infinite or NaN) | NoMemory.
   */
  floatIncrement(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    increment: Uint8Array,
    incrementOffset: number,
    incrementLength: number,
    nowMs: number,
  ): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const delta = parseLongDouble(latin1(increment, incrementOffset, incrementLength));
    const h = this.#findString(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0 && this.#wrongType >= 0) return StoreStatus.NotFound;
    if (delta === null) return StoreStatus.NonNumeric;
    let currentText = '0';
    let clientFlags = 0;
    let expiresAtMs = 0;
    if (h !== 0) {
      const item = this.#open(h);
      currentText = latin1(item.bytes, item.valueAt, item.valueLength);
      clientFlags = item.clientFlags;
      expiresAtMs = item.expiresAtMs;
    }
    const current = parseLongDouble(currentText);
    if (current === null) return StoreStatus.NonNumeric;
    const sum = addLongDouble(current, delta);
    if (sum === null || sum.infinite) return StoreStatus.Overflow;
    const text = textEncoder.encode(formatLongDouble(sum));
    const status = this.store(StoreMode.Set, key, keyOffset, keyLength, hash, text, 0, text.length, clientFlags, expiresAtMs, 0, 0, nowMs);
    if (status !== StoreStatus.Stored) return StoreStatus.NoMemory;
    const written = this.#lastWritten;
    this.#fillItemResult(written, true, false, Math.floor(nowMs / 1000), false, false);
    this.result.meta.created = h === 0;
    return StoreStatus.Ok;
  }

  /** What the read-modify-write ops (INCRBY, SETRANGE, INCRBYFLOAT) read from an item; reused, valid until the next call. */
  readonly #itemView = {
    bytes: EMPTY_U8 as Uint8Array,
    valueAt: 0,
    valueLength: 0,
    clientFlags: 0,
    expiresAtMs: 0,
    fetched: false,
    lastAccessSeconds: 0,
  };

  #open(h: number): {
    bytes: Uint8Array;
    valueAt: number;
    valueLength: number;
    clientFlags: number;
    expiresAtMs: number;
    fetched: boolean;
    lastAccessSeconds: number;
  } {
    const pg = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[pg]!;
    const w = b >>> 2;
    const u32 = this.#pageU32[pg]!;
    const item = this.#itemView;
    item.bytes = this.#pageU8[pg]!;
    item.valueAt = keyStart(b, u32[w + W_META]!) + (u32[w + W_META]! & META_KEY_MASK);
    item.valueLength = valueLengthAt(u32, w);
    item.clientFlags = readClientFlags(u32, w);
    item.expiresAtMs = readExpiry(u32, w);
    item.fetched = (u32[w + W_META]! & META_FETCHED) !== 0;
    item.lastAccessSeconds = u32[w + W_TIME]!;
    return item;
  }

  /**
   * The type (ITEM_TYPE_*) of a non-string item that the last string op found and treated as
   * missing, then forgets it; -1 when there was none. Redis answers WRONGTYPE from this.
   */
  takeWrongType(): number {
    const type = this.#wrongType;
    this.#wrongType = -1;
    return type;
  }

  // ---------------------------------------------------------------- typed values (Redis collections)

  /**
   * Reads any item for a typed command: its ITEM_TYPE_* with result.valueBytes / valueOffset /
   * valueLength viewing the value and result.meta.expiresAtMs its expiry, or -1 when the key is
   * missing. A Redis command is an access: the item is bumped and marked fetched.
   */
  typedRead(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): number {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findLive(key, keyOffset, keyLength, hash >>> 0, nowMs);
    if (h === 0) return -1;
    this.#markAccessed(h, nowMs);
    this.#fillResult(h);
    this.result.meta.expiresAtMs = this.#expiryOf(h);
    return this.#typeOf(h);
  }

  /**
   * Replaces (or creates) the item's value with a typed value: Stored | TooLarge | NoMemory. The
   * item keeps its expiry unless `expiresAtMs` is given (>= 0; 0 = never); flags are 0. A refused
   * write leaves the old item as it was (no partial write, unlike memcached's refused set).
   */
  typedWrite(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    itemType: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    expiresAtMs: number,
    nowMs: number,
  ): StoreStatus {
    hash >>>= 0;
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    if (itemSize(keyLength, valueLength, 0) > this.#pageSize || keyLength > META_KEY_MASK) return StoreStatus.TooLarge;
    const old = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
    let expiry = expiresAtMs;
    if (expiry < 0) expiry = old !== 0 ? this.#expiryOf(old) : 0;
    // Replace / Add: a write that cannot get memory leaves the old item in place.
    const mode = old !== 0 ? StoreMode.Replace : StoreMode.Add;
    const status = this.store(mode, key, keyOffset, keyLength, hash, value, valueOffset, valueLength, 0, expiry, 0, 0, nowMs);
    if (status !== StoreStatus.Stored) return status;
    const h = this.#lastWritten;
    const pg = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
    const u32 = this.#pageU32[pg]!;
    this.#setType(u32, w, itemType);
    return StoreStatus.Stored;
  }

  /** Meta debug: Ok (result + meta, no value; the item is not bumped or marked) | NotFound. */
  itemInfo(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): StoreStatus {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findLive(key, keyOffset, keyLength, hash >>> 0, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    const pg = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
    const u32 = this.#pageU32[pg]!;
    const metaWord = u32[w + W_META]!;
    this.#fillItemResult(h, false, (metaWord & META_FETCHED) !== 0, u32[w + W_TIME]!, false, (metaWord & META_TOKEN_SENT) !== 0);
    return StoreStatus.Ok;
  }

  // ---------------------------------------------------------------- keyspace (SCAN, KEYS, RENAME, COPY, MOVE, FLUSHDB)

  /** Filled by `dumpItem`: the dumped item's type byte and absolute expiry (0 = never). */
  readonly dumped = { itemType: 0, expiresAtMs: 0 };

  /**
   * One slice of a SCAN over the hash index, from `cursor` (0 = start): visits whole buckets in
   * Redis's reverse-binary order (nextScanCursor) until the index is done, `wantedMatches`
   * visits returned true, or the work done reached `maxWork` (a bucket costs 1, an item
   * SCAN_ITEM_COST: an empty bucket is one array read, an item a key test and maybe a copy).
   * Returns the cursor to go on from, 0 when the pass is complete. Because buckets, not
   * chunks, are walked, an item
   * that moves to another chunk (a bigger value) is still found, and because of the cursor
   * order every item present for the whole pass is visited at least once even when the index
   * grows in between or during a slice (then some may be visited twice). Dead items met on the
   * way are reclaimed, as Redis's SCAN expires keys it meets.
   */
  scanKeys(cursor: number, maxWork: number, wantedMatches: number, nowMs: number, visit: ItemVisitor): number {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    let v = cursor >>> 0;
    let work = 0;
    let matches = 0;
    do {
      const old = this.#oldBuckets;
      if (old === null) {
        const mask = this.#hashMask;
        work += 1 + SCAN_ITEM_COST * this.#scanChain(this.#buckets, v & mask, nowMs, visit);
        matches += this.#scanMatches;
        v = nextScanCursor(v, mask);
      } else {
        // Growing: the bucket of the small table (if not migrated yet), then its expansions in the big one.
        const small = this.#hashMask >>> 1;
        const big = this.#hashMask;
        work += 1 + SCAN_ITEM_COST * this.#scanChain(old, v & small, nowMs, visit);
        matches += this.#scanMatches;
        do {
          work += 1 + SCAN_ITEM_COST * this.#scanChain(this.#buckets, v & big, nowMs, visit);
          matches += this.#scanMatches;
          v = nextScanCursor(v, big);
        } while ((v & (small ^ big)) !== 0);
      }
    } while (v !== 0 && work < maxWork && matches < wantedMatches);
    return v;
  }

  /** Matches of the last #scanChain (a second return value without allocating). */
  #scanMatches = 0;

  /** Visits the live items of bucket `index` of `table`; returns the items seen, #scanMatches = matches. */
  #scanChain(table: Uint32Array, index: number, nowMs: number, visit: ItemVisitor): number {
    let seen = 0;
    let matches = 0;
    let h = table[index]!;
    while (h !== 0) {
      const p = h >>> this.#chunkBits;
      const b = (h & this.#chunkMask) * this.#pageChunkSize[p]!;
      const w = b >>> 2;
      const u32 = this.#pageU32[p]!;
      const next = u32[w + W_HASH_NEXT]!;
      seen++;
      if (this.#isDead(p, b, nowMs)) {
        this.#reclaim(h);
      } else {
        const meta = u32[w + W_META]!;
        if (visit(this.#pageU8[p]!, keyStart(b, meta), meta & META_KEY_MASK, typeAt(u32, w))) matches++;
      }
      h = next;
    }
    this.#scanMatches = matches;
    return seen;
  }

  /**
   * Walks every chunk once (one op, not sliced: FLUSHDB and DBSIZE answer for one moment, as
   * Redis's do) and returns how many live items `matches` accepted; with `remove` they are
   * unlinked too. Dead items are reclaimed on the way.
   */
  sweepItems(remove: boolean, nowMs: number, matches: ItemVisitor): number {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    let count = 0;
    for (let p = 1; p <= this.#pageCount; p++) {
      const u8 = this.#pageU8[p]!;
      const u32 = this.#pageU32[p]!;
      const size = this.#pageChunkSize[p]!;
      const carved = this.#pageCarved[p]!;
      for (let c = 0; c < carved; c++) {
        const b = c * size;
        const meta = u32[(b >>> 2) + W_META]!;
        if ((meta & META_LINKED) === 0) continue;
        const h = ((p << this.#chunkBits) | c) >>> 0;
        if (this.#isDead(p, b, nowMs)) {
          this.#reclaim(h);
          continue;
        }
        if (!matches(u8, keyStart(b, meta), meta & META_KEY_MASK, typeAt(u32, b >>> 2))) continue;
        count++;
        if (remove) this.#unlinkAndFree(h);
      }
    }
    return count;
  }

  /**
   * Calls `visit` with the key length, value length and client flags of every live item, in chunk
   * order (memcached's `stats sizes` walk). Nothing is reclaimed, bumped or marked.
   */
  forEachItemSize(nowMs: number, visit: (keyLength: number, valueLength: number, clientFlags: number) => void): void {
    for (let p = 1; p <= this.#pageCount; p++) {
      const u32 = this.#pageU32[p]!;
      const size = this.#pageChunkSize[p]!;
      const carved = this.#pageCarved[p]!;
      for (let c = 0; c < carved; c++) {
        const b = c * size;
        const w = b >>> 2;
        const meta = u32[w + W_META]!;
        if ((meta & META_LINKED) === 0 || this.#isDead(p, b, nowMs)) continue;
        visit(meta & META_KEY_MASK, valueLengthAt(u32, w), readClientFlags(u32, w));
      }
    }
  }

  /**
   * Reads an item whole for a move to another key: Ok (result = value, flags, CAS; `dumped` =
   * type and expiry) | NotFound. The item is not bumped or marked fetched.
   */
  dumpItem(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): StoreStatus {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    const h = this.#findLive(key, keyOffset, keyLength, hash >>> 0, nowMs);
    if (h === 0) return StoreStatus.NotFound;
    this.#fillResult(h);
    this.dumped.itemType = this.#typeOf(h);
    this.dumped.expiresAtMs = this.#expiryOf(h);
    return StoreStatus.Ok;
  }

  /**
   * Writes an item from dumped parts (value bytes, type byte, client flags, absolute expiry):
   * Stored | NotStored (`onlyIfMissing` and the key exists) | TooLarge | NoMemory.
   */
  restoreItem(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    itemType: number,
    clientFlags: number,
    expiresAtMs: number,
    onlyIfMissing: boolean,
    nowMs: number,
  ): StoreStatus {
    const mode = onlyIfMissing ? StoreMode.Add : StoreMode.Set;
    const status = this.store(mode, key, keyOffset, keyLength, hash, value, valueOffset, valueLength, clientFlags, expiresAtMs, 0, 0, nowMs);
    if (status !== StoreStatus.Stored) return status;
    const h = this.#lastWritten;
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    this.#setType(this.#pageU32[p]!, w, itemType);
    return StoreStatus.Stored;
  }

  /**
   * RENAME / COPY / MOVE within this shard: copies the item at the source key to the target key
   * (value, type, flags, expiry) and, with `removeSource`, deletes the source. Stored | NotFound
   * (no source) | NotStored (`onlyIfMissing` and the target exists) | TooLarge | NoMemory. The
   * same key for both: Stored, or NotStored with `onlyIfMissing`, changing nothing.
   */
  copyItem(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    target: Uint8Array,
    targetOffset: number,
    targetLength: number,
    targetHash: number,
    onlyIfMissing: boolean,
    removeSource: boolean,
    nowMs: number,
  ): StoreStatus {
    if (this.dumpItem(key, keyOffset, keyLength, hash, nowMs) !== StoreStatus.Ok) return StoreStatus.NotFound;
    let same = keyLength === targetLength;
    for (let i = 0; same && i < keyLength; i++) same = key[keyOffset + i] === target[targetOffset + i];
    if (same) return onlyIfMissing ? StoreStatus.NotStored : StoreStatus.Stored;
    const r = this.result;
    // A copy, not a view: allocating the target may evict the source's chunk and reuse it.
    const value = r.valueBytes.slice(r.valueOffset, r.valueOffset + r.valueLength);
    const status = this.restoreItem(
      target,
      targetOffset,
      targetLength,
      targetHash,
      value,
      0,
      value.length,
      this.dumped.itemType,
      r.clientFlags,
      this.dumped.expiresAtMs,
      onlyIfMissing,
      nowMs,
    );
    if (status === StoreStatus.Stored && removeSource) this.#deleteIfLive(key, keyOffset, keyLength, hash >>> 0, nowMs);
    return status;
  }

  /** Test hook: the hash index's size as a power of two, and whether it is growing. */
  get TEST_hashIndexState(): { power: number; growing: boolean } {
    return { power: this.#hashPower, growing: this.#oldBuckets !== null };
  }

  /**
   * flush_all. `deadlineMs <= nowMs`: every item stored before this call is dead now (CAS watermark,
   * so same-millisecond writes before and after the flush are told apart). A future deadline replaces
   * any pending one; when it passes, every item last written before it is dead.
   * Memory is reclaimed lazily (on access, at the LRU tail, by the crawler).
   */
  flushAll(deadlineMs: number, nowMs: number): void {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    if (deadlineMs <= nowMs) {
      this.#flushDeadlineMs = 0;
      this.#markFlushed(nowMs);
    } else {
      this.#flushDeadlineMs = deadlineMs;
    }
  }

  /**
   * One background reclaim slice: visits at most `maxChunksToVisit` chunk slots (a page change counts as a
   * visit) from a cursor that persists between calls and wraps around every allocated page, and frees the
   * expired or flushed items it finds. Returns the number of items reclaimed.
   */
  crawlExpired(maxChunksToVisit: number, nowMs: number): number {
    if (this.#flushDeadlineMs !== 0) this.#applyDueFlush(nowMs);
    if (this.#oldBuckets !== null) this.#migrateBuckets(HASH_MIGRATE_PER_CRAWL);
    if (this.#pageCount === 0 || !(maxChunksToVisit >= 1)) return 0;
    // At most one full pass, whatever the caller asked for.
    const limit = Math.min(Math.floor(maxChunksToVisit), this.#pageCount * (this.#maxChunksPerPage + 1));
    let p = this.#crawlPage;
    let c = this.#crawlChunk;
    let visited = 0;
    let freed = 0;
    while (visited < limit) {
      visited++;
      if (p > this.#pageCount) {
        p = 1;
        c = 0;
      }
      if (p === 1 && c === 0) this.#crawlerStarts++;
      if (c >= this.#pageCarved[p]!) {
        p++;
        c = 0;
        continue;
      }
      const b = c * this.#pageChunkSize[p]!;
      const h = ((p << this.#chunkBits) | c) >>> 0;
      c++;
      if ((this.#pageU32[p]![(b >>> 2) + W_META]! & META_LINKED) === 0) continue;
      this.#crawlerItemsChecked++;
      if (this.#isDead(p, b, nowMs)) {
        this.#reclaim(h);
        freed++;
      }
    }
    this.#crawlPage = p;
    this.#crawlChunk = c;
    return freed;
  }

  stats(nowMs: number = Date.now()): StoreStats {
    const nowSeconds = Math.floor(nowMs / 1000);
    const slabClasses: SlabClassStats[] = [];
    // Chunks of a class's pages not carved yet: memcached's free_chunks_end.
    const freeEnd = new Float64Array(this.#classCount);
    for (let p = 1; p <= this.#pageCount; p++) {
      const cls = this.#pageClass[p]!;
      freeEnd[cls]! += Math.max(0, this.#chunksPerPage[cls]! - this.#pageCarved[p]!);
    }
    for (let i = 0; i < this.#classCount; i++) {
      const pages = this.#classPages[i]!;
      const totalChunks = pages * this.#chunksPerPage[i]!;
      slabClasses.push({
        id: i + 1,
        chunk_size: this.#chunkSizes[i]!,
        chunks_per_page: this.#chunksPerPage[i]!,
        total_pages: pages,
        total_chunks: totalChunks,
        used_chunks: this.#classUsed[i]!,
        free_chunks: totalChunks - this.#classUsed[i]!,
        mem_requested: this.#classRequested[i]!,
        evicted: this.#classEvicted[i]!,
        outofmemory: this.#classOutOfMemory[i]!,
        age: this.#tailAgeSeconds(i, nowSeconds),
        free_chunks_end: freeEnd[i]!,
      });
    }
    return {
      curr_items: this.#currItems,
      total_items: this.#totalItems,
      bytes: this.#bytes,
      evictions: this.#evictions,
      reclaimed: this.#reclaimed,
      expired_unfetched: this.#expiredUnfetched,
      evicted_unfetched: this.#evictedUnfetched,
      get_expired: this.#getExpired,
      get_flushed: this.#getFlushed,
      crawler_items_checked: this.#crawlerItemsChecked,
      lru_crawler_starts: this.#crawlerStarts,
      slabs_moved: this.#slabsMoved,
      slab_reassign_evictions_nomem: this.#slabReassignEvictionsNomem,
      total_pages: this.#pageCount,
      hash_power_level: this.#hashPower,
      hash_bytes: (this.#buckets.length + (this.#oldBuckets?.length ?? 0)) * Uint32Array.BYTES_PER_ELEMENT,
      slab_classes: slabClasses,
    };
  }

  /** Seconds since the class's least recently used item was last touched (memcached's items:N:age); 0 when empty. */
  #tailAgeSeconds(cls: number, nowSeconds: number): number {
    const tail = this.#lruTail[cls]!;
    if (tail === 0) return 0;
    const pg = tail >>> this.#chunkBits;
    const w = ((tail & this.#chunkMask) * this.#pageChunkSize[pg]!) >>> 2;
    return Math.max(0, nowSeconds - this.#pageU32[pg]![w + W_TIME]!);
  }

  /**
   * The class index (0-based) of the item the last op found or wrote, or -1;
   * reading it resets it, so an op that finds nothing reports -1.
   */
  takeItemClass(): number {
    const cls = this.#lastClass;
    this.#lastClass = -1;
    return cls;
  }

  /** `stats reset`: zero the running totals; what is stored now (curr_items, bytes, pages) stays. */
  resetStats(): void {
    this.#crawlerItemsChecked = 0;
    this.#crawlerStarts = 0;
    this.#slabsMoved = 0;
    this.#slabReassignEvictionsNomem = 0;
    this.#totalItems = 0;
    this.#evictions = 0;
    this.#reclaimed = 0;
    this.#expiredUnfetched = 0;
    this.#evictedUnfetched = 0;
    this.#getExpired = 0;
    this.#getFlushed = 0;
    this.#classEvicted.fill(0);
    this.#classOutOfMemory.fill(0);
  }

  /** Size classes' chunk sizes, ascending (memcached class id = index + 1). */
  get chunkSizes(): readonly number[] {
    return Array.from(this.#chunkSizes);
  }

  /** The configured memory limit (-m), for stats; enforcement is the page budget. */
  get memoryLimitBytes(): number {
    return this.#memoryLimitBytes;
  }

  /** Test hook: continue the CAS counter from `high:low` (the next CAS uses counter + 1). */
  TEST_setCasCounter(high: number, low: number): void {
    this.#counterHigh = high >>> 0;
    this.#counterLow = low >>> 0;
  }

  /** Test hook: throws if any internal invariant is broken. */
  checkInvariants(): void {
    const fail = (what: string): never => {
      throw new Error(`Store invariant broken: ${what}`);
    };
    const cb = this.#chunkBits;
    const cm = this.#chunkMask;
    if (this.#pageU8.length !== this.#pageCount + 1) fail('page arrays out of step with the page count');
    let items = 0;
    let bytes = 0;
    for (let cls = 0; cls < this.#classCount; cls++) {
      let count = 0;
      let requested = 0;
      let prev = 0;
      let h = this.#lruHead[cls]!;
      while (h !== 0) {
        if (count > this.#currItems) fail(`class ${cls + 1}: LRU longer than curr_items (cycle?)`);
        const p = h >>> cb;
        const c = h & cm;
        if (p < 1 || p > this.#pageCount) fail(`class ${cls + 1}: handle ${h} names page ${p}`);
        if (this.#pageClass[p] !== cls) fail(`class ${cls + 1}: item ${h} lives in a page of class ${this.#pageClass[p]! + 1}`);
        if (c >= this.#pageCarved[p]!) fail(`class ${cls + 1}: item ${h} beyond the carved chunks`);
        const w = (c * this.#pageChunkSize[p]!) >>> 2;
        const u32 = this.#pageU32[p]!;
        const meta = u32[w + W_META]!;
        if ((meta & META_LINKED) === 0) fail(`class ${cls + 1}: unlinked item ${h} in the LRU`);
        if (u32[w + W_LRU_PREV] !== prev) fail(`class ${cls + 1}: prev link of ${h} is ${u32[w + W_LRU_PREV]}, expected ${prev}`);
        const size = itemSize(meta & META_KEY_MASK, valueLengthAt(u32, w), meta & META_CLIENT_FLAGS);
        if (classForSize(this.#chunkSizes, size) !== cls) fail(`item ${h} of ${size} bytes is in class ${cls + 1}`);
        if (u32[w + W_CAS_LOW] === 0 && u32[w + W_CAS_HIGH] === 0) fail(`item ${h} has CAS 0`);
        requested += size;
        count++;
        prev = h;
        h = u32[w + W_LRU_NEXT]!;
      }
      if (this.#lruTail[cls] !== prev) fail(`class ${cls + 1}: LRU tail ${this.#lruTail[cls]} but the list ends at ${prev}`);
      if (count !== this.#classUsed[cls]) fail(`class ${cls + 1}: ${count} items in the LRU, used_chunks ${this.#classUsed[cls]}`);
      if (requested !== this.#classRequested[cls]) fail(`class ${cls + 1}: mem_requested ${this.#classRequested[cls]}, items sum ${requested}`);

      let free = 0;
      h = this.#freeHead[cls]!;
      while (h !== 0) {
        const p = h >>> cb;
        if (p < 1 || p > this.#pageCount || this.#pageClass[p] !== cls) fail(`class ${cls + 1}: bad free chunk ${h}`);
        const w = ((h & cm) * this.#pageChunkSize[p]!) >>> 2;
        if ((this.#pageU32[p]![w + W_META]! & META_LINKED) !== 0) fail(`class ${cls + 1}: linked item ${h} on the free list`);
        if (++free > this.#classPages[cls]! * this.#chunksPerPage[cls]!) fail(`class ${cls + 1}: free list cycle`);
        h = this.#pageU32[p]![w + W_LRU_NEXT]!;
      }
      if (free !== this.#freeCount[cls]) fail(`class ${cls + 1}: free list has ${free}, count says ${this.#freeCount[cls]}`);

      let pages = 0;
      let carved = 0;
      for (let p = 1; p <= this.#pageCount; p++) {
        if (this.#pageClass[p] !== cls) continue;
        pages++;
        carved += this.#pageCarved[p]!;
        if (this.#pageChunkSize[p] !== this.#chunkSizes[cls]) fail(`page ${p}: chunk size ${this.#pageChunkSize[p]}`);
        if (p !== this.#classCurrentPage[cls] && this.#pageCarved[p] !== this.#chunksPerPage[cls]) {
          fail(`page ${p}: only ${this.#pageCarved[p]} chunks carved but it is not the current page`);
        }
      }
      if (pages !== this.#classPages[cls]) fail(`class ${cls + 1}: ${pages} pages, count says ${this.#classPages[cls]}`);
      if (count + free !== carved) fail(`class ${cls + 1}: ${count} used + ${free} free != ${carved} carved chunks`);
      items += count;
      bytes += requested;
    }
    if (items !== this.#currItems) fail(`LRUs hold ${items} items, curr_items is ${this.#currItems}`);
    if (bytes !== this.#bytes) fail(`items sum to ${bytes} bytes, bytes is ${this.#bytes}`);
    if (bytes > this.#pageCount * this.#pageSize) fail('bytes exceed the memory of the pages held');

    let entries = 0;
    const checkChain = (table: Uint32Array, index: number, mask: number): void => {
      let h = table[index]!;
      while (h !== 0) {
        if (++entries > this.#currItems) fail('hash table holds more entries than curr_items (cycle?)');
        const p = h >>> cb;
        if (p < 1 || p > this.#pageCount) fail(`hash entry ${h} names page ${p}`);
        const b = (h & cm) * this.#pageChunkSize[p]!;
        const w = b >>> 2;
        const u32 = this.#pageU32[p]!;
        const meta = u32[w + W_META]!;
        if ((meta & META_LINKED) === 0) fail(`unlinked item ${h} in the hash table`);
        const klen = meta & META_KEY_MASK;
        const keyAt = keyStart(b, meta);
        const hash = hashBytes(this.#pageU8[p]!, keyAt, klen);
        if ((hash & mask) !== index) fail(`item ${h} with hash ${hash} in bucket ${index}`);
        if ((u32[w + W_VALUE]! & VALUE_TAG_MASK) >>> 0 !== hashTagBits(hash) >>> 0) fail(`item ${h}: hash tag does not match its key`);
        if (this.#find(this.#pageU8[p]!, keyAt, klen, hash) !== h) fail(`item ${h}: key is stored twice`);
        h = u32[w + W_HASH_NEXT]!;
      }
    };
    for (let i = 0; i < this.#buckets.length; i++) {
      if (this.#oldBuckets !== null && this.#buckets[i] !== 0 && (i & (this.#hashMask >>> 1)) >= this.#expandBucket) {
        fail(`bucket ${i} of the new table is used before its old bucket moved`);
      }
      checkChain(this.#buckets, i, this.#hashMask);
    }
    if (this.#oldBuckets !== null) {
      for (let i = 0; i < this.#oldBuckets.length; i++) {
        if (i < this.#expandBucket && this.#oldBuckets[i] !== 0) fail(`old bucket ${i} was moved but is not empty`);
        checkChain(this.#oldBuckets, i, this.#hashMask >>> 1);
      }
    }
    if (entries !== this.#currItems) fail(`hash table holds ${entries} items, curr_items is ${this.#currItems}`);
  }

  // ---------------------------------------------------------------- lookups

  /** Bucket index for `hash`, setting #slotTable to the table it refers to. */
  #slotIndex(hash: number): number {
    const old = this.#oldBuckets;
    if (old !== null) {
      const oi = hash & (this.#hashMask >>> 1);
      if (oi >= this.#expandBucket) {
        this.#slotTable = old;
        return oi;
      }
    }
    this.#slotTable = this.#buckets;
    return hash & this.#hashMask;
  }

  /** Handle of the item with this key (live or not), or 0. */
  #find(key: Uint8Array, keyOffset: number, keyLength: number, hash: number): number {
    const cb = this.#chunkBits;
    const cm = this.#chunkMask;
    const pageU32 = this.#pageU32;
    const chunkSize = this.#pageChunkSize;
    const slot = this.#slotIndex(hash); // sets #slotTable: read it only after this call
    let h = this.#slotTable[slot]!;
    const tag = hashTagBits(hash);
    while (h !== 0) {
      const p = h >>> cb;
      const b = (h & cm) * chunkSize[p]!;
      const w = b >>> 2;
      const u32 = pageU32[p]!;
      const meta = u32[w + W_META]!;
      if ((meta & META_KEY_MASK) === keyLength && ((u32[w + W_VALUE]! ^ tag) & VALUE_TAG_MASK) === 0) {
        // Back to front: keys that share a length mostly share a prefix too ("user:000123").
        const u8 = this.#pageU8[p]!;
        const at = keyStart(b, meta);
        let i = keyLength;
        while (i > 0 && u8[at + i - 1] === key[keyOffset + i - 1]) i--;
        if (i === 0) return h;
      }
      h = u32[w + W_HASH_NEXT]!;
    }
    return 0;
  }

  /** The live item with this key, or 0; a dead one found on the way is reclaimed (get_flushed / get_expired). */
  #findLive(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): number {
    const h = this.#find(key, keyOffset, keyLength, hash);
    if (h === 0) return 0;
    const p = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[p]!;
    if (this.#flushMarked && this.#isFlushedAt(this.#pageU32[p]!, b >>> 2)) {
      this.#getFlushed++;
      this.#reclaim(h);
      return 0;
    }
    const expiresAt = readExpiry(this.#pageU32[p]!, b >>> 2);
    if (expiresAt !== 0 && expiresAt <= nowMs) {
      this.#getExpired++;
      this.#reclaim(h);
      return 0;
    }
    this.#lastClass = this.#pageClass[p]!;
    return h;
  }

  /** The live item with this key if it holds a string, else 0; a live item of another type is noted in #wrongType. */
  #findString(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): number {
    this.#wrongType = -1;
    const h = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0) return 0;
    const type = this.#typeOf(h);
    if (type === ITEM_TYPE_STRING) return h;
    this.#wrongType = type;
    return 0;
  }

  #typeOf(h: number): number {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    return typeAt(this.#pageU32[p]!, w);
  }

  #setType(u32: Uint32Array, w: number, itemType: number): void {
    u32[w + W_VALUE] = (u32[w + W_VALUE]! & ~VALUE_TYPE_MASK) | ((itemType & 7) << VALUE_TYPE_SHIFT);
  }

  #expiryOf(h: number): number {
    const p = h >>> this.#chunkBits;
    return readExpiry(this.#pageU32[p]!, ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2);
  }

  #deleteIfLive(key: Uint8Array, keyOffset: number, keyLength: number, hash: number, nowMs: number): boolean {
    const h = this.#findLive(key, keyOffset, keyLength, hash, nowMs);
    if (h === 0) return false;
    this.#unlinkAndFree(h);
    return true;
  }

  #isFlushedAt(u32: Uint32Array, w: number): boolean {
    if ((u32[w + W_META]! & META_EXPLICIT_CAS) !== 0) return u32[w + W_TIME]! <= this.#flushOldestLiveSeconds;
    const high = u32[w + W_CAS_HIGH]!;
    return high < this.#flushCasHigh || (high === this.#flushCasHigh && u32[w + W_CAS_LOW]! <= this.#flushCasLow);
  }

  /** Expired or flushed, for the item at byte `b` of page `p`. */
  #isDead(p: number, b: number, nowMs: number): boolean {
    if (this.#flushMarked && this.#isFlushedAt(this.#pageU32[p]!, b >>> 2)) return true;
    const expiresAt = readExpiry(this.#pageU32[p]!, b >>> 2);
    return expiresAt !== 0 && expiresAt <= nowMs;
  }

  /** True when `casHigh:casLow` is below the item's CAS (unsigned 64-bit compare). */
  #casIsBelowItem(h: number, casHigh: number, casLow: number): boolean {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    const itemHigh = u32[w + W_CAS_HIGH]!;
    casHigh >>>= 0;
    return casHigh < itemHigh || (casHigh === itemHigh && casLow >>> 0 < u32[w + W_CAS_LOW]!);
  }

  #casEquals(h: number, casHigh: number, casLow: number): boolean {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    return u32[w + W_CAS_HIGH] === casHigh >>> 0 && u32[w + W_CAS_LOW] === casLow >>> 0;
  }

  // ---------------------------------------------------------------- flush / CAS

  #applyDueFlush(nowMs: number): void {
    if (this.#flushDeadlineMs !== 0 && nowMs >= this.#flushDeadlineMs) {
      // Every write so far happened before the deadline (callers' clocks only move forward).
      const deadlineMs = this.#flushDeadlineMs;
      this.#flushDeadlineMs = 0;
      this.#markFlushed(deadlineMs);
    }
  }

  /** `effectiveMs`: when the flush took effect (now, or the deadline of a delayed flush). */
  #markFlushed(effectiveMs: number): void {
    this.#flushCasHigh = this.#lastCasHigh;
    this.#flushCasLow = this.#lastCasLow;
    // memcached's oldest_live: items last touched in an earlier second are flushed (explicit-CAS items only).
    this.#flushOldestLiveSeconds = Math.floor(effectiveMs / 1000) - 1;
    this.#flushMarked = true;
  }

  /**
   * The next #assignCas uses this CAS instead of the counter (0:0 = no override). `fromClient` marks
   * the item ITEM_EXPLICIT_CAS (flushed by time); false re-uses a counter CAS the item already had.
   */
  #armExplicitCas(high: number, low: number, fromClient: boolean): void {
    this.#explicitCasArmed = high !== 0 || low !== 0;
    this.#explicitCasHigh = high >>> 0;
    this.#explicitCasLow = low >>> 0;
    this.#explicitCasFromClient = fromClient;
  }

  /**
   * Gives item `h` (at word `w`) its new CAS: the explicit one armed by #armExplicitCas, else the
   * next counter value * shardCount + shardIndex, as two u32 halves. Remembers `h` in #lastWritten.
   */
  #assignCas(h: number, u32: Uint32Array, w: number): void {
    this.#lastWritten = h;
    this.#lastClass = this.#pageClass[h >>> this.#chunkBits]!;
    if (this.#explicitCasArmed) {
      this.#explicitCasArmed = false;
      u32[w + W_CAS_LOW] = this.#explicitCasLow;
      u32[w + W_CAS_HIGH] = this.#explicitCasHigh;
      if (this.#explicitCasFromClient) u32[w + W_META] = u32[w + W_META]! | META_EXPLICIT_CAS;
      else u32[w + W_META] = u32[w + W_META]! & ~META_EXPLICIT_CAS;
      this.result.casLow = this.#explicitCasLow;
      this.result.casHigh = this.#explicitCasHigh;
      return;
    }
    const meta = u32[w + W_META]!;
    if ((meta & META_EXPLICIT_CAS) !== 0) u32[w + W_META] = meta & ~META_EXPLICIT_CAS;
    let low = this.#counterLow + 1;
    let high = this.#counterHigh;
    if (low === TWO_32) {
      low = 0;
      high = (high + 1) >>> 0;
    }
    this.#counterLow = low;
    this.#counterHigh = high;
    if (this.#shardCount !== 1) {
      const wide = low * this.#shardCount + this.#shardIndex; // < 2^53 since shardCount <= 2^20
      const carry = Math.floor(wide / TWO_32);
      low = wide - carry * TWO_32;
      high = (high * this.#shardCount + carry) % TWO_32;
    }
    u32[w + W_CAS_LOW] = low;
    u32[w + W_CAS_HIGH] = high;
    this.#lastCasLow = low;
    this.#lastCasHigh = high;
    this.result.casLow = low;
    this.result.casHigh = high;
  }

  // ---------------------------------------------------------------- item updates

  #fillResult(h: number): void {
    const p = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[p]!;
    const w = b >>> 2;
    const u32 = this.#pageU32[p]!;
    const r = this.result;
    r.valueBytes = this.#pageU8[p]!;
    const meta = u32[w + W_META]!;
    r.valueOffset = keyStart(b, meta) + (meta & META_KEY_MASK);
    r.valueLength = u32[w + W_VALUE]! & VALUE_LENGTH_MASK;
    r.clientFlags = (meta & META_CLIENT_FLAGS) !== 0 ? u32[w + W_CLIENT_FLAGS]! : 0;
    r.casHigh = u32[w + W_CAS_HIGH]!;
    r.casLow = u32[w + W_CAS_LOW]!;
  }

  /** #fillResult, then the item metadata; the value is reported only when `valueSent`. */
  #fillItemResult(h: number, valueSent: boolean, hitBefore: boolean, lastAccessSeconds: number, won: boolean, winTokenSent: boolean): void {
    this.#fillResult(h);
    if (!valueSent) this.result.valueLength = 0;
    this.#fillItemMeta(h, valueSent, hitBefore, lastAccessSeconds, won, winTokenSent);
  }

  #fillItemMeta(h: number, valueSent: boolean, hitBefore: boolean, lastAccessSeconds: number, won: boolean, winTokenSent: boolean): void {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    const metaWord = u32[w + W_META]!;
    const m = this.result.meta;
    m.expiresAtMs = readExpiry(u32, w);
    m.lastAccessSeconds = lastAccessSeconds;
    m.keyLength = metaWord & META_KEY_MASK;
    m.valueSize = valueLengthAt(u32, w);
    m.slabClassId = this.#pageClass[p]! + 1;
    m.hitBefore = hitBefore;
    m.won = won;
    m.stale = (metaWord & META_STALE) !== 0;
    m.winTokenSent = winTokenSent;
    m.valueSent = valueSent;
    m.created = false;
  }

  /** Stores a new item (the key is known to be missing); its handle, or 0 when it could not be stored. */
  #create(
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    value: Uint8Array,
    clientFlags: number,
    expiresAtMs: number,
    newCasHigh: number,
    newCasLow: number,
    nowMs: number,
  ): number {
    this.#armExplicitCas(newCasHigh, newCasLow, true);
    const status = this.store(StoreMode.Add, key, keyOffset, keyLength, hash, value, 0, value.length, clientFlags, expiresAtMs, 0, 0, nowMs);
    this.#explicitCasArmed = false;
    return status === StoreStatus.Stored ? this.#lastWritten : 0;
  }

  #setExpiry(h: number, expiresAtMs: number): void {
    const p = h >>> this.#chunkBits;
    writeExpiry(this.#pageU32[p]!, ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2, expiresAtMs);
  }

  /** get/gat/touch: mark fetched, update the access time, move to the LRU head. */
  #markAccessed(h: number, nowMs: number): void {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    u32[w + W_META] = u32[w + W_META]! | META_FETCHED;
    u32[w + W_TIME] = nowMs / 1000;
    this.#lruBump(h, this.#pageClass[p]!, u32, w);
  }

  /** Update the access time and move to the LRU head without marking fetched. */
  #bump(h: number, nowMs: number): void {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    u32[w + W_TIME] = nowMs / 1000;
    this.#lruBump(h, this.#pageClass[p]!, u32, w);
  }

  /** Writes header and key of a fresh chunk; returns the byte offset where the value goes. */
  #initItem(
    h: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    valueLength: number,
    clientFlags: number,
    expiresAtMs: number,
    nowMs: number,
  ): number {
    const p = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[p]!;
    const w = b >>> 2;
    const u32 = this.#pageU32[p]!;
    u32[w + W_TIME] = nowMs / 1000;
    u32[w + W_VALUE] = hashTagBits(hash) | valueLength; // type string
    // Not linked, not fetched; then the expiry's top bits go into this word.
    u32[w + W_META] = clientFlags !== 0 ? keyLength | META_CLIENT_FLAGS : keyLength;
    if (clientFlags !== 0) u32[w + W_CLIENT_FLAGS] = clientFlags;
    writeExpiry(u32, w, expiresAtMs);
    const keyAt = keyStart(b, u32[w + W_META]!);
    copyBytes(this.#pageU8[p]!, keyAt, key, keyOffset, keyOffset + keyLength);
    return keyAt + keyLength;
  }

  /** Replaces value, flags and expiry of a linked item in its own chunk (same class), with a new CAS. */
  #overwrite(
    h: number,
    cls: number,
    total: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    clientFlags: number,
    expiresAtMs: number,
    nowMs: number,
  ): void {
    const p = h >>> this.#chunkBits;
    const b = (h & this.#chunkMask) * this.#pageChunkSize[p]!;
    const w = b >>> 2;
    const u8 = this.#pageU8[p]!;
    const u32 = this.#pageU32[p]!;
    const meta = u32[w + W_META]!;
    const keyLength = meta & META_KEY_MASK;
    const delta = total - itemSize(keyLength, valueLengthAt(u32, w), meta & META_CLIENT_FLAGS);
    const newMeta = (meta & ~META_FRESH_CLEAR & ~META_CLIENT_FLAGS) | (clientFlags !== 0 ? META_CLIENT_FLAGS : 0);
    const oldKeyAt = keyStart(b, meta);
    const keyAt = keyStart(b, newMeta);
    // The flags word came or went: the key moves by its 4 bytes.
    if (keyAt !== oldKeyAt) u8.copyWithin(keyAt, oldKeyAt, oldKeyAt + keyLength);
    u32[w + W_META] = newMeta;
    if (clientFlags !== 0) u32[w + W_CLIENT_FLAGS] = clientFlags;
    writeExpiry(u32, w, expiresAtMs);
    u32[w + W_TIME] = nowMs / 1000;
    // A new value is a string until a typed write says otherwise (typedWrite sets the type after storing).
    setStringLength(u32, w, valueLength);
    copyBytes(u8, keyAt + keyLength, value, valueOffset, valueOffset + valueLength);
    this.#bytes += delta;
    this.#classRequested[cls] += delta;
    this.#totalItems++;
    this.#assignCas(h, u32, w);
    this.#lruBump(h, cls, u32, w);
  }

  #appendPrepend(
    prepend: boolean,
    old: number,
    key: Uint8Array,
    keyOffset: number,
    keyLength: number,
    hash: number,
    value: Uint8Array,
    valueOffset: number,
    valueLength: number,
    nowMs: number,
  ): StoreStatus {
    const p = old >>> this.#chunkBits;
    const b = (old & this.#chunkMask) * this.#pageChunkSize[p]!;
    const w = b >>> 2;
    const u8 = this.#pageU8[p]!;
    const u32 = this.#pageU32[p]!;
    const oldLength = valueLengthAt(u32, w);
    const oldAt = keyStart(b, u32[w + W_META]!) + keyLength;
    const flags = readClientFlags(u32, w);
    const newLength = oldLength + valueLength;
    const total = itemSize(keyLength, newLength, flags);
    // memcached allocates the combined item inside do_store_item; when that fails the reply is NOT_STORED.
    const cls = total <= this.#pageSize ? classForSize(this.#chunkSizes, total) : -1;
    if (cls < 0) return StoreStatus.NotStored;
    const oldCls = this.#pageClass[p]!;
    if (cls === oldCls) {
      if (prepend) {
        u8.copyWithin(oldAt + valueLength, oldAt, oldAt + oldLength);
        copyBytes(u8, oldAt, value, valueOffset, valueOffset + valueLength);
      } else {
        copyBytes(u8, oldAt + oldLength, value, valueOffset, valueOffset + valueLength);
      }
      setStringLength(u32, w, newLength);
      u32[w + W_TIME] = nowMs / 1000;
      u32[w + W_META] = u32[w + W_META]! & ~META_FRESH_CLEAR;
      this.#bytes += valueLength;
      this.#classRequested[cls] += valueLength;
      this.#totalItems++;
      this.#assignCas(old, u32, w);
      this.#lruBump(old, cls, u32, w);
      return StoreStatus.Stored;
    }
    const h = this.#alloc(cls, nowMs, old);
    if (h === 0) return StoreStatus.NotStored;
    // append/prepend keep the old item's flags and expiry.
    const newAt = this.#initItem(h, key, keyOffset, keyLength, hash, newLength, flags, readExpiry(u32, w), nowMs);
    const dst = this.#pageU8[h >>> this.#chunkBits]!;
    if (prepend) {
      copyBytes(dst, newAt, value, valueOffset, valueOffset + valueLength);
      copyBytes(dst, newAt + valueLength, u8, oldAt, oldAt + oldLength);
    } else {
      copyBytes(dst, newAt, u8, oldAt, oldAt + oldLength);
      copyBytes(dst, newAt + oldLength, value, valueOffset, valueOffset + valueLength);
    }
    this.#unlinkAndFree(old);
    this.#link(h, cls, total, hash);
    return StoreStatus.Stored;
  }

  // ---------------------------------------------------------------- link / unlink

  /** Makes an initialised chunk a live item: new CAS, LRU head, hash index, counters. */
  #link(h: number, cls: number, total: number, hash: number): void {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    u32[w + W_META] = u32[w + W_META]! | META_LINKED;
    this.#assignCas(h, u32, w);
    this.#lruPushHead(h, cls, u32, w);
    this.#hashInsert(h, hash, u32, w);
    this.#currItems++;
    this.#totalItems++;
    this.#bytes += total;
    this.#classUsed[cls]++;
    this.#classRequested[cls] += total;
    if (this.#oldBuckets === null && this.#currItems > this.#buckets.length * 1.5 && this.#hashPower < MAX_HASH_POWER) {
      this.#startHashExpansion();
    }
  }

  /** Removes a live item from the hash index, its LRU and the counters; the chunk stays allocated. */
  #unlink(h: number): void {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    const cls = this.#pageClass[p]!;
    const meta = u32[w + W_META]!;
    const keyLength = meta & META_KEY_MASK;
    const total = itemSize(keyLength, valueLengthAt(u32, w), meta & META_CLIENT_FLAGS);
    // The hash is not kept in the header: hashing a short key costs less than 4 bytes per item.
    this.#hashRemove(h, hashBytes(this.#pageU8[p]!, keyStart(w << 2, meta), keyLength));
    this.#lruRemove(cls, u32, w);
    u32[w + W_META] = meta & ~(META_LINKED | META_FETCHED);
    this.#currItems--;
    this.#bytes -= total;
    this.#classUsed[cls]--;
    this.#classRequested[cls] -= total;
  }

  #unlinkAndFree(h: number): void {
    this.#unlink(h);
    this.#freeChunk(h);
  }

  /** Counts a dead (expired or flushed) item as reclaimed and frees it. */
  #reclaim(h: number): void {
    this.#countReclaimed(h);
    this.#unlinkAndFree(h);
  }

  #countReclaimed(h: number): void {
    this.#reclaimed++;
    if (!this.#wasFetched(h)) this.#expiredUnfetched++;
  }

  #wasFetched(h: number): boolean {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    return (this.#pageU32[p]![w + W_META]! & META_FETCHED) !== 0;
  }

  // ---------------------------------------------------------------- allocator

  /**
   * A chunk of class `cls`, or 0: the free list, then the newest page's uncarved chunks, then a new page
   * from the budget, then the LRU tail of the class (reclaimed if dead, else evicted), then a page moved
   * from another class. `keep` (0 = none) is an item the caller still reads after this call (the one
   * being replaced): it is in another class, so only the page mover could touch it, and it spares it.
   */
  #alloc(cls: number, nowMs: number, keep: number): number {
    const free = this.#freeHead[cls]!;
    if (free !== 0) {
      const p = free >>> this.#chunkBits;
      this.#freeHead[cls] = this.#pageU32[p]![(((free & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2) + W_LRU_NEXT]!;
      this.#freeCount[cls]--;
      return free;
    }
    const current = this.#classCurrentPage[cls]!;
    if (current !== 0) {
      const carved = this.#pageCarved[current]!;
      if (carved < this.#chunksPerPage[cls]!) {
        this.#pageCarved[current] = carved + 1;
        return ((current << this.#chunkBits) | carved) >>> 0;
      }
    }
    if (this.#pageCount < this.#maxPageNumber && this.#budget.tryAcquire()) {
      const p = this.#addPage(cls);
      this.#pageCarved[p] = 1;
      return (p << this.#chunkBits) >>> 0;
    }
    const tail = this.#lruTail[cls]!;
    if (tail !== 0) {
      const p = tail >>> this.#chunkBits;
      if (this.#isDead(p, (tail & this.#chunkMask) * this.#pageChunkSize[p]!, nowMs)) {
        this.#countReclaimed(tail);
      } else {
        this.#evictions++;
        this.#classEvicted[cls]++;
        if (!this.#wasFetched(tail)) this.#evictedUnfetched++;
      }
      this.#unlink(tail);
      return tail;
    }
    // Off the hot path: only a class that owns no chunk at all gets here.
    const moved = this.#movePageTo(cls, keep === 0 ? 0 : keep >>> this.#chunkBits, nowMs);
    if (moved !== 0) return moved;
    this.#classOutOfMemory[cls]++;
    return 0;
  }

  // ---------------------------------------------------------------- page mover

  /**
   * Takes one page from a donor class (see #pickDonorClass), evicts the items on it, and makes it
   * the current page of `cls` with its first chunk carved; returns that chunk, or 0 when no class
   * can give a page. Never takes page `sparedPage`. Work: one pass over the page's chunks and one
   * over the donor's free list (plus the class and, rarely, the page tables to choose).
   */
  #movePageTo(cls: number, sparedPage: number, nowMs: number): number {
    const donor = this.#pickDonorClass(cls);
    if (donor < 0) return 0;
    const p = this.#pickDonorPage(donor, sparedPage);
    if (p === 0) return 0;
    this.#evictPage(p, donor, nowMs);
    this.#dropPageFromFreeList(p, donor);
    this.#classPages[donor]--;
    // Every other page of the donor is fully carved, so it simply has no current page until its next one.
    if (this.#classCurrentPage[donor] === p) this.#classCurrentPage[donor] = 0;
    // The page keeps its number (and buffer): chunks beyond the carved count are never read, so no zeroing.
    this.#pageClass[p] = cls;
    this.#pageChunkSize[p] = this.#chunkSizes[cls]!;
    this.#pageCarved[p] = 1;
    this.#classPages[cls]++;
    this.#classCurrentPage[cls] = p;
    this.#slabsMoved++;
    return (p << this.#chunkBits) >>> 0;
  }

  /**
   * The class that gives a page, -1 when none can. First a class with pages but no live items
   * (its page costs no evictions; the most pages first). Else the class holding the most pages
   * among those with at least two: a class that still has items keeps one page, so it can go on
   * serving its own sizes by evicting. Ties go to the class whose LRU tail was touched longest
   * ago, then to the smaller class.
   */
  #pickDonorClass(cls: number): number {
    let best = -1;
    for (let d = 0; d < this.#classCount; d++) {
      const pages = this.#classPages[d]!;
      if (d === cls || pages === 0 || (pages < 2 && this.#classUsed[d] !== 0)) continue;
      if (best < 0 || this.#isBetterDonor(d, best)) best = d;
    }
    return best;
  }

  #isBetterDonor(d: number, than: number): boolean {
    const empty = this.#classUsed[d] === 0;
    if (empty !== (this.#classUsed[than] === 0)) return empty;
    const pages = this.#classPages[d]!;
    if (pages !== this.#classPages[than]) return pages > this.#classPages[than]!;
    return this.#tailTime(d) < this.#tailTime(than);
  }

  /** Last access (unix seconds) of the class's LRU tail, -1 when the LRU is empty. */
  #tailTime(cls: number): number {
    const tail = this.#lruTail[cls]!;
    if (tail === 0) return -1;
    const p = tail >>> this.#chunkBits;
    return this.#pageU32[p]![(((tail & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2) + W_TIME]!;
  }

  /** The donor's page holding its LRU tail (its oldest item goes first, as an eviction would), else any other. */
  #pickDonorPage(donor: number, sparedPage: number): number {
    const tail = this.#lruTail[donor]!;
    if (tail !== 0 && tail >>> this.#chunkBits !== sparedPage) return tail >>> this.#chunkBits;
    for (let p = 1; p <= this.#pageCount; p++) {
      if (this.#pageClass[p] === donor && p !== sparedPage) return p;
    }
    return 0;
  }

  /** Unlinks every item on page `p` of class `donor`: dead ones count as reclaimed, live ones as evictions. */
  #evictPage(p: number, donor: number, nowMs: number): void {
    const u32 = this.#pageU32[p]!;
    const size = this.#pageChunkSize[p]!;
    const carved = this.#pageCarved[p]!;
    for (let c = 0; c < carved; c++) {
      const b = c * size;
      if ((u32[(b >>> 2) + W_META]! & META_LINKED) === 0) continue;
      const h = ((p << this.#chunkBits) | c) >>> 0;
      if (this.#isDead(p, b, nowMs)) {
        this.#countReclaimed(h);
      } else {
        this.#evictions++;
        this.#classEvicted[donor]++;
        this.#slabReassignEvictionsNomem++;
        if (!this.#wasFetched(h)) this.#evictedUnfetched++;
      }
      this.#unlink(h);
    }
  }

  /** Removes the chunks of page `p` from the donor's free list (they leave the class with the page). */
  #dropPageFromFreeList(p: number, donor: number): void {
    const cb = this.#chunkBits;
    const cm = this.#chunkMask;
    let prev = 0;
    let h = this.#freeHead[donor]!;
    while (h !== 0) {
      const hp = h >>> cb;
      const next = this.#pageU32[hp]![(((h & cm) * this.#pageChunkSize[hp]!) >>> 2) + W_LRU_NEXT]!;
      if (hp === p) {
        if (prev === 0) this.#freeHead[donor] = next;
        else this.#setLruNext(prev, next);
        this.#freeCount[donor]--;
      } else {
        prev = h;
      }
      h = next;
    }
  }

  #freeChunk(h: number): void {
    const p = h >>> this.#chunkBits;
    const w = ((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2;
    const u32 = this.#pageU32[p]!;
    const cls = this.#pageClass[p]!;
    u32[w + W_META] = 0;
    u32[w + W_LRU_NEXT] = this.#freeHead[cls]!;
    this.#freeHead[cls] = h;
    this.#freeCount[cls]++;
  }

  #addPage(cls: number): number {
    const p = ++this.#pageCount;
    if (p >= this.#pageChunkSize.length) {
      const size = this.#pageChunkSize.length * 2;
      const chunkSize = new Int32Array(size);
      chunkSize.set(this.#pageChunkSize);
      this.#pageChunkSize = chunkSize;
      const pageClass = new Uint8Array(size);
      pageClass.set(this.#pageClass);
      this.#pageClass = pageClass;
      const carved = new Int32Array(size);
      carved.set(this.#pageCarved);
      this.#pageCarved = carved;
    }
    const buffer = new ArrayBuffer(this.#pageSize);
    this.#pageU8.push(new Uint8Array(buffer));
    this.#pageU32.push(new Uint32Array(buffer));
    this.#pageChunkSize[p] = this.#chunkSizes[cls]!;
    this.#pageClass[p] = cls;
    this.#pageCarved[p] = 0;
    this.#classPages[cls]++;
    this.#classCurrentPage[cls] = p;
    return p;
  }

  // ---------------------------------------------------------------- LRU

  #setLruPrev(h: number, v: number): void {
    const p = h >>> this.#chunkBits;
    this.#pageU32[p]![(((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2) + W_LRU_PREV] = v;
  }

  #setLruNext(h: number, v: number): void {
    const p = h >>> this.#chunkBits;
    this.#pageU32[p]![(((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2) + W_LRU_NEXT] = v;
  }

  #lruPushHead(h: number, cls: number, u32: Uint32Array, w: number): void {
    const head = this.#lruHead[cls]!;
    u32[w + W_LRU_PREV] = 0;
    u32[w + W_LRU_NEXT] = head;
    if (head !== 0) this.#setLruPrev(head, h);
    else this.#lruTail[cls] = h;
    this.#lruHead[cls] = h;
  }

  #lruRemove(cls: number, u32: Uint32Array, w: number): void {
    const prev = u32[w + W_LRU_PREV]!;
    const next = u32[w + W_LRU_NEXT]!;
    if (prev !== 0) this.#setLruNext(prev, next);
    else this.#lruHead[cls] = next;
    if (next !== 0) this.#setLruPrev(next, prev);
    else this.#lruTail[cls] = prev;
  }

  #lruBump(h: number, cls: number, u32: Uint32Array, w: number): void {
    if (this.#lruHead[cls] === h) return;
    this.#lruRemove(cls, u32, w);
    this.#lruPushHead(h, cls, u32, w);
  }

  // ---------------------------------------------------------------- hash index

  #hashInsert(h: number, hash: number, u32: Uint32Array, w: number): void {
    if (this.#oldBuckets !== null) this.#migrateBuckets(HASH_MIGRATE_PER_INSERT);
    const i = this.#slotIndex(hash);
    const table = this.#slotTable;
    u32[w + W_HASH_NEXT] = table[i]!;
    table[i] = h;
  }

  #hashRemove(h: number, hash: number): void {
    const i = this.#slotIndex(hash);
    const table = this.#slotTable;
    let cur = table[i]!;
    if (cur === h) {
      table[i] = this.#hashNextOf(h);
      return;
    }
    while (cur !== 0) {
      const next = this.#hashNextOf(cur);
      if (next === h) {
        const p = cur >>> this.#chunkBits;
        this.#pageU32[p]![(((cur & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2) + W_HASH_NEXT] = this.#hashNextOf(h);
        return;
      }
      cur = next;
    }
  }

  #hashNextOf(h: number): number {
    const p = h >>> this.#chunkBits;
    return this.#pageU32[p]![(((h & this.#chunkMask) * this.#pageChunkSize[p]!) >>> 2) + W_HASH_NEXT]!;
  }

  #startHashExpansion(): void {
    this.#oldBuckets = this.#buckets;
    this.#hashPower++;
    this.#buckets = new Uint32Array(1 << this.#hashPower);
    this.#hashMask = (1 << this.#hashPower) - 1;
    this.#expandBucket = 0;
  }

  /** Moves up to `count` old buckets into the new table; ends the expansion after the last one. */
  #migrateBuckets(count: number): void {
    const old = this.#oldBuckets!;
    const table = this.#buckets;
    const mask = this.#hashMask;
    const cb = this.#chunkBits;
    const cm = this.#chunkMask;
    let i = this.#expandBucket;
    const end = Math.min(old.length, i + count);
    for (; i < end; i++) {
      let h = old[i]!;
      old[i] = 0;
      while (h !== 0) {
        const p = h >>> cb;
        const b = (h & cm) * this.#pageChunkSize[p]!;
        const w = b >>> 2;
        const u32 = this.#pageU32[p]!;
        const next = u32[w + W_HASH_NEXT]!;
        const meta = u32[w + W_META]!;
        const j = hashBytes(this.#pageU8[p]!, keyStart(b, meta), meta & META_KEY_MASK) & mask;
        u32[w + W_HASH_NEXT] = table[j]!;
        table[j] = h;
        h = next;
      }
    }
    if (i >= old.length) {
      this.#oldBuckets = null;
      this.#expandBucket = 0;
    } else {
      this.#expandBucket = i;
    }
  }
}
