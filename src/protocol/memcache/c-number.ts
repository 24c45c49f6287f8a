/**
 * Number tokens exactly as memcached 1.6 reads them on 64-bit Linux: its
 * `safe_strtoul`/`safe_strtol`/`safe_strtoull` (util.c) over glibc strtoul &
 * co., straight from the bytes (no string on the fast path).
 *
 * What that means, all checked against a real memcached 1.6.18:
 * - leading C whitespace (\t \v \f \r) and one `+` or `-` sign are accepted;
 * - after the digits the token must end or continue with C whitespace, and
 *   anything after that whitespace is ignored (`1\tjunk` reads as 1);
 * - unsigned reads negate modulo 2^64 (`-0` is 0, `-18446744073709551615`
 *   is 1) and refuse a `-` only when the result is ≥ 2^63;
 * - 32-bit results are the low 32 bits of the 64-bit value, so flags
 *   `4294967296` read as 0 and bytes `4294967297` as 1.
 * May import nothing.
 */

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const TWO_POW_32 = 4294967296;

/** isspace() in the C locale. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Digits-only tokens of up to 15 digits are exact as doubles: the common case. */
function fastDigits(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * strtoull/strtoll on [start, end), with the safe_* acceptance rules.
 * Returns the 64-bit result (signed when `signed`), or null where memcached's
 * safe_* helper returns false.
 */
function slowStrto(buf: Uint8Array, start: number, end: number, signed: boolean): bigint | null {
  let i = start;
  while (i < end && isCSpace(buf[i]!)) i++;
  let negative = false;
  if (i < end && (buf[i] === 43 || buf[i] === 45)) {
    negative = buf[i] === 45;
    i++;
  }
  const digitsStart = i;
  while (i < end && buf[i]! >= 48 && buf[i]! <= 57) i++;
  if (i === digitsStart) return null; // no conversion
  if (i < end && !isCSpace(buf[i]!)) return null; // junk right after the digits
  let magnitude = 0n;
  for (let j = digitsStart; j < i; j++) magnitude = magnitude * 10n + BigInt(buf[j]! - 48);
  if (signed) {
    if (negative ? magnitude > I64_MAX + 1n : magnitude > I64_MAX) return null; // ERANGE
    return negative ? -magnitude : magnitude;
  }
  if (magnitude > U64_MAX) return null; // ERANGE
  const value = negative ? (U64_MAX + 1n - magnitude) & U64_MAX : magnitude;
  if (value > I64_MAX) {
    // safe_strtoul(l): "only check for negative signs in the uncommon case when
    // the unsigned number is so big that it's negative as a signed number"
    for (let j = start; j < end; j++) if (buf[j] === 45) return null;
  }
  return value;
}

/** safe_strtoul into a uint32_t (flags, verbosity): 0..2^32-1, or -1 when refused. */
export function parseCUint32(buf: Uint8Array, start: number, end: number): number {
  const fast = fastDigits(buf, start, end);
  if (fast >= 0) return fast % TWO_POW_32;
  const v = slowStrto(buf, start, end, false);
  return v === null ? -1 : Number(v & 0xffffffffn);
}

/** safe_strtol into an int32_t (exptime, bytes): any int32, or NaN when refused. */
export function parseCInt32(buf: Uint8Array, start: number, end: number): number {
  const fast = fastDigits(buf, start, end);
  if (fast >= 0) return fast | 0; // ToInt32 is exact modulo 2^32 for integers
  const v = slowStrto(buf, start, end, true);
  return v === null ? Number.NaN : Number(BigInt.asIntN(32, v));
}

/** safe_strtoull (incr/decr delta): the u64, or null when refused. */
export function parseCUint64(buf: Uint8Array, start: number, end: number): bigint | null {
  const fast = fastDigits(buf, start, end);
  if (fast >= 0) return BigInt(fast);
  return slowStrto(buf, start, end, false);
}

/** safe_strtoull split into unsigned 32-bit halves (cas unique); false when refused. */
export function parseCUint64Split(buf: Uint8Array, start: number, end: number, out: { high: number; low: number }): boolean {
  const fast = fastDigits(buf, start, end);
  if (fast >= 0) {
    out.high = Math.floor(fast / TWO_POW_32);
    out.low = fast % TWO_POW_32;
    return true;
  }
  const v = slowStrto(buf, start, end, false);
  if (v === null) return false;
  out.high = Number(v >> 32n);
  out.low = Number(v & 0xffffffffn);
  return true;
}
