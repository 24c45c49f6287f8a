import { AdminServer, type HealthSource } from '../../../src/admin/admin-server';
import { DaemonMetrics } from '../../../src/admin/metrics';

describe('AdminServer health answers', () => {
  let notReady: string | null = null;
  let shardProblem: string | null = null;
  let statsFail = false;
  const health: HealthSource = {
    shardsAnswer: async () => shardProblem,
    notReadyReason: () => notReady,
  };
  const metrics = new DaemonMetrics({
    collectStats: async () => {
      if (statsFail) throw new Error('a shard did not answer');
      return [['version', '1.6.18'], ['curr_items', 3]];
    },
    shardMetrics: async () => [],
  });
  const admin = new AdminServer(metrics, health);
  let base = '';

  beforeAll(async () => {
    base = `http://127.0.0.1:${await admin.listen('127.0.0.1', 0)}`;
  });
  afterAll(() => admin.close());

  it('says 503 with the reason while starting or draining, 200 when ready', async () => {
    notReady = 'draining';
    let r = await fetch(`${base}/readyz`);
    expect([r.status, await r.text()]).toEqual([503, 'draining\n']);
    notReady = null;
    r = await fetch(`${base}/readyz`);
    expect([r.status, await r.text()]).toEqual([200, 'ready\n']);
  });

  it('says 503 when a shard does not answer', async () => {
    shardProblem = 'a shard did not answer within 1000 ms';
    const r = await fetch(`${base}/healthz`);
    expect([r.status, await r.text()]).toEqual([503, 'a shard did not answer within 1000 ms\n']);
    shardProblem = null;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('reports memcached_up 0 when the stats cannot be gathered, and 1 again after', async () => {
    statsFail = true;
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^memcached_up 0$/m);
    statsFail = false;
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^memcached_up 1$/m);
    expect(text).toMatch(/^memcached_current_items 3$/m);
  });
});
