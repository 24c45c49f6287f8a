/**
 * Hot keys: every shard counts its most requested keys (Space-Saving, bounded
 * memory); the main thread merges them for `stats hotkeys`, `INFO hotkeys` and
 * the shardcache_hotkeys_top_share metric.
 */
import Redis from 'ioredis';
import { startRespDaemon, type RespDaemon } from '../compat/resp/resp-daemon';
import { freePort, startDaemon } from '../helpers/daemon';
import { mulberry32 } from '../helpers/prng';
import { RawClient } from '../helpers/raw-client';

const HOT_KEY = 'user:hot';

async function statsOf(client: RawClient, sub: string): Promise<Map<string, string>> {
  const text = await client.request(`stats ${sub}\r\n`, 'END\r\n');
  return new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** `ops` gets over 100k keys, one in five on HOT_KEY, sent as multi-gets of 100 keys. */
async function sendTraffic(client: RawClient, ops: number): Promise<void> {
  const random = mulberry32(2024);
  for (let sent = 0; sent < ops; sent += 100) {
    const keys: string[] = [];
    for (let i = 0; i < 100; i++) keys.push(random() < 0.2 ? HOT_KEY : `user:${Math.floor(random() * 100_000)}`);
    await client.request(`get ${keys.join(' ')}\r\n`, 'END\r\n');
  }
}

describe('hot keys', () => {
  let daemon: RespDaemon;
  let adminPort: number;

  beforeAll(async () => {
    adminPort = await freePort();
    daemon = await startRespDaemon(['-t', '2', '--admin-port', String(adminPort)]);
  });
  afterAll(() => daemon.stop());

  it('finds the key that gets 20% of the traffic among 100k keys, on every surface', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      // More than a shard counts exactly (65536 ops): the sampled part is exercised too.
      const ops = 200_000;
      await sendTraffic(client, ops);
      const stats = await statsOf(client, 'hotkeys');
      expect(stats.get('hotkey:1:key')).toBe(HOT_KEY);
      const share = Number(stats.get('hotkey:1:share'));
      expect(share).toBeGreaterThan(0.17);
      expect(share).toBeLessThan(0.23);
      expect(Math.abs(Number(stats.get('hotkeys_ops')) - ops) / ops).toBeLessThan(0.05);
      expect(Number(stats.get('hotkey:1:count'))).toBeGreaterThan(ops * 0.17);
      // The runner-up is background: a tiny share.
      expect(Number(stats.get('hotkey:2:share'))).toBeLessThan(0.02);

      const redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
      try {
        const info = await redis.info('hotkeys');
        expect(info).toMatch(/^# Hotkeys\r\nhotkeys_ops:\d+\r\n/);
        expect(info).toMatch(new RegExp(`\\r\\nhotkey_1:key=${HOT_KEY},count=\\d+,share=0\\.(1[7-9]|2[0-2])\\d*\\r\\n`));
        // Not in the default INFO (it costs a round trip to every shard).
        expect(await redis.info()).not.toContain('# Hotkeys');
      } finally {
        redis.disconnect();
      }

      const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
      const top1 = /^shardcache_hotkeys_top_share\{top="1"\} (\S+)$/m.exec(metrics);
      const top10 = /^shardcache_hotkeys_top_share\{top="10"\} (\S+)$/m.exec(metrics);
      expect(Number(top1?.[1])).toBeGreaterThan(0.17);
      expect(Number(top1?.[1])).toBeLessThan(0.23);
      expect(Number(top10?.[1])).toBeGreaterThanOrEqual(Number(top1?.[1]));
    } finally {
      client.close();
    }
  });

  it('starts over after stats reset', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      expect(await client.request('stats reset\r\n')).toBe('RESET\r\n');
      await client.request('get fresh:1 fresh:1 fresh:2\r\n', 'END\r\n');
      const stats = await statsOf(client, 'hotkeys');
      expect(stats.get('hotkeys_ops')).toBe('3');
      expect([stats.get('hotkey:1:key'), stats.get('hotkey:1:count'), stats.get('hotkey:1:share')]).toEqual(['fresh:1', '2', '0.6667']);
    } finally {
      client.close();
    }
  });
});

describe('--hotkeys off', () => {
  it('counts nothing', async () => {
    const daemon = await startDaemon(['-t', '2', '--hotkeys', 'off']);
    const client = await RawClient.connect(daemon.port);
    try {
      await client.request('get a a a b\r\n', 'END\r\n');
      expect(await client.request('stats hotkeys\r\n', 'END\r\n')).toBe('STAT hotkeys_ops 0\r\nEND\r\n');
      expect(await client.request('stats settings\r\n', 'END\r\n')).toContain('STAT hotkeys off\r\n');
    } finally {
      client.close();
      await daemon.stop();
    }
  });
});
