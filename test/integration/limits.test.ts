/**
 * The hardening limits bite, and their `stats` counters move: over-long
 * request lines (memcached and RESP), too many keys in one get, a multi-get
 * whose reply would pass the output cap, a client that does not read what it
 * asked for (disconnected), pipelines deeper than the in-flight bound (held
 * back, conn_yields), and RESP bulk / multibulk lengths past their bounds.
 * (-c and --idle-timeout are proven in daemon-lifecycle and idle-timeout tests.)
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

async function stat(name: string): Promise<number> {
  const c = await RawClient.connect(daemon.port);
  try {
    const stats = await c.request('stats\r\n', 'END\r\n');
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
async function setBigValue(key: string): Promise<number> {
  const c = await RawClient.connect(daemon.port);
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

  test('a client that does not read ~200 MB of replies it pipelined is disconnected; output_buffer_kills counts it', async () => {
    await setBigValue('big2');
    const before = await stat('output_buffer_kills');
    const socket = net.connect(daemon.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.pause();
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write('get big2\r\n'.repeat(200));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    expect(await stat('output_buffer_kills')).toBe(before + 1);
    socket.destroy();
    // The daemon is fine.
    const c = await RawClient.connect(daemon.port);
    expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    c.close();
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
