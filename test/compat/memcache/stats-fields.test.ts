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
    } finally {
      client.close();
    }
  });
});
