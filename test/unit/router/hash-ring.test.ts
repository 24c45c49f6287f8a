import { HashRing } from '../../../src/router/hash-ring';
import { hashBytes } from '../../../src/util/hash';

function spread(shards: number, keys: number): number[] {
  const ring = new HashRing(shards);
  const counts = new Array<number>(shards).fill(0);
  for (let i = 0; i < keys; i++) {
    const key = Buffer.from(`key:${i}`);
    counts[ring.shardFor(hashBytes(key, 0, key.length))]!++;
  }
  return counts;
}

describe('HashRing', () => {
  it.each([2, 3, 4, 8])('spreads sequential keys evenly over %i shards (within 15%% of fair)', (shards) => {
    const keys = 200_000;
    for (const count of spread(shards, keys)) {
      expect(Math.abs(count - keys / shards) / (keys / shards)).toBeLessThan(0.15);
    }
  });

  it('moves only about 1/N of keys when a shard is added', () => {
    const before = new HashRing(4);
    const after = new HashRing(5);
    let moved = 0;
    const keys = 50_000;
    for (let i = 0; i < keys; i++) {
      const key = Buffer.from(`user:${i}`);
      const h = hashBytes(key, 0, key.length);
      if (before.shardFor(h) !== after.shardFor(h)) moved++;
    }
    expect(moved / keys).toBeLessThan(0.3);
    expect(moved / keys).toBeGreaterThan(0.1);
  });

  it('a single shard owns everything', () => {
    expect(spread(1, 1000)).toEqual([1000]);
  });
});
