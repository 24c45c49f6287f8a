/**
 * Protocol-neutral item operations for memcached's meta commands and binary
 * protocol: request shapes the front-ends fill in, and accessors for what a
 * ReplySink receives back. Front-ends convert their own exptimes to absolute
 * unix ms and their own CAS tokens to bigint; the shard does the rest.
 *
 * Requests are plain objects: a session may keep one of each and refill it
 * per command (the router copies every field into the batch at once).
 *
 * Where memcached's answer depends on the order of flags on the command line
 * (mg `t` before `T`, ma `t` before `T`/`N`), the reply reports the state after
 * the whole op: TTL after touch / vivify.
 *
 * May import only `src/shard/messages`, `src/shard/batch-codec` (types) and
 * `src/store/types` (StoreStatus): no sockets, no store internals.
 */
import type { ReplyBatchReader } from '../shard/batch-codec';
import { ItemInfoBit, KEY_DUMP_HEADER_BYTES, WriteMode } from '../shard/messages';

import type { ExpireCondition } from '../store/types';

export { ExpireCondition, StoreStatus } from '../store/types';
export { ItemInfoBit, WriteMode } from '../shard/messages';
export { decodeTypedReply } from '../store/typed/typed-reply-codec';
export type { TypedReply } from '../store/typed/typed-command';
export { ITEM_TYPE_STRING, ITEM_TYPE_HASH, ITEM_TYPE_LIST, ITEM_TYPE_SET, ITEM_TYPE_ZSET } from '../store/item-layout';

/** What a ReplySink receives: valid only during onShardReply (copy what you keep). */
export type ShardReply = ReplyBatchReader;

/**
 * Read an item (meta `mg`; binary get/getk/gat/touch).
 *
 * Reply: NotFound (miss, no item info) | Ok (hit, item info present; CAS, flags, TTL, ...).
 * With `vivifyExpiresAtMs` a miss creates an empty item (flags 0) and replies Ok with Won.
 */
export interface ItemReadRequest {
  /** Send the value (mg `v`). Check `replyHasValue`: a matching `compareCas` leaves it out (mg `C`). */
  wantValue: boolean;
  /** Do not bump in the LRU, do not mark fetched, keep the last-access time (mg `u`). */
  noBump: boolean;
  /** New absolute expiry on a hit (mg `T`, binary gat/touch); null = leave it. */
  touchExpiresAtMs: number | null;
  /**
   * With touchExpiresAtMs: apply the touch only when this holds for the item's current expiry
   * (Redis EXPIRE NX/XX/GT/LT); when it does not, the reply is NotStored and nothing changes.
   * Absent = always.
   */
  touchCondition?: ExpireCondition;
  /** On a miss, create an empty item with this expiry and win the recache (mg `N`); null = no. */
  vivifyExpiresAtMs: number | null;
  /**
   * Win the recache when the remaining TTL is below this many seconds and no token was handed out
   * (mg `R`). Relative seconds: a front-end converts memcached's absolute form (> 30 days) itself.
   * Items without an expiry never win this way.
   */
  recacheBelowSeconds: number | null;
  /** With wantValue: when equal to the item's CAS, the value is not sent (mg `C`). 0n = none. */
  compareCas: bigint;
  /** CAS given to an item this op creates (mg `E`, with `N`). 0n = next from the counter. */
  newCas: bigint;
}

/**
 * Store an item (meta `ms`; binary set/add/replace/append/prepend and their quiet forms).
 *
 * Reply: Stored (item info present: new CAS, size, TTL) | NotStored | Exists (CAS mismatch) |
 * NotFound (a CAS was given and the key is missing) | TooLarge | NoMemory.
 * Append/Prepend keep the old item's flags and expiry (clientFlags/expiresAtMs are ignored).
 */
export interface ItemWriteRequest {
  mode: WriteMode;
  value: Uint8Array;
  clientFlags: number;
  /** Absolute unix ms, 0 = never. */
  expiresAtMs: number;
  /**
   * 0n = no check. Otherwise, as memcached's do_store_item: Set and Replace become `cas`
   * (missing key → NotFound, mismatch → Exists); Append/Prepend check it on an existing item
   * (mismatch → Exists; missing → NotStored); Add ignores it (meta `ms ME C…`).
   * Binary add/set/replace with a CAS are all `cas` in memcached: send them as mode Set.
   */
  compareCas: bigint;
  /** CAS for the stored item (ms `E`). 0n = next from the counter. */
  newCas: bigint;
  /**
   * ms `I` with `C`: a compareCas lower than the item's CAS is accepted too; the value is
   * replaced, the item keeps its old expiry and win-token state and is marked stale (readers
   * see X; the first one without a token out wins W). An equal CAS stores normally.
   */
  invalidate: boolean;
  /** Append/Prepend on a miss: create the item from `value` with this expiry (ms `N`); null = NotStored. */
  vivifyExpiresAtMs: number | null;
  /** Set/Add/Replace: an existing item keeps its expiry; expiresAtMs applies to a new one (Redis SET KEEPTTL). Absent = no. */
  keepExpiry?: boolean;
  /** Refuse (NotStored, `reply.wrongType` set) when the key holds a non-string (Redis SET ... GET). Absent = no. */
  stringOnly?: boolean;
}

/**
 * Delete an item (meta `md`; binary delete).
 *
 * Reply: Ok | NotFound | Exists (CAS mismatch). Item info is present on Ok when the item was kept
 * (invalidate or dropValueKeepItem).
 */
export interface ItemDeleteRequest {
  /** Delete only if the item's CAS equals this (md `C`, binary CAS field). 0n = no check. */
  compareCas: bigint;
  /** CAS for an item that is kept (md `E` with `I` or `x`). 0n = next from the counter. */
  newCas: bigint;
  /** Keep the item but mark it stale with a new CAS (md `I`). */
  invalidate: boolean;
  /**
   * md `T`: with invalidate, the stale item's new absolute expiry (null = keep). With
   * dropValueKeepItem, the emptied item's expiry (null = never, as memcached: its tombstone
   * takes the command's exptime, 0 when T is absent).
   */
  invalidateExpiresAtMs: number | null;
  /**
   * md `x`: replace the value with an empty one and the client flags with 0, keep the item and
   * its CAS (unless newCas). Not stale and not fetched afterwards, unless invalidate is also set.
   */
  dropValueKeepItem: boolean;
}

/**
 * incr/decr (meta `ma`; binary incr/decr).
 *
 * Reply: Ok (value = decimal digits of the new value, item info: new CAS, TTL) | NotFound |
 * NonNumeric | Exists (CAS mismatch) | NotStored (vivify could not store) | NoMemory.
 * A vivified item holds `initial` as decimal, flags 0; its reply value is `initial` (the delta is not applied).
 */
export interface ArithmeticRequest {
  incr: boolean;
  /** Unsigned 64-bit delta. Increment wraps at 2^64, decrement stops at 0. */
  delta: bigint;
  /** Unsigned 64-bit value of an item created on a miss. */
  initial: bigint;
  /** Create `initial` on a miss with this expiry (ma `N`; binary exptime other than 0xffffffff); null = NotFound. */
  vivifyExpiresAtMs: number | null;
  /** Apply only if the item's CAS equals this (ma `C`; binary CAS field). 0n = no check. */
  compareCas: bigint;
  /** CAS of the updated / created item (ma `E`). 0n = next from the counter. */
  newCas: bigint;
  /** New absolute expiry on success (ma `T`); null = keep. */
  touchExpiresAtMs: number | null;
}

const U32 = 0xffffffffn;

/** Low 32 bits of a u64 CAS / number, as an unsigned number. */
export function u64Low(value: bigint): number {
  return Number(value & U32);
}

/** High 32 bits of a u64 CAS / number, as an unsigned number. */
export function u64High(value: bigint): number {
  return Number((value >> 32n) & U32);
}

/** The reply's 64-bit CAS (the item's CAS on hits, the new CAS after a write). */
export function replyCas(reply: ShardReply): bigint {
  return (BigInt(reply.casHigh) << 32n) | BigInt(reply.casLow);
}

/** True when the reply carries the value (ItemRead with wantValue and no CAS match; Arithmetic Ok). */
export function replyHasValue(reply: ShardReply): boolean {
  return reply.hasItemInfo && (reply.itemInfoBits & ItemInfoBit.ValueSent) !== 0;
}

/** The value bytes as a view into the reply batch (valid only during onShardReply). */
export function replyValue(reply: ShardReply): Uint8Array {
  return reply.bytes.subarray(reply.valueOffset, reply.valueOffset + reply.valueLength);
}

/** Remaining TTL in seconds, -1 = never (meta `t`, me `exp`). */
export function replyTtlSeconds(reply: ShardReply): number {
  return reply.itemTtlSeconds;
}

/** Absolute expiry in unix ms after this op, 0 = never (Redis PTTL, PEXPIRETIME). */
export function replyExpiresAtMs(reply: ShardReply): number {
  return reply.itemExpiresAtMs;
}

/** Seconds since last access before this op (meta `l`, me `la`). */
export function replyIdleSeconds(reply: ShardReply): number {
  return reply.itemIdleSeconds;
}

/** Item size in bytes as memcached computes it (me `size`): header, CAS, key, flags suffix, value, CRLF. */
export function replyItemSize(reply: ShardReply): number {
  return reply.itemSize;
}

/** Length of the item's value, sent or not (mg / ms `s`). */
export function replyValueSize(reply: ShardReply): number {
  return reply.itemValueSize;
}

/** Slab class id (me `cls`). */
export function replySlabClassId(reply: ShardReply): number {
  return reply.itemSlabClassId;
}

/** The item had been fetched before this op (meta `h` 0/1, me `fetch` yes/no). */
export function replyHitBefore(reply: ShardReply): boolean {
  return (reply.itemInfoBits & ItemInfoBit.HitBefore) !== 0;
}

/** This client won the recache (meta `W`). */
export function replyWon(reply: ShardReply): boolean {
  return (reply.itemInfoBits & ItemInfoBit.Won) !== 0;
}

/** The item is stale (meta `X`). */
export function replyStale(reply: ShardReply): boolean {
  return (reply.itemInfoBits & ItemInfoBit.Stale) !== 0;
}

/** This op created the item on a miss (vivify with mg `N`, ma `N`, ms append `N`). */
export function replyCreated(reply: ShardReply): boolean {
  return (reply.itemInfoBits & ItemInfoBit.Created) !== 0;
}

/** Another client already holds the win token (meta `Z`). */
export function replyWinTokenSent(reply: ShardReply): boolean {
  return (reply.itemInfoBits & ItemInfoBit.WinTokenSent) !== 0;
}

// ---- keyspace ops (Redis SCAN, KEYS, RANDOMKEY, RENAME, COPY, MOVE, FLUSHDB, DBSIZE) ----

/** One SCAN slice, a whole-shard KEYS, or a RANDOMKEY probe on one shard (Router.scanShard). */
export interface KeyScanRequest {
  /** The shard's own scan cursor (0 = start). */
  cursor: number;
  /** Logical database (resp-keyspace.ts); keys come back without its prefix. */
  database: number;
  /** Redis glob the key must match (MATCH), or null. */
  pattern: Uint8Array | null;
  /** Item type byte the item must have (TYPE), or null. */
  itemType: number | null;
  /** Stop after this many matching keys (0 = no limit). */
  wantedKeys: number;
  /** Stop once this much work is done: 1 per bucket, 16 per item (Store.scanKeys; 0 = no limit). */
  maxWork: number;
  /** RANDOMKEY: from a random cursor, the first matching key; the reply cursor is 0. */
  random: boolean;
}

/** A KeyScan reply's next cursor for that shard (0 = the shard is done). */
export function replyScanCursor(reply: ShardReply): number {
  return reply.casLow;
}

/** A KeyScan reply's keys (copies). */
export function replyScannedKeys(reply: ShardReply): Buffer[] {
  const keys: Buffer[] = [];
  const bytes = reply.bytes;
  const end = reply.valueOffset + reply.valueLength;
  let at = reply.valueOffset;
  while (at + 4 <= end) {
    const length = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    at += 4;
    keys.push(Buffer.from(bytes.subarray(at, at + length)));
    at += length;
  }
  return keys;
}

/** An item read whole by Router.dumpKey, to be written elsewhere by Router.restoreKey. */
export interface DumpedItem {
  value: Buffer;
  itemType: number;
  clientFlags: number;
  /** Absolute unix ms, 0 = never. */
  expiresAtMs: number;
}

/** A KeyDump reply (status Ok) as a DumpedItem (copies the value). */
export function replyDumpedItem(reply: ShardReply): DumpedItem {
  const at = reply.valueOffset;
  const view = new DataView(reply.bytes.buffer, reply.bytes.byteOffset + at, KEY_DUMP_HEADER_BYTES);
  return {
    expiresAtMs: view.getFloat64(0, true),
    itemType: view.getUint32(8, true),
    clientFlags: reply.clientFlags,
    value: Buffer.from(reply.bytes.subarray(at + KEY_DUMP_HEADER_BYTES, at + reply.valueLength)),
  };
}

/** A DatabaseSweep reply's item count. */
export function replyItemCount(reply: ShardReply): number {
  return reply.casHigh * 4294967296 + reply.casLow;
}
