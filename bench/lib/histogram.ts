/**
 * Latency histogram with log-linear buckets (about 1% resolution from 1 µs to
 * ~70 s), mergeable across worker threads as a plain Float64Array.
 */
const SUB_BUCKETS = 64;
const MAGNITUDES = 27;
export const HISTOGRAM_BUCKETS = SUB_BUCKETS * MAGNITUDES;

function bucketOf(micros: number): number {
  if (micros < SUB_BUCKETS) return Math.max(0, Math.floor(micros));
  const magnitude = Math.floor(Math.log2(micros / SUB_BUCKETS)) + 1;
  const base = SUB_BUCKETS * 2 ** (magnitude - 1);
  const sub = Math.floor((micros - base) / (base / SUB_BUCKETS));
  return Math.min(HISTOGRAM_BUCKETS - 1, magnitude * SUB_BUCKETS + sub);
}

function valueOf(bucket: number): number {
  const magnitude = Math.floor(bucket / SUB_BUCKETS);
  const sub = bucket % SUB_BUCKETS;
  if (magnitude === 0) return sub;
  const base = SUB_BUCKETS * 2 ** (magnitude - 1);
  return base + (sub + 0.5) * (base / SUB_BUCKETS);
}

export class Histogram {
  readonly counts: Float64Array;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(HISTOGRAM_BUCKETS);
  }

  record(micros: number, times = 1): void {
    this.counts[bucketOf(micros)]! += times;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) this.counts[i]! += other.counts[i]!;
  }

  get total(): number {
    let n = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) n += this.counts[i]!;
    return n;
  }

  /** The value at quantile q (0..1), in microseconds. */
  quantile(q: number): number {
    const target = q * this.total;
    let seen = 0;
    for (let i = 0; i < HISTOGRAM_BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= target && this.counts[i]! > 0) return valueOf(i);
    }
    return 0;
  }
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
