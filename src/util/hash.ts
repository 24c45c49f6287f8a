/**
 * Key hashing shared by the router (key → shard) and the store (key → bucket).
 * MurmurHash3 x86_32 over raw key bytes: fast on short keys and, thanks to its
 * finaliser, well mixed in every bit, so both the ring and `hash & mask` bucket
 * selection see an even spread (plain FNV-1a split a design spike's keys 28/72).
 * May import nothing.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

export function hashBytes(bytes: Uint8Array, offset: number, length: number, seed = 0): number {
  let h = seed >>> 0;
  const end = offset + length;
  const blockEnd = offset + (length & ~3);
  let i = offset;
  for (; i < blockEnd; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = end - i;
  if (tail > 0) {
    let k = bytes[i]!;
    if (tail > 1) k |= bytes[i + 1]! << 8;
    if (tail > 2) k |= bytes[i + 2]! << 16;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= length;
  return fmix32(h);
}

/** Murmur3's finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
