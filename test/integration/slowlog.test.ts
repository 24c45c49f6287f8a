/**
 * The slow log, shared by both ports: SLOWLOG GET/LEN/RESET and CONFIG
 * GET/SET slowlog-* on the Redis port (Redis's entry shape and truncation),
 * `stats slowlog` on the memcached port. A command's time runs from dispatch
 * until its reply is ready: a GET waits for a shard (> 0 µs), a PING is
 * answered at once (0 µs), which is what these tests lean on.
 */
import Redis from 'ioredis';
import { startRespDaemon, type RespDaemon } from '../compat/resp/resp-daemon';
import { freePort } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

type Entry = [number, number, number, string[], string, string];

describe('slow log', () => {
  let daemon: RespDaemon;
  let redis: Redis;

  beforeAll(async () => {
    daemon = await startRespDaemon(['-t', '2', '--slowlog-threshold-us', '1', '--slowlog-max-len', '50']);
    redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', connectionName: 'obs-client', maxRetriesPerRequest: 0 });
  });

  afterAll(async () => {
    redis.disconnect();
    await daemon.stop();
  });

  beforeEach(async () => {
    await redis.config('SET', 'slowlog-log-slower-than', '1');
    await redis.call('SLOWLOG', 'RESET');
  });

  async function entries(): Promise<Entry[]> {
    return (await redis.call('SLOWLOG', 'GET', '-1')) as Entry[];
  }

  it("logs commands that waited on a shard with Redis's entry shape, not those answered at once", async () => {
    const before = Math.floor(Date.now() / 1000);
    await redis.ping();
    await redis.set('k', 'v');
    expect(await redis.get('k')).toBe('v');
    const logged = await entries();
    const commands = logged.map((e) => e[3].join(' '));
    expect(commands).toContain('set k v');
    expect(commands).toContain('get k');
    expect(commands).not.toContain('ping');
    const get = logged.find((e) => e[3].join(' ') === 'get k')!;
    const [id, time, micros, , addr, name] = get;
    expect(Number.isInteger(id)).toBe(true);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(micros).toBeGreaterThanOrEqual(1);
    expect(addr).toBe(`127.0.0.1:${redis.stream.localPort}`);
    expect(name).toBe('obs-client');
    // Newest first.
    expect(logged.map((e) => e[0])).toEqual([...logged.map((e) => e[0])].sort((a, b) => b - a));
    expect(await redis.call('SLOWLOG', 'LEN')).toBe(logged.length);
    expect(((await redis.call('SLOWLOG', 'GET', '1')) as Entry[]).map((e) => e[0])).toEqual([logged[0]![0]]);
  });

  it("truncates arguments by Redis's rules (32 arguments, 128 bytes each)", async () => {
    const pairs: string[] = [];
    for (let i = 0; i < 20; i++) pairs.push(`key${i}`, i === 0 ? 'v'.repeat(200) : `v${i}`);
    await redis.mset(...pairs);
    const mset = (await entries()).find((e) => e[3][0] === 'mset')!;
    expect(mset[3]).toHaveLength(32);
    expect(mset[3][2]).toBe('v'.repeat(128) + '... (72 more bytes)');
    expect(mset[3][30]).toBe(pairs[29]);
    expect(mset[3][31]).toBe('... (10 more arguments)');
  });

  it('CONFIG SET changes the threshold and length for everyone; 0 logs every command, -1 none', async () => {
    expect(await redis.config('GET', 'slowlog*')).toEqual(['slowlog-log-slower-than', '1', 'slowlog-max-len', '50']);
    await redis.config('SET', 'slowlog-log-slower-than', '0');
    await redis.ping();
    expect((await entries()).map((e) => e[3].join(' '))).toContain('ping');
    await redis.config('SET', 'slowlog-log-slower-than', '-1');
    await redis.call('SLOWLOG', 'RESET');
    await redis.get('k');
    expect(await entries()).toEqual([]);
    await expect(redis.config('SET', 'slowlog-log-slower-than', '-2')).rejects.toThrow(
      "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive",
    );
    // Another connection sees the same setting.
    const other = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      expect(await other.config('GET', 'slowlog-log-slower-than')).toEqual(['slowlog-log-slower-than', '-1']);
    } finally {
      other.disconnect();
    }
    await redis.config('SET', 'slowlog-log-slower-than', '1', 'slowlog-max-len', '2');
    for (let i = 0; i < 5; i++) await redis.get(`k${i}`);
    expect(await redis.call('SLOWLOG', 'LEN')).toBe(2);
    await redis.config('SET', 'slowlog-max-len', '50');
  });

  it('keeps memcached commands in the same log, shown by `stats slowlog`', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      await client.requestExpecting('set mk 0 0 2\r\nhi\r\n', 'STORED\r\n');
      await client.request('get mk other\r\n', 'END\r\n');
      const text = await client.request('stats slowlog\r\n', 'END\r\n');
      const stats = new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
      expect(stats.get('slowlog_threshold_us')).toBe('1');
      expect(stats.get('slowlog_max_len')).toBe('50');
      const commands = [...stats].filter(([k]) => /^slowlog:\d+:command$/.test(k)).map(([, v]) => v);
      expect(commands).toEqual(expect.arrayContaining(['set mk 0 0 2', 'get mk other']));
      const getId = [...stats].find(([k, v]) => k.endsWith(':command') && v === 'get mk other')![0].split(':')[1];
      expect(Number(stats.get(`slowlog:${getId}:duration_us`))).toBeGreaterThanOrEqual(1);
      expect(Number(stats.get(`slowlog:${getId}:time`))).toBeGreaterThan(0);
      // And the Redis port sees them.
      expect((await entries()).map((e) => e[3].join(' '))).toContain('get mk other');
    } finally {
      client.close();
    }
  });
});

describe('slow log metrics', () => {
  it('exports entries made and the current length', async () => {
    const adminPort = await freePort();
    const daemon = await startRespDaemon(['-t', '1', '--slowlog-threshold-us', '1', '--admin-port', String(adminPort)]);
    const redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await redis.call('SLOWLOG', 'RESET');
      for (let i = 0; i < 3; i++) await redis.get(`m${i}`);
      let metrics = '';
      for (let i = 0; i < 100 && !metrics.includes('shardcache_slowlog_length'); i++) {
        metrics = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then((r) => r.text(), () => '');
        if (!metrics.includes('shardcache_slowlog_length')) await new Promise((r) => setTimeout(r, 50));
      }
      expect(Number(/^shardcache_slowlog_entries_total (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
      expect(Number(/^shardcache_slowlog_length (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
      expect(metrics).toMatch(/^shardcache_connection_errors_total \d+$/m);
    } finally {
      redis.disconnect();
      await daemon.stop();
    }
  });
});
