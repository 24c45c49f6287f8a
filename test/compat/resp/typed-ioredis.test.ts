/**
 * Hashes, sets and HyperLogLog through ioredis against a 2-shard daemon: every command, errors
 * with Redis's text, pipelines, MULTI/EXEC over keys on both shards, multi-key set commands and
 * PFMERGE across shards, EXPIRE / eviction of collections like any item.
 */
import Redis from 'ioredis';
import { startRespDaemon, type RespDaemon } from './resp-daemon';
import { keysOnShards, shardOf } from './typed-shards';

let daemon: RespDaemon;
let redis: Redis;

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

beforeEach(async () => {
  redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  await redis.flushall();
});

afterEach(() => redis.disconnect());

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

describe('hashes', () => {
  test('every hash command', async () => {
    expect(await redis.hset('h', 'a', '1', 'b', '2')).toBe(2);
    expect(await redis.hset('h', { c: '3' })).toBe(1);
    expect(await redis.hmset('h', 'd', '4')).toBe('OK');
    expect(await redis.hget('h', 'a')).toBe('1');
    expect(await redis.hget('h', 'zz')).toBeNull();
    expect(await redis.hmget('h', 'a', 'zz', 'd')).toEqual(['1', null, '4']);
    expect(await redis.hgetall('h')).toEqual({ a: '1', b: '2', c: '3', d: '4' });
    expect(await redis.hkeys('h')).toEqual(['a', 'b', 'c', 'd']);
    expect(await redis.hvals('h')).toEqual(['1', '2', '3', '4']);
    expect(await redis.hlen('h')).toBe(4);
    expect(await redis.hexists('h', 'a')).toBe(1);
    expect(await redis.hexists('h', 'q')).toBe(0);
    expect(await redis.hstrlen('h', 'a')).toBe(1);
    expect(await redis.hsetnx('h', 'a', 'x')).toBe(0);
    expect(await redis.hsetnx('h', 'e', '5')).toBe(1);
    expect(await redis.hincrby('h', 'a', 10)).toBe(11);
    expect(await redis.hincrbyfloat('h', 'b', '0.5')).toBe('2.5');
    expect(await redis.hdel('h', 'e', 'zz')).toBe(1);
    expect(await redis.hscan('h', 0, 'MATCH', '[ab]')).toEqual(['0', ['a', '11', 'b', '2.5']]);
    expect(['a', 'b', 'c', 'd']).toContain(await redis.hrandfield('h'));
    const withValues = (await redis.hrandfield('h', -3, 'WITHVALUES')) as string[];
    expect(withValues).toHaveLength(6);
    expect(await redis.hgetall('missing')).toEqual({});
    expect(await redis.type('h')).toBe('hash');
    expect(await redis.hdel('h', 'a', 'b', 'c', 'd')).toBe(4);
    expect(await redis.exists('h')).toBe(0);
  });

  test('Redis error texts', async () => {
    await redis.hset('h', 'n', 'abc');
    await expect(redis.hincrby('h', 'n', 1)).rejects.toThrow('ERR hash value is not an integer');
    await expect(redis.hincrby('h', 'x', 'y' as unknown as number)).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.hincrbyfloat('h', 'x', 'y')).rejects.toThrow('ERR value is not a valid float');
    await expect(redis.hincrbyfloat('h', 'n', '1')).rejects.toThrow('ERR hash value is not a float');
    await expect(redis.call('hset', 'h', 'a', '1', 'b')).rejects.toThrow("ERR wrong number of arguments for 'hset' command");
    await expect(redis.call('hget', 'h')).rejects.toThrow("ERR wrong number of arguments for 'hget' command");
  });

  test('EXPIRE, TTL and PERSIST work on a hash; it expires like any item', async () => {
    await redis.hset('h', 'a', '1');
    expect(await redis.pexpire('h', 150)).toBe(1);
    expect(await redis.pttl('h')).toBeGreaterThan(0);
    await redis.hset('h', 'b', '2'); // a write keeps the expiry
    expect(await redis.pttl('h')).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(await redis.hgetall('h')).toEqual({});
    expect(await redis.exists('h')).toBe(0);
  });
});

describe('sets', () => {
  test('every single-key set command', async () => {
    expect(await redis.sadd('s', 'a', 'b', 'c')).toBe(3);
    expect((await redis.smembers('s')).sort()).toEqual(['a', 'b', 'c']);
    expect(await redis.sismember('s', 'a')).toBe(1);
    expect(await redis.smismember('s', 'a', 'z')).toEqual([1, 0]);
    expect(await redis.scard('s')).toBe(3);
    expect(await redis.srem('s', 'a', 'z')).toBe(1);
    const popped = await redis.spop('s');
    expect(['b', 'c']).toContain(popped);
    expect(await redis.scard('s')).toBe(1);
    await redis.sadd('s', 'x', 'y');
    expect((await redis.srandmember('s', 2)) as string[]).toHaveLength(2);
    expect((await redis.srandmember('s', -5)) as string[]).toHaveLength(5);
    const [cursor, members] = await redis.sscan('s', 0, 'MATCH', 'x');
    expect([cursor, members]).toEqual(['0', ['x']]);
    expect((await redis.spop('s', 10)).length).toBe(3);
    expect(await redis.exists('s')).toBe(0);
    expect(await redis.type('s')).toBe('none');
  });

  test('multi-key commands across shards', async () => {
    const [a, b, c, d, h] = keysOnShards('set', 5);
    expect(shardOf(a!, 2)).not.toBe(shardOf(b!, 2));
    await redis.sadd(a!, '1', '2', '3', '4');
    await redis.sadd(b!, '3', '4', '5');
    expect((await redis.sinter(a!, b!)).sort()).toEqual(['3', '4']);
    expect((await redis.sunion(a!, b!)).sort()).toEqual(['1', '2', '3', '4', '5']);
    expect((await redis.sdiff(a!, b!)).sort()).toEqual(['1', '2']);
    expect(await redis.sinter(a!, 'missing')).toEqual([]);
    expect(await redis.sintercard(2, a!, b!)).toBe(2);
    expect(await redis.call('sintercard', '2', a!, b!, 'LIMIT', '1')).toBe(1);
    expect(await redis.sinterstore(c!, a!, b!)).toBe(2);
    expect((await redis.smembers(c!)).sort()).toEqual(['3', '4']);
    expect(await redis.sunionstore(d!, a!, b!)).toBe(5);
    expect(await redis.sdiffstore(d!, a!, b!)).toBe(2);
    expect((await redis.smembers(d!)).sort()).toEqual(['1', '2']);
    await redis.set(c!, 'a string');
    await redis.expire(c!, 100);
    expect(await redis.sunionstore(c!, a!)).toBe(4);
    expect(await redis.type(c!)).toBe('set');
    expect(await redis.ttl(c!)).toBe(-1);
    expect(await redis.sinterstore(c!, a!, 'missing')).toBe(0);
    expect(await redis.exists(c!)).toBe(0);
    expect(await redis.smove(a!, b!, '1')).toBe(1);
    expect(await redis.smove(a!, b!, '1')).toBe(0);
    expect(await redis.sismember(b!, '1')).toBe(1);
    expect(await redis.smove('missing', b!, '1')).toBe(0);
    await expect(redis.hset(d!, 'f', 'v')).rejects.toThrow(WRONGTYPE);
    await redis.hset(h!, 'f', 'v');
    await expect(redis.smove(a!, h!, '2')).rejects.toThrow(WRONGTYPE);
    await expect(redis.sinter(a!, h!)).rejects.toThrow(WRONGTYPE);
    await expect(redis.sunionstore(c!, a!, h!)).rejects.toThrow(WRONGTYPE);
    expect(await redis.sismember(a!, '2')).toBe(1);
    await expect(redis.call('sintercard', '0', a!)).rejects.toThrow('ERR numkeys should be greater than 0');
    await expect(redis.call('sintercard', '3', a!)).rejects.toThrow("ERR Number of keys can't be greater than number of args");
  });

  test('a pipeline of SMOVEs and reads keeps its order', async () => {
    const [a, b] = keysOnShards('pipe', 2);
    await redis.sadd(a!, ...Array.from({ length: 50 }, (_, i) => `m${i}`));
    const pipeline = redis.pipeline();
    for (let i = 0; i < 50; i++) {
      pipeline.smove(a!, b!, `m${i}`);
      pipeline.scard(b!);
    }
    const results = (await pipeline.exec())!.map(([error, value]) => (error === null ? value : error));
    for (let i = 0; i < 50; i++) {
      expect(results[2 * i]).toBe(1);
      expect(results[2 * i + 1]).toBe(i + 1);
    }
    expect(await redis.exists(a!)).toBe(0);
  });

  test('concurrent SMOVEs from several connections lose and duplicate nothing', async () => {
    const [a, b] = keysOnShards('race', 2);
    const members = Array.from({ length: 200 }, (_, i) => `m${i}`);
    await redis.sadd(a!, ...members);
    const clients = Array.from({ length: 4 }, () => new Redis({ port: daemon.redisPort, host: '127.0.0.1' }));
    try {
      const moved = await Promise.all(
        clients.map(async (client, c) => {
          const pipeline = client.pipeline();
          for (const m of members) if ((members.indexOf(m) + c) % 2 === 0) pipeline.smove(a!, b!, m);
          else pipeline.smove(b!, a!, m);
          return (await pipeline.exec())!.length;
        }),
      );
      expect(moved.reduce((x, y) => x + y, 0)).toBe(800);
      const left = await redis.smembers(a!);
      const right = await redis.smembers(b!);
      expect(left.length + right.length).toBe(200);
      expect(new Set([...left, ...right]).size).toBe(200);
    } finally {
      for (const client of clients) client.disconnect();
    }
  });
});

describe('HyperLogLog', () => {
  test('PFADD, PFCOUNT of one and of several keys, PFMERGE across shards', async () => {
    const [a, b, c] = keysOnShards('hll', 3);
    expect(await redis.pfadd(a!, 'x', 'y', 'z')).toBe(1);
    expect(await redis.pfadd(a!, 'x')).toBe(0);
    expect(await redis.pfcount(a!)).toBe(3);
    await redis.pfadd(b!, 'z', 'w');
    expect(await redis.pfcount(a!, b!)).toBe(4);
    expect(await redis.pfcount(a!, 'missing')).toBe(3);
    expect(await redis.pfmerge(c!, a!, b!)).toBe('OK');
    expect(await redis.pfcount(c!)).toBe(4);
    expect(await redis.type(c!)).toBe('string');
    expect((await redis.getBuffer(c!))!.subarray(0, 4).toString()).toBe('HYLL');
    await redis.set('plain', 'not an hll');
    const hllError = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
    await expect(redis.pfadd('plain', 'a')).rejects.toThrow(hllError);
    await expect(redis.pfcount(a!, 'plain')).rejects.toThrow(hllError);
    await expect(redis.pfmerge('plain', a!)).rejects.toThrow(hllError);
    await redis.sadd('aset', 'x');
    await expect(redis.pfadd('aset', 'a')).rejects.toThrow(WRONGTYPE);
  });

  test('counts 100k elements within 3 standard errors', async () => {
    const pipeline = redis.pipeline();
    for (let i = 0; i < 100_000; i += 1000) pipeline.pfadd('big', ...Array.from({ length: 1000 }, (_, j) => `e${i + j}`));
    await pipeline.exec();
    const count = await redis.pfcount('big');
    expect(Math.abs(count - 100_000) / 100_000).toBeLessThan(3 * 0.0081);
  });
});

describe('transactions', () => {
  test('MULTI/EXEC mixing hash, set and string keys on both shards, with a cross-shard SMOVE inside', async () => {
    const [h, s1, str, s2] = keysOnShards('tx', 4);
    await redis.sadd(s1!, 'm');
    const results = await redis
      .multi()
      .hset(h!, 'f', '1')
      .smove(s1!, s2!, 'm')
      .sismember(s2!, 'm')
      .set(str!, 'v')
      .hincrby(h!, 'f', 2)
      .get(h!)
      .scard(s1!)
      .exec();
    expect(results!.map(([e, v]) => (e === null ? v : (e as Error).message))).toEqual([1, 1, 1, 'OK', 3, WRONGTYPE, 0]);
  });

  test('an EXEC with several read-then-write commands, pipelined with reads after it', async () => {
    const [a, b, c, d] = keysOnShards('tx2', 4);
    await redis.sadd(a!, '1', '2', '3');
    const pipeline = redis.pipeline();
    pipeline.call('MULTI');
    pipeline.smove(a!, b!, '1');
    pipeline.sunionstore(c!, a!, b!);
    pipeline.smove(c!, d!, '2');
    pipeline.scard(c!);
    pipeline.call('EXEC');
    pipeline.smembers(d!);
    pipeline.scard(a!);
    const results = (await pipeline.exec())!.map(([e, v]) => (e === null ? v : (e as Error).message));
    expect(results.slice(-3)).toEqual([[1, 3, 1, 2], ['2'], 2]);
  });

  test('WATCH sees a hash write', async () => {
    await redis.hset('w', 'a', '1');
    await redis.watch('w');
    const other = new Redis({ port: daemon.redisPort, host: '127.0.0.1' });
    await other.hset('w', 'a', '2');
    other.disconnect();
    expect(await redis.multi().hget('w', 'a').exec()).toBeNull();
  });
});

test('a hash is evicted like any item under a small -m', async () => {
  const small = await startRespDaemon(['-t', '2', '-m', '4', '-I', '64k']);
  const client = new Redis({ port: small.redisPort, host: '127.0.0.1' });
  try {
    await client.hset('first', 'f', 'x'.repeat(1000));
    const value = 'y'.repeat(1000);
    for (let i = 0; i < 8000; i += 100) {
      const pipeline = client.pipeline();
      for (let j = i; j < i + 100; j++) pipeline.hset(`h${j}`, 'f', value);
      await pipeline.exec();
    }
    expect(await client.exists('first')).toBe(0);
    expect(await client.hget('h7999', 'f')).toBe(value);
    await expect(client.hset('big', 'f', 'z'.repeat(70 * 1024))).rejects.toThrow('ERR value too large');
  } finally {
    client.disconnect();
    await small.stop();
  }
});
