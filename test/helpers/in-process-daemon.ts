/**
 * Runs the compiled daemon (from DIST_DIR, so its shard workers load the
 * same dist/ JavaScript as in production) inside the test process, for tests
 * that must reach its internals: the router, the worker pool, the logger.
 * May import test helpers, and from src/ only types (the running code must
 * come from the build, never from src/ through ts-jest).
 */
import * as path from 'node:path';
import type * as DaemonModule from '../../src/daemon';
import type { Config } from '../../src/config/config';
import { DIST_DIR } from './daemon';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Daemon } = require(path.join(DIST_DIR, 'src', 'daemon')) as typeof DaemonModule;

export type InProcessDaemon = InstanceType<typeof Daemon>;

/** Two shards on loopback, no Redis/admin port, 64 MiB: tests override what they need. */
export const IN_PROCESS_BASE_CONFIG: Config = {
  port: 0,
  idleTimeoutSeconds: 0,
  shutdownTimeoutSeconds: 10,
  redisPort: 0,
  redisCluster: false,
  adminPort: 0,
  cluster: { kind: 'self' },
  tls: null,
  listen: ['127.0.0.1'],
  unixSocket: null,
  unixMask: 0o700,
  memoryLimitNote: null,
  memoryLimitBytes: 64 * 1024 * 1024,
  connLimit: 1024,
  threads: 2,
  maxItemSize: 1024 * 1024,
  growthFactor: 1.25,
  slabMinSize: 48,
  verbosity: 0,
  enableShutdown: false,
  enableSasl: false,
  authFile: null,
};

/** Starts a daemon with the base config plus `overrides`; its warnings are collected in `warnings` instead of printed. */
export async function startInProcessDaemon(overrides: Partial<Config>): Promise<{ daemon: InProcessDaemon; warnings: string[] }> {
  const daemon = new Daemon({ ...IN_PROCESS_BASE_CONFIG, ...overrides });
  const warnings: string[] = [];
  daemon.logger.warn = (m: string) => void warnings.push(m);
  await daemon.start();
  return { daemon, warnings };
}
