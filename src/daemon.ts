/**
 * Composition root as a library: config → shard pool → router → listeners,
 * plus graceful shutdown. main.ts adds the CLI and signals; integration tests
 * start a daemon in-process through this module.
 */
import { AdminServer } from './admin/admin-server';
import { DaemonMetrics, type MetricsSource, type ShardMetrics } from './admin/metrics';
import type { AccessControl } from './auth/acl';
import { Credentials } from './auth/credentials';
import { parseClusterNodeList } from './cluster/cluster-node';
import { DnsSource, FileSource, Membership, SelfSource, StaticSource, selfNode, type MembershipSource } from './cluster/membership';
import type { Config } from './config/config';
import { DEFAULTS } from './config/defaults';
import { Router, OpCode } from './router/router';
import { startCoarseClock } from './server/connection';
import { Listener, type ListenAddress } from './server/listener';
import { respServerState } from './server/resp-server-state';
import { respSessionFactory } from './server/resp-session-factory';
import { noteFlush, noteKeyWritten } from './server/resp-watch';
import type { ServerContext, StatsEntries } from './server/server-context';
import { loadTlsMaterial, type TlsServerOptions } from './server/tls-material';
import { ServerStats } from './server/server-stats';
import {
  attachObservability,
  generalStats,
  hotKeysStats,
  itemsStats,
  mergeSnapshots,
  Observability,
  settingsStats,
  slabsStats,
  type StatsSources,
} from './server/stats-report';
import { slowlogStats } from './server/slowlog';
import { ShardPool } from './shard/shard-pool';
import type { ShardStatsSnapshot } from './shard/shard-stats';
import type { ReplySink } from './shard/shard-client';
import type { ReplyBatchReader } from './shard/batch-codec';
import { connectionErrors, Logger } from './util/logger';
import { SHARDCACHE_VERSION } from './util/package-version';

/** How long a graceful stop still reads requests a connection's client sent (at most half of --shutdown-timeout). */
const DRAIN_READ_WINDOW_MS = 2000;

/** The memcached release whose text protocol we answer like; `version` reports it. */
export const MEMCACHED_COMPAT_VERSION = '1.6.18';

export interface DaemonOptions {
  /** How long a graceful shutdown waits for owed replies before closing sockets. */
  shutdownTimeoutMs?: number;
  onShutdownRequested?: (reason: string) => void;
}

export class Daemon {
  readonly stats = new ServerStats();
  readonly pool: ShardPool;
  readonly router: Router;
  readonly listener: Listener;
  readonly logger: Logger;
  readonly credentials: Credentials | null;
  /** The Redis port's users (--requirepass / --acl-file); the file is read by start() and reload(). */
  readonly accessControl: AccessControl;
  readonly admin: AdminServer;
  readonly membership: Membership;
  /** Slow log and key-statistics switches (stats detail, sizes, hot keys). */
  readonly observability: Observability;
  /** Read at construction so bad files fail start-up; replaced on reload(). */
  private tlsOptions: TlsServerOptions | null;
  private readonly processStartMs = Date.now();
  private stopping: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private stopCoarseClock: (() => void) | null = null;
  private started = false;
  private sources: StatsSources | null = null;

  constructor(
    readonly config: Config,
    private readonly options: DaemonOptions = {},
  ) {
    this.logger = new Logger(config.verbosity, config.logFormat ?? 'text');
    this.observability = new Observability(config, (opCode, argLow, argHigh) => this.keyStatsBroadcast(opCode, argLow, argHigh));
    if (this.logger.commandsEnabled) this.observability.commandTrace = (direction, client, text) => this.logger.command(`${direction}${client} ${text}`);
    connectionErrors.attach(this.logger);
    // Before any thread starts: a bad auth file must fail start-up, not leave an open daemon.
    this.credentials = config.authFile === null ? null : Credentials.load(config.authFile);
    this.tlsOptions = config.tls === null ? null : loadTlsMaterial(config.tls);
    this.pool = new ShardPool({
      shardCount: config.threads,
      memoryLimitBytes: config.memoryLimitBytes,
      pageSize: config.maxItemSize,
      slabMinSize: config.slabMinSize,
      growthFactor: config.growthFactor,
      mode: 'worker',
      batchTimeoutMs: (config.shardTimeoutSeconds ?? DEFAULTS.shardTimeoutSeconds) * 1000,
      onLog: (message) => this.logger.warn(message),
    });
    this.router = new Router(this.pool.shards);
    // Redis WATCH hears of writes from every protocol, in the order they reach the shards.
    this.router.writeObserver = { keyWritten: noteKeyWritten, flushed: noteFlush };
    const self = selfNode(config.listen, config.port);
    this.membership = new Membership(
      membershipSource(config, self),
      [self],
      (m) => this.logger.warn(m),
      (m) => this.logger.info(m),
    );
    const context = this.context();
    this.accessControl = respServerState(context).accessControl;
    this.listener = new Listener(context);
    this.listener.registerProtocol('resp', respSessionFactory);
    // /metrics and the status page (/, /stats.json) read the same stats.
    const statsSource: MetricsSource = {
      collectStats: (args) => this.collectStats(this.sources!, args),
      shardMetrics: async () => (await this.shardSnapshots()).map((json) => shardMetricsOf(json)),
    };
    const metrics = new DaemonMetrics(statsSource, {
      commandLatency: () => this.observability.commandLatency?.all ?? [],
      shards: () => this.pool.shards,
    });
    this.admin = new AdminServer(
      metrics,
      {
        shardsAnswer: (timeoutMs) => this.shardsAnswer(timeoutMs),
        notReadyReason: () => (this.stopping !== null ? 'draining' : this.started ? null : 'starting'),
      },
      statsSource,
    );
  }

  get addresses(): ListenAddress[] {
    return this.listener.addresses;
  }

  async start(): Promise<void> {
    if (this.config.memoryLimitNote !== null) this.logger.info(this.config.memoryLimitNote);
    // Before any port opens: a bad ACL file fails start-up (main.ts reports it), never serves with no users.
    this.accessControl.reload();
    await this.pool.ready();
    // Shards start with hot keys on and per-prefix stats off; -D and --hotkeys off change that.
    if (this.observability.detailEnabled || !this.observability.hotKeysEnabled) await this.observability.applyKeyStatsSwitches();
    this.logger.internal('monitoring', {
      slowlog_threshold_us: this.observability.slowlog.thresholdUs,
      slowlog_max_len: this.observability.slowlog.maxLen,
      hotkeys: this.observability.hotKeysEnabled,
      detail: this.observability.detailEnabled,
    });
    // Before the ports open, so the first `config get cluster` already has the source's list.
    await this.membership.start();
    const c = this.config;
    if (c.port !== 0) {
      for (const host of c.listen) await this.listener.listenTcp(host, c.port);
    }
    if (c.unixSocket !== null) await this.listener.listenUnix(c.unixSocket, c.unixMask);
    if (c.redisPort !== 0) {
      for (const host of c.listen) await this.listener.listenTcp(host, c.redisPort, 'resp');
    }
    if (c.tls !== null && this.tlsOptions !== null) {
      for (const host of c.listen) {
        if (c.tls.port !== 0) await this.listener.listenTls(host, c.tls.port, 'memcache', this.tlsOptions);
        if (c.tls.redisPort !== 0) await this.listener.listenTls(host, c.tls.redisPort, 'resp', this.tlsOptions);
      }
    }
    if (c.adminPort !== 0) {
      for (const host of c.listen) {
        const port = await this.admin.listen(host, c.adminPort);
        this.logger.info(`admin HTTP on ${host}:${port} (/metrics /healthz /readyz)`);
      }
    }
    // The seconds clock behind idle kicks and `stats conns` secs_since_last_cmd.
    this.stopCoarseClock = startCoarseClock();
    if (c.idleTimeoutSeconds > 0) {
      const timeoutMs = c.idleTimeoutSeconds * 1000;
      this.idleTimer = setInterval(() => this.listener.kickIdle(timeoutMs), Math.min(1000, timeoutMs / 2));
      this.idleTimer.unref();
    }
    for (const a of this.listener.addresses) this.logger.info(`listening on ${a.kind} ${a.address} (${a.protocol})`);
    this.started = true;
  }

  /**
   * SIGHUP: re-read what can change without a restart — the TLS certificate and
   * key (new connections get them), the Redis ACL file and the memcached auth
   * file (open connections keep their login; an ACL user's new rules apply from
   * its next command), and the cluster membership source. A file that fails to
   * load keeps the old material and is reported (never with its contents).
   */
  async reload(): Promise<void> {
    if (this.config.aclFile !== undefined) {
      try {
        this.accessControl.reload();
        this.logger.info(`ACL file ${this.config.aclFile} reloaded`);
      } catch (err) {
        this.logger.warn(`ACL file reload failed, keeping the previous users: ${(err as Error).message}`);
      }
    }
    if (this.credentials !== null && this.config.authFile !== null) {
      try {
        this.credentials.replaceWith(Credentials.load(this.config.authFile));
        this.logger.info(`auth file ${this.config.authFile} reloaded`);
      } catch (err) {
        this.logger.warn(`auth file reload failed, keeping the previous credentials: ${(err as Error).message}`);
      }
    }
    if (this.config.tls !== null) {
      try {
        this.tlsOptions = loadTlsMaterial(this.config.tls);
        this.listener.reloadTls(this.tlsOptions);
        this.logger.info('TLS certificate and key reloaded');
      } catch (err) {
        this.logger.warn(`TLS reload failed, keeping the previous certificate: ${(err as Error).message}`);
      }
    }
    await this.membership.refresh();
  }

  /** Graceful stop: no new connections, owed replies written, then shards stopped. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const stopAccepting = this.listener.stopAccepting();
    const timeoutMs = this.options.shutdownTimeoutMs ?? this.config.shutdownTimeoutSeconds * 1000;
    // Pipelines sent before the stop are still read for a moment; half the timeout stays for their replies.
    this.listener.drainConnections(Math.min(DRAIN_READ_WINDOW_MS, timeoutMs / 2));
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.stopCoarseClock?.();
    const deadline = Date.now() + timeoutMs;
    while (this.listener.connectionCount > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.listener.destroyConnections();
    await stopAccepting;
    await this.admin.close();
    this.membership.close();
    await this.pool.close();
  }

  private context(): ServerContext {
    const sources: StatsSources = (this.sources = {
      config: this.config,
      server: this.stats,
      processStartMs: this.processStartMs,
      memcachedVersion: MEMCACHED_COMPAT_VERSION,
      shardcacheVersion: SHARDCACHE_VERSION,
      shardRestarts: () => this.pool.shards.reduce((n, s) => n + s.restarts, 0),
      membership: () => this.membership.status(),
      tlsHandshakeErrors: () => this.listener.tlsHandshakeErrors,
      observability: this.observability,
    });
    const context: ServerContext = {
      config: this.config,
      router: this.router,
      stats: this.stats,
      credentials: this.credentials,
      membership: this.membership,
      processStartMs: this.processStartMs,
      memcachedVersion: MEMCACHED_COMPAT_VERSION,
      shardcacheVersion: SHARDCACHE_VERSION,
      collectStats: (args) => this.collectStats(sources, args),
      resetStats: () => this.resetStats(),
      requestShutdown: (reason) => {
        this.logger.warn(`shutdown requested: ${reason}`);
        this.options.onShutdownRequested?.(reason);
      },
    };
    attachObservability(context, this.observability);
    return context;
  }

  private async collectStats(sources: StatsSources, args: readonly string[]): Promise<StatsEntries | null> {
    const sub = args[0] ?? '';
    if (sub === 'settings') return settingsStats(sources);
    if (sub === 'conns') return this.listener.describeConnections();
    if (sub === 'slowlog' && args.length === 1) return slowlogStats(this.observability.slowlog);
    if (sub === 'sizes' && args.length === 1) return this.observability.sizes();
    if (sub === 'sizes_enable' || sub === 'sizes_disable') {
      // memcached 1.6.18's runtime switch (removed in 1.6.25); it answers with the new status.
      this.observability.sizesEnabled = sub === 'sizes_enable';
      return [['sizes_status', this.observability.sizesEnabled ? 'enabled' : 'disabled']];
    }
    if (sub !== '' && sub !== 'slabs' && sub !== 'items' && sub !== 'hotkeys') return null;
    const shards = mergeSnapshots(await this.shardSnapshots());
    if (sub === 'hotkeys') return hotKeysStats(shards);
    if (sub === 'slabs') return slabsStats(shards);
    if (sub === 'items') return itemsStats(shards);
    return generalStats(sources, shards);
  }

  private resetStats(): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiting = this.router.shardCount;
      let failed = false;
      this.router.broadcast(OpCode.ResetStats, 0, {
        onShardReply: (_tag: number, reply: ReplyBatchReader) => {
          if (reply.status !== 0) failed = true;
          if (--waiting > 0) return;
          this.stats.reset();
          if (failed) reject(new Error('a shard did not answer'));
          else resolve();
        },
      });
    });
  }

  /** Sends a key-statistics op to every shard (in order with data ops); resolves with each shard's reply value. */
  private keyStatsBroadcast(opCode: number, argLow: number, argHigh: number): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const values: Buffer[] = [];
      let waiting = this.pool.shards.length;
      const sink: ReplySink = {
        onShardReply: (_tag: number, reply: ReplyBatchReader) => {
          if (reply.status === 0) values.push(reply.copyValue());
          if (--waiting > 0) return;
          if (values.length === this.pool.shards.length) resolve(values);
          else reject(new Error('a shard did not answer'));
        },
      };
      this.pool.shards.forEach((shard, i) => shard.enqueue(opCode, null, 0, null, 0, 0, argLow, argHigh, sink, i));
    });
  }

  /** /healthz: null when every shard answered a stats request within `timeoutMs`, else why not. */
  private async shardsAnswer(timeoutMs: number): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`a shard did not answer within ${timeoutMs} ms`), timeoutMs);
    });
    try {
      return await Promise.race([this.shardSnapshots().then(() => null, (err: Error) => err.message), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private shardSnapshots(): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      const values: Buffer[] = [];
      let waiting = this.router.shardCount;
      let answered = 0;
      const sink: ReplySink = {
        // Shards answer in whatever order they finish; the tag is the shard's index, so per-shard figures keep their shard.
        onShardReply: (shardIndex: number, reply: ReplyBatchReader) => {
          if (reply.status === 0) {
            values[shardIndex] = reply.copyValue();
            answered++;
          }
          if (--waiting === 0) {
            if (answered === this.router.shardCount) resolve(values);
            else reject(new Error('a shard did not answer'));
          }
        },
      };
      this.router.broadcast(OpCode.Stats, 0, sink);
    });
  }
}

function shardMetricsOf(json: Buffer): ShardMetrics {
  const s = JSON.parse(json.toString('utf8')) as ShardStatsSnapshot;
  return { curr_items: s.curr_items, bytes: s.bytes, cmd_get: s.cmd_get, cmd_set: s.cmd_set, evictions: s.evictions };
}

function membershipSource(config: Config, self: ReturnType<typeof selfNode>): MembershipSource {
  const c = config.cluster;
  switch (c.kind) {
    case 'static':
      return new StaticSource(parseClusterNodeList(c.nodes, config.port));
    case 'file':
      return new FileSource(c.path, config.port);
    case 'dns':
      return new DnsSource(c.name, config.port, c.intervalSeconds * 1000);
    default:
      return new SelfSource(self);
  }
}
