/**
 * The document behind `GET /stats.json` on the admin port, which the status
 * page polls: the `stats`, `stats slabs` and `stats items` families under the
 * exact names `stats` prints, each shard's own counters, and `stats hotkeys`
 * when the daemon has it (null otherwise). Nothing here is derived: rates and
 * ratios are computed by the page, so every number it shows names its field.
 * Main thread only. May import admin/metrics and server-context types only.
 */
import type { MetricsSource, ShardMetrics } from './metrics';
import type { StatsEntries } from '../server/server-context';

/** The status page reads what /metrics reads: the stats families and the per-shard counters. */
export type StatusSource = MetricsSource;

/** One stats family as `name → value`, values as `stats` prints them (numbers stay numbers). */
export type StatsFamily = Record<string, string | number>;

export interface StatusDocument {
  /** Unix ms when every shard had answered: the page divides counter deltas by this clock, not by when the HTTP reply landed. */
  sampled_at_ms: number;
  general: StatsFamily;
  slabs: StatsFamily;
  items: StatsFamily;
  /** Index = shard number; the same field names as the summed `stats` fields. */
  shards: ShardMetrics[];
  /** `stats hotkeys`, or null when this daemon has no hot-key tracking. */
  hotkeys: StatsFamily | null;
}

function familyOf(entries: StatsEntries | null): StatsFamily {
  const family: StatsFamily = {};
  for (const [name, value] of entries ?? []) family[name] = value;
  return family;
}

/** Gathers every family at once (one stats round trip per family to every shard); rejects when a shard does not answer. */
export async function collectStatusDocument(source: StatusSource): Promise<StatusDocument> {
  const [general, slabs, items, shards, hotkeys] = await Promise.all([
    source.collectStats([]),
    source.collectStats(['slabs']),
    source.collectStats(['items']),
    source.shardMetrics(),
    source.collectStats(['hotkeys']),
  ]);
  return {
    sampled_at_ms: Date.now(),
    general: familyOf(general),
    slabs: familyOf(slabs),
    items: familyOf(items),
    shards,
    hotkeys: hotkeys === null ? null : familyOf(hotkeys),
  };
}
