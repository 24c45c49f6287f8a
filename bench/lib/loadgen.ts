/**
 * A memcached text-protocol load generator with worker threads: N connections
 * split over T threads, each connection sending `pipeline` requests in one
 * write and waiting for all replies (as redis-benchmark -P and memtier do),
 * a get:set mix over a primed key space, a seeded PRNG, and a latency
 * histogram per request (measured from the batch's write to its reply).
 * Stops by itself after `seconds`; targets are whatever host:port it is given
 * (the bench runner only ever passes 127.0.0.1).
 */
import net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Histogram } from './histogram';

export interface LoadOptions {
  host: string;
  port: number;
  connections: number;
  pipeline: number;
  seconds: number;
  /** Fraction of requests that are gets (the rest are sets). */
  getRatio: number;
  valueSize: number;
  keySpace: number;
  threads: number;
  seed: number;
}

export interface LoadResult {
  ops: number;
  seconds: number;
  opsPerSec: number;
  errors: number;
  hits: number;
  misses: number;
  p50us: number;
  p99us: number;
  p999us: number;
}

interface WorkerReport {
  ops: number;
  errors: number;
  hits: number;
  misses: number;
  histogram: Float64Array;
  seconds: number;
}

/** Mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function keyName(i: number): string {
  return `key:${String(i).padStart(10, '0')}`;
}

const LF = 10;

/** Counts complete replies in a byte stream of get/set replies. */
class ReplyCounter {
  private pending: Buffer | null = null;
  private skipBytes = 0;
  hits = 0;
  misses = 0;
  errors = 0;
  private sawValue = false;

  /** Returns how many replies completed in this chunk. */
  push(chunk: Buffer): number {
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let done = 0;
    let at = 0;
    while (at < data.length) {
      if (this.skipBytes > 0) {
        const skip = Math.min(this.skipBytes, data.length - at);
        at += skip;
        this.skipBytes -= skip;
        continue;
      }
      const eol = data.indexOf(LF, at);
      if (eol < 0) break;
      const first = data[at];
      if (first === 0x56 /* V */) {
        // VALUE <key> <flags> <bytes>
        const line = data.toString('latin1', at, eol - 1);
        const bytes = Number(line.slice(line.lastIndexOf(' ') + 1));
        this.skipBytes = bytes + 2;
        this.sawValue = true;
      } else if (first === 0x45 /* E */ && data[at + 1] === 0x4e /* EN(D) */) {
        if (this.sawValue) this.hits++;
        else this.misses++;
        this.sawValue = false;
        done++;
      } else if (first === 0x53 /* S */ && data[at + 1] === 0x54 /* STORED */) {
        done++;
      } else {
        this.errors++;
        done++;
      }
      at = eol + 1;
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
    return done;
  }
}

async function runConnections(options: LoadOptions, connections: number, threadIndex: number): Promise<WorkerReport> {
  const histogram = new Histogram();
  const rand = prng(options.seed + threadIndex * 1000003);
  const value = 'x'.repeat(options.valueSize);
  const setTail = ` 0 0 ${options.valueSize}\r\n${value}\r\n`;
  let ops = 0;
  let errors = 0;
  let hits = 0;
  let misses = 0;
  const start = process.hrtime.bigint();
  const deadline = Date.now() + options.seconds * 1000;

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(options.port, options.host);
      socket.setNoDelay(true);
      const counter = new ReplyCounter();
      let outstanding = 0;
      let sentAt = 0n;
      const sendBatch = (): void => {
        if (Date.now() >= deadline) {
          socket.end();
          return;
        }
        let text = '';
        for (let i = 0; i < options.pipeline; i++) {
          const key = keyName(Math.floor(rand() * options.keySpace));
          text += rand() < options.getRatio ? `get ${key}\r\n` : `set ${key}${setTail}`;
        }
        outstanding = options.pipeline;
        sentAt = process.hrtime.bigint();
        socket.write(text);
      };
      socket.on('connect', sendBatch);
      socket.on('data', (chunk: Buffer) => {
        const done = counter.push(chunk);
        if (done === 0) return;
        const micros = Number(process.hrtime.bigint() - sentAt) / 1000;
        histogram.record(micros, done);
        ops += done;
        outstanding -= done;
        if (outstanding <= 0) sendBatch();
      });
      const finish = (): void => {
        errors += counter.errors;
        hits += counter.hits;
        misses += counter.misses;
        resolve();
      };
      socket.on('close', finish);
      socket.on('error', () => {
        errors++;
      });
    });

  await Promise.all(Array.from({ length: connections }, one));
  return { ops, errors, hits, misses, histogram: histogram.counts, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

/** Runs the load from `threads` worker threads and merges their results. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const perThread = Array.from({ length: options.threads }, (_, t) =>
    Math.floor(options.connections / options.threads) + (t < options.connections % options.threads ? 1 : 0),
  );
  const reports = await Promise.all(
    perThread.map(
      (connections, threadIndex) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: { options, connections, threadIndex } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  const histogram = new Histogram();
  let ops = 0;
  let errors = 0;
  let hits = 0;
  let misses = 0;
  let seconds = 0;
  for (const r of reports) {
    histogram.merge(new Histogram(r.histogram));
    ops += r.ops;
    errors += r.errors;
    hits += r.hits;
    misses += r.misses;
    seconds = Math.max(seconds, r.seconds);
  }
  return {
    ops,
    seconds,
    opsPerSec: Math.round(ops / seconds),
    errors,
    hits,
    misses,
    p50us: Math.round(histogram.quantile(0.5)),
    p99us: Math.round(histogram.quantile(0.99)),
    p999us: Math.round(histogram.quantile(0.999)),
  };
}

/** Writes `count` keys with pipelined sets so that gets hit. */
export async function primeKeys(host: string, port: number, count: number, valueSize: number): Promise<void> {
  const socket = net.connect(port, host);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const value = 'x'.repeat(valueSize);
  const batch = 1000;
  let received = 0;
  let expected = 0;
  let waiter: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === LF) received++;
    if (received >= expected && waiter !== null) waiter();
  });
  for (let start = 0; start < count; start += batch) {
    let text = '';
    const end = Math.min(count, start + batch);
    for (let i = start; i < end; i++) text += `set ${keyName(i)} 0 0 ${valueSize}\r\n${value}\r\n`;
    expected += end - start;
    socket.write(text);
    if (expected - received > 20 * batch) await new Promise<void>((resolve) => (waiter = resolve));
  }
  while (received < expected) await new Promise<void>((resolve) => (waiter = resolve));
  socket.destroy();
}

if (!isMainThread && workerData !== null && (workerData as { options?: LoadOptions }).options !== undefined) {
  const { options, connections, threadIndex } = workerData as { options: LoadOptions; connections: number; threadIndex: number };
  void runConnections(options, connections, threadIndex).then((report) => parentPort!.postMessage(report));
}
