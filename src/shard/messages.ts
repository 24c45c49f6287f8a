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
 *   4  u32 clientFlags   8 u32 casLow   12 u32 casHigh
 *   16 u32 valueLength   20 u32 reserved
 *   24 value bytes, padded to 8
 *
 * Batch header: 0 u32 recordCount, 4 u32 reserved, then records.
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
} as const;
export type OpCode = (typeof OpCode)[keyof typeof OpCode];

export const BATCH_HEADER_BYTES = 8;
export const REQUEST_HEADER_BYTES = 32;
export const REPLY_HEADER_BYTES = 24;

/** Status for an op the shard could not run (it died, or the op code is unknown). */
export const SHARD_FAILED_STATUS = 255;

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
