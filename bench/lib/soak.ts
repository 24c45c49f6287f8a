/**
 * A soak workload for the memcached text protocol: many connections doing a
 * mix of sets (some with short TTLs), gets, multi-gets and deletes over a key
 * space larger than the memory limit (so the server evicts and expires all the
 * time), with connections closed and reopened as they go. Every value carries
 * its own key and checksum, so any hit whose bytes are not exactly what some
 * client stored under that key — another key's value, a torn value — counts as
 * corruption. Samples the server's RSS and the clients' p99 every second.
 * Stops by itself after `seconds`; targets 127.0.0.1 only.
 */
import net from 'node:net';
import { Histogram } from './histogram';
import { prng } from './prng';

export interface SoakOptions {
  port: number;
  /** The server's PID, for RSS samples from /proc. */
  pid: number;
  seconds: number;
  connections: number;
  keySpace: number;
  minValueSize: number;
  maxValueSize: number;
  /** A connection closes and reopens after this many requests on average. */
  requestsPerConnection: number;
  seed: number;
}

export interface SoakSample {
  /** Seconds since the start. */
  t: number;
  rssBytes: number;
  opsPerSec: number;
  p99us: number;
}

export interface SoakResult {
  ops: number;
  hits: number;
  misses: number;
  /** Values returned that did not match their key or checksum. */
  corrupt: number;
  /** Replies that were not what the command allows (errors, garbage), and socket errors. */
  errors: number;
  firstError: string;
  reconnects: number;
  samples: SoakSample[];
  p99us: number;
}

/** FNV-1a, 32 bit: enough to tell a torn or foreign value from the one written. */
function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}


/**
 * `<key>#<fill seed>#<checksum>#` then filler bytes derived from the seed, to
 * `size` bytes. The checksum covers the filler, so the value checks itself.
 */
export function makeValue(key: string, size: number, fillSeed: number): Buffer {
  const header = `${key}#${fillSeed}#`;
  const fillerLength = Math.max(0, size - header.length - 9);
  const filler = Buffer.allocUnsafe(fillerLength);
  let x = fillSeed >>> 0 || 1;
  for (let i = 0; i < fillerLength; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    filler[i] = 0x21 + ((x >>> 0) % 94);
  }
  const sum = fnv1a(filler, 0, fillerLength).toString(16).padStart(8, '0');
  return Buffer.concat([Buffer.from(`${header}${sum}#`), filler]);
}

/** True when `value` is a well-formed value written for `key`. */
export function checkValue(key: string, value: Buffer): boolean {
  const text = value.toString('latin1', 0, Math.min(value.length, key.length + 40));
  if (!text.startsWith(`${key}#`)) return false;
  const parts = text.slice(key.length + 1).split('#');
  if (parts.length < 3) return false;
  const fillSeed = Number(parts[0]);
  const headerLength = key.length + 1 + parts[0]!.length + 1 + 9;
  if (!Number.isInteger(fillSeed) || parts[1]!.length !== 8) return false;
  const expected = makeValue(key, value.length, fillSeed);
  return headerLength <= value.length && expected.equals(value);
}

type Expect = { kind: 'stored' } | { kind: 'deleted' } | { kind: 'values'; keys: string[] };

/** Parses replies in order for one connection (one request outstanding at a time). */
class ReplyReader {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly onReply: (lines: { line: string; data: Buffer | null }[] | null, bad: string) => void) {}

  private pending: Expect | null = null;
  private parts: { line: string; data: Buffer | null }[] = [];

  expect(e: Expect): void {
    this.pending = e;
    this.parts = [];
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.pending !== null) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return;
      const line = this.buffer.toString('latin1', 0, eol);
      if (this.pending.kind !== 'values') {
        this.buffer = this.buffer.subarray(eol + 2);
        const ok = this.pending.kind === 'stored' ? line === 'STORED' : line === 'DELETED' || line === 'NOT_FOUND';
        this.finish(ok ? [{ line, data: null }] : null, line);
        continue;
      }
      if (line === 'END') {
        this.buffer = this.buffer.subarray(eol + 2);
        this.finish(this.parts, '');
        continue;
      }
      const m = /^VALUE (\S+) (\d+) (\d+)$/.exec(line);
      if (m === null) {
        this.buffer = this.buffer.subarray(eol + 2);
        this.finish(null, line);
        continue;
      }
      const length = Number(m[3]);
      if (this.buffer.length < eol + 2 + length + 2) return;
      const data = Buffer.from(this.buffer.subarray(eol + 2, eol + 2 + length));
      this.buffer = this.buffer.subarray(eol + 2 + length + 2);
      this.parts.push({ line: m[1]!, data });
    }
  }

  private finish(lines: { line: string; data: Buffer | null }[] | null, bad: string): void {
    this.pending = null;
    this.onReply(lines, bad);
  }
}

function readRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string);
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const result: SoakResult = { ops: 0, hits: 0, misses: 0, corrupt: 0, errors: 0, firstError: '', reconnects: 0, samples: [], p99us: 0 };
  const overall = new Histogram();
  let window = new Histogram();
  let windowOps = 0;
  const start = Date.now();
  const deadline = start + o.seconds * 1000;
  const fail = (what: string): void => {
    result.errors++;
    if (result.firstError === '') result.firstError = what.slice(0, 200);
  };

  const sampler = setInterval(() => {
    result.samples.push({
      t: Math.round((Date.now() - start) / 100) / 10,
      rssBytes: readRss(o.pid),
      opsPerSec: windowOps,
      p99us: Math.round(window.quantile(0.99)),
    });
    window = new Histogram();
    windowOps = 0;
  }, 1000);

  const key = (i: number): string => `soak:${i}`;

  const oneConnection = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const rand = prng(o.seed * 7919 + index);
      const connect = (): void => {
        if (Date.now() >= deadline) return resolve();
        const socket = net.connect(o.port, '127.0.0.1');
        socket.setNoDelay(true);
        let left = Math.max(1, Math.round(o.requestsPerConnection * (0.5 + rand())));
        let sentAt = 0;
        let closedByUs = false;
        const reader = new ReplyReader((parts, bad) => {
          const micros = (performance.now() - sentAt) * 1000;
          overall.record(micros);
          window.record(micros);
          windowOps++;
          result.ops++;
          if (parts === null) fail(`unexpected reply line: ${JSON.stringify(bad)}`);
          else if (expecting?.kind === 'values') {
            for (const { line, data } of parts) {
              if (!expecting.keys.includes(line) || data === null || !checkValue(line, data)) {
                result.corrupt++;
                if (result.firstError === '') result.firstError = `corrupt value for ${line}: ${data?.toString('latin1', 0, 60)}`;
              }
            }
            result.hits += parts.length;
            result.misses += new Set(expecting.keys).size - parts.length;
          }
          next();
        });
        let expecting: Expect | null = null;
        const next = (): void => {
          if (Date.now() >= deadline || --left <= 0) {
            closedByUs = true;
            socket.end();
            return;
          }
          const r = rand();
          const k = Math.floor(rand() * o.keySpace);
          let request: Buffer | string;
          if (r < 0.3) {
            const size = o.minValueSize + Math.floor(rand() * (o.maxValueSize - o.minValueSize));
            const value = makeValue(key(k), size, Math.floor(rand() * 0xffffffff) + 1);
            // A quarter of the sets expire within seconds, so expiry runs alongside eviction.
            const ttl = rand() < 0.25 ? 1 + Math.floor(rand() * 4) : 0;
            request = Buffer.concat([Buffer.from(`set ${key(k)} 0 ${ttl} ${value.length}\r\n`), value, Buffer.from('\r\n')]);
            expecting = { kind: 'stored' };
          } else if (r < 0.85) {
            request = `get ${key(k)}\r\n`;
            expecting = { kind: 'values', keys: [key(k)] };
          } else if (r < 0.97) {
            const keys = Array.from({ length: 10 + Math.floor(rand() * 40) }, () => key(Math.floor(rand() * o.keySpace)));
            request = `get ${keys.join(' ')}\r\n`;
            expecting = { kind: 'values', keys };
          } else {
            request = `delete ${key(k)}\r\n`;
            expecting = { kind: 'deleted' };
          }
          reader.expect(expecting);
          sentAt = performance.now();
          socket.write(request);
        };
        socket.on('connect', next);
        socket.on('data', (chunk: Buffer) => reader.push(chunk));
        socket.on('error', (err) => fail(`socket error: ${err.message}`));
        socket.on('close', () => {
          if (!closedByUs) fail('connection closed by the server');
          result.reconnects++;
          connect();
        });
      };
      connect();
    });

  // Hard stop in case the server hangs: nothing may outlive the run by more than 15 s.
  await Promise.race([
    Promise.all(Array.from({ length: o.connections }, (_, i) => oneConnection(i))),
    new Promise((resolve) => setTimeout(resolve, o.seconds * 1000 + 15000).unref()),
  ]);
  clearInterval(sampler);
  result.p99us = Math.round(overall.quantile(0.99));
  return result;
}

/**
 * RSS growth over the second half of the run: the median RSS of the last
 * quarter minus the median of the second quarter. A leak grows steadily and
 * shows; a single GC step or allocator burst (what peaks would catch) does not.
 */
export function secondHalfGrowth(samples: readonly SoakSample[]): number {
  if (samples.length < 8) return 0;
  const q = Math.floor(samples.length / 4);
  const median = (xs: SoakSample[]): number => {
    const sorted = xs.map((s) => s.rssBytes).sort((a, b) => a - b);
    return sorted[sorted.length >> 1]!;
  };
  return median(samples.slice(samples.length - q)) - median(samples.slice(q, 2 * q));
}

/**
 * Writes values of the soak's size mix with pipelined sets until the server
 * reports evictions (the cache is full), so that a soak measures the steady
 * state rather than the fill. The same mix matters: slab classes get pages in
 * the proportions the soak then uses. Bounded: gives up after `maxBytes` written.
 */
export async function fillUntilEvicting(port: number, minValueSize: number, maxValueSize: number, maxBytes = 1 << 30): Promise<number> {
  const rand = prng(12345);
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let waiter: (() => void) | null = null;
  socket.on('data', (d: Buffer) => {
    text += d.toString('latin1');
    if (waiter !== null) waiter();
  });
  const request = async (payload: string | Buffer, done: (t: string) => boolean): Promise<string> => {
    text = '';
    socket.write(payload);
    while (!done(text)) await new Promise<void>((resolve) => (waiter = resolve));
    waiter = null;
    return text;
  };
  let written = 0;
  try {
    for (let batch = 0; written < maxBytes; batch++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 256; i++) {
        const key = `fill:${batch}:${i}`;
        const size = minValueSize + Math.floor(rand() * (maxValueSize - minValueSize));
        const value = makeValue(key, size, batch * 256 + i + 1);
        parts.push(Buffer.from(`set ${key} 0 0 ${value.length} noreply\r\n`), value, Buffer.from('\r\n'));
        written += value.length;
      }
      parts.push(Buffer.from('stats\r\n'));
      const stats = await request(Buffer.concat(parts), (t) => t.endsWith('END\r\n'));
      const evictions = Number(/STAT evictions (\d+)/.exec(stats)?.[1] ?? 0);
      if (evictions > 0) return written;
    }
    return written;
  } finally {
    socket.destroy();
  }
}
