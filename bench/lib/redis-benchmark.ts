/**
 * Runs Debian's redis-benchmark (redis-tools) against one server on 127.0.0.1:
 * `-t set,get -P <pipeline> -c <clients> -d <size> -r <keyspace> -n <requests> --csv`,
 * and parses its CSV summary (one row per test: rps and latency quantiles in ms).
 * Bounded: killed by its PID if still running `timeoutSeconds` after start.
 */
import { spawn } from 'node:child_process';
import { findBinary } from './servers';

export interface RedisBenchmarkOptions {
  port: number;
  pipeline: number;
  clients: number;
  valueSize: number;
  keySpace: number;
  /** Requests per test (set, then get). */
  requests: number;
  timeoutSeconds: number;
}

export interface RedisBenchmarkRow {
  test: string;
  rps: number;
  p50ms: number;
  p99ms: number;
}

export function redisBenchmarkBinary(): string | null {
  return findBinary('redis-benchmark');
}

export function redisBenchmarkArgs(o: RedisBenchmarkOptions): string[] {
  return [
    '-h', '127.0.0.1', '-p', String(o.port), '-t', 'set,get', '-P', String(o.pipeline), '-c', String(o.clients),
    '-d', String(o.valueSize), '-r', String(o.keySpace), '-n', String(o.requests), '--csv',
  ];
}

export async function runRedisBenchmark(options: RedisBenchmarkOptions): Promise<RedisBenchmarkRow[]> {
  const binary = redisBenchmarkBinary();
  if (binary === null) throw new Error('redis-benchmark is not installed (apt-get install redis-tools)');
  const child = spawn(binary, redisBenchmarkArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, options.timeoutSeconds * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const rows: RedisBenchmarkRow[] = [];
  for (const line of output.split('\n')) {
    const cells = line.trim().split(',').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 7 || cells[0] === 'test' || !/^\d/.test(cells[1] ?? '')) continue;
    rows.push({ test: cells[0]!, rps: Number(cells[1]), p50ms: Number(cells[4]), p99ms: Number(cells[6]) });
  }
  if (rows.length === 0) throw new Error(`redis-benchmark exited ${code} without CSV rows:\n${output.slice(0, 2000)}`);
  return rows;
}
