/**
 * Renders memcached text replies as bytes. Fixed lines are preallocated; a
 * VALUE reply is built in one Buffer (header, data, CRLF) with the data copied
 * straight from the shard's reply view.
 */

export const CRLF = Buffer.from('\r\n', 'latin1');

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

/**
 * `VALUE <key> <flags> <bytes>[ <cas>]\r\n<data>\r\n`, or with `withKey` false
 * nothing but the parts after the key (unused for now).
 */
export function encodeValue(
  key: Uint8Array,
  clientFlags: number,
  data: Uint8Array,
  dataOffset: number,
  dataLength: number,
  casHigh: number,
  casLow: number,
  withCas: boolean,
): Buffer {
  const tail = withCas
    ? ` ${clientFlags >>> 0} ${dataLength} ${u64ToDecimal(casHigh, casLow)}\r\n`
    : ` ${clientFlags >>> 0} ${dataLength}\r\n`;
  const out = Buffer.allocUnsafe(6 + key.length + tail.length + dataLength + 2);
  let at = out.write('VALUE ', 0, 'latin1');
  out.set(key, at);
  at += key.length;
  at += out.write(tail, at, 'latin1');
  out.set(data.subarray(dataOffset, dataOffset + dataLength), at);
  at += dataLength;
  out[at] = 13;
  out[at + 1] = 10;
  return out;
}

/** `STAT <name> <value>` lines followed by END. */
export function encodeStats(entries: readonly (readonly [string, string | number])[]): Buffer {
  let text = '';
  for (const [name, value] of entries) text += `STAT ${name} ${value}\r\n`;
  text += 'END\r\n';
  return Buffer.from(text, 'latin1');
}
