/**
 * DBSIZE, FLUSHDB, FLUSHALL, RANDOMKEY and MSETNX on a two-shard daemon:
 * per logical database, with database 0 shared with the memcached protocol;
 * MSETNX all-or-nothing across shards while other connections race it.
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

let daemon: RespDaemon;
let redis: Redis;
let mc: RawClient;

function connect(db: number): Redis {
  return new Redis({ port: daemon.redisPort, host: '127.0.0.1', db, maxRetriesPerRequest: 0 });
}

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', String(SHARDS)]);
});

afterAll(async () => {
  await daemon.stop();
});

beforeEach(async () => {
  redis = connect(0);
  await redis.flushall();
  mc = await RawClient.connect(daemon.port);
});

afterEach(() => {
  redis.disconnect();
  mc.socket.destroy();
});

async function fill(db: number, count: number): Promise<Redis> {
  const client = connect(db);
  const pipeline = client.pipeline();
  for (let i = 0; i < count; i++) pipeline.set(`k${i}`, 'v');
  await pipeline.exec();
  return client;
}

describe('DBSIZE and FLUSHDB per database', () => {
  test('DBSIZE counts the selected database only; database 0 includes memcached keys', async () => {
    const db3 = await fill(3, 50);
    const db5 = await fill(5, 7);
    try {
      await fill(0, 10).then((c) => c.disconnect());
      expect(await mc.request('set mc-only 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
      expect(await redis.dbsize()).toBe(11);
      expect(await db3.dbsize()).toBe(50);
      expect(await db5.dbsize()).toBe(7);
      await db5.set('short', 'v', 'PX', 1);
      await new Promise((r) => setTimeout(r, 20));
      // An expired key is gone, as in Redis once it is found expired.
      expect(await db5.dbsize()).toBe(7);
    } finally {
      db3.disconnect();
      db5.disconnect();
    }
  });

  test('FLUSHDB in database 3 leaves database 0 (and memcached\'s keys) and database 4 alone', async () => {
    const db3 = await fill(3, 100);
    const db4 = await fill(4, 20);
    try {
      await redis.set('zero', 'v');
      expect(await mc.request('set memcached-key 0 0 1\r\nm\r\n')).toBe('STORED\r\n');
      expect(await db3.flushdb()).toBe('OK');
      expect(await db3.dbsize()).toBe(0);
      expect(await db3.get('k1')).toBeNull();
      expect(await db4.dbsize()).toBe(20);
      expect(await redis.get('zero')).toBe('v');
      expect(await mc.request('get memcached-key\r\n', 'END\r\n')).toBe('VALUE memcached-key 0 1\r\nm\r\nEND\r\n');
      // Writes after the flush stay.
      await db3.set('after', 'v');
      expect(await db3.call('FLUSHDB', 'ASYNC')).toBe('OK');
      expect(await db3.dbsize()).toBe(0);
      await db3.set('after', 'v');
      expect(await db3.call('FLUSHDB', 'sync')).toBe('OK');
      expect(await db3.exists('after')).toBe(0);
      await expect(db3.call('FLUSHDB', 'NOW')).rejects.toThrow('ERR syntax error');
      await expect(db3.call('FLUSHDB', 'ASYNC', 'SYNC')).rejects.toThrow('ERR syntax error');
    } finally {
      db3.disconnect();
      db4.disconnect();
    }
  });

  test('FLUSHDB in database 0 clears memcached\'s keys but no other database', async () => {
    const db2 = await fill(2, 5);
    try {
      expect(await mc.request('set memcached-key 0 0 1\r\nm\r\n')).toBe('STORED\r\n');
      expect(await redis.flushdb()).toBe('OK');
      expect(await mc.request('get memcached-key\r\n', 'END\r\n')).toBe('END\r\n');
      expect(await db2.dbsize()).toBe(5);
    } finally {
      db2.disconnect();
    }
  });

  test('FLUSHALL and memcached flush_all clear every database', async () => {
    const db6 = await fill(6, 5);
    try {
      expect(await redis.flushall()).toBe('OK');
      expect(await db6.dbsize()).toBe(0);
      await db6.set('x', 'v');
      expect(await mc.request('flush_all\r\n')).toBe('OK\r\n');
      expect(await db6.dbsize()).toBe(0);
    } finally {
      db6.disconnect();
    }
  });

  test('WATCH sees FLUSHDB', async () => {
    const other = connect(0);
    try {
      await redis.set('w', '1');
      await redis.watch('w');
      await other.flushdb();
      expect(await redis.multi().set('w', '2').exec()).toBeNull();
    } finally {
      other.disconnect();
    }
  });
});

describe('RANDOMKEY', () => {
  test('null on an empty database; a key of the selected database otherwise', async () => {
    const db8 = connect(8);
    try {
      expect(await db8.randomkey()).toBeNull();
      await redis.set('in-db-0', 'v');
      expect(await db8.randomkey()).toBeNull();
      await db8.mset('a', 1, 'b', 2, 'c', 3, 'd', 4);
      const seen = new Set<string>();
      for (let i = 0; i < 200; i++) seen.add((await db8.randomkey())!);
      expect([...seen].every((k) => ['a', 'b', 'c', 'd'].includes(k))).toBe(true);
      expect(seen.size).toBeGreaterThan(1);
      expect(await redis.randomkey()).toBe('in-db-0');
    } finally {
      db8.disconnect();
    }
  });
});

describe('MSETNX', () => {
  const onShard0 = (() => {
    for (let n = 0; ; n++) if (shardOf(0, `x${n}`) === 0) return `x${n}`;
  })();
  const onShard1 = (() => {
    for (let n = 0; ; n++) if (shardOf(0, `y${n}`) === 1) return `y${n}`;
  })();

  test('sets all keys or none; Redis\'s errors', async () => {
    expect(await redis.msetnx(onShard0, 'a', onShard1, 'b')).toBe(1);
    expect(await redis.mget(onShard0, onShard1)).toEqual(['a', 'b']);
    expect(await redis.msetnx('fresh', 'c', onShard1, 'd')).toBe(0);
    expect(await redis.exists('fresh')).toBe(0);
    expect(await redis.get(onShard1)).toBe('b');
    expect(await redis.msetnx('dup', '1', 'dup', '2')).toBe(1);
    expect(await redis.get('dup')).toBe('2');
    await expect(redis.call('MSETNX', 'a')).rejects.toThrow("ERR wrong number of arguments for 'msetnx' command");
    await expect(redis.call('MSETNX', 'a', '1', 'b')).rejects.toThrow("ERR wrong number of arguments for 'msetnx' command");
  });

  test('two connections racing over the same keys on both shards: exactly one wins, never a mix; a reader never sees half', async () => {
    const a = connect(0);
    const b = connect(0);
    const reader = connect(0);
    let reading = true;
    const torn: unknown[] = [];
    const reads = (async () => {
      while (reading) {
        const [x, y] = await reader.mget(onShard0, onShard1);
        if (x !== y) torn.push([x, y]);
      }
    })();
    try {
      for (let round = 0; round < 200; round++) {
        const [wonA, wonB] = await Promise.all([a.msetnx(onShard0, `A${round}`, onShard1, `A${round}`), b.msetnx(onShard1, `B${round}`, onShard0, `B${round}`)]);
        expect(wonA + wonB).toBe(1);
        const winner = wonA === 1 ? `A${round}` : `B${round}`;
        expect(await redis.mget(onShard0, onShard1)).toEqual([winner, winner]);
        // Both keys go in one MULTI, so the reader sees them vanish together too.
        await redis.multi().del(onShard0).del(onShard1).exec();
      }
    } finally {
      reading = false;
      await reads;
      a.disconnect();
      b.disconnect();
      reader.disconnect();
    }
    expect(torn).toEqual([]);
  }, 60_000);

  test('a writer hammering one of the keys never has its value overwritten by an MSETNX that said it won', async () => {
    // The writer sets the key, reads it back (a separate round trip), then deletes it. An MSETNX
    // that found the key missing and wrote it only after the writer's set would show in that read.
    const writer = connect(0);
    let writing = true;
    const overwritten: unknown[] = [];
    let writerRounds = 0;
    const hammer = (async () => {
      while (writing) {
        await writer.set(onShard1, 'writer');
        const read = await writer.get(onShard1);
        if (read !== 'writer') overwritten.push(read);
        await writer.del(onShard1);
        writerRounds++;
      }
    })();
    let wins = 0;
    try {
      for (let round = 0; round < 300; round++) {
        const fresh = `fresh${round}`;
        const won = await redis.msetnx(fresh, 'm', onShard1, `m${round}`);
        wins += won;
        // All or nothing: the fresh key is written exactly when the command says it won.
        expect(await redis.exists(fresh)).toBe(won);
      }
    } finally {
      writing = false;
      await hammer;
      writer.disconnect();
    }
    expect(writerRounds).toBeGreaterThan(50);
    expect(wins).toBeGreaterThan(0);
    expect(overwritten).toEqual([]);
  }, 60_000);
});

describe('OBJECT', () => {
  test('ENCODING of strings as Redis 7 chooses it; null for a missing key', async () => {
    await redis.mset('int', '123', 'negative', '-5', 'zero', '0', 'padded', '007', 'float', '1.5', 'huge', '99999999999999999999');
    await redis.set('short', 'x'.repeat(44));
    await redis.set('long', 'x'.repeat(45));
    const encodings: Record<string, string | null> = {};
    for (const key of ['int', 'negative', 'zero', 'padded', 'float', 'huge', 'short', 'long', 'missing']) {
      encodings[key] = (await redis.object('ENCODING', key)) as string | null;
    }
    expect(encodings).toEqual({
      int: 'int',
      negative: 'int',
      zero: 'int',
      padded: 'embstr',
      float: 'embstr',
      huge: 'embstr',
      short: 'embstr',
      long: 'raw',
      missing: null,
    });
  });

  test('IDLETIME grows while the key is not accessed, and OBJECT itself does not touch it', async () => {
    await redis.set('idle', 'v');
    expect(await redis.object('IDLETIME', 'idle')).toBeLessThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await redis.object('IDLETIME', 'idle')).toBeGreaterThanOrEqual(2);
    expect(await redis.object('IDLETIME', 'idle')).toBeGreaterThanOrEqual(2);
    await redis.get('idle');
    expect(await redis.object('IDLETIME', 'idle')).toBeLessThanOrEqual(1);
    expect(await redis.object('IDLETIME', 'missing')).toBeNull();
  });

  test('REFCOUNT, FREQ, HELP and errors', async () => {
    await redis.set('k', '1');
    expect(await redis.object('REFCOUNT', 'k')).toBe(1);
    expect(await redis.object('REFCOUNT', 'missing')).toBeNull();
    expect(await redis.object('FREQ', 'missing')).toBeNull();
    await expect(redis.object('FREQ', 'k')).rejects.toThrow('ERR An LFU maxmemory policy is not selected');
    const help = (await redis.object('HELP')) as string[];
    expect(help[0]).toBe('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    expect(help).toHaveLength(15);
    await expect(redis.call('OBJECT', 'foo')).rejects.toThrow("ERR unknown subcommand 'foo'. Try OBJECT HELP.");
    await expect(redis.call('OBJECT', 'ENCODING')).rejects.toThrow("ERR wrong number of arguments for 'object|encoding' command");
  });
});
