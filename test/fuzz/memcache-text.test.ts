/**
 * Property tests for the memcached text parser, classic and meta commands
 * (text-parser.ts + meta-parser.ts), seeded so every run sees the same inputs
 * (FUZZ_SEED to explore others). Valid pipelines must parse to exactly the
 * commands generated, however split; mutated pipelines (flipped bytes,
 * truncations, inserted CR/LF/NUL, absurd lengths and numbers) must give only
 * memcached's own error lines, the same events however split, and never make
 * the parser hold or allocate more than the bytes fed allow.
 */
import fc from 'fast-check';
import { MemcacheTextParser } from '../../src/protocol/memcache/text-parser';
import type { MemcacheTextRequest, ParseErrorEvent, TextParserLimits } from '../../src/protocol/memcache/request';
import {
  AllocationProbe,
  FUZZ_SEED,
  fuzzParameters,
  heldBound,
  keyArbitrary,
  mutate,
  mutationsArbitrary,
  valueArbitrary,
} from './fuzz-support';
import { checkAllWays, feedChecked, type FuzzTarget } from './parser-harness';

type Event = { request: MemcacheTextRequest } | { error: ParseErrorEvent };

/** Small limits, so fuzzed lengths and key counts reach them. */
const SMALL_LIMITS: TextParserLimits = { maxItemSize: 4096, maxLineLength: 2048, maxRetrievalLineLength: 8192, maxKeysPerRetrieval: 64 };
/** What the daemon's memcached port uses (memcache-session-factory.ts) with -I 1m. */
const DAEMON_LIMITS: TextParserLimits = {
  maxItemSize: 1024 * 1024,
  maxLineLength: 2048,
  maxRetrievalLineLength: 2 * 1024 * 1024,
  maxKeysPerRetrieval: 100_000,
};

const ERROR_LINE = /^(ERROR|CLIENT_ERROR [\x20-\x7e]+|SERVER_ERROR [\x20-\x7e]+)$/;
const ERROR_CODES = new Set([
  'unknown_command', 'wrong_arity', 'bad_command_line', 'invalid_exptime', 'invalid_delta', 'bad_data_chunk',
  'too_large', 'line_too_long', 'too_many_keys', 'http_request', 'meta_invalid',
]);

function target(limits: TextParserLimits): FuzzTarget<Event> {
  return {
    create: (events) =>
      new MemcacheTextParser({ onRequest: (request) => events.push({ request }), onError: (error) => events.push({ error }) }, limits),
    checkEvent(event) {
      if ('error' in event) {
        const { reply, code } = event.error;
        if (reply !== null && !ERROR_LINE.test(reply)) throw new Error(`not a memcached error line: ${JSON.stringify(reply)}`);
        if (!ERROR_CODES.has(code)) throw new Error(`unknown error code ${code}`);
        return;
      }
      const r = event.request;
      if (r.kind === 'storage' && r.value.length > limits.maxItemSize) throw new Error('value over maxItemSize accepted');
      if (r.kind === 'retrieval' && r.keys.length > limits.maxKeysPerRetrieval) throw new Error('too many keys accepted');
      if ('key' in r && r.key.length > 250 && !(r.kind === 'meta' && r.base64Key)) throw new Error('key over 250 bytes accepted');
    },
  };
}

/** One generated command: its bytes and what the parser must report for it. */
interface Generated {
  bytes: Buffer;
  expected: Record<string, unknown>;
}

const STORAGE = ['set', 'add', 'replace', 'append', 'prepend', 'cas'] as const;

const storageArbitrary: fc.Arbitrary<Generated> = fc
  .record({
    command: fc.constantFrom(...STORAGE),
    key: keyArbitrary,
    flags: fc.nat(),
    exptime: fc.integer({ min: -1, max: 1_000_000 }),
    value: valueArbitrary,
    cas: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    noreply: fc.boolean(),
  })
  .map(({ command, key, flags, exptime, value, cas, noreply }) => ({
    bytes: Buffer.concat([
      Buffer.from(`${command} ${key} ${flags} ${exptime} ${value.length}${command === 'cas' ? ` ${cas}` : ''}${noreply ? ' noreply' : ''}\r\n`, 'latin1'),
      value,
      Buffer.from('\r\n'),
    ]),
    expected: { kind: 'storage', command, key, value: value.toString('latin1'), noreply },
  }));

const retrievalArbitrary: fc.Arbitrary<Generated> = fc
  .record({ command: fc.constantFrom('get', 'gets'), keys: fc.array(keyArbitrary, { minLength: 1, maxLength: 8 }) })
  .map(({ command, keys }) => ({
    bytes: Buffer.from(`${command} ${keys.join(' ')}\r\n`, 'latin1'),
    expected: { kind: 'retrieval', command, keys },
  }));

const simpleArbitrary: fc.Arbitrary<Generated> = fc.oneof(
  fc.record({ key: keyArbitrary, noreply: fc.boolean() }).map(({ key, noreply }) => ({
    bytes: Buffer.from(`delete ${key}${noreply ? ' noreply' : ''}\r\n`, 'latin1'),
    expected: { kind: 'delete', key },
  })),
  fc.record({ command: fc.constantFrom('incr', 'decr'), key: keyArbitrary, delta: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }).map(({ command, key, delta }) => ({
    bytes: Buffer.from(`${command} ${key} ${delta}\r\n`, 'latin1'),
    expected: { kind: 'arithmetic', command, key },
  })),
  fc.record({ key: keyArbitrary, exptime: fc.integer({ min: 0, max: 100000 }) }).map(({ key, exptime }) => ({
    bytes: Buffer.from(`touch ${key} ${exptime}\r\n`, 'latin1'),
    expected: { kind: 'touch', key },
  })),
  fc.constant({ bytes: Buffer.from('version\r\n'), expected: { kind: 'version' } }),
);

const META_GET_FLAGS = ['v', 'k', 't', 'c', 'f', 's', 'h', 'l', 'q', 'u', 'T30', 'N10', 'R5', 'O123', 'E77'];
const META_SET_FLAGS = ['T60', 'F7', 'q', 'c', 'k', 'O1', 'MS', 'I', 'C99'];
const META_MD_FLAGS = ['q', 'I', 'T5', 'k', 'O9', 'C1'];
const META_MA_FLAGS = ['q', 'N0', 'J13', 'D5', 'MI', 'T0', 'v', 't', 'c', 'k'];

function flagSubset(flags: readonly string[]): fc.Arbitrary<string[]> {
  return fc.subarray([...flags]);
}

const metaArbitrary: fc.Arbitrary<Generated> = fc.oneof(
  fc.record({ key: keyArbitrary, flags: flagSubset(META_GET_FLAGS) }).map(({ key, flags }) => ({
    bytes: Buffer.from(`mg ${key}${flags.map((f) => ` ${f}`).join('')}\r\n`, 'latin1'),
    expected: { kind: 'meta', command: 'mg', key },
  })),
  fc.record({ key: keyArbitrary, flags: flagSubset(META_SET_FLAGS), value: valueArbitrary }).map(({ key, flags, value }) => ({
    bytes: Buffer.concat([Buffer.from(`ms ${key} ${value.length}${flags.map((f) => ` ${f}`).join('')}\r\n`, 'latin1'), value, Buffer.from('\r\n')]),
    expected: { kind: 'meta', command: 'ms', key, value: value.toString('latin1') },
  })),
  fc.record({ key: keyArbitrary, flags: flagSubset(META_MD_FLAGS) }).map(({ key, flags }) => ({
    bytes: Buffer.from(`md ${key}${flags.map((f) => ` ${f}`).join('')}\r\n`, 'latin1'),
    expected: { kind: 'meta', command: 'md', key },
  })),
  fc.record({ key: keyArbitrary, flags: flagSubset(META_MA_FLAGS) }).map(({ key, flags }) => ({
    bytes: Buffer.from(`ma ${key}${flags.map((f) => ` ${f}`).join('')}\r\n`, 'latin1'),
    expected: { kind: 'meta', command: 'ma', key },
  })),
  fc.constant({ bytes: Buffer.from('mn\r\n'), expected: { kind: 'meta', command: 'mn', key: '' } }),
);

const commandArbitrary = fc.oneof(storageArbitrary, retrievalArbitrary, simpleArbitrary, metaArbitrary);
const pipelineArbitrary = fc.array(commandArbitrary, { minLength: 1, maxLength: 12 });

/** The fields of a reported request that a generated command fixes. */
function summary(event: unknown, expected: Record<string, unknown>): Record<string, unknown> {
  const request = (event as { request?: Record<string, unknown> }).request;
  if (request === undefined) return { unexpected: event };
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(expected)) out[field] = request[field];
  return out;
}

describe('memcached text parser under fuzzing', () => {
  const probe = new AllocationProbe();
  beforeAll(() => probe.install());
  afterAll(() => probe.uninstall());

  test('valid pipelines (classic and meta) parse to exactly the generated commands, however split', () => {
    fc.assert(
      fc.property(pipelineArbitrary, fc.integer(), (commands, splitSeed) => {
        const bytes = Buffer.concat(commands.map((c) => c.bytes));
        const events = checkAllWays(target(SMALL_LIMITS), bytes, splitSeed, probe);
        expect(events.map((e, i) => summary(e, commands[i]?.expected ?? {}))).toEqual(commands.map((c) => c.expected));
      }),
      fuzzParameters(),
    );
  });

  test('mutated pipelines: no throw, only memcached error lines, bounded memory, same events however split', () => {
    fc.assert(
      fc.property(pipelineArbitrary, mutationsArbitrary, fc.integer(), (commands, mutations, splitSeed) => {
        const bytes = mutate(Buffer.concat(commands.map((c) => c.bytes)), mutations);
        checkAllWays(target(SMALL_LIMITS), bytes, splitSeed, probe);
        checkAllWays(target(DAEMON_LIMITS), bytes, splitSeed, probe);
      }),
      fuzzParameters(600),
    );
  });

  test('random bytes with protocol punctuation: same invariants', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a, 0x20, 0x00, 0x30, 0x31, 0x6d));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 3000 }), fc.integer(), (raw, splitSeed) => {
        checkAllWays(target(SMALL_LIMITS), Buffer.from(raw), splitSeed, probe);
      }),
      fuzzParameters(200),
    );
  });

  // Regression (fuzz finding): a data block spanning chunks was allocated at its declared
  // length as soon as the command line arrived, so `set k 0 0 1048576` plus a few bytes
  // (on each of many connections) cost 1 MiB each without sending it.
  test.each([
    ['set', (n: number) => `set k 0 0 ${n}\r\n`],
    ['ms', (n: number) => `ms k ${n} T0\r\n`],
  ])('a declared %s length is not allocated before its bytes arrive', (_name, line) => {
    const declared = DAEMON_LIMITS.maxItemSize - 100;
    const chunks = [Buffer.from(line(declared), 'latin1'), Buffer.alloc(10, 0x61)];
    const fed = chunks[0]!.length + 10;
    // feedChecked fails if the parser holds or allocates more than 2 × fed + 64 KiB.
    expect(feedChecked(target(DAEMON_LIMITS), chunks, probe, 'two chunks')).toEqual([]);
    expect(heldBound(fed)).toBeLessThan(declared / 4);
  });

  test('a value trickled in after a max-size declaration still parses, whole and exact', () => {
    const declared = DAEMON_LIMITS.maxItemSize - 100;
    const value = Buffer.alloc(declared, 0x62);
    const bytes = Buffer.concat([Buffer.from(`set k 0 0 ${declared}\r\n`), value, Buffer.from('\r\nget k\r\n')]);
    const events = checkAllWays(target(DAEMON_LIMITS), bytes, FUZZ_SEED, probe) as Array<{ request: { value?: string; kind: string } }>;
    expect(events.map((e) => e.request.kind)).toEqual(['storage', 'retrieval']);
    expect(events[0]!.request.value).toBe(value.toString('latin1'));
  });
});
