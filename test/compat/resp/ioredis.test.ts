/**
 * ioredis against the Redis port over a real socket: its connect sequence
 * (SELECT, INFO ready check with loading:0, CLIENT SETNAME / SETINFO), every
 * string and key command we serve, a 1000-command pipeline, and errors as
 * ReplyError with Redis's text.
 */
import Redis from 'ioredis';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
let redis: Redis;

beforeAll(async () => {
  daemon = await startRespDaemon();
});

afterAll(async () => {
  await daemon.stop();
});

beforeEach(async () => {
  redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', db: 0, connectionName: 'ioredis-test', maxRetriesPerRequest: 0 });
  await redis.flushall();
});

afterEach(() => redis.disconnect());

test('connects with a name and database; the ready check (INFO) passes', async () => {
  const other = new Redis({ port: daemon.redisPort, host: '127.0.0.1', db: 3, connectionName: 'named', enableReadyCheck: true });
  try {
    await other.set('k', 'in db 3');
    expect(await other.client('GETNAME')).toBe('named');
    expect(await other.get('k')).toBe('in db 3');
    expect(await redis.get('k')).toBeNull();
    const list = (await redis.client('LIST')) as string;
    expect(list).toMatch(/name=named .*db=3 /);
  } finally {
    other.disconnect();
  }
});

test('GET / SET with options / SETNX / SETEX / PSETEX / GETDEL / STRLEN / APPEND', async () => {
  expect(await redis.get('s')).toBeNull();
  expect(await redis.set('s', 'v1')).toBe('OK');
  expect(await redis.set('s', 'v2', 'NX')).toBeNull();
  expect(await redis.set('s', 'v2', 'XX')).toBe('OK');
  expect(await redis.set('nx-missing', 'v', 'XX')).toBeNull();
  expect(await redis.set('s', 'v3', 'GET')).toBe('v2');
  expect(await redis.set('fresh', 'x', 'GET')).toBeNull();
  expect(await redis.get('fresh')).toBe('x');
  expect(await redis.set('ex', 'v', 'EX', 100)).toBe('OK');
  expect(await redis.set('px', 'v', 'PX', 100000)).toBe('OK');
  expect(await redis.set('exat', 'v', 'EXAT', Math.floor(Date.now() / 1000) + 100)).toBe('OK');
  expect(await redis.set('pxat-past', 'v', 'PXAT', Date.now() - 1000)).toBe('OK');
  expect(await redis.get('pxat-past')).toBeNull();
  expect(await redis.setnx('s', 'x')).toBe(0);
  expect(await redis.setnx('n', 'x')).toBe(1);
  expect(await redis.setex('se', 100, 'v')).toBe('OK');
  expect(await redis.psetex('pse', 100000, 'v')).toBe('OK');
  expect(await redis.getdel('s')).toBe('v3');
  expect(await redis.getdel('s')).toBeNull();
  expect(await redis.append('a', 'hello')).toBe(5);
  expect(await redis.append('a', ' world')).toBe(11);
  expect(await redis.get('a')).toBe('hello world');
  expect(await redis.strlen('a')).toBe(11);
  expect(await redis.strlen('missing')).toBe(0);
});

test('GETEX / GETSET / GETRANGE / TYPE', async () => {
  await redis.set('gx', 'hello');
  expect(await redis.getex('gx', 'PX', 150)).toBe('hello');
  await new Promise((r) => setTimeout(r, 400));
  expect(await redis.get('gx')).toBeNull();
  await redis.set('gp', 'v', 'PX', 150);
  expect(await redis.getex('gp', 'PERSIST')).toBe('v');
  await new Promise((r) => setTimeout(r, 400));
  expect(await redis.get('gp')).toBe('v');
  expect(await redis.getset('gp', 'w')).toBe('v');
  expect(await redis.getrange('gp', 0, -1)).toBe('w');
  await redis.set('range', 'hello world');
  expect(await redis.getrange('range', -5, -1)).toBe('world');
  expect(await redis.type('range')).toBe('string');
  expect(await redis.type('nope')).toBe('none');
});

test('binary values and keys round-trip', async () => {
  const key = Buffer.from([0, 1, 0xff, 0x20, 0x0d, 0x0a]);
  const value = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await redis.set(key, value);
  expect(await redis.getBuffer(key)).toEqual(value);
});

test('MGET / MSET / DEL / UNLINK / EXISTS / TOUCH count keys like Redis', async () => {
  expect(await redis.mset('m1', 'a', 'm2', 'b', 'm3', 'c')).toBe('OK');
  expect(await redis.mget('m1', 'nope', 'm3')).toEqual(['a', null, 'c']);
  expect(await redis.exists('m1', 'm1', 'nope')).toBe(2);
  expect(await redis.touch('m1', 'm2', 'nope')).toBe(2);
  expect(await redis.del('m1', 'm1', 'nope')).toBe(1);
  expect(await redis.unlink('m2', 'm3')).toBe(2);
  expect(await redis.exists('m1', 'm2', 'm3')).toBe(0);
});

test('EXPIRE family: sets a TTL (1), misses (0), and a past time deletes (1)', async () => {
  await redis.set('e', 'v');
  expect(await redis.expire('e', 100)).toBe(1);
  expect(await redis.pexpire('e', 100000)).toBe(1);
  expect(await redis.expireat('e', Math.floor(Date.now() / 1000) + 100)).toBe(1);
  expect(await redis.pexpireat('e', Date.now() + 100000)).toBe(1);
  expect(await redis.get('e')).toBe('v');
  expect(await redis.expire('missing', 100)).toBe(0);
  expect(await redis.expire('e', 0)).toBe(1);
  expect(await redis.get('e')).toBeNull();
  await redis.set('e2', 'v');
  expect(await redis.pexpireat('e2', Date.now() - 1)).toBe(1);
  expect(await redis.exists('e2')).toBe(0);
});

test('a short PX really expires', async () => {
  await redis.set('short', 'v', 'PX', 150);
  expect(await redis.get('short')).toBe('v');
  await new Promise((r) => setTimeout(r, 400));
  expect(await redis.get('short')).toBeNull();
});

test('a pipeline of 1000 commands answers in order', async () => {
  const pipeline = redis.pipeline();
  for (let i = 0; i < 500; i++) {
    pipeline.set(`p:${i}`, `value-${i}`);
    pipeline.get(`p:${i}`);
  }
  const results = (await pipeline.exec())!;
  expect(results).toHaveLength(1000);
  for (let i = 0; i < 500; i++) {
    expect(results[2 * i]).toEqual([null, 'OK']);
    expect(results[2 * i + 1]).toEqual([null, `value-${i}`]);
  }
  expect(await redis.dbsize()).toBeGreaterThanOrEqual(500);
});

test('errors carry Redis text', async () => {
  await expect(redis.call('NOSUCH', 'a')).rejects.toThrow("ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
  await expect(redis.call('GET')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
  await expect(redis.call('SET', 'k', 'v', 'EX', 'soon')).rejects.toThrow('ERR value is not an integer or out of range');
  await expect(redis.call('SET', 'k', 'v', 'BOGUS')).rejects.toThrow('ERR syntax error');
  await expect(redis.select(99)).rejects.toThrow('ERR DB index is out of range');
});

test('server commands: PING, ECHO, TIME, INFO, CONFIG, COMMAND, SLOWLOG, FLUSHDB', async () => {
  expect(await redis.ping()).toBe('PONG');
  expect(await redis.echo('hi')).toBe('hi');
  const [seconds, micros] = (await redis.call('TIME')) as [string, string];
  expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
  expect(Number(micros)).toBeLessThan(1_000_000);

  await redis.set('i1', 'x');
  await redis.get('i1');
  await redis.get('i-miss');
  const info = await redis.info();
  expect(info).toMatch(/^# Server\r\nredis_version:7\.2\.0\r\n/);
  for (const field of ['loading:0', 'role:master', 'keyspace_hits:', 'keyspace_misses:', 'evicted_keys:', 'expired_keys:', 'used_memory:', 'maxmemory:']) {
    expect(info).toContain(field);
  }
  expect(info).toMatch(/\r\ndb0:keys=\d+,expires=0,avg_ttl=0\r\n/);
  expect(await redis.info('keyspace')).toMatch(/^# Keyspace\r\ndb0:keys=\d+/);
  expect(await redis.info('nosuchsection')).toBe('');

  expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(64 * 1024 * 1024)]);
  expect(await redis.config('SET', 'maxmemory-policy', 'allkeys-lfu', 'hash-max-listpack-entries', '256')).toBe('OK');
  expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lfu']);
  expect(await redis.config('GET', 'hash-max-listpack-*')).toEqual(
    expect.arrayContaining(['hash-max-listpack-entries', '256', 'hash-max-listpack-value', '64']),
  );
  await expect(redis.config('SET', 'maxmemory', 'lots')).rejects.toThrow(
    "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
  );
  await expect(redis.config('SET', 'no-such-thing', '1')).rejects.toThrow(
    "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-thing'",
  );
  expect(await redis.config('RESETSTAT')).toBe('OK');

  const count = (await redis.call('COMMAND', 'COUNT')) as number;
  const all = (await redis.call('COMMAND')) as unknown[][];
  expect(all).toHaveLength(count);
  expect(await redis.command('INFO', 'get')).toEqual([
    ['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@string', '@read', '@fast'], [], expect.any(Array), []],
  ]);
  expect(await redis.command('INFO', 'nosuch')).toEqual([null]);

  // The pipelines above may have been slow on a loaded machine (the slow log is tested in test/integration/slowlog.test.ts).
  expect(await redis.slowlog('RESET')).toBe('OK');
  expect(await redis.slowlog('GET')).toEqual([]);
  expect(await redis.slowlog('LEN')).toBe(0);
  expect(await redis.slowlog('RESET')).toBe('OK');
  expect(await redis.call('FUNCTION', 'FLUSH')).toBe('OK');
  expect(await redis.call('SCRIPT', 'FLUSH', 'SYNC')).toBe('OK');

  expect(await redis.flushdb('ASYNC')).toBe('OK');
  expect(await redis.get('i1')).toBeNull();
});

test('CLIENT ID / INFO / SETINFO / KILL', async () => {
  const id = (await redis.client('ID')) as number;
  expect(id).toBeGreaterThan(0);
  expect(await redis.client('SETINFO', 'LIB-NAME', 'mylib')).toBe('OK');
  await expect(redis.client('SETINFO', 'LIB-NAME', 'has space')).rejects.toThrow(
    'ERR lib-name cannot contain spaces, newlines or special characters.',
  );
  expect(await redis.client('INFO')).toMatch(new RegExp(`^id=${id} .*name=ioredis-test .*lib-name=mylib `));

  const victim = new Redis({ port: daemon.redisPort, host: '127.0.0.1', retryStrategy: () => null });
  const victimId = (await victim.client('ID')) as number;
  const closed = new Promise((resolve) => victim.once('end', resolve));
  expect(await redis.client('KILL', 'ID', String(victimId))).toBe(1);
  await closed;
  expect(await redis.client('KILL', 'ID', String(victimId))).toBe(0);
  await expect(redis.client('KILL', 'ID', '0')).rejects.toThrow('ERR client-id should be greater than 0');
});
