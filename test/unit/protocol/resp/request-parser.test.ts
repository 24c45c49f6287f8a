/**
 * RESP request decoder: every case runs whole, byte by byte and in seeded
 * random splits (feedThreeWays). Expected errors are Redis 7's texts, checked
 * by hand against redis-server and again by test/compat/resp/redis-differential.test.ts.
 */
import { INLINE_MAX_LENGTH, RespRequestParser, splitInlineArguments, type RespParserLimits } from '../../../../src/protocol/resp/request-parser';
import { feedChunks, feedThreeWays } from '../feed-three-ways';

type Event = { command: string[] } | { error: string | null };

const LIMITS: RespParserLimits = { maxBulkLength: 1024 * 1024, maxArguments: 1024 * 1024, maxRequestBytes: 8 * 1024 * 1024 };

function factory(limits: RespParserLimits = LIMITS) {
  return (events: Event[]) =>
    new RespRequestParser(
      {
        onCommand: (args) => events.push({ command: args.map((a) => a.toString('latin1')) }),
        onProtocolError: (error) => events.push({ error }),
      },
      limits,
    );
}

const parse = (input: string | Buffer, limits?: RespParserLimits): Event[] => feedThreeWays(factory(limits), input);
const mb = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
const cmd = (...args: string[]): Event => ({ command: args });

describe('multibulk requests', () => {
  test('one command, binary-safe arguments', () => {
    expect(parse(mb('SET', 'k', 'a\r\nb\0c'))).toEqual([cmd('SET', 'k', 'a\r\nb\0c')]);
  });

  test('empty argument and empty command name', () => {
    expect(parse(mb('GET', '') + mb(''))).toEqual([cmd('GET', ''), cmd('')]);
  });

  test('a pipeline of 2000 commands in one chunk gives 2000 commands in order', () => {
    let input = '';
    for (let i = 0; i < 2000; i++) input += mb('SET', `key:${i}`, `value:${i}`);
    const events = parse(input, undefined);
    expect(events).toHaveLength(2000);
    expect(events[1999]).toEqual(cmd('SET', 'key:1999', 'value:1999'));
  });

  test('counts of 0 and below are empty requests, skipped like Redis', () => {
    expect(parse(`*0\r\n*-1\r\n*-5\r\n${mb('PING')}`)).toEqual([cmd('PING')]);
  });

  test('the line end is the first CR; the byte after it and the two after a bulk are not checked (as Redis)', () => {
    expect(parse('*1\r\n$4\r\nPINGxx*1\rX$4\rYPING\r\n')).toEqual([cmd('PING'), cmd('PING')]);
  });

  test('a bulk arriving in many pieces is joined exactly', () => {
    const value = Buffer.alloc(200_000, 'v').toString('latin1');
    expect(parse(mb('SET', 'big', value), undefined)).toEqual([cmd('SET', 'big', value)]);
  });

  test('waits without a CR: LF alone does not end a multibulk line', () => {
    expect(parse('*1\n$4\nPING\n')).toEqual([]);
  });
});

describe('multibulk errors (Redis texts, then nothing more)', () => {
  test.each([
    ['*x\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*+1\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*01\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*-0\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*1 \r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*2147483648\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['*1\r\nx\r\n', "ERR Protocol error: expected '$', got 'x'"],
    ['*1\r\n$-5\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$+4\r\nPING\r\n', 'ERR Protocol error: invalid bulk length'],
    ['*1\r\n$04\r\nPING\r\n', 'ERR Protocol error: invalid bulk length'],
  ])('%j', (input, error) => {
    expect(parse(`${mb('PING')}${input}${mb('PING')}`)).toEqual([cmd('PING'), { error }]);
  });

  test('a bulk longer than our bound (max item size + margin) is an invalid bulk length', () => {
    const limits = { ...LIMITS, maxBulkLength: 100 };
    expect(parse('*2\r\n$3\r\nSET\r\n$100\r\n', limits)).toEqual([]);
    expect(parse('*2\r\n$3\r\nSET\r\n$101\r\n', limits)).toEqual([{ error: 'ERR Protocol error: invalid bulk length' }]);
  });

  test('more arguments than our bound is an invalid multibulk length', () => {
    const limits = { ...LIMITS, maxArguments: 3 };
    expect(parse(mb('A', 'B', 'C'), limits)).toEqual([cmd('A', 'B', 'C')]);
    expect(parse('*4\r\n', limits)).toEqual([{ error: 'ERR Protocol error: invalid multibulk length' }]);
  });

  test('a request past maxRequestBytes closes without a reply (Redis: query buffer limit)', () => {
    const limits = { ...LIMITS, maxBulkLength: 100, maxRequestBytes: 150 };
    expect(parse(`*3\r\n$3\r\nSET\r\n$100\r\n${'a'.repeat(100)}\r\n$60\r\n`, limits)).toEqual([{ error: null }]);
  });

  test('count and length lines over 64 KiB without a CR (the * or $ counts)', () => {
    expect(parse(`*${'1'.repeat(INLINE_MAX_LENGTH - 1)}`)).toEqual([]);
    expect(parse(`*${'1'.repeat(INLINE_MAX_LENGTH)}`)).toEqual([{ error: 'ERR Protocol error: too big mbulk count string' }]);
    expect(parse(`*1\r\n$${'1'.repeat(INLINE_MAX_LENGTH)}`)).toEqual([
      { error: 'ERR Protocol error: too big bulk count string' },
    ]);
  });

  test('huge declared sizes allocate nothing before the bytes arrive', () => {
    const before = process.memoryUsage().arrayBuffers;
    const parsers: Event[][] = [];
    for (let i = 0; i < 50; i++) {
      parsers.push(feedChunks(factory({ maxBulkLength: 512 * 1024 * 1024, maxArguments: 2147483647, maxRequestBytes: 2 ** 40 }), [
        Buffer.from('*2147483647\r\n$536870912\r\nabc'),
      ]));
    }
    expect(parsers.every((events) => events.length === 0)).toBe(true);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });
});

describe('inline requests', () => {
  test('words split on spaces and tabs; CRLF or LF ends the line; empty lines are skipped', () => {
    expect(parse('SET  k\tv\r\n\r\n\nGET k\nPING\r\n')).toEqual([cmd('SET', 'k', 'v'), cmd('GET', 'k'), cmd('PING')]);
  });

  test('a lone CR inside the line separates arguments (isspace)', () => {
    expect(parse('PING\rPING\r\n')).toEqual([cmd('PING', 'PING')]);
  });

  test('double and single quotes group words', () => {
    expect(parse(`SET "a b" 'c d'\r\n`)).toEqual([cmd('SET', 'a b', 'c d')]);
  });

  test('escapes inside double quotes', () => {
    expect(parse(`echo "\\x41\\n\\t\\\\ok\\q" 'it\\'s'\r\n`)).toEqual([cmd('echo', 'A\n\t\\okq', "it's")]);
  });

  test('a quote may open inside a word: a"b c" is one argument', () => {
    expect(parse('echo a"b c"\r\n')).toEqual([cmd('echo', 'ab c')]);
  });

  test.each([['set "a b\r\n'], ["echo 'a\r\n"], ['echo "a"b\r\n'], ["echo 'a'b\r\n"]])('unbalanced quotes: %j', (input) => {
    expect(parse(`PING\r\n${input}PING\r\n`)).toEqual([cmd('PING'), { error: 'ERR Protocol error: unbalanced quotes in request' }]);
  });

  test('a NUL ends the request as in Redis (C string)', () => {
    expect(parse('echo a\0 b c\r\nPING\r\n')).toEqual([cmd('echo', 'a'), cmd('PING')]);
  });

  test('an inline request up to 64 KiB is fine; one byte more is too big', () => {
    const longest = `echo ${'x'.repeat(INLINE_MAX_LENGTH - 5)}`;
    expect(parse(`${longest}\n`)).toEqual([cmd('echo', 'x'.repeat(INLINE_MAX_LENGTH - 5))]);
    expect(parse(`${longest}x\n`)).toEqual([{ error: 'ERR Protocol error: too big inline request' }]);
    expect(parse(`${longest}x`)).toEqual([{ error: 'ERR Protocol error: too big inline request' }]);
  });

  test('inline and multibulk mix in one pipeline', () => {
    expect(parse(`PING\r\n${mb('GET', 'a')}SET b c\r\n`)).toEqual([cmd('PING'), cmd('GET', 'a'), cmd('SET', 'b', 'c')]);
  });
});

describe('splitInlineArguments', () => {
  test('returns bytes, not text: \\xff stays one byte', () => {
    const line = Buffer.from('set k "\\xff\\x00"', 'latin1');
    expect(splitInlineArguments(line, 0, line.length)).toEqual([Buffer.from('set'), Buffer.from('k'), Buffer.from([0xff, 0x00])]);
  });
});
