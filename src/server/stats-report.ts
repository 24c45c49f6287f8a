/**
 * Builds memcached's `stats` families from the summed shard snapshots and the
 * front-end counters, with memcached's field names and formats.
 */
import type { MembershipStatus } from '../cluster/membership';
import type { Config } from '../config/config';
import { DEFAULTS } from '../config/defaults';
import type { PrefixCounts } from '../shard/hot-keys';
import { KEY_STATS_DETAIL, KEY_STATS_NO_HOT_KEYS, OpCode } from '../shard/messages';
import { addShardStats, emptyShardStats, type ShardStatsSnapshot } from '../shard/shard-stats';
import { hashBytes } from '../util/hash';
import { connectionErrors } from '../util/logger';
import { connectionLimitStats } from './connection';
import type { StatsEntries } from './server-context';
import type { ServerStats } from './server-stats';
import { CommandLatency, type LatencyProtocol } from './command-latency';
import { CommandTimer, SlowLog, type CommandTrace, type ReplyTiming, type SlowlogClient } from './slowlog';

export interface StatsSources {
  config: Config;
  server: ServerStats;
  processStartMs: number;
  memcachedVersion: string;
  shardcacheVersion: string;
  shardRestarts: () => number;
  membership: () => MembershipStatus;
  tlsHandshakeErrors: () => number;
  /** Slow log and key-statistics switches (absent in unit tests that build sources by hand). */
  observability?: Observability;
}

export function mergeSnapshots(jsonValues: readonly Buffer[]): ShardStatsSnapshot {
  const total = emptyShardStats();
  for (const value of jsonValues) addShardStats(total, JSON.parse(value.toString('utf8')) as ShardStatsSnapshot);
  return total;
}

function rusage(micros: number): string {
  const seconds = Math.floor(micros / 1e6);
  return `${seconds}.${String(Math.floor(micros % 1e6)).padStart(6, '0')}`;
}

export function generalStats(src: StatsSources, shards: ShardStatsSnapshot): StatsEntries {
  const now = Date.now();
  const usage = process.resourceUsage();
  const s = src.server;
  return [
    ['pid', process.pid],
    ['uptime', Math.floor((now - src.processStartMs) / 1000)],
    ['time', Math.floor(now / 1000)],
    ['version', src.memcachedVersion],
    ['shardcache_version', src.shardcacheVersion],
    ['libevent', 'node-' + process.versions.node],
    ['pointer_size', 64],
    ['rusage_user', rusage(usage.userCPUTime)],
    ['rusage_system', rusage(usage.systemCPUTime)],
    ['max_connections', src.config.connLimit],
    ['curr_connections', s.currConnections],
    ['total_connections', s.totalConnections],
    ['rejected_connections', s.rejectedConnections],
    ['connection_structures', s.currConnections],
    ['cmd_get', shards.cmd_get],
    ['cmd_set', shards.cmd_set],
    ['cmd_flush', s.cmdFlush],
    ['cmd_touch', shards.cmd_touch],
    ['get_hits', shards.get_hits],
    ['get_misses', shards.get_misses],
    ['get_expired', shards.get_expired],
    ['get_flushed', shards.get_flushed],
    ['delete_misses', shards.delete_misses],
    ['delete_hits', shards.delete_hits],
    ['incr_misses', shards.incr_misses],
    ['incr_hits', shards.incr_hits],
    ['decr_misses', shards.decr_misses],
    ['decr_hits', shards.decr_hits],
    ['cas_misses', shards.cas_misses],
    ['cas_hits', shards.cas_hits],
    ['cas_badval', shards.cas_badval],
    ['touch_hits', shards.touch_hits],
    ['touch_misses', shards.touch_misses],
    ['store_too_large', shards.store_too_large],
    ['store_no_memory', shards.store_no_memory],
    ['auth_cmds', s.authCmds],
    ['auth_errors', s.authErrors],
    ['bytes_read', s.bytesRead],
    ['bytes_written', s.bytesWritten],
    ['limit_maxbytes', src.config.memoryLimitBytes],
    ['accepting_conns', 1],
    // We refuse at accept (-c) instead of pausing the listener, so it is never disabled.
    ['listen_disabled_num', 0],
    ['time_in_listen_disabled_us', 0],
    ['conn_yields', s.connYields],
    ['idle_kicks', s.idleKicks],
    ['threads', src.config.threads],
    ['hash_power_level', shards.hash_power_level],
    ['hash_bytes', shards.hash_bytes],
    ['bytes', shards.bytes],
    ['curr_items', shards.curr_items],
    ['total_items', shards.total_items],
    ['expired_unfetched', shards.expired_unfetched],
    ['evicted_unfetched', shards.evicted_unfetched],
    ['evictions', shards.evictions],
    ['reclaimed', shards.reclaimed],
    ['crawler_reclaimed', shards.crawler_reclaimed],
    ['crawler_items_checked', shards.crawler_items_checked],
    ['lru_crawler_starts', shards.lru_crawler_starts],
    ['lru_crawler_running', 0],
    // Every eviction and reclaim happens on the request's own path (no background LRU maintainer).
    ['direct_reclaims', shards.evictions + shards.reclaimed],
    // One LRU per class, not memcached's hot/warm/cold segments: items never move between segments.
    ['moves_to_cold', 0],
    ['moves_to_warm', 0],
    ['moves_within_lru', 0],
    ['evicted_active', 0],
    // The page mover evicts every item on the page it takes: none rescued, none busy (a shard is one thread).
    ['slab_reassign_rescues', 0],
    ['slab_reassign_chunk_rescues', 0],
    ['slab_reassign_evictions_nomem', shards.slab_reassign_evictions_nomem],
    ['slab_reassign_inline_reclaim', 0],
    ['slab_reassign_busy_items', 0],
    ['slab_reassign_busy_deletes', 0],
    // A page moves inside the allocation that needs it, so no move is ever running between requests.
    ['slab_reassign_running', 0],
    ['slabs_moved', shards.slabs_moved],
    ['malloc_fails', 0],
    ['total_pages', shards.total_pages],
    ['ssl_handshake_errors', src.tlsHandshakeErrors()],
    // Socket errors on client connections (resets, broken pipes), logged at most once per interval per kind.
    ['conn_errors', connectionErrors.count],
    ['shard_restarts', src.shardRestarts()],
    ['output_buffer_kills', connectionLimitStats.outputBufferKills],
    ['reply_too_large', connectionLimitStats.replyTooLarge],
    ['line_too_long', connectionLimitStats.lineTooLong],
    ['too_many_keys', connectionLimitStats.tooManyKeys],
    ['resp_protocol_errors', connectionLimitStats.respProtocolErrors],
    ...clusterStats(src.membership()),
  ];
}

/** Discovery state: which source, its version and size, and whether it is failing (the last good list is served). */
function clusterStats(m: MembershipStatus): StatsEntries {
  return [
    ['cluster_source', m.source],
    ['cluster_version', m.version],
    ['cluster_nodes', m.nodes],
    ['cluster_source_failing', m.failure === '' ? 0 : 1],
    ['cluster_refresh_failures', m.failures],
  ];
}

export function settingsStats(src: StatsSources): StatsEntries {
  const c = src.config;
  return [
    ['maxbytes', c.memoryLimitBytes],
    ['maxconns', c.connLimit],
    ['tcpport', c.port],
    ['udpport', 0],
    ['inter', c.listen.join(',')],
    ['verbosity', c.verbosity],
    ['num_threads', c.threads],
    ['growth_factor', c.growthFactor.toFixed(2)],
    ['chunk_size', c.slabMinSize],
    ['item_size_max', c.maxItemSize],
    ['slab_page_size', c.maxItemSize],
    ['domain_socket', c.unixSocket ?? 'NULL'],
    ['umask', c.unixMask.toString(8)],
    ['evictions', 'on'],
    ['cas_enabled', 'yes'],
    // As memcached binds its port: -S means binary only, -Y (ascii auth) means text only.
    ['binding_protocol', c.enableSasl ? 'binary' : c.authFile !== null ? 'ascii' : 'auto-negotiate'],
    ['hash_algorithm', 'murmur3'],
    ['lru_crawler', 'yes'],
    // The crawler runs a slice every 100 ms (memcached counts this sleep in microseconds).
    ['lru_crawler_sleep', 100_000],
    ['lru_crawler_tocrawl', 0],
    ['lru_maintainer_thread', 'no'],
    ['lru_segmented', 'no'],
    ['hot_lru_pct', 0],
    ['warm_lru_pct', 0],
    ['hot_max_factor', '0.00'],
    ['warm_max_factor', '0.00'],
    ['temp_lru', 'no'],
    ['slab_reassign', 'yes'],
    ['slab_automove', 0],
    ['flush_enabled', 'yes'],
    ['shutdown_enabled', c.enableShutdown ? 'yes' : 'no'],
    ['idle_timeout', c.idleTimeoutSeconds],
    ['ssl_enabled', c.tls === null ? 'no' : 'yes'],
    ['auth_enabled_sasl', c.enableSasl ? 'yes' : 'no'],
    ['auth_enabled_ascii', c.authFile !== null && !c.enableSasl ? 'yes' : 'no'],
    ['detail_enabled', src.observability?.detailEnabled === true ? 'yes' : 'no'],
    ['track_sizes', src.observability?.sizesEnabled === true ? 'yes' : 'no'],
    ['slowlog_threshold_us', src.observability?.slowlog.thresholdUs ?? c.slowlogThresholdUs ?? DEFAULTS.slowlogThresholdUs],
    ['slowlog_max_len', src.observability?.slowlog.maxLen ?? c.slowlogMaxLen ?? DEFAULTS.slowlogMaxLen],
    ['hotkeys', c.hotKeys ?? DEFAULTS.hotKeys ? 'on' : 'off'],
    ['log_format', c.logFormat ?? DEFAULTS.logFormat],
    // Hardening limits (names after the flags; proto_max_bulk_len as Redis's CONFIG name).
    ['shard_timeout', c.shardTimeoutSeconds ?? DEFAULTS.shardTimeoutSeconds],
    ['max_output_buffer', c.maxOutputBufferBytes ?? DEFAULTS.maxOutputBufferBytes],
    ['max_keys_per_get', c.maxKeysPerGet ?? DEFAULTS.maxKeysPerGet],
    ['proto_max_bulk_len', c.protoMaxBulkLen ?? c.maxItemSize + DEFAULTS.protoBulkLenMarginBytes],
    ['max_multibulk_len', c.maxMultibulkLen ?? DEFAULTS.maxMultibulkLen],
  ];
}

export function slabsStats(shards: ShardStatsSnapshot): StatsEntries {
  const entries: StatsEntries = [];
  let active = 0;
  let totalMalloced = 0;
  for (const cls of shards.slab_classes) {
    if (cls.total_pages === 0) continue;
    active++;
    totalMalloced += cls.total_pages * cls.chunk_size * cls.chunks_per_page;
    entries.push(
      [`${cls.id}:chunk_size`, cls.chunk_size],
      [`${cls.id}:chunks_per_page`, cls.chunks_per_page],
      [`${cls.id}:total_pages`, cls.total_pages],
      [`${cls.id}:total_chunks`, cls.total_chunks],
      [`${cls.id}:used_chunks`, cls.used_chunks],
      [`${cls.id}:free_chunks`, cls.free_chunks],
      [`${cls.id}:free_chunks_end`, cls.free_chunks_end],
      [`${cls.id}:mem_requested`, cls.mem_requested],
      [`${cls.id}:get_hits`, cls.get_hits ?? 0],
      [`${cls.id}:cmd_set`, cls.cmd_set ?? 0],
      [`${cls.id}:delete_hits`, cls.delete_hits ?? 0],
      [`${cls.id}:incr_hits`, cls.incr_hits ?? 0],
      [`${cls.id}:decr_hits`, cls.decr_hits ?? 0],
      [`${cls.id}:cas_hits`, cls.cas_hits ?? 0],
      [`${cls.id}:cas_badval`, cls.cas_badval ?? 0],
      [`${cls.id}:touch_hits`, cls.touch_hits ?? 0],
    );
  }
  entries.push(['active_slabs', active], ['total_malloced', totalMalloced]);
  return entries;
}

export function itemsStats(shards: ShardStatsSnapshot): StatsEntries {
  const entries: StatsEntries = [];
  for (const cls of shards.slab_classes) {
    if (cls.used_chunks === 0 && cls.evicted === 0) continue;
    entries.push(
      [`items:${cls.id}:number`, cls.used_chunks],
      // One LRU per class: every item counts as cold, as in memcached without segments.
      [`items:${cls.id}:number_hot`, 0],
      [`items:${cls.id}:number_warm`, 0],
      [`items:${cls.id}:number_cold`, cls.used_chunks],
      [`items:${cls.id}:number_temp`, 0],
      [`items:${cls.id}:age_hot`, 0],
      [`items:${cls.id}:age_warm`, 0],
      [`items:${cls.id}:age`, cls.age],
      [`items:${cls.id}:mem_requested`, cls.mem_requested],
      [`items:${cls.id}:evicted`, cls.evicted],
      [`items:${cls.id}:outofmemory`, cls.outofmemory],
      // One LRU per class: every hit lands in what memcached would call COLD.
      [`items:${cls.id}:hits_to_hot`, 0],
      [`items:${cls.id}:hits_to_warm`, 0],
      [`items:${cls.id}:hits_to_cold`, cls.get_hits ?? 0],
      [`items:${cls.id}:hits_to_temp`, 0],
    );
  }
  return entries;
}

// ---- observability state shared by the protocols (slow log, key statistics) ----

/** Sends a key-statistics op (messages.ts KeyStatsControl, PrefixStatsDump, ItemSizes) to every shard; one reply value each. */
export type KeyStatsBroadcast = (opCode: number, argLow: number, argHigh: number) => Promise<Buffer[]>;

/**
 * What the daemon keeps for monitoring beyond the counters: the slow log, the
 * `stats detail` and `stats sizes` switches, whether hot keys are counted.
 * One per daemon; sessions find it through their ServerContext (observabilityOf).
 */
export class Observability {
  readonly slowlog: SlowLog;
  /** `stats detail on|off` (memcached's detail_enabled; on from the start with -D). */
  detailEnabled: boolean;
  /** `stats sizes_enable|sizes_disable` (memcached 1.6.18's runtime switch; `-o track_sizes` at start). */
  sizesEnabled = false;
  readonly hotKeysEnabled: boolean;
  /** -vv: where each command and reply line goes (null = not traced). */
  commandTrace: CommandTrace | null = null;
  /** Command latency histograms for /metrics: kept only when there is an admin port to scrape them. */
  readonly commandLatency: CommandLatency | null;
  private readonly delimiterByte: number;

  constructor(
    config: Config,
    private readonly broadcast: KeyStatsBroadcast,
  ) {
    this.slowlog = new SlowLog(config.slowlogThresholdUs ?? DEFAULTS.slowlogThresholdUs, config.slowlogMaxLen ?? DEFAULTS.slowlogMaxLen);
    this.detailEnabled = config.prefixDelimiter !== undefined;
    this.hotKeysEnabled = config.hotKeys ?? DEFAULTS.hotKeys;
    this.delimiterByte = (config.prefixDelimiter ?? DEFAULTS.prefixDelimiter).charCodeAt(0);
    this.commandLatency = config.adminPort !== 0 ? new CommandLatency() : null;
  }

  /** Tells every shard the current switches (at start, and after `stats detail on|off`). */
  async applyKeyStatsSwitches(): Promise<void> {
    const bits = (this.detailEnabled ? KEY_STATS_DETAIL : 0) | (this.hotKeysEnabled ? 0 : KEY_STATS_NO_HOT_KEYS);
    await this.broadcast(OpCode.KeyStatsControl, bits, this.delimiterByte);
  }

  async setDetail(on: boolean): Promise<void> {
    this.detailEnabled = on;
    await this.applyKeyStatsSwitches();
  }

  /** `stats detail dump`: memcached's PREFIX lines then END, in memcached's order. */
  async detailDump(): Promise<Buffer> {
    const merged = new Map<string, PrefixCounts>();
    for (const value of await this.broadcast(OpCode.PrefixStatsDump, 0, 0)) {
      for (const p of JSON.parse(value.toString('utf8')) as PrefixCounts[]) {
        const seen = merged.get(p.prefix);
        if (seen === undefined) merged.set(p.prefix, { ...p });
        else {
          seen.get += p.get;
          seen.hit += p.hit;
          seen.set += p.set;
          seen.del += p.del;
          seen.firstSeen = Math.min(seen.firstSeen, p.firstSeen);
        }
      }
    }
    return renderPrefixDump([...merged.values()]);
  }

  /** `stats sizes`: memcached's `sizes_status disabled` until enabled, then items per 32-byte bucket. */
  async sizes(): Promise<StatsEntries> {
    if (!this.sizesEnabled) return [['sizes_status', 'disabled']];
    const buckets = new Map<number, number>();
    for (const value of await this.broadcast(OpCode.ItemSizes, 0, 0)) {
      for (const [bucket, count] of Object.entries(JSON.parse(value.toString('utf8')) as Record<string, number>)) {
        buckets.set(Number(bucket), (buckets.get(Number(bucket)) ?? 0) + count);
      }
    }
    return [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([bucket, count]) => [String(bucket), count] as const);
  }
}

/** memcached's stats_prefix.c hash table size: the dump lists prefixes bucket by bucket. */
const PREFIX_HASH_SIZE = 256;

/**
 * memcached prints its prefix table bucket by bucket (murmur3 of the prefix mod
 * 256), newest first within a bucket; the same order here keeps dumps identical.
 */
export function renderPrefixDump(prefixes: PrefixCounts[]): Buffer {
  const bucketOf = (p: PrefixCounts): number => {
    const bytes = Buffer.from(p.prefix, 'latin1');
    return hashBytes(bytes, 0, bytes.length) % PREFIX_HASH_SIZE;
  };
  const ordered = prefixes
    .map((p) => ({ p, bucket: bucketOf(p) }))
    .sort((a, b) => a.bucket - b.bucket || b.p.firstSeen - a.p.firstSeen);
  const lines = ordered.map(({ p }) => `PREFIX ${p.prefix} get ${p.get} hit ${p.hit} set ${p.set} del ${p.del}\r\n`);
  return Buffer.from(lines.join('') + 'END\r\n', 'latin1');
}

const OBSERVABILITY = new WeakMap<object, Observability>();

/**
 * Gives a connection's reply queue a CommandTimer (slow log, -vv trace, latency
 * histograms) when the context has an Observability; the session calls `begin`
 * on the returned timer for each command it dispatches.
 */
export function startCommandTiming<Command>(
  queue: { commandTimer: ReplyTiming | null },
  context: object,
  describe: (command: Command) => Uint8Array[],
  client: SlowlogClient,
  protocol: LatencyProtocol,
): CommandTimer<Command> | null {
  const observability = OBSERVABILITY.get(context);
  if (observability === undefined) return null;
  const latency = observability.commandLatency?.of(protocol) ?? null;
  const timer = new CommandTimer(observability.slowlog, describe, client, observability.commandTrace, latency);
  queue.commandTimer = timer;
  return timer;
}

export function attachObservability(context: object, observability: Observability): void {
  OBSERVABILITY.set(context, observability);
}

/** The daemon's Observability, or undefined for a context built without one (unit tests). */
export function observabilityOf(context: object): Observability | undefined {
  return OBSERVABILITY.get(context);
}

/** Printable ASCII but space and backslash as is, the rest as \xNN: a key in a STAT value or an INFO field. */
export function escapeKey(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    out += code > 0x20 && code < 0x7f && code !== 0x5c ? key[i] : `\\x${code.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** How many hot keys `stats hotkeys` and INFO list. */
export const HOT_KEYS_LISTED = 20;

export interface HotKeyShare {
  key: string;
  count: number;
  error: number;
  /** count / ops counted over every shard. */
  share: number;
}

export function hotKeyShares(shards: ShardStatsSnapshot, limit = HOT_KEYS_LISTED): HotKeyShare[] {
  const ops = shards.hot_keys_ops;
  return shards.hot_keys.slice(0, limit).map((k) => ({ ...k, share: ops > 0 ? k.count / ops : 0 }));
}

/**
 * `stats hotkeys`: `hotkeys_ops` (ops counted, decayed: counts halve every
 * minute), then per key, hottest first, `hotkey:<rank>:key|count|error|share`
 * (share = count / hotkeys_ops, 4 decimals; the count may be over by `error`).
 */
export function hotKeysStats(shards: ShardStatsSnapshot): StatsEntries {
  const entries: StatsEntries = [['hotkeys_ops', shards.hot_keys_ops]];
  hotKeyShares(shards).forEach((k, i) => {
    entries.push(
      [`hotkey:${i + 1}:key`, escapeKey(k.key)],
      [`hotkey:${i + 1}:count`, k.count],
      [`hotkey:${i + 1}:error`, k.error],
      [`hotkey:${i + 1}:share`, k.share.toFixed(4)],
    );
  });
  return entries;
}
