/**
 * RESP reply encoding for both protocol versions. A connection speaks RESP2
 * until `HELLO 3`; RESP3-only types are then sent as themselves, and before
 * that downgraded the way Redis does (map → flat array, set → array, double →
 * bulk string, boolean → integer 1/0, big number and verbatim → bulk string,
 * push → array, null → `$-1` or `*-1`).
 *
 * Hot replies (bulk values, integers, OK) have direct helpers; composite
 * replies are built as `RespValue` trees and encoded once.
 *
 * May import only `src/protocol/resp/*`, `src/util/bytes` and node:buffer.
 */
import { copyBytes, decimalDigits, writeDecimal } from '../../util/bytes';

export type RespVersion = 2 | 3;

export type RespValue =
  | { readonly type: 'simple'; readonly value: string }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'integer'; readonly value: number | bigint }
  | { readonly type: 'bulk'; readonly value: Uint8Array | string }
  /** A missing value: `$-1` in RESP2, `_` in RESP3. */
  | { readonly type: 'null' }
  /** A missing aggregate: `*-1` in RESP2, `_` in RESP3. */
  | { readonly type: 'nullArray' }
  | { readonly type: 'array'; readonly items: readonly RespValue[] }
  | { readonly type: 'map'; readonly entries: readonly (readonly [RespValue, RespValue])[] }
  | { readonly type: 'set'; readonly items: readonly RespValue[] }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'bigNumber'; readonly value: bigint }
  /** Text with a 3-letter format (`txt`, `mkd`): INFO and CLIENT INFO use it in RESP3. */
  | { readonly type: 'verbatim'; readonly format: string; readonly text: string }
  | { readonly type: 'push'; readonly items: readonly RespValue[] };

/** Small constructors so reply trees read like the reply. */
export const resp = {
  simple: (value: string): RespValue => ({ type: 'simple', value }),
  error: (message: string): RespValue => ({ type: 'error', message }),
  integer: (value: number | bigint): RespValue => ({ type: 'integer', value }),
  bulk: (value: Uint8Array | string): RespValue => ({ type: 'bulk', value }),
  null: { type: 'null' } as RespValue,
  nullArray: { type: 'nullArray' } as RespValue,
  array: (items: readonly RespValue[]): RespValue => ({ type: 'array', items }),
  map: (entries: readonly (readonly [RespValue, RespValue])[]): RespValue => ({ type: 'map', entries }),
  /** A map keyed by strings (bulk strings on the wire, as Redis sends them). */
  record: (entries: readonly (readonly [string, RespValue])[]): RespValue => ({
    type: 'map',
    entries: entries.map(([k, v]) => [{ type: 'bulk', value: k }, v] as const),
  }),
  set: (items: readonly RespValue[]): RespValue => ({ type: 'set', items }),
  double: (value: number): RespValue => ({ type: 'double', value }),
  boolean: (value: boolean): RespValue => ({ type: 'boolean', value }),
  bigNumber: (value: bigint): RespValue => ({ type: 'bigNumber', value }),
  verbatim: (text: string, format = 'txt'): RespValue => ({ type: 'verbatim', format, text }),
  push: (items: readonly RespValue[]): RespValue => ({ type: 'push', items }),
};

const CRLF = '\r\n';

export const OK_REPLY = Buffer.from('+OK\r\n');
export const PONG_REPLY = Buffer.from('+PONG\r\n');
const RESP2_NULL_BULK = Buffer.from('$-1\r\n');
const RESP2_NULL_ARRAY = Buffer.from('*-1\r\n');
const RESP3_NULL = Buffer.from('_\r\n');
const SMALL_INTEGERS: Buffer[] = Array.from({ length: 64 }, (_, i) => Buffer.from(`:${i}\r\n`));

/** An error line. `message` starts with its code (`ERR ...`, `WRONGPASS ...`); CR/LF become spaces as in Redis. */
export function errorReply(message: string): Buffer {
  return Buffer.from(`-${message.replace(/[\r\n]/g, ' ')}${CRLF}`, 'latin1');
}

export function simpleReply(text: string): Buffer {
  return Buffer.from(`+${text}${CRLF}`, 'latin1');
}

export function integerReply(value: number | bigint): Buffer {
  if (typeof value === 'number' && value >= 0 && value < SMALL_INTEGERS.length) return SMALL_INTEGERS[value]!;
  return Buffer.from(`:${value}${CRLF}`, 'latin1');
}

/** The size of `$<len>\r\n<bytes>\r\n` for `length` bytes. */
export function bulkReplySize(length: number): number {
  return 1 + decimalDigits(length) + 2 + length + 2;
}

/** Writes `$<len>\r\n<bytes>\r\n` at `at` of `out` (bulkReplySize bytes). */
export function writeBulkReply(out: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number): void {
  const length = end - start;
  out[at] = 0x24; // '$'
  at = writeDecimal(out, at + 1, length);
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  copyBytes(out, at + 2, bytes, start, end);
  at += 2 + length;
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
}

/** `$<len>\r\n<bytes>\r\n` in one exactly sized buffer. */
export function bulkReply(bytes: Uint8Array, start = 0, end = bytes.length): Buffer {
  const out = Buffer.allocUnsafe(bulkReplySize(end - start));
  writeBulkReply(out, 0, bytes, start, end);
  return out;
}

export function nullReply(version: RespVersion): Buffer {
  return version === 3 ? RESP3_NULL : RESP2_NULL_BULK;
}

export function nullArrayReply(version: RespVersion): Buffer {
  return version === 3 ? RESP3_NULL : RESP2_NULL_ARRAY;
}

/** Redis prints doubles in their shortest round-trip form, and inf / -inf / nan by name. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

export function encodeReply(value: RespValue, version: RespVersion): Buffer {
  const parts: (string | Uint8Array)[] = [];
  appendValue(parts, value, version);
  return joinParts(parts);
}

function appendValue(parts: (string | Uint8Array)[], value: RespValue, version: RespVersion): void {
  switch (value.type) {
    case 'simple':
      parts.push(`+${value.value.replace(/[\r\n]/g, ' ')}${CRLF}`);
      return;
    case 'error':
      parts.push(`-${value.message.replace(/[\r\n]/g, ' ')}${CRLF}`);
      return;
    case 'integer':
      parts.push(`:${value.value}${CRLF}`);
      return;
    case 'bulk':
      appendBulk(parts, value.value);
      return;
    case 'null':
      parts.push(version === 3 ? '_\r\n' : '$-1\r\n');
      return;
    case 'nullArray':
      parts.push(version === 3 ? '_\r\n' : '*-1\r\n');
      return;
    case 'array':
      appendAggregate(parts, '*', value.items, version);
      return;
    case 'set':
      appendAggregate(parts, version === 3 ? '~' : '*', value.items, version);
      return;
    case 'push':
      appendAggregate(parts, version === 3 ? '>' : '*', value.items, version);
      return;
    case 'map':
      parts.push(version === 3 ? `%${value.entries.length}${CRLF}` : `*${value.entries.length * 2}${CRLF}`);
      for (const [k, v] of value.entries) {
        appendValue(parts, k, version);
        appendValue(parts, v, version);
      }
      return;
    case 'double':
      if (version === 3) parts.push(`,${formatDouble(value.value)}${CRLF}`);
      else appendBulk(parts, formatDouble(value.value));
      return;
    case 'boolean':
      parts.push(version === 3 ? `#${value.value ? 't' : 'f'}${CRLF}` : `:${value.value ? 1 : 0}${CRLF}`);
      return;
    case 'bigNumber':
      if (version === 3) parts.push(`(${value.value}${CRLF}`);
      else appendBulk(parts, String(value.value));
      return;
    case 'verbatim': {
      if (version !== 3) {
        appendBulk(parts, value.text);
        return;
      }
      const body = Buffer.from(`${value.format}:${value.text}`, 'utf8');
      parts.push(`=${body.length}${CRLF}`, body, CRLF);
      return;
    }
  }
}

function appendAggregate(parts: (string | Uint8Array)[], marker: string, items: readonly RespValue[], version: RespVersion): void {
  parts.push(`${marker}${items.length}${CRLF}`);
  for (const item of items) appendValue(parts, item, version);
}

function appendBulk(parts: (string | Uint8Array)[], value: Uint8Array | string): void {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  parts.push(`$${bytes.length}${CRLF}`, bytes, CRLF);
}

function joinParts(parts: (string | Uint8Array)[]): Buffer {
  let length = 0;
  for (const part of parts) length += typeof part === 'string' ? Buffer.byteLength(part, 'latin1') : part.length;
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const part of parts) {
    if (typeof part === 'string') at += out.write(part, at, 'latin1');
    else {
      out.set(part, at);
      at += part.length;
    }
  }
  return out;
}
