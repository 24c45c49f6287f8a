/**
 * Type safety across the keyspace, both protocols: Redis string commands on a hash / set answer
 * WRONGTYPE and leave it alone, SET / MSET overwrite any type, TYPE names the type; memcached
 * get / gets / mg / binary get of a typed key miss, `set` overwrites it, `delete` deletes it,
 * append / prepend / incr / decr behave as on a missing key.
 */
import Redis from 'ioredis';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
let redis: Redis;
let mc: RawClient;

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

beforeEach(async () => {
  redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  mc = await RawClient.connect(daemon.port);
  await redis.flushall();
});

afterEach(() => {
  redis.disconnect();
  mc.close();
});

describe('Redis string commands on a collection', () => {
  test.each([
    ['get', []],
    ['getset', ['x']],
    ['getdel', []],
    ['getex', ['PX', '1000']],
    ['append', ['x']],
    ['strlen', []],
    ['getrange', ['0', '1']],
    ['setrange', ['0', 'x']],
    ['incr', []],
    ['decr', []],
    ['incrby', ['2']],
    ['decrby', ['2']],
    ['incrbyfloat', ['1.5']],
  ])('%s answers WRONGTYPE and changes nothing', async (command, args) => {
    await redis.hset('k', 'f', 'v');
    await expect(redis.call(command, 'k', ...args)).rejects.toThrow(WRONGTYPE);
    expect(await redis.hgetall('k')).toEqual({ f: 'v' });
    expect(await redis.pttl('k')).toBe(-1);
  });

  test('SET ... GET refuses and keeps the set', async () => {
    await redis.sadd('k', 'm');
    await expect(redis.set('k', 'v', 'GET')).rejects.toThrow(WRONGTYPE);
    expect(await redis.smembers('k')).toEqual(['m']);
  });

  test('SET, SET EX and MSET overwrite any type; SETNX does not', async () => {
    await redis.hset('a', 'f', 'v');
    await redis.sadd('b', 'm');
    expect(await redis.setnx('a', 'x')).toBe(0);
    expect(await redis.set('a', 'string', 'EX', 100)).toBe('OK');
    expect(await redis.get('a')).toBe('string');
    expect(await redis.type('a')).toBe('string');
    expect(await redis.mset('b', 'v2')).toBe('OK');
    expect(await redis.get('b')).toBe('v2');
    await expect(redis.hget('a', 'f')).rejects.toThrow(WRONGTYPE);
  });

  test('MGET gives nil for non-strings; EXISTS, TYPE, DEL see every type', async () => {
    await redis.set('s', 'x');
    await redis.hset('h', 'f', 'v');
    await redis.sadd('t', 'm');
    await redis.pfadd('p', 'e');
    expect(await redis.mget('s', 'h', 't', 'p', 'none')).toEqual(['x', null, null, expect.stringMatching(/^HYLL/), null]);
    expect(await redis.exists('s', 'h', 't', 'p', 'none')).toBe(4);
    expect(await redis.touch('h', 't')).toBe(2);
    expect(await Promise.all(['s', 'h', 't', 'p', 'none'].map((k) => redis.type(k)))).toEqual(['string', 'hash', 'set', 'string', 'none']);
    expect(await redis.del('h', 't', 'none')).toBe(2);
  });

  test('collection commands on a string answer WRONGTYPE', async () => {
    await redis.set('s', 'x');
    for (const call of [() => redis.hset('s', 'f', 'v'), () => redis.hget('s', 'f'), () => redis.sadd('s', 'm'), () => redis.scard('s'), () => redis.smembers('s')]) {
      await expect(call()).rejects.toThrow(WRONGTYPE);
    }
    await redis.hset('h', 'f', 'v');
    await expect(redis.sismember('h', 'f')).rejects.toThrow(WRONGTYPE);
    await expect(redis.pfcount('h')).rejects.toThrow(WRONGTYPE);
    expect(await redis.get('s')).toBe('x');
  });
});

describe('memcached clients and typed keys', () => {
  test('get, gets and mg miss; touch and delete work; set overwrites', async () => {
    await redis.hset('h', 'f', 'v');
    expect(await mc.request('get h\r\n', 'END\r\n')).toBe('END\r\n');
    expect(await mc.request('gets h\r\n', 'END\r\n')).toBe('END\r\n');
    expect(await mc.request('mg h v\r\n')).toBe('EN\r\n');
    expect(await mc.request('append h 0 0 1\r\nx\r\n')).toBe('NOT_STORED\r\n');
    expect(await mc.request('prepend h 0 0 1\r\nx\r\n')).toBe('NOT_STORED\r\n');
    expect(await mc.request('incr h 1\r\n')).toBe('NOT_FOUND\r\n');
    expect(await mc.request('decr h 1\r\n')).toBe('NOT_FOUND\r\n');
    expect(await redis.hgetall('h')).toEqual({ f: 'v' });
    expect(await mc.request('delete h\r\n')).toBe('DELETED\r\n');
    expect(await redis.exists('h')).toBe(0);
    await redis.sadd('s', 'm');
    expect(await mc.request('set s 5 0 3\r\nabc\r\n')).toBe('STORED\r\n');
    expect(await redis.type('s')).toBe('string');
    expect(await mc.request('get s\r\n', 'END\r\n')).toBe('VALUE s 5 3\r\nabc\r\nEND\r\n');
    await expect(redis.sadd('s', 'm')).rejects.toThrow(WRONGTYPE);
  });

  test('binary get of a typed key is KEY_ENOENT', async () => {
    await redis.sadd('bk', 'm');
    const key = Buffer.from('bk');
    const header = Buffer.alloc(24);
    header[0] = 0x80;
    header[1] = 0x00; // GET
    header.writeUInt16BE(key.length, 2);
    header.writeUInt32BE(key.length, 8);
    const bin = await RawClient.connect(daemon.port);
    try {
      bin.send(Buffer.concat([header, key]));
      const reply = await bin.readUntil((r) => r.length >= 24);
      expect(reply[0]).toBe(0x81);
      expect(reply.readUInt16BE(6)).toBe(0x0001);
    } finally {
      bin.close();
    }
    expect(await redis.scard('bk')).toBe(1);
  });
});
