/**
 * HyperLogLog as Redis does it: a string item (TYPE says string) holding Redis's own HLL layout,
 * so PFCOUNT agrees with Redis for the same elements and a value copied from Redis (GET / SET)
 * keeps working:
 *
 *   "HYLL", encoding u8 (0 dense, 1 sparse), 3 unused bytes, 8-byte cached cardinality
 *   (ignored here and marked stale on every change), then the registers.
 *
 * 16384 registers of 6 bits (P = 14), elements hashed with MurmurHash64A (seed 0xadc83b19), the
 * cardinality from Ertl's improved estimator (Redis 7's hllCount): standard error 0.81%. We always
 * write the dense form (12304 bytes); a sparse value from Redis is read and rewritten dense.
 * A string that is not such a value gives Redis's `WRONGTYPE Key is not a valid HyperLogLog
 * string value.`
 *
 * Multi-key PFCOUNT and PFMERGE are composed by the session from `__pfregisters` (the registers,
 * one byte each), `__pfcountregs` and `__pfmerge`.
 *
 * May import only `typed-command.ts`, `bytes.ts` and `item-layout.ts` constants.
 */
import { ITEM_TYPE_STRING } from '../item-layout';
import {
  bulk,
  errorReply,
  integer,
  ITEM_TYPE_ANY,
  nullReply,
  ok,
  type TypedCommandDefinition,
  type TypedReply,
} from './typed-command';

export const HLL_REGISTERS = 16384;
const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = 63;
const HLL_HEADER_BYTES = 16;
const HLL_DENSE_BYTES = HLL_HEADER_BYTES + (HLL_REGISTERS * HLL_BITS) / 8;
const HLL_ENCODING_DENSE = 0;
const HLL_ENCODING_SPARSE = 1;
const HLL_ALPHA_INF = 0.721347520444481703680;
const MAGIC = [0x48, 0x59, 0x4c, 0x4c]; // "HYLL"

export const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';

const M64 = (1n << 64n) - 1n;
const MURMUR_M = 0xc6a4a7935bd1e995n;
const MURMUR_SEED = 0xadc83b19n;

/** MurmurHash64A, as Redis's hyperloglog.c (little-endian reads). */
export function murmurHash64A(data: Uint8Array): bigint {
  const length = data.length;
  let h = (MURMUR_SEED ^ ((BigInt(length) * MURMUR_M) & M64)) & M64;
  const blocks = length - (length & 7);
  for (let i = 0; i < blocks; i += 8) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(data[i + j]!);
    k = (k * MURMUR_M) & M64;
    k ^= k >> 47n;
    k = (k * MURMUR_M) & M64;
    h ^= k;
    h = (h * MURMUR_M) & M64;
  }
  const rest = length & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) h ^= BigInt(data[blocks + j]!) << BigInt(8 * j);
    h = (h * MURMUR_M) & M64;
  }
  h ^= h >> 47n;
  h = (h * MURMUR_M) & M64;
  h ^= h >> 47n;
  return h;
}

/** The register an element goes to and the run length it offers (Redis's hllPatLen). */
function registerAndCount(element: Uint8Array): [number, number] {
  let hash = murmurHash64A(element);
  const index = Number(hash & BigInt(HLL_REGISTERS - 1));
  hash >>= BigInt(HLL_P);
  hash |= 1n << BigInt(HLL_Q);
  let count = 1;
  while ((hash & 1n) === 0n) {
    count++;
    hash >>= 1n;
  }
  return [index, count];
}

/**
 * The registers (one byte each) of a stored value, or null when it is not a valid HLL.
 * `bytes` null (missing key) gives all zeros.
 */
export function registersOf(bytes: Uint8Array | null): Uint8Array | null {
  const registers = new Uint8Array(HLL_REGISTERS);
  if (bytes === null) return registers;
  if (bytes.length < HLL_HEADER_BYTES) return null;
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) return null;
  const encoding = bytes[4];
  if (encoding === HLL_ENCODING_DENSE) {
    if (bytes.length !== HLL_DENSE_BYTES) return null;
    for (let r = 0; r < HLL_REGISTERS; r++) {
      const bit = r * HLL_BITS;
      const at = HLL_HEADER_BYTES + (bit >> 3);
      const shift = bit & 7;
      const b0 = bytes[at]!;
      const b1 = at + 1 < bytes.length ? bytes[at + 1]! : 0;
      registers[r] = ((b0 >> shift) | (b1 << (8 - shift))) & HLL_REGISTER_MAX;
    }
    return registers;
  }
  if (encoding !== HLL_ENCODING_SPARSE) return null;
  // Sparse opcodes: 00xxxxxx ZERO run, 01xxxxxx yyyyyyyy XZERO run, 1vvvvvxx VAL run.
  let r = 0;
  for (let at = HLL_HEADER_BYTES; at < bytes.length; at++) {
    const op = bytes[at]!;
    if ((op & 0xc0) === 0x00) r += (op & 0x3f) + 1;
    else if ((op & 0xc0) === 0x40) {
      if (at + 1 >= bytes.length) return null;
      r += (((op & 0x3f) << 8) | bytes[++at]!) + 1;
    } else {
      const value = ((op >> 2) & 0x1f) + 1;
      const run = (op & 0x03) + 1;
      if (r + run > HLL_REGISTERS) return null;
      registers.fill(value, r, r + run);
      r += run;
    }
    if (r > HLL_REGISTERS) return null;
  }
  return r === HLL_REGISTERS ? registers : null;
}

/** The dense value for some registers (cached cardinality marked stale). */
export function encodeDense(registers: Uint8Array): Uint8Array {
  const out = new Uint8Array(HLL_DENSE_BYTES);
  out.set(MAGIC, 0);
  out[4] = HLL_ENCODING_DENSE;
  out[15] = 0x80; // Redis's "cache invalid" bit
  for (let r = 0; r < HLL_REGISTERS; r++) {
    const value = registers[r]!;
    if (value === 0) continue;
    const bit = r * HLL_BITS;
    const at = HLL_HEADER_BYTES + (bit >> 3);
    const shift = bit & 7;
    out[at] = out[at]! | ((value << shift) & 0xff);
    if (shift > 2) out[at + 1] = out[at + 1]! | (value >> (8 - shift));
  }
  return out;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime;
  let y = 1;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  } while (zPrime !== z);
  return z / 3;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

/** Ertl's estimator over the register histogram, as Redis 7's hllCount. */
export function countRegisters(registers: Uint8Array): number {
  const histogram = new Array<number>(64).fill(0);
  for (let r = 0; r < HLL_REGISTERS; r++) histogram[registers[r]!]!++;
  const m = HLL_REGISTERS;
  let z = m * tau((m - histogram[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histogram[j]!;
    z *= 0.5;
  }
  z += m * sigma(histogram[0]! / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

function hllCommand(name: string, write: boolean, run: TypedCommandDefinition['run']): TypedCommandDefinition {
  return { name, itemType: ITEM_TYPE_STRING, write, run };
}

const notHll = (): { reply: TypedReply } => ({ reply: errorReply(ERR_NOT_HLL) });

/** PFADD key [element ...]: 1 when a register changed or the key was created, else 0. */
const pfadd = hllCommand('pfadd', true, (current, args) => {
  const registers = registersOf(current);
  if (registers === null) return notHll();
  let changed = current === null;
  for (const element of args) {
    const [index, count] = registerAndCount(element);
    if (count > registers[index]!) {
      registers[index] = count;
      changed = true;
    }
  }
  return changed ? { reply: integer(1), next: encodeDense(registers) } : { reply: integer(0) };
});

const pfcount = hllCommand('pfcount', false, (current) => {
  const registers = registersOf(current);
  return registers === null ? notHll() : { reply: integer(current === null ? 0 : countRegisters(registers)) };
});

/** Internal: the registers (HLL_REGISTERS bytes, one per register), or null for a missing key. */
const pfregisters = hllCommand('__pfregisters', false, (current) => {
  if (current === null) return { reply: nullReply };
  const registers = registersOf(current);
  return registers === null ? notHll() : { reply: bulk(registers) };
});

/** Internal: the cardinality of the registers in args[0] (the key is only where it runs). */
const pfcountregs: TypedCommandDefinition = {
  name: '__pfcountregs',
  itemType: ITEM_TYPE_ANY,
  write: false,
  run(_current, args) {
    const registers = args[0];
    if (registers === undefined || registers.length !== HLL_REGISTERS) return { reply: errorReply('ERR bad registers') };
    return { reply: integer(countRegisters(registers)) };
  },
};

/** Internal: merges the registers in args[0] into the key (created when missing); replies OK. */
const pfmerge = hllCommand('__pfmerge', true, (current, args) => {
  const registers = registersOf(current);
  if (registers === null) return notHll();
  const other = args[0];
  if (other === undefined || other.length !== HLL_REGISTERS) return { reply: errorReply('ERR bad registers') };
  for (let r = 0; r < HLL_REGISTERS; r++) if (other[r]! > registers[r]!) registers[r] = other[r]!;
  return { reply: ok, next: encodeDense(registers) };
});

export const HLL_COMMANDS: readonly TypedCommandDefinition[] = [pfadd, pfcount, pfregisters, pfcountregs, pfmerge];
