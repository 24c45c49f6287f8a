/**
 * Redis's numeric CONFIG SET values, checked and normalized as Redis 7 does
 * for its integer and memory parameters (config.c): an integer is strict
 * (optional `-`, no `+`, no leading zero, no spaces, within int64) and then
 * within the parameter's bounds; a memory value is digits with an optional
 * unit (b, k = 1000, kb = 1024, m, mb, g, gb; any case), reported in bytes.
 * Each check returns Redis's text for CONFIG SET's "failed" error, or null.
 *
 * Pure: may import nothing.
 */

export interface ValueRule {
  check(value: string): string | null;
  /** What CONFIG GET reports for an accepted value (`1kb` → `1024`). */
  normalize(value: string): string;
}

export const INT32_MIN = -(2n ** 31n);
export const INT32_MAX = 2n ** 31n - 1n;
export const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

const NOT_AN_INTEGER = "argument couldn't be parsed into an integer";
const NOT_A_MEMORY_VALUE = 'argument must be a memory value';

function outOfRange(min: bigint, max: bigint): string {
  return `argument must be between ${min} and ${max} inclusive`;
}

/** Redis's string2ll: the value, or null when it is not a strict int64. */
function strictInt64(text: string): bigint | null {
  if (!/^(0|-?[1-9]\d*)$/.test(text)) return null;
  const value = BigInt(text);
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

const MEMORY_UNITS: Readonly<Record<string, bigint>> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n ** 2n,
  mb: 1024n ** 2n,
  g: 1000n ** 3n,
  gb: 1024n ** 3n,
};

/** Redis's memtoull: bytes, saturated at 2^64 − 1 (so an overflow fails the range check, as there); null when malformed. */
function memoryBytes(text: string): bigint | null {
  const match = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(text);
  if (match === null) return null;
  const bytes = BigInt(match[1]!) * MEMORY_UNITS[(match[2] ?? '').toLowerCase()]!;
  return bytes > UINT64_MAX ? UINT64_MAX : bytes;
}

/** An integer parameter bounded by [min, max]. */
export function integerRule(min: bigint, max: bigint): ValueRule {
  return {
    check(value) {
      const parsed = strictInt64(value);
      if (parsed === null) return NOT_AN_INTEGER;
      return parsed < min || parsed > max ? outOfRange(min, max) : null;
    },
    normalize: (value) => value,
  };
}

/** A memory parameter bounded by [min, max] bytes. */
export function memoryRule(min: bigint, max: bigint): ValueRule {
  return {
    check(value) {
      const bytes = memoryBytes(value);
      if (bytes === null) return NOT_A_MEMORY_VALUE;
      return bytes < min || bytes > max ? outOfRange(min, max) : null;
    },
    normalize: (value) => String(memoryBytes(value)),
  };
}
