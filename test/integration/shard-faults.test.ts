/**
 * A shard worker that throws, exits, runs out of heap, or hangs is replaced:
 * its in-flight requests get SERVER_ERROR (memcached) / -ERR (RESP) within a
 * bound, the other shard keeps serving (and keeps its data), and both
 * `stats shard_restarts` and the Prometheus counter count the restarts.
 *
 * The faults come from the test-only hook in shard-worker-loop.ts
 * (SHARDCACHE_TEST_FAULTS=1: a request for `__shardcache_fault__:<kind>`).
 * Runs the compiled daemon in-process (workers load dist/ JavaScript) so the
 * test can read the router and set the watchdog bound.
 */
import { freePort } from '../helpers/daemon';
import { startInProcessDaemon, type InProcessDaemon } from '../helpers/in-process-daemon';
import { RawClient } from '../helpers/raw-client';

const FAULT_PREFIX = '__shardcache_fault__:';
jest.setTimeout(60_000);

interface Running {
  daemon: InProcessDaemon;
  port: number;
  redisPort: number;
  adminPort: number;
  logged: string[];
  /** Keys living on each shard, set to `v<key>` before the fault. */
  keysByShard: string[][];
}

async function start(): Promise<Running> {
  process.env['SHARDCACHE_TEST_FAULTS'] = '1';
  const [port, redisPort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const { daemon, warnings: logged } = await startInProcessDaemon({ port, redisPort, adminPort });
  const keysByShard: string[][] = [[], []];
  const c = await RawClient.connect(port);
  for (let i = 0; keysByShard[0]!.length < 20 || keysByShard[1]!.length < 20; i++) {
    const key = `k${i}`;
    keysByShard[daemon.router.shardIndexFor(Buffer.from(key))]!.push(key);
    expect(await c.request(`set ${key} 0 0 ${key.length + 1}\r\nv${key}\r\n`)).toBe('STORED\r\n');
  }
  c.close();
  return { daemon, port, redisPort, adminPort, logged, keysByShard };
}

function shardOf(r: Running, key: string): number {
  return r.daemon.router.shardIndexFor(Buffer.from(key));
}

async function statValue(port: number, name: string): Promise<number> {
  const c = await RawClient.connect(port);
  try {
    const stats = await c.request('stats\r\n', 'END\r\n');
    return Number(new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(stats)?.[1] ?? NaN);
  } finally {
    c.close();
  }
}

async function metricValue(adminPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Every key of `shard` answers with its value (a fresh connection, so nothing waits behind a fault). */
async function expectShardServes(r: Running, shard: number, timeoutMs: number): Promise<void> {
  const c = await RawClient.connect(r.port);
  try {
    const keys = r.keysByShard[shard]!;
    const started = Date.now();
    const reply = await c.request(`get ${keys.join(' ')}\r\n`, 'END\r\n', timeoutMs);
    expect(Date.now() - started).toBeLessThan(timeoutMs);
    for (const key of keys) expect(reply).toContain(`VALUE ${key} 0 ${key.length + 1}\r\nv${key}\r\n`);
  } finally {
    c.close();
  }
}

/** The faulted shard is back: it stores and reads again (empty, as a fresh worker). */
async function expectShardBack(r: Running, shard: number): Promise<void> {
  const c = await RawClient.connect(r.port);
  try {
    const key = r.keysByShard[shard]![0]!;
    expect(await c.request(`set ${key} 0 0 5\r\nfresh\r\n`, '\r\n', 10_000)).toBe('STORED\r\n');
    expect(await c.request(`get ${key}\r\n`, 'END\r\n')).toBe(`VALUE ${key} 0 5\r\nfresh\r\nEND\r\n`);
  } finally {
    c.close();
  }
}

describe('shard faults', () => {
  afterAll(() => {
    delete process.env['SHARDCACHE_TEST_FAULTS'];
  });

  test.each([
    ['throws', 'throw', 'exited'],
    ['exits', 'exit', 'exited'],
    ['runs out of heap', 'oom', 'reaching memory limit'],
  ])('a shard that %s is replaced; its request fails, the other shard keeps its data', async (_what, fault, logMark) => {
    const r = await start();
    try {
      const key = FAULT_PREFIX + fault;
      const faulted = shardOf(r, key);
      const c = await RawClient.connect(r.port);
      const started = Date.now();
      // The fault request and a request behind it on the same shard both fail, promptly.
      const reply = await c.request(`get ${key}\r\nget ${r.keysByShard[faulted]![1]}\r\n`, 'lost\r\n', 20_000);
      expect(reply).toBe('SERVER_ERROR shard restarted, request lost\r\n'.repeat(2));
      expect(Date.now() - started).toBeLessThan(15_000);
      c.close();

      await expectShardServes(r, 1 - faulted, 2000);
      await expectShardBack(r, faulted);
      expect(await statValue(r.port, 'shard_restarts')).toBe(1);
      expect(await metricValue(r.adminPort, 'shardcache_shard_restarts_total')).toBe(1);
      expect(r.logged.join('\n')).toContain(logMark);
    } finally {
      await r.daemon.stop();
    }
  });

  test('a hung shard is terminated by the watchdog: in-flight requests fail within the bound, the other shard serves throughout', async () => {
    const r = await start();
    try {
      const boundMs = 1000;
      r.daemon.pool.setBatchTimeoutMs(boundMs);
      const key = FAULT_PREFIX + 'hang';
      const faulted = shardOf(r, key);
      const memcache = await RawClient.connect(r.port);
      const redis = await RawClient.connect(r.redisPort);
      const started = Date.now();
      memcache.send(`get ${key}\r\nget ${r.keysByShard[faulted]![1]}\r\n`);
      // Give the worker time to enter its loop, then queue a RESP request behind it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const redisKey = r.keysByShard[faulted]![2]!;
      redis.send(`GET ${redisKey}\r\n`);

      // While it hangs, the other shard answers at once.
      await expectShardServes(r, 1 - faulted, 500);

      const memcacheReply = await memcache.readUntil((b) => b.toString().split('lost\r\n').length === 3, 10_000);
      expect(memcacheReply.toString()).toBe('SERVER_ERROR shard restarted, request lost\r\n'.repeat(2));
      const redisReply = (await redis.readUntil((b) => b.includes('\r\n'), 10_000)).toString();
      expect(redisReply).toMatch(/^-ERR [^\r\n]+\r\n$/);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(boundMs);
      expect(elapsed).toBeLessThan(boundMs * 1.25 + 2000);
      memcache.close();
      redis.close();

      await expectShardBack(r, faulted);
      expect(await statValue(r.port, 'shard_restarts')).toBe(1);
      expect(await metricValue(r.adminPort, 'shardcache_shard_restarts_total')).toBe(1);
      expect(r.logged.join('\n')).toMatch(/answered nothing for \d+ ms/);
    } finally {
      await r.daemon.stop();
    }
  });

  test('a healthy shard under a long batch is not mistaken for a hung one', async () => {
    const r = await start();
    try {
      r.daemon.pool.setBatchTimeoutMs(300);
      const c = await RawClient.connect(r.port);
      // Many 512 KiB values: real work per batch, far under the bound.
      const value = 'x'.repeat(512 * 1024);
      let pipeline = '';
      for (let i = 0; i < 40; i++) pipeline += `set big${i} 0 0 ${value.length}\r\n${value}\r\n`;
      const replies = await c.requestExpecting(pipeline, 'STORED\r\n'.repeat(40), 20_000);
      expect(replies).toBe('STORED\r\n'.repeat(40));
      c.close();
      expect(await statValue(r.port, 'shard_restarts')).toBe(0);
    } finally {
      await r.daemon.stop();
    }
  });
});
