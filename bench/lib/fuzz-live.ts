/**
 * The live-daemon fuzzer: starts the compiled daemon with its memcached and
 * RESP ports, throws seeded, mutated requests (bench/lib/fuzz-inputs.ts) at
 * it over many short connections — text, binary and RESP, in random TCP
 * splits, ended politely or abruptly — while one clean client per protocol
 * runs a checksummed set/get loop and verifies every reply byte for byte.
 *
 * Invariants: the daemon stays alive and answering (a clean op that takes
 * over CLEAN_TIMEOUT_MS counts as a hang), clean clients never see a wrong
 * value, another key's value or a misframed reply (a miss is allowed: fuzz
 * input may flush_all), and RSS stays bounded.
 * May import only node built-ins and bench/lib.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fuzzInput, prng, type FuzzProtocol, type Random } from './fuzz-inputs';
import { freePort, shardcacheNodeFlags } from './servers';

const SHARDCACHE_MAIN = path.join(__dirname, '..', '..', 'src', 'main.js');
/** A clean op slower than this means the daemon stopped answering. */
const CLEAN_TIMEOUT_MS = 5000;
/** How long an ended fuzz connection may stay open before we destroy it. */
const LINGER_MS = 3000;

export interface FuzzDaemon {
  pid: number;
  memcachePort: number;
  redisPort: number;
  child: ChildProcess;
  /** The last 8 KiB the daemon wrote to stderr. */
  stderrTail(): string;
  /** Set once the process exited: `code` or `signal`. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null;
}

/** Starts the daemon; `mainJs` defaults to this build's src/main.js (tests pass their SHARDCACHE_DIST one). */
export async function startFuzzDaemon(extraArgs: string[], mainJs = SHARDCACHE_MAIN): Promise<FuzzDaemon> {
  const memcachePort = await freePort();
  const redisPort = await freePort();
  const nodeFlags = mainJs === SHARDCACHE_MAIN ? shardcacheNodeFlags() : [];
  const child = spawn(
    process.execPath,
    [...nodeFlags, mainJs, '-p', String(memcachePort), '--redis-port', String(redisPort), '-l', '127.0.0.1', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('latin1')).slice(-8192);
  });
  const daemon: FuzzDaemon = { pid: child.pid!, memcachePort, redisPort, child, stderrTail: () => stderr, exit: null };
  child.once('exit', (code, signal) => (daemon.exit = { code, signal }));
  for (const port of [memcachePort, redisPort]) await waitForPort(port, daemon);
  return daemon;
}

async function waitForPort(port: number, daemon: FuzzDaemon, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (daemon.exit !== null) throw new Error(`daemon exited at start: ${daemon.stderrTail()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopFuzzDaemon(d: FuzzDaemon): Promise<void> {
  if (d.exit !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => d.child.kill('SIGKILL'), 10_000);
    d.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    d.child.kill('SIGTERM');
  });
}

export interface LiveFuzzOptions {
  seconds: number;
  seed: number;
  /** Concurrent fuzz connections (each replaced when it ends). */
  connections: number;
  /** Share of inputs mutated (the rest are valid requests). */
  mutateRate: number;
  onProgress?: (line: string) => void;
}

export interface CleanStats {
  ops: number;
  hits: number;
  misses: number;
  failures: number;
  /** The first few failures, verbatim. */
  failureSamples: string[];
  maxLatencyMs: number;
}

export interface LiveFuzzResult {
  seconds: number;
  inputs: number;
  bytesSent: number;
  connections: number;
  replyBytes: number;
  /** Error replies and socket events by type, e.g. `CLIENT_ERROR bad data chunk`, `-ERR Protocol error: ...`, `closed by server`. */
  errorsByType: Record<string, number>;
  clean: Record<'memcache' | 'redis', CleanStats>;
  rssStartBytes: number;
  rssMaxBytes: number;
  /** Null while the daemon lives; otherwise how it died and its last stderr. */
  death: string | null;
  /** Whether `version` / PING were answered after the run. */
  answeringAfter: boolean;
}

function readRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

function bump(map: Record<string, number>, key: string, n = 1): void {
  map[key] = (map[key] ?? 0) + n;
}

/** An error line's type: digits and quoted bytes folded so that counts group. */
function errorType(line: string): string {
  return line.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').slice(0, 72);
}

const TEXT_ERROR = /(?:^|\n)(ERROR|CLIENT_ERROR [^\r\n]{1,80}|SERVER_ERROR [^\r\n]{1,80}|-[A-Z]{2,16} [^\r\n]{1,80})\r\n/g;

/** Counts error lines in a text or RESP reply chunk (a line split across chunks may be missed: these are statistics). */
function countTextErrors(chunk: Buffer, errors: Record<string, number>): void {
  const text = chunk.toString('latin1');
  for (const m of text.matchAll(TEXT_ERROR)) bump(errors, errorType(m[1]!));
}

/** Frames binary replies and counts non-zero statuses; a bad magic is a misframed reply (a finding). */
class BinaryReplyCounter {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly errors: Record<string, number>) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (buf.length >= 24) {
      if (buf[0] !== 0x81) {
        bump(this.errors, 'binary reply with a bad magic (misframed)');
        this.broken = true;
        return;
      }
      const total = 24 + buf.readUInt32BE(8);
      if (buf.length < total) break;
      const status = buf.readUInt16BE(6);
      if (status !== 0) bump(this.errors, `binary status 0x${status.toString(16).padStart(4, '0')}`);
      buf = buf.subarray(total);
    }
    this.pending = Buffer.from(buf);
  }
}

interface FuzzCounters {
  inputs: number;
  bytesSent: number;
  connections: number;
  replyBytes: number;
  errors: Record<string, number>;
}

function int(rand: Random, n: number): number {
  return Math.floor(rand() * n);
}

/** One fuzz connection: a burst of (mostly mutated) inputs in random splits, then an ending. */
async function fuzzConnection(port: number, protocol: FuzzProtocol, rand: Random, mutateRate: number, c: FuzzCounters): Promise<void> {
  const parts: Buffer[] = [];
  const count = 1 + int(rand, 80);
  for (let i = 0; i < count; i++) parts.push(fuzzInput(protocol, rand, mutateRate));
  const special = rand();
  if (special < 0.01) parts.push(Buffer.alloc(100_000 + int(rand, 200_000), 0x61)); // a line that never ends
  else if (special < 0.02) parts.push(Buffer.from(`*${2 ** 31 - 2}\r\n$${2 ** 31}\r\n`));
  const bytes = Buffer.concat(parts);
  c.inputs += count;
  c.connections++;

  const socket = net.connect(port, '127.0.0.1');
  const binary = protocol === 'binary' && bytes[0] === 0x80 ? new BinaryReplyCounter(c.errors) : null;
  let closed = false;
  let closedByServer = true;
  const done = new Promise<void>((resolve) => {
    socket.on('close', () => {
      closed = true;
      resolve();
    });
  });
  socket.on('data', (d: Buffer) => {
    c.replyBytes += d.length;
    if (binary !== null) binary.push(d);
    else countTextErrors(d, c.errors);
  });
  socket.on('error', (err: NodeJS.ErrnoException) => bump(c.errors, `socket ${err.code ?? err.message}`));
  await new Promise<void>((resolve) => {
    socket.once('connect', resolve);
    socket.once('close', resolve);
  });
  for (let at = 0; at < bytes.length && !closed; ) {
    const n = Math.min(bytes.length - at, 1 + int(rand, rand() < 0.2 ? 16 : 4096));
    const ok = socket.write(bytes.subarray(at, at + n));
    c.bytesSent += n;
    at += n;
    if (!ok) {
      // The daemon stopped reading (backpressure): wait a while, then give up on this one.
      const drained = await Promise.race([
        new Promise<boolean>((r) => socket.once('drain', () => r(true))),
        done.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1000)),
      ]);
      if (!drained) break;
    } else if (rand() < 0.05) {
      await new Promise((r) => setImmediate(r));
    }
  }
  if (!closed) {
    closedByServer = false;
    const ending = rand();
    if (ending < 0.7) socket.end();
    else if (ending < 0.85) socket.destroy();
    else await new Promise((r) => setTimeout(r, int(rand, 30))).then(() => socket.destroy());
  }
  const timer = setTimeout(() => {
    bump(c.errors, 'connection lingered after our end (destroyed)');
    socket.destroy();
  }, LINGER_MS);
  await done;
  clearTimeout(timer);
  if (closedByServer) bump(c.errors, 'closed by server');
}

/** A strict request/reply client: one request at a time, the reply checked byte for byte. */
class CleanClient {
  private received: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private closedReason: string | null = null;
  readonly stats: CleanStats = { ops: 0, hits: 0, misses: 0, failures: 0, failureSamples: [], maxLatencyMs: 0 };
  /** The value each key was last set to, as sent. */
  private readonly values = new Map<string, Buffer>();
  private socket!: net.Socket;

  constructor(
    private readonly port: number,
    private readonly protocol: 'memcache' | 'redis',
    private readonly nonce: string,
    private readonly rand: Random,
  ) {}

  async connect(): Promise<void> {
    this.received = Buffer.alloc(0);
    this.closedReason = null;
    const socket = net.connect(this.port, '127.0.0.1');
    this.socket = socket;
    socket.setNoDelay(true);
    // Events of a replaced socket must not touch the current one's state.
    socket.on('data', (d: Buffer) => {
      if (socket !== this.socket) return;
      this.received = this.received.length === 0 ? d : Buffer.concat([this.received, d]);
      this.waiter?.();
    });
    socket.on('error', (err) => {
      if (socket === this.socket) this.closedReason = `socket error ${err.message}`;
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.closedReason ??= 'closed by server';
      this.waiter?.();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private fail(what: string): void {
    this.stats.failures++;
    if (this.stats.failureSamples.length < 5) this.stats.failureSamples.push(`${this.protocol}: ${what}`);
  }

  /** Sends `request`, waits until `parse` says the reply is complete (returns its length) or fails. */
  private async exchange(request: Buffer, parse: (b: Buffer) => number | 'bad'): Promise<Buffer | string> {
    const started = Date.now();
    this.socket.write(request);
    for (;;) {
      const n = this.received.length > 0 ? parse(this.received) : -1;
      if (n === 'bad') return `misframed reply ${JSON.stringify(this.received.subarray(0, 120).toString('latin1'))}`;
      if (n >= 0) {
        const reply = this.received.subarray(0, n);
        this.received = this.received.subarray(n);
        const latency = Date.now() - started;
        if (latency > this.stats.maxLatencyMs) this.stats.maxLatencyMs = latency;
        if (this.received.length > 0) return `bytes after the reply ${JSON.stringify(this.received.subarray(0, 80).toString('latin1'))}`;
        return reply;
      }
      if (this.closedReason !== null) return this.closedReason;
      const left = CLEAN_TIMEOUT_MS - (Date.now() - started);
      if (left <= 0) return `no reply within ${CLEAN_TIMEOUT_MS} ms (hang)`;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = null;
          resolve();
        };
      });
    }
  }

  private makeValue(key: string, seq: number): Buffer {
    const filler = Buffer.alloc(10 + int(this.rand, 3000), 0x30 + (seq % 40));
    const body = Buffer.concat([Buffer.from(`${key}|${seq}|`), filler]);
    let sum = 0;
    for (const b of body) sum = (sum * 31 + b) >>> 0;
    return Buffer.concat([body, Buffer.from(`|${sum.toString(16)}`)]);
  }

  /** One set then one get of a random clean key; every reply checked. Returns false after a failure (reconnects). */
  async step(seq: number): Promise<boolean> {
    // Both protocols share one keyspace: each client keeps to its own keys.
    const key = `clean-${this.nonce}-${this.protocol}-${int(this.rand, 200)}`;
    const value = this.makeValue(key, seq);
    const set = this.protocol === 'memcache' ? await this.memcacheSet(key, value, seq & 0xffff) : await this.redisSet(key, value);
    this.stats.ops++;
    if (set !== null) {
      this.fail(`set ${key}: ${set}`);
      return false;
    }
    this.values.set(key, value);
    const readKey = `clean-${this.nonce}-${this.protocol}-${int(this.rand, 200)}`;
    const got = this.protocol === 'memcache' ? await this.memcacheGet(readKey) : await this.redisGet(readKey);
    this.stats.ops++;
    if (typeof got === 'string') {
      this.fail(`get ${readKey}: ${got}`);
      return false;
    }
    if (got === null) {
      this.stats.misses++;
      return true;
    }
    const expected = this.values.get(readKey);
    if (expected === undefined || !expected.equals(got.value)) {
      this.fail(`get ${readKey}: wrong value ${JSON.stringify(got.value.subarray(0, 60).toString('latin1'))} (expected ${JSON.stringify(expected?.subarray(0, 60).toString('latin1') ?? 'a miss')})`);
      return false;
    }
    if (this.protocol === 'memcache' && got.flags !== Number(/\|(\d+)\|/.exec(expected.toString('latin1'))![1]) % 65536) {
      this.fail(`get ${readKey}: wrong flags ${got.flags}`);
      return false;
    }
    this.stats.hits++;
    return true;
  }

  private async memcacheSet(key: string, value: Buffer, flags: number): Promise<string | null> {
    const reply = await this.exchange(Buffer.concat([Buffer.from(`set ${key} ${flags} 0 ${value.length}\r\n`), value, Buffer.from('\r\n')]), (b) =>
      b.length < 8 ? (Buffer.from('STORED\r\n').subarray(0, b.length).equals(b) ? -1 : 'bad') : b.subarray(0, 8).toString() === 'STORED\r\n' ? 8 : 'bad',
    );
    return typeof reply === 'string' ? reply : null;
  }

  private async memcacheGet(key: string): Promise<{ value: Buffer; flags: number } | null | string> {
    const header = new RegExp(`^VALUE ${key} (\\d+) (\\d+)\\r\\n`);
    let parsed: { value: Buffer; flags: number } | null = null;
    const reply = await this.exchange(Buffer.from(`get ${key}\r\n`), (b) => {
      const text = b.toString('latin1', 0, Math.min(b.length, 300));
      if (text.startsWith('END\r\n')) return 5;
      if ('END\r\n'.startsWith(text)) return -1;
      const m = header.exec(text);
      if (m === null) return text.includes('\r\n') || b.length >= 300 ? 'bad' : -1;
      const start = m[0].length;
      const length = Number(m[2]);
      const total = start + length + 7;
      if (b.length < total) return -1;
      if (b.toString('latin1', start + length, total) !== '\r\nEND\r\n') return 'bad';
      parsed = { value: Buffer.from(b.subarray(start, start + length)), flags: Number(m[1]) };
      return total;
    });
    return typeof reply === 'string' ? reply : parsed;
  }

  private async redisSet(key: string, value: Buffer): Promise<string | null> {
    const request = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n`), value, Buffer.from('\r\n')]);
    const reply = await this.exchange(request, (b) =>
      b.length < 5 ? (Buffer.from('+OK\r\n').subarray(0, b.length).equals(b) ? -1 : 'bad') : b.subarray(0, 5).toString() === '+OK\r\n' ? 5 : 'bad',
    );
    return typeof reply === 'string' ? reply : null;
  }

  private async redisGet(key: string): Promise<{ value: Buffer; flags: number } | null | string> {
    let parsed: { value: Buffer; flags: number } | null = null;
    const reply = await this.exchange(Buffer.from(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`), (b) => {
      if (b[0] !== 0x24) return 'bad';
      const eol = b.indexOf('\r\n');
      if (eol < 0) return b.length > 20 ? 'bad' : -1;
      const length = Number(b.toString('latin1', 1, eol));
      if (length === -1) return eol + 2;
      if (!Number.isInteger(length) || length < 0) return 'bad';
      const total = eol + 2 + length + 2;
      if (b.length < total) return -1;
      if (b[total - 2] !== 0x0d || b[total - 1] !== 0x0a) return 'bad';
      parsed = { value: Buffer.from(b.subarray(eol + 2, eol + 2 + length)), flags: 0 };
      return total;
    });
    return typeof reply === 'string' ? reply : parsed;
  }
}

async function cleanLoop(client: CleanClient, deadline: () => boolean): Promise<void> {
  await client.connect();
  for (let seq = 1; !deadline(); seq++) {
    if (!(await client.step(seq))) {
      client.close();
      if (deadline()) break;
      try {
        await client.connect();
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
  client.close();
}

async function answers(port: number, request: string, expect: RegExp): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let got = '';
    const timer = setTimeout(() => (s.destroy(), resolve(false)), CLEAN_TIMEOUT_MS);
    s.on('data', (d) => {
      got += d.toString('latin1');
      if (expect.test(got)) {
        clearTimeout(timer);
        s.destroy();
        resolve(true);
      }
    });
    s.on('error', () => (clearTimeout(timer), resolve(false)));
  });
}

export async function runLiveFuzz(daemon: FuzzDaemon, o: LiveFuzzOptions): Promise<LiveFuzzResult> {
  const rand = prng(o.seed);
  const nonce = Math.floor(rand() * 2 ** 32).toString(16);
  const counters: FuzzCounters = { inputs: 0, bytesSent: 0, connections: 0, replyBytes: 0, errors: {} };
  const started = Date.now();
  const endAt = started + o.seconds * 1000;
  const over = (): boolean => Date.now() >= endAt || daemon.exit !== null;

  const memcache = new CleanClient(daemon.memcachePort, 'memcache', nonce, prng(o.seed + 1));
  const redis = new CleanClient(daemon.redisPort, 'redis', nonce, prng(o.seed + 2));
  const rssStart = readRss(daemon.pid);
  let rssMax = rssStart;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, readRss(daemon.pid));
  }, 250);
  const progress = setInterval(() => {
    o.onProgress?.(
      `${Math.round((Date.now() - started) / 1000)} s: ${counters.inputs} inputs, ${(counters.bytesSent / 1048576).toFixed(1)} MiB, ` +
        `${counters.connections} connections, clean ops ${memcache.stats.ops}+${redis.stats.ops} (failures ${memcache.stats.failures + redis.stats.failures}), RSS ${(readRss(daemon.pid) / 1048576).toFixed(0)} MiB`,
    );
  }, 10_000);

  const protocols: FuzzProtocol[] = ['text', 'text', 'binary', 'resp', 'resp'];
  const fuzzers = Array.from({ length: o.connections }, async (_, i) => {
    const r = prng(o.seed * 7919 + i);
    while (!over()) {
      const protocol = protocols[int(r, protocols.length)]!;
      await fuzzConnection(protocol === 'resp' ? daemon.redisPort : daemon.memcachePort, protocol, r, o.mutateRate, counters);
    }
  });
  await Promise.all([...fuzzers, cleanLoop(memcache, over), cleanLoop(redis, over)]);
  clearInterval(sampler);
  clearInterval(progress);
  rssMax = Math.max(rssMax, readRss(daemon.pid));

  const answeringAfter =
    daemon.exit === null &&
    (await answers(daemon.memcachePort, 'version\r\n', /^VERSION [^\r\n]+\r\n/)) &&
    (await answers(daemon.redisPort, 'PING\r\n', /^\+PONG\r\n/));
  const exit = daemon.exit as FuzzDaemon['exit'];
  return {
    seconds: (Date.now() - started) / 1000,
    inputs: counters.inputs,
    bytesSent: counters.bytesSent,
    connections: counters.connections,
    replyBytes: counters.replyBytes,
    errorsByType: counters.errors,
    clean: { memcache: memcache.stats, redis: redis.stats },
    rssStartBytes: rssStart,
    rssMaxBytes: rssMax,
    death: exit === null ? null : `exited with code ${exit.code} signal ${exit.signal}\n${daemon.stderrTail()}`,
    answeringAfter,
  };
}

export function formatLiveFuzz(r: LiveFuzzResult): string {
  const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;
  const lines = [
    `live fuzz: ${r.seconds.toFixed(0)} s, ${r.inputs} inputs, ${mib(r.bytesSent)} sent, ${r.connections} connections, ${mib(r.replyBytes)} of replies`,
    `daemon: ${r.death === null ? 'alive' : `DIED: ${r.death}`}; answering after the run: ${r.answeringAfter ? 'yes' : 'NO'}`,
    `RSS: ${mib(r.rssStartBytes)} at start, ${mib(r.rssMaxBytes)} max`,
  ];
  for (const [name, s] of Object.entries(r.clean)) {
    lines.push(`clean ${name}: ${s.ops} ops (${s.hits} hits, ${s.misses} misses), ${s.failures} failures, max latency ${s.maxLatencyMs} ms`);
    for (const f of s.failureSamples) lines.push(`  FAILURE ${f}`);
  }
  lines.push('errors seen, by type:');
  const sorted = Object.entries(r.errorsByType).sort((a, b) => b[1] - a[1]);
  for (const [type, n] of sorted.slice(0, 40)) lines.push(`  ${String(n).padStart(9)}  ${type}`);
  if (sorted.length > 40) lines.push(`  … ${sorted.length - 40} more types`);
  return lines.join('\n');
}
