/**
 * Slab class sizing, memcached's slabs_init(): the smallest chunk holds the
 * item header plus `slabMinSize` bytes, each next class is the previous one
 * times the growth factor (truncated, then rounded up to 8 bytes), until a size
 * would exceed pageSize / factor; the last class is a whole page. Imports nothing.
 */

export const MAX_SLAB_CLASSES = 63;
export const CHUNK_ALIGN = 8;

export function alignChunk(size: number): number {
  return Math.ceil(size / CHUNK_ALIGN) * CHUNK_ALIGN;
}

/** Chunk size of every class, ascending; the last one equals `pageSize`. */
export function computeChunkSizes(
  headerSize: number,
  pageSize: number,
  slabMinSize: number,
  growthFactor: number,
): number[] {
  if (!Number.isInteger(pageSize) || pageSize % CHUNK_ALIGN !== 0) {
    throw new TypeError(`pageSize must be an integer multiple of ${CHUNK_ALIGN}, got ${pageSize}`);
  }
  if (!Number.isInteger(slabMinSize) || slabMinSize < 0) {
    throw new TypeError(`slabMinSize must be a non-negative integer, got ${slabMinSize}`);
  }
  if (!(growthFactor > 1)) {
    throw new TypeError(`growthFactor must be greater than 1, got ${growthFactor}`);
  }
  const sizes: number[] = [];
  let size = alignChunk(headerSize + slabMinSize);
  if (size > pageSize) {
    throw new TypeError(`pageSize ${pageSize} is smaller than the smallest chunk (${size})`);
  }
  while (sizes.length < MAX_SLAB_CLASSES - 1 && size <= pageSize / growthFactor) {
    sizes.push(size);
    // memcached multiplies an unsigned int by a double: the product is truncated before alignment.
    const next = alignChunk(Math.floor(size * growthFactor));
    size = next > size ? next : size + CHUNK_ALIGN;
  }
  sizes.push(pageSize);
  return sizes;
}

/** Index of the smallest class whose chunk holds `total` bytes, or -1 when none does. */
export function classForSize(chunkSizes: Int32Array, total: number): number {
  let lo = 0;
  let hi = chunkSizes.length - 1;
  if (total > chunkSizes[hi]!) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunkSizes[mid]! >= total) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
