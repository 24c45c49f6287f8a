/**
 * Signed 64-bit decimal parsing for Redis's INCR family, over raw item bytes.
 * Redis's string2ll rules, which are stricter than memcached's strtoull:
 * no whitespace anywhere, no '+', no leading zeros (except the value "0"),
 * "-0" refused, and the value must fit in int64. Imports nothing.
 */

export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;
/** 20 characters: "-9223372036854775808". Longer values cannot be in range. */
const MAX_I64_CHARS = 20;

/** The value as an int64, or null when Redis would answer "not an integer or out of range". */
export function parseRedisInt64(bytes: Uint8Array, offset: number, length: number): bigint | null {
  if (length === 0 || length > MAX_I64_CHARS) return null;
  let i = offset;
  const end = offset + length;
  const negative = bytes[i] === 45; // '-'
  if (negative) i++;
  if (i === end) return null;
  // A lone "0" is the only digit string that may start with 0 ("-0" is refused too).
  if (bytes[i] === 48) return !negative && length === 1 ? 0n : null;
  let text = '';
  for (; i < end; i++) {
    const c = bytes[i]!;
    if (c < 48 || c > 57) return null;
    text += String.fromCharCode(c);
  }
  const value = negative ? -BigInt(text) : BigInt(text);
  return value < I64_MIN || value > I64_MAX ? null : value;
}
