/**
 * Validation of memcached meta command lines (`mg ms md ma mn me`), as
 * memcached 1.6.18 does it in proto_text.c (`_meta_flag_preparse` and the
 * process_m*_command functions), checked against the golden transcript
 * test/fixtures/memcached/meta-cases.json. The text parser tokenizes the
 * line and reads `ms` data blocks; this module only turns tokens into a
 * MetaRequest or the exact error memcached answers, in memcached's order of
 * checks (the order decides which error wins, and whether an `ms` data block
 * is swallowed or read as the next command).
 *
 * Beyond 1.6.18, from doc/protocol.txt: the `E` flag (explicit CAS) and
 * `md x` (drop the value, keep the item).
 * May import only `protocol/common`, `util` and the memcache protocol modules.
 */

import { parseCInt32, parseCUint32, parseCUint64 } from './c-number';
import { MEMCACHE_KEY_MAX_LENGTH, MEMCACHE_MAX_TOKENS } from './commands';
import type { MetaCommand, MetaRequest, ParseErrorCode } from './request';

/** memcached MFLAG_MAX_OPT_LENGTH: more tokens than this (counting the command, key and end marker) is refused. */
const MAX_META_TOKENS = 20;
/** memcached MFLAG_MAX_OPAQUE_LENGTH (the `O` itself included). */
export const META_MAX_OPAQUE_LENGTH = 32;

export const META_BAD_FORMAT = 'CLIENT_ERROR bad command line format';
const META_DUPLICATE_FLAG = 'CLIENT_ERROR duplicate flag';
const META_INVALID_FLAG = 'CLIENT_ERROR invalid flag';
const META_BAD_TOKEN = 'CLIENT_ERROR bad token in command line format';
const META_BAD_KEY_ENCODING = 'CLIENT_ERROR error decoding key';
const META_BAD_MODE_LENGTH = 'CLIENT_ERROR incorrect length for M token';
const META_BAD_INITIAL = 'CLIENT_ERROR invalid numeric initial value';
const META_BAD_DELTA = 'CLIENT_ERROR invalid numeric delta value';
const META_INVALID_OR_DUPLICATE = 'CLIENT_ERROR invalid or duplicate flag';
export const META_OPAQUE_TOO_LONG = 'CLIENT_ERROR opaque token too long';
const META_MS_BAD_MODE = 'CLIENT_ERROR invalid mode for ms M token';
const META_MA_BAD_MODE = 'CLIENT_ERROR invalid mode for ma M token';
/** mg says "are too long", the others "too long": both as memcached spells them. */
const META_MG_TOO_MANY_FLAGS = 'CLIENT_ERROR options flags are too long';
const META_TOO_MANY_FLAGS = 'CLIENT_ERROR options flags too long';
const META_TOO_LARGE = 'SERVER_ERROR object too large for cache';

/** memcached: a declared length must leave room for the CRLF in an int. */
const MAX_DECLARED_BYTES = 2147483647 - 2;

export type MetaLineOutcome =
  /** A complete command (everything but `ms`). */
  | { type: 'request'; request: MetaRequest }
  /** `ms`: read `valueLength` bytes plus CRLF, then complete `request.value`. */
  | { type: 'data'; request: MetaRequest; valueLength: number }
  /**
   * Refused: send `reply`, then skip `swallow` bytes (an `ms` data block plus
   * CRLF, or 0 when memcached reads them as the next command). `unlinkKey`:
   * memcached drops the key's current item ("avoid stale data") when a value
   * is too large.
   */
  | { type: 'error'; reply: string; code: ParseErrorCode; swallow: number; unlinkKey: Buffer | null };

/** The tokens of one command line: [starts[i], ends[i]) in `line`, count tokens in all. */
export interface LineTokens {
  readonly line: Buffer;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly count: number;
}

/**
 * memcached's own size rule for a stored item (48 B header, 8 B CAS, key + 1,
 * value + CRLF, 4 B of flags when non-zero) against -I, so that the same
 * values are refused as by memcached whatever our own item layout.
 */
export function exceedsMemcachedItemSize(keyLength: number, valueLength: number, flags: number, maxItemSize: number): boolean {
  return 48 + 8 + keyLength + 1 + valueLength + 2 + (flags !== 0 ? 4 : 0) > maxItemSize;
}

/** Which meta command a two-letter `m?` name is, or null (memcached answers `ERROR`). */
export function metaCommandOf(secondLetter: number): MetaCommand | null {
  switch (secondLetter) {
    case 0x67: return 'mg';
    case 0x73: return 'ms';
    case 0x64: return 'md';
    case 0x61: return 'ma';
    case 0x6e: return 'mn';
    case 0x65: return 'me';
    default: return null;
  }
}

function newRequest(command: MetaCommand, key: Buffer): MetaRequest {
  return {
    kind: 'meta',
    command,
    key,
    base64Key: false,
    order: '',
    opaque: null,
    errorAfterExecution: null,
    quiet: false,
    returnValue: false,
    noBump: false,
    ttl: null,
    vivifyTtl: null,
    recacheTtl: null,
    clientFlags: 0,
    compareCas: null,
    newCas: null,
    mode: null,
    delta: 1n,
    initial: 0n,
    invalidate: false,
    dropValue: false,
    value: null,
  };
}

function refuse(reply: string, code: ParseErrorCode = 'meta_invalid', swallow = 0, unlinkKey: Buffer | null = null): MetaLineOutcome {
  return { type: 'error', reply, code, swallow, unlinkKey };
}

/**
 * Validates one meta command line. `command` comes from metaCommandOf; the
 * caller has already answered `ERROR` for other `m?` names.
 */
export function parseMetaLine(command: MetaCommand, tokens: LineTokens, maxItemSize: number): MetaLineOutcome {
  if (command === 'mn') return { type: 'request', request: newRequest('mn', EMPTY) };
  // memcached's token count includes an end marker, and its tokenizer stops after 23 tokens.
  const ntokens = Math.min(tokens.count, MEMCACHE_MAX_TOKENS) + 1;
  if (command === 'me') return parseMetaDebug(tokens, ntokens);
  if (ntokens < 3) return refuse('ERROR', 'wrong_arity');
  if (tokens.ends[1]! - tokens.starts[1]! > MEMCACHE_KEY_MAX_LENGTH) return refuse(META_BAD_FORMAT, 'bad_command_line');
  switch (command) {
    case 'mg':
      return parseMetaGet(tokens, ntokens);
    case 'ms':
      return parseMetaSet(tokens, ntokens, maxItemSize);
    default:
      return parseMetaDeleteOrArithmetic(command, tokens, ntokens);
  }
}

const EMPTY = Buffer.alloc(0);
const LETTER_B = 0x62;

function parseMetaDebug(tokens: LineTokens, ntokens: number): MetaLineOutcome {
  const { line, starts, ends } = tokens;
  if (ntokens < 3 || ends[1]! - starts[1]! > MEMCACHE_KEY_MAX_LENGTH) return refuse(META_BAD_FORMAT, 'bad_command_line');
  const request = newRequest('me', line.subarray(starts[1]!, ends[1]!));
  // Only an exact `b` as the first argument means base64; anything else is ignored.
  if (ntokens >= 4 && ends[2]! - starts[2]! === 1 && line[starts[2]!] === LETTER_B) {
    const key = decodeBase64Like(line, starts[1]!, ends[1]!);
    if (key === null) return refuse(META_BAD_FORMAT, 'bad_command_line');
    request.key = key;
    request.base64Key = true;
  }
  return { type: 'request', request };
}

function parseMetaGet(tokens: LineTokens, ntokens: number): MetaLineOutcome {
  if (ntokens > MAX_META_TOKENS) return refuse(META_MG_TOO_MANY_FLAGS);
  const request = newRequest('mg', keyView(tokens));
  const error = preparseFlags(tokens, 2, request);
  if (error !== null) return refuse(error);
  if (request.opaque !== null && request.opaque.length > META_MAX_OPAQUE_LENGTH) request.errorAfterExecution = META_OPAQUE_TOO_LONG;
  return { type: 'request', request };
}

function parseMetaSet(tokens: LineTokens, ntokens: number, maxItemSize: number): MetaLineOutcome {
  const { line, starts, ends } = tokens;
  // Refusals before the length is known leave the data block to be read as a command.
  if (ntokens === 3) return refuse(META_BAD_FORMAT, 'bad_command_line');
  if (ntokens > MAX_META_TOKENS) return refuse(META_TOO_MANY_FLAGS);
  const declared = parseCInt32(line, starts[2]!, ends[2]!);
  if (Number.isNaN(declared) || declared < 0 || declared > MAX_DECLARED_BYTES) return refuse(META_BAD_FORMAT, 'bad_command_line');
  const swallow = declared + 2;

  const request = newRequest('ms', keyView(tokens));
  const error = preparseFlags(tokens, 3, request);
  if (error !== null) return refuse(error, 'meta_invalid', swallow);
  const opaqueTooLong = request.opaque !== null && request.opaque.length > META_MAX_OPAQUE_LENGTH;
  if (request.mode !== null && !'EAPRS'.includes(request.mode)) return refuse(META_MS_BAD_MODE, 'meta_invalid', swallow);
  if (opaqueTooLong) return refuse(META_OPAQUE_TOO_LONG, 'meta_invalid', swallow);
  if (exceedsMemcachedItemSize(request.key.length, declared, request.clientFlags, maxItemSize)) {
    // memcached unlinks the key's item whatever the mode, even under q.
    return refuse(META_TOO_LARGE, 'too_large', swallow, request.key);
  }
  return { type: 'data', request, valueLength: declared };
}

function parseMetaDeleteOrArithmetic(command: 'md' | 'ma', tokens: LineTokens, ntokens: number): MetaLineOutcome {
  if (ntokens > MAX_META_TOKENS) return refuse(META_TOO_MANY_FLAGS);
  const request = newRequest(command, keyView(tokens));
  // md and ma answer one message for every flag problem.
  if (preparseFlags(tokens, 2, request) !== null) return refuse(META_INVALID_OR_DUPLICATE);
  const opaqueTooLong = request.opaque !== null && request.opaque.length > META_MAX_OPAQUE_LENGTH;
  if (command === 'md') {
    if (opaqueTooLong) return refuse(META_OPAQUE_TOO_LONG);
  } else {
    if (request.mode !== null && !'I+D-'.includes(request.mode)) return refuse(META_MA_BAD_MODE);
    if (opaqueTooLong) request.errorAfterExecution = META_OPAQUE_TOO_LONG;
  }
  return { type: 'request', request };
}

function keyView(tokens: LineTokens): Buffer {
  return tokens.line.subarray(tokens.starts[1]!, tokens.ends[1]!);
}

/**
 * memcached's `_meta_flag_preparse`: one pass over the flag tokens from
 * `first`. A duplicate (or a first byte ≥ 127) and an unknown flag stop at
 * once; a bad token is remembered and the pass goes on, so a later error's
 * message wins. Returns null or the error line.
 */
function preparseFlags(tokens: LineTokens, first: number, request: MetaRequest): string | null {
  const { line, starts, ends } = tokens;
  const last = Math.min(tokens.count, MEMCACHE_MAX_TOKENS);
  const seen = new Uint8Array(128);
  let error: string | null = null;
  let failed = false;
  let order = '';
  for (let i = first; i < last; i++) {
    const s = starts[i]!;
    const e = ends[i]!;
    const flag = line[s]!;
    if (flag >= 127 || seen[flag] !== 0) return META_DUPLICATE_FLAG;
    seen[flag] = 1;
    order += String.fromCharCode(flag);
    switch (flag) {
      case 0x62 /* b */: {
        const decoded = decodeBase64Like(line, starts[1]!, ends[1]!);
        if (decoded === null) {
          error = META_BAD_KEY_ENCODING;
          failed = true;
        } else {
          request.key = decoded;
        }
        request.base64Key = true;
        break;
      }
      case 0x4e /* N */:
      case 0x54 /* T */:
      case 0x52 /* R */: {
        const ttl = parseCInt32(line, s + 1, e);
        if (Number.isNaN(ttl)) {
          error = META_BAD_TOKEN;
          failed = true;
        } else if (flag === 0x4e) request.vivifyTtl = ttl;
        else if (flag === 0x54) request.ttl = ttl;
        else request.recacheTtl = ttl;
        break;
      }
      case 0x4f /* O */:
        request.opaque = line.subarray(s, e);
        break;
      case 0x50 /* P */:
      case 0x4c /* L */:
      case 0x6b /* k */:
      case 0x73 /* s */:
      case 0x74 /* t */:
      case 0x63 /* c */:
      case 0x66 /* f */:
      case 0x6c /* l */:
      case 0x68 /* h */:
        break;
      case 0x76 /* v */:
        request.returnValue = true;
        break;
      case 0x75 /* u */:
        request.noBump = true;
        break;
      case 0x71 /* q */:
        request.quiet = true;
        break;
      case 0x46 /* F */: {
        // A bad F keeps whatever message an earlier flag left (memcached sets none here).
        const flags = parseCUint32(line, s + 1, e);
        if (flags < 0) failed = true;
        else request.clientFlags = flags;
        break;
      }
      case 0x43 /* C */:
      case 0x45 /* E */: {
        const cas = parseCUint64(line, s + 1, e);
        if (cas === null) {
          error = META_BAD_TOKEN;
          failed = true;
        } else if (flag === 0x43) request.compareCas = cas;
        else request.newCas = cas;
        break;
      }
      case 0x4d /* M */:
        if (e - s !== 2) {
          error = META_BAD_MODE_LENGTH;
          failed = true;
        } else {
          request.mode = String.fromCharCode(line[s + 1]!);
        }
        break;
      case 0x4a /* J */:
      case 0x44 /* D */: {
        const n = parseCUint64(line, s + 1, e);
        if (n === null) {
          error = flag === 0x4a ? META_BAD_INITIAL : META_BAD_DELTA;
          failed = true;
        } else if (flag === 0x4a) request.initial = n;
        else request.delta = n;
        break;
      }
      case 0x49 /* I */:
        request.invalidate = true;
        break;
      case 0x78 /* x */:
        request.dropValue = true;
        break;
      default:
        return META_INVALID_FLAG;
    }
  }
  request.order = order;
  return failed ? (error ?? META_BAD_FORMAT) : null;
}

/** memcached's base64 decoding table value for "not a base64 character". */
const NOT_BASE64 = 0x80;
const BASE64_VALUES = (() => {
  const table = new Uint8Array(256).fill(NOT_BASE64);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  table[0x3d /* = */] = 0;
  return table;
})();

/**
 * Decodes a key the way memcached's base64_decode does, which is laxer than
 * RFC 4648 in memcached's own ways: characters outside the alphabet are
 * skipped, the remaining count must be a non-zero multiple of 4, decoding
 * stops after the first block with padding, and 3 or more `=` in a block is
 * an error. Returns null where memcached's decoder returns 0.
 */
export function decodeBase64Like(buf: Uint8Array, start: number, end: number): Buffer | null {
  let count = 0;
  for (let i = start; i < end; i++) if (BASE64_VALUES[buf[i]!] !== NOT_BASE64) count++;
  if (count === 0 || count % 4 !== 0) return null;
  const out = Buffer.allocUnsafe((count / 4) * 3);
  const block = [0, 0, 0, 0];
  let filled = 0;
  let padding = 0;
  let at = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    const value = BASE64_VALUES[c]!;
    if (value === NOT_BASE64) continue;
    if (c === 0x3d) padding++;
    block[filled++] = value;
    if (filled < 4) continue;
    out[at++] = ((block[0]! << 2) | (block[1]! >> 4)) & 0xff;
    out[at++] = ((block[1]! << 4) | (block[2]! >> 2)) & 0xff;
    out[at++] = ((block[2]! << 6) | block[3]!) & 0xff;
    filled = 0;
    if (padding > 0) {
      if (padding > 2) return null;
      at -= padding;
      break;
    }
  }
  return at === 0 ? null : out.subarray(0, at);
}
