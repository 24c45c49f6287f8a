/**
 * x87 80-bit long double arithmetic, emulated exactly with BigInt, for
 * Redis's INCRBYFLOAT: Redis parses with strtold, adds in long double and
 * prints with "%.17Lf" minus trailing zeros. Doubles would answer
 * 0.30000000000000004 where Redis answers 0.3, so the 64-bit mantissa,
 * round-half-even and the exponent range are reproduced here.
 * Imports nothing.
 */

/** A finite value mantissa * 2^exponent (mantissa < 2^64), or an infinity. */
export interface LongDouble {
  negative: boolean;
  mantissa: bigint;
  exponent: number;
  infinite: boolean;
}

const MANTISSA_BITS = 64;
/** Exponent of the smallest subnormal, 2^-16445. */
const MIN_EXPONENT = -16445;
/** The largest finite value is (2^64 - 1) * 2^16320. */
const MAX_EXPONENT = 16320;
/** Redis refuses float strings this long or longer (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;
/** Decimal exponents beyond these are certain overflow / underflow: no BigInt power is built. */
const DECIMAL_EXPONENT_LIMIT = 5000;
const BINARY_EXPONENT_LIMIT = 17000;

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

/** Rounds numerator / denominator (both > 0) times 2^shift to the nearest long double, ties to even. */
function roundRational(negative: boolean, numerator: bigint, denominator: bigint, shift: number): LongDouble {
  // Pick the exponent that leaves a 64-bit mantissa, then clamp it into the subnormal range.
  let exponent = bitLength(numerator) - bitLength(denominator) - MANTISSA_BITS + shift;
  for (;;) {
    const e = Math.max(exponent, MIN_EXPONENT);
    const scaledNumerator = e - shift >= 0 ? numerator : numerator << BigInt(shift - e);
    const scaledDenominator = e - shift >= 0 ? denominator << BigInt(e - shift) : denominator;
    let mantissa = scaledNumerator / scaledDenominator;
    if (mantissa >> BigInt(MANTISSA_BITS) !== 0n) {
      exponent++;
      continue;
    }
    if (e === exponent && mantissa >> BigInt(MANTISSA_BITS - 1) === 0n && e > MIN_EXPONENT) {
      exponent--;
      continue;
    }
    const twiceRemainder = (scaledNumerator - mantissa * scaledDenominator) * 2n;
    if (twiceRemainder > scaledDenominator || (twiceRemainder === scaledDenominator && (mantissa & 1n) === 1n)) mantissa++;
    let finalExponent = e;
    if (mantissa >> BigInt(MANTISSA_BITS) !== 0n) {
      mantissa >>= 1n;
      finalExponent++;
    }
    if (finalExponent > MAX_EXPONENT) return { negative, mantissa: 0n, exponent: 0, infinite: true };
    return { negative, mantissa, exponent: finalExponent, infinite: false };
  }
}

/**
 * strtold as Redis's string2ld uses it: decimal or hex, "inf"/"infinity", no
 * whitespace, the whole string consumed. Null for what Redis calls "not a
 * valid float": NaN, overflow of a finite literal, underflow to zero.
 */
export function parseLongDouble(text: string): LongDouble | null {
  if (text.length === 0 || text.length >= MAX_CHARS) return null;
  const infinity = INFINITY.exec(text);
  if (infinity !== null) return { negative: infinity[1] === '-', mantissa: 0n, exponent: 0, infinite: true };
  let negative: boolean;
  let digits: bigint;
  let binaryShift = 0;
  let decimalExponent = 0;
  const hex = HEX.exec(text);
  const decimal = hex === null ? DECIMAL.exec(text) : null;
  if (hex !== null) {
    const [, sign, whole = '', fraction = '', exponent = '0'] = hex;
    if (whole.length + fraction.length === 0) return null;
    negative = sign === '-';
    digits = BigInt(`0x${whole}${fraction}`);
    const binaryExponent = Number(exponent);
    if (digits === 0n) return zero(negative);
    // Far outside the range: overflow or underflow to zero, both refused.
    if (Math.abs(binaryExponent) > BINARY_EXPONENT_LIMIT) return null;
    binaryShift = binaryExponent - 4 * fraction.length;
  } else if (decimal !== null) {
    const [, sign, whole = '', fraction = '', exponent = '0'] = decimal;
    if (whole.length + fraction.length === 0) return null;
    negative = sign === '-';
    digits = BigInt(`${whole}${fraction}` || '0');
    const significant = (whole + fraction).replace(/^0+/, '').length;
    decimalExponent = Number(exponent) - fraction.length;
    if (digits !== 0n && decimalExponent + significant > DECIMAL_EXPONENT_LIMIT) return null;
    if (digits !== 0n && decimalExponent + significant < -DECIMAL_EXPONENT_LIMIT) return null;
  } else {
    return null;
  }
  if (digits === 0n) return zero(negative);
  const value =
    decimalExponent >= 0
      ? roundRational(negative, digits * 10n ** BigInt(decimalExponent), 1n, binaryShift)
      : roundRational(negative, digits, 10n ** BigInt(-decimalExponent), binaryShift);
  if (value.infinite || value.mantissa === 0n) return null;
  return value;
}

function zero(negative: boolean): LongDouble {
  return { negative, mantissa: 0n, exponent: 0, infinite: false };
}

/** a + b rounded once, as the FPU adds; NaN (inf - inf) comes back as null. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.infinite || b.infinite) {
    if (a.infinite && b.infinite && a.negative !== b.negative) return null;
    return a.infinite ? a : b;
  }
  const exponent = Math.min(a.exponent, b.exponent);
  const signed = (x: LongDouble): bigint => (x.negative ? -x.mantissa : x.mantissa) << BigInt(x.exponent - exponent);
  const sum = signed(a) + signed(b);
  // An exact zero sum is +0 when rounding to nearest, as IEEE 754 says.
  if (sum === 0n) return zero(a.negative && b.negative);
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, exponent);
}

const FRACTION_DIGITS = 17;
const FRACTION_SCALE = 10n ** BigInt(FRACTION_DIGITS);

/** Redis's human form: printf("%.17Lf"), trailing zeros and a bare '.' dropped, "-0" as "0". */
export function formatLongDouble(value: LongDouble): string {
  let scaled: bigint;
  if (value.exponent >= 0) {
    scaled = (value.mantissa << BigInt(value.exponent)) * FRACTION_SCALE;
  } else {
    const numerator = value.mantissa * FRACTION_SCALE;
    const shift = BigInt(-value.exponent);
    scaled = numerator >> shift;
    const twiceRemainder = (numerator - (scaled << shift)) * 2n;
    const denominator = 1n << shift;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && (scaled & 1n) === 1n)) scaled++;
  }
  const digits = scaled.toString().padStart(FRACTION_DIGITS + 1, '0');
  const whole = digits.slice(0, -FRACTION_DIGITS);
  const fraction = digits.slice(-FRACTION_DIGITS).replace(/0+$/, '');
  const text = (value.negative ? '-' : '') + whole + (fraction.length > 0 ? `.${fraction}` : '');
  return text === '-0' ? '0' : text;
}
