/**
 * The histograms recorded on the hot path as typed arrays (util/bucket-histogram.ts),
 * exposed to prom-client at scrape time: command latency per protocol and
 * command, ops per shard batch, and the shard round trip. Recording never
 * touches prom-client (its observe() costs a label lookup and an object walk
 * per call); a scrape turns the arrays into cumulative `_bucket`, `_sum` and
 * `_count` samples.
 *
 * Main thread only. May import prom-client and util only (the sources are
 * passed in as plain arrays).
 */
import { Histogram, type Registry } from 'prom-client';
import { BATCH_OPS_BOUNDS, LATENCY_BOUNDS_SECONDS, type BucketHistogram } from '../util/bucket-histogram';

/** One protocol's command latency histogram: a series per command label (durations kept in ms). */
export interface CommandLatencySource {
  readonly protocol: string;
  readonly commands: readonly string[];
  readonly histogram: BucketHistogram;
}

/** One shard's batch histograms (one series each; the round trip kept in ms). */
export interface ShardBatchSource {
  readonly batchOps: BucketHistogram;
  readonly roundTrip: BucketHistogram;
}

export interface HistogramSources {
  /** Empty when the daemon keeps no command latency (no admin port). */
  commandLatency: () => readonly CommandLatencySource[];
  shards: () => readonly ShardBatchSource[];
}

/** One labelled series of a typed-array histogram, as a scrape reads it. */
interface SeriesRef {
  labels: Record<string, string>;
  histogram: BucketHistogram;
  series: number;
}

interface Sample {
  metricName: string;
  labels: Record<string, string>;
  value: number;
}

const MS_TO_SECONDS = 0.001;

/**
 * A prom-client Histogram whose values come from typed arrays: `get()` (what
 * the registry renders) reads the arrays instead of prom-client's own
 * per-label state, which stays empty. `observe()` is never called.
 */
class TypedArrayHistogram extends Histogram<string> {
  constructor(
    registry: Registry,
    private readonly metricName: string,
    private readonly metricHelp: string,
    labelNames: readonly string[],
    bounds: readonly number[],
    private readonly sumScale: number,
    private readonly series: () => SeriesRef[],
  ) {
    super({ name: metricName, help: metricHelp, labelNames, buckets: [...bounds], registers: [registry] });
  }

  /** What Registry.metrics() renders (it prefers this over get()). */
  async getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }> {
    return { name: this.metricName, help: this.metricHelp, type: 'histogram', aggregator: 'sum', values: this.samples() };
  }

  override async get(): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
    // prom-client's declared MetricType is an enum it does not export at run time; the registry reads the string.
    return (await this.getForPromString()) as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }

  private samples(): Sample[] {
    const out: Sample[] = [];
    const bucketName = `${this.metricName}_bucket`;
    for (const { labels, histogram, series } of this.series()) {
      const counts = histogram.counts;
      const start = series * histogram.stride;
      // Commands never sent get no series: ~200 Redis commands × 19 samples would swamp the scrape.
      if (histogram.countOf(series) === 0 && labels.command !== undefined) continue;
      let cumulative = 0;
      histogram.bounds.forEach((bound, i) => {
        cumulative += counts[start + i]!;
        out.push({ metricName: bucketName, labels: { ...labels, le: String(bound) }, value: cumulative });
      });
      cumulative += counts[start + histogram.bounds.length]!;
      out.push({ metricName: bucketName, labels: { ...labels, le: '+Inf' }, value: cumulative });
      out.push({ metricName: `${this.metricName}_sum`, labels, value: histogram.sums[series]! * this.sumScale });
      out.push({ metricName: `${this.metricName}_count`, labels, value: cumulative });
    }
    return out;
  }
}

/** Registers the three histogram families on `registry`. */
export function registerHistograms(registry: Registry, sources: HistogramSources): void {
  new TypedArrayHistogram(
    registry,
    'shardcache_command_duration_seconds',
    'Commands from dispatch to reply ready, by protocol and command (clock read once per event-loop run: a reply ready in the run that dispatched it counts as 0).',
    ['protocol', 'command'],
    LATENCY_BOUNDS_SECONDS,
    MS_TO_SECONDS,
    () =>
      sources.commandLatency().flatMap(({ protocol, commands, histogram }) =>
        commands.map((command, series) => ({ labels: { protocol, command }, histogram, series })),
      ),
  );
  new TypedArrayHistogram(
    registry,
    'shardcache_shard_batch_ops',
    'Ops per request batch sent to each shard (one batch per shard per event-loop turn).',
    ['shard'],
    BATCH_OPS_BOUNDS,
    1,
    () => sources.shards().map((s, i) => ({ labels: { shard: String(i) }, histogram: s.batchOps, series: 0 })),
  );
  new TypedArrayHistogram(
    registry,
    'shardcache_shard_round_trip_seconds',
    'Cross-thread hop: request batch handed to the shard ring until its reply batch was processed, per shard.',
    ['shard'],
    LATENCY_BOUNDS_SECONDS,
    MS_TO_SECONDS,
    () => sources.shards().map((s, i) => ({ labels: { shard: String(i) }, histogram: s.roundTrip, series: 0 })),
  );
}
