/**
 * Consistent hashing of key hashes onto shards: a ring of virtual nodes (160
 * points per shard, as ketama uses) so that shards get even shares and a
 * change in shard count moves only ~1/N of the keys. Lookup is a binary search
 * over a sorted Uint32Array of points.
 */
import { fmix32, hashBytes } from '../util/hash';

export const VIRTUAL_NODES_PER_SHARD = 160;

export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: Uint16Array;

  constructor(readonly shardCount: number, virtualNodes = VIRTUAL_NODES_PER_SHARD) {
    const entries: { point: number; shard: number }[] = [];
    const label = Buffer.alloc(32);
    for (let shard = 0; shard < shardCount; shard++) {
      for (let v = 0; v < virtualNodes; v++) {
        const length = label.write(`shard-${shard}-vnode-${v}`, 0, 'latin1');
        entries.push({ point: hashBytes(label, 0, length), shard });
      }
    }
    entries.sort((a, b) => a.point - b.point || a.shard - b.shard);
    this.points = Uint32Array.from(entries, (e) => e.point);
    this.owners = Uint16Array.from(entries, (e) => e.shard);
  }

  /** The shard owning `keyHash`: the first point at or after it, wrapping around. */
  shardFor(keyHash: number): number {
    if (this.shardCount === 1) return 0;
    // Re-mix so the ring position does not use the same bits as the store's buckets.
    const h = fmix32(keyHash ^ 0x9e3779b9);
    const points = this.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    return this.owners[lo === points.length ? 0 : lo]!;
  }
}
