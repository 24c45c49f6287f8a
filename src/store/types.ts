/**
 * The store's public contract: statuses, the reusable read-result, stats, and
 * the global page budget. The store knows nothing of sockets, protocols or
 * threads; it may import only `src/util`.
 */

/** Outcome of every store call. The store never throws on the data path. */
export const StoreStatus = {
  /** get/gat hit, delete done, touch done, incr/decr done, flush done. */
  Ok: 0,
  Stored: 1,
  NotStored: 2,
  /** CAS mismatch. */
  Exists: 3,
  NotFound: 4,
  /** Item (header + key + value) larger than the largest chunk. */
  TooLarge: 5,
  /** No free chunk, no page under the limit, nothing evictable in the class. */
  NoMemory: 6,
  /** incr/decr on a value that is not a decimal u64. */
  NonNumeric: 7,
  /** Signed (Redis) incr/decr whose result would leave int64. */
  Overflow: 8,
} as const;
export type StoreStatus = (typeof StoreStatus)[keyof typeof StoreStatus];

/** How `Store.store()` treats an existing / missing item. */
export const StoreMode = {
  Set: 0,
  Add: 1,
  Replace: 2,
  Append: 3,
  Prepend: 4,
  Cas: 5,
} as const;
export type StoreMode = (typeof StoreMode)[keyof typeof StoreMode];

/**
 * Filled by the store on a hit (get/gat), and with the new CAS after a write or
 * incr/decr. `valueBytes` is a view into slab memory: it is valid only until
 * the next call into the store, so callers copy it out at once.
 */
export interface ReadResult {
  valueBytes: Uint8Array;
  valueOffset: number;
  valueLength: number;
  clientFlags: number;
  /** 64-bit CAS split into two unsigned 32-bit halves. */
  casHigh: number;
  casLow: number;
  /** Filled by the item ops only (readItem … itemInfo) when they return an item: see ItemMetaResult. */
  meta: ItemMetaResult;
}

/** Item metadata reported by the item ops (meta commands). */
export interface ItemMetaResult {
  /** Absolute expiry after the op, unix ms; 0 = never. */
  expiresAtMs: number;
  /** Last access as before the op, unix seconds. */
  lastAccessSeconds: number;
  keyLength: number;
  /** Length of the item's value (also when valueLength is 0 because the value was not asked for). */
  valueSize: number;
  /** Slab class, memcached numbering (from 1). */
  slabClassId: number;
  /** The item had been fetched before the op. */
  hitBefore: boolean;
  /** This caller won the recache (vivified, recache threshold, or first reader of a stale item). */
  won: boolean;
  /** The item is stale. */
  stale: boolean;
  /** A win token had been handed out before this op. */
  winTokenSent: boolean;
  /** valueBytes/valueOffset/valueLength hold the value (or arithmetic digits). */
  valueSent: boolean;
  /** This op created the item on a miss (vivify). */
  created: boolean;
}

/** When a touch applies, judged on the item's current expiry (Redis EXPIRE NX / XX / GT / LT). */
export const ExpireCondition = {
  Always: 0,
  /** NX: only an item without an expiry. */
  NoExpiry: 1,
  /** XX: only an item with an expiry. */
  HasExpiry: 2,
  /** GT: only a later expiry; an item without one never expires, so nothing is later. */
  Later: 3,
  /** LT: only an earlier expiry; any expiry is earlier than none. */
  Earlier: 4,
} as const;
export type ExpireCondition = (typeof ExpireCondition)[keyof typeof ExpireCondition];

/** Options of Store.readItem (meta get). CAS values are u32 halves; 0:0 = none. */
export interface ItemReadParams {
  wantValue: boolean;
  /** No LRU bump, fetched mark or access-time update. */
  noBump: boolean;
  touch: boolean;
  touchExpiresAtMs: number;
  /** With touch: when the condition fails the item is left as it was and the status is NotStored. */
  touchCondition: ExpireCondition;
  /** On a miss, create an empty item (flags 0) with vivifyExpiresAtMs; the caller wins. */
  vivify: boolean;
  vivifyExpiresAtMs: number;
  /** Win when the remaining TTL is below recacheBelowSeconds and no token was handed out. */
  recache: boolean;
  recacheBelowSeconds: number;
  /** With wantValue: leave the value out when equal to the item's CAS. */
  compareCasHigh: number;
  compareCasLow: number;
  /** CAS for a vivified item; 0:0 = next from the counter. */
  newCasHigh: number;
  newCasLow: number;
}

/** Options of Store.writeItem (meta set, binary storage commands). */
export interface ItemWriteParams {
  /** Set, Add, Replace, Append or Prepend (Cas is implied by a compare CAS). */
  mode: StoreMode;
  clientFlags: number;
  expiresAtMs: number;
  compareCasHigh: number;
  compareCasLow: number;
  newCasHigh: number;
  newCasLow: number;
  /** With a compare CAS: a lower one stores the value as stale (memcached CAS_ALLOW_STALE). */
  invalidate: boolean;
  /** Append/Prepend on a miss: create the item from the value with vivifyExpiresAtMs. */
  vivify: boolean;
  vivifyExpiresAtMs: number;
  /** Set/Add/Replace: an existing live item's expiry is kept, expiresAtMs applies only to a new one (Redis SET KEEPTTL). */
  keepExpiry: boolean;
  /** Refuse (NotStored, Store.takeWrongType() reports the type) when the key holds a non-string (Redis SET ... GET). */
  stringOnly?: boolean;
}

/** Options of Store.deleteItem (meta delete, binary delete). */
export interface ItemDeleteParams {
  compareCasHigh: number;
  compareCasLow: number;
  newCasHigh: number;
  newCasLow: number;
  /** Keep the item, mark it stale, give it a new CAS. */
  invalidate: boolean;
  /** With invalidate: set the expiry to expiresAtMs. With dropValue: the emptied item's expiry (else 0). */
  hasExpiry: boolean;
  expiresAtMs: number;
  /** Replace the value with an empty one (flags 0), keeping the item and its CAS. */
  dropValue: boolean;
}

/** Options of Store.arithmetic (meta arithmetic, binary incr/decr). */
export interface ArithmeticParams {
  incr: boolean;
  delta: bigint;
  /**
   * Redis's INCRBY: delta is a signed int64 added to the value (incr is ignored), the value must be
   * an int64 by Redis's strict rules (else NonNumeric), a result outside int64 is Overflow, a missing
   * key counts as 0 and is created (flags 0, no expiry), and the item keeps its flags and expiry.
   * The vivify, touch and CAS options do not apply.
   */
  signed: boolean;
  /** Value of an item created on a miss (when vivify). */
  initial: bigint;
  vivify: boolean;
  vivifyExpiresAtMs: number;
  touch: boolean;
  touchExpiresAtMs: number;
  compareCasHigh: number;
  compareCasLow: number;
  newCasHigh: number;
  newCasLow: number;
}

/**
 * Memory pages are claimed from one budget shared by every shard (a
 * SharedArrayBuffer counter), so `-m` is a limit on the whole daemon.
 */
export interface PageBudget {
  /** Claim one page; false when the global limit is reached. */
  tryAcquire(): boolean;
  /** Pages this shard holds (for stats). */
  readonly heldByThisShard: number;
}

export interface StoreConfig {
  /** Page size in bytes, equal to the max item size (-I). */
  pageSize: number;
  /** -n: minimum bytes for key + value in the smallest chunk (memcached default 48). */
  slabMinSize: number;
  /** -f: growth factor between chunk sizes (1.25). */
  growthFactor: number;
  /** Total memory limit in bytes (-m), for stats only; enforcement is the page budget. */
  memoryLimitBytes: number;
  /** CAS values are `counter * shardCount + shardIndex`, unique across shards without sharing state. */
  shardIndex: number;
  shardCount: number;
  pageBudget: PageBudget;
  /** Initial hash-table size as a power of two (memcached's -o hashpower, default 16). */
  hashPowerInitial?: number;
}

/** Item-level counters, named after memcached's `stats` fields. */
export interface StoreStats {
  curr_items: number;
  total_items: number;
  /** Sum of item sizes (header + key + value), like memcached's `bytes`. */
  bytes: number;
  evictions: number;
  reclaimed: number;
  expired_unfetched: number;
  evicted_unfetched: number;
  /** Hits on items found expired / flushed on access (memcached get_expired / get_flushed). */
  get_expired: number;
  get_flushed: number;
  /** Linked items the crawler examined, and the passes it began (memcached's crawler_items_checked, lru_crawler_starts). */
  crawler_items_checked: number;
  lru_crawler_starts: number;
  /** Pages the page mover took from one class for another (memcached's slabs_moved). */
  slabs_moved: number;
  /** Live items the page mover evicted to empty a page (memcached's slab_reassign_evictions_nomem). */
  slab_reassign_evictions_nomem: number;
  total_pages: number;
  hash_power_level: number;
  hash_bytes: number;
  slab_classes: SlabClassStats[];
}

export interface SlabClassStats {
  id: number;
  chunk_size: number;
  chunks_per_page: number;
  total_pages: number;
  total_chunks: number;
  used_chunks: number;
  free_chunks: number;
  mem_requested: number;
  evicted: number;
  outofmemory: number;
  /** Seconds since the class's LRU tail was last accessed (memcached's items:N:age). */
  age: number;
  /** Chunks of the class's pages not carved yet. */
  free_chunks_end: number;
  /** Per-class command counters, filled by the shard executor (the store leaves them 0). */
  get_hits?: number;
  cmd_set?: number;
  delete_hits?: number;
  incr_hits?: number;
  decr_hits?: number;
  cas_hits?: number;
  cas_badval?: number;
  touch_hits?: number;
}
