/**
 * Property tests for the RESP request parser (resp/request-parser.ts), seeded
 * (FUZZ_SEED). Valid multibulk and inline pipelines parse to exactly the
 * generated commands however split; mutated pipelines (absurd `*`/`$` counts,
 * flipped bytes, inserted CR/LF/NUL, truncations) report only Redis's
 * `ERR Protocol error` lines (or a silent close), at most once, the same
 * events however split, and never make the parser hold or allocate more than
 * the bytes fed allow, whatever `$<len>` or `*<count>` declares.
 */
import fc from 'fast-check';
import { RespRequestParser, type RespParserLimits } from '../../src/protocol/resp/request-parser';
import { AllocationProbe, fuzzParameters, mutate, mutationsArbitrary } from './fuzz-support';
import { checkAllWays, feedChecked, type FuzzTarget } from './parser-harness';

type Event = { command: Buffer[] } | { error: string | null };

/** What the daemon's Redis port uses (resp-session-factory.ts) with -I 1m. */
const DAEMON_LIMITS: RespParserLimits = { maxBulkLength: 1024 * 1024 + 64 * 1024, maxArguments: 1024 * 1024, maxRequestBytes: 64 * 1024 * 1024 };
const SMALL_LIMITS: RespParserLimits = { maxBulkLength: 4096, maxArguments: 64, maxRequestBytes: 16 * 1024 };

function target(limits: RespParserLimits): FuzzTarget<Event> {
  let errors = 0;
  return {
    create: (events) => {
      errors = 0;
      return new RespRequestParser({ onCommand: (args) => events.push({ command: args }), onProtocolError: (error) => events.push({ error }) }, limits);
    },
    checkEvent(event) {
      if ('error' in event) {
        if (++errors > 1) throw new Error('more than one protocol error reported');
        if (event.error !== null && !/^ERR Protocol error: [^\r\n]+$/.test(event.error)) {
          throw new Error(`not a Redis protocol error: ${JSON.stringify(event.error)}`);
        }
        return;
      }
      if (errors > 0) throw new Error('a command reported after a protocol error');
      if (event.command.length > limits.maxArguments) throw new Error('too many arguments delivered');
      for (const arg of event.command) if (arg.length > limits.maxBulkLength) throw new Error('bulk over the limit delivered');
    },
  };
}

const argArbitrary = fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a));
const wordArbitrary = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789:_-'.split('')), minLength: 1, maxLength: 16 });

interface Generated {
  bytes: Buffer;
  expected: string[];
}

const multibulkArbitrary: fc.Arbitrary<Generated> = fc
  .record({ name: fc.constantFrom('GET', 'SET', 'MGET', 'DEL', 'PING', 'HSET', 'x'), args: fc.array(argArbitrary, { maxLength: 6 }) })
  .map(({ name, args }) => {
    const all = [Buffer.from(name), ...args];
    const parts: Buffer[] = [Buffer.from(`*${all.length}\r\n`)];
    for (const a of all) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
    return { bytes: Buffer.concat(parts), expected: all.map((a) => a.toString('latin1')) };
  });

const inlineArbitrary: fc.Arbitrary<Generated> = fc
  .array(wordArbitrary, { minLength: 1, maxLength: 6 })
  .map((words) => ({ bytes: Buffer.from(`${words.join(' ')}\r\n`), expected: words }));

const pipelineArbitrary = fc.array(fc.oneof(multibulkArbitrary, inlineArbitrary), { minLength: 1, maxLength: 12 });

describe('RESP request parser under fuzzing', () => {
  const probe = new AllocationProbe();
  beforeAll(() => probe.install());
  afterAll(() => probe.uninstall());

  test('valid pipelines (multibulk and inline) parse to exactly the generated commands, however split', () => {
    fc.assert(
      fc.property(pipelineArbitrary, fc.integer(), (commands, splitSeed) => {
        const events = checkAllWays(target(DAEMON_LIMITS), Buffer.concat(commands.map((c) => c.bytes)), splitSeed, probe);
        expect(events).toEqual(commands.map((c) => ({ command: c.expected })));
      }),
      fuzzParameters(),
    );
  });

  test('mutated pipelines: no throw, only Redis protocol errors, bounded memory, same events however split', () => {
    fc.assert(
      fc.property(pipelineArbitrary, mutationsArbitrary, fc.integer(), (commands, mutations, splitSeed) => {
        const bytes = mutate(Buffer.concat(commands.map((c) => c.bytes)), mutations);
        checkAllWays(target(SMALL_LIMITS), bytes, splitSeed, probe);
        checkAllWays(target(DAEMON_LIMITS), bytes, splitSeed, probe);
      }),
      fuzzParameters(600),
    );
  });

  test('absurd counts and lengths: refused or waited for, never allocated up front', () => {
    const count = fc.constantFrom('1048576', '1048577', '2147483647', '2147483648', '99999999999999999999', '-5', '0', '+1', ' 1', '1x', '');
    const input = fc
      .record({ count, length: count, tail: fc.uint8Array({ maxLength: 200 }) })
      .map(({ count: c, length, tail }) => Buffer.concat([Buffer.from(`*${c}\r\n$${length}\r\n`), Buffer.from(tail)]));
    fc.assert(
      fc.property(input, fc.integer(), (bytes, splitSeed) => {
        checkAllWays(target(DAEMON_LIMITS), bytes, splitSeed, probe);
      }),
      fuzzParameters(200),
    );
  });

  test('an over-long line without CR or LF is refused once it passes 64 KiB, not buffered further', () => {
    for (const start of ['*', '*1\r\n$', 'GET ']) {
      const bytes = Buffer.concat([Buffer.from(start), Buffer.alloc(200 * 1024, 0x31)]);
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 1000) chunks.push(bytes.subarray(at, at + 1000));
      const events = feedChecked(target(DAEMON_LIMITS), chunks, probe, start) as Array<{ error?: string | null }>;
      expect(events).toHaveLength(1);
      expect(events[0]!.error).toMatch(/^ERR Protocol error: too big/);
    }
  });
});

// Regression (fuzz finding): a CR or LF where `$` was expected went into the error line
// raw, ending the reply line early; Redis maps both to a space.
test("an error quoting a CR or LF byte keeps the reply on one line, as Redis's does", () => {
  for (const bad of ['\n', '\r']) {
    const events: Event[] = [];
    const parser = new RespRequestParser({ onCommand: (args) => events.push({ command: args }), onProtocolError: (error) => events.push({ error }) }, DAEMON_LIMITS);
    parser.push(Buffer.from(`*1\r\n${bad}abc\r\n`));
    expect(events).toEqual([{ error: "ERR Protocol error: expected '$', got ' '" }]);
  }
});
