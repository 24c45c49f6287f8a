/**
 * `stats reset` (text) and Stat "reset" (binary) zero the totals in every
 * shard and in the front end, and leave what is stored (curr_items, bytes).
 */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

async function stats(client: RawClient): Promise<Map<string, string>> {
  const text = await client.request('stats\r\n', 'END\r\n');
  return new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('stats reset', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['-t', '2']);
  });
  afterAll(() => daemon.stop());

  it('zeroes hits, misses, sets, totals and bytes counters, keeps curr_items and bytes', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      for (let i = 0; i < 20; i++) await client.requestExpecting(`set k${i} 0 0 1\r\nx\r\n`, 'STORED\r\n');
      await client.request('get k1 k2 nope\r\n', 'END\r\n');
      await client.requestExpecting('delete k3\r\n', 'DELETED\r\n');
      const before = await stats(client);
      expect(Number(before.get('get_hits'))).toBe(2);
      expect(Number(before.get('total_items'))).toBe(20);
      expect(await client.request('stats reset\r\n')).toBe('RESET\r\n');
      const after = await stats(client);
      for (const name of ['cmd_get', 'cmd_set', 'get_hits', 'get_misses', 'delete_hits', 'total_items', 'total_connections']) {
        expect([name, after.get(name)]).toEqual([name, '0']);
      }
      // bytes_read counts the `stats` request that follows the reset.
      expect(Number(after.get('bytes_read'))).toBeLessThan(Number(before.get('bytes_read')));
      expect(after.get('curr_items')).toBe('19');
      expect(after.get('bytes')).toBe(before.get('bytes'));
      expect(after.get('curr_connections')).toBe(before.get('curr_connections'));
    } finally {
      client.close();
    }
  });
});
