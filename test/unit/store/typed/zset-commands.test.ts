/**
 * The sorted-set commands of store/typed/zset.ts, run the way the shard's executor
 * runs them, against replies Debian's redis-server 7.0 gave for the same command
 * lines (RESP2: doubles as `%.17g` strings, WITHSCORES pairs flat). Lines Redis
 * refused for arity are skipped (the session refuses those first).
 */
import { ITEM_TYPE_ZSET } from '../../../../src/store/item-layout';
import { ITEM_TYPE_ANY } from '../../../../src/store/typed/typed-command';
import {
  combine,
  decodeZset,
  encodeZset,
  formatScore,
  globMatch,
  parseCombineRequest,
  parseDouble,
  ZSET_COMMANDS,
} from '../../../../src/store/typed/zset';
import { runScript, TypedKeyspace } from './list-zset-harness';
import { ZSET_CASES } from './zset-cases';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('zset codec', () => {
  it('round-trips members of every length-prefix size with their exact scores', () => {
    const members = [0, 1, 127, 128, 20000].map((n) => bytes('m'.repeat(n)));
    const scores = [-Infinity, -2.5, 0.1, 1e300, Infinity];
    const decoded = decodeZset(encodeZset({ members, scores }));
    expect(decoded.scores).toEqual(scores);
    expect(decoded.members.map((m) => m.length)).toEqual([0, 1, 127, 128, 20000]);
  });

  it('reads a value that is a view into a larger buffer', () => {
    const value = encodeZset({ members: [bytes('a')], scores: [1.5] });
    const backing = new Uint8Array(value.length + 3);
    backing.set(value, 3);
    expect(decodeZset(backing.subarray(3)).scores).toEqual([1.5]);
  });
});

describe('zset number text', () => {
  it.each([
    ['1', 1],
    ['-1.5', -1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e2', 100],
    ['0x10', 16],
    ['inf', Infinity],
    ['+Infinity', Infinity],
    ['-INF', -Infinity],
    ['5e-324', 5e-324],
  ])('accepts %s', (text, value) => expect(parseDouble(bytes(text))).toBe(value));

  it.each(['', ' 1', '1 ', 'nan', '1e400', '1e-400', 'x', '1e', '--1', '0x'])('refuses %j', (text) => {
    expect(parseDouble(bytes(text))).toBeNull();
  });

  it.each([
    [1.1, '1.1000000000000001'],
    [0.1, '0.10000000000000001'],
    [3, '3'],
    [1e16, '10000000000000000'],
    [1e17, '1e+17'],
    [1e-5, '1.0000000000000001e-05'],
    [0.0001, '0.0001'],
    [-2.25, '-2.25'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ])('prints %p as Redis 7.0 does (%s)', (value, text) => expect(formatScore(value)).toBe(text));
});

describe('zset glob (ZSCAN MATCH)', () => {
  it.each([
    ['*', 'abc', true],
    ['a*', 'abc', true],
    ['a?c', 'abc', true],
    ['[ab]*', 'bcd', true],
    ['[^ab]*', 'bcd', false],
    ['[a-c]x', 'bx', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a*c*e', 'abcde', true],
    ['a*c*e', 'abcdf', false],
  ])('%s against %s', (pattern, text, matches) => expect(globMatch(bytes(pattern), bytes(text))).toBe(matches));
});

describe('zset commands against redis-server 7.0 replies', () => {
  it('answers every recorded line as Redis did', () => {
    const { actual, expected } = runScript(ZSET_CASES);
    expect(actual).toEqual(expected);
  });

  it('registers zset-typed definitions; only the internal helpers that ignore the key accept any type', () => {
    const anyType = ['__zstore', '__zcheck', '__zcombine'];
    for (const d of ZSET_COMMANDS) expect([d.name, d.itemType]).toEqual([d.name, anyType.includes(d.name) ? ITEM_TYPE_ANY : ITEM_TYPE_ZSET]);
  });

  it('ZRANDMEMBER: distinct members for a positive count, repeats allowed for a negative one', () => {
    const keyspace = new TypedKeyspace();
    keyspace.run(['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd']);
    const distinct = keyspace.run(['ZRANDMEMBER', 'z', '3']) as string[];
    expect(new Set(distinct).size).toBe(3);
    expect(distinct.every((m) => 'abcd'.includes(m))).toBe(true);
    const all = keyspace.run(['ZRANDMEMBER', 'z', '10', 'WITHSCORES']) as string[];
    expect(all.length).toBe(8);
    const repeated = keyspace.run(['ZRANDMEMBER', 'z', '-20']) as string[];
    expect(repeated.length).toBe(20);
    expect(new Set(repeated).size).toBeLessThanOrEqual(4);
    const withScores = keyspace.run(['ZRANDMEMBER', 'z', '-2', 'WITHSCORES']) as string[];
    expect(withScores.length).toBe(4);
    expect(Number(withScores[1])).toBe('abcd'.indexOf(withScores[0]!) + 1);
  });
});

describe('ZRANK / ZREVRANK WITHSCORE (Redis 7.2; not in the 7.0 reference server)', () => {
  it('answers [rank, score], a null array for a missing member or key, Redis\'s errors otherwise', () => {
    const keyspace = new TypedKeyspace();
    keyspace.run(['ZADD', 'z', '1.5', 'a', '2', 'b']);
    expect(keyspace.run(['ZRANK', 'z', 'b', 'WITHSCORE'])).toEqual([1, '2']);
    expect(keyspace.run(['ZREVRANK', 'z', 'b', 'withscore'])).toEqual([0, '2']);
    expect(keyspace.run(['ZRANK', 'z', 'nope', 'WITHSCORE'])).toBeNull();
    expect(keyspace.run(['ZRANK', 'nokey', 'a', 'WITHSCORE'])).toBeNull();
    expect(keyspace.run(['ZRANK', 'z', 'a', 'WITHSCORES'])).toBe('-ERR syntax error');
    expect(keyspace.run(['ZRANK', 'z', 'a', 'WITHSCORE', 'x'])).toBe("-ERR wrong number of arguments for 'zrank' command");
    const definition = ZSET_COMMANDS.find((d) => d.name === 'zrank')!;
    const value = encodeZset({ members: [bytes('a')], scores: [1.5] });
    expect(definition.run(value, [bytes('nope'), bytes('WITHSCORE')], { nowMs: 0, random: Math.random }).reply).toEqual({ kind: 'nullArray' });
    expect(definition.run(value, [bytes('nope')], { nowMs: 0, random: Math.random }).reply).toEqual({ kind: 'null' });
  });
});

describe('ZUNION / ZINTER / ZDIFF arithmetic', () => {
  const set = (pairs: [string, number][]) => encodeZset({ members: pairs.map(([m]) => bytes(m)), scores: pairs.map(([, s]) => s) });
  const text = (z: ReturnType<typeof decodeZset>) => z.members.map((m, i) => `${Buffer.from(m).toString()}=${formatScore(z.scores[i]!)}`);
  const a = set([['x', 1], ['y', 2], ['z', 3]]);
  const b = set([['y', 10], ['z', 20], ['w', 30]]);

  it('unions with weights and each aggregate', () => {
    expect(text(combine('union', 'sum', [1, 2], [a, b]))).toEqual(['x=1', 'y=22', 'z=43', 'w=60']);
    expect(text(combine('union', 'min', [1, 1], [a, b]))).toEqual(['x=1', 'y=2', 'z=3', 'w=30']);
    expect(text(combine('union', 'max', [1, 1], [a, null]))).toEqual(['x=1', 'y=2', 'z=3']);
  });

  it('intersects, and treats inf - inf as 0 as Redis does', () => {
    expect(text(combine('inter', 'sum', [1, 1], [a, b]))).toEqual(['y=12', 'z=23']);
    expect(text(combine('inter', 'sum', [Infinity, -Infinity], [a, a]))).toEqual(['x=0', 'y=0', 'z=0']);
    expect(combine('inter', 'sum', [1, 1], [a, null]).members).toEqual([]);
  });

  it('diffs against every other set, keeping the first set\'s scores', () => {
    expect(text(combine('diff', 'sum', [1, 1], [a, b]))).toEqual(['x=1']);
    expect(text(combine('diff', 'sum', [1], [a]))).toEqual(['x=1', 'y=2', 'z=3']);
  });

  it('parses the client\'s options with Redis\'s errors', () => {
    const parse = (command: string, line: string) => parseCombineRequest(command, line.split(' ').map(bytes));
    expect(parse('zunion', '0 a')).toBe("ERR at least 1 input key is needed for 'zunion' command");
    expect(parse('zunionstore', '-1 a')).toBe("ERR at least 1 input key is needed for 'zunionstore' command");
    expect(parse('zunion', '2 a')).toBe('ERR syntax error');
    expect(parse('zunion', 'x a')).toBe('ERR value is not an integer or out of range');
    expect(parse('zunion', '1 a WEIGHTS x')).toBe('ERR weight value is not a float');
    expect(parse('zunion', '1 a AGGREGATE avg')).toBe('ERR syntax error');
    expect(parse('zunionstore', '1 a WITHSCORES')).toBe('ERR syntax error');
    expect(parse('zdiff', '1 a WEIGHTS 1')).toBe('ERR syntax error');
    expect(parse('zintercard', '1 a LIMIT 1')).toMatchObject({ limit: 1 });
    expect(parse('zintercard', '1 a LIMIT -1')).toBe("ERR LIMIT can't be negative");
    expect(parse('zintercard', '1 a LIMIT x')).toBe("ERR LIMIT can't be negative");
    expect(parse('zunion', '2 a b WEIGHTS 2 3 AGGREGATE max WITHSCORES')).toMatchObject({ weights: [2, 3], aggregate: 'max', withScores: true });
  });

  it('runs the internal helpers on values the main thread read', () => {
    const keyspace = new TypedKeyspace();
    const value = (v: Uint8Array) => Buffer.from(v).toString('latin1');
    expect(keyspace.run(['__zcheck', 'any', 'zunion', '2', 'a', 'b', 'WEIGHTS', '1', 'x'])).toBe('-ERR weight value is not a float');
    expect(keyspace.run(['__zcheck', 'any', 'zunion', '2', 'a', 'b', 'WEIGHTS', '1', '0.1'])).toBe('OK');
    const line = ['zunion', '2', 'a', 'b', 'WEIGHTS', '1', '0.1', 'WITHSCORES', value(a), value(b)];
    expect(keyspace.run(['__zcombine', 'ignored', ...line])).toEqual(['x', '1', 'w', '3', 'y', '3', 'z', '5']);
    expect(keyspace.run(['__zcombine', 'ignored', 'zintercard', '2', 'a', 'b', 'LIMIT', '1', value(a), value(b)])).toBe(1);
    expect(keyspace.run(['__zcombine', 'ignored', 'zdiff', '2', 'a', 'b', value(a), ''])).toEqual(['x', 'y', 'z']);
    keyspace.run(['SET', 'dest', 'x']);
    expect(keyspace.run(['__zstore', 'dest', 'zunionstore', '2', 'a', 'b', value(a), value(b)])).toBe(4);
    expect(keyspace.run(['ZRANGE', 'dest', '0', '-1'])).toEqual(['x', 'y', 'z', 'w']);
    expect(keyspace.run(['__zstore', 'dest', 'zinterstore', '2', 'a', 'b', value(a), ''])).toBe(0);
    expect(keyspace.keys.has('dest')).toBe(false);
    expect(keyspace.run(['__zstore', 'dest', 'value', value(b)])).toBe(3);
  });
});
