/** Eviction under a small -m with several shards: memory stays within the limit and recent keys survive. */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
beforeAll(async () => {
  daemon = await startDaemon(['-m', '8', '-t', '4']);
});
afterAll(async () => {
  await daemon.stop();
});

function stat(stats: string, name: string): number {
  const m = new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(stats);
  if (m === null) throw new Error(`no ${name} in stats`);
  return Number(m[1]);
}

describe('evictions', () => {
  it('writing 3x the limit evicts, keeps bytes under -m, and keeps recent keys', async () => {
    const c = await RawClient.connect(daemon.port);
    const limit = 8 * 1024 * 1024;
    const value = 'v'.repeat(1000);
    const total = Math.ceil((3 * limit) / 1000);
    const batch = 500;
    for (let start = 0; start < total; start += batch) {
      let cmd = '';
      const end = Math.min(total, start + batch);
      for (let i = start; i < end; i++) cmd += `set key:${i} 0 0 ${value.length}\r\n${value}\r\n`;
      const expected = 'STORED\r\n'.repeat(end - start);
      const reply = await c.requestExpecting(cmd, expected, 20000);
      expect(reply).toBe(expected);
    }
    const stats = await c.request('stats\r\n', 'END\r\n');
    expect(stat(stats, 'limit_maxbytes')).toBe(limit);
    expect(stat(stats, 'bytes')).toBeLessThanOrEqual(limit);
    expect(stat(stats, 'evictions')).toBeGreaterThan(0);
    expect(stat(stats, 'curr_items')).toBeLessThan(total);
    for (let i = total - 100; i < total; i++) {
      expect(await c.request(`get key:${i}\r\n`, 'END\r\n')).toBe(`VALUE key:${i} 0 1000\r\n${value}\r\nEND\r\n`);
    }
    expect(await c.request('get key:0\r\n', 'END\r\n')).toBe('END\r\n');
    c.close();
  });
});
