/**
 * Starts the servers under test on 127.0.0.1 (shardcache from dist/, Debian's
 * memcached when installed), reads their CPU time and RSS from /proc, and
 * stops them by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface ServerUnderTest {
  name: string;
  /** The port the load goes to (shardcache's RESP port when it is compared with redis-server). */
  port: number;
  /** A memcached-protocol port for `stats` (evictions, bytes), or null (redis-server). */
  statsPort: number | null;
  pid: number;
  process: ChildProcess;
}

const CLOCK_TICKS_PER_SECOND = 100;

export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listening on ${port}`);
}

const SHARDCACHE_MAIN = path.join(__dirname, '..', '..', 'src', 'main.js');

/**
 * The node flags shardcache is shipped with, read from the shebang of the
 * built executable (`#!/usr/bin/env -S node --flag …`), so that the bench
 * starts it as `npm start`, the bin and Docker do.
 */
export function shardcacheNodeFlags(): string[] {
  const first = fs.readFileSync(SHARDCACHE_MAIN, 'utf8').split('\n', 1)[0] ?? '';
  const m = /^#!\S*env\s+(?:-S\s+)?node((?:\s+-\S+)*)\s*$/.exec(first);
  return m === null ? [] : m[1]!.trim().split(/\s+/).filter((f) => f !== '');
}

/**
 * Starts shardcache; with `resp` it also opens the RESP port and the load goes there.
 * `nodeFlags` replaces the shipped node flags and `pipeStdout` keeps the process's stdout
 * readable (bench/gc-stability.ts reads V8's --trace-gc lines there).
 */
export async function startShardcache(args: string[], resp = false, nodeFlags = shardcacheNodeFlags(), pipeStdout = false): Promise<ServerUnderTest> {
  const port = await freePort();
  const redisPort = resp ? await freePort() : 0;
  const child = spawn(
    process.execPath,
    [...nodeFlags, SHARDCACHE_MAIN, '-p', String(port), '-l', '127.0.0.1', ...(resp ? ['--redis-port', String(redisPort)] : []), ...args],
    { stdio: ['ignore', pipeStdout ? 'pipe' : 'ignore', 'ignore'] },
  );
  await waitForPort(port);
  if (resp) await waitForPort(redisPort);
  return { name: 'shardcache', port: resp ? redisPort : port, statsPort: port, pid: child.pid!, process: child };
}

const NODE_FLOOR_MAIN = path.join(__dirname, 'node-floor-server.js');

/**
 * The one-thread Node floor server (bench/lib/node-floor-server.ts) with its memcached text
 * port; plain node, no flags: it is the least a Node server does per request, not a product.
 */
export async function startNodeFloor(): Promise<ServerUnderTest> {
  const port = await freePort();
  const respPort = await freePort();
  const child = spawn(process.execPath, [NODE_FLOOR_MAIN, String(port), String(respPort)], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'node-floor', port, statsPort: null, pid: child.pid!, process: child };
}

/** Debian's redis-server without persistence (`--save '' --appendonly no`), or null when not installed. */
export async function startRedis(args: string[]): Promise<ServerUnderTest | null> {
  const binary = findBinary('redis-server');
  if (binary === null) return null;
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...args], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  return { name: 'redis-server', port, statsPort: null, pid: child.pid!, process: child };
}

export function redisVersion(): string {
  const binary = findBinary('redis-server');
  if (binary === null) return 'redis-server not installed';
  return execFileSync(binary, ['--version']).toString().trim().split(' ').slice(0, 3).join(' ');
}

export async function startMemcached(args: string[]): Promise<ServerUnderTest | null> {
  const binary = findBinary('memcached');
  if (binary === null) return null;
  const port = await freePort();
  const asRoot = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const child = spawn(binary, ['-p', String(port), '-l', '127.0.0.1', '-U', '0', ...asRoot, ...args], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'memcached', port, statsPort: port, pid: child.pid!, process: child };
}

export function memcachedVersion(): string {
  const binary = findBinary('memcached');
  if (binary === null) return 'not installed';
  return execFileSync(binary, ['-V']).toString().trim();
}

/** User + system CPU seconds of a process and all its threads. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuSplit(pid);
  return user + system;
}

/** User and system CPU seconds of a process (all threads), or of one thread when `tid` is given. */
export function cpuSplit(pid: number, tid?: number): { user: number; system: number } {
  const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // Fields after the command: state is [0]; utime is field 14 → index 11, stime index 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND };
}

export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

export async function stopServer(server: ServerUnderTest): Promise<void> {
  if (server.process.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => server.process.kill('SIGKILL'), 5000);
    server.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(server.pid, 'SIGTERM');
  });
}

/** The `stats` reply of a server on 127.0.0.1 as name → value (at most 10 s). */
export async function serverStats(port: number): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`stats on port ${port}: no END within 10 s`));
    }, 10000);
    socket.once('connect', () => socket.write('stats\r\n'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.endsWith('END\r\n')) return;
      clearTimeout(timer);
      socket.destroy();
      const stats: Record<string, string> = {};
      for (const line of text.split('\r\n')) {
        const m = /^STAT (\S+) (.*)$/.exec(line);
        if (m !== null) stats[m[1]!] = m[2]!;
      }
      resolve(stats);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak seen. */
export function rssSampler(pid: number, intervalMs = 20): { stop: () => number } {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // process gone
    }
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssBytes(pid));
      } catch {
        // process gone
      }
      return peak;
    },
  };
}
