/**
 * Renders memcached text replies as bytes. Fixed lines are preallocated; a
 * retrieval reply (all its VALUE lines and END) is built in one Buffer.
 */
import { copyBytes, decimalDigits, writeAscii, writeDecimal } from '../../util/bytes';

function line(text: string): Buffer {
  return Buffer.from(`${text}\r\n`, 'latin1');
}

export const Replies = {
  STORED: line('STORED'),
  NOT_STORED: line('NOT_STORED'),
  EXISTS: line('EXISTS'),
  NOT_FOUND: line('NOT_FOUND'),
  DELETED: line('DELETED'),
  TOUCHED: line('TOUCHED'),
  END: line('END'),
  OK: line('OK'),
  RESET: line('RESET'),
  ERROR: line('ERROR'),
  TOO_LARGE: line('SERVER_ERROR object too large for cache'),
  NO_MEMORY: line('SERVER_ERROR out of memory storing object'),
  NON_NUMERIC: line('CLIENT_ERROR cannot increment or decrement non-numeric value'),
  SHARD_FAILED: line('SERVER_ERROR shard restarted, request lost'),
  TOO_MANY_CONNECTIONS: line('ERROR Too many open connections'),
  SHUTDOWN_DISABLED: line('ERROR: shutdown not enabled'),
  INVALID_SHUTDOWN_MODE: line('CLIENT_ERROR invalid shutdown mode'),
  STATS_DETAIL_USAGE: line('CLIENT_ERROR usage: stats detail on|off|dump'),
} as const;

export function textLine(text: string): Buffer {
  return line(text);
}

const TWO_POW_32 = 4294967296;

/** Decimal text of a 64-bit value given as two unsigned 32-bit halves. */
export function u64ToDecimal(high: number, low: number): string {
  if (high < 0x200000) return String(high * TWO_POW_32 + low); // below 2^53: exact as a double
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

const VALUE_PREFIX = Buffer.from('VALUE ', 'latin1');
const CRLF_END_CRLF = Buffer.from('\r\nEND\r\n', 'latin1');
const END_CRLF = Buffer.from('END\r\n', 'latin1');

/** The size of a one-key get's hit reply (see writeSingleHit); `cas` is the CAS's decimal text, or null for get/gat. */
export function singleHitSize(keyLength: number, clientFlags: number, length: number, cas: string | null): number {
  return 6 + keyLength + 1 + decimalDigits(clientFlags) + 1 + decimalDigits(length) + (cas === null ? 0 : 1 + cas.length) + 2 + length + 7;
}

/**
 * Writes the reply to a one-key get that hit at `at` of `out` (singleHitSize
 * bytes): `VALUE <key> <flags> <bytes>[ <cas>]`, the data, END, straight from
 * the shard's view.
 */
export function writeSingleHit(
  out: Buffer,
  at: number,
  key: Uint8Array,
  clientFlags: number,
  data: Uint8Array,
  offset: number,
  length: number,
  cas: string | null,
): void {
  at = writeAscii(out, at, VALUE_PREFIX);
  copyBytes(out, at, key, 0, key.length);
  at += key.length;
  out[at++] = 32;
  at = writeDecimal(out, at, clientFlags);
  out[at++] = 32;
  at = writeDecimal(out, at, length);
  if (cas !== null) {
    out[at++] = 32;
    at += out.write(cas, at, 'latin1');
  }
  out[at++] = 13;
  out[at++] = 10;
  copyBytes(out, at, data, offset, offset + length);
  writeAscii(out, at + length, CRLF_END_CRLF);
}

/** The reply to a one-key get that hit, in one exactly sized buffer of its own. */
export function renderSingleHit(
  key: Uint8Array,
  clientFlags: number,
  data: Uint8Array,
  offset: number,
  length: number,
  casHigh: number,
  casLow: number,
  withCas: boolean,
): Buffer {
  const cas = withCas ? u64ToDecimal(casHigh, casLow) : null;
  const out = Buffer.allocUnsafe(singleHitSize(key.length, clientFlags, length, cas));
  writeSingleHit(out, 0, key, clientFlags, data, offset, length, cas);
  return out;
}

/**
 * Collects the hits of one get/gets/gat/gats (values copied in as shards answer,
 * in any order) and renders the whole reply — every `VALUE` line in key order,
 * then END — into one exactly sized buffer, without a string or buffer per key.
 */
export class RetrievalReplyBuilder {
  private arena: Buffer;
  private used = 0;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly flags: Uint32Array;
  private readonly casHigh: Uint32Array | null;
  private readonly casLow: Uint32Array | null;

  constructor(
    private readonly keys: readonly Uint8Array[],
    private readonly withCas: boolean,
  ) {
    const n = keys.length;
    this.arena = Buffer.allocUnsafe(Math.min(64 * 1024, 64 * n));
    this.offsets = new Int32Array(n).fill(-1);
    this.lengths = new Int32Array(n);
    this.flags = new Uint32Array(n);
    this.casHigh = withCas ? new Uint32Array(n) : null;
    this.casLow = withCas ? new Uint32Array(n) : null;
  }

  addHit(index: number, clientFlags: number, data: Uint8Array, offset: number, length: number, casHigh: number, casLow: number): void {
    if (this.used + length > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < this.used + length) size *= 2;
      const bigger = Buffer.allocUnsafe(size);
      this.arena.copy(bigger, 0, 0, this.used);
      this.arena = bigger;
    }
    copyBytes(this.arena, this.used, data, offset, offset + length);
    this.offsets[index] = this.used;
    this.lengths[index] = length;
    this.flags[index] = clientFlags;
    if (this.casHigh !== null) {
      this.casHigh[index] = casHigh;
      this.casLow![index] = casLow;
    }
    this.used += length;
  }

  render(): Buffer {
    const keys = this.keys;
    let casText: string[] | null = null;
    let size = 5; // END\r\n
    for (let i = 0; i < keys.length; i++) {
      if (this.offsets[i]! < 0) continue;
      const length = this.lengths[i]!;
      size += 6 + keys[i]!.length + 1 + decimalDigits(this.flags[i]!) + 1 + decimalDigits(length) + 2 + length + 2;
      if (this.withCas) {
        casText ??= new Array<string>(keys.length);
        casText[i] = u64ToDecimal(this.casHigh![i]!, this.casLow![i]!);
        size += 1 + casText[i]!.length;
      }
    }
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (let i = 0; i < keys.length; i++) {
      const offset = this.offsets[i]!;
      if (offset < 0) continue;
      const length = this.lengths[i]!;
      at = writeAscii(out, at, VALUE_PREFIX);
      const key = keys[i]!;
      copyBytes(out, at, key, 0, key.length);
      at += key.length;
      out[at++] = 32;
      at = writeDecimal(out, at, this.flags[i]!);
      out[at++] = 32;
      at = writeDecimal(out, at, length);
      if (casText !== null) {
        out[at++] = 32;
        at += out.write(casText[i]!, at, 'latin1');
      }
      out[at++] = 13;
      out[at++] = 10;
      copyBytes(out, at, this.arena, offset, offset + length);
      at += length;
      out[at++] = 13;
      out[at++] = 10;
    }
    writeAscii(out, at, END_CRLF);
    return out;
  }
}

/** `STAT <name> <value>` lines followed by END. */
export function encodeStats(entries: readonly (readonly [string, string | number])[]): Buffer {
  let text = '';
  for (const [name, value] of entries) text += `STAT ${name} ${value}\r\n`;
  text += 'END\r\n';
  return Buffer.from(text, 'latin1');
}
