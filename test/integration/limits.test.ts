/**
 * The hardening limits bite, and their `stats` counters move: over-long
 * request lines (memcached and RESP), too many keys in one get, a multi-get
 * whose reply would pass the output cap, a client that does not read what it
 * asked for (disconnected), pipelines deeper than the in-flight bound (held
 * back, conn_yields), and RESP bulk / multibulk lengths past their bounds.
 * Then each limit's flag, set small on a second daemon: --max-keys-per-get,
 * --max-output-buffer, --proto-max-bulk-len, --max-multibulk-len and
 * --shard-timeout bite at the value given and show in `stats settings`.
 * (-c and --idle-timeout are proven in daemon-lifecycle and idle-timeout tests;
 * the shard reply budget in reply-budget.test.ts.)
 */
import net from 'node:net';
import { startDaemon, freePort, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

jest.setTimeout(60_000);

let daemon: RunningDaemon;
let redisPort: number;

beforeAll(async () => {
  redisPort = await freePort();
  daemon = await startDaemon(['-t', '2', '-m', '64', '--redis-port', String(redisPort)]);
});

afterAll(async () => {
  await daemon.stop();
});

async function stat(name: string, port = daemon.port, group = ''): Promise<number> {
  const c = await RawClient.connect(port);
  try {
    const stats = await c.request(`stats${group}\r\n`, 'END\r\n');
    const m = new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(stats);
    if (m === null) throw new Error(`no STAT ${name}`);
    return Number(m[1]);
  } finally {
    c.close();
  }
}

async function closedWithin(c: RawClient, ms: number): Promise<boolean> {
  await c.readUntil(() => false, ms);
  return c.closed;
}

/** A value just under -I 1m, set on `key`. */
async function setBigValue(key: string, port = daemon.port): Promise<number> {
  const c = await RawClient.connect(port);
  const length = 1000 * 1000;
  expect(await c.request(Buffer.concat([Buffer.from(`set ${key} 0 0 ${length}\r\n`), Buffer.alloc(length, 0x62), Buffer.from('\r\n')]))).toBe('STORED\r\n');
  c.close();
  return length;
}

describe('request line limits', () => {
  test('a memcached line over 2048 bytes without a newline closes the connection; line_too_long counts it', async () => {
    const before = await stat('line_too_long');
    const c = await RawClient.connect(daemon.port);
    c.send(`set ${'x'.repeat(3000)}`);
    expect(await closedWithin(c, 2000)).toBe(true);
    expect(await stat('line_too_long')).toBe(before + 1);
  });

  test('a RESP inline request over 64 KiB is refused and closed; resp_protocol_errors counts it', async () => {
    const before = await stat('resp_protocol_errors');
    const c = await RawClient.connect(redisPort);
    c.send(`GET ${'x'.repeat(70 * 1024)}`);
    const reply = (await c.readUntil(() => false, 2000)).toString();
    expect(reply).toBe('-ERR Protocol error: too big inline request\r\n');
    expect(c.closed).toBe(true);
    expect(await stat('resp_protocol_errors')).toBe(before + 1);
  });
});

describe('keys per multi-get', () => {
  test('a get of more than 100,000 keys answers CLIENT_ERROR too many keys and keeps the connection; too_many_keys counts it', async () => {
    const before = await stat('too_many_keys');
    const c = await RawClient.connect(daemon.port);
    expect(await c.request(`get${' k'.repeat(100_001)}\r\n`)).toBe('CLIENT_ERROR too many keys\r\n');
    expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    c.close();
    expect(await stat('too_many_keys')).toBe(before + 1);
  });
});

describe('output limits', () => {
  test('a multi-get whose hits pass 64 MiB answers memcached\'s out-of-memory error instead of building it; reply_too_large counts it', async () => {
    const length = await setBigValue('big');
    const before = await stat('reply_too_large');
    const c = await RawClient.connect(daemon.port);
    // 70 hits of ~1 MB: 70 MB asked for by a 300-byte request.
    expect(await c.request(`get${' big'.repeat(70)}\r\n`, '\r\n', 10_000)).toBe('SERVER_ERROR out of memory writing get response\r\n');
    // Under the cap the same request is served in full.
    const reply = await c.requestExpecting(`get${' big'.repeat(5)}\r\n`, 'x'.repeat(5 * (length + 23) + 5), 10_000);
    expect(reply.endsWith('END\r\n')).toBe(true);
    expect(reply.split('VALUE big 0 1000000\r\n')).toHaveLength(6);
    c.close();
    expect(await stat('reply_too_large')).toBe(before + 1);
  });

  test('a pipeline deeper than the in-flight bound is held back, not refused; conn_yields counts it', async () => {
    const before = await stat('conn_yields');
    const c = await RawClient.connect(daemon.port);
    const n = 5000;
    const replies = await c.requestExpecting('get nosuchkey\r\n'.repeat(n), 'END\r\n'.repeat(n), 20_000);
    expect(replies).toBe('END\r\n'.repeat(n));
    c.close();
    expect(await stat('conn_yields')).toBeGreaterThan(before);
  });
});

describe('RESP length limits', () => {
  test.each([
    ['bulk length past max item size + 64 KiB', `*2\r\n$3\r\nGET\r\n$${1024 * 1024 + 64 * 1024 + 1}\r\n`, '-ERR Protocol error: invalid bulk length\r\n'],
    ['multibulk count past 1,048,576', `*${1024 * 1024 + 1}\r\n`, '-ERR Protocol error: invalid multibulk length\r\n'],
  ])('a %s is refused and closed; resp_protocol_errors counts it', async (_what, request, expected) => {
    const before = await stat('resp_protocol_errors');
    const c = await RawClient.connect(redisPort);
    c.send(request);
    expect((await c.readUntil(() => false, 1500)).toString()).toBe(expected);
    expect(c.closed).toBe(true);
    expect(await stat('resp_protocol_errors')).toBe(before + 1);
  });
});

describe('limit flags, set small', () => {
  let small: RunningDaemon;
  let smallRedisPort: number;

  beforeAll(async () => {
    smallRedisPort = await freePort();
    small = await startDaemon(
      [
        '-t', '2', '-m', '64', '--redis-port', String(smallRedisPort),
        '--max-keys-per-get', '30', '--max-output-buffer', '16m', '--proto-max-bulk-len', '4k',
        '--max-multibulk-len', '32', '--shard-timeout', '1',
      ],
      // The hung-shard fault of shard-worker-loop.ts, for --shard-timeout.
      { SHARDCACHE_TEST_FAULTS: '1' },
    );
  });

  afterAll(async () => {
    await small.stop();
  });

  test('stats settings shows each limit', async () => {
    expect(await stat('shard_timeout', small.port, ' settings')).toBe(1);
    expect(await stat('max_output_buffer', small.port, ' settings')).toBe(16 * 1024 * 1024);
    expect(await stat('max_keys_per_get', small.port, ' settings')).toBe(30);
    expect(await stat('proto_max_bulk_len', small.port, ' settings')).toBe(4096);
    expect(await stat('max_multibulk_len', small.port, ' settings')).toBe(32);
    // The defaults, on the first daemon.
    expect(await stat('shard_timeout', daemon.port, ' settings')).toBe(10);
    expect(await stat('max_output_buffer', daemon.port, ' settings')).toBe(64 * 1024 * 1024);
    expect(await stat('max_keys_per_get', daemon.port, ' settings')).toBe(100_000);
    expect(await stat('proto_max_bulk_len', daemon.port, ' settings')).toBe(1024 * 1024 + 64 * 1024);
    expect(await stat('max_multibulk_len', daemon.port, ' settings')).toBe(1024 * 1024);
  });

  test('--max-keys-per-get 30: a get of 31 keys is refused, 30 are served; too_many_keys counts it', async () => {
    const before = await stat('too_many_keys', small.port);
    const c = await RawClient.connect(small.port);
    expect(await c.request(`get${' k'.repeat(31)}\r\n`)).toBe('CLIENT_ERROR too many keys\r\n');
    expect(await c.request(`get${' k'.repeat(30)}\r\n`)).toBe('END\r\n');
    c.close();
    expect(await stat('too_many_keys', small.port)).toBe(before + 1);
  });

  test('--max-output-buffer 16m: a multi-get of 20 MB answers out of memory, 10 MB is served; reply_too_large counts it', async () => {
    const length = await setBigValue('big', small.port);
    const before = await stat('reply_too_large', small.port);
    const c = await RawClient.connect(small.port);
    // Under the shard's own reply budget (32 MiB): the connection's limit is what bites.
    expect(await c.request(`get${' big'.repeat(20)}\r\n`, '\r\n', 10_000)).toBe('SERVER_ERROR out of memory writing get response\r\n');
    const reply = await c.requestExpecting(`get${' big'.repeat(10)}\r\n`, 'x'.repeat(10 * (length + 23) + 5), 10_000);
    expect(reply.split('VALUE big 0 1000000\r\n')).toHaveLength(11);
    expect(reply.endsWith('END\r\n')).toBe(true);
    c.close();
    expect(await stat('reply_too_large', small.port)).toBe(before + 1);
  });

  test('--max-output-buffer 16m: a client that does not read the ~200 MB it pipelined is disconnected; output_buffer_kills counts it', async () => {
    // At the default 64m one shard's reply budget (32 MiB) plus backpressure keeps a
    // non-reader under the limit; at 16m one batch of its replies passes it.
    await setBigValue('big2', small.port);
    const before = await stat('output_buffer_kills', small.port);
    const socket = net.connect(small.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write('get big2\r\n'.repeat(200));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    expect(await stat('output_buffer_kills', small.port)).toBe(before + 1);
    socket.destroy();
    // The daemon is fine.
    const c = await RawClient.connect(small.port);
    expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    c.close();
  });

  test('--proto-max-bulk-len 4k: a 4097-byte bulk is refused and closed, 4096 bytes are stored; resp_protocol_errors counts it', async () => {
    const before = await stat('resp_protocol_errors', small.port);
    const ok = await RawClient.connect(smallRedisPort);
    expect(await ok.request(`*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$4096\r\n${'v'.repeat(4096)}\r\n`)).toBe('+OK\r\n');
    ok.close();
    const c = await RawClient.connect(smallRedisPort);
    c.send('*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$4097\r\n');
    expect((await c.readUntil(() => false, 1500)).toString()).toBe('-ERR Protocol error: invalid bulk length\r\n');
    expect(c.closed).toBe(true);
    expect(await stat('resp_protocol_errors', small.port)).toBe(before + 1);
  });

  test('--max-multibulk-len 32: 33 arguments are refused and closed, 32 are served; resp_protocol_errors counts it', async () => {
    const before = await stat('resp_protocol_errors', small.port);
    const ok = await RawClient.connect(smallRedisPort);
    const mget = (keys: number): string => `*${keys + 1}\r\n$4\r\nMGET\r\n${'$1\r\nk\r\n'.repeat(keys)}`;
    expect(await ok.request(mget(31))).toBe(`*31\r\n${'$-1\r\n'.repeat(31)}`);
    ok.close();
    const c = await RawClient.connect(smallRedisPort);
    c.send(mget(32));
    expect((await c.readUntil(() => false, 1500)).toString()).toBe('-ERR Protocol error: invalid multibulk length\r\n');
    expect(c.closed).toBe(true);
    expect(await stat('resp_protocol_errors', small.port)).toBe(before + 1);
  });

  test('--shard-timeout 1: a hung shard is replaced within the bound and its request fails; shard_restarts counts it', async () => {
    const before = await stat('shard_restarts', small.port);
    const c = await RawClient.connect(small.port);
    const started = Date.now();
    expect(await c.request('get __shardcache_fault__:hang\r\n', '\r\n', 10_000)).toBe('SERVER_ERROR shard restarted, request lost\r\n');
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(1250 + 2000);
    expect(await c.request('get k\r\n', '\r\n', 5000)).toBe('END\r\n');
    c.close();
    expect(await stat('shard_restarts', small.port)).toBe(before + 1);
  });
});
