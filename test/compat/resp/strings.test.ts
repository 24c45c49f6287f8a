/**
 * The Redis counter commands (INCR DECR INCRBY DECRBY) through ioredis over a
 * real socket, their atomicity under concurrent clients, and how they meet
 * memcached's view of the same keys (digits, flags, expiry, memcached incr).
 * Exact reply bytes and error texts are compared with redis-server in
 * redis-differential.test.ts.
 */
import Redis, { ReplyError } from 'ioredis';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
let redis: Redis;
let memcached: RawClient;

beforeAll(async () => {
  daemon = await startRespDaemon();
  memcached = await RawClient.connect(daemon.port);
});

afterAll(async () => {
  memcached.close();
  await daemon.stop();
});

beforeEach(async () => {
  redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  await redis.flushall();
});

afterEach(() => redis.disconnect());

const mc = (command: string, terminator = '\r\n'): Promise<string> => memcached.request(command, terminator);

async function replyError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ReplyError);
    return (error as Error).message;
  }
  throw new Error('expected a ReplyError');
}

test('INCR DECR INCRBY DECRBY count from 0 on a missing key and across the int64 range', async () => {
  expect(await redis.incr('n')).toBe(1);
  expect(await redis.decr('n')).toBe(0);
  expect(await redis.decr('n')).toBe(-1);
  expect(await redis.incrby('n', 101)).toBe(100);
  expect(await redis.decrby('n', 300)).toBe(-200);
  expect(await redis.get('n')).toBe('-200');
  expect(await redis.decr('fresh')).toBe(-1);
  await redis.set('top', '9223372036854775806');
  // Beyond 2^53 ioredis would round the integer reply: read the value back as text.
  await redis.incr('top');
  expect(await redis.get('top')).toBe('9223372036854775807');
});

test('errors arrive as ReplyError with Redis text, and leave the value alone', async () => {
  await redis.set('max', '9223372036854775807');
  expect(await replyError(redis.incr('max'))).toBe('ERR increment or decrement would overflow');
  expect(await redis.get('max')).toBe('9223372036854775807');
  await redis.set('word', 'abc');
  expect(await replyError(redis.incr('word'))).toBe('ERR value is not an integer or out of range');
  expect(await replyError(redis.incrby('n', '1.5'))).toBe('ERR value is not an integer or out of range');
  expect(await replyError(redis.decrby('n', '-9223372036854775808'))).toBe('ERR decrement would overflow');
  expect(await redis.exists('n')).toBe(0);
});

test('concurrent INCRs from several connections lose no update', async () => {
  const clients = [0, 1, 2, 3].map(() => new Redis({ port: daemon.redisPort, host: '127.0.0.1' }));
  try {
    await Promise.all(clients.map((c) => Promise.all(Array.from({ length: 250 }, (_, i) => (i % 2 === 0 ? c.incr('shared') : c.incrby('shared', 3))))));
    expect(await redis.get('shared')).toBe(String(4 * (125 * 1 + 125 * 3)));
  } finally {
    for (const c of clients) c.disconnect();
  }
});

test('a pipeline of counters on many keys keeps its order', async () => {
  const pipeline = redis.pipeline();
  for (let i = 0; i < 100; i++) pipeline.incrby(`k${i % 10}`, i);
  const results = (await pipeline.exec())!;
  const totals = new Array<number>(10).fill(0);
  results.forEach(([error, value], i) => {
    expect(error).toBeNull();
    totals[i % 10] += i;
    expect(value).toBe(totals[i % 10]);
  });
});

test('INCR writes decimal digits that memcached get reads with flags 0; memcached incr continues from them', async () => {
  expect(await redis.incrby('c', 41)).toBe(41);
  expect(await mc('get c\r\n', 'END\r\n')).toBe('VALUE c 0 2\r\n41\r\nEND\r\n');
  expect(await mc('incr c 1\r\n')).toBe('42\r\n');
  expect(await redis.incr('c')).toBe(43);
  // A negative counter is not a number for memcached's unsigned incr.
  expect(await redis.decrby('neg', 5)).toBe(-5);
  expect(await mc('incr neg 1\r\n')).toBe('CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
});

test('memcached set of "10" then INCR keeps the flags and the expiry', async () => {
  expect(await mc('set ten 5 1000 2\r\n10\r\n')).toBe('STORED\r\n');
  expect(await redis.incr('ten')).toBe(11);
  expect(await mc('get ten\r\n', 'END\r\n')).toBe('VALUE ten 5 2\r\n11\r\nEND\r\n');
  const ttl = Number(/ t(\d+)/.exec(await mc('mg ten t\r\n'))?.[1]);
  expect(ttl).toBeGreaterThan(990);
  expect(ttl).toBeLessThanOrEqual(1000);
  // A counter INCR creates has no expiry (memcached reports -1).
  await redis.incr('plain');
  expect(await mc('mg plain t\r\n')).toBe('HD t-1\r\n');
});

test('TTL and PTTL report the remaining time to the millisecond; PERSIST removes it once', async () => {
  await redis.set('k', 'v', 'PX', 5000);
  const pttl = await redis.pttl('k');
  expect(pttl).toBeGreaterThan(4500);
  expect(pttl).toBeLessThanOrEqual(5000);
  expect(await redis.ttl('k')).toBe(5);
  const at = Date.now() + 60_000;
  expect(await redis.pexpireat('k', at)).toBe(1);
  expect(await redis.pexpiretime('k')).toBe(at);
  expect(await redis.expiretime('k')).toBe(Math.floor((at + 500) / 1000));
  expect(await redis.persist('k')).toBe(1);
  expect(await redis.persist('k')).toBe(0);
  expect([await redis.ttl('k'), await redis.pttl('k'), await redis.expiretime('k')]).toEqual([-1, -1, -1]);
  expect([await redis.ttl('nope'), await redis.pttl('nope'), await redis.persist('nope')]).toEqual([-2, -2, 0]);
});

test('TTL sees memcached expiry, and PERSIST is seen by memcached', async () => {
  expect(await mc('set m 0 300 1\r\nx\r\n')).toBe('STORED\r\n');
  expect(await redis.ttl('m')).toBe(300);
  expect(await mc('touch m 50\r\n')).toBe('TOUCHED\r\n');
  expect(await redis.ttl('m')).toBe(50);
  expect(await redis.persist('m')).toBe(1);
  expect(await mc('mg m t\r\n')).toBe('HD t-1\r\n');
});

test('an expired key is gone for TTL and PERSIST', async () => {
  await redis.set('short', 'v', 'PX', 30);
  await new Promise((r) => setTimeout(r, 60));
  expect(await redis.pttl('short')).toBe(-2);
  expect(await redis.persist('short')).toBe(0);
  expect(await redis.exists('short')).toBe(0);
});

test('EXPIRE NX XX GT LT through ioredis, judged on the current expiry', async () => {
  await redis.set('k', 'v');
  expect(await redis.expire('k', 100, 'XX')).toBe(0);
  expect(await redis.expire('k', 100, 'GT')).toBe(0);
  expect(await redis.expire('k', 100, 'NX')).toBe(1);
  expect(await redis.expire('k', 50, 'GT')).toBe(0);
  expect(await redis.expire('k', 50, 'LT')).toBe(1);
  expect(await redis.ttl('k')).toBe(50);
  expect(await redis.pexpire('k', -1, 'LT')).toBe(1);
  expect(await redis.exists('k')).toBe(0);
  expect(await replyError(redis.call('EXPIRE', 'k', '10', 'NX', 'XX'))).toBe('ERR NX and XX, GT or LT options at the same time are not compatible');
});

test('SET KEEPTTL keeps an expiry memcached gave the key, and the value is memcached-readable', async () => {
  expect(await mc('set kt 9 300 3\r\nold\r\n')).toBe('STORED\r\n');
  expect(await redis.set('kt', 'new', 'KEEPTTL')).toBe('OK');
  expect(await mc('get kt\r\n', 'END\r\n')).toBe('VALUE kt 0 3\r\nnew\r\nEND\r\n');
  expect(await redis.ttl('kt')).toBe(300);
  expect(await redis.set('kt', 'plain')).toBe('OK');
  expect(await redis.ttl('kt')).toBe(-1);
});

test('SETRANGE pads with zero bytes, keeps memcached flags and expiry, refuses a patch past the item size', async () => {
  expect(await redis.setrange('r', 2, 'ab')).toBe(4);
  expect(await redis.getBuffer('r')).toEqual(Buffer.from([0, 0, 0x61, 0x62]));
  expect(await mc('set flagged 6 300 5\r\nhello\r\n')).toBe('STORED\r\n');
  expect(await redis.setrange('flagged', 1, 'ipp')).toBe(5);
  expect(await mc('get flagged\r\n', 'END\r\n')).toBe('VALUE flagged 6 5\r\nhippo\r\nEND\r\n');
  expect(await redis.ttl('flagged')).toBe(300);
  expect(await replyError(redis.setrange('flagged', 2 * 1024 * 1024, 'x'))).toBe('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
  expect(await replyError(redis.setrange('flagged', -1, 'x'))).toBe('ERR offset is out of range');
  expect(await redis.get('flagged')).toBe('hippo');
});

test('INCRBYFLOAT through ioredis: long double results, memcached reads the text, errors in Redis words', async () => {
  expect(await redis.incrbyfloat('f', '0.1')).toBe('0.1');
  expect(await redis.incrbyfloat('f', '0.2')).toBe('0.3');
  expect(await mc('get f\r\n', 'END\r\n')).toBe('VALUE f 0 3\r\n0.3\r\nEND\r\n');
  expect(await mc('set ten 2 100 2\r\n10\r\n')).toBe('STORED\r\n');
  expect(await redis.incrbyfloat('ten', '-0.25')).toBe('9.75');
  expect(await mc('get ten\r\n', 'END\r\n')).toBe('VALUE ten 2 4\r\n9.75\r\nEND\r\n');
  expect(await redis.ttl('ten')).toBe(100);
  expect(await replyError(redis.incrbyfloat('ten', 'inf'))).toBe('ERR increment would produce NaN or Infinity');
  expect(await replyError(redis.incrbyfloat('ten', 'abc'))).toBe('ERR value is not a valid float');
  expect(await redis.get('ten')).toBe('9.75');
});
