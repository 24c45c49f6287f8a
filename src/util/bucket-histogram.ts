/**
 * Histograms as plain typed arrays, for paths that record per command or per
 * batch: recording is a bucket index and two array writes (no Map, no label
 * object, no prom-client call). A scrape reads the arrays and renders them
 * (admin/histograms.ts). Main thread only, like everything that records here.
 *
 * May import nothing.
 */

/** Command and hop latency bucket bounds, in seconds: log-spaced 1-2.5-5 steps from 10 µs to 1 s. */
export const LATENCY_BOUNDS_SECONDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** The same bounds in milliseconds, the unit of performance.now(), so recording needs no conversion. */
const LATENCY_BOUNDS_MS = Float64Array.from(LATENCY_BOUNDS_SECONDS, (s) => s * 1000);

/** Ops-per-batch bounds: 1, 2, 4 … 4096. */
export const BATCH_OPS_BOUNDS: readonly number[] = Array.from({ length: 13 }, (_, i) => 2 ** i);

/**
 * Bucket of a duration in ms: the first bound it does not exceed (Prometheus's
 * `le`), or the overflow bucket past the last. A binary search: 4 or 5
 * comparisons for the 16 bounds.
 */
export function latencyBucket(ms: number): number {
  const bounds = LATENCY_BOUNDS_MS;
  let low = 0;
  let high = bounds.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ms <= bounds[mid]!) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Bucket of an op count with power-of-two bounds: ceil(log2 n) from the leading zeros, capped at the overflow bucket. */
export function batchOpsBucket(ops: number): number {
  const bucket = 32 - Math.clz32(ops - 1);
  return ops <= 1 ? 0 : bucket < BATCH_OPS_BOUNDS.length ? bucket : BATCH_OPS_BOUNDS.length;
}

/**
 * Non-cumulative bucket counts and a sum for `seriesCount` series (one per
 * label value) sharing one set of bounds. Float64 so counts never wrap (a
 * Uint32 would after ~3 hours at 400k ops/s) and stay exact to 2^53.
 */
export class BucketHistogram {
  /** Per series: one count per bound, then the overflow (+Inf) bucket. */
  readonly counts: Float64Array;
  readonly sums: Float64Array;
  /** Buckets per series (bounds + 1). */
  readonly stride: number;

  constructor(
    /** Upper bounds as exposed (seconds for latencies, ops for batch sizes). */
    readonly bounds: readonly number[],
    readonly seriesCount = 1,
  ) {
    this.stride = bounds.length + 1;
    this.counts = new Float64Array(this.stride * seriesCount);
    this.sums = new Float64Array(seriesCount);
  }

  /** `bucket` from latencyBucket / batchOpsBucket; `value` in the unit the sum is kept in. */
  add(series: number, bucket: number, value: number): void {
    this.counts[series * this.stride + bucket]++;
    this.sums[series] += value;
  }

  /** Observations of one series (the sum of its buckets). */
  countOf(series: number): number {
    let total = 0;
    const start = series * this.stride;
    for (let i = start; i < start + this.stride; i++) total += this.counts[i]!;
    return total;
  }
}
