/**
 * Fields monitoring tools read from `stats`, `stats settings` and `stats items`
 * (the Prometheus memcached exporter fails a scrape when one is missing):
 * present, numeric where memcached's are, and moving where they count
 * something we do (the crawler, LRU age).
 */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

async function statsOf(client: RawClient, args = ''): Promise<Map<string, string>> {
  const text = await client.request(`stats${args}\r\n`, 'END\r\n');
  return new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('stats fields for monitoring tools', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['-t', '1']);
  });
  afterAll(() => daemon.stop());

  it('has the general, settings and items fields the memcached exporter parses', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      for (let i = 0; i < 50; i++) await client.requestExpecting(`set k${i} 0 0 1\r\nx\r\n`, 'STORED\r\n');
      // Let a few crawler slices (every 100 ms) and a second of LRU age pass.
      await new Promise((r) => setTimeout(r, 1300));
      const general = await statsOf(client);
      for (const name of ['listen_disabled_num', 'direct_reclaims', 'moves_to_cold', 'moves_to_warm', 'moves_within_lru', 'crawler_items_checked', 'lru_crawler_starts']) {
        expect([name, general.get(name)]).toEqual([name, expect.stringMatching(/^\d+$/)]);
      }
      expect(general.get('rusage_user')).toMatch(/^\d+\.\d{6}$/);
      expect(Number(general.get('crawler_items_checked'))).toBeGreaterThanOrEqual(50);
      expect(Number(general.get('lru_crawler_starts'))).toBeGreaterThanOrEqual(1);

      const settings = await statsOf(client, ' settings');
      for (const name of ['maxconns', 'lru_crawler_sleep', 'lru_crawler_tocrawl', 'hot_lru_pct', 'warm_lru_pct', 'hot_max_factor', 'warm_max_factor']) {
        expect([name, settings.get(name)]).toEqual([name, expect.stringMatching(/^\d+(\.\d+)?$/)]);
      }
      expect(settings.get('lru_crawler')).toBe('yes');
      expect(settings.get('lru_maintainer_thread')).toBe('no');

      const items = await statsOf(client, ' items');
      const cls = [...items.keys()].find((k) => /^items:\d+:number$/.test(k))!.split(':')[1];
      expect(items.get(`items:${cls}:number`)).toBe('50');
      expect(items.get(`items:${cls}:number_cold`)).toBe('50');
      expect(Number(items.get(`items:${cls}:age`))).toBeGreaterThanOrEqual(1);
      expect(items.get(`items:${cls}:hits_to_cold`)).toBe('0');

      // Per-class command counters, as `stats slabs` reports them and the exporter reads them.
      expect(await client.request('get k1 k2 nope\r\n', 'END\r\n')).toContain('VALUE k2');
      await client.requestExpecting('delete k3\r\n', 'DELETED\r\n');
      await client.requestExpecting('touch k4 100\r\n', 'TOUCHED\r\n');
      const gets = await client.request('gets k5\r\n', 'END\r\n');
      const cas = /VALUE k5 0 1 (\d+)/.exec(gets)![1];
      await client.requestExpecting(`cas k5 0 0 1 ${cas}\r\ny\r\n`, 'STORED\r\n');
      await client.requestExpecting(`cas k5 0 0 1 ${cas}\r\nz\r\n`, 'EXISTS\r\n');
      await client.requestExpecting('set n 0 0 1\r\n5\r\n', 'STORED\r\n');
      await client.requestExpecting('incr n 2\r\n', '7\r\n');
      await client.requestExpecting('decr n 1\r\n', '6\r\n');
      const slabs = await statsOf(client, ' slabs');
      const sum = (field: string): number =>
        [...slabs].filter(([k]) => k.endsWith(`:${field}`) && /^\d+:/.test(k)).reduce((n, [, v]) => n + Number(v), 0);
      expect({
        get_hits: sum('get_hits'),
        cmd_set: sum('cmd_set'),
        delete_hits: sum('delete_hits'),
        touch_hits: sum('touch_hits'),
        cas_hits: sum('cas_hits'),
        cas_badval: sum('cas_badval'),
        incr_hits: sum('incr_hits'),
        decr_hits: sum('decr_hits'),
      }).toEqual({ get_hits: 3, cmd_set: 52, delete_hits: 1, touch_hits: 1, cas_hits: 1, cas_badval: 1, incr_hits: 1, decr_hits: 1 });
      expect(slabs.get(`${cls}:free_chunks_end`)).toMatch(/^\d+$/);
      const itemsAfter = await statsOf(client, ' items');
      expect(Number(itemsAfter.get(`items:${cls}:hits_to_cold`))).toBe(3);
    } finally {
      client.close();
    }
  });
});

describe('stats conns', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['-t', '1']);
  });
  afterAll(() => daemon.stop());

  it("lists the listener and every connection in memcached's fields", async () => {
    const idle = await RawClient.connect(daemon.port);
    const client = await RawClient.connect(daemon.port);
    try {
      await idle.requestExpecting('version\r\n', `VERSION 1.6.18\r\n`);
      await new Promise((r) => setTimeout(r, 1300));
      const conns = await statsOf(client, ' conns');
      const ids = new Set([...conns.keys()].map((k) => k.split(':')[0]));
      const listening = [...ids].filter((id) => conns.get(`${id}:state`) === 'conn_listening');
      expect(listening).toHaveLength(1);
      expect(conns.get(`${listening[0]}:addr`)).toBe(`tcp:127.0.0.1:${daemon.port}`);
      const clients = [...ids].filter((id) => conns.get(`${id}:state`) !== 'conn_listening');
      expect(clients).toHaveLength(2);
      for (const id of clients) {
        expect(conns.get(`${id}:addr`)).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
        expect(conns.get(`${id}:listen_addr`)).toBe(`tcp:127.0.0.1:${daemon.port}`);
        expect(conns.get(`${id}:state`)).toMatch(/^conn_(waiting|mwrite)$/);
      }
      // The idle one last did something over a second ago.
      expect(Math.max(...clients.map((id) => Number(conns.get(`${id}:secs_since_last_cmd`))))).toBeGreaterThanOrEqual(1);
    } finally {
      idle.close();
      client.close();
    }
  });
});
