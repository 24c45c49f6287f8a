/**
 * Prometheus metrics (prom-client) built from the same counters as memcached's
 * `stats` families, under the names the Prometheus community memcached
 * exporter uses, so existing dashboards and alerts work unchanged; plus
 * `shardcache_*` for what only we have (per-shard items and ops, shard
 * restarts) and Node's process metrics (event-loop lag, GC pauses, heap).
 *
 * A scrape gathers `stats`, `stats settings`, `stats items` and `stats slabs`
 * once (one round trip to every shard), then every metric's collect() reads
 * that snapshot. Main thread only: workers never import prom-client.
 * The latency and batch histograms are read from typed arrays the hot path
 * fills (histograms.ts), not from the snapshot.
 * May import prom-client, admin/histograms, shard-stats types and
 * server-context types only.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { StatsEntries } from '../server/server-context';
import { registerHistograms, type HistogramSources } from './histograms';

/** What a scrape reads: the stats families as name → value, and each shard's own counters. */
export interface MetricsSnapshot {
  general: Map<string, string>;
  settings: Map<string, string>;
  items: Map<string, string>;
  slabs: Map<string, string>;
  /** `stats hotkeys` and `stats slowlog` (absent when the source has no such family). */
  hotkeys: Map<string, string>;
  slowlog: Map<string, string>;
  shards: readonly ShardMetrics[];
}

export interface ShardMetrics {
  curr_items: number;
  bytes: number;
  cmd_get: number;
  cmd_set: number;
  evictions: number;
}

export interface MetricsSource {
  collectStats(args: readonly string[]): Promise<StatsEntries | null>;
  shardMetrics(): Promise<ShardMetrics[]>;
}

function toMap(entries: StatsEntries | null): Map<string, string> {
  return new Map((entries ?? []).map(([k, v]) => [k, String(v)]));
}

/** memcached prints rusage as `<sec>.<6 digits>`; a plain number parses the same. */
function numberOf(map: Map<string, string>, key: string): number | undefined {
  const text = map.get(key);
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** exporter metric → stats key, for the plain one-to-one metrics of the general `stats` block. */
const GENERAL_GAUGES: readonly (readonly [name: string, key: string, help: string])[] = [
  ['memcached_current_bytes', 'bytes', 'Current number of bytes used to store items.'],
  ['memcached_limit_bytes', 'limit_maxbytes', 'Number of bytes this server is allowed to use for storage.'],
  ['memcached_current_items', 'curr_items', 'Current number of items stored by this instance.'],
  ['memcached_current_connections', 'curr_connections', 'Current number of open connections.'],
  ['memcached_accepting_conns', 'accepting_conns', 'The Memcached server is currently accepting new connections.'],
  ['memcached_time_seconds', 'time', 'current UNIX time according to the server.'],
  // The exporter's name, but a gauge: promtool requires counters to end in _total.
  ['memcached_uptime_seconds', 'uptime', 'Number of seconds since the server started.'],
  ['shardcache_discovery_version', 'cluster_version', 'Version of the cluster membership served by config get cluster.'],
  ['shardcache_discovery_nodes', 'cluster_nodes', 'Nodes in the cluster membership served by config get cluster.'],
  ['shardcache_discovery_source_failing', 'cluster_source_failing', '1 while the membership source fails (the last good list is served).'],
];

const GENERAL_COUNTERS: readonly (readonly [name: string, key: string, help: string])[] = [
  ['memcached_process_user_cpu_seconds_total', 'rusage_user', 'Accumulated user time for this process.'],
  ['memcached_process_system_cpu_seconds_total', 'rusage_system', 'Accumulated system time for this process.'],
  ['memcached_items_total', 'total_items', 'Total number of items stored during the life of this instance.'],
  ['memcached_read_bytes_total', 'bytes_read', 'Total number of bytes read by this server from network.'],
  ['memcached_written_bytes_total', 'bytes_written', 'Total number of bytes sent by this server to network.'],
  ['memcached_connections_total', 'total_connections', 'Total number of connections opened since the server started running.'],
  ['memcached_connections_rejected_total', 'rejected_connections', 'Total number of connections rejected due to hitting the memcached\'s -c limit in maxconns_fast mode.'],
  ['memcached_connections_yielded_total', 'conn_yields', 'Total number of connections yielded running due to hitting the memcached\'s -R limit.'],
  ['memcached_items_evicted_total', 'evictions', 'Total number of valid items removed from cache to free memory for new items.'],
  ['memcached_items_reclaimed_total', 'reclaimed', 'Total number of times an entry was stored using memory from an expired entry.'],
  ['memcached_item_too_large_total', 'store_too_large', 'The number of times an item exceeded the max-item-size when being stored.'],
  ['memcached_item_no_memory_total', 'store_no_memory', 'The number of times an item could not be stored due to no more memory.'],
  ['memcached_lru_crawler_reclaimed_total', 'crawler_reclaimed', 'Total items freed by LRU Crawler.'],
  ['shardcache_slabs_moved_total', 'slabs_moved', 'Slab pages moved from one size class to another (memcached slabs_moved).'],
  ['shardcache_slab_reassign_evictions_total', 'slab_reassign_evictions_nomem', 'Valid items evicted to empty a page for another size class.'],
  ['memcached_auth_commands_total', 'auth_cmds', 'Number of authentication commands handled, success or failure.'],
  ['memcached_auth_errors_total', 'auth_errors', 'Number of failed authentications.'],
  ['shardcache_discovery_refresh_failures_total', 'cluster_refresh_failures', 'Membership source refreshes that failed.'],
  ['shardcache_shard_restarts_total', 'shard_restarts', 'Shard workers replaced after dying (their items were lost).'],
  ['shardcache_connection_errors_total', 'conn_errors', 'Socket errors on client connections (resets, broken pipes).'],
];

/** The hot-key shares exported: the hottest key alone, and the top 10 together. */
const HOT_KEY_TOPS = [1, 10] as const;

/** Per-class `stats slabs` fields → `memcached_slab_*` gauges, labelled {slab}. */
const SLAB_GAUGES: readonly (readonly [name: string, field: string, help: string])[] = [
  ['memcached_slab_chunk_size_bytes', 'chunk_size', 'Number of bytes allocated to each chunk within this slab class.'],
  ['memcached_slab_chunks_per_page', 'chunks_per_page', 'Number of chunks within a single page for this slab class.'],
  ['memcached_slab_current_pages', 'total_pages', 'Number of pages allocated to this slab class.'],
  ['memcached_slab_current_chunks', 'total_chunks', 'Number of chunks allocated to this slab class.'],
  ['memcached_slab_chunks_used', 'used_chunks', 'Number of chunks allocated to an item.'],
  ['memcached_slab_chunks_free', 'free_chunks', 'Number of chunks not yet allocated items.'],
  ['memcached_slab_chunks_free_end', 'free_chunks_end', 'Number of free chunks at the end of the last allocated page.'],
  ['memcached_slab_mem_requested_bytes', 'mem_requested', 'Number of bytes of memory actual items take up within a slab.'],
];

/** Per-class `stats items` fields → metrics labelled {slab}. */
const ITEMS_METRICS: readonly (readonly [name: string, field: string, kind: 'gauge' | 'counter', help: string])[] = [
  ['memcached_slab_current_items', 'number', 'gauge', 'Number of items currently stored in this slab class.'],
  ['memcached_slab_items_evicted_total', 'evicted', 'counter', 'Total number of times an item had to be evicted from the LRU before it expired.'],
  ['memcached_slab_items_outofmemory_total', 'outofmemory', 'counter', 'Total number of items for this slab class that have triggered an out of memory error.'],
];

/** memcached_commands_total{command,status} from `<op>_hits` / `<op>_misses`, as the exporter derives it. */
const HIT_MISS_COMMANDS = ['get', 'delete', 'incr', 'decr', 'cas', 'touch'] as const;

export class DaemonMetrics {
  readonly registry = new Registry();
  private snapshot: MetricsSnapshot | null = null;

  constructor(
    private readonly source: MetricsSource,
    histograms?: HistogramSources,
  ) {
    const read = (): MetricsSnapshot | null => this.snapshot;
    const registers = [this.registry];

    new Gauge({
      name: 'memcached_up',
      help: 'Could the memcached server be reached.',
      registers,
      collect: function () {
        this.set(read() === null ? 0 : 1);
      },
    });
    new Gauge({
      name: 'memcached_version',
      help: 'The version of this memcached server.',
      labelNames: ['version'],
      registers,
      collect: function () {
        this.reset();
        const version = read()?.general.get('version');
        if (version !== undefined) this.set({ version }, 1);
      },
    });
    new Gauge({
      name: 'memcached_max_connections',
      help: 'Maximum number of clients allowed.',
      registers,
      collect: function () {
        const v = numberOf(read()?.settings ?? new Map(), 'maxconns');
        if (v !== undefined) this.set(v);
      },
    });
    for (const [name, key, help] of GENERAL_GAUGES) {
      new Gauge({
        name,
        help,
        registers,
        collect: function () {
          const v = numberOf(read()?.general ?? new Map(), key);
          if (v !== undefined) this.set(v);
        },
      });
    }
    for (const [name, key, help] of GENERAL_COUNTERS) {
      new Counter({
        name,
        help,
        registers,
        collect: function () {
          const v = numberOf(read()?.general ?? new Map(), key);
          // A counter scraped from a snapshot: reset, then set to the server's absolute value.
          this.reset();
          if (v !== undefined) this.inc(v);
        },
      });
    }
    new Counter({
      name: 'memcached_commands_total',
      help: 'Total number of all requests broken down by command (get, set, etc.) and status.',
      labelNames: ['command', 'status'],
      registers,
      collect: function () {
        this.reset();
        const general = read()?.general;
        if (general === undefined) return;
        const put = (command: string, status: string, value: number | undefined): void => {
          if (value !== undefined) this.inc({ command, status }, value);
        };
        for (const op of HIT_MISS_COMMANDS) {
          put(op, 'hit', numberOf(general, `${op}_hits`));
          put(op, 'miss', numberOf(general, `${op}_misses`));
        }
        put('cas', 'badval', numberOf(general, 'cas_badval'));
        put('flush', 'hit', numberOf(general, 'cmd_flush'));
        // As the exporter: memcached counts cas in cmd_set too, so it is taken out of set.
        const set = numberOf(general, 'cmd_set');
        const cas = ['cas_hits', 'cas_misses', 'cas_badval'].reduce((n, k) => n + (numberOf(general, k) ?? 0), 0);
        if (set !== undefined) put('set', 'hit', Math.max(0, set - cas));
      },
    });
    new Gauge({
      name: 'memcached_malloced_bytes',
      help: 'Number of bytes of memory allocated to slab pages.',
      registers,
      collect: function () {
        const v = numberOf(read()?.slabs ?? new Map(), 'total_malloced');
        if (v !== undefined) this.set(v);
      },
    });
    for (const [name, field, help] of SLAB_GAUGES) {
      new Gauge({
        name,
        help,
        labelNames: ['slab'],
        registers,
        collect: function () {
          this.reset();
          for (const [key, value] of read()?.slabs ?? []) {
            const m = /^(\d+):(\w+)$/.exec(key);
            if (m !== null && m[2] === field) this.set({ slab: m[1]! }, Number(value));
          }
        },
      });
    }
    for (const [name, field, kind, help] of ITEMS_METRICS) {
      const options = {
        name,
        help,
        labelNames: ['slab'] as const,
        registers,
      };
      const fill = (set: (slab: string, value: number) => void): void => {
        for (const [key, value] of read()?.items ?? []) {
          const m = /^items:(\d+):(\w+)$/.exec(key);
          if (m !== null && m[2] === field) set(m[1]!, Number(value));
        }
      };
      if (kind === 'gauge') {
        new Gauge({
          ...options,
          collect: function () {
            this.reset();
            fill((slab, value) => this.set({ slab }, value));
          },
        });
      } else {
        new Counter({
          ...options,
          collect: function () {
            this.reset();
            fill((slab, value) => this.inc({ slab }, value));
          },
        });
      }
    }
    new Counter({
      name: 'memcached_slab_commands_total',
      help: 'Total number of all requests broken down by command (get, set, etc.) and status per slab.',
      labelNames: ['slab', 'command', 'status'],
      registers,
      collect: function () {
        this.reset();
        const bySlab = new Map<string, Map<string, number>>();
        for (const [key, value] of read()?.slabs ?? []) {
          const m = /^(\d+):(\w+)$/.exec(key);
          if (m === null) continue;
          const fields = bySlab.get(m[1]!) ?? new Map<string, number>();
          fields.set(m[2]!, Number(value));
          bySlab.set(m[1]!, fields);
        }
        for (const [slab, f] of bySlab) {
          for (const op of ['get', 'delete', 'incr', 'decr', 'cas', 'touch']) this.inc({ slab, command: op, status: 'hit' }, f.get(`${op}_hits`) ?? 0);
          this.inc({ slab, command: 'cas', status: 'badval' }, f.get('cas_badval') ?? 0);
          // As the exporter: cas is counted in cmd_set too, so it is taken out of set.
          const set = (f.get('cmd_set') ?? 0) - (f.get('cas_hits') ?? 0) - (f.get('cas_badval') ?? 0);
          this.inc({ slab, command: 'set', status: 'hit' }, Math.max(0, set));
        }
      },
    });
    new Gauge({
      name: 'memcached_slab_items_age_seconds',
      help: 'Number of seconds the oldest item has been in the slab class.',
      labelNames: ['slab'],
      registers,
      collect: function () {
        this.reset();
        for (const [key, value] of read()?.items ?? []) {
          const m = /^items:(\d+):age$/.exec(key);
          if (m !== null) this.set({ slab: m[1]! }, Number(value));
        }
      },
    });
    new Gauge({
      name: 'shardcache_shard_items',
      help: 'Items held by each shard (worker thread).',
      labelNames: ['shard'],
      registers,
      collect: function () {
        this.reset();
        read()?.shards.forEach((s, i) => this.set({ shard: String(i) }, s.curr_items));
      },
    });
    new Gauge({
      name: 'shardcache_shard_bytes',
      help: 'Bytes of items held by each shard.',
      labelNames: ['shard'],
      registers,
      collect: function () {
        this.reset();
        read()?.shards.forEach((s, i) => this.set({ shard: String(i) }, s.bytes));
      },
    });
    new Counter({
      name: 'shardcache_shard_commands_total',
      help: 'Gets and sets executed by each shard (hot-shard detection).',
      labelNames: ['shard', 'command'],
      registers,
      collect: function () {
        this.reset();
        read()?.shards.forEach((s, i) => {
          this.inc({ shard: String(i), command: 'get' }, s.cmd_get);
          this.inc({ shard: String(i), command: 'set' }, s.cmd_set);
        });
      },
    });
    new Counter({
      name: 'shardcache_shard_evictions_total',
      help: 'Items evicted by each shard.',
      labelNames: ['shard'],
      registers,
      collect: function () {
        this.reset();
        read()?.shards.forEach((s, i) => this.inc({ shard: String(i) }, s.evictions));
      },
    });
    new Gauge({
      name: 'shardcache_hotkeys_top_share',
      help: 'Share of recent keyed ops (counts halve every minute) that went to the top N keys (estimated, top="1" and top="10").',
      labelNames: ['top'],
      registers,
      collect: function () {
        this.reset();
        const hotkeys = read()?.hotkeys;
        if (hotkeys === undefined || !hotkeys.has('hotkeys_ops')) return;
        for (const top of HOT_KEY_TOPS) {
          let share = 0;
          for (let rank = 1; rank <= top; rank++) share += numberOf(hotkeys, `hotkey:${rank}:share`) ?? 0;
          this.set({ top: String(top) }, Math.min(1, share));
        }
      },
    });
    new Counter({
      name: 'shardcache_slowlog_entries_total',
      help: 'Commands that took at least the slow log threshold (dispatch to reply ready).',
      registers,
      collect: function () {
        this.reset();
        const v = numberOf(read()?.slowlog ?? new Map(), 'slowlog_total');
        if (v !== undefined) this.inc(v);
      },
    });
    new Gauge({
      name: 'shardcache_slowlog_length',
      help: 'Entries in the slow log now (at most the slowlog max length).',
      registers,
      collect: function () {
        const v = numberOf(read()?.slowlog ?? new Map(), 'slowlog_len');
        if (v !== undefined) this.set(v);
      },
    });
    if (histograms !== undefined) registerHistograms(this.registry, histograms);
    // Node's own: event-loop lag, GC pause histogram, heap, handles (prefixed so they are ours).
    collectDefaultMetrics({ register: this.registry, prefix: 'shardcache_' });
    // prom-client's sums of the per-type gauges are gauges named *_total, which promtool rejects; the per-type gauges stay.
    for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
      this.registry.removeSingleMetric(`shardcache_nodejs_${name}`);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One scrape: gather the stats once, then render every metric from that snapshot. */
  async render(): Promise<string> {
    try {
      const [general, settings, items, slabs, hotkeys, slowlog, shards] = await Promise.all([
        this.source.collectStats([]),
        this.source.collectStats(['settings']),
        this.source.collectStats(['items']),
        this.source.collectStats(['slabs']),
        this.source.collectStats(['hotkeys']),
        this.source.collectStats(['slowlog']),
        this.source.shardMetrics(),
      ]);
      this.snapshot = {
        general: toMap(general),
        settings: toMap(settings),
        items: toMap(items),
        slabs: toMap(slabs),
        hotkeys: toMap(hotkeys),
        slowlog: toMap(slowlog),
        shards,
      };
    } catch {
      // A shard not answering: memcached_up 0, as the exporter reports an unreachable server.
      this.snapshot = null;
    }
    return this.registry.metrics();
  }
}
