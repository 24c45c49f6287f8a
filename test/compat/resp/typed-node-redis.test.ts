/**
 * Hashes, sets and HyperLogLog through node-redis (the `redis` package, v6) in RESP3 and RESP2
 * against a 2-shard daemon, plus the raw RESP3 frames (HGETALL a map, SMEMBERS / SPOP count a
 * set, HRANDFIELD WITHVALUES pairs) checked byte for byte.
 */
import type { RedisClientType } from 'redis';
import { RawClient } from '../../helpers/raw-client';
import { countReplies, startRespDaemon, type RespDaemon } from './resp-daemon';
import { connectNodeRedis } from './node-redis-client';
import { keysOnShards } from './typed-shards';

let daemon: RespDaemon;

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

describe.each([3, 2] as const)('node-redis RESP %i', (protocol) => {
  let client: RedisClientType;

  beforeEach(async () => {
    client = await connectNodeRedis(daemon.redisPort, protocol);
  });

  afterEach(() => client.destroy());

  test('hash commands', async () => {
    expect(await client.hSet('h', { a: '1', b: '2' })).toBe(2);
    expect(await client.hGet('h', 'a')).toBe('1');
    expect(await client.hmGet('h', ['a', 'zz'])).toEqual(['1', null]);
    expect({ ...(await client.hGetAll('h')) }).toEqual({ a: '1', b: '2' });
    expect(await client.hKeys('h')).toEqual(['a', 'b']);
    expect(await client.hVals('h')).toEqual(['1', '2']);
    expect(await client.hLen('h')).toBe(2);
    expect(await client.hExists('h', 'a')).toBeTruthy();
    expect(await client.hStrLen('h', 'a')).toBe(1);
    expect(await client.hSetNX('h', 'a', '9')).toBeFalsy();
    expect(await client.hIncrBy('h', 'a', 4)).toBe(5);
    expect(String(await client.hIncrByFloat('h', 'b', 0.25))).toBe('2.25');
    expect(await client.hDel('h', ['a'])).toBe(1);
    const scan = await client.hScan('h', '0');
    expect(scan.cursor.toString()).toBe('0');
    expect(await client.hRandField('h')).toBe('b');
    const pairs = await client.hRandFieldCountWithValues('h', -2);
    expect(pairs).toHaveLength(2);
    expect(pairs[0]).toMatchObject({ field: 'b', value: '2.25' });
  });

  test('set commands, cross-shard set algebra and HyperLogLog', async () => {
    const [a, b, c] = keysOnShards('nr', 3);
    expect(await client.sAdd(a!, ['1', '2', '3'])).toBe(3);
    await client.sAdd(b!, ['2', '3', '4']);
    expect([...(await client.sMembers(a!))].sort()).toEqual(['1', '2', '3']);
    expect(await client.sIsMember(a!, '1')).toBeTruthy();
    expect(await client.smIsMember(a!, ['1', '9'])).toEqual([1, 0].map((n) => (protocol === 3 ? n : n)));
    expect(await client.sCard(a!)).toBe(3);
    expect([...(await client.sInter([a!, b!]))].sort()).toEqual(['2', '3']);
    expect([...(await client.sUnion([a!, b!]))].sort()).toEqual(['1', '2', '3', '4']);
    expect([...(await client.sDiff([a!, b!]))].sort()).toEqual(['1']);
    expect(await client.sInterStore(c!, [a!, b!])).toBe(2);
    expect(await client.sInterCard([a!, b!])).toBe(2);
    expect(await client.sMove(a!, b!, '1')).toBeTruthy();
    expect(await client.sRem(a!, ['2'])).toBe(1);
    expect([...((await client.sendCommand(['SPOP', a!, '5'])) as string[])]).toEqual(['3']);
    expect(await client.exists(a!)).toBe(0);
    expect(await client.pfAdd(a!, ['x', 'y'])).toBeTruthy();
    expect(await client.pfCount([a!])).toBe(2);
    await client.pfAdd(b! + 'h', ['y', 'z']);
    await expect(client.pfMerge(c!, [a!, b! + 'h'])).rejects.toThrow('WRONGTYPE');
    expect(await client.pfMerge(c! + 'hll', [a!, b! + 'h'])).toBe('OK');
    expect(await client.pfCount(c! + 'hll')).toBe(3);
    expect(await client.type(c! + 'hll')).toBe('string');
  });

  test('WRONGTYPE errors reach the client', async () => {
    await client.hSet('h', 'f', 'v');
    await expect(client.get('h')).rejects.toThrow('WRONGTYPE Operation against a key holding the wrong kind of value');
    await client.set('s', 'x');
    await expect(client.sAdd('s', 'm')).rejects.toThrow('WRONGTYPE');
  });
});

describe('raw RESP3 frames', () => {
  test('maps, sets and pairs as Redis sends them; RESP2 flattens', async () => {
    const raw = await RawClient.connect(daemon.redisPort);
    try {
      const send = (line: string[]): void => raw.send(`*${line.length}\r\n${line.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
      send(['FLUSHALL']);
      send(['HSET', 'rh', 'f', 'v']);
      send(['SADD', 'rs', 'm']);
      send(['HGETALL', 'rh']);
      send(['SMEMBERS', 'rs']);
      send(['HELLO', '3']);
      send(['HGETALL', 'rh']);
      send(['SMEMBERS', 'rs']);
      send(['SPOP', 'missing', '2']);
      send(['HRANDFIELD', 'rh', '1', 'WITHVALUES']);
      send(['HGETALL', 'missing']);
      send(['HGET', 'rh', 'zz']);
      const reply = (await raw.readUntil((r) => countReplies(r) >= 12, 3000)).toString('latin1');
      const afterHello = reply.slice(reply.indexOf('%7'));
      expect(reply).toContain('*2\r\n$1\r\nf\r\n$1\r\nv\r\n*1\r\n$1\r\nm\r\n');
      expect(afterHello.slice(afterHello.indexOf('%1\r\n$1\r\nf'))).toBe(
        '%1\r\n$1\r\nf\r\n$1\r\nv\r\n~1\r\n$1\r\nm\r\n~0\r\n*1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n%0\r\n_\r\n',
      );
    } finally {
      raw.close();
    }
  });
});
