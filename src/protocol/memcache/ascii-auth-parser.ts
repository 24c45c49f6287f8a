/**
 * Push decoder for memcached's ascii authentication (`-Y <file>`): what a
 * text connection reads before it has logged in, as memcached 1.6.18's
 * `try_read_command_asciiauth` (proto_text.c), checked against the golden
 * transcript test/fixtures/memcached/ascii-auth-cases.json.
 *
 * - A line (up to `\n`) that is not `set` with at least 5 tokens and a
 *   numeric `<bytes>` (4th argument) answers `CLIENT_ERROR unauthenticated`;
 *   only that line is consumed, so a data block that follows is read as the
 *   next line. More than 2048 bytes without `\n` closes the connection.
 * - `set <any key> <any> <any> <bytes> [...]` reads `<bytes>` + 2: not ending
 *   in CRLF → `CLIENT_ERROR bad command line termination`; fewer than two
 *   space-separated tokens → `CLIENT_ERROR bad authentication token format`;
 *   otherwise the first two tokens are a login attempt (`onLogin`), which the
 *   session answers (`STORED` or `CLIENT_ERROR authentication failure`).
 *
 * Once a login succeeds the parser stops: `push` returns how many bytes of
 * the chunk it used, and the rest belongs to the normal text parser.
 * Credentials are passed as bytes and never turned into log text here.
 * May import only `protocol/common`, `util` and the memcache protocol modules.
 */

import { parseCUint32 } from './c-number';

export const REPLY_UNAUTHENTICATED = 'CLIENT_ERROR unauthenticated';
export const REPLY_AUTH_FAILURE = 'CLIENT_ERROR authentication failure';
export const REPLY_BAD_TERMINATION = 'CLIENT_ERROR bad command line termination';
export const REPLY_BAD_TOKEN_FORMAT = 'CLIENT_ERROR bad authentication token format';

/** memcached closes a connection whose unauthenticated line has no `\n` within this many bytes. */
const MAX_LINE_LENGTH = 2048;
/**
 * Our own bound on a login payload: memcached's user:password lines are at
 * most 256 characters, so anything longer cannot log in. Longer payloads are
 * counted off without being kept and answer `bad authentication token format`.
 */
const MAX_LOGIN_PAYLOAD = 1024;

const SPACE = 0x20;
const LF = 0x0a;
const CR = 0x0d;
const SET = Buffer.from('set', 'latin1');

export interface AsciiAuthHandlers {
  /** A line to send back (without CRLF). */
  onReply(line: string): void;
  /** A login attempt: answer it, and return true when it succeeded (the parser then stops). */
  onLogin(user: Buffer, password: Buffer): boolean;
  /** The peer sent an over-long line: close the connection. */
  onClose(): void;
}

const ST_LINE = 0;
const ST_PAYLOAD = 1;
const ST_LOGGED_IN = 2;
const ST_CLOSED = 3;

export class AsciiAuthParser {
  #state = ST_LINE;
  /** Pieces of an incomplete line, or of a payload (kept only up to MAX_LOGIN_PAYLOAD + 2). */
  #parts: Buffer[] = [];
  #partsLength = 0;
  /** Payload bytes still to come (`<bytes>` + 2 in all). */
  #payloadLeft = 0;
  #payloadTotal = 0;

  constructor(private readonly handlers: AsciiAuthHandlers) {}

  /** True once a login succeeded: later bytes are for the normal parser. */
  get loggedIn(): boolean {
    return this.#state === ST_LOGGED_IN;
  }

  /**
   * Consumes bytes until a login succeeds; returns how many bytes of `chunk`
   * it used. After a close (over-long line) it ignores everything.
   */
  push(chunk: Buffer): number {
    let pos = 0;
    while (pos < chunk.length && this.#state <= ST_PAYLOAD) {
      pos = this.#state === ST_LINE ? this.#feedLine(chunk, pos) : this.#feedPayload(chunk, pos);
    }
    // A closed connection's bytes are all "used": dropped.
    return this.#state === ST_CLOSED ? chunk.length : pos;
  }

  #feedLine(chunk: Buffer, pos: number): number {
    const nl = chunk.indexOf(LF, pos);
    if (nl === -1) {
      this.#keep(chunk.subarray(pos));
      if (this.#partsLength > MAX_LINE_LENGTH) this.#close();
      return chunk.length;
    }
    this.#keep(chunk.subarray(pos, nl));
    const line = this.#takeParts();
    if (line.length > MAX_LINE_LENGTH) {
      this.#close();
      return nl + 1;
    }
    this.#onLine(line);
    return nl + 1;
  }

  #onLine(line: Buffer): void {
    const tokens = splitOnSpaces(line);
    const declared = tokens.length >= 5 && tokens[0]!.equals(SET) ? parseCUint32(tokens[4]!, 0, tokens[4]!.length) : -1;
    if (declared < 0) {
      this.handlers.onReply(REPLY_UNAUTHENTICATED);
      return;
    }
    this.#payloadTotal = declared + 2;
    this.#payloadLeft = this.#payloadTotal;
    this.#state = ST_PAYLOAD;
  }

  #feedPayload(chunk: Buffer, pos: number): number {
    const n = Math.min(this.#payloadLeft, chunk.length - pos);
    // Keep what could still be a valid login; beyond that only count.
    const keep = Math.max(0, Math.min(n, MAX_LOGIN_PAYLOAD + 2 - this.#partsLength));
    if (keep > 0) this.#keep(chunk.subarray(pos, pos + keep));
    this.#payloadLeft -= n;
    if (this.#payloadLeft === 0) {
      this.#state = ST_LINE;
      this.#onPayload(this.#takeParts());
    }
    return pos + n;
  }

  #onPayload(kept: Buffer): void {
    if (this.#payloadTotal > MAX_LOGIN_PAYLOAD + 2) {
      this.handlers.onReply(REPLY_BAD_TOKEN_FORMAT);
      return;
    }
    const end = kept.length - 2;
    if (kept[end] !== CR || kept[end + 1] !== LF) {
      this.handlers.onReply(REPLY_BAD_TERMINATION);
      return;
    }
    const tokens = splitOnSpaces(kept.subarray(0, end));
    if (tokens.length < 2) {
      this.handlers.onReply(REPLY_BAD_TOKEN_FORMAT);
      return;
    }
    if (this.handlers.onLogin(tokens[0]!, tokens[1]!)) this.#state = ST_LOGGED_IN;
  }

  #close(): void {
    this.#state = ST_CLOSED;
    this.#parts = [];
    this.#partsLength = 0;
    this.handlers.onClose();
  }

  #keep(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#parts.push(piece);
    this.#partsLength += piece.length;
  }

  #takeParts(): Buffer {
    const joined = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#partsLength);
    this.#parts = [];
    this.#partsLength = 0;
    return joined;
  }
}

/** memcached's tokenizer: tokens separated by spaces only (a `\r` stays in the last token). */
function splitOnSpaces(bytes: Buffer): Buffer[] {
  const tokens: Buffer[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] === SPACE) {
      i++;
      continue;
    }
    const start = i;
    while (i < bytes.length && bytes[i] !== SPACE) i++;
    tokens.push(bytes.subarray(start, i));
  }
  return tokens;
}
