/**
 * Byte layout of one item inside its chunk. A chunk is always a multiple of 8
 * bytes and starts 8-aligned in its page, so the u32 header words can be read
 * through one per-page Uint32Array view without DataView.
 *
 * ```
 * byte  0  u32  casLow
 *       4  u32  casHigh
 *       8  u32  lruPrev      item handle, 0 = none
 *      12  u32  lruNext      (also the free-list link: see below)
 *      16  u32  hashNext     next item in the hash chain
 *      20  u32  time         last access/update, unix seconds (also flush_all's test for items
 *                            with an explicit CAS)
 *      24  u32  expiresLow   low 32 bits of the absolute expiry in unix ms (0 = never)
 *      28  u32  value        valueLength (bits 0-26) | type << 27 (3 bits) | hashTag << 30
 *      32  u32  meta         keyLength (bits 0-15) | itemFlags << 16 (6 bits) | expiresHigh << 22
 *      36  u32  clientFlags  only when itemFlags has ITEM_CLIENT_FLAGS (memcached also stores
 *                            flags only when they are not 0)
 *  36 or 40     key bytes, then value bytes
 * ```
 * 36 bytes where memcached spends 56 (48 + CAS) and where this layout used to spend 48: the
 * expiry is 42 bits of milliseconds (expiresHigh holds the top 10, so expiries run to May 2109
 * at millisecond precision, and later ones are clamped), the key's hash is not cached (two of its
 * bits, hashTag, let a chain walk skip three in four items with a key of the same length
 * without reading their key bytes), and zero client flags take no room. A 14-byte key
 * with a 100-byte value is 150 bytes, so it fits memcached's 152-byte class.
 *
 * A free chunk has itemFlags 0 and links the class free list through lruNext.
 * The fields are only ever accessed as whole u32 words, so the layout is
 * independent of platform endianness. Imports nothing.
 */

export const HEADER_SIZE = 36;

/** Word indexes (u32) relative to the chunk's first u32. */
export const W_CAS_LOW = 0;
export const W_CAS_HIGH = 1;
export const W_LRU_PREV = 2;
export const W_LRU_NEXT = 3;
export const W_HASH_NEXT = 4;
export const W_TIME = 5;
export const W_EXPIRES_LOW = 6;
export const W_VALUE = 7;
export const W_META = 8;
/** Present only when the meta word has META_CLIENT_FLAGS. */
export const W_CLIENT_FLAGS = 9;

export const VALUE_LENGTH_MASK = 0x07ffffff;
/** The largest value length the value word holds: pages (and so items) are at most 128 MiB. */
export const MAX_VALUE_LENGTH = VALUE_LENGTH_MASK;
export const VALUE_TYPE_SHIFT = 27;
export const VALUE_TYPE_MASK = 7 << VALUE_TYPE_SHIFT;
export const VALUE_TAG_SHIFT = 30;
export const VALUE_TAG_MASK = 3 << VALUE_TAG_SHIFT;

/** The value word's tag bits for a key hash: its top two bits, which pick no bucket below 2^30 buckets. */
export function hashTagBits(hash: number): number {
  return (hash >>> VALUE_TAG_SHIFT) << VALUE_TAG_SHIFT;
}

export const META_EXPIRES_SHIFT = 22;
export const META_EXPIRES_MASK = 0x3ff << META_EXPIRES_SHIFT;
/** The latest expiry the header holds, 2^42 - 1 ms (2109-05-15); later ones are stored as this. */
export const MAX_EXPIRES_MS = 2 ** 42 - 1;

/** itemFlags bits (inside the meta word, shifted by 16). */
export const ITEM_LINKED = 1;
export const ITEM_FETCHED = 2;
/**
 * The header has the clientFlags word, so the key starts 4 bytes later. Its value is 4 on
 * purpose: `(meta >>> 16) & 4` is the key's extra offset (see keyStart).
 */
export const ITEM_CLIENT_FLAGS = 4;
/** Marked stale (meta delete/set invalidate): readers are told to recache. */
export const ITEM_STALE = 8;
/** A recache win token was handed out for this item (memcached ITEM_TOKEN_SENT). */
export const ITEM_TOKEN_SENT = 16;
/**
 * The CAS was given by the client (meta `E`), not drawn from the counter, so the flush
 * watermark (a counter value) says nothing about it: flush_all judges it by `time`.
 */
export const ITEM_EXPLICIT_CAS = 32;

export const META_KEY_MASK = 0xffff;
export const META_FLAGS_SHIFT = 16;
export const META_LINKED = ITEM_LINKED << META_FLAGS_SHIFT;
export const META_CLIENT_FLAGS = ITEM_CLIENT_FLAGS << META_FLAGS_SHIFT;
export const META_FETCHED = ITEM_FETCHED << META_FLAGS_SHIFT;
export const META_STALE = ITEM_STALE << META_FLAGS_SHIFT;
export const META_TOKEN_SENT = ITEM_TOKEN_SENT << META_FLAGS_SHIFT;
export const META_EXPLICIT_CAS = ITEM_EXPLICIT_CAS << META_FLAGS_SHIFT;
/** The flags a brand-new item value starts without (everything but LINKED). */
export const META_FRESH_CLEAR = META_FETCHED | META_STALE | META_TOKEN_SENT;

/** Byte offset of the key from the chunk's start, given the item's meta word. */
export function keyStart(chunkAt: number, meta: number): number {
  return chunkAt + HEADER_SIZE + ((meta >>> META_FLAGS_SHIFT) & ITEM_CLIENT_FLAGS);
}

/** Bytes an item takes in its chunk (what `stats` counts as `bytes`). */
export function itemSize(keyLength: number, valueLength: number, clientFlags: number): number {
  return HEADER_SIZE + (clientFlags !== 0 ? 4 : 0) + keyLength + valueLength;
}

/**
 * The smallest slab class holds this many bytes plus `-n` (slabMinSize), as memcached's holds
 * its 48-byte item header plus `-n`: the chunk sizes are memcached's for the same -n and -f
 * (96, 120, 152, 192, ... by default), so `stats slabs` reads the same on both.
 */
export const CLASS_SIZE_BASE = 48;

/**
 * Item value types (3 bits of the value word). Redis collections are ordinary items whose
 * value is the compact encoding owned by their module in `store/typed/`.
 */
export const ITEM_TYPE_STRING = 0;
export const ITEM_TYPE_HASH = 1;
export const ITEM_TYPE_LIST = 2;
export const ITEM_TYPE_SET = 3;
export const ITEM_TYPE_ZSET = 4;
