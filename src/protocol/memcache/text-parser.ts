/**
 * Push decoder for the memcached text protocol (classic and meta commands). `push()`
 * takes bytes as they arrive, in any split, and calls `onRequest` / `onError`
 * in order; the same bytes give the same events however they are chunked.
 *
 * It reproduces memcached 1.6 `proto_text.c` byte for byte where that is
 * deterministic (golden transcript: test/fixtures/memcached/edge-cases.json):
 * the line ends at `\n` (one `\r` before it is dropped), tokens are split on
 * spaces only, a NUL byte ends the line early, numbers are read like C strtol
 * (see c-number.ts), `noreply` as the last token silences the reply and most
 * errors, and a storage command's data block is read by length: exactly
 * `<bytes>` + 2 bytes, which must end in `\r\n` or the reply is
 * `CLIENT_ERROR bad data chunk` and parsing simply resumes after them.
 *
 * Memory stays bounded: a partial line is kept up to the line limit, a data
 * block up to maxItemSize + 2, and larger values are counted off ("swallowed")
 * without being stored. Keys and values are `subarray` views of the pushed
 * chunks (the caller must not reuse them); only lines and values that span
 * chunks are copied into a new Buffer.
 *
 * Meta commands (two-letter `m?` names) are validated by meta-parser.ts; an
 * `ms` data block is read here like a `set` block.
 *
 * Handlers must not throw. After a closing event (quit, over-long line,
 * HTTP request) the parser ignores all further bytes.
 * May import only `protocol/common` and `util`.
 */

import {
  MEMCACHE_COMMAND_NAME_MAX_LENGTH,
  MEMCACHE_FIRST_LETTER_DISPATCH,
  MEMCACHE_KEY_MAX_LENGTH,
  MEMCACHE_MAX_TOKENS,
  MEMCACHE_TEXT_COMMANDS,
  type TextCommandSpec,
} from './commands';
import { parseCInt32, parseCUint32, parseCUint64, parseCUint64Split } from './c-number';
import { metaCommandOf, parseMetaLine, type LineTokens } from './meta-parser';
import type {
  MemcacheTextRequest,
  MetaRequest,
  ParseErrorCode,
  StorageCommand,
  RetrievalCommand,
  TextParserHandlers,
  TextParserLimits,
} from './request';

export const DEFAULT_TEXT_PARSER_LIMITS: Readonly<TextParserLimits> = Object.freeze({
  maxItemSize: 1024 * 1024,
  maxLineLength: 2048,
  maxRetrievalLineLength: 256 * 1024,
  maxKeysPerRetrieval: 8192,
});

export const REPLY_ERROR = 'ERROR';
export const REPLY_BAD_FORMAT = 'CLIENT_ERROR bad command line format';
export const REPLY_BAD_DELETE = 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]';
export const REPLY_INVALID_EXPTIME = 'CLIENT_ERROR invalid exptime argument';
export const REPLY_INVALID_DELTA = 'CLIENT_ERROR invalid numeric delta argument';
export const REPLY_BAD_DATA_CHUNK = 'CLIENT_ERROR bad data chunk';
export const REPLY_TOO_LARGE = 'SERVER_ERROR object too large for cache';
export const REPLY_LINE_TOO_LONG = 'CLIENT_ERROR line too long';
export const REPLY_TOO_MANY_KEYS = 'CLIENT_ERROR too many keys';

const ST_LINE = 0;
const ST_DATA = 1;
const ST_SWALLOW = 2;
const ST_CLOSED = 3;

const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;
/** memcached: vlen > INT_MAX - 2 is a bad command line (vlen + 2 must fit an int). */
const MAX_DECLARED_BYTES = 2147483647 - 2;
/** memcached keeps the connection of a long get line only if at most this many spaces precede `get `. */
const LONG_GET_MAX_LEADING_SPACES = 100;
/** First allocation for a data block that spans chunks; it then doubles, up to `<bytes>` + 2. */
const DATA_INITIAL_CAPACITY = 16 * 1024;

interface CommandEntry {
  readonly name: string;
  readonly bytes: Buffer;
  readonly spec: TextCommandSpec;
}

/**
 * The command table indexed by a cheap hash of the name's bytes, so a line's
 * command is found without decoding it into a string.
 */
const COMMAND_BUCKETS: CommandEntry[][] = Array.from({ length: 128 }, () => []);
function nameBucket(buf: Uint8Array, start: number, length: number): number {
  return (buf[start]! * 7 + buf[start + 1]! * 3 + buf[start + length - 1]! + length * 31) & 127;
}
for (const [name, spec] of Object.entries(MEMCACHE_TEXT_COMMANDS)) {
  const bytes = Buffer.from(name, 'latin1');
  COMMAND_BUCKETS[nameBucket(bytes, 0, bytes.length)]!.push({ name, bytes, spec });
}

function lookupCommand(buf: Buffer, start: number, length: number): CommandEntry | undefined {
  if (length < 2 || length > MEMCACHE_COMMAND_NAME_MAX_LENGTH) return undefined;
  for (const entry of COMMAND_BUCKETS[nameBucket(buf, start, length)]!) {
    if (entry.bytes.length === length && startsWith(buf, start, start + length, entry.bytes)) return entry;
  }
  return undefined;
}

const NOREPLY = Buffer.from('noreply', 'latin1');
const HTTP_PREFIX = Buffer.from('HTTP/', 'latin1');
const GET_PREFIX = Buffer.from('get ', 'latin1');
const GETS_PREFIX = Buffer.from('gets ', 'latin1');
const EMPTY = Buffer.alloc(0);

type LineHandler = (spec: TextCommandSpec, name: string) => void;

export class MemcacheTextParser {
  readonly #handlers: TextParserHandlers;
  readonly #maxItemSize: number;
  readonly #maxLineLength: number;
  readonly #maxRetrievalLineLength: number;
  readonly #maxKeys: number;
  readonly #byKind: Record<Exclude<MemcacheTextRequest['kind'], 'meta'>, LineHandler>;

  #state = ST_LINE;

  // A command line received in pieces: views of the chunks, joined at `\n`.
  #parts: Buffer[] = [];
  #partsLength = 0;
  /** The partial line is already known to be a long get/gets (checked once). */
  #partsLongGet = false;

  // Tokens of the line being dispatched: [#ts[i], #te[i]) in #line.
  #line: Buffer = EMPTY;
  #ts = new Int32Array(32);
  #te = new Int32Array(32);
  #nt = 0;

  // The storage command waiting for its data block.
  #pCommand: StorageCommand = 'set';
  #pKey: Buffer = EMPTY;
  #pFlags = 0;
  #pExptime = 0;
  #pLength = 0;
  #pCasHigh = 0;
  #pCasLow = 0;
  #pNoreply = false;
  /** An `ms` waiting for its data block (then the classic fields above are unused). */
  #pMeta: MetaRequest | null = null;
  /** Assembly buffer for a data block spanning chunks (value + CRLF), grown as bytes arrive. */
  #data: Buffer | null = null;
  #dataFilled = 0;

  #swallowLeft = 0;
  readonly #cas = { high: 0, low: 0 };

  constructor(handlers: TextParserHandlers, limits: TextParserLimits) {
    for (const name of ['maxItemSize', 'maxLineLength', 'maxRetrievalLineLength', 'maxKeysPerRetrieval'] as const) {
      const v = limits[name];
      if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`TextParserLimits.${name} must be a positive integer, got ${v}`);
    }
    this.#handlers = handlers;
    this.#maxItemSize = limits.maxItemSize;
    this.#maxLineLength = limits.maxLineLength;
    this.#maxRetrievalLineLength = Math.max(limits.maxRetrievalLineLength, limits.maxLineLength);
    this.#maxKeys = limits.maxKeysPerRetrieval;
    this.#byKind = {
      retrieval: (spec, name) => this.#retrieval(spec, name),
      storage: (spec, name) => this.#storage(spec, name),
      delete: (_spec, name) => this.#delete(name),
      arithmetic: (spec, name) => this.#arithmetic(spec, name),
      touch: (_spec, name) => this.#touch(name),
      flush_all: (_spec, name) => this.#flushAll(name),
      stats: () => this.#stats(),
      config: () => this.#config(),
      version: () => this.#handlers.onRequest({ kind: 'version' }),
      verbosity: (_spec, name) => this.#verbosity(name),
      quit: () => this.#quit(),
      shutdown: () => this.#shutdown(),
    };
  }

  /** True once a quit or a closing error was reported: further bytes are ignored. */
  get closed(): boolean {
    return this.#state === ST_CLOSED;
  }

  /**
   * Bytes held for an incomplete line, or allocated for a data block spanning
   * chunks (at most twice what arrived of it, plus 16 KiB; memcached allocates
   * the item up front, we do not), for per-connection memory accounting. Zero
   * while swallowing.
   */
  get bufferedBytes(): number {
    return this.#partsLength + (this.#data === null ? 0 : this.#data.length);
  }

  push(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      const state = this.#state;
      if (state === ST_LINE) pos = this.#feedLine(chunk, pos, len);
      else if (state === ST_DATA) pos = this.#feedData(chunk, pos, len);
      else if (state === ST_SWALLOW) {
        const n = Math.min(this.#swallowLeft, len - pos);
        this.#swallowLeft -= n;
        pos += n;
        if (this.#swallowLeft === 0) this.#state = ST_LINE;
      } else return;
    }
  }

  // ---- framing ------------------------------------------------------------

  #feedLine(chunk: Buffer, pos: number, len: number): number {
    const nl = chunk.indexOf(LF, pos);
    if (nl === -1) {
      this.#parts.push(chunk.subarray(pos, len));
      this.#partsLength += len - pos;
      if (this.#partsLength > this.#maxLineLength) this.#checkPartialLongLine();
      return len;
    }
    if (this.#partsLength === 0) {
      this.#onLine(chunk, pos, nl);
    } else {
      this.#parts.push(chunk.subarray(pos, nl));
      const line = Buffer.concat(this.#parts, this.#partsLength + (nl - pos));
      this.#clearParts();
      this.#onLine(line, 0, line.length);
    }
    return nl + 1;
  }

  #clearParts(): void {
    this.#parts = [];
    this.#partsLength = 0;
    this.#partsLongGet = false;
  }

  /** More than maxLineLength bytes and still no `\n`: memcached's check in try_read_command_ascii. */
  #checkPartialLongLine(): void {
    if (!this.#partsLongGet) {
      const joined = Buffer.concat(this.#parts, this.#partsLength);
      this.#parts = [joined];
      if (!this.#longLineAllowed(joined, 0, joined.length)) return;
      this.#partsLongGet = true;
    } else if (this.#partsLength > this.#maxRetrievalLineLength) {
      this.#closeLongGet();
    }
  }

  /**
   * A line over maxLineLength survives only if it starts (after at most 100
   * spaces) with `get ` or `gets ` and stays within maxRetrievalLineLength.
   * Judging the whole line makes the outcome independent of how it was split:
   * memcached, fed byte by byte, decides at byte maxLineLength + 1.
   */
  #longLineAllowed(buf: Buffer, start: number, end: number): boolean {
    let i = start;
    while (i < end && buf[i] === SPACE) i++;
    const isGet = i - start <= LONG_GET_MAX_LEADING_SPACES && (startsWith(buf, i, end, GET_PREFIX) || startsWith(buf, i, end, GETS_PREFIX));
    if (!isGet) {
      this.#close(null, 'line_too_long');
      return false;
    }
    if (end - start > this.#maxRetrievalLineLength) {
      this.#closeLongGet();
      return false;
    }
    return true;
  }

  #closeLongGet(): void {
    this.#close(REPLY_LINE_TOO_LONG, 'line_too_long', 'get');
  }

  #close(reply: string | null, code: ParseErrorCode, command?: string): void {
    this.#state = ST_CLOSED;
    this.#clearParts();
    this.#data = null;
    this.#dataFilled = 0;
    this.#pMeta = null;
    this.#line = EMPTY;
    this.#handlers.onError(command === undefined ? { reply, close: true, code } : { reply, close: true, code, command });
  }

  #feedData(chunk: Buffer, pos: number, len: number): number {
    const vlen = this.#pLength;
    const total = vlen + 2;
    if (this.#dataFilled === 0 && len - pos >= total) {
      // Common case: the whole block is in this chunk, so the value is a view.
      this.#state = ST_LINE;
      this.#finishStorage(chunk.subarray(pos, pos + vlen), chunk[pos + vlen] === CR && chunk[pos + vlen + 1] === LF);
      return pos + total;
    }
    const n = Math.min(total - this.#dataFilled, len - pos);
    let data = this.#data;
    if (data === null || data.length < this.#dataFilled + n) {
      // Grow with what arrived, never to the declared length up front: a client
      // that declares 1 MB and sends 10 bytes must not cost us 1 MB (fuzz finding).
      const capacity = Math.min(total, Math.max(this.#dataFilled + n, 2 * this.#dataFilled, DATA_INITIAL_CAPACITY));
      const grown = Buffer.allocUnsafe(capacity);
      if (data !== null) data.copy(grown, 0, 0, this.#dataFilled);
      data = this.#data = grown;
    }
    chunk.copy(data, this.#dataFilled, pos, pos + n);
    this.#dataFilled += n;
    if (this.#dataFilled === total) {
      this.#data = null;
      this.#dataFilled = 0;
      this.#state = ST_LINE;
      this.#finishStorage(data.subarray(0, vlen), data[vlen] === CR && data[vlen + 1] === LF);
    }
    return pos + n;
  }

  #finishStorage(value: Buffer, terminated: boolean): void {
    const meta = this.#pMeta;
    if (meta !== null) {
      this.#pMeta = null;
      // memcached shows this error even under q.
      if (!terminated) this.#fail('bad_data_chunk', REPLY_BAD_DATA_CHUNK, false, 'ms');
      else {
        meta.value = value;
        this.#handlers.onRequest(meta);
      }
      return;
    }
    const key = this.#pKey;
    this.#pKey = EMPTY;
    if (!terminated) {
      this.#fail('bad_data_chunk', REPLY_BAD_DATA_CHUNK, this.#pNoreply, this.#pCommand);
      return;
    }
    this.#handlers.onRequest({
      kind: 'storage',
      command: this.#pCommand,
      key,
      flags: this.#pFlags,
      exptime: this.#pExptime,
      value,
      casHigh: this.#pCasHigh,
      casLow: this.#pCasLow,
      noreply: this.#pNoreply,
    });
  }

  // ---- command line -------------------------------------------------------

  /** [start, end) is the line without its `\n`. */
  #onLine(buf: Buffer, start: number, end: number): void {
    if (end - start > this.#maxLineLength && !this.#longLineAllowed(buf, start, end)) return;
    // memcached strips the `\r` only when something precedes it.
    if (end - start > 1 && buf[end - 1] === CR) end--;

    // Tokenize on spaces only (a tab is part of a token); NUL ends the line, as strlen() does.
    let ts = this.#ts;
    let te = this.#te;
    let n = 0;
    let i = start;
    while (i < end) {
      const c = buf[i]!;
      if (c === SPACE) {
        i++;
        continue;
      }
      if (c === 0) break;
      const s = i++;
      while (i < end) {
        const d = buf[i]!;
        if (d === SPACE || d === 0) break;
        i++;
      }
      if (n === ts.length) {
        ts = this.#ts = growInt32(ts);
        te = this.#te = growInt32(te);
      }
      ts[n] = s;
      te[n] = i;
      n++;
    }
    this.#nt = n;
    this.#line = buf;

    const nameLength = n === 0 ? 0 : te[0]! - ts[0]!;
    if (nameLength < 2) {
      this.#fail('unknown_command', REPLY_ERROR, false);
      return;
    }
    // memcached tries the two-letter meta names before anything else.
    if (nameLength === 2 && buf[ts[0]!] === 0x6d /* m */) {
      this.#meta();
      this.#line = EMPTY;
      return;
    }
    const entry = lookupCommand(buf, ts[0]!, nameLength);
    if (entry === undefined) {
      this.#unknown();
    } else if (n - 1 < entry.spec.minArgs || n - 1 > entry.spec.maxArgs) {
      this.#fail('wrong_arity', REPLY_ERROR, false, entry.name);
    } else {
      this.#byKind[entry.spec.kind](entry.spec, entry.name);
    }
    this.#line = EMPTY;
  }

  #unknown(): void {
    const first = this.#line[this.#ts[0]!]!;
    const dispatched = MEMCACHE_FIRST_LETTER_DISPATCH.has(first);
    // memcached looks at tokens[ntokens - 2]: the last token, or the 23rd of a longer line.
    const last = Math.min(this.#nt, MEMCACHE_MAX_TOKENS) - 1;
    if (!dispatched && this.#tokenStartsWith(last, HTTP_PREFIX)) this.#close(null, 'http_request');
    else this.#fail('unknown_command', REPLY_ERROR, false);
  }

  #meta(): void {
    const command = metaCommandOf(this.#line[this.#ts[0]! + 1]!);
    if (command === null) {
      this.#fail('unknown_command', REPLY_ERROR, false);
      return;
    }
    const tokens: LineTokens = { line: this.#line, starts: this.#ts, ends: this.#te, count: this.#nt };
    const outcome = parseMetaLine(command, tokens, this.#maxItemSize);
    switch (outcome.type) {
      case 'request':
        this.#handlers.onRequest(outcome.request);
        return;
      case 'data':
        this.#pMeta = outcome.request;
        this.#pLength = outcome.valueLength;
        this.#data = null;
        this.#dataFilled = 0;
        this.#state = ST_DATA;
        return;
      case 'error': {
        if (outcome.swallow > 0) {
          this.#swallowLeft = outcome.swallow;
          this.#state = ST_SWALLOW;
        }
        const event = { reply: outcome.reply, close: false, code: outcome.code, command };
        this.#handlers.onError(outcome.unlinkKey === null ? event : { ...event, unlinkKey: outcome.unlinkKey });
        return;
      }
    }
  }

  #retrieval(spec: TextCommandSpec, name: string): void {
    const buf = this.#line;
    const ts = this.#ts;
    const te = this.#te;
    let first = 1;
    let exptime = 0;
    if (spec.touch === true) {
      exptime = parseCInt32(buf, ts[1]!, te[1]!);
      if (Number.isNaN(exptime)) {
        this.#fail('invalid_exptime', REPLY_INVALID_EXPTIME, false, name);
        return;
      }
      first = 2;
    }
    const count = this.#nt - first;
    if (count > this.#maxKeys) {
      this.#fail('too_many_keys', REPLY_TOO_MANY_KEYS, false, name);
      return;
    }
    const keys = new Array<Buffer>(count);
    for (let k = 0; k < count; k++) {
      const s = ts[first + k]!;
      const e = te[first + k]!;
      if (e - s > MEMCACHE_KEY_MAX_LENGTH) {
        this.#fail('bad_command_line', REPLY_BAD_FORMAT, false, name);
        return;
      }
      keys[k] = buf.subarray(s, e);
    }
    this.#handlers.onRequest({ kind: 'retrieval', command: spec.command as RetrievalCommand, keys, exptime });
  }

  #storage(spec: TextCommandSpec, name: string): void {
    const buf = this.#line;
    const ts = this.#ts;
    const te = this.#te;
    // memcached decides noreply first, so it also silences the errors below.
    const noreply = this.#isNoreply(this.#nt - 1);
    if (te[1]! - ts[1]! > MEMCACHE_KEY_MAX_LENGTH) {
      this.#fail('bad_command_line', REPLY_BAD_FORMAT, noreply, name);
      return;
    }
    const flags = parseCUint32(buf, ts[2]!, te[2]!);
    const exptime = parseCInt32(buf, ts[3]!, te[3]!);
    const vlen = parseCInt32(buf, ts[4]!, te[4]!);
    let casHigh = 0;
    let casLow = 0;
    let ok = flags >= 0 && !Number.isNaN(exptime) && !Number.isNaN(vlen);
    if (ok && spec.cas === true) {
      ok = parseCUint64Split(buf, ts[5]!, te[5]!, this.#cas);
      casHigh = this.#cas.high;
      casLow = this.#cas.low;
    }
    if (!ok || vlen < 0 || vlen > MAX_DECLARED_BYTES) {
      // No swallow: the data line that follows is read as a command.
      this.#fail('bad_command_line', REPLY_BAD_FORMAT, noreply, name);
      return;
    }
    const key = buf.subarray(ts[1]!, te[1]!);
    const command = spec.command as StorageCommand;
    if (vlen > this.#maxItemSize) {
      this.#swallowLeft = vlen + 2;
      this.#state = ST_SWALLOW;
      this.#handlers.onError({
        reply: noreply ? null : REPLY_TOO_LARGE,
        close: false,
        code: 'too_large',
        command: name,
        ...(command === 'set' ? { unlinkKey: key } : {}),
      });
      return;
    }
    this.#pCommand = command;
    this.#pKey = key;
    this.#pFlags = flags;
    this.#pExptime = exptime;
    this.#pLength = vlen;
    this.#pCasHigh = casHigh;
    this.#pCasLow = casLow;
    this.#pNoreply = noreply;
    this.#pMeta = null;
    this.#data = null;
    this.#dataFilled = 0;
    this.#state = ST_DATA;
  }

  #delete(name: string): void {
    const argc = this.#nt - 1;
    let noreply = false;
    if (argc >= 2) {
      // The legacy `<time>` argument must be exactly "0".
      const holdIsZero = this.#te[2]! - this.#ts[2]! === 1 && this.#line[this.#ts[2]!] === 0x30;
      noreply = this.#isNoreply(this.#nt - 1);
      const valid = (argc === 2 && (holdIsZero || noreply)) || (argc === 3 && holdIsZero && noreply);
      if (!valid) {
        this.#fail('bad_command_line', REPLY_BAD_DELETE, noreply, name);
        return;
      }
    }
    const key = this.#key(noreply, name);
    if (key !== null) this.#handlers.onRequest({ kind: 'delete', key, noreply });
  }

  #arithmetic(spec: TextCommandSpec, name: string): void {
    const noreply = this.#isNoreply(this.#nt - 1);
    const key = this.#key(noreply, name);
    if (key === null) return;
    const delta = parseCUint64(this.#line, this.#ts[2]!, this.#te[2]!);
    if (delta === null) {
      this.#fail('invalid_delta', REPLY_INVALID_DELTA, noreply, name);
      return;
    }
    this.#handlers.onRequest({ kind: 'arithmetic', command: spec.command as 'incr' | 'decr', key, delta, noreply });
  }

  #touch(name: string): void {
    const noreply = this.#isNoreply(this.#nt - 1);
    const key = this.#key(noreply, name);
    if (key === null) return;
    const exptime = parseCInt32(this.#line, this.#ts[2]!, this.#te[2]!);
    if (Number.isNaN(exptime)) {
      this.#fail('invalid_exptime', REPLY_INVALID_EXPTIME, noreply, name);
      return;
    }
    this.#handlers.onRequest({ kind: 'touch', key, exptime, noreply });
  }

  #flushAll(name: string): void {
    const argc = this.#nt - 1;
    const noreply = argc >= 1 && this.#isNoreply(this.#nt - 1);
    let delay = 0;
    if (argc !== (noreply ? 1 : 0)) {
      delay = parseCInt32(this.#line, this.#ts[1]!, this.#te[1]!);
      if (Number.isNaN(delay)) {
        this.#fail('invalid_exptime', REPLY_INVALID_EXPTIME, noreply, name);
        return;
      }
    }
    this.#handlers.onRequest({ kind: 'flush_all', delay, noreply });
  }

  #verbosity(name: string): void {
    const noreply = this.#isNoreply(this.#nt - 1);
    const level = parseCUint32(this.#line, this.#ts[1]!, this.#te[1]!);
    if (level < 0) {
      this.#fail('bad_command_line', REPLY_BAD_FORMAT, noreply, name);
      return;
    }
    this.#handlers.onRequest({ kind: 'verbosity', level, noreply });
  }

  #stats(): void {
    const args = new Array<string>(this.#nt - 1);
    for (let k = 1; k < this.#nt; k++) args[k - 1] = this.#line.toString('latin1', this.#ts[k]!, this.#te[k]!);
    this.#handlers.onRequest({ kind: 'stats', args });
  }

  #config(): void {
    const args = new Array<string>(this.#nt - 1);
    for (let k = 1; k < this.#nt; k++) args[k - 1] = this.#line.toString('latin1', this.#ts[k]!, this.#te[k]!);
    this.#handlers.onRequest({ kind: 'config', args });
  }

  #quit(): void {
    this.#state = ST_CLOSED;
    this.#clearParts();
    this.#handlers.onRequest({ kind: 'quit' });
  }

  #shutdown(): void {
    const argc = this.#nt - 1;
    if (argc === 0) this.#handlers.onRequest({ kind: 'shutdown', graceful: false });
    else if (argc === 1 && this.#tokenEquals(1, 'graceful')) this.#handlers.onRequest({ kind: 'shutdown', graceful: true });
    else this.#handlers.onRequest({ kind: 'shutdown', graceful: false, invalidMode: true });
  }

  // ---- helpers ------------------------------------------------------------

  /** Token 1 as a key, or null after reporting a key over 250 bytes. */
  #key(noreply: boolean, name: string): Buffer | null {
    const s = this.#ts[1]!;
    const e = this.#te[1]!;
    if (e - s > MEMCACHE_KEY_MAX_LENGTH) {
      this.#fail('bad_command_line', REPLY_BAD_FORMAT, noreply, name);
      return null;
    }
    return this.#line.subarray(s, e);
  }

  #fail(code: ParseErrorCode, reply: string, noreply: boolean, command?: string): void {
    const r = noreply ? null : reply;
    this.#handlers.onError(command === undefined ? { reply: r, close: false, code } : { reply: r, close: false, code, command });
  }

  #isNoreply(index: number): boolean {
    return this.#te[index]! - this.#ts[index]! === 7 && this.#tokenStartsWith(index, NOREPLY);
  }

  #tokenStartsWith(index: number, prefix: Buffer): boolean {
    return startsWith(this.#line, this.#ts[index]!, this.#te[index]!, prefix);
  }

  #tokenEquals(index: number, text: string): boolean {
    const s = this.#ts[index]!;
    const e = this.#te[index]!;
    if (e - s !== text.length) return false;
    for (let i = 0; i < text.length; i++) if (this.#line[s + i] !== text.charCodeAt(i)) return false;
    return true;
  }
}

function startsWith(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

function growInt32(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
