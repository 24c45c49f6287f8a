/**
 * What every connection shares: configuration, the router, front-end counters,
 * the clock origin, and the hooks into the daemon (stats, shutdown).
 */
import type { Credentials } from '../auth/credentials';
import type { Membership } from '../cluster/membership';
import type { Config } from '../config/config';
import type { Router } from '../router/router';
import type { ServerStats } from './server-stats';

export type StatsEntries = (readonly [string, string | number])[];

export interface ServerContext {
  readonly config: Config;
  readonly router: Router;
  readonly stats: ServerStats;
  /**
   * Loaded from -Y/--auth-file, or null when authentication is off. Text
   * sessions require memcached's ascii login when set; binary sessions require
   * SASL PLAIN when `config.enableSasl` (count attempts in stats.authCmds/authErrors).
   */
  readonly credentials: Credentials | null;
  /** Cluster members and version for `config get cluster` (ElastiCache auto-discovery). */
  readonly membership: Membership;
  /** Unix ms when the daemon started (memcached treats absolute exptimes before it as expired). */
  readonly processStartMs: number;
  /** What `version` answers: memcached-shaped, because clients parse it as \d+.\d+.\d+. */
  readonly memcachedVersion: string;
  /** shardcache's own version (stats `shardcache_version`, `--version`). */
  readonly shardcacheVersion: string;
  /** Entries for `stats [args]`, or null when the sub-command is unknown. */
  collectStats(args: readonly string[]): Promise<StatsEntries | null>;
  /** `stats reset`: zero the counters in every shard and the front end's totals. */
  resetStats(): Promise<void>;
  requestShutdown(reason: string): void;
}
