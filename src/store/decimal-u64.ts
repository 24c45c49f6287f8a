/**
 * Unsigned 64-bit decimal parsing and formatting for incr/decr, over raw item
 * bytes (no string conversion on the common path). Parsing follows memcached's
 * safe_strtoull(): leading whitespace and one '+'/'-' sign are skipped as
 * strtoull does, at least one digit is required, a value above 2^64-1 is
 * rejected (ERANGE), the digits must end at the end of the value or at a
 * whitespace byte (so `"9 "`, left by an in-place decr, parses as 9), and a
 * '-' is rejected when the wrapped result would be negative as a signed
 * 64-bit number (so "-1" is non-numeric but "-0" is 0). Imports nothing.
 */

export const U64_MAX = (1n << 64n) - 1n;
const U64_MOD = 1n << 64n;
const I64_MIN_AS_U64 = 1n << 63n;
/** Largest v for which v * 10 + 9 is still an exact double. */
const SMALL_ACCUMULATE_LIMIT = 900719925474098;

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Reusable parser: after `parse()` returns true, the value is `small` (when !isBig) or `big`. */
export class DecimalU64 {
  isBig = false;
  small = 0;
  big = 0n;

  parse(bytes: Uint8Array, offset: number, length: number): boolean {
    const end = offset + length;
    let i = offset;
    while (i < end && isCSpace(bytes[i]!)) i++;
    let negative = false;
    if (i < end && (bytes[i] === 43 || bytes[i] === 45)) {
      negative = bytes[i] === 45;
      i++;
    }
    const digitsStart = i;
    let small = 0;
    let big = 0n;
    let isBig = false;
    let overflow = false;
    for (; i < end; i++) {
      const d = bytes[i]! - 48;
      if (d < 0 || d > 9) break;
      if (!isBig) {
        if (small <= SMALL_ACCUMULATE_LIMIT) {
          small = small * 10 + d;
          continue;
        }
        isBig = true;
        big = BigInt(small);
      }
      // Once past 2^64-1 only keep scanning: a huge digit string must not cost O(n^2) BigInt work.
      if (!overflow) {
        big = big * 10n + BigInt(d);
        if (big > U64_MAX) overflow = true;
      }
    }
    if (i === digitsStart || overflow) return false;
    if (i < end && !isCSpace(bytes[i]!)) return false;
    if (negative) {
      // strtoull negates modulo 2^64; safe_strtoull then refuses results that look negative as int64.
      const magnitude = isBig ? big : BigInt(small);
      if (magnitude === 0n) {
        isBig = false;
        small = 0;
      } else {
        const wrapped = U64_MOD - magnitude;
        if (wrapped >= I64_MIN_AS_U64) return false;
        isBig = true;
        big = wrapped;
      }
    }
    this.isBig = isBig;
    this.small = small;
    this.big = big;
    return true;
  }
}

/** Writes the ASCII digits of a decimal string (the BigInt path). */
export function writeDigitString(bytes: Uint8Array, offset: number, digits: string): void {
  for (let i = 0; i < digits.length; i++) bytes[offset + i] = digits.charCodeAt(i);
}
