/**
 * Default values and accepted ranges, memcached's unless noted. `help.ts`
 * prints these and `load.ts` enforces them, so the two cannot drift.
 * May import only node built-ins.
 */

import os from 'node:os';

export const KIB = 1024;
export const MIB = 1024 * KIB;
export const GIB = 1024 * MIB;

export const DEFAULTS = {
  port: 11211,
  /** memcached listens on INADDR_ANY; we default to loopback (the Dockerfile sets 0.0.0.0). */
  listen: ['127.0.0.1'] as readonly string[],
  unixMask: 0o700,
  memoryLimitBytes: 64 * MIB,
  connLimit: 1024,
  maxItemSize: 1 * MIB,
  growthFactor: 1.25,
  slabMinSize: 48,
  verbosity: 0,
  logFormat: 'text' as 'text' | 'json',
  /** Redis's slowlog-log-slower-than and slowlog-max-len. */
  slowlogThresholdUs: 10_000,
  slowlogMaxLen: 128,
  hotKeys: true,
  prefixDelimiter: ':',
  idleTimeoutSeconds: 0,
  shutdownTimeoutSeconds: 10,
  redisPort: 0,
  adminPort: 0,
  clusterDnsIntervalSeconds: 5,
  enableShutdown: false,
  enableSasl: false,
  redisCluster: false,
  unsafeNoAuth: false,
  /** The shard watchdog (ShardPool batchTimeoutMs). */
  shardTimeoutSeconds: 10,
  /** Redis's client-output-buffer-limit for normal clients is 0 (none); a cache answering 1 MB values needs one. */
  maxOutputBufferBytes: 64 * MIB,
  maxKeysPerGet: 100_000,
  /** Arguments per RESP request: the `*<count>` bound older Redis releases hard-coded (1024*1024). */
  maxMultibulkLen: 1024 * 1024,
  /** --proto-max-bulk-len defaults to the max item size plus this, so a value just too large gets Redis's size error. */
  protoBulkLenMarginBytes: 64 * KIB,
} as const;

export const LIMITS = {
  minThreads: 1,
  /** Not memcached's (it has none); a worker per shard makes more than this a mistake. */
  maxThreads: 256,
  minConnLimit: 1,
  maxConnLimit: 2 ** 31 - 1,
  /** memcached: "Item max size cannot be less than 1024 bytes." */
  minItemSize: 1 * KIB,
  /** memcached allows 1 GB; a slab page is one item, and 128m pages are already coarse. */
  maxItemSize: 128 * MIB,
  /** Room for two of the smallest allowed items (see the -I ≤ -m/2 rule). */
  minMemoryLimitBytes: 2 * KIB,
  maxMemoryLimitBytes: 1024 * GIB,
  minSlabMinSize: 1,
  maxVerbosity: 3,
  /** Linux `sun_path` holds 108 bytes including the terminating NUL. */
  maxUnixSocketPathBytes: 107,
  maxUnixMask: 0o777,
} as const;

/** One shard per CPU the process may use, as `-t` defaults to the core count. */
/**
 * One shard per core but one: the front thread needs a core of its own. Measured
 * on 2 cores (bench --shardcache-args "-t 1" vs "-t 2", same presets): one shard
 * was ahead or level everywhere (get:set p1 0.87× vs 0.75× memcached, RESP p16
 * 0.65× vs 0.53× redis-server) at less CPU per op.
 */
export function defaultThreads(): number {
  return Math.min(LIMITS.maxThreads, Math.max(LIMITS.minThreads, os.availableParallelism() - 1));
}
