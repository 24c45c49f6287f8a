/**
 * Lists and sorted sets through real client libraries against the daemon with two
 * shards: ioredis (RESP2) for every command family, a pipeline, MULTI/EXEC mixing
 * list, zset and string keys that live on different shards, WATCH on a list; and
 * node-redis v6 in RESP3 and RESP2 (ZSCORE as a double, ZRANGE WITHSCORES as
 * Redis 7 sends it: pairs in RESP3, a flat array in RESP2).
 */
import Redis from 'ioredis';
import type { RedisClientType } from 'redis';
import { HashRing } from '../../../src/router/hash-ring';
import { hashBytes } from '../../../src/util/hash';
import { startRespDaemon, type RespDaemon } from './resp-daemon';
import { connectNodeRedis } from './node-redis-client';

let daemon: RespDaemon;

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

const ring = new HashRing(2);
function keyOnShard(prefix: string, shard: number): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (ring.shardFor(hashBytes(Buffer.from(key), 0, key.length)) === shard) return key;
  }
}

describe('ioredis', () => {
  let redis: Redis;

  beforeEach(async () => {
    redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    await redis.flushall();
  });

  afterEach(() => redis.disconnect());

  test('list commands', async () => {
    expect(await redis.rpush('l', 'a', 'b', 'c')).toBe(3);
    expect(await redis.lpush('l', 'z')).toBe(4);
    expect(await redis.lpushx('missing', 'x')).toBe(0);
    expect(await redis.rpushx('l', 'd')).toBe(5);
    expect(await redis.lrange('l', 0, -1)).toEqual(['z', 'a', 'b', 'c', 'd']);
    expect(await redis.llen('l')).toBe(5);
    expect(await redis.lindex('l', -2)).toBe('c');
    expect(await redis.lset('l', 0, 'Z')).toBe('OK');
    await expect(redis.lset('l', 10, 'x')).rejects.toThrow('ERR index out of range');
    expect(await redis.linsert('l', 'AFTER', 'a', 'a2')).toBe(6);
    expect(await redis.lpos('l', 'b')).toBe(3);
    expect(await redis.lpos('l', 'b', 'COUNT', 0)).toEqual([3]);
    expect(await redis.lrem('l', 1, 'a2')).toBe(1);
    expect(await redis.ltrim('l', 1, -1)).toBe('OK');
    expect(await redis.lpop('l')).toBe('a');
    expect(await redis.rpop('l', 2)).toEqual(['d', 'c']);
    expect(await redis.lmove('l', 'l2', 'LEFT', 'LEFT')).toBe('b');
    expect(await redis.exists('l')).toBe(0);
    expect(await redis.rpoplpush('l2', 'l2')).toBe('b');
    expect(await redis.lpop('nothing')).toBeNull();
    await redis.set('str', 'v');
    await expect(redis.lpush('str', 'x')).rejects.toThrow('WRONGTYPE');
    expect(await redis.type('l2')).toBe('list');
  });

  test('binary elements and a long list keep their bytes and order', async () => {
    const binary = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
    await redis.rpush('bin', binary, Buffer.alloc(300, 7));
    expect(await redis.lrangeBuffer('bin', 0, -1)).toEqual([binary, Buffer.alloc(300, 7)]);
    const elements = Array.from({ length: 2000 }, (_, i) => `e${i}`);
    await redis.rpush('long', ...elements);
    expect(await redis.lpop('long')).toBe('e0');
    expect(await redis.rpop('long')).toBe('e1999');
    expect(await redis.lindex('long', 1000)).toBe('e1001');
    expect(await redis.llen('long')).toBe(1998);
  });

  test('sorted-set commands', async () => {
    expect(await redis.zadd('z', 1, 'a', 2, 'b', 3, 'c')).toBe(3);
    expect(await redis.zadd('z', 'CH', 'GT', 5, 'a', 1, 'b')).toBe(1);
    expect(await redis.zadd('z', 'INCR', 0.5, 'b')).toBe('2.5');
    expect(await redis.zscore('z', 'a')).toBe('5');
    expect(await redis.zmscore('z', 'a', 'nope')).toEqual(['5', null]);
    expect(await redis.zincrby('z', 1.5, 'c')).toBe('4.5');
    expect(await redis.zcard('z')).toBe(3);
    expect(await redis.zcount('z', '(2.5', '+inf')).toBe(2);
    expect(await redis.zrange('z', 0, '-1', 'WITHSCORES')).toEqual(['b', '2.5', 'c', '4.5', 'a', '5']);
    expect(await redis.zrange('z', '+inf', '3', 'BYSCORE', 'REV', 'LIMIT', 0, 1)).toEqual(['a']);
    expect(await redis.zrangebyscore('z', 3, 5)).toEqual(['c', 'a']);
    expect(await redis.zrevrangebyscore('z', 5, 3, 'WITHSCORES')).toEqual(['a', '5', 'c', '4.5']);
    expect(await redis.zrevrange('z', 0, 0)).toEqual(['a']);
    expect(await redis.zrank('z', 'c')).toBe(1);
    expect(await redis.zrevrank('z', 'c')).toBe(1);
    expect(await redis.zrem('z', 'c', 'nope')).toBe(1);
    expect(await redis.zpopmin('z')).toEqual(['b', '2.5']);
    expect(await redis.zpopmax('z', 5)).toEqual(['a', '5']);
    expect(await redis.exists('z')).toBe(0);
    await redis.zadd('lex', 0, 'a', 0, 'b', 0, 'c');
    expect(await redis.zrangebylex('lex', '(a', '+')).toEqual(['b', 'c']);
    expect(await redis.zrevrangebylex('lex', '[b', '-')).toEqual(['b', 'a']);
    expect(await redis.zlexcount('lex', '-', '+')).toBe(3);
    expect(await redis.zremrangebylex('lex', '[a', '[a')).toBe(1);
    expect(await redis.zremrangebyrank('lex', 0, 0)).toBe(1);
    expect(await redis.zremrangebyscore('lex', '-inf', '+inf')).toBe(1);
    await redis.zadd('s', 1, 'x', 2, 'y');
    expect(await redis.zscan('s', 0)).toEqual(['0', ['x', '1', 'y', '2']]);
    expect(['x', 'y']).toContain(await redis.zrandmember('s'));
    await expect(redis.zadd('s', 'NX', 'XX', 1, 'x')).rejects.toThrow('ERR XX and NX options at the same time are not compatible');
    await expect(redis.zrangebyscore('s', 'x', 1)).rejects.toThrow('ERR min or max is not a float');
  });

  test('ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE / ZRANGESTORE across shards', async () => {
    const a = keyOnShard('za-', 0);
    const b = keyOnShard('zb-', 1);
    const destination = keyOnShard('zd-', 1);
    await redis.zadd(a, 1, 'x', 2, 'y');
    await redis.zadd(b, 10, 'y', 20, 'z');
    expect(await redis.zunionstore(destination, 2, a, b, 'WEIGHTS', 1, 2)).toBe(3);
    expect(await redis.zrange(destination, 0, '-1', 'WITHSCORES')).toEqual(['x', '1', 'y', '22', 'z', '40']);
    expect(await redis.zinterstore(destination, 2, a, b, 'AGGREGATE', 'MAX')).toBe(1);
    expect(await redis.zrange(destination, 0, '-1', 'WITHSCORES')).toEqual(['y', '10']);
    expect(await redis.zdiffstore(destination, 2, a, b)).toBe(1);
    expect(await redis.zrange(destination, 0, '-1')).toEqual(['x']);
    expect(await redis.zrangestore(destination, b, 0, 0)).toBe(1);
    expect(await redis.zrange(destination, 0, '-1', 'WITHSCORES')).toEqual(['y', '10']);
    expect(await redis.zunion(2, a, b, 'WITHSCORES')).toEqual(['x', '1', 'y', '12', 'z', '20']);
    expect(await redis.zinter(2, a, b)).toEqual(['y']);
    expect(await redis.zdiff(2, b, a)).toEqual(['z']);
    expect(await redis.zintercard(2, a, b)).toBe(1);
    await redis.expire(destination, 100);
    await redis.zunionstore(destination, 1, a);
    expect(await redis.ttl(destination)).toBe(-1);
  });

  test('a pipeline of list and zset commands answers in order', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 200; i++) {
      pipeline.rpush(`pl${i % 7}`, `v${i}`);
      pipeline.zadd(`pz${i % 5}`, i, `m${i}`);
    }
    pipeline.llen('pl0');
    pipeline.zcard('pz0');
    pipeline.lrange('pl1', 0, 2);
    const results = (await pipeline.exec())!;
    expect(results.every(([error]) => error === null)).toBe(true);
    const tail = results.slice(-3).map(([, value]) => value);
    expect(tail).toEqual([29, 40, ['v1', 'v8', 'v15']]);
  });

  test('MULTI/EXEC mixing list, zset and string keys on different shards', async () => {
    const list = keyOnShard('ml-', 0);
    const zset = keyOnShard('mz-', 1);
    const text = keyOnShard('ms-', 1);
    const other = keyOnShard('mo-', 0);
    const results = await redis
      .multi()
      .rpush(list, 'a', 'b')
      .zadd(zset, 1, 'm')
      .set(text, 'v')
      .lmove(list, other, 'LEFT', 'RIGHT')
      .zincrby(zset, 2, 'm')
      .lpush(text, 'x')
      .lrange(other, 0, -1)
      .exec();
    expect(results).toEqual([
      [null, 2],
      [null, 1],
      [null, 'OK'],
      [null, 'a'],
      [null, '3'],
      [expect.objectContaining({ message: expect.stringContaining('WRONGTYPE') }), undefined],
      [null, ['a']],
    ]);
  });

  test('WATCH on a list key: a push from another client fails the EXEC', async () => {
    const other = new Redis({ port: daemon.redisPort, host: '127.0.0.1' });
    try {
      await redis.rpush('watched', 'a');
      await redis.watch('watched');
      await other.rpush('watched', 'b');
      expect(await redis.multi().lpop('watched').exec()).toBeNull();
    } finally {
      other.disconnect();
    }
  });
});

test('a list or sorted set that would outgrow the item size limit (-I) is refused whole', async () => {
  const small = await startRespDaemon(['-t', '2', '-I', '1k']);
  const redis = new Redis({ port: small.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  try {
    const source = keyOnShard('big-src-', 0);
    const destination = keyOnShard('big-dst-', 1);
    expect(await redis.rpush(destination, 'x'.repeat(600))).toBe(1);
    await expect(redis.rpush(destination, 'y'.repeat(600))).rejects.toThrow(/^ERR /);
    expect(await redis.llen(destination)).toBe(1);
    // LMOVE pushes first: a refused push leaves the source as it was.
    await redis.rpush(source, 'z'.repeat(600));
    await expect(redis.lmove(source, destination, 'LEFT', 'RIGHT')).rejects.toThrow(/^ERR /);
    expect(await redis.llen(source)).toBe(1);
    expect(await redis.llen(destination)).toBe(1);
    await redis.zadd('zbig', 1, 'm'.repeat(600));
    await expect(redis.zadd('zbig', 2, 'n'.repeat(600))).rejects.toThrow(/^ERR /);
    expect(await redis.zcard('zbig')).toBe(1);
  } finally {
    redis.disconnect();
    await small.stop();
  }
});

describe.each([3, 2] as const)('node-redis RESP %i', (protocol) => {
  let client: RedisClientType;

  beforeEach(async () => {
    client = await connectNodeRedis(daemon.redisPort, protocol);
  });

  afterEach(() => client.destroy());

  test('scores are numbers, WITHSCORES pairs come as Redis 7 sends them', async () => {
    await client.zAdd('z', [
      { score: 1.5, value: 'a' },
      { score: 2, value: 'b' },
    ]);
    expect(await client.zScore('z', 'a')).toBe(1.5);
    expect(await client.zRangeWithScores('z', 0, -1)).toEqual([
      { value: 'a', score: 1.5 },
      { value: 'b', score: 2 },
    ]);
    expect(await client.zPopMin('z')).toEqual({ value: 'a', score: 1.5 });
    const raw = await client.sendCommand(['ZRANGE', 'z', '0', '-1', 'WITHSCORES']);
    expect(raw).toEqual(protocol === 3 ? [['b', 2]] : ['b', '2']);
    const score = await client.sendCommand(['ZSCORE', 'z', 'b']);
    expect(score).toEqual(protocol === 3 ? 2 : '2');
  });

  test('lists', async () => {
    expect(await client.rPush('l', ['a', 'b', 'c'])).toBe(3);
    expect(await client.lRange('l', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(await client.lPop('l')).toBe('a');
    expect(await client.lPopCount('l', 5)).toEqual(['b', 'c']);
    expect(await client.lPop('l')).toBeNull();
    expect(await client.lmPop(['l', 'l2'], 'LEFT')).toBeNull();
  });
});
