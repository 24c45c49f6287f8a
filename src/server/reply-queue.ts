/**
 * Keeps a connection's replies in request order. Each request gets a slot;
 * slots complete in any order (shards answer independently), and the
 * contiguous completed prefix is written out. Protocol-neutral: slots carry
 * rendered bytes.
 */
import type { ReplyTiming } from './slowlog';

export interface ReplyOutput {
  /** Writes rendered reply bytes to the peer (in order). */
  writeReplies(chunks: Buffer[]): void;
  /** Ends the connection after everything before the close marker was written. */
  closeAfterReplies(): void;
}

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
    const slot = new ReplySlot();
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
      this.out.writeReplies([bytes]);
      return;
    }
    const slot = this.reserve();
    slot.output = bytes;
    slot.done = true;
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
    let chunks: Buffer[] | null = null;
    while (this.head < slots.length) {
      const slot = slots[this.head]!;
      if (!slot.done) break;
      this.head++;
      this.pendingWeight -= slot.weight;
      if (slot.close) {
        if (chunks !== null) this.out.writeReplies(chunks);
        this.closed = true;
        this.out.closeAfterReplies();
        return;
      }
      const output = slot.output;
      if (output === null) continue;
      chunks ??= [];
      if (Array.isArray(output)) {
        for (const chunk of output) chunks.push(chunk);
      } else {
        chunks.push(output);
      }
    }
    if (this.head === slots.length) {
      slots.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head > slots.length / 2) {
      slots.splice(0, this.head);
      this.head = 0;
    }
    if (chunks !== null) this.out.writeReplies(chunks);
  }

  /** Drops everything (the connection is gone); late shard replies are ignored. */
  abandon(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
