/**
 * Starts and owns the shards: one worker thread per shard (or in-process
 * executors for tests), the shared page budget that makes `-m` global, and the
 * once-per-turn flush that turns each shard's queued ops into one batch. The
 * only module that knows where the worker script lives.
 */
import path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { SharedPageBudget } from '../store/shared-page-budget';
import { Store } from '../store/store';
import { ShardExecutor } from './execute';
import type { ShardWorkerData } from './messages';
import { ShardClient, type ShardTransport, type ShardTransportEvents } from './shard-client';
import { RING_OUT_OF_BAND, receiveOutOfBand, SharedRing } from './shared-ring';

export interface ShardPoolOptions {
  shardCount: number;
  memoryLimitBytes: number;
  pageSize: number;
  slabMinSize: number;
  growthFactor: number;
  /** 'worker' runs each shard in a worker thread; 'in-process' runs them on the main thread (tests). */
  mode: 'worker' | 'in-process';
  crawlerIntervalMs?: number;
  crawlerSliceChunks?: number;
  /**
   * Watchdog: a worker shard that owes replies and has answered nothing for
   * this long is terminated and replaced (its pending requests fail at once);
   * 0 = never. Default SHARD_BATCH_TIMEOUT_MS.
   */
  batchTimeoutMs?: number;
  /** V8 old-generation limit per worker; default shardHeapLimitMb(). */
  heapLimitMb?: number;
  onLog?: (message: string) => void;
}

/** A healthy shard answers a batch in microseconds to milliseconds; this is a hang, not load. */
export const SHARD_BATCH_TIMEOUT_MS = 10_000;
const SHARD_HEAP_HEADROOM_MB = 128;
const SHARD_HEAP_MAX_MB = 4096;

/**
 * A worker's heap limit: its share of -m plus headroom, capped. Slab pages and
 * the hash index are ArrayBuffers outside the V8 heap, so in practice this
 * bounds only the worker's own objects; without any limit a runaway worker
 * would take the whole process down with a fatal V8 OOM instead of being
 * replaced (ERR_WORKER_OUT_OF_MEMORY ends only the worker).
 */
export function shardHeapLimitMb(memoryLimitBytes: number, shardCount: number): number {
  const shareMb = Math.ceil(memoryLimitBytes / Math.max(1, shardCount) / (1024 * 1024));
  return Math.min(SHARD_HEAP_MAX_MB, SHARD_HEAP_HEADROOM_MB + shareMb);
}

const WORKER_SCRIPT = path.join(__dirname, '..', '..', 'workers', 'shard.worker.js');
/** A worker that dies sooner than this after starting is restarted after a pause, not at once. */
const CRASH_LOOP_WINDOW_MS = 1000;
const CRASH_LOOP_DELAY_MS = 250;

/**
 * Each direction's ring: 2 MiB holds hundreds of turns' worth of small ops, and
 * a batch carrying a 1 MiB item still fits inline; larger batches go out of
 * band, so the ring need not grow with -I.
 */
const RING_BYTES = 2 * 1024 * 1024;

export class ShardPool {
  readonly shards: ShardClient[] = [];
  private readonly transports: ShardTransport[] = [];
  private readonly pageBudget: Int32Array;
  private readonly maxPages: number;
  private flushScheduled = false;
  private readonly dirty: ShardClient[] = [];
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly options: ShardPoolOptions) {
    this.maxPages = Math.max(1, Math.floor(options.memoryLimitBytes / options.pageSize));
    this.pageBudget = SharedPageBudget.createSharedArray(options.shardCount);
    const requestFlush = (client: ShardClient): void => this.markDirty(client);
    for (let i = 0; i < options.shardCount; i++) {
      const client = new ShardClient(i, requestFlush);
      const transport =
        options.mode === 'worker'
          ? new WorkerShardTransport(this.workerData(i), client, this.pageBudget, RING_BYTES, this.workerLimits(), options.onLog)
          : new InProcessShardTransport(this.createStore(i), client);
      client.attach(transport);
      this.shards.push(client);
      this.transports.push(transport);
    }
    this.setBatchTimeoutMs(options.batchTimeoutMs ?? SHARD_BATCH_TIMEOUT_MS);
  }

  /** Waits until every worker has started (in-process shards are ready at once). */
  async ready(): Promise<void> {
    await Promise.all(this.transports.map((t) => (t instanceof WorkerShardTransport ? t.online : undefined)));
  }

  private workerLimits(): WorkerLimits {
    const o = this.options;
    return { heapLimitMb: o.heapLimitMb ?? shardHeapLimitMb(o.memoryLimitBytes, o.shardCount) };
  }

  /**
   * Sets the watchdog bound (ShardPoolOptions.batchTimeoutMs; 0 = off). One timer
   * for all shards, ticking at a quarter of the bound, so a hung shard is
   * replaced within 1.25 × the bound.
   */
  setBatchTimeoutMs(timeoutMs: number): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    if (timeoutMs <= 0 || this.options.mode !== 'worker') return;
    const transports = this.transports.filter((t): t is WorkerShardTransport => t instanceof WorkerShardTransport);
    this.watchdog = setInterval(() => {
      for (const t of transports) t.checkProgress(timeoutMs);
    }, Math.min(1000, Math.max(10, Math.floor(timeoutMs / 4))));
    this.watchdog.unref();
  }

  /** Test hook: kills shard `index`'s worker as a crash would. */
  async TEST_killShard(index: number): Promise<void> {
    const transport = this.transports[index];
    if (transport instanceof WorkerShardTransport) await transport.TEST_kill();
  }

  async close(): Promise<void> {
    this.setBatchTimeoutMs(0);
    this.flushNow();
    await Promise.all(this.shards.map((s) => s.close()));
  }

  private markDirty(client: ShardClient): void {
    this.dirty.push(client);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate runs after this poll phase's I/O callbacks: every connection
    // read in this turn contributes to the same batch, and a lone request waits
    // for no timer.
    setImmediate(() => this.flushNow());
  }

  private flushNow(): void {
    this.flushScheduled = false;
    const dirty = this.dirty;
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
    dirty.length = 0;
  }

  private workerData(shardIndex: number): Omit<ShardWorkerData, 'requestRing' | 'replyRing' | 'oversizePort'> {
    const o = this.options;
    return {
      shardIndex,
      shardCount: o.shardCount,
      pageSize: o.pageSize,
      slabMinSize: o.slabMinSize,
      growthFactor: o.growthFactor,
      memoryLimitBytes: o.memoryLimitBytes,
      maxPages: this.maxPages,
      pageBudget: this.pageBudget,
      crawlerIntervalMs: o.crawlerIntervalMs ?? 100,
      crawlerSliceChunks: o.crawlerSliceChunks ?? 5000,
    };
  }

  private createStore(shardIndex: number): Store {
    const o = this.options;
    return new Store({
      pageSize: o.pageSize,
      slabMinSize: o.slabMinSize,
      growthFactor: o.growthFactor,
      memoryLimitBytes: o.memoryLimitBytes,
      shardIndex,
      shardCount: o.shardCount,
      pageBudget: new SharedPageBudget(this.pageBudget, shardIndex, this.maxPages),
    });
  }
}

interface WorkerLimits {
  heapLimitMb: number;
}

/**
 * A shard in a worker thread, fed through two SharedRings; replaced by a fresh
 * worker (empty store) when it dies, runs out of heap, or hangs (the watchdog
 * terminates a worker that owes replies and has answered nothing for
 * `batchTimeoutMs`). The main thread never blocks: it waits
 * for replies with Atomics.waitAsync, and batches that find the request ring
 * full wait in `backlog` until the shard has consumed some (every consumed
 * batch produces a reply, which retries the backlog).
 */
class WorkerShardTransport implements ShardTransport {
  private worker: Worker | null = null;
  private requestRing!: SharedRing;
  private replyRing!: SharedRing;
  private oversizePort!: MessagePort;
  /** Request batches (copies) waiting for room in the request ring, in order. */
  private readonly backlog: Uint8Array[] = [];
  /** Bumped on every (re)start so the reply pump of a dead worker stops. */
  private generation = 0;
  private startedAt = 0;
  private closed = false;
  /** Request batches sent (or in the backlog) and not answered yet, for the watchdog. */
  private unanswered = 0;
  /** When the shard last answered a batch, or was first owed one after owing none. */
  private lastAnswerMs = 0;
  online!: Promise<void>;

  constructor(
    private readonly data: Omit<ShardWorkerData, 'requestRing' | 'replyRing' | 'oversizePort'>,
    private readonly events: ShardTransportEvents,
    private readonly pageBudget: Int32Array,
    private readonly ringBytes: number,
    private readonly limits: WorkerLimits,
    private readonly log?: (message: string) => void,
  ) {
    this.start();
  }

  send(batch: Uint8Array): void {
    if (this.unanswered++ === 0) this.lastAnswerMs = Date.now();
    if (this.backlog.length > 0 || this.worker === null || !this.trySend(batch)) this.backlog.push(batch.slice());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    this.replyRing.wakeConsumer();
    if (this.worker !== null) await this.worker.terminate();
    this.oversizePort.close();
  }

  /** Test hook: kill the worker as a crash would. */
  async TEST_kill(): Promise<void> {
    if (this.worker !== null) await this.worker.terminate();
  }

  /** Watchdog tick: terminate a worker that owes replies and has answered nothing for `timeoutMs`. */
  checkProgress(timeoutMs: number): void {
    const worker = this.worker;
    if (worker === null || this.unanswered === 0 || this.closed) return;
    const silentMs = Date.now() - this.lastAnswerMs;
    if (silentMs < timeoutMs) return;
    this.log?.(`shard ${this.data.shardIndex} answered nothing for ${silentMs} ms with ${this.unanswered} batches owed; terminating it`);
    // The exit handler fails what was pending and starts a replacement.
    this.lastAnswerMs = Date.now();
    void worker.terminate();
  }

  private trySend(batch: Uint8Array): boolean {
    if (batch.length <= this.requestRing.maxInlinePayload) return this.requestRing.tryWrite(batch);
    if (!this.requestRing.hasRoomForMarker()) return false;
    const copy = batch.slice().buffer;
    // Post before the marker becomes visible, so the shard finds the payload when it reads the marker.
    this.oversizePort.postMessage(copy, [copy]);
    return this.requestRing.tryWriteOutOfBandMarker();
  }

  private drainBacklog(): void {
    const backlog = this.backlog;
    let sent = 0;
    while (sent < backlog.length && this.trySend(backlog[sent]!)) sent++;
    if (sent > 0) backlog.splice(0, sent);
  }

  private start(): void {
    this.startedAt = Date.now();
    this.generation++;
    this.requestRing = new SharedRing(this.ringBytes);
    this.replyRing = new SharedRing(this.ringBytes);
    const channel = new MessageChannel();
    this.oversizePort = channel.port1;
    const workerData: ShardWorkerData = {
      ...this.data,
      requestRing: this.requestRing.buffer,
      replyRing: this.replyRing.buffer,
      oversizePort: channel.port2,
    };
    const worker = new Worker(WORKER_SCRIPT, {
      workerData,
      transferList: [channel.port2],
      resourceLimits: { maxOldGenerationSizeMb: this.limits.heapLimitMb },
      // Node's default is the real process environment; passing the one this module
      // sees lets an in-process test (jest gives each file its own copy) reach the
      // worker's test-only fault hook (shard-worker-loop.ts).
      env: process.env,
    });
    this.worker = worker;
    this.online = new Promise((resolve) => worker.once('online', () => resolve()));
    worker.on('error', (err) => this.log?.(`shard ${this.data.shardIndex} error: ${err.stack ?? String(err)}`));
    worker.once('exit', (code) => this.onExit(worker, code));
    this.drainBacklog();
    void this.pumpReplies(this.generation);
  }

  private async pumpReplies(generation: number): Promise<void> {
    const ring = this.replyRing;
    const port = this.oversizePort;
    while (generation === this.generation) {
      let message = ring.read();
      while (message !== null && generation === this.generation) {
        const batch = message === RING_OUT_OF_BAND ? receiveOutOfBand(port) : message;
        this.unanswered--;
        this.lastAnswerMs = Date.now();
        this.events.onReply(batch);
        ring.release();
        message = ring.read();
      }
      if (this.backlog.length > 0) this.drainBacklog();
      const wait = ring.waitForDataAsync();
      if (wait !== null) await wait;
    }
  }

  private onExit(worker: Worker, code: number): void {
    if (this.closed || worker !== this.worker) return;
    this.log?.(`shard ${this.data.shardIndex} exited (code ${code}); restarting it with an empty store`);
    SharedPageBudget.releaseShard(this.pageBudget, this.data.shardIndex);
    const crashLoop = Date.now() - this.startedAt < CRASH_LOOP_WINDOW_MS;
    this.worker = null;
    this.generation++;
    this.replyRing.wakeConsumer();
    this.backlog.length = 0;
    this.unanswered = 0;
    this.oversizePort.close();
    this.events.onCrash(`exit code ${code}`);
    if (crashLoop) setTimeout(() => !this.closed && this.start(), CRASH_LOOP_DELAY_MS);
    else this.start();
  }
}

/** A shard executed on the main thread, asynchronously like a worker (tests, benchmarks). */
class InProcessShardTransport implements ShardTransport {
  private readonly executor: ShardExecutor;

  constructor(
    store: Store,
    private readonly events: ShardTransportEvents,
  ) {
    this.executor = new ShardExecutor(store);
  }

  send(batch: Uint8Array): void {
    const copy = batch.slice();
    setImmediate(() => this.events.onReply(this.executor.executeBatch(copy, Date.now())));
  }

  async close(): Promise<void> {}
}
