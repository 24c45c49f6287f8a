/**
 * Push decoder for the memcached binary protocol. `push()` takes bytes as they
 * arrive, in any split, and calls `onRequest` once per request packet, in
 * order; the same bytes give the same events however they are chunked.
 *
 * It follows memcached 1.6.18 (`try_read_command_binary`, `dispatch_bin_command`
 * in proto_bin.c): it waits for the 24-byte header plus extras and key, then
 * checks, in memcached's order, the magic (else close, no reply), that key +
 * extras fit in the body (else "Unknown command" and close), the key length
 * (at most 250) and the opcode's shape (else "Invalid arguments" and close).
 * An unknown opcode is answered and its body skipped; a value over the limit is
 * answered E2BIG and skipped as it streams in, never buffered.
 *
 * Memory stays bounded: the header and extras + key (at most 65,790 bytes, the
 * u8 + u16 the header allows) and a value up to `maxValueLength` are gathered
 * from the pushed chunks as they arrive; nothing is allocated from a declared
 * length. Keys, extras and values are views of the pushed chunks when they
 * arrived in one piece (the caller must not reuse chunks), copies otherwise.
 *
 * After a closing fault the parser ignores all further bytes.
 * May import only `protocol/common` and `util`.
 */
import {
  BINARY_HEADER_LENGTH,
  BINARY_KEY_MAX_LENGTH,
  BINARY_OPCODES,
  BINARY_REQUEST_MAGIC,
  type BinaryOpcodeSpec,
} from './opcodes';
import type { BinaryFault, BinaryParserHandlers, BinaryParserLimits, BinaryRequest } from './request';

const enum State {
  Header,
  /** Extras then key. */
  Prefix,
  Value,
  /** Counting off body bytes nobody will read. */
  Skip,
  Closed,
}

const EMPTY: Buffer = Buffer.alloc(0);

export class MemcacheBinaryParser {
  readonly #handlers: BinaryParserHandlers;
  readonly #maxValueLength: number;
  #state = State.Header;
  /** Bytes of the current stage gathered so far (views of pushed chunks). */
  #pieces: Buffer[] = [];
  #gathered = 0;
  #skipLeft = 0;

  // The header of the packet being read.
  #opcode = 0;
  #keyLength = 0;
  #extrasLength = 0;
  #bodyLength = 0;
  #opaque = 0;
  #casHigh = 0;
  #casLow = 0;
  // Set once extras + key arrived.
  #spec: BinaryOpcodeSpec | null = null;
  #extras = EMPTY;
  #key = EMPTY;
  #valueLength = 0;

  constructor(handlers: BinaryParserHandlers, limits: BinaryParserLimits) {
    if (!Number.isSafeInteger(limits.maxValueLength) || limits.maxValueLength < 0) {
      throw new RangeError(`maxValueLength must be a non-negative integer, got ${limits.maxValueLength}`);
    }
    this.#handlers = handlers;
    this.#maxValueLength = limits.maxValueLength;
  }

  /** True after a fault that ends the conversation. */
  get closed(): boolean {
    return this.#state === State.Closed;
  }

  /** Bytes held for a packet not complete yet (for per-connection memory accounting). */
  get bufferedBytes(): number {
    return this.#gathered;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.#state) {
        case State.Header:
          pos = this.#gather(chunk, pos, BINARY_HEADER_LENGTH);
          if (this.#gathered === BINARY_HEADER_LENGTH) this.#onHeader(this.#take());
          break;
        case State.Prefix:
          pos = this.#gather(chunk, pos, this.#extrasLength + this.#keyLength);
          if (this.#gathered === this.#extrasLength + this.#keyLength) this.#onPrefix(this.#take());
          break;
        case State.Value:
          pos = this.#gather(chunk, pos, this.#valueLength);
          if (this.#gathered === this.#valueLength) this.#emit(this.#take(), null);
          break;
        case State.Skip: {
          const n = Math.min(this.#skipLeft, chunk.length - pos);
          this.#skipLeft -= n;
          pos += n;
          if (this.#skipLeft === 0) this.#state = State.Header;
          break;
        }
        case State.Closed:
          return;
      }
    }
  }

  /** Adds bytes of `chunk` from `pos` until `target` bytes are gathered; returns the new position. */
  #gather(chunk: Buffer, pos: number, target: number): number {
    const n = Math.min(target - this.#gathered, chunk.length - pos);
    this.#pieces.push(chunk.subarray(pos, pos + n));
    this.#gathered += n;
    return pos + n;
  }

  #take(): Buffer {
    const pieces = this.#pieces;
    const bytes = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, this.#gathered);
    this.#pieces = [];
    this.#gathered = 0;
    return bytes;
  }

  #onHeader(header: Buffer): void {
    this.#opcode = header[1]!;
    this.#keyLength = header.readUInt16BE(2);
    this.#extrasLength = header[4]!;
    this.#bodyLength = header.readUInt32BE(8);
    this.#opaque = header.readUInt32BE(12);
    this.#casHigh = header.readUInt32BE(16);
    this.#casLow = header.readUInt32BE(20);
    this.#spec = null;
    this.#extras = EMPTY;
    this.#key = EMPTY;
    this.#valueLength = 0;
    if (header[0] !== BINARY_REQUEST_MAGIC) return this.#fail('bad-magic');
    this.#state = State.Prefix;
    if (this.#extrasLength + this.#keyLength === 0) this.#onPrefix(EMPTY);
  }

  #onPrefix(prefix: Buffer): void {
    const extrasLength = this.#extrasLength;
    const keyLength = this.#keyLength;
    this.#extras = prefix.subarray(0, extrasLength);
    this.#key = prefix.subarray(extrasLength, extrasLength + keyLength);
    if (extrasLength + keyLength > this.#bodyLength) return this.#fail('bad-frame');
    this.#valueLength = this.#bodyLength - extrasLength - keyLength;
    if (keyLength > BINARY_KEY_MAX_LENGTH) return this.#fail('invalid');
    const spec = BINARY_OPCODES.get(this.#opcode) ?? null;
    this.#spec = spec;
    if (spec === null) return this.#skipBody('unknown-command');
    if (!shapeFits(spec, extrasLength, keyLength, this.#valueLength)) return this.#fail('invalid');
    switch (spec.value) {
      case 'none':
        return this.#emit(EMPTY, null);
      case 'ignored':
        return this.#skipBody(null);
      case 'data':
        if (this.#valueLength > this.#maxValueLength) return this.#skipBody('too-large');
        if (this.#valueLength === 0) return this.#emit(EMPTY, null);
        this.#state = State.Value;
    }
  }

  /** Reports the packet now and counts its remaining body bytes off as they arrive. */
  #skipBody(fault: BinaryFault | null): void {
    this.#skipLeft = this.#valueLength;
    this.#emit(EMPTY, fault);
    if (this.#state === State.Closed) return;
    this.#state = this.#skipLeft > 0 ? State.Skip : State.Header;
  }

  #fail(fault: BinaryFault): void {
    this.#state = State.Closed;
    this.#pieces = [];
    this.#gathered = 0;
    this.#emit(EMPTY, fault);
  }

  #emit(value: Buffer, fault: BinaryFault | null): void {
    if (this.#state !== State.Closed) this.#state = State.Header;
    const request: BinaryRequest = {
      opcode: this.#opcode,
      spec: this.#spec,
      opaque: this.#opaque,
      casHigh: this.#casHigh,
      casLow: this.#casLow,
      extras: this.#extras,
      key: this.#key,
      value,
      declaredValueLength: this.#valueLength,
      fault,
    };
    this.#handlers.onRequest(request);
  }
}

function shapeFits(spec: BinaryOpcodeSpec, extrasLength: number, keyLength: number, valueLength: number): boolean {
  if (!spec.extras.includes(extrasLength)) return false;
  if (spec.key === 'none' && keyLength !== 0) return false;
  if (spec.key === 'required' && keyLength === 0) return false;
  if (spec.value === 'none' && valueLength !== 0) return false;
  return true;
}
