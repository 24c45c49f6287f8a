/**
 * Byte layout of one item inside its chunk. A chunk is always a multiple of 8
 * bytes and starts 8-aligned in its page, so the f64 and u32 header fields can
 * be read through per-page Float64Array / Uint32Array views without DataView.
 *
 * ```
 * byte  0  f64  expiresAt   absolute unix ms, 0 = never
 *       8  u32  casLow
 *      12  u32  casHigh
 *      16  u32  lruPrev      item handle, 0 = none (also free-list link: see below)
 *      20  u32  lruNext
 *      24  u32  hashNext     next item in the hash chain
 *      28  u32  hash         hashBytes(key), cached for compare and rehash
 *      32  u32  time         last access/update, unix seconds (also flush_all's test for items
 *                            with an explicit CAS)
 *      36  u32  clientFlags
 *      40  u32  valueLength
 *      44  u32  meta         keyLength (u16) | itemFlags << 16 (u8) | type << 24 (u8)
 *      48       key bytes, then value bytes
 * ```
 * A free chunk has itemFlags 0 and links the class free list through lruNext.
 * The fields are only ever accessed as whole u32 / f64 words, so the layout is
 * independent of platform endianness. Imports nothing.
 */

export const HEADER_SIZE = 48;

/** Word indexes (u32) relative to the chunk's first u32. */
export const W_CAS_LOW = 2;
export const W_CAS_HIGH = 3;
export const W_LRU_PREV = 4;
export const W_LRU_NEXT = 5;
export const W_HASH_NEXT = 6;
export const W_HASH = 7;
export const W_TIME = 8;
export const W_CLIENT_FLAGS = 9;
export const W_VALUE_LENGTH = 10;
export const W_META = 11;

/** itemFlags bits (inside the meta word, shifted by 16). */
export const ITEM_LINKED = 1;
export const ITEM_FETCHED = 2;
/** Marked stale (meta delete/set invalidate): readers are told to recache. */
export const ITEM_STALE = 4;
/** A recache win token was handed out for this item (memcached ITEM_TOKEN_SENT). */
export const ITEM_TOKEN_SENT = 8;
/**
 * The CAS was given by the client (meta `E`), not drawn from the counter, so the flush
 * watermark (a counter value) says nothing about it: flush_all judges it by `time`.
 */
export const ITEM_EXPLICIT_CAS = 16;

export const META_KEY_MASK = 0xffff;
export const META_FLAGS_SHIFT = 16;
export const META_LINKED = ITEM_LINKED << META_FLAGS_SHIFT;
export const META_FETCHED = ITEM_FETCHED << META_FLAGS_SHIFT;
export const META_STALE = ITEM_STALE << META_FLAGS_SHIFT;
export const META_TOKEN_SENT = ITEM_TOKEN_SENT << META_FLAGS_SHIFT;
export const META_EXPLICIT_CAS = ITEM_EXPLICIT_CAS << META_FLAGS_SHIFT;
/** The flags a brand-new item value starts without (everything but LINKED). */
export const META_FRESH_CLEAR = META_FETCHED | META_STALE | META_TOKEN_SENT;
export const META_TYPE_SHIFT = 24;
export const META_TYPE_MASK = 0xff << META_TYPE_SHIFT;

/**
 * Item value types (the meta word's top byte). Redis collections are ordinary items whose
 * value is the compact encoding owned by their module in `store/typed/`.
 */
export const ITEM_TYPE_STRING = 0;
export const ITEM_TYPE_HASH = 1;
export const ITEM_TYPE_LIST = 2;
export const ITEM_TYPE_SET = 3;
export const ITEM_TYPE_ZSET = 4;
