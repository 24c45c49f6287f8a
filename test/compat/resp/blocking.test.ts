/**
 * Blocking pops (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP) over
 * real sockets against the daemon with two shards: released by a push from another
 * connection (ioredis and node-redis), timeouts in both protocols, first blocked
 * first served, BLMOVE between keys on different shards, no blocking inside MULTI,
 * a blocked client's later pipelined commands held back, and a closed client
 * leaving the registry without eating an element.
 */
import Redis from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { HashRing } from '../../../src/router/hash-ring';
import { hashBytes } from '../../../src/util/hash';
import { RawClient } from '../../helpers/raw-client';
import { countReplies, exchange, startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
const clients: Redis[] = [];

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

function connect(): Redis {
  const client = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  clients.push(client);
  return client;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
});

const ring = new HashRing(2);
/** A key (with `prefix`) that the daemon's router puts on `shard`. */
function keyOnShard(prefix: string, shard: number): string {
  for (let i = 0; ; i++) {
    const key = `${prefix}${i}`;
    if (ring.shardFor(hashBytes(Buffer.from(key), 0, key.length)) === shard) return key;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('BLPOP blocks until another connection pushes, then answers [key, element]', async () => {
  const blocked = connect();
  const pusher = connect();
  await pusher.del('q');
  const reply = blocked.blpop('q', 0);
  await sleep(100);
  expect(await pusher.rpush('q', 'hello', 'world')).toBe(2);
  expect(await reply).toEqual(['q', 'hello']);
  expect(await pusher.lrange('q', 0, -1)).toEqual(['world']);
});

test('an element already there is popped at once; the first non-empty key wins, across shards', async () => {
  const client = connect();
  const a = keyOnShard('first-', 0);
  const b = keyOnShard('second-', 1);
  await client.del(a, b);
  await client.rpush(b, 'x', 'y');
  expect(await client.brpop(a, b, 0)).toEqual([b, 'y']);
  await client.rpush(a, 'z');
  expect(await client.blpop(a, b, 0)).toEqual([a, 'z']);
  await client.set('str', 'v');
  await expect(client.blpop('str', 0)).rejects.toThrow('WRONGTYPE');
  await expect(client.blpop('nothing', b, 0)).resolves.toEqual([b, 'x']);
});

test('timeouts: seconds as a double, nil after it, Redis\'s errors for bad values', async () => {
  const client = connect();
  const started = Date.now();
  expect(await client.blpop('empty', 0.2)).toBeNull();
  const waited = Date.now() - started;
  expect(waited).toBeGreaterThanOrEqual(180);
  expect(waited).toBeLessThan(2000);
  expect(await client.bzpopmin('empty', 0.05)).toBeNull();
  expect(await client.blmove('empty', 'dst', 'LEFT', 'RIGHT', 0.05)).toBeNull();
  await expect(client.blpop('empty', 'x')).rejects.toThrow('ERR timeout is not a float or out of range');
  await expect(client.blpop('empty', -1)).rejects.toThrow('ERR timeout is negative');
  await expect(client.blpop('empty', 'inf')).rejects.toThrow('ERR timeout is negative');
});

test('two blocked clients are served in the order they blocked', async () => {
  const first = connect();
  const second = connect();
  const pusher = connect();
  await pusher.del('fifo');
  const firstReply = first.blpop('fifo', 0);
  await sleep(50);
  const secondReply = second.blpop('fifo', 0);
  await sleep(50);
  await pusher.rpush('fifo', 'one');
  expect(await firstReply).toEqual(['fifo', 'one']);
  let secondDone = false;
  void secondReply.then(() => (secondDone = true));
  await sleep(100);
  expect(secondDone).toBe(false);
  await pusher.rpush('fifo', 'two', 'three');
  expect(await secondReply).toEqual(['fifo', 'two']);
  expect(await pusher.lrange('fifo', 0, -1)).toEqual(['three']);
});

test('one push of several elements serves several blocked clients in order', async () => {
  const waiting = [connect(), connect(), connect()];
  const pusher = connect();
  await pusher.del('burst');
  const replies: Promise<unknown>[] = [];
  for (const c of waiting) {
    replies.push(c.blpop('burst', 0));
    await sleep(30);
  }
  await pusher.rpush('burst', 'a', 'b');
  expect(await replies[0]).toEqual(['burst', 'a']);
  expect(await replies[1]).toEqual(['burst', 'b']);
  await pusher.rpush('burst', 'c');
  expect(await replies[2]).toEqual(['burst', 'c']);
});

test('a client blocked on two keys that both get data is served once', async () => {
  const blocked = connect();
  const writer = connect();
  const a = keyOnShard('twice-a-', 0);
  const b = keyOnShard('twice-b-', 1);
  await writer.del(a, b);
  const reply = blocked.blpop(a, b, 0);
  await sleep(50);
  expect(await writer.multi().rpush(a, 'from-a').rpush(b, 'from-b').exec()).toEqual([
    [null, 1],
    [null, 1],
  ]);
  expect(await reply).toEqual([a, 'from-a']);
  await sleep(50);
  expect(await writer.lrange(b, 0, -1)).toEqual(['from-b']);
  expect(await writer.lrange(a, 0, -1)).toEqual([]);
});

test('BLMOVE and BRPOPLPUSH between keys on different shards', async () => {
  const mover = connect();
  const pusher = connect();
  const source = keyOnShard('src-', 0);
  const destination = keyOnShard('dst-', 1);
  await pusher.del(source, destination);
  const moved = mover.blmove(source, destination, 'LEFT', 'RIGHT', 0);
  await sleep(100);
  await pusher.rpush(source, 'm1', 'm2');
  expect(await moved).toBe('m1');
  expect(await pusher.lrange(destination, 0, -1)).toEqual(['m1']);
  expect(await pusher.lrange(source, 0, -1)).toEqual(['m2']);
  expect(await mover.brpoplpush(source, destination, 0)).toBe('m2');
  expect(await pusher.lrange(destination, 0, -1)).toEqual(['m2', 'm1']);
  expect(await pusher.exists(source)).toBe(0);
  await pusher.set('not-a-list', 'v');
  await pusher.rpush(source, 'kept');
  await expect(mover.blmove(source, 'not-a-list', 'LEFT', 'LEFT', 0)).rejects.toThrow('WRONGTYPE');
  expect(await pusher.lrange(source, 0, -1)).toEqual(['kept']);
});

/** The shards' cmd_set total, from memcached's `stats` on the daemon's memcached port. */
async function shardWrites(): Promise<number> {
  const raw = await RawClient.connect(daemon.port);
  const stats = await raw.request('stats\r\n', 'END\r\n');
  raw.close();
  return Number(/STAT cmd_set (\d+)/.exec(stats)![1]);
}

test('BLMOVE of a list onto itself: served when it fills, and an empty wait sends no ops', async () => {
  const blocked = connect();
  const writer = connect();
  await writer.del('ring');
  const before = await shardWrites();
  const rotated = blocked.blmove('ring', 'ring', 'LEFT', 'RIGHT', 0.3);
  await sleep(100);
  // One try when it blocked, nothing while it waits (no op waking its own key over and over).
  expect((await shardWrites()) - before).toBeLessThanOrEqual(2);
  expect(await rotated).toBeNull();
  const again = blocked.blmove('ring', 'ring', 'LEFT', 'RIGHT', 0);
  await sleep(50);
  await writer.rpush('ring', 'a', 'b');
  expect(await again).toBe('a');
  expect(await writer.lrange('ring', 0, -1)).toEqual(['b', 'a']);
});

test('BZPOPMIN / BZPOPMAX / BZMPOP / BLMPOP woken by ZADD and RPUSH', async () => {
  const blocked = connect();
  const writer = connect();
  await writer.del('zq', 'lq');
  const min = blocked.bzpopmin('zq', 0);
  await sleep(50);
  await writer.zadd('zq', 2, 'two', 1, 'one');
  expect(await min).toEqual(['zq', 'one', '1']);
  expect(await blocked.bzpopmax('zq', 0)).toEqual(['zq', 'two', '2']);
  const mpop = blocked.call('BZMPOP', '0', '1', 'zq', 'MIN', 'COUNT', '5');
  await sleep(50);
  await writer.zadd('zq', 1.5, 'a', 2.5, 'b');
  expect(await mpop).toEqual(['zq', [['a', '1.5'], ['b', '2.5']]]);
  const lmpop = blocked.call('BLMPOP', '0', '2', 'nope', 'lq', 'RIGHT', 'COUNT', '2');
  await sleep(50);
  await writer.rpush('lq', 'x', 'y', 'z');
  expect(await lmpop).toEqual(['lq', ['z', 'y']]);
  expect(await blocked.call('LMPOP', '1', 'nope', 'LEFT')).toBeNull();
  expect(await blocked.call('ZMPOP', '1', 'nope', 'MIN')).toBeNull();
});

test('inside MULTI nothing blocks: nil as Redis answers', async () => {
  const client = connect();
  await client.del('m-empty', 'm-other');
  const results = await client
    .multi()
    .blpop('m-empty', 0)
    .bzpopmin('m-empty', 0)
    .blmove('m-empty', 'other', 'LEFT', 'LEFT', 0)
    .rpush('m-empty', 'v')
    .blpop('m-empty', 0)
    .rpush('m-other', 'w')
    .brpop('m-empty', 'm-other', 0)
    .llen('m-other')
    .exec();
  expect(results).toEqual([
    [null, null],
    [null, null],
    [null, null],
    [null, 1],
    [null, ['m-empty', 'v']],
    [null, 1],
    [null, ['m-other', 'w']],
    [null, 0],
  ]);
});

test('a blocked client\'s later pipelined commands wait for it; a closed client leaves the registry', async () => {
  const raw = await RawClient.connect(daemon.redisPort);
  const pusher = connect();
  await pusher.del('pipe', 'gone');
  raw.send('*3\r\n$5\r\nBLPOP\r\n$4\r\npipe\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n');
  expect((await raw.readFor(150)).length).toBe(0);
  await pusher.lpush('pipe', 'v');
  const out = await raw.readUntil((r) => countReplies(r) >= 2, 2000);
  expect(out.toString('latin1')).toBe('*2\r\n$4\r\npipe\r\n$1\r\nv\r\n+PONG\r\n');
  raw.close();

  const leaving = await RawClient.connect(daemon.redisPort);
  leaving.send('*3\r\n$5\r\nBLPOP\r\n$4\r\ngone\r\n$1\r\n0\r\n');
  await sleep(50);
  // A reset, so the daemon sees the connection close (a FIN alone is a half-close, which the daemon answers through).
  leaving.socket.resetAndDestroy();
  await sleep(50);
  await pusher.rpush('gone', 'still-here');
  expect(await pusher.lrange('gone', 0, -1)).toEqual(['still-here']);
});

test('RESP3: a timeout is the RESP3 null, BZPOPMIN\'s score a double (raw bytes)', async () => {
  const raw = await RawClient.connect(daemon.redisPort);
  await exchange(raw, '*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n');
  expect(await exchange(raw, '*3\r\n$5\r\nBLPOP\r\n$6\r\nnokey3\r\n$4\r\n0.05\r\n')).toBe('_\r\n');
  expect(await exchange(raw, '*6\r\n$6\r\nBLMOVE\r\n$6\r\nnokey3\r\n$1\r\nd\r\n$4\r\nLEFT\r\n$4\r\nLEFT\r\n$4\r\n0.05\r\n')).toBe('_\r\n');
  await exchange(raw, '*4\r\n$4\r\nZADD\r\n$2\r\nz3\r\n$3\r\n1.5\r\n$1\r\nm\r\n');
  expect(await exchange(raw, '*3\r\n$8\r\nBZPOPMIN\r\n$2\r\nz3\r\n$1\r\n0\r\n')).toBe('*3\r\n$2\r\nz3\r\n$1\r\nm\r\n,1.5\r\n');
  raw.close();
  const raw2 = await RawClient.connect(daemon.redisPort);
  expect(await exchange(raw2, '*3\r\n$5\r\nBLPOP\r\n$6\r\nnokey3\r\n$4\r\n0.05\r\n')).toBe('*-1\r\n');
  // Redis 7.0 times BLMOVE / BRPOPLPUSH out with a null array too.
  expect(await exchange(raw2, '*4\r\n$10\r\nBRPOPLPUSH\r\n$6\r\nnokey3\r\n$1\r\nd\r\n$4\r\n0.05\r\n')).toBe('*-1\r\n');
  raw2.close();
});

describe.each([3, 2] as const)('node-redis RESP %i', (protocol) => {
  let client: RedisClientType;
  let blocking: RedisClientType;

  beforeEach(async () => {
    const make = () => {
      const c = createClient({ socket: { port: daemon.redisPort, host: '127.0.0.1', reconnectStrategy: false }, RESP: protocol }) as unknown as RedisClientType;
      c.on('error', () => {});
      return c;
    };
    client = make();
    blocking = make();
    await client.connect();
    await blocking.connect();
  });

  afterEach(() => {
    client.destroy();
    blocking.destroy();
  });

  test('BLPOP released by LPUSH from another connection; BZPOPMIN; timeout', async () => {
    await client.del(['nr-list', 'nr-z']);
    const reply = blocking.blPop('nr-list', 0);
    await sleep(100);
    await client.lPush('nr-list', 'hi');
    expect(await reply).toEqual({ key: 'nr-list', element: 'hi' });
    const z = blocking.bzPopMin('nr-z', 0);
    await sleep(50);
    await client.zAdd('nr-z', { score: 2.5, value: 'm' });
    expect(await z).toEqual({ key: 'nr-z', value: 'm', score: 2.5 });
    expect(await blocking.blPop('nr-list', 0.05)).toBeNull();
  });
});
