/**
 * The typed-array histograms behind /metrics: which bucket a value lands in
 * (Prometheus `le`: a value equal to a bound belongs to that bound's bucket),
 * and that counts and sums go to the right series.
 */
import { BATCH_OPS_BOUNDS, BucketHistogram, LATENCY_BOUNDS_SECONDS, batchOpsBucket, latencyBucket } from '../../../src/util/bucket-histogram';

describe('latencyBucket', () => {
  it('puts each duration (ms) in the first bucket whose bound it does not exceed', () => {
    expect(LATENCY_BOUNDS_SECONDS).toHaveLength(16);
    expect([LATENCY_BOUNDS_SECONDS[0], LATENCY_BOUNDS_SECONDS[15]]).toEqual([0.00001, 1]);
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.01)).toBe(0); // exactly 10 µs
    expect(latencyBucket(0.0100001)).toBe(1);
    expect(latencyBucket(0.3)).toBe(5); // 300 µs: le 0.0005
    expect(latencyBucket(1)).toBe(6); // 1 ms
    expect(latencyBucket(1000)).toBe(15); // 1 s
    expect(latencyBucket(1000.5)).toBe(16); // +Inf
    expect(latencyBucket(Number.MAX_VALUE)).toBe(16);
  });

  it('agrees with a linear scan of the bounds for every value on a fine log grid', () => {
    for (let e = -4; e <= 4; e += 0.01) {
      const ms = 10 ** e;
      const expected = LATENCY_BOUNDS_SECONDS.findIndex((bound) => ms <= bound * 1000);
      expect([ms, latencyBucket(ms)]).toEqual([ms, expected === -1 ? LATENCY_BOUNDS_SECONDS.length : expected]);
    }
  });
});

describe('batchOpsBucket', () => {
  it('puts n ops in the smallest power-of-two bound ≥ n, past 4096 in +Inf', () => {
    expect(BATCH_OPS_BOUNDS).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]);
    for (let n = 1; n <= 5000; n++) {
      const expected = BATCH_OPS_BOUNDS.findIndex((bound) => n <= bound);
      expect([n, batchOpsBucket(n)]).toEqual([n, expected === -1 ? BATCH_OPS_BOUNDS.length : expected]);
    }
    expect(batchOpsBucket(2 ** 31)).toBe(BATCH_OPS_BOUNDS.length);
  });
});

describe('BucketHistogram', () => {
  it('counts into the series and bucket given, and sums per series', () => {
    const h = new BucketHistogram([1, 2, 4], 2);
    expect(h.stride).toBe(4);
    h.add(0, 0, 1);
    h.add(1, 3, 9);
    h.add(1, 3, 7);
    h.add(1, 1, 2);
    expect([...h.counts]).toEqual([1, 0, 0, 0, 0, 1, 0, 2]);
    expect([...h.sums]).toEqual([1, 18]);
    expect([h.countOf(0), h.countOf(1)]).toEqual([1, 3]);
  });
});
