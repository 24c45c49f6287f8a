/**
 * RESP request decoder (push style: feed any split of the bytes, get the same
 * commands). Reads what Redis's `processMultibulkBuffer` and
 * `processInlineBuffer` read, with the same error texts:
 *
 * - multibulk: `*<count>\r\n` then `$<len>\r\n<bytes>\r\n` per argument. Like
 *   Redis, a line ends at '\r' and the byte after it is skipped unchecked, the
 *   two bytes after a bulk are skipped unchecked, and a count ≤ 0 is an empty
 *   request (ignored).
 * - inline: anything else, one line up to '\n' (a trailing '\r' dropped),
 *   split like `sdssplitargs` (quotes, \xHH escapes).
 *
 * A protocol error is reported once and the decoder stops: Redis answers the
 * error and closes the connection. Declared lengths are bounds-checked and
 * never allocated up front: argument bytes are gathered as they arrive.
 *
 * May import only `src/protocol/resp/*` (no sockets, no storage).
 */
import { parseStrictSmallInt } from './strict-integer';

export interface RespParserLimits {
  /**
   * Largest `$<len>` accepted. Redis's own bound is 512 MB (`proto-max-bulk-len`);
   * ours is the max item size plus a margin, since no larger value can be stored.
   */
  maxBulkLength: number;
  /**
   * Largest `*<count>` accepted. Redis 7 accepts up to 2^31-1 and bounds the
   * request by bytes instead; each argument costs us an object, so we keep
   * Redis 6's bound of 1024*1024.
   */
  maxArguments: number;
  /**
   * Bytes one request may hold (all its arguments). Past it the connection is
   * closed without a reply, as Redis does at `client-query-buffer-limit`.
   */
  maxRequestBytes: number;
}

/** Redis's PROTO_INLINE_MAX_SIZE: longest inline request and longest `*`/`$` line. */
export const INLINE_MAX_LENGTH = 64 * 1024;
/** Redis 7: counts above INT_MAX are invalid whatever our own bound. */
const INT_MAX = 2147483647;

export interface RespParserEvents {
  /** One complete command: argument 0 is the name as sent. */
  onCommand(args: Buffer[]): void;
  /**
   * The input is broken: `message` is the error line Redis sends (without '-'
   * and CRLF), or null to close without a reply. Nothing more is reported.
   */
  onProtocolError(message: string | null): void;
}

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;

const enum State {
  /** Between requests: the next byte picks multibulk or inline. */
  Start,
  /** Reading the `*<count>` line. */
  MultibulkCount,
  /** Reading a `$<len>` line. */
  BulkLength,
  /** Reading `<len>` bytes plus the two that follow. */
  BulkBody,
  Inline,
  /** A protocol error was reported: everything else is ignored. */
  Failed,
}

export class RespRequestParser {
  /** Unconsumed input; `offset` is where reading resumes. */
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private state = State.Start;
  private argsLeft = 0;
  private args: Buffer[] = [];
  private requestBytes = 0;
  /** Bulk being gathered across chunks (only when it did not arrive whole). */
  private bulkLength = 0;
  private bulkPieces: Buffer[] = [];
  private bulkReceived = 0;
  /** Chunks after an incomplete line, not yet joined to it. */
  private waitingChunks: Buffer[] = [];
  private waitingBytes = 0;

  constructor(
    private readonly events: RespParserEvents,
    private readonly limits: RespParserLimits,
  ) {}

  /**
   * Bytes held for a request not complete yet: unparsed input, a partial bulk,
   * and the finished arguments of a partial multibulk (for memory accounting).
   */
  get bufferedBytes(): number {
    let held = this.buffer.length - this.offset + this.waitingBytes;
    for (const piece of this.bulkPieces) held += piece.length;
    for (const arg of this.args) held += arg.length;
    return held;
  }

  push(chunk: Buffer): void {
    if (this.state === State.Failed) return;
    if (this.offset >= this.buffer.length) {
      this.buffer = chunk;
    } else {
      // An incomplete line waits. Join only when this chunk may complete it (or
      // make it too long): joining on every chunk would copy a line trickling in
      // byte by byte quadratically.
      this.waitingChunks.push(chunk);
      this.waitingBytes += chunk.length;
      if (!this.mayCompleteLine(chunk)) return;
      this.buffer = Buffer.concat([this.buffer.subarray(this.offset), ...this.waitingChunks]);
      this.waitingChunks = [];
      this.waitingBytes = 0;
    }
    this.offset = 0;
    this.parse();
    if (this.offset >= this.buffer.length) {
      this.buffer = EMPTY;
      this.offset = 0;
    }
  }

  private parse(): void {
    for (;;) {
      switch (this.state) {
        case State.Start:
          if (this.offset >= this.buffer.length) return;
          this.state = this.buffer[this.offset] === STAR ? State.MultibulkCount : State.Inline;
          break;
        case State.MultibulkCount:
          if (!this.readMultibulkCount()) return;
          break;
        case State.BulkLength:
          if (!this.readBulkLength()) return;
          break;
        case State.BulkBody:
          if (!this.readBulkBody()) return;
          break;
        case State.Inline:
          if (!this.readInline()) return;
          break;
        case State.Failed:
          return;
      }
    }
  }

  private mayCompleteLine(chunk: Buffer): boolean {
    const leftover = this.buffer.length - this.offset;
    if (this.waitingChunks.length === 1 && this.buffer[this.buffer.length - 1] === CR) return true;
    if (leftover + this.waitingBytes > INLINE_MAX_LENGTH) return true;
    return chunk.includes(this.state === State.Inline ? LF : CR);
  }

  /**
   * Finds the '\r' ending the line that starts at `offset` and requires one
   * more byte after it (Redis skips that byte unchecked). Returns the '\r'
   * position, -1 to wait for more, or -2 after reporting a too long line.
   */
  private lineEnd(tooLongMessage: string): number {
    const buffer = this.buffer;
    const cr = buffer.indexOf(CR, this.offset);
    const lineLength = (cr < 0 ? buffer.length : cr) - this.offset;
    if (lineLength > INLINE_MAX_LENGTH) {
      this.fail(tooLongMessage);
      return -2;
    }
    if (cr < 0 || cr + 1 >= buffer.length) return -1;
    return cr;
  }

  private readMultibulkCount(): boolean {
    const cr = this.lineEnd('ERR Protocol error: too big mbulk count string');
    if (cr < 0) return false;
    const count = parseStrictSmallInt(this.buffer, this.offset + 1, cr);
    this.offset = cr + 2;
    if (count === null || count > INT_MAX || count > this.limits.maxArguments) {
      this.fail('ERR Protocol error: invalid multibulk length');
      return false;
    }
    if (count <= 0) {
      this.state = State.Start;
      return true;
    }
    this.argsLeft = count;
    this.args = [];
    this.requestBytes = 0;
    this.state = State.BulkLength;
    return true;
  }

  private readBulkLength(): boolean {
    const cr = this.lineEnd('ERR Protocol error: too big bulk count string');
    if (cr < 0) return false;
    const buffer = this.buffer;
    if (buffer[this.offset] !== DOLLAR) {
      // Redis maps CR and LF in an error to spaces (a raw one would end the reply line early: fuzz finding).
      const got = buffer[this.offset] === CR || buffer[this.offset] === LF ? ' ' : String.fromCharCode(buffer[this.offset]!);
      this.fail(`ERR Protocol error: expected '$', got '${got}'`);
      return false;
    }
    const length = parseStrictSmallInt(buffer, this.offset + 1, cr);
    this.offset = cr + 2;
    if (length === null || length < 0 || length > this.limits.maxBulkLength) {
      this.fail('ERR Protocol error: invalid bulk length');
      return false;
    }
    this.requestBytes += length;
    if (this.requestBytes > this.limits.maxRequestBytes) {
      this.fail(null);
      return false;
    }
    this.bulkLength = length;
    this.bulkPieces = [];
    this.bulkReceived = 0;
    this.state = State.BulkBody;
    return true;
  }

  private readBulkBody(): boolean {
    const buffer = this.buffer;
    // The bulk and the two bytes after it, of which some may have arrived earlier.
    const wanted = this.bulkLength + 2 - this.bulkReceived;
    const available = buffer.length - this.offset;
    if (available < wanted) {
      // Keep what arrived (a copy: the chunk's other bytes need not stay alive) and wait.
      if (available > 0) {
        this.bulkPieces.push(Buffer.from(buffer.subarray(this.offset)));
        this.bulkReceived += available;
        this.offset = buffer.length;
      }
      return false;
    }
    let arg: Buffer;
    if (this.bulkPieces.length === 0) {
      arg = buffer.subarray(this.offset, this.offset + this.bulkLength);
    } else {
      this.bulkPieces.push(buffer.subarray(this.offset, this.offset + wanted));
      arg = Buffer.concat(this.bulkPieces, this.bulkLength + 2).subarray(0, this.bulkLength);
      this.bulkPieces = [];
    }
    this.offset += wanted;
    this.args.push(arg);
    if (--this.argsLeft > 0) {
      this.state = State.BulkLength;
      return true;
    }
    const args = this.args;
    this.args = [];
    this.state = State.Start;
    this.events.onCommand(args);
    return true;
  }

  private readInline(): boolean {
    const buffer = this.buffer;
    const lf = buffer.indexOf(LF, this.offset);
    const lineLength = (lf < 0 ? buffer.length : lf) - this.offset;
    if (lineLength > INLINE_MAX_LENGTH) {
      this.fail('ERR Protocol error: too big inline request');
      return false;
    }
    if (lf < 0) return false;
    let end = lf;
    if (end > this.offset && buffer[end - 1] === CR) end--;
    const args = splitInlineArguments(buffer, this.offset, end);
    this.offset = lf + 1;
    this.state = State.Start;
    if (args === null) {
      this.fail('ERR Protocol error: unbalanced quotes in request');
      return false;
    }
    if (args.length > 0) this.events.onCommand(args);
    return true;
  }

  private fail(message: string | null): void {
    this.state = State.Failed;
    this.args = [];
    this.bulkPieces = [];
    this.waitingChunks = [];
    this.buffer = EMPTY;
    this.offset = 0;
    this.events.onProtocolError(message);
  }
}

const EMPTY = Buffer.alloc(0);

/** isspace() in the C locale: what sdssplitargs skips between arguments. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

const ESCAPES: Record<number, number> = { 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09, 0x62: 0x08, 0x61: 0x07 };

/**
 * Splits an inline request like Redis's `sdssplitargs`: arguments separated by
 * whitespace; "double quotes" with \n \r \t \b \a \xHH and \<any> escapes;
 * 'single quotes' with only \' escaped; a closing quote must be followed by
 * whitespace or the end. Redis works on a C string, so a NUL byte ends the
 * input. Returns null for unbalanced quotes.
 */
export function splitInlineArguments(bytes: Uint8Array, start: number, end: number): Buffer[] | null {
  const nul = bytes.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  const at = (i: number): number => (i < end ? bytes[i]! : 0);
  const args: Buffer[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(bytes[p]!)) p++;
    if (p >= end) return args;
    const current: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (let done = false; !done; ) {
      const c = at(p);
      if (inDouble) {
        if (c === 0x5c && at(p + 1) === 0x78 && hexValue(at(p + 2)) >= 0 && hexValue(at(p + 3)) >= 0) {
          current.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 0x5c && p + 1 < end) {
          p++;
          current.push(ESCAPES[at(p)] ?? at(p));
        } else if (c === 0x22) {
          if (p + 1 < end && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (p >= end) {
          return null;
        } else {
          current.push(c);
        }
      } else if (inSingle) {
        if (c === 0x5c && at(p + 1) === 0x27) {
          p++;
          current.push(0x27);
        } else if (c === 0x27) {
          if (p + 1 < end && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (p >= end) {
          return null;
        } else {
          current.push(c);
        }
      } else if (p >= end || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        current.push(c);
      }
      if (p < end) p++;
    }
    args.push(Buffer.from(current));
  }
}
