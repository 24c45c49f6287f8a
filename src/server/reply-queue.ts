/**
 * Keeps a connection's replies in request order. Each request gets a slot;
 * slots complete in any order (shards answer independently), and the
 * contiguous completed prefix is written out. Protocol-neutral: slots carry
 * rendered bytes.
 */
import type { ReplyTiming } from './slowlog';

export interface ReplyOutput {
  /**
   * Writes rendered reply bytes to the peer (in order). The output limit is judged once per
   * flush, before its first chunk (`sameFlush` false), so replies a reading client is owed
   * together are never cut apart.
   */
  writeReply(chunk: Buffer, sameFlush: boolean): void;
  /**
   * Room for `size` bytes at the end of the output, written in place at the returned offset of
   * `outputBuffer` (see ReplyQueue.claimOutput); -1 when the reply needs a buffer of its own.
   */
  claimOutput(size: number): number;
  readonly outputBuffer: Buffer;
  /** Ends the connection after everything before the close marker was written. */
  closeAfterReplies(): void;
}

/**
 * A place in the reply order. A reply sink on the hot path extends it and
 * queues itself (`ReplyQueue.add`), so a request keeps one object alive across
 * the shard round trip instead of a sink and a slot.
 */
export class ReplySlot {
  output: Buffer | Buffer[] | null = null;
  done = false;
  /** A close marker: when it reaches the head, the connection ends. */
  close = false;
  /** Ops this reply waits on (keys of a multi-get), for the in-flight bound. */
  weight = 1;
  /** Slow log: the command this slot answers while it is being timed, and its dispatch time (slowlog.ts). */
  timedCommand: unknown = null;
  dispatchedAt = 0;
  /** Latency histogram: the command's label series, -1 when not recorded (command-latency.ts). */
  latencyLabel = -1;
}

export class ReplyQueue {
  private readonly slots: ReplySlot[] = [];
  private head = 0;
  private closed = false;
  /** Sum of the weights of slots not yet written: ops in flight or replies held. */
  pendingWeight = 0;
  /** Set by the session when the slow log or latency histograms are kept: times each command from dispatch to reply ready. */
  commandTimer: ReplyTiming | null = null;

  constructor(private readonly out: ReplyOutput) {}

  /** Slots not yet written (completed or not). */
  get pending(): number {
    return this.slots.length - this.head;
  }

  /** Reserves the next slot in order. */
  reserve(weight = 1): ReplySlot {
    return this.add(new ReplySlot(), weight);
  }

  /** Queues a slot the caller made (a sink that is its own slot), next in order. */
  add<Slot extends ReplySlot>(slot: Slot, weight = 1): Slot {
    slot.weight = weight;
    this.pendingWeight += weight;
    this.slots.push(slot);
    this.commandTimer?.attach(slot);
    return slot;
  }

  /** A reply available now: written at once when nothing is ahead of it. */
  immediate(bytes: Buffer): void {
    if (this.closed) return;
    this.commandTimer?.answeredNow(bytes);
    if (this.pending === 0) {
      this.out.writeReply(bytes, false);
      return;
    }
    const slot = this.reserve();
    slot.output = bytes;
    slot.done = true;
  }

  /**
   * Room for `size` bytes of `slot`'s reply in place in the connection's output, when no
   * earlier reply is still owed (then no buffer of its own is needed): render them into
   * `outputBuffer` at the returned offset, then call `completeInPlace(slot)` before anything
   * else writes. -1 otherwise: render into a buffer and call `complete`.
   */
  claimOutput(slot: ReplySlot, size: number): number {
    if (this.closed || this.slots[this.head] !== slot) return -1;
    // The -vv trace prints each reply's first line from its buffer.
    if (this.commandTimer !== null && this.commandTimer.tracesReplies) return -1;
    return this.out.claimOutput(size);
  }

  get outputBuffer(): Buffer {
    return this.out.outputBuffer;
  }

  /** Completes a slot whose reply was written in place (claimOutput). */
  completeInPlace(slot: ReplySlot): void {
    if (slot.timedCommand !== null) this.commandTimer?.finished(slot, null);
    slot.done = true;
    this.flush();
  }

  /** Ends the connection once every earlier reply is out. */
  closeWhenDrained(): void {
    const slot = this.reserve();
    slot.close = true;
    slot.done = true;
    this.flush();
  }

  complete(slot: ReplySlot, output: Buffer | Buffer[] | null): void {
    if (slot.timedCommand !== null) this.commandTimer?.finished(slot, output);
    slot.output = output;
    slot.done = true;
    if (this.slots[this.head] === slot) this.flush();
  }

  /** Writes the completed prefix. */
  flush(): void {
    if (this.closed) return;
    const slots = this.slots;
    const out = this.out;
    let sameFlush = false;
    while (this.head < slots.length) {
      const slot = slots[this.head]!;
      if (!slot.done) break;
      this.head++;
      this.pendingWeight -= slot.weight;
      if (slot.close) {
        this.closed = true;
        out.closeAfterReplies();
        return;
      }
      const output = slot.output;
      if (output === null) continue;
      if (Array.isArray(output)) {
        for (const chunk of output) {
          out.writeReply(chunk, sameFlush);
          sameFlush = true;
        }
      } else {
        out.writeReply(output, sameFlush);
        sameFlush = true;
      }
    }
    if (this.head === slots.length) {
      slots.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head > slots.length / 2) {
      slots.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Drops everything (the connection is gone); late shard replies are ignored. */
  abandon(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
