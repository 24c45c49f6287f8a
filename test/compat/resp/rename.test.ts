/**
 * RENAME, RENAMENX, COPY and MOVE on a two-shard daemon: keys picked so that
 * source and target sit on the same shard or on different ones (the router's
 * own ring and hash), across databases, keeping value, TTL and client flags;
 * Redis's replies and errors (checked against redis-server 7); WATCH seeing
 * the writes; a pipeline after a cross-shard RENAME seeing its result.
 */
import Redis from 'ioredis';
import { HashRing } from '../../../src/router/hash-ring';
import { storedKey } from '../../../src/server/resp-keyspace';
import { hashBytes } from '../../../src/util/hash';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

const SHARDS = 2;
const ring = new HashRing(SHARDS);

function shardOf(db: number, key: string): number {
  const stored = storedKey(db, Buffer.from(key));
  return ring.shardFor(hashBytes(stored, 0, stored.length));
}

/** A key named `${prefix}<n>` on shard `shard` of database `db`. */
function keyOnShard(prefix: string, db: number, shard: number): string {
  for (let n = 0; ; n++) if (shardOf(db, `${prefix}${n}`) === shard) return `${prefix}${n}`;
}

let daemon: RespDaemon;
let redis: Redis;

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', String(SHARDS)]);
});

afterAll(async () => {
  await daemon.stop();
});

beforeEach(async () => {
  redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  await redis.flushall();
});

afterEach(() => redis.disconnect());

describe.each([
  ['the same shard', 0],
  ['different shards', 1],
])('source and target on %s', (_name, shardDelta) => {
  const source = keyOnShard('src', 0, 0);
  const target = keyOnShard('dst', 0, shardDelta);

  test('the keys are where the test says', () => {
    expect(shardOf(0, source)).toBe(0);
    expect(shardOf(0, target)).toBe(shardDelta);
  });

  test('RENAME moves value and TTL and overwrites the target', async () => {
    await redis.set(source, 'value', 'PX', 100_000);
    await redis.set(target, 'old');
    expect(await redis.rename(source, target)).toBe('OK');
    expect(await redis.get(target)).toBe('value');
    expect(await redis.exists(source)).toBe(0);
    const pttl = await redis.pttl(target);
    expect(pttl).toBeGreaterThan(95_000);
    expect(pttl).toBeLessThanOrEqual(100_000);
  });

  test('RENAMENX refuses an existing target and keeps both keys', async () => {
    await redis.set(source, 'a');
    await redis.set(target, 'b');
    expect(await redis.renamenx(source, target)).toBe(0);
    expect(await redis.mget(source, target)).toEqual(['a', 'b']);
    await redis.del(target);
    expect(await redis.renamenx(source, target)).toBe(1);
    expect(await redis.mget(source, target)).toEqual([null, 'a']);
  });

  test('COPY keeps the source, refuses an existing target without REPLACE, keeps TTL', async () => {
    await redis.set(source, 'v1', 'EX', 500);
    expect(await redis.copy(source, target)).toBe(1);
    expect(await redis.mget(source, target)).toEqual(['v1', 'v1']);
    expect(await redis.ttl(target)).toBeGreaterThan(490);
    await redis.set(source, 'v2');
    expect(await redis.copy(source, target)).toBe(0);
    expect(await redis.get(target)).toBe('v1');
    expect(await redis.copy(source, target, 'REPLACE')).toBe(1);
    expect(await redis.get(target)).toBe('v2');
    expect(await redis.ttl(target)).toBe(-1);
  });

  test('a large value crosses intact', async () => {
    const big = Buffer.alloc(600 * 1024, 7);
    big.write('start');
    await redis.set(source, big);
    expect(await redis.rename(source, target)).toBe('OK');
    expect((await redis.getBuffer(target))!.equals(big)).toBe(true);
  });

  test('commands pipelined after RENAME see its result', async () => {
    await redis.set(source, 'piped');
    const results = await redis.pipeline().rename(source, target).get(target).get(source).set(source, 'again').get(source).exec();
    expect(results!.map(([, v]) => v)).toEqual(['OK', 'piped', null, 'OK', 'again']);
  });

  test('WATCH sees a RENAME by another connection (target and source)', async () => {
    const other = new Redis({ port: daemon.redisPort, host: '127.0.0.1' });
    try {
      for (const watched of [target, source]) {
        await redis.set(source, 'x');
        await redis.watch(watched);
        await other.rename(source, target);
        expect(await redis.multi().get(target).exec()).toBeNull();
        await redis.del(target);
      }
    } finally {
      other.disconnect();
    }
  });
});

describe('atomic across shards', () => {
  test('a writer hammering the source never loses its write to a RENAME in flight', async () => {
    // The writer writes a new value to the source and reads it back: it is still there, or a RENAME
    // moved it to the target (nothing else writes there while the source is empty). Without the
    // exclusive gate, a write between RENAME's read and its delete of the source is destroyed: the
    // source is empty and the target holds the previous value.
    const source = keyOnShard('hot', 0, 0);
    const target = keyOnShard('cold', 0, 1);
    const writer = new Redis({ port: daemon.redisPort, host: '127.0.0.1' });
    let writing = true;
    const lost: unknown[] = [];
    let writerRounds = 0;
    const hammer = (async () => {
      while (writing) {
        const value = `w${writerRounds++}`;
        await writer.set(source, value);
        const read = (await writer.get(source)) ?? (await writer.get(target));
        if (read !== value) lost.push([value, read]);
      }
    })();
    let renamed = 0;
    try {
      for (let round = 0; round < 300; round++) {
        try {
          await redis.rename(source, target);
          renamed++;
        } catch (error) {
          expect(String(error)).toMatch(/no such key/);
        }
      }
    } finally {
      writing = false;
      await hammer;
      writer.disconnect();
    }
    expect(writerRounds).toBeGreaterThan(50);
    expect(renamed).toBeGreaterThan(0);
    expect(lost).toEqual([]);
  }, 60_000);
});

describe('collections move as they are', () => {
  test('RENAME, COPY and MOVE carry hashes, sets, lists and sorted sets across shards and databases', async () => {
    const db6 = new Redis({ port: daemon.redisPort, host: '127.0.0.1', db: 6 });
    try {
      const keys = { hash: keyOnShard('h', 0, 0), set: keyOnShard('s', 0, 0), list: keyOnShard('l', 0, 0), zset: keyOnShard('z', 0, 0) };
      await redis.hset(keys.hash, 'f', 'v', 'g', 'w');
      await redis.sadd(keys.set, 'a', 'b');
      await redis.rpush(keys.list, '1', '2', '3');
      await redis.zadd(keys.zset, 1, 'one', 2, 'two');
      await redis.expire(keys.hash, 1000);
      const renamed = keyOnShard('h-renamed', 0, 1);
      expect(await redis.rename(keys.hash, renamed)).toBe('OK');
      expect(await redis.type(renamed)).toBe('hash');
      expect(await redis.hgetall(renamed)).toEqual({ f: 'v', g: 'w' });
      expect(await redis.ttl(renamed)).toBeGreaterThan(990);
      const copied = keyOnShard('s-copy', 0, 1);
      expect(await redis.copy(keys.set, copied)).toBe(1);
      expect((await redis.smembers(copied)).sort()).toEqual(['a', 'b']);
      expect(await redis.type(keys.set)).toBe('set');
      expect(await redis.move(keys.list, 6)).toBe(1);
      expect(await db6.lrange(keys.list, 0, -1)).toEqual(['1', '2', '3']);
      expect(await redis.copy(keys.zset, 'z-in-6', 'DB', 6)).toBe(1);
      expect(await db6.zrange('z-in-6', '0', '-1', 'WITHSCORES')).toEqual(['one', '1', 'two', '2']);
      // A client blocked on the target of a RENAME of a list is served.
      const blocked = new Redis({ port: daemon.redisPort, host: '127.0.0.1' });
      try {
        for (const shard of [0, 1]) {
          const waitingOn = keyOnShard(`wait${shard}-`, 0, shard);
          const popped = blocked.blpop(waitingOn, 5);
          await new Promise((r) => setTimeout(r, 50));
          await redis.rpush(keyOnShard('fresh-list', 0, 0), 'x');
          expect(await redis.rename(keyOnShard('fresh-list', 0, 0), waitingOn)).toBe('OK');
          expect(await popped).toEqual([waitingOn, 'x']);
        }
      } finally {
        blocked.disconnect();
      }
      // A string written over a renamed collection is a string again.
      await redis.set('plain', 'x');
      expect(await redis.rename('plain', renamed)).toBe('OK');
      expect(await redis.type(renamed)).toBe('string');
    } finally {
      db6.disconnect();
    }
  });
});

describe('inside MULTI', () => {
  test('a cross-shard RENAME, COPY and MSETNX run in order with the commands queued around them', async () => {
    const source = keyOnShard('msrc', 0, 0);
    const target = keyOnShard('mdst', 0, 1);
    await redis.set(source, 'v');
    const results = await redis
      .multi()
      .rename(source, target)
      .get(target)
      .exists(source)
      .copy(target, source)
      .get(source)
      .msetnx(keyOnShard('n', 0, 0), 'a', keyOnShard('n', 0, 1), 'b')
      .mget(keyOnShard('n', 0, 0), keyOnShard('n', 0, 1))
      .exec();
    expect(results!.map(([, v]) => v)).toEqual(['OK', 'v', 0, 1, 'v', 1, ['a', 'b']]);
  });
});

describe('--redis-cluster', () => {
  test('CROSSSLOT for keys in different slots; MOVE and COPY ... DB refused as Redis Cluster does', async () => {
    const cluster = await startRespDaemon(['-t', String(SHARDS), '-l', '127.0.0.1', '--redis-cluster']);
    const client = new Redis({ port: cluster.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await client.set('{t}a', 'v');
      expect(await client.rename('{t}a', '{t}b')).toBe('OK');
      expect(await client.copy('{t}b', '{t}c')).toBe(1);
      await expect(client.rename('{t}b', 'elsewhere')).rejects.toThrow("CROSSSLOT Keys in request don't hash to the same slot");
      await expect(client.msetnx('x', '1', 'y', '2')).rejects.toThrow('CROSSSLOT');
      expect(await client.msetnx('{t}x', '1', '{t}y', '2')).toBe(1);
      await expect(client.move('{t}b', 1)).rejects.toThrow('ERR MOVE is not allowed in cluster mode');
      await expect(client.copy('{t}b', '{t}d', 'DB', 1)).rejects.toThrow('ERR Copying to another database is not allowed in cluster mode');
      expect((await client.keys('*')).sort()).toEqual(['{t}b', '{t}c', '{t}x', '{t}y']);
    } finally {
      client.disconnect();
      await cluster.stop();
    }
  });
});

describe('across databases', () => {
  test('COPY ... DB n to each shard, keeping client flags set over memcached', async () => {
    const mc = await RawClient.connect(daemon.port);
    try {
      expect(await mc.request('set mckey 1234 0 5\r\nhello\r\n')).toBe('STORED\r\n');
      for (const db of [1, 7]) expect(await redis.copy('mckey', 'mckey', 'DB', db)).toBe(1);
      const db7 = new Redis({ port: daemon.redisPort, host: '127.0.0.1', db: 7 });
      try {
        expect(await db7.get('mckey')).toBe('hello');
        // Moving back into database 0 over another name: memcached sees the flags it stored.
        expect(await db7.copy('mckey', 'mccopy', 'DB', 0)).toBe(1);
      } finally {
        db7.disconnect();
      }
      expect(await mc.request('get mccopy\r\n', 'END\r\n')).toBe('VALUE mccopy 1234 5\r\nhello\r\nEND\r\n');
    } finally {
      mc.socket.destroy();
    }
  });

  test('MOVE to another database keeps the TTL; refuses an existing target; Redis errors', async () => {
    const db4 = new Redis({ port: daemon.redisPort, host: '127.0.0.1', db: 4 });
    try {
      // One key whose database-4 form is on the other shard, one on the same shard.
      const crossing = (() => {
        for (let n = 0; ; n++) if (shardOf(0, `m${n}`) !== shardOf(4, `m${n}`)) return `m${n}`;
      })();
      const staying = (() => {
        for (let n = 0; ; n++) if (shardOf(0, `m${n}`) === shardOf(4, `m${n}`)) return `m${n}`;
      })();
      for (const key of [crossing, staying]) {
        await redis.set(key, 'moving', 'EX', 300);
        expect(await redis.move(key, 4)).toBe(1);
        expect(await redis.exists(key)).toBe(0);
        expect(await db4.get(key)).toBe('moving');
        expect(await db4.ttl(key)).toBeGreaterThan(290);
        await redis.set(key, 'again');
        expect(await redis.move(key, 4)).toBe(0);
        expect(await redis.get(key)).toBe('again');
        expect(await db4.get(key)).toBe('moving');
      }
      expect(await redis.move('missing', 4)).toBe(0);
      await expect(redis.move('k', 0)).rejects.toThrow('ERR source and destination objects are the same');
      await expect(redis.move('k', 16)).rejects.toThrow('ERR DB index is out of range');
      await expect(redis.call('MOVE', 'k', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    } finally {
      db4.disconnect();
    }
  });
});

describe('replies and errors as redis-server 7 gives them', () => {
  test.each([
    [['RENAME', 'nokey', 'x'], 'ERR no such key'],
    [['RENAMENX', 'nokey', 'x'], 'ERR no such key'],
    [['RENAME', 'nokey', 'nokey'], 'ERR no such key'],
    [['COPY', 'k', 'k'], 'ERR source and destination objects are the same'],
    [['COPY', 'nokey', 'nokey'], 'ERR source and destination objects are the same'],
    [['COPY', 'k', 'k', 'DB', '0'], 'ERR source and destination objects are the same'],
    [['COPY', 'k', 'x', 'DB'], 'ERR syntax error'],
    [['COPY', 'k', 'x', 'DB', 'x'], 'ERR value is not an integer or out of range'],
    [['COPY', 'k', 'x', 'DB', '99'], 'ERR DB index is out of range'],
    [['COPY', 'k', 'x', 'REPLACE', 'foo'], 'ERR syntax error'],
    [['RENAME', 'k'], "ERR wrong number of arguments for 'rename' command"],
    [['MOVE', 'k'], "ERR wrong number of arguments for 'move' command"],
    [['COPY', 'k'], "ERR wrong number of arguments for 'copy' command"],
  ])('%j → %s', async (args, error) => {
    await redis.set('k', 'v');
    await expect(redis.call(args[0]!, ...args.slice(1))).rejects.toThrow(error);
  });

  test('RENAME of a key onto itself is OK; RENAMENX onto itself is 0; COPY of a missing key is 0', async () => {
    await redis.set('self', 'v', 'EX', 100);
    expect(await redis.rename('self', 'self')).toBe('OK');
    expect(await redis.renamenx('self', 'self')).toBe(0);
    expect(await redis.get('self')).toBe('v');
    expect(await redis.ttl('self')).toBeGreaterThan(90);
    expect(await redis.copy('nokey', 'other')).toBe(0);
    expect(await redis.call('COPY', 'self', 'self2', 'REPLACE', 'REPLACE')).toBe(1);
  });
});
