/**
 * Shared machinery for the parser property tests (test/fuzz/*.test.ts):
 * seeded fast-check settings, byte-level mutations (flips, truncations,
 * inserted CR/LF/NUL, absurd lengths and numbers, duplicated and deleted
 * ranges; bench/lib/fuzz-inputs.ts), seeded random splits, and a probe that records the largest Buffer
 * a parser allocates while it runs, so "never allocate a client-declared
 * length before the bytes arrive" is checked from the outside rather than
 * trusted from the parser's own accounting.
 *
 * Protocol-neutral: imports nothing from src/.
 */
import fc from 'fast-check';
import { ABSURD_NUMBERS, ABSURD_WORDS, INSERTS, type Mutation } from '../../bench/lib/fuzz-inputs';
import { mulberry32 } from '../helpers/prng';

/** The mutations themselves are shared with the live-daemon fuzzer. */
export { applyMutation, mutate, type Mutation } from '../../bench/lib/fuzz-inputs';

/** One seed for every property (override with FUZZ_SEED=n to explore; failures print the seed and path). */
export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20261122);
/** Runs per property: enough to find the bugs we know of in well under a second each. */
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

export function fuzzParameters<T>(runs = FUZZ_RUNS): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true };
}

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.nat({ max: INSERTS.length - 1 }) }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), number: fc.nat({ max: ABSURD_NUMBERS.length - 1 }) }),
  fc.record({ kind: fc.constant('word' as const), at: fc.nat(), word: fc.nat({ max: ABSURD_WORDS.length - 1 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);

export const mutationsArbitrary = fc.array(mutationArbitrary, { minLength: 1, maxLength: 6 });

/** Cuts `bytes` into 1..maxChunk-byte copies chosen by `seed` (fresh socket reads). */
export function splitSeeded(bytes: Buffer, seed: number, maxChunk: number): Buffer[] {
  const rand = mulberry32(seed);
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const n = Math.min(bytes.length - pos, 1 + Math.floor(rand() * maxChunk));
    chunks.push(Buffer.from(bytes.subarray(pos, pos + n)));
    pos += n;
  }
  return chunks;
}

/** The ways one input is fed: whole, byte by byte (short inputs), and seeded random splits. */
export function splitWays(bytes: Buffer, seed: number): { name: string; chunks: Buffer[] }[] {
  const ways: { name: string; chunks: Buffer[] }[] = [{ name: 'whole', chunks: [Buffer.from(bytes)] }];
  if (bytes.length <= 4096) ways.push({ name: 'byte by byte', chunks: splitSeeded(bytes, seed, 1) });
  ways.push({ name: `splits ≤7 seed ${seed}`, chunks: splitSeeded(bytes, seed, 7) });
  ways.push({ name: `splits ≤300 seed ${seed}`, chunks: splitSeeded(bytes, seed + 1, 300) });
  return ways;
}

/**
 * Records the largest single Buffer allocation (alloc, allocUnsafe,
 * allocUnsafeSlow, concat's total, from) made while `recording` is true. The
 * parsers allocate only through Buffer, so this sees every copy they make.
 */
export class AllocationProbe {
  largest = 0;
  private recording = false;
  private readonly originals: Array<[keyof typeof Buffer, unknown]> = [];

  install(): void {
    const probe = this;
    const wrap = (name: 'alloc' | 'allocUnsafe' | 'allocUnsafeSlow'): void => {
      const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
      this.originals.push([name, original]);
      (Buffer as unknown as Record<string, unknown>)[name] = function (size: number, ...rest: unknown[]): Buffer {
        if (probe.recording && size > probe.largest) probe.largest = size;
        return original.call(Buffer, size, ...rest);
      };
    };
    wrap('alloc');
    wrap('allocUnsafe');
    wrap('allocUnsafeSlow');
    const concat = Buffer.concat;
    this.originals.push(['concat', concat]);
    (Buffer as unknown as Record<string, unknown>)['concat'] = function (list: readonly Uint8Array[], totalLength?: number): Buffer {
      if (probe.recording) {
        let size = totalLength ?? 0;
        if (totalLength === undefined) for (const b of list) size += b.length;
        if (size > probe.largest) probe.largest = size;
      }
      return concat.call(Buffer, list, totalLength);
    };
    const from = Buffer.from;
    this.originals.push(['from', from]);
    (Buffer as unknown as Record<string, unknown>)['from'] = function (...args: unknown[]): Buffer {
      const made = (from as (...a: unknown[]) => Buffer).apply(Buffer, args);
      if (probe.recording && made.length > probe.largest) probe.largest = made.length;
      return made;
    };
  }

  uninstall(): void {
    for (const [name, original] of this.originals.reverse()) (Buffer as unknown as Record<string, unknown>)[name] = original;
    this.originals.length = 0;
  }

  /** Runs `fn` with recording on. */
  during<T>(fn: () => T): T {
    this.recording = true;
    try {
      return fn();
    } finally {
      this.recording = false;
    }
  }
}

/**
 * The memory rule every parser must keep: whatever a client declares, what is
 * held (or allocated at once) is at most twice the bytes fed so far plus a
 * constant (a data block grows geometrically as it arrives).
 */
export const HELD_SLACK_BYTES = 64 * 1024;
export function heldBound(fed: number): number {
  return 2 * fed + HELD_SLACK_BYTES;
}

/** Milliseconds one input may take through one parser; far above the microseconds it needs. */
export const PER_INPUT_BUDGET_MS = 2000;

/** Latin-1 text of a Buffer, or the value itself: parser events compared across splits. */
export function plain(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1');
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

export const keyArbitrary = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABC0123456789:_-.'.split('')),
  minLength: 1,
  maxLength: 24,
});

export const valueArbitrary = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a));
