/**
 * A single-producer, single-consumer ring of variable-length messages in a
 * SharedArrayBuffer: the data path between the main thread and one shard
 * (one ring per direction). No allocation and no structured clone per batch;
 * the consumer reads the payload in place and releases it when done.
 *
 * Layout: Int32 control words, then `capacity` data bytes (a power of two).
 * Positions are byte counters that wrap at 2^32. Each record is an 8-byte
 * header (u32 payload length) plus the payload padded to 8. Two reserved
 * lengths: WRAP (skip to the start of the buffer) and OUT_OF_BAND (the payload
 * was posted on a MessagePort because it is larger than half the ring; the
 * marker keeps its place in the order).
 */

const WRITE_POSITION = 0;
const READ_POSITION = 1;
/** Set by a consumer about to sleep, so the producer notifies only then. */
const CONSUMER_SLEEPING = 2;
/** Set by a producer blocked on a full ring. */
const PRODUCER_WAITING = 3;
const CONTROL_BYTES = 64;
const HEADER_BYTES = 8;
const WRAP = 0xffffffff;
const OUT_OF_BAND = 0xfffffffe;

import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

export const RING_OUT_OF_BAND = Symbol('ring-out-of-band');

/**
 * The payload behind an out-of-band marker. The sender posts before writing
 * the marker, so it is normally already queued; the bounded retry only covers
 * a port whose queue is not yet visible to this thread.
 */
export function receiveOutOfBand(port: MessagePort): Uint8Array {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; attempt < 1000; attempt++) {
    const received = receiveMessageOnPort(port);
    if (received !== undefined) return new Uint8Array(received.message as ArrayBuffer);
    Atomics.wait(pause, 0, 0, 1);
  }
  throw new Error('out-of-band batch announced but never received');
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

export class SharedRing {
  readonly buffer: SharedArrayBuffer;
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private readonly view: DataView;
  private readonly capacity: number;
  private readonly mask: number;
  /** Consumer: where the record being read ends (set by read(), applied by release()). */
  private pendingRelease = -1;

  /** Creates a ring of `capacity` bytes, or attaches to an existing ring's buffer. */
  constructor(capacityOrBuffer: number | SharedArrayBuffer) {
    this.buffer =
      typeof capacityOrBuffer === 'number' ? new SharedArrayBuffer(CONTROL_BYTES + capacityOrBuffer) : capacityOrBuffer;
    this.capacity = this.buffer.byteLength - CONTROL_BYTES;
    if (this.capacity < 1024 || (this.capacity & (this.capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two ≥ 1024, got ${this.capacity}`);
    }
    this.mask = this.capacity - 1;
    this.control = new Int32Array(this.buffer, 0, CONTROL_BYTES / 4);
    this.data = new Uint8Array(this.buffer, CONTROL_BYTES, this.capacity);
    this.view = new DataView(this.buffer, CONTROL_BYTES, this.capacity);
  }

  /** Payloads larger than this must travel out of band. */
  get maxInlinePayload(): number {
    return this.capacity / 2 - HEADER_BYTES;
  }

  // ---- producer side ----

  /** Appends one message; false when the ring has no room for it now. */
  tryWrite(payload: Uint8Array): boolean {
    return this.tryAppend(payload.length, payload);
  }

  /** Appends an out-of-band marker (the payload went over a MessagePort first). */
  tryWriteOutOfBandMarker(): boolean {
    return this.tryAppend(OUT_OF_BAND, null);
  }

  /**
   * Whether a marker fits now. Only the producer adds data, so room it sees
   * stays room: check, post the payload on the port, then write the marker.
   */
  hasRoomForMarker(): boolean {
    const write = Atomics.load(this.control, WRITE_POSITION) >>> 0;
    const read = Atomics.load(this.control, READ_POSITION) >>> 0;
    const used = (write - read) >>> 0;
    const contiguous = this.capacity - (write & this.mask);
    const needed = HEADER_BYTES > contiguous ? contiguous + HEADER_BYTES : HEADER_BYTES;
    return used + needed <= this.capacity;
  }

  /** Blocks (worker threads only) until the message fits. */
  writeBlocking(payload: Uint8Array | null): void {
    const length = payload === null ? OUT_OF_BAND : payload.length;
    while (!this.tryAppend(length, payload)) {
      Atomics.store(this.control, PRODUCER_WAITING, 1);
      const read = Atomics.load(this.control, READ_POSITION);
      if (!this.tryAppend(length, payload)) Atomics.wait(this.control, READ_POSITION, read, 100);
      Atomics.store(this.control, PRODUCER_WAITING, 0);
    }
  }

  private tryAppend(length: number, payload: Uint8Array | null): boolean {
    const size = HEADER_BYTES + (payload === null ? 0 : align8(length));
    let write = Atomics.load(this.control, WRITE_POSITION) >>> 0;
    const read = Atomics.load(this.control, READ_POSITION) >>> 0;
    const used = (write - read) >>> 0;
    let offset = write & this.mask;
    const contiguous = this.capacity - offset;
    if (size > contiguous) {
      if (used + contiguous + size > this.capacity) return false;
      this.view.setUint32(offset, WRAP, true);
      write = (write + contiguous) >>> 0;
      offset = 0;
    } else if (used + size > this.capacity) {
      return false;
    }
    this.view.setUint32(offset, length, true);
    if (payload !== null) this.data.set(payload, offset + HEADER_BYTES);
    Atomics.store(this.control, WRITE_POSITION, (write + size) | 0);
    if (Atomics.load(this.control, CONSUMER_SLEEPING) === 1) Atomics.notify(this.control, WRITE_POSITION);
    return true;
  }

  // ---- consumer side ----

  /**
   * The next message: a view valid until release(), RING_OUT_OF_BAND for a
   * marker (fetch the payload from the port, then release()), or null when empty.
   */
  read(): Uint8Array | typeof RING_OUT_OF_BAND | null {
    for (;;) {
      const read = Atomics.load(this.control, READ_POSITION) >>> 0;
      const write = Atomics.load(this.control, WRITE_POSITION) >>> 0;
      if (read === write) return null;
      const offset = read & this.mask;
      const length = this.view.getUint32(offset, true);
      if (length === WRAP) {
        Atomics.store(this.control, READ_POSITION, (read + this.capacity - offset) | 0);
        continue;
      }
      if (length === OUT_OF_BAND) {
        this.pendingRelease = (read + HEADER_BYTES) >>> 0;
        return RING_OUT_OF_BAND;
      }
      this.pendingRelease = (read + HEADER_BYTES + align8(length)) >>> 0;
      return this.data.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    }
  }

  /** Frees the message returned by the last read(). */
  release(): void {
    if (this.pendingRelease < 0) return;
    Atomics.store(this.control, READ_POSITION, this.pendingRelease | 0);
    this.pendingRelease = -1;
    if (Atomics.load(this.control, PRODUCER_WAITING) === 1) Atomics.notify(this.control, READ_POSITION);
  }

  /** Worker threads: sleeps until data arrives or `timeoutMs` passes. */
  waitForData(timeoutMs: number): void {
    const write = Atomics.load(this.control, WRITE_POSITION);
    Atomics.store(this.control, CONSUMER_SLEEPING, 1);
    if (write === Atomics.load(this.control, READ_POSITION)) {
      Atomics.wait(this.control, WRITE_POSITION, write, timeoutMs);
    }
    Atomics.store(this.control, CONSUMER_SLEEPING, 0);
  }

  /** Main thread: resolves when data may have arrived (never blocks the event loop). */
  waitForDataAsync(): Promise<unknown> | null {
    const write = Atomics.load(this.control, WRITE_POSITION);
    Atomics.store(this.control, CONSUMER_SLEEPING, 1);
    if (write !== Atomics.load(this.control, READ_POSITION)) {
      Atomics.store(this.control, CONSUMER_SLEEPING, 0);
      return null;
    }
    const waited = Atomics.waitAsync(this.control, WRITE_POSITION, write);
    if (!waited.async) {
      Atomics.store(this.control, CONSUMER_SLEEPING, 0);
      return null;
    }
    return waited.value.then(() => Atomics.store(this.control, CONSUMER_SLEEPING, 0));
  }

  /** Wakes a consumer waiting on this ring (used to stop it). */
  wakeConsumer(): void {
    Atomics.notify(this.control, WRITE_POSITION);
  }
}
