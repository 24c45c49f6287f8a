/**
 * Which arguments of a command line are keys, as Redis 7.0 finds them: the
 * one answer COMMAND GETKEYS, the ACL key check and the --redis-cluster slot
 * check all use.
 *
 * Most commands name their keys by fixed positions (the table's first, last,
 * step: `keyArguments`). The `movablekeys` ones served here give a key count
 * first (ZUNION 2 a b, ZUNIONSTORE dst 2 a b, BLMPOP 0 2 a b LEFT). Redis
 * reads those with two rules in turn, and so do we, because their answers
 * differ on odd counts and order:
 *  1. the command's key specs: the count must be a strict integer (no sign,
 *     no leading zero, no spaces) that, cut to a C int, names 1..argc keys;
 *     a destination comes first (`dst a b`);
 *  2. failing that, its getkeys proc (db.c genericGetKeys): the count read
 *     with C's atoi (leading spaces, a sign, trailing junk all pass), at
 *     least 1 and within the arguments, and the destination comes last
 *     (`a b dst`). Failing both, the command has no keys here: it will
 *     answer its own syntax error when it runs.
 *
 * May import only `src/protocol/resp` (the command table).
 */
import { keyArguments, type RespCommandSpec } from './command-table';

/** Where a counted command's keys are: an optional destination at argument 1, then `count` keys after the count. */
export interface CountedKeys {
  /** ZUNIONSTORE's `dst`: a key of its own before the count. */
  readonly destination: boolean;
  /** Index of the key-count argument (`args[0]` is the command name). */
  readonly countAt: number;
  /** The counted keys' key-spec flags as COMMAND INFO lists them (a destination's are OW, update). */
  readonly sourceFlags: readonly string[];
}

const READ = ['RO', 'access'];
const POP = ['RW', 'access', 'delete'];
const COUNT_FIRST: CountedKeys = { destination: false, countAt: 1, sourceFlags: READ };
const STORE: CountedKeys = { destination: true, countAt: 2, sourceFlags: READ };
const POP_COUNT_FIRST: CountedKeys = { destination: false, countAt: 1, sourceFlags: POP };
/** BLMPOP / BZMPOP: the timeout, then the count. */
const POP_TIMEOUT_FIRST: CountedKeys = { destination: false, countAt: 2, sourceFlags: POP };

/** Every `movablekeys` command in the table (a unit test checks none is missing). */
export const COUNTED_KEY_COMMANDS: ReadonlyMap<string, CountedKeys> = new Map([
  ['zunion', COUNT_FIRST],
  ['zinter', COUNT_FIRST],
  ['zdiff', COUNT_FIRST],
  ['zintercard', COUNT_FIRST],
  ['sintercard', COUNT_FIRST],
  ['lmpop', POP_COUNT_FIRST],
  ['zmpop', POP_COUNT_FIRST],
  ['zunionstore', STORE],
  ['zinterstore', STORE],
  ['zdiffstore', STORE],
  ['blmpop', POP_TIMEOUT_FIRST],
  ['bzmpop', POP_TIMEOUT_FIRST],
]);

/** Whether COMMAND GETKEYS may find keys in this command at all (Redis's doesCommandHaveKeys). */
export function commandHasKeys(spec: RespCommandSpec): boolean {
  return spec.firstKey !== 0 || COUNTED_KEY_COMMANDS.has(spec.name);
}

/**
 * The key arguments of `args` (`args[0]` is the command name, arity already
 * checked), in Redis's order; empty when the key count is unusable.
 */
export function commandKeys(spec: RespCommandSpec, args: readonly Buffer[]): Buffer[] {
  const counted = COUNTED_KEY_COMMANDS.get(spec.name);
  if (counted === undefined) return keyArguments(spec, args);
  return countedKeyPositions(counted, args).map((i) => args[i]!);
}

/** Positions of a counted command's keys, by Redis's two rules (see the top of this file). */
export function countedKeyPositions(layout: CountedKeys, args: readonly Buffer[]): number[] {
  if (layout.countAt >= args.length) return [];
  const firstKey = layout.countAt + 1;
  const countArgument = args[layout.countAt]!;

  const strictCount = strictKeyCount(countArgument);
  if (strictCount !== null && strictCount >= 1 && firstKey + strictCount - 1 < args.length) {
    const positions = layout.destination ? [1] : [];
    for (let i = 0; i < strictCount; i++) positions.push(firstKey + i);
    return positions;
  }

  const looseCount = atoi(countArgument);
  if (looseCount < 1 || looseCount > args.length - firstKey) return [];
  const positions: number[] = [];
  for (let i = 0; i < looseCount; i++) positions.push(firstKey + i);
  if (layout.destination) positions.push(1);
  return positions;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/**
 * The key spec's count: Redis's string2ll (optional `-`, no leading zero, in
 * int64 range), negative refused, then cut to a C int as `(int)numkeys` does
 * (so 4294967298 counts 2). Null when unusable.
 */
function strictKeyCount(text: Buffer): number | null {
  if (text.length === 0 || text.length > 20) return null;
  const digits = text[0] === 0x2d ? text.subarray(1) : text;
  if (digits.length === 0) return null;
  // Only "0" itself may start with 0 (so "-0" and "07" are refused).
  if (digits[0] === 0x30 && text.length > 1) return null;
  for (const byte of digits) if (byte < 0x30 || byte > 0x39) return null;
  const value = BigInt(text.toString('latin1'));
  if (value > INT64_MAX || value < INT64_MIN || value < 0n) return null;
  return Number(BigInt.asIntN(32, value));
}

/**
 * C's atoi as glibc has it: (int)strtol(text, NULL, 10): leading white
 * space, an optional sign, digits up to the first non-digit, saturated to
 * int64, then cut to a C int.
 */
function atoi(text: Buffer): number {
  let i = 0;
  while (i < text.length && isCSpace(text[i]!)) i++;
  let negative = false;
  if (i < text.length && (text[i] === 0x2b || text[i] === 0x2d)) negative = text[i++] === 0x2d;
  let value = 0n;
  for (; i < text.length && text[i]! >= 0x30 && text[i]! <= 0x39; i++) {
    value = value * 10n + BigInt(text[i]! - 0x30);
    if (value > INT64_MAX + 1n) break; // saturated either way; the rest cannot change it
  }
  if (negative) value = -value;
  if (value > INT64_MAX) value = INT64_MAX;
  if (value < INT64_MIN) value = INT64_MIN;
  return Number(BigInt.asIntN(32, value));
}

/** isspace() in the C locale: space, \t, \n, \v, \f, \r. */
function isCSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
