/**
 * Main-thread side of one shard: builds this turn's request batch, keeps the
 * FIFO of reply sinks (replies come back in request order, so position is the
 * id), and hands each reply record to its sink. Several batches may be in
 * flight at once: we never wait for a reply before sending the next batch.
 * The transport underneath (a worker thread, or an in-process executor for
 * tests) is behind `ShardTransport`.
 *
 * Also counts, for /metrics, the ops in each batch and each batch's round
 * trip (handed to the transport → its reply batch processed), into typed
 * arrays: per batch, not per op.
 */
import { BATCH_OPS_BOUNDS, BucketHistogram, LATENCY_BOUNDS_SECONDS, batchOpsBucket, latencyBucket } from '../util/bucket-histogram';
import { RequestBatchWriter, ReplyBatchReader } from './batch-codec';
import { SHARD_FAILED_STATUS, type ItemOpArgs } from './messages';

/** Receives the reply to one op. `reply` is valid only during the call. */
export interface ReplySink {
  onShardReply(tag: number, reply: ReplyBatchReader): void;
}

/**
 * A batch is sent once it holds this many ops, not only at the end of the turn:
 * the shard starts on the first ops while this thread still parses the rest of
 * the turn's reads, instead of the two threads taking turns. Larger than one
 * connection's pipeline of 16, so small turns still go out as one batch (every
 * extra batch can cost a wake-up of a sleeping shard); 16 and 32 measured no
 * better than sending once per turn at pipeline 16, 64 and 128 better. The early
 * send happens only between requests (ops with different sinks), never inside
 * one: a multi-key request's ops stay in one batch, under one reply budget
 * (REPLY_BATCH_VALUE_BUDGET), or `get k k k …` of a large value would get a
 * budget per 64 keys.
 */
export const EARLY_SEND_OPS = 64;

export interface ShardTransport {
  /** Sends a request batch; the view is only valid during the call (the transport copies it). */
  send(batch: Uint8Array): void;
  /** Stops the shard; pending replies are failed by the client. */
  close(): Promise<void>;
}

export interface ShardTransportEvents {
  /** One reply batch; the view is only valid during the call. */
  onReply(batch: Uint8Array): void;
  /** The shard died: everything in flight is lost; a new shard is already being started. */
  onCrash(reason: string): void;
}

/** A FIFO of (sink, tag) pairs backed by two growable arrays, with no per-op allocation. */
class PendingQueue {
  private sinks: (ReplySink | undefined)[] = new Array(1024);
  private tags = new Float64Array(1024);
  private head = 0;
  private tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(sink: ReplySink, tag: number): void {
    if (this.tail === this.sinks.length) this.makeRoom();
    this.sinks[this.tail] = sink;
    this.tags[this.tail] = tag;
    this.tail++;
  }

  /** Removes the oldest pair and returns its sink; the tag is in `lastTag`. */
  shift(): ReplySink | undefined {
    if (this.head === this.tail) return undefined;
    const sink = this.sinks[this.head];
    this.lastTag = this.tags[this.head]!;
    this.sinks[this.head] = undefined;
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
    return sink;
  }

  lastTag = 0;

  private makeRoom(): void {
    const live = this.tail - this.head;
    if (this.head > 0 && live < this.sinks.length / 2) {
      this.sinks.copyWithin(0, this.head, this.tail);
      this.sinks.fill(undefined, live);
      this.tags.copyWithin(0, this.head, this.tail);
    } else {
      const sinks = new Array<ReplySink | undefined>(this.sinks.length * 2);
      for (let i = 0; i < live; i++) sinks[i] = this.sinks[this.head + i];
      const tags = new Float64Array(this.sinks.length * 2);
      tags.set(this.tags.subarray(this.head, this.tail));
      this.sinks = sinks;
      this.tags = tags;
    }
    this.head = 0;
    this.tail = live;
  }
}

/**
 * When each batch in flight was sent (performance.now() ms), oldest first: the
 * shard answers every request batch with one reply batch, in order, so the
 * head is the batch the next reply answers.
 */
class SendTimes {
  private times = new Float64Array(64);
  private head = 0;
  private tail = 0;

  push(ms: number): void {
    if (this.tail === this.times.length) {
      const live = this.times.subarray(this.head, this.tail);
      const times = live.length < this.times.length / 2 ? this.times : new Float64Array(this.times.length * 2);
      times.set(live);
      this.times = times;
      this.tail = live.length;
      this.head = 0;
    }
    this.times[this.tail++] = ms;
  }

  /** The oldest send time, or -1 when none is recorded. */
  shift(): number {
    if (this.head === this.tail) return -1;
    const ms = this.times[this.head++]!;
    if (this.head === this.tail) this.head = this.tail = 0;
    return ms;
  }

  clear(): void {
    this.head = this.tail = 0;
  }
}

export class ShardClient implements ShardTransportEvents {
  readonly batch = new RequestBatchWriter();
  private readonly pending = new PendingQueue();
  private readonly reader = new ReplyBatchReader();
  private transport: ShardTransport | null = null;
  restarts = 0;
  /** Ops per request batch sent (sum = ops sent to this shard). */
  readonly batchOps = new BucketHistogram(BATCH_OPS_BOUNDS);
  /** Batch sent → its reply batch processed, in ms (exposed in seconds). */
  readonly roundTrip = new BucketHistogram(LATENCY_BOUNDS_SECONDS);
  private readonly sendTimes = new SendTimes();
  /** The sink of the op appended last: ops of one request share a sink, and the early send does not split them. */
  private lastSink: ReplySink | null = null;

  constructor(
    readonly index: number,
    private readonly requestFlush: (client: ShardClient) => void,
    private readonly onSinkError: (err: unknown) => void = (err) => process.emitWarning(err as Error),
  ) {}

  attach(transport: ShardTransport): void {
    this.transport = transport;
  }

  enqueue(
    opCode: number,
    key: Uint8Array | null,
    hash: number,
    value: Uint8Array | null,
    clientFlags: number,
    expiresAtMs: number,
    argLow: number,
    argHigh: number,
    sink: ReplySink,
    tag: number,
  ): void {
    if (this.batch.count >= EARLY_SEND_OPS && sink !== this.lastSink) this.flush();
    if (this.batch.isEmpty) this.requestFlush(this);
    this.batch.append(opCode, key, hash, value, clientFlags, expiresAtMs, argLow, argHigh);
    this.pending.push(sink, tag);
    this.lastSink = sink;
  }

  /** Queues an item op (ItemRead … ItemInfo): header fields, then `args` and `payload` (messages.ts). */
  enqueueItemOp(
    opCode: number,
    key: Uint8Array,
    hash: number,
    args: ItemOpArgs,
    payload: Uint8Array | null,
    clientFlags: number,
    expiresAtMs: number,
    compareCasLow: number,
    compareCasHigh: number,
    sink: ReplySink,
    tag: number,
  ): void {
    if (this.batch.count >= EARLY_SEND_OPS && sink !== this.lastSink) this.flush();
    if (this.batch.isEmpty) this.requestFlush(this);
    this.batch.appendItemOp(opCode, key, hash, args, payload, clientFlags, expiresAtMs, compareCasLow, compareCasHigh);
    this.pending.push(sink, tag);
    this.lastSink = sink;
  }

  /** Sends the batch built so far, if any (at the end of the turn, or early: EARLY_SEND_OPS). */
  flush(): void {
    if (this.batch.isEmpty || this.transport === null) return;
    const ops = this.batch.count;
    this.batchOps.add(0, batchOpsBucket(ops), ops);
    // A clock read per batch, not per op: batches are what cross the thread boundary.
    this.sendTimes.push(performance.now());
    this.transport.send(this.batch.finish());
    this.batch.reset();
    this.lastSink = null;
  }

  onReply(batch: Uint8Array): void {
    const reader = this.reader;
    reader.reset(batch);
    const pending = this.pending;
    for (let i = 0; i < reader.count; i++) {
      if (!reader.read()) break;
      const sink = pending.shift();
      if (sink === undefined) break;
      this.deliver(sink, pending.lastTag, reader);
    }
    const sentAt = this.sendTimes.shift();
    if (sentAt >= 0) {
      const ms = performance.now() - sentAt;
      this.roundTrip.add(0, latencyBucket(ms), ms);
    }
  }

  /** A sink that throws must not stop the replies behind it (they belong to other requests). */
  private deliver(sink: ReplySink, tag: number, reply: ReplyBatchReader): void {
    try {
      sink.onShardReply(tag, reply);
    } catch (err) {
      this.onSinkError(err);
    }
  }

  onCrash(_reason: string): void {
    this.restarts++;
    // Ops not yet sent would reach the replacement shard, but their replies would
    // interleave with failures of the lost ones; fail everything queued instead.
    this.batch.reset();
    this.lastSink = null;
    this.sendTimes.clear();
    this.failAllPending();
  }

  /**
   * Fails the ops pending now. Only those: a failed sink may let its connection
   * dispatch waiting requests, which join the queue (and the fresh batch)
   * during this loop and must get real replies.
   */
  private failAllPending(): void {
    const failure = new ReplyBatchReader();
    failure.status = SHARD_FAILED_STATUS;
    for (let lost = this.pending.size; lost > 0; lost--) {
      const sink = this.pending.shift()!;
      this.deliver(sink, this.pending.lastTag, failure);
    }
  }

  async close(): Promise<void> {
    const transport = this.transport;
    this.transport = null;
    if (transport !== null) await transport.close();
    this.sendTimes.clear();
    this.failAllPending();
  }
}
