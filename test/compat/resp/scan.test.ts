/**
 * SCAN and KEYS over a two-shard daemon with keys in several databases,
 * through ioredis's scanStream and node-redis's scanIterator (they drive the
 * cursor exactly as applications do), plus the cursor's edge cases as
 * redis-server 7 answers them.
 */
import Redis from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

const KEYS_PER_DB = 10_000;
const DATABASES = [0, 3, 9];

let daemon: RespDaemon;

function keyName(db: number, i: number): string {
  return `db${db}:key:${i}`;
}

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
  for (const db of DATABASES) {
    const redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', db });
    try {
      const pipeline = redis.pipeline();
      for (let i = 0; i < KEYS_PER_DB; i++) pipeline.set(keyName(db, i), String(i));
      await pipeline.exec();
    } finally {
      redis.disconnect();
    }
  }
}, 60_000);

afterAll(async () => {
  await daemon.stop();
});

function ioredis(db: number): Redis {
  return new Redis({ port: daemon.redisPort, host: '127.0.0.1', db, maxRetriesPerRequest: 0 });
}

/** Every key a scanStream returned, with how often. */
async function streamAll(redis: Redis, options: { match?: string; count?: number; type?: string } = {}): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const stream = redis.scanStream(options);
  for await (const batch of stream as AsyncIterable<string[]>) {
    for (const key of batch) seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return seen;
}

describe('ioredis scanStream', () => {
  test.each(DATABASES)('returns every key of database %i and none of the others', async (db) => {
    const redis = ioredis(db);
    try {
      const seen = await streamAll(redis, { count: 100 });
      expect(seen.size).toBe(KEYS_PER_DB);
      for (let i = 0; i < KEYS_PER_DB; i++) expect(seen.has(keyName(db, i))).toBe(true);
      // Nothing changed during the scan: exactly once each.
      expect(Math.max(...seen.values())).toBe(1);
    } finally {
      redis.disconnect();
    }
  }, 30_000);

  test('MATCH filters in the shard, with the default COUNT', async () => {
    const redis = ioredis(3);
    try {
      const seen = await streamAll(redis, { match: 'db3:key:99*' });
      const expected = new Set(Array.from({ length: KEYS_PER_DB }, (_, i) => keyName(3, i)).filter((k) => k.startsWith('db3:key:99')));
      expect(new Set(seen.keys())).toEqual(expected);
    } finally {
      redis.disconnect();
    }
  }, 30_000);

  test('TYPE string returns every key; another or an unknown type returns none', async () => {
    const redis = ioredis(9);
    try {
      expect((await streamAll(redis, { type: 'string', count: 500 })).size).toBe(KEYS_PER_DB);
      expect((await streamAll(redis, { type: 'STRING', count: 500, match: 'db9:key:1' })).size).toBe(1);
      expect((await streamAll(redis, { type: 'hash', count: 500 })).size).toBe(0);
      expect((await streamAll(redis, { type: 'stream', count: 500 })).size).toBe(0);
    } finally {
      redis.disconnect();
    }
  }, 30_000);

  test('keys present for the whole scan are returned while a writer adds and deletes others', async () => {
    const redis = ioredis(0);
    const writer = ioredis(0);
    let writing = true;
    const churn = (async () => {
      let n = 0;
      while (writing) {
        await writer.set(`churn:${n}`, 'x');
        if (n >= 10) await writer.del(`churn:${n - 10}`);
        n++;
      }
    })();
    try {
      const seen = await streamAll(redis, { count: 20, match: 'db0:*' });
      for (let i = 0; i < KEYS_PER_DB; i++) expect(seen.has(keyName(0, i))).toBe(true);
    } finally {
      writing = false;
      await churn;
      redis.disconnect();
      writer.disconnect();
    }
  }, 60_000);
});

describe('TYPE with collections', () => {
  test('each type filter returns exactly the keys of that type', async () => {
    const redis = ioredis(12);
    try {
      const expected: Record<string, string[]> = { string: [], hash: [], set: [], list: [], zset: [] };
      for (let i = 0; i < 40; i++) {
        await redis.set(`str${i}`, 'v');
        await redis.hset(`hash${i}`, 'f', 'v');
        await redis.sadd(`set${i}`, 'm');
        await redis.rpush(`list${i}`, 'e');
        await redis.zadd(`zset${i}`, 1, 'm');
        expected.string!.push(`str${i}`);
        expected.hash!.push(`hash${i}`);
        expected.set!.push(`set${i}`);
        expected.list!.push(`list${i}`);
        expected.zset!.push(`zset${i}`);
      }
      for (const [type, keys] of Object.entries(expected)) {
        expect([...(await streamAll(redis, { type, count: 7 })).keys()].sort()).toEqual(keys.sort());
      }
      expect([...(await streamAll(redis, { type: 'hash', match: 'hash1*' })).keys()].sort()).toEqual(
        ['hash1', ...Array.from({ length: 10 }, (_, i) => `hash1${i}`)].sort(),
      );
    } finally {
      redis.disconnect();
    }
  }, 30_000);
});

describe('node-redis scanIterator', () => {
  let client: RedisClientType;

  beforeAll(async () => {
    client = createClient({ socket: { port: daemon.redisPort, host: '127.0.0.1', reconnectStrategy: false }, database: 3 }) as unknown as RedisClientType;
    client.on('error', () => {});
    await client.connect();
  });

  afterAll(() => client.destroy());

  test('iterates the selected database completely', async () => {
    const seen = new Set<string>();
    for await (const batch of client.scanIterator({ COUNT: 1000 })) for (const key of batch) seen.add(key);
    expect(seen.size).toBe(KEYS_PER_DB);
    expect(seen.has(keyName(3, 0))).toBe(true);
    expect(seen.has(keyName(0, 0))).toBe(false);
  }, 30_000);

  test('MATCH and TYPE', async () => {
    const seen = new Set<string>();
    for await (const batch of client.scanIterator({ MATCH: '*:12?', TYPE: 'string', COUNT: 50 })) for (const key of batch) seen.add(key);
    expect([...seen].sort()).toEqual(Array.from({ length: 10 }, (_, i) => keyName(3, 120 + i)).sort());
  }, 30_000);
});

describe('SCAN arguments (as redis-server 7 answers)', () => {
  let redis: Redis;

  beforeAll(() => {
    redis = ioredis(0);
  });

  afterAll(() => redis.disconnect());

  test.each([
    [['x'], 'ERR invalid cursor'],
    [['-'], 'ERR invalid cursor'],
    [[' 1'], 'ERR invalid cursor'],
    [['0x1'], 'ERR invalid cursor'],
    [['18446744073709551616'], 'ERR invalid cursor'],
    [['0', 'COUNT', '0'], 'ERR syntax error'],
    [['0', 'COUNT', '-1'], 'ERR syntax error'],
    [['0', 'COUNT', 'x'], 'ERR value is not an integer or out of range'],
    [['0', 'MATCH'], 'ERR syntax error'],
    [['0', 'foo', 'bar'], 'ERR syntax error'],
  ])('SCAN %j → %s', async (args, error) => {
    await expect(redis.call('SCAN', ...args)).rejects.toThrow(error);
  });

  test('accepted cursors: empty, signed, the largest u64; any cursor ends', async () => {
    for (const start of ['', '+0', '-0', '18446744073709551615', '-1', '12345678901']) {
      let cursor = start;
      let calls = 0;
      do {
        const [next, keys] = (await redis.call('SCAN', cursor, 'COUNT', '1000')) as [string, string[]];
        expect(Array.isArray(keys)).toBe(true);
        cursor = next;
        calls++;
      } while (cursor !== '0' && calls < 1000);
      expect(cursor).toBe('0');
    }
  }, 30_000);

  test('KEYS with patterns, in the selected database only', async () => {
    const db9 = ioredis(9);
    try {
      expect((await db9.keys('*')).length).toBe(KEYS_PER_DB);
      expect((await db9.keys('db9:key:99[0-4]')).sort()).toEqual(['db9:key:990', 'db9:key:991', 'db9:key:992', 'db9:key:993', 'db9:key:994']);
      expect(await db9.keys('db0:*')).toEqual([]);
      expect(await db9.keys('db9:key:1\\0')).toEqual(['db9:key:10']);
    } finally {
      db9.disconnect();
    }
    await expect(redis.call('KEYS')).rejects.toThrow("ERR wrong number of arguments for 'keys' command");
  });
});
