/**
 * Redis's strict integer reading (`string2ll`): an optional '-', then "0" or
 * digits without a leading zero, nothing else (no '+', no spaces), within
 * signed 64 bits. Every numeric argument and every length on the wire is
 * read this way, so we accept and refuse exactly the strings Redis does.
 *
 * May import nothing.
 */

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** The value of `bytes[start, end)` as a signed 64-bit integer, or null when Redis would refuse it. */
export function parseStrictInt64(bytes: Uint8Array, start: number, end: number): bigint | null {
  const length = end - start;
  if (length <= 0 || length > 20) return null;
  let i = start;
  const negative = bytes[i] === 0x2d; // '-'
  if (negative) i++;
  if (i === end) return null;
  if (bytes[i] === 0x30) {
    // "0" alone; "-0" and leading zeros are refused like Redis does.
    return i + 1 === end && !negative ? 0n : null;
  }
  // Up to 15 digits fit a double exactly: the common case stays off bigint.
  let small = 0;
  let digits = 0;
  for (let j = i; j < end; j++) {
    const d = bytes[j]! - 0x30;
    if (d < 0 || d > 9) return null;
    digits++;
    if (digits <= 15) small = small * 10 + d;
  }
  if (digits <= 15) return BigInt(negative ? -small : small);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + i, end - i).toString('latin1');
  const value = negative ? -BigInt(text) : BigInt(text);
  return value > INT64_MAX || value < INT64_MIN ? null : value;
}

/**
 * Like parseStrictInt64 but as a number, for lengths and counts known to be far below 2^53 when valid.
 * Every `*count` and `$length` line goes through here, so up to 15 digits it makes no bigint.
 */
export function parseStrictSmallInt(bytes: Uint8Array, start: number, end: number): number | null {
  const length = end - start;
  if (length <= 0 || length > 15) {
    const value = parseStrictInt64(bytes, start, end);
    return value === null ? null : Number(value);
  }
  let i = start;
  const negative = bytes[i] === 0x2d; // '-'
  if (negative) i++;
  if (i === end) return null;
  if (bytes[i] === 0x30) return i + 1 === end && !negative ? 0 : null;
  let value = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}

/** A whole argument as a signed 64-bit integer (command arguments such as EX seconds). */
export function argToInt64(arg: Uint8Array): bigint | null {
  return parseStrictInt64(arg, 0, arg.length);
}
