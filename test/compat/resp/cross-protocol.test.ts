/**
 * One store, two protocols: what a Redis client writes in database 0 a
 * memcached client reads (flags 0) and the other way round; databases 1..15
 * stay out of the memcached keyspace; deletes, expiry and flushes are seen
 * from both sides.
 */
import Redis from 'ioredis';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
let redis: Redis;
let memcached: RawClient;

beforeAll(async () => {
  daemon = await startRespDaemon();
  redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1' });
  memcached = await RawClient.connect(daemon.port);
});

afterAll(async () => {
  memcached.close();
  redis.disconnect();
  await daemon.stop();
});

const mc = (command: string, terminator = '\r\n'): Promise<string> => memcached.request(command, terminator);

test('SET is read by memcached get with flags 0; memcached set is read by GET', async () => {
  await redis.set('shared', 'from redis');
  expect(await mc('get shared\r\n', 'END\r\n')).toBe('VALUE shared 0 10\r\nfrom redis\r\nEND\r\n');
  expect(await mc('set other 42 0 14\r\nfrom memcached\r\n')).toBe('STORED\r\n');
  expect(await redis.get('other')).toBe('from memcached');
});

test('APPEND keeps memcached flags; DEL is seen by memcached; memcached delete by Redis', async () => {
  await mc('set flagged 7 0 1\r\na\r\n');
  expect(await redis.append('flagged', 'bc')).toBe(3);
  expect(await mc('get flagged\r\n', 'END\r\n')).toBe('VALUE flagged 7 3\r\nabc\r\nEND\r\n');
  expect(await redis.del('flagged')).toBe(1);
  expect(await mc('get flagged\r\n', 'END\r\n')).toBe('END\r\n');
  await redis.set('gone', 'x');
  expect(await mc('delete gone\r\n')).toBe('DELETED\r\n');
  expect(await redis.exists('gone')).toBe(0);
});

test('keys of other databases are invisible to memcached', async () => {
  await redis.select(7);
  await redis.set('db7only', 'seven');
  await redis.select(0);
  expect(await mc('get db7only\r\n', 'END\r\n')).toBe('END\r\n');
  expect(await redis.get('db7only')).toBeNull();
});

test('an EXPIRE from Redis expires the memcached view too', async () => {
  await mc('set ttl 0 0 1\r\nx\r\n');
  expect(await redis.pexpire('ttl', 150)).toBe(1);
  await new Promise((r) => setTimeout(r, 1200));
  expect(await mc('get ttl\r\n', 'END\r\n')).toBe('END\r\n');
});

test('memcached incr works on a number written by SET; STRLEN sees the memcached value', async () => {
  await redis.set('counter', '41');
  expect(await mc('incr counter 1\r\n')).toBe('42\r\n');
  expect(await redis.get('counter')).toBe('42');
  expect(await redis.strlen('counter')).toBe(2);
});

test('FLUSHALL empties the memcached keyspace; flush_all empties Redis', async () => {
  await mc('set m 0 0 1\r\nm\r\n');
  expect(await redis.flushall()).toBe('OK');
  expect(await mc('get m\r\n', 'END\r\n')).toBe('END\r\n');
  await redis.set('r', 'r');
  expect(await mc('flush_all\r\n')).toBe('OK\r\n');
  expect(await redis.get('r')).toBeNull();
});
