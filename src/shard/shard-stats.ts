/**
 * Shard statistics as plain objects: a shard produces a snapshot, the main
 * thread sums snapshots with `addShardStats` (memcached sums per-thread stats
 * the same way). Workers never import prom-client.
 */
import type { SlabClassStats, StoreStats } from '../store/types';
import type { HotKeyEntry, HotKeysSnapshot } from './hot-keys';
import type { ShardCommandCounters } from './messages';

export type ShardStatsSnapshot = ShardCommandCounters & StoreStats & HotKeysSnapshot;

export function emptyCommandCounters(): ShardCommandCounters {
  return {
    cmd_get: 0,
    cmd_set: 0,
    cmd_touch: 0,
    get_hits: 0,
    get_misses: 0,
    delete_hits: 0,
    delete_misses: 0,
    incr_hits: 0,
    incr_misses: 0,
    decr_hits: 0,
    decr_misses: 0,
    cas_hits: 0,
    cas_misses: 0,
    cas_badval: 0,
    touch_hits: 0,
    touch_misses: 0,
    store_too_large: 0,
    store_no_memory: 0,
    crawler_reclaimed: 0,
  };
}

export function emptyShardStats(): ShardStatsSnapshot {
  return {
    ...emptyCommandCounters(),
    curr_items: 0,
    total_items: 0,
    bytes: 0,
    evictions: 0,
    reclaimed: 0,
    expired_unfetched: 0,
    evicted_unfetched: 0,
    get_expired: 0,
    get_flushed: 0,
    crawler_items_checked: 0,
    lru_crawler_starts: 0,
    slabs_moved: 0,
    slab_reassign_evictions_nomem: 0,
    total_pages: 0,
    hash_power_level: 0,
    hash_bytes: 0,
    slab_classes: [],
    hot_keys: [],
    hot_keys_ops: 0,
  };
}

/** Adds `from` into `into`: numbers are summed, slab classes merged by id. */
export function addShardStats(into: ShardStatsSnapshot, from: ShardStatsSnapshot): ShardStatsSnapshot {
  const hashPowerLevel = Math.max(into.hash_power_level, from.hash_power_level);
  const target = into as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(from)) {
    if (typeof value === 'number') {
      target[name] = ((target[name] as number | undefined) ?? 0) + value;
    }
  }
  // hash_power_level is a level, not a count: report the largest.
  into.hash_power_level = hashPowerLevel;
  for (const cls of from.slab_classes) {
    const existing = into.slab_classes.find((c) => c.id === cls.id);
    if (existing === undefined) {
      into.slab_classes.push({ ...cls });
    } else {
      addSlabClass(existing, cls);
    }
  }
  into.slab_classes.sort((a, b) => a.id - b.id);
  // A key lives on one shard, so the shards' lists never overlap: merging is concatenating.
  if (from.hot_keys !== undefined) into.hot_keys = mergeHotKeys(into.hot_keys, from.hot_keys);
  return into;
}

function addSlabClass(into: SlabClassStats, from: SlabClassStats): void {
  const target = into as unknown as Record<string, number>;
  for (const [name, value] of Object.entries(from)) {
    if (name === 'id' || name === 'chunk_size' || name === 'chunks_per_page') continue;
    // An age is the oldest across shards, not a sum.
    if (name === 'age') {
      into.age = Math.max(into.age, value as number);
      continue;
    }
    target[name] = (target[name] ?? 0) + (value as number);
  }
}

/** Both lists as one, most counted first. */
function mergeHotKeys(a: readonly HotKeyEntry[], b: readonly HotKeyEntry[]): HotKeyEntry[] {
  return [...a, ...b].sort((x, y) => y.count - x.count);
}
