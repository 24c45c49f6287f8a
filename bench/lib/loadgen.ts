/**
 * A memcached text-protocol load generator with worker threads: N connections
 * split over T threads, each connection sending `pipeline` requests in one
 * write and waiting for all replies (as redis-benchmark -P and memtier do),
 * a get:set mix over a primed key space, a seeded PRNG, and a latency
 * histogram per request (measured from the batch's write to its reply).
 * Options: multi-get (`get k1 … kN`), uniform or seeded Zipf key choice, and
 * idle connections (opened first, silent for the whole run).
 * Stops by itself after `seconds` (sockets still open 10 s past the deadline
 * are destroyed); targets are whatever host:port it is given (the bench
 * runner only ever passes 127.0.0.1).
 */
import net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Histogram } from './histogram';
import { prng } from './prng';

/** The wire protocol the generator speaks: memcached text (`get`/`set`) or RESP (`GET`/`SET`). */
export type LoadProtocol = 'memcache' | 'resp';

export interface LoadOptions {
  host: string;
  port: number;
  /** Default memcache. RESP sends GET/SET (and MGET for multi-key gets) as RESP2 arrays. */
  protocol?: LoadProtocol;
  connections: number;
  pipeline: number;
  seconds: number;
  /** Fraction of requests that are gets (the rest are sets). */
  getRatio: number;
  valueSize: number;
  keySpace: number;
  threads: number;
  seed: number;
  /** Keys per get request: 1 (default) sends `get k`, N > 1 sends `get k1 … kN`. */
  keysPerGet?: number;
  /** Key choice over [0, keySpace): uniform (default) or Zipf with exponent `zipfS`. */
  keyDistribution?: 'uniform' | 'zipf';
  /** Zipf exponent s (P(rank k) ∝ 1/k^s); default 0.99. */
  zipfS?: number;
  /** Connections opened before the load starts and kept open and silent until it ends. */
  idleConnections?: number;
}

export interface LoadResult {
  ops: number;
  seconds: number;
  opsPerSec: number;
  errors: number;
  hits: number;
  misses: number;
  /** VALUE blocks received (keys found; equals `hits` for single-key gets). */
  values: number;
  /** Idle connections that were open when the load started. */
  idleOpen: number;
  /** The first error reply seen (empty when none). */
  firstError: string;
  p50us: number;
  p99us: number;
  p999us: number;
}

interface WorkerReport {
  ops: number;
  errors: number;
  hits: number;
  misses: number;
  values: number;
  idleOpen: number;
  firstError: string;
  histogram: Float64Array;
  seconds: number;
}


/**
 * Seeded Zipf sampler over ranks 0..n-1 (rank 0 the hottest): P(rank k) ∝
 * 1/(k+1)^s. A cumulative table of n doubles and a binary search per sample,
 * exact for any s ≥ 0; feed it uniform numbers from a seeded PRNG.
 */
export class ZipfSampler {
  readonly #cdf: Float64Array;

  constructor(n: number, s: number) {
    if (!(n >= 1) || !Number.isInteger(n)) throw new Error(`Zipf n must be a positive integer, got ${n}`);
    this.#cdf = new Float64Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      sum += 1 / Math.pow(k + 1, s);
      this.#cdf[k] = sum;
    }
    for (let k = 0; k < n; k++) this.#cdf[k]! /= sum;
    this.#cdf[n - 1] = 1;
  }

  /** The probability of rank k. */
  probability(k: number): number {
    return this.#cdf[k]! - (k === 0 ? 0 : this.#cdf[k - 1]!);
  }

  /** Maps a uniform u in [0, 1) to a rank. */
  sample(u: number): number {
    let lo = 0;
    let hi = this.#cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** A seeded key chooser for the options' distribution. */
export function keyChooser(options: Pick<LoadOptions, 'keySpace' | 'keyDistribution' | 'zipfS'>, rand: () => number): () => number {
  if (options.keyDistribution === 'zipf') {
    const zipf = new ZipfSampler(options.keySpace, options.zipfS ?? 0.99);
    return () => zipf.sample(rand());
  }
  return () => Math.floor(rand() * options.keySpace);
}

export function keyName(i: number): string {
  return `key:${String(i).padStart(10, '0')}`;
}

const LF = 10;

/** Counts complete replies in a byte stream of get/set replies (a multi-get's reply is one, ending at END). */
export class ReplyCounter {
  private pending: Buffer | null = null;
  private skipBytes = 0;
  hits = 0;
  misses = 0;
  errors = 0;
  values = 0;
  /** The first reply line that was not VALUE/END/STORED (for the report). */
  firstError = '';
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
        this.values++;
      } else if (first === 0x45 /* E */ && data[at + 1] === 0x4e /* EN(D) */) {
        if (this.sawValue) this.hits++;
        else this.misses++;
        this.sawValue = false;
        done++;
      } else if (first === 0x53 /* S */ && data[at + 1] === 0x54 /* STORED */) {
        done++;
      } else {
        this.errors++;
        if (this.firstError === '') this.firstError = data.toString('latin1', at, Math.min(eol, at + 120)).trimEnd();
        done++;
      }
      at = eol + 1;
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
    return done;
  }
}

/**
 * Counts complete RESP2 replies of GET/SET/MGET: `$<n>` bulk (hit, `$-1` miss),
 * `+OK`, `*<n>` MGET arrays (one reply; each non-null element is a value), `-ERR` errors.
 */
export class RespReplyCounter {
  private pending: Buffer | null = null;
  private skipBytes = 0;
  /** Elements still owed by the MGET array being read (0 = none open). */
  private arrayLeft = 0;
  private arrayHadValue = false;
  hits = 0;
  misses = 0;
  errors = 0;
  values = 0;
  firstError = '';

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
        if (this.skipBytes === 0) done += this.elementDone();
        continue;
      }
      const eol = data.indexOf(LF, at);
      if (eol < 0) break;
      const first = data[at];
      if (first === 0x24 /* $ */) {
        const length = Number(data.toString('latin1', at + 1, eol - 1));
        if (length < 0) {
          if (this.arrayLeft === 0) this.misses++;
          done += this.elementDone();
        } else {
          this.values++;
          if (this.arrayLeft === 0) this.hits++;
          else this.arrayHadValue = true;
          this.skipBytes = length + 2;
        }
      } else if (first === 0x2a /* * */) {
        this.arrayLeft = Number(data.toString('latin1', at + 1, eol - 1));
        this.arrayHadValue = false;
        if (this.arrayLeft <= 0) {
          this.arrayLeft = 0;
          this.misses++;
          done++;
        }
      } else if (first === 0x2b /* + */) {
        done++;
      } else {
        this.errors++;
        if (this.firstError === '') this.firstError = data.toString('latin1', at, Math.min(eol, at + 120)).trimEnd();
        done++;
      }
      at = eol + 1;
    }
    if (at < data.length) this.pending = Buffer.from(data.subarray(at));
    return done;
  }

  /** A bulk element ended: a reply of its own, or one element of an MGET array. */
  private elementDone(): number {
    if (this.arrayLeft === 0) return 1;
    if (--this.arrayLeft > 0) return 0;
    if (this.arrayHadValue) this.hits++;
    else this.misses++;
    return 1;
  }
}

/** A RESP2 array of bulk strings. */
export function respCommand(...parts: string[]): string {
  let out = `*${parts.length}\r\n`;
  for (const p of parts) out += `$${Buffer.byteLength(p)}\r\n${p}\r\n`;
  return out;
}

/** Opens `count` connections and resolves once each has connected or failed (at most 15 s). */
async function openIdle(options: LoadOptions, count: number): Promise<{ sockets: net.Socket[]; open: number; failed: number }> {
  const sockets: net.Socket[] = [];
  let open = 0;
  let failed = 0;
  const connectOne = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(options.port, options.host);
      sockets.push(socket);
      const timer = setTimeout(() => (failed++, socket.destroy(), resolve()), 15000);
      socket.once('connect', () => (clearTimeout(timer), open++, resolve()));
      socket.on('error', () => (clearTimeout(timer), failed++, resolve()));
    });
  // In slices of 100 so that the server's accept backlog is not overrun.
  for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, connectOne));
  return { sockets, open, failed };
}

async function runConnections(options: LoadOptions, connections: number, idle: number, threadIndex: number): Promise<WorkerReport> {
  const histogram = new Histogram();
  const rand = prng(options.seed + threadIndex * 1000003);
  const nextKey = keyChooser(options, rand);
  const keysPerGet = Math.max(1, options.keysPerGet ?? 1);
  const value = 'x'.repeat(options.valueSize);
  const setTail = ` 0 0 ${options.valueSize}\r\n${value}\r\n`;
  const resp = options.protocol === 'resp';
  const respSetTail = `$${options.valueSize}\r\n${value}\r\n`;
  let ops = 0;
  let errors = 0;
  let hits = 0;
  let misses = 0;
  let values = 0;
  let firstError = '';
  const idleSockets = idle > 0 ? await openIdle(options, idle) : { sockets: [], open: 0, failed: 0 };
  errors += idleSockets.failed;
  const start = process.hrtime.bigint();
  const deadline = Date.now() + options.seconds * 1000;
  const active = new Set<net.Socket>();
  // Hard stop: whatever is still open 10 s past the deadline (a stuck server) is destroyed.
  const hardStop = setTimeout(() => {
    for (const socket of active) socket.destroy();
  }, options.seconds * 1000 + 10000);

  const respRequest = (): string => {
    if (rand() >= options.getRatio) {
      const key = keyName(nextKey());
      return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n${respSetTail}`;
    }
    if (keysPerGet === 1) {
      const key = keyName(nextKey());
      return `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`;
    }
    const keys: string[] = [];
    for (let k = 0; k < keysPerGet; k++) keys.push(keyName(nextKey()));
    return respCommand('MGET', ...keys);
  };

  const request = (): string => {
    if (resp) return respRequest();
    if (rand() >= options.getRatio) return `set ${keyName(nextKey())}${setTail}`;
    if (keysPerGet === 1) return `get ${keyName(nextKey())}\r\n`;
    let line = 'get';
    for (let k = 0; k < keysPerGet; k++) line += ` ${keyName(nextKey())}`;
    return `${line}\r\n`;
  };

  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(options.port, options.host);
      active.add(socket);
      socket.setNoDelay(true);
      const counter = resp ? new RespReplyCounter() : new ReplyCounter();
      let outstanding = 0;
      let sentAt = 0n;
      const sendBatch = (): void => {
        if (Date.now() >= deadline) {
          socket.end();
          return;
        }
        let text = '';
        for (let i = 0; i < options.pipeline; i++) text += request();
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
        active.delete(socket);
        errors += counter.errors;
        hits += counter.hits;
        misses += counter.misses;
        values += counter.values;
        if (firstError === '') firstError = counter.firstError;
        resolve();
      };
      socket.on('close', finish);
      socket.on('error', () => {
        errors++;
      });
    });

  await Promise.all(Array.from({ length: connections }, one));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  clearTimeout(hardStop);
  for (const socket of idleSockets.sockets) socket.destroy();
  return { ops, errors, hits, misses, values, idleOpen: idleSockets.open, firstError, histogram: histogram.counts, seconds };
}

/** Runs the load from `threads` worker threads and merges their results. */
/**
 * The ARCHITECTURE target load on the memcached port: get:set 9:1, 32 B values, uniform
 * keys over 100k primed ones, 50 connections from one thread, seed 42.
 */
export function getSetMix(port: number, pipeline: number, seconds: number): LoadOptions {
  return { host: '127.0.0.1', port, connections: 50, pipeline, seconds, getRatio: 0.9, valueSize: 32, keySpace: 100_000, threads: 1, seed: 42 };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const perThread = Array.from({ length: options.threads }, (_, t) =>
    Math.floor(options.connections / options.threads) + (t < options.connections % options.threads ? 1 : 0),
  );
  const idleTotal = options.idleConnections ?? 0;
  const idlePerThread = Array.from({ length: options.threads }, (_, t) =>
    Math.floor(idleTotal / options.threads) + (t < idleTotal % options.threads ? 1 : 0),
  );
  const reports = await Promise.all(
    perThread.map(
      (connections, threadIndex) =>
        new Promise<WorkerReport>((resolve, reject) => {
          const worker = new Worker(__filename, { workerData: { options, connections, idle: idlePerThread[threadIndex], threadIndex } });
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
  let values = 0;
  let idleOpen = 0;
  let firstError = '';
  let seconds = 0;
  for (const r of reports) {
    histogram.merge(new Histogram(r.histogram));
    ops += r.ops;
    errors += r.errors;
    hits += r.hits;
    misses += r.misses;
    values += r.values;
    idleOpen += r.idleOpen;
    if (firstError === '') firstError = r.firstError;
    seconds = Math.max(seconds, r.seconds);
  }
  return {
    ops,
    seconds,
    opsPerSec: Math.round(ops / seconds),
    errors,
    hits,
    misses,
    values,
    idleOpen,
    firstError,
    p50us: Math.round(histogram.quantile(0.5)),
    p99us: Math.round(histogram.quantile(0.99)),
    p999us: Math.round(histogram.quantile(0.999)),
  };
}

/** Writes keys `from`..`count`-1 with pipelined sets so that gets hit. */
export async function primeKeys(
  host: string,
  port: number,
  count: number,
  valueSize: number,
  from = 0,
  protocol: LoadProtocol = 'memcache',
): Promise<void> {
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
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    for (const byte of chunk) if (byte === LF) received++;
    if (received >= expected && waiter !== null) waiter();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
    if (waiter !== null) waiter();
  });
  const wait = async (): Promise<void> => {
    await new Promise<void>((resolve) => (waiter = resolve));
    if (closed && received < expected) throw new Error(`server on port ${port} closed the connection while priming`);
  };
  for (let start = from; start < count; start += batch) {
    let text = '';
    const end = Math.min(count, start + batch);
    for (let i = start; i < end; i++) {
      text += protocol === 'resp' ? respCommand('SET', keyName(i), value) : `set ${keyName(i)} 0 0 ${valueSize}\r\n${value}\r\n`;
    }
    expected += end - start;
    socket.write(text);
    if (expected - received > 20 * batch) await wait();
  }
  while (received < expected) await wait();
  socket.destroy();
}

if (!isMainThread && workerData !== null && (workerData as { options?: LoadOptions }).options !== undefined) {
  const { options, connections, idle, threadIndex } = workerData as {
    options: LoadOptions;
    connections: number;
    idle: number;
    threadIndex: number;
  };
  void runConnections(options, connections, idle, threadIndex).then((report) => parentPort!.postMessage(report));
}

export interface StormResult {
  /** Keys found (VALUE blocks). */
  values: number;
  replyBytes: number;
  seconds: number;
  errors: number;
}

/**
 * A multi-get storm: one connection writes `get` with keys `keys[0]`…`keys[n-1]`
 * (`keyName(i)` for i in [from, from + count)) as one line and reads the whole
 * reply. Bounded: the connection is destroyed after `timeoutMs`.
 */
export async function multiGetStorm(host: string, port: number, count: number, from = 0, timeoutMs = 60000): Promise<StormResult> {
  const parts: string[] = ['get'];
  for (let i = from; i < from + count; i++) parts.push(keyName(i));
  const line = `${parts.join(' ')}\r\n`;
  const counter = new ReplyCounter();
  let replyBytes = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, host);
    const timer = setTimeout(() => {
      counter.errors++;
      socket.destroy();
    }, timeoutMs);
    socket.once('connect', () => socket.write(line));
    socket.on('data', (chunk: Buffer) => {
      replyBytes += chunk.length;
      if (counter.push(chunk) > 0) socket.end();
    });
    socket.on('error', () => {
      counter.errors++;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { values: counter.values, replyBytes, seconds: Number(process.hrtime.bigint() - start) / 1e9, errors: counter.errors };
}
