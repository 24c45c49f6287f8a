/**
 * The ONLY contract between the main thread and a shard worker (types and
 * constants, no logic). Requests travel as binary batches through a shared
 * ring (SharedRing): a batch holds many op records; the worker answers each batch with one
 * reply batch holding exactly one reply record per op, in the same order. No
 * request ids: replies are matched to requests by position (per-shard FIFO).
 *
 * Request record (8-byte aligned, little endian):
 *   0  u8  opCode        1 u8 reserved     2 u16 keyLength
 *   4  u32 hash          (hashBytes of the key; the store reuses it)
 *   8  u32 valueLength   12 u32 clientFlags
 *   16 f64 expiresAtMs   (absolute unix ms; 0 = never)
 *   24 u32 argLow        28 u32 argHigh   (cas compare value, or incr/decr delta, or flush deadline ms split)
 *   32 key bytes, then value bytes, padded to 8
 *
 * Reply record:
 *   0  u8  status (StoreStatus, or ShardReplyStatus for control ops)
 *   1  u8  replyFlags (REPLY_HAS_ITEM_INFO, REPLY_WRONG_TYPE; 0 for the classic ops)
 *   2  u8  item type when REPLY_WRONG_TYPE (else 0)
 *   4  u32 clientFlags   8 u32 casLow   12 u32 casHigh
 *   16 u32 valueLength   20 u32 reserved
 *   24 value bytes, padded to 8
 *
 * Batch header: 0 u32 recordCount, 4 u32 reserved, then records.
 *
 * Item ops (ItemRead, ItemWrite, ItemDelete, Arithmetic, ItemInfo: what meta
 * commands and the binary protocol need). The classic ops above keep their
 * records unchanged; these add two fixed blocks:
 *
 * - Request: the value area starts with an ITEM_ARGS_BYTES args block, then
 *   the payload (ItemWrite's value; empty otherwise); valueLength counts both.
 *   Header fields: clientFlags = the item's client flags (ItemWrite),
 *   expiresAtMs = the item's expiry (ItemWrite) or the touch expiry (ItemRead,
 *   Arithmetic, when ItemOption.Touch), argLow/argHigh = CAS to compare (0 = none).
 *     0  u32 options        (ItemOption bits)
 *     4  u32 mode           (WriteMode for ItemWrite; ExpireCondition of the touch for
 *                           ItemRead; 0 otherwise)
 *     8  f64 secondExpiresAtMs  vivify expiry (ItemRead, ItemWrite append
 *                           vivify, Arithmetic) or stale-item expiry
 *                           (ItemDelete with Invalidate + StaleTtl)
 *     16 u32 newCasLow      20 u32 newCasHigh   (explicit CAS if modified; 0 = counter)
 *     24 u32 deltaLow       28 u32 deltaHigh    (Arithmetic; SetRange: the offset)
 *     32 u32 initialLow     36 u32 initialHigh  (Arithmetic vivify value)
 *     40 u32 recacheBelowSeconds (ItemRead with Recache)  44 u32 reserved
 * - Reply: when replyFlags has REPLY_HAS_ITEM_INFO, an ITEM_INFO_BYTES block
 *   sits between the header and the value (valueLength excludes it):
 *     0  i32 ttlSeconds     (remaining, after this op; -1 = never expires)
 *     4  u32 idleSeconds    (since last access, as before this op)
 *     8  u32 itemSize       (the size memcached would report: its 48-byte header, CAS,
 *                           key + NUL, flags suffix if non-zero, value + CRLF)
 *     12 u32 valueSize      (bytes of the item's value, sent or not)
 *     16 u8  slabClassId    (memcached numbering, from 1)
 *     17 u8  itemInfoBits   (ItemInfoBit: hit before, won, stale, token out, value sent, created)
 *     18 u16 reserved       20 u32 reserved
 *     24 f64 expiresAtMs    (absolute unix ms after this op; 0 = never: Redis PTTL / PEXPIRETIME)
 *   Item info is present on every hit / successful item op, absent on misses.
 */

export const OpCode = {
  Get: 1,
  GetAndTouch: 2,
  Set: 3,
  Add: 4,
  Replace: 5,
  Append: 6,
  Prepend: 7,
  Cas: 8,
  Delete: 9,
  Incr: 10,
  Decr: 11,
  Touch: 12,
  /** expiresAtMs carries the flush deadline. */
  FlushAll: 13,
  /** Reply value: JSON of ShardStatsSnapshot. */
  Stats: 14,
  /** Meta get / binary get family: read with optional touch, vivify, recache, CAS check. */
  ItemRead: 15,
  /** Meta set / binary storage commands: any WriteMode with CAS compare, explicit CAS, invalidate. */
  ItemWrite: 16,
  /** Meta delete / binary delete: CAS compare, mark stale instead of removing, drop the value. */
  ItemDelete: 17,
  /** Meta arithmetic / binary incr/decr: delta, vivify with an initial value, CAS compare, touch. */
  Arithmetic: 18,
  /** Meta debug: item metadata without touching the item (no bump, no fetched mark). */
  ItemInfo: 19,
  /** `stats reset`: zero the shard's command counters and the store's totals (not curr_items/bytes). */
  ResetStats: 20,
  /**
   * Redis SETRANGE (item op): the payload is written at byte offset deltaHigh * 2^32 + deltaLow of
   * the value, zero-padded; flags and expiry kept. Reply as Store.setRange, with item info (valueSize).
   */
  SetRange: 21,
  /** Redis INCRBYFLOAT (item op): the payload is the increment's text. Reply as Store.floatIncrement. */
  FloatIncrement: 22,
  /**
   * A Redis typed-value command (hash, set, HyperLogLog, list, zset: `store/typed`), not an item op.
   * Value area: the command name then its arguments (not the key), each as u32 length + bytes
   * (`encodeTypedArgs` in batch-codec.ts). Reply: Ok with the value = an encoded TypedReply
   * (`store/typed/typed-reply-codec.ts`), or SHARD_FAILED_STATUS for an unknown name / bad record.
   */
  TypedCommand: 23,
  /**
   * Keyspace ops (ops 30–34, run by execute-keyspace.ts). Each is an item op: header, args
   * block, payload (see KEYSPACE below for what each field means).
   * KeyScan: one bounded slice of a SCAN over the shard's hash index (or all of it, for KEYS).
   */
  KeyScan: 30,
  /** RENAME/COPY/MOVE across shards, read side: the item whole (raw value, type, flags, expiry). */
  KeyDump: 31,
  /** RENAME/COPY/MOVE across shards, write side: an item from dumped parts. */
  KeyRestore: 32,
  /** RENAME/COPY/MOVE with both keys on this shard: copy (and remove the source) in one op. */
  KeyCopy: 33,
  /** FLUSHDB / DBSIZE: count (and remove) every item of one logical database. */
  DatabaseSweep: 34,
  /**
   * Key statistics switches (shard/hot-keys.ts), no key: argLow bit KEY_STATS_DETAIL = count
   * per-prefix stats (argHigh = the prefix delimiter byte), bit KEY_STATS_NO_HOT_KEYS = stop
   * counting hot keys. Reply: Ok.
   */
  KeyStatsControl: 35,
  /** `stats detail dump`, no key. Reply value: JSON PrefixCounts[] (hot-keys.ts). */
  PrefixStatsDump: 36,
  /** `stats sizes`, no key. Reply value: JSON object, size bucket (bytes) → live items. */
  ItemSizes: 37,
} as const;
/** KeyStatsControl argLow bits. */
export const KEY_STATS_DETAIL = 1;
export const KEY_STATS_NO_HOT_KEYS = 2;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

export const BATCH_HEADER_BYTES = 8;
export const REQUEST_HEADER_BYTES = 32;
export const REPLY_HEADER_BYTES = 24;

/** Item ops: size of the args block at the start of the request value area. */
export const ITEM_ARGS_BYTES = 48;
/** Item ops: size of the info block after the reply header (when REPLY_HAS_ITEM_INFO). */
export const ITEM_INFO_BYTES = 32;
/** replyFlags bit: an ITEM_INFO_BYTES block follows the reply header. */
export const REPLY_HAS_ITEM_INFO = 1;
/**
 * replyFlags bit: a string op (get, incr, append, setrange, ...) found a non-string item and
 * answered as for a missing key; reply byte 2 holds the item's type (ITEM_TYPE_*). memcached
 * sessions ignore it (a typed item is a miss for them); Redis answers WRONGTYPE.
 */
export const REPLY_WRONG_TYPE = 2;

/** How an ItemWrite treats an existing / missing item (values of the args `mode` word). */
export const WriteMode = {
  Set: 0,
  Add: 1,
  Replace: 2,
  Append: 3,
  Prepend: 4,
} as const;
export type WriteMode = (typeof WriteMode)[keyof typeof WriteMode];

/** Item op option bits (args `options` word). */
export const ItemOption = {
  /** ItemRead: the reply carries the value (else only metadata). */
  WantValue: 1,
  /** ItemRead: do not bump in the LRU, mark fetched or update the access time. */
  NoBump: 2,
  /** ItemRead / Arithmetic: replace the expiry with header expiresAtMs. */
  Touch: 4,
  /** ItemRead / ItemWrite (append/prepend) / Arithmetic: create on miss with secondExpiresAtMs. */
  Vivify: 8,
  /** ItemRead: win the recache when the remaining TTL is below recacheBelowSeconds. */
  Recache: 16,
  /** ItemWrite / ItemDelete: invalidate (mark stale) instead of the plain behaviour. */
  Invalidate: 32,
  /** ItemDelete with Invalidate: also set the expiry to secondExpiresAtMs. */
  StaleTtl: 64,
  /** ItemDelete: replace the value with an empty one, keep the item. */
  DropValue: 128,
  /** Arithmetic: increment (else decrement). */
  Increment: 256,
  /** Arithmetic: Redis INCRBY, delta is a two's-complement int64 (see ArithmeticParams.signed). */
  Signed: 512,
  /** ItemWrite: an existing item keeps its expiry (Redis SET KEEPTTL). */
  KeepExpiry: 1024,
  /** ItemWrite: refuse (NotStored, REPLY_WRONG_TYPE) when the key holds a non-string (Redis SET ... GET). */
  StringOnly: 2048,
} as const;

/** Bits of the reply's itemInfoBits byte. */
export const ItemInfoBit = {
  /** The item had been fetched before this op (meta `h`). */
  HitBefore: 1,
  /** This client won the right to recache (meta `W`). */
  Won: 2,
  /** The item is stale (meta `X`). */
  Stale: 4,
  /** A win token had already been handed out before this op (meta `Z`). */
  WinTokenSent: 8,
  /** The reply's value area holds the item value (or the arithmetic result). */
  ValueSent: 16,
  /** This op created the item on a miss (vivify: mg N, ma N, ms append N). */
  Created: 32,
} as const;

/** Decoded args block of an item op (one reused object per side: no allocation per op). */
export interface ItemOpArgs {
  options: number;
  mode: number;
  secondExpiresAtMs: number;
  newCasLow: number;
  newCasHigh: number;
  deltaLow: number;
  deltaHigh: number;
  initialLow: number;
  initialHigh: number;
  recacheBelowSeconds: number;
}

/**
 * KEYSPACE ops (30–34; execute-keyspace.ts). Fields of the item-op args block they use (the
 * rest are 0). A "database" is one of resp-keyspace.ts's logical databases, whose mapping of
 * keys the shard applies when it filters or strips keys.
 * - KeyScan: key empty; header argLow = the shard's scan cursor (0 = start); options =
 *   KeyspaceOption (TypeFilter, PatternFilter, Random); mode = database; deltaLow = keys
 *   wanted (0 = no limit); deltaHigh = work budget (Store.scanKeys: 1 per bucket,
 *   16 per item; 0 = no limit);
 *   initialLow = item type (TypeFilter); payload = the MATCH glob (PatternFilter).
 *   Reply: Ok, casLow = next cursor (0 = this shard is done), value = the matching keys
 *   without their database prefix, each as u32 length (little endian) + bytes.
 * - KeyDump: key = source. Reply: NotFound | Ok, clientFlags, value = KEY_DUMP_HEADER_BYTES
 *   (f64 expiresAtMs, 0 = never; u32 item type; u32 0) then the raw value bytes.
 * - KeyRestore: key = target; header clientFlags and expiresAtMs; mode = item type; options
 *   OnlyIfMissing; payload = the raw value. Reply: Stored | NotStored | TooLarge | NoMemory.
 * - KeyCopy: key = source, payload = target key (same shard); options OnlyIfMissing,
 *   RemoveSource. Reply: Stored | NotFound (no source) | NotStored | TooLarge | NoMemory.
 * - DatabaseSweep: key empty; mode = database; options Remove. Reply: Ok, casLow = the live
 *   items of the database (counted, or removed with Remove).
 */
export const KeyspaceOption = {
  TypeFilter: 1,
  PatternFilter: 2,
  /** KeyScan: from a random cursor, the first matching key found (RANDOMKEY). */
  Random: 4,
  OnlyIfMissing: 8,
  RemoveSource: 16,
  Remove: 32,
} as const;

export const KEY_DUMP_HEADER_BYTES = 16;

/** Status for an op the shard could not run (it died, or the op code is unknown). */
export const SHARD_FAILED_STATUS = 255;

/**
 * Status for a value-carrying hit (Get, GetAndTouch, ItemRead with its value) refused because
 * the reply batch already carries REPLY_BATCH_VALUE_BUDGET bytes: one `get k k k …` naming a
 * large value must not make a shard build a reply of hundreds of megabytes. Sessions answer
 * with their protocol's out-of-memory error and count `reply_too_large`.
 */
export const REPLY_TOO_LARGE_STATUS = 254;

/**
 * Bytes a reply batch may hold before further value-carrying hits get REPLY_TOO_LARGE_STATUS.
 * Below the default output limit (64 MiB), so one batch never makes a reading client's
 * gathered replies pass it; peak memory for a batch is about four times this (worker buffer,
 * its posted copy, the main thread's multi-get arena and that arena's growth).
 */
export const REPLY_BATCH_VALUE_BUDGET = 32 * 1024 * 1024;

/** What a worker is started with (structured-cloned as workerData). */
export interface ShardWorkerData {
  /** SharedRing buffers: main → shard requests, shard → main replies. */
  requestRing: SharedArrayBuffer;
  replyRing: SharedArrayBuffer;
  /** Carries batches larger than half a ring, in order with the ring's markers (transferred). */
  oversizePort: import('node:worker_threads').MessagePort;
  shardIndex: number;
  shardCount: number;
  pageSize: number;
  slabMinSize: number;
  growthFactor: number;
  memoryLimitBytes: number;
  maxPages: number;
  /** Int32Array over a SharedArrayBuffer: the global page budget (see SharedPageBudget). */
  pageBudget: Int32Array;
  /** How often the worker runs a background expiry slice, ms. */
  crawlerIntervalMs: number;
  /** Chunk slots visited per slice. */
  crawlerSliceChunks: number;
}

/** Per-shard command counters, named after memcached's `stats` fields. */
export interface ShardCommandCounters {
  cmd_get: number;
  cmd_set: number;
  cmd_touch: number;
  get_hits: number;
  get_misses: number;
  delete_hits: number;
  delete_misses: number;
  incr_hits: number;
  incr_misses: number;
  decr_hits: number;
  decr_misses: number;
  cas_hits: number;
  cas_misses: number;
  cas_badval: number;
  touch_hits: number;
  touch_misses: number;
  store_too_large: number;
  store_no_memory: number;
  crawler_reclaimed: number;
}
