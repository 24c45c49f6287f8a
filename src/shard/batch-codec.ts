/**
 * Encoding and decoding of the binary batches described in messages.ts. Both
 * sides reuse one growable buffer; a finished batch is handed out as a view
 * (valid until the next reset) that the transport copies into its ring.
 * Knows nothing of stores or sockets.
 */
import {
  BATCH_HEADER_BYTES,
  ITEM_ARGS_BYTES,
  ITEM_INFO_BYTES,
  REPLY_HAS_ITEM_INFO,
  REPLY_HEADER_BYTES,
  REPLY_WRONG_TYPE,
  REQUEST_HEADER_BYTES,
  type ItemOpArgs,
} from './messages';
import { copyBytes } from '../util/bytes';

export function emptyItemOpArgs(): ItemOpArgs {
  return {
    options: 0,
    mode: 0,
    secondExpiresAtMs: 0,
    newCasLow: 0,
    newCasHigh: 0,
    deltaLow: 0,
    deltaHigh: 0,
    initialLow: 0,
    initialHigh: 0,
    recacheBelowSeconds: 0,
  };
}

const INITIAL_CAPACITY = 64 * 1024;
/** A buffer grown past this is dropped on reset, and grows straight to `largeCapacity` (when set). */
const KEPT_CAPACITY = 4 * 1024 * 1024;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** A growable byte buffer with a DataView, reused across batches. */
class GrowableBuffer {
  bytes: Uint8Array;
  view: DataView;
  length = BATCH_HEADER_BYTES;
  count = 0;

  /**
   * @param largeCapacity where a batch that outgrows KEPT_CAPACITY goes in one step (0 = keep
   *   doubling): each doubling leaves the old buffer as garbage, which for a reply batch of tens of
   *   megabytes doubles the worker's memory until a GC; zeroed pages cost nothing until written.
   */
  constructor(
    capacity = INITIAL_CAPACITY,
    private readonly largeCapacity = 0,
  ) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }

  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    if (capacity > KEPT_CAPACITY && capacity < this.largeCapacity) capacity = this.largeCapacity;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  /** The finished batch as a view, valid until reset(). */
  finish(): Uint8Array {
    this.view.setUint32(0, this.count, true);
    return this.bytes.subarray(0, this.length);
  }

  reset(): void {
    this.length = BATCH_HEADER_BYTES;
    this.count = 0;
    // Do not keep a huge buffer alive after one huge batch (e.g. a multi-get storm).
    if (this.bytes.length > KEPT_CAPACITY) {
      this.bytes = new Uint8Array(INITIAL_CAPACITY);
      this.view = new DataView(this.bytes.buffer);
    }
  }

  get isEmpty(): boolean {
    return this.count === 0;
  }
}

/** Main thread: appends request records to the batch being built for one shard. */
export class RequestBatchWriter extends GrowableBuffer {
  append(
    opCode: number,
    key: Uint8Array | null,
    hash: number,
    value: Uint8Array | null,
    clientFlags: number,
    expiresAtMs: number,
    argLow: number,
    argHigh: number,
  ): void {
    const keyLength = key === null ? 0 : key.length;
    const valueLength = value === null ? 0 : value.length;
    const recordLength = align8(REQUEST_HEADER_BYTES + keyLength + valueLength);
    this.ensure(recordLength);
    const at = this.length;
    const view = this.view;
    view.setUint8(at, opCode);
    view.setUint8(at + 1, 0);
    view.setUint16(at + 2, keyLength, true);
    view.setUint32(at + 4, hash, true);
    view.setUint32(at + 8, valueLength, true);
    view.setUint32(at + 12, clientFlags >>> 0, true);
    view.setFloat64(at + 16, expiresAtMs, true);
    view.setUint32(at + 24, argLow >>> 0, true);
    view.setUint32(at + 28, argHigh >>> 0, true);
    if (key !== null) this.bytes.set(key, at + REQUEST_HEADER_BYTES);
    if (value !== null) this.bytes.set(value, at + REQUEST_HEADER_BYTES + keyLength);
    this.length = at + recordLength;
    this.count++;
  }

  /** An item op: the header as append(), then the args block, then `payload` (messages.ts). */
  appendItemOp(
    opCode: number,
    key: Uint8Array,
    hash: number,
    args: ItemOpArgs,
    payload: Uint8Array | null,
    clientFlags: number,
    expiresAtMs: number,
    compareCasLow: number,
    compareCasHigh: number,
  ): void {
    const payloadLength = payload === null ? 0 : payload.length;
    const recordLength = align8(REQUEST_HEADER_BYTES + key.length + ITEM_ARGS_BYTES + payloadLength);
    this.ensure(recordLength);
    const at = this.length;
    const view = this.view;
    view.setUint8(at, opCode);
    view.setUint8(at + 1, 0);
    view.setUint16(at + 2, key.length, true);
    view.setUint32(at + 4, hash, true);
    view.setUint32(at + 8, ITEM_ARGS_BYTES + payloadLength, true);
    view.setUint32(at + 12, clientFlags >>> 0, true);
    view.setFloat64(at + 16, expiresAtMs, true);
    view.setUint32(at + 24, compareCasLow >>> 0, true);
    view.setUint32(at + 28, compareCasHigh >>> 0, true);
    this.bytes.set(key, at + REQUEST_HEADER_BYTES);
    const a = at + REQUEST_HEADER_BYTES + key.length;
    view.setUint32(a, args.options >>> 0, true);
    view.setUint32(a + 4, args.mode >>> 0, true);
    view.setFloat64(a + 8, args.secondExpiresAtMs, true);
    view.setUint32(a + 16, args.newCasLow >>> 0, true);
    view.setUint32(a + 20, args.newCasHigh >>> 0, true);
    view.setUint32(a + 24, args.deltaLow >>> 0, true);
    view.setUint32(a + 28, args.deltaHigh >>> 0, true);
    view.setUint32(a + 32, args.initialLow >>> 0, true);
    view.setUint32(a + 36, args.initialHigh >>> 0, true);
    view.setUint32(a + 40, args.recacheBelowSeconds >>> 0, true);
    view.setUint32(a + 44, 0, true);
    if (payload !== null) this.bytes.set(payload, a + ITEM_ARGS_BYTES);
    this.length = at + recordLength;
    this.count++;
  }
}

/** Worker: walks the request records of one batch. Fields describe the current record. */
export class RequestBatchReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  readonly count: number;
  private next = BATCH_HEADER_BYTES;

  opCode = 0;
  hash = 0;
  keyOffset = 0;
  keyLength = 0;
  valueOffset = 0;
  valueLength = 0;
  clientFlags = 0;
  expiresAtMs = 0;
  argLow = 0;
  argHigh = 0;

  /** Reads from `batch`, which may be a view into a shared ring (offsets below are relative to it). */
  constructor(batch: Uint8Array) {
    this.bytes = batch;
    this.view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    this.count = batch.length >= BATCH_HEADER_BYTES ? this.view.getUint32(0, true) : 0;
  }

  /** Advances to the next record; false when the batch is exhausted or truncated. */
  read(): boolean {
    const at = this.next;
    if (at + REQUEST_HEADER_BYTES > this.bytes.length) return false;
    const view = this.view;
    this.opCode = view.getUint8(at);
    this.keyLength = view.getUint16(at + 2, true);
    this.hash = view.getUint32(at + 4, true);
    this.valueLength = view.getUint32(at + 8, true);
    this.clientFlags = view.getUint32(at + 12, true);
    this.expiresAtMs = view.getFloat64(at + 16, true);
    this.argLow = view.getUint32(at + 24, true);
    this.argHigh = view.getUint32(at + 28, true);
    this.keyOffset = at + REQUEST_HEADER_BYTES;
    this.valueOffset = this.keyOffset + this.keyLength;
    const end = this.valueOffset + this.valueLength;
    if (end > this.bytes.length) return false;
    this.next = align8(end);
    return true;
  }

  /**
   * For an item op: decodes the args block at the start of the value area into `into` and moves
   * valueOffset/valueLength onto the payload behind it. False when the record is too short.
   */
  readItemArgs(into: ItemOpArgs): boolean {
    if (this.valueLength < ITEM_ARGS_BYTES) return false;
    const view = this.view;
    const a = this.valueOffset;
    into.options = view.getUint32(a, true);
    into.mode = view.getUint32(a + 4, true);
    into.secondExpiresAtMs = view.getFloat64(a + 8, true);
    into.newCasLow = view.getUint32(a + 16, true);
    into.newCasHigh = view.getUint32(a + 20, true);
    into.deltaLow = view.getUint32(a + 24, true);
    into.deltaHigh = view.getUint32(a + 28, true);
    into.initialLow = view.getUint32(a + 32, true);
    into.initialHigh = view.getUint32(a + 36, true);
    into.recacheBelowSeconds = view.getUint32(a + 40, true);
    this.valueOffset = a + ITEM_ARGS_BYTES;
    this.valueLength -= ITEM_ARGS_BYTES;
    return true;
  }
}

/** Worker: appends one reply record per request record. */
export class ReplyBatchWriter extends GrowableBuffer {
  private lastRecordAt = BATCH_HEADER_BYTES;

  /** @param largeCapacity see GrowableBuffer (the executor passes its reply budget plus room for a few values). */
  constructor(largeCapacity = 0) {
    super(INITIAL_CAPACITY, largeCapacity);
  }

  append(
    status: number,
    clientFlags: number,
    casLow: number,
    casHigh: number,
    value: Uint8Array | null,
    valueOffset: number,
    valueLength: number,
  ): void {
    const recordLength = align8(REPLY_HEADER_BYTES + valueLength);
    this.ensure(recordLength);
    const at = this.length;
    const view = this.view;
    view.setUint8(at, status);
    // The buffer is reused: replyFlags must be cleared, or old bytes would read as REPLY_HAS_ITEM_INFO.
    view.setUint8(at + 1, 0);
    view.setUint8(at + 2, 0);
    this.lastRecordAt = at;
    view.setUint32(at + 4, clientFlags >>> 0, true);
    view.setUint32(at + 8, casLow >>> 0, true);
    view.setUint32(at + 12, casHigh >>> 0, true);
    view.setUint32(at + 16, valueLength, true);
    if (value !== null && valueLength > 0) {
      copyBytes(this.bytes, at + REPLY_HEADER_BYTES, value, valueOffset, valueOffset + valueLength);
    }
    this.length = at + recordLength;
    this.count++;
  }

  appendStatus(status: number): void {
    this.append(status, 0, 0, 0, null, 0, 0);
  }

  /** Flags the record just appended as "found a non-string item of `itemType`" (REPLY_WRONG_TYPE). */
  markLastWrongType(itemType: number): void {
    const at = this.lastRecordAt;
    this.view.setUint8(at + 1, this.view.getUint8(at + 1) | REPLY_WRONG_TYPE);
    this.view.setUint8(at + 2, itemType);
  }

  /** A reply carrying the item info block (messages.ts) between header and value. */
  appendWithItemInfo(
    status: number,
    clientFlags: number,
    casLow: number,
    casHigh: number,
    ttlSeconds: number,
    expiresAtMs: number,
    idleSeconds: number,
    itemSize: number,
    valueSize: number,
    slabClassId: number,
    itemInfoBits: number,
    value: Uint8Array | null,
    valueOffset: number,
    valueLength: number,
  ): void {
    const recordLength = align8(REPLY_HEADER_BYTES + ITEM_INFO_BYTES + valueLength);
    this.ensure(recordLength);
    const at = this.length;
    const view = this.view;
    view.setUint8(at, status);
    view.setUint8(at + 1, REPLY_HAS_ITEM_INFO);
    view.setUint8(at + 2, 0);
    this.lastRecordAt = at;
    view.setUint32(at + 4, clientFlags >>> 0, true);
    view.setUint32(at + 8, casLow >>> 0, true);
    view.setUint32(at + 12, casHigh >>> 0, true);
    view.setUint32(at + 16, valueLength, true);
    const i = at + REPLY_HEADER_BYTES;
    view.setInt32(i, ttlSeconds, true);
    view.setUint32(i + 4, idleSeconds >>> 0, true);
    view.setUint32(i + 8, itemSize >>> 0, true);
    view.setUint32(i + 12, valueSize >>> 0, true);
    view.setUint8(i + 16, slabClassId);
    view.setUint8(i + 17, itemInfoBits);
    view.setUint16(i + 18, 0, true);
    view.setUint32(i + 20, 0, true);
    view.setFloat64(i + 24, expiresAtMs, true);
    if (value !== null && valueLength > 0) {
      copyBytes(this.bytes, i + ITEM_INFO_BYTES, value, valueOffset, valueOffset + valueLength);
    }
    this.length = at + recordLength;
    this.count++;
  }
}

/**
 * Main thread: walks the reply records of one batch. The same object is handed
 * to every reply sink; its fields describe the current record and `bytes` is a
 * view of the reply batch (sinks copy what they keep).
 */
export class ReplyBatchReader {
  bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  count = 0;
  private next = BATCH_HEADER_BYTES;

  status = 0;
  clientFlags = 0;
  casLow = 0;
  casHigh = 0;
  valueOffset = 0;
  valueLength = 0;
  /** True when the record carries item info; the item* fields below are valid only then. */
  hasItemInfo = false;
  /** A string op met a non-string item (answered as a miss): its ITEM_TYPE_*, else -1 (REPLY_WRONG_TYPE). */
  wrongType = -1;
  /** Remaining TTL in whole seconds, -1 = never expires. */
  itemTtlSeconds = 0;
  /** Absolute expiry in unix ms, 0 = never (the exact value behind itemTtlSeconds). */
  itemExpiresAtMs = 0;
  /** Seconds since the item was last accessed, as before this op. */
  itemIdleSeconds = 0;
  /** Item size in bytes as memcached reports it (me `size`). */
  itemSize = 0;
  /** Length of the item's value, whether or not it was sent (mg `s`). */
  itemValueSize = 0;
  /** Slab class id, memcached numbering (from 1). */
  itemSlabClassId = 0;
  /** ItemInfoBit bits. */
  itemInfoBits = 0;

  reset(batch: Uint8Array): void {
    this.bytes = batch;
    this.view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    this.count = batch.length >= BATCH_HEADER_BYTES ? this.view.getUint32(0, true) : 0;
    this.next = BATCH_HEADER_BYTES;
  }

  read(): boolean {
    const at = this.next;
    if (at + REPLY_HEADER_BYTES > this.bytes.length) return false;
    const view = this.view;
    this.status = view.getUint8(at);
    this.clientFlags = view.getUint32(at + 4, true);
    this.casLow = view.getUint32(at + 8, true);
    this.casHigh = view.getUint32(at + 12, true);
    this.valueLength = view.getUint32(at + 16, true);
    this.valueOffset = at + REPLY_HEADER_BYTES;
    this.hasItemInfo = (view.getUint8(at + 1) & REPLY_HAS_ITEM_INFO) !== 0;
    this.wrongType = (view.getUint8(at + 1) & REPLY_WRONG_TYPE) !== 0 ? view.getUint8(at + 2) : -1;
    if (this.hasItemInfo) {
      if (this.valueOffset + ITEM_INFO_BYTES > this.bytes.length) return false;
      this.readItemInfo(this.valueOffset);
    }
    this.next = align8(this.valueOffset + this.valueLength);
    return true;
  }

  private readItemInfo(at: number): void {
    const view = this.view;
    this.itemTtlSeconds = view.getInt32(at, true);
    this.itemIdleSeconds = view.getUint32(at + 4, true);
    this.itemSize = view.getUint32(at + 8, true);
    this.itemValueSize = view.getUint32(at + 12, true);
    this.itemSlabClassId = view.getUint8(at + 16);
    this.itemInfoBits = view.getUint8(at + 17);
    this.itemExpiresAtMs = view.getFloat64(at + 24, true);
    this.valueOffset = at + ITEM_INFO_BYTES;
  }

  /** A copy of the current value (for sinks that keep it past the callback). */
  copyValue(): Buffer {
    return Buffer.from(this.bytes.subarray(this.valueOffset, this.valueOffset + this.valueLength));
  }
}

/**
 * TypedCommand's value area (messages.ts): the command name then its arguments, each as
 * u32 length (little endian) + bytes.
 */
export function encodeTypedArgs(name: string, args: readonly Uint8Array[]): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  let length = 4 + nameBytes.length;
  for (const arg of args) length += 4 + arg.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, nameBytes.length, true);
  out.set(nameBytes, 4);
  let at = 4 + nameBytes.length;
  for (const arg of args) {
    view.setUint32(at, arg.length, true);
    out.set(arg, at + 4);
    at += 4 + arg.length;
  }
  return out;
}

/**
 * Worker: the name and argument views (into `bytes`, valid while the batch is) of a TypedCommand
 * value area, or null when it is malformed.
 */
export function decodeTypedArgs(bytes: Uint8Array, offset: number, length: number): { name: string; args: Uint8Array[] } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < length) {
    if (at + 4 > length) return null;
    const partLength = view.getUint32(at, true);
    if (at + 4 + partLength > length) return null;
    parts.push(bytes.subarray(offset + at + 4, offset + at + 4 + partLength));
    at += 4 + partLength;
  }
  if (parts.length === 0) return null;
  let name = '';
  for (const byte of parts[0]!) name += String.fromCharCode(byte);
  return { name, args: parts.slice(1) };
}
