/**
 * Runs Debian's memaslap (libmemcached-tools ships it as `memcaslap`) against
 * one server on 127.0.0.1 and parses its summary line
 * `Run time: 4.0s Ops: 373865 TPS: 93456 Net_rate: 16.0M/s`.
 * Text protocol, or the binary protocol with `binary`.
 * Bounded: memaslap stops itself after `seconds`; it is killed (by its PID)
 * if it is still running 30 s after that.
 */
import { spawn } from 'node:child_process';
import { findBinary } from './servers';

export interface MemaslapOptions {
  port: number;
  seconds: number;
  threads: number;
  concurrency: number;
  valueSize: number;
  /** memaslap -B: the binary protocol. */
  binary?: boolean;
}

export interface MemaslapResult {
  ops: number;
  opsPerSec: number;
  seconds: number;
  getMisses: number;
  output: string;
}

export function memaslapBinary(): string | null {
  return findBinary('memcaslap') ?? findBinary('memaslap');
}

export function memaslapArgs(o: MemaslapOptions): string[] {
  return ['-s', `127.0.0.1:${o.port}`, '-T', String(o.threads), '-c', String(o.concurrency), '-t', `${o.seconds}s`, '-X', String(o.valueSize), ...(o.binary === true ? ['-B'] : [])];
}

export async function runMemaslap(options: MemaslapOptions): Promise<MemaslapResult> {
  const binary = memaslapBinary();
  if (binary === null) throw new Error('memaslap is not installed (apt-get install libmemcached-tools)');
  const child = spawn(binary, memaslapArgs(options), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const killer = setTimeout(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, (options.seconds + 30) * 1000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  const m = /Run time: ([\d.]+)s Ops: (\d+) TPS: (\d+)/.exec(output);
  if (m === null) throw new Error(`memaslap exited ${code} without a TPS line:\n${output}`);
  const misses = /get_misses: (\d+)/.exec(output);
  return { seconds: Number(m[1]), ops: Number(m[2]), opsPerSec: Number(m[3]), getMisses: misses === null ? 0 : Number(misses[1]), output };
}
