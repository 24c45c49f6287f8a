/**
 * The page mover over the real daemon (-m 8 -t 1): after small items filled memory, larger ones
 * (memcached values, a Redis hash growing from class to class) are stored by moving pages
 * between slab classes instead of failing with out of memory.
 */
import Redis from 'ioredis';
import { RawClient } from '../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from '../compat/resp/resp-daemon';

let daemon: RespDaemon;
let client: RawClient;

beforeAll(async () => {
  daemon = await startRespDaemon(['-m', '8', '-t', '1']);
  client = await RawClient.connect(daemon.port);
});

afterAll(async () => {
  client.socket.destroy();
  await daemon.stop();
});

function stat(stats: string, name: string): number {
  const m = new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(stats);
  if (m === null) throw new Error(`no ${name} in stats`);
  return Number(m[1]);
}

const stats = (): Promise<string> => client.request('stats\r\n', 'END\r\n');

/** memcached sets of `value` under `prefix:i` in pipelined batches, every reply STORED. */
async function setMany(prefix: string, from: number, to: number, value: string, batch: number): Promise<void> {
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    let cmd = '';
    for (let i = start; i < end; i++) cmd += `set ${prefix}:${i} 0 0 ${value.length}\r\n${value}\r\n`;
    const expected = 'STORED\r\n'.repeat(end - start);
    expect(await client.requestExpecting(cmd, expected, 30_000)).toBe(expected);
  }
}

describe('slab page mover', () => {
  test('100-byte values until evicting, then 100 KB values: all STORED, slabs_moved > 0', async () => {
    const small = 's'.repeat(100);
    let written = 0;
    while (stat(await stats(), 'evictions') === 0) {
      await setMany('small', written, written + 5_000, small, 1_000);
      written += 5_000;
      if (written > 500_000) throw new Error('no eviction under -m 8');
    }
    const before = await stats();
    expect(stat(before, 'slabs_moved')).toBe(0);

    const big = 'B'.repeat(100 * 1024);
    await setMany('big', 0, 30, big, 5);
    const after = await stats();
    expect(stat(after, 'slabs_moved')).toBeGreaterThan(0);
    expect(stat(after, 'slab_reassign_evictions_nomem')).toBeGreaterThan(0);
    expect(stat(after, 'slab_reassign_running')).toBe(0);
    expect(stat(after, 'bytes')).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(await client.request('get big:29\r\n', 'END\r\n', 10_000)).toBe(`VALUE big:29 0 ${big.length}\r\n${big}\r\nEND\r\n`);
    let bigHits = 0;
    for (let i = 0; i < 30; i++) {
      const reply = await client.request(`get big:${i}\r\n`, 'END\r\n', 10_000);
      if (reply === 'END\r\n') continue;
      expect(reply).toBe(`VALUE big:${i} 0 ${big.length}\r\n${big}\r\nEND\r\n`);
      bigHits++;
    }
    // Only the items of the moved pages are gone: every small key still stored holds its value,
    // and the stored ones plus the evicted ones add up.
    let smallHits = 0;
    for (let start = 0; start < written; start += 500) {
      const keys = Array.from({ length: Math.min(500, written - start) }, (_, i) => `small:${start + i}`);
      const reply = await client.request(`get ${keys.join(' ')}\r\n`, 'END\r\n', 10_000);
      const values = reply.split('\r\n').filter((line) => !line.startsWith('VALUE ') && line !== 'END' && line !== '');
      for (const v of values) expect(v).toBe(small);
      smallHits += values.length;
    }
    expect(stat(after, 'curr_items')).toBe(smallHits + bigHits);
    expect(stat(after, 'evictions') - stat(before, 'evictions')).toBeGreaterThanOrEqual(stat(before, 'curr_items') - smallHits);
    const settings = await client.request('stats settings\r\n', 'END\r\n');
    expect(settings).toContain('STAT slab_reassign yes\r\n');
  });

  test('a Redis hash grows field by field past several classes after small strings filled memory', async () => {
    const redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      await redis.flushall();
      const evictionsBefore = stat(await stats(), 'evictions');
      let written = 0;
      while (stat(await stats(), 'evictions') === evictionsBefore) {
        const pipeline = redis.pipeline();
        for (let i = 0; i < 5_000; i++) pipeline.set(`str:${written + i}`, `${written + i}`.padEnd(80, 'x'));
        for (const [error] of (await pipeline.exec())!) expect(error).toBeNull();
        written += 5_000;
        if (written > 500_000) throw new Error('no eviction under -m 8');
      }
      const movedBefore = stat(await stats(), 'slabs_moved');

      const fieldValue = (i: number): string => `${i}:`.padEnd(2_000, 'f');
      const fields = 150; // ~300 KB: the hash passes through a dozen classes on the way
      for (let i = 0; i < fields; i++) {
        expect(await redis.hset('grown', `field:${i}`, fieldValue(i))).toBe(1);
      }
      expect(await redis.hlen('grown')).toBe(fields);
      for (const i of [0, 1, 74, 149]) expect(await redis.hget('grown', `field:${i}`)).toBe(fieldValue(i));
      const after = await stats();
      expect(stat(after, 'slabs_moved')).toBeGreaterThan(movedBefore + 5);
      // Which strings the moved pages took depends on where test 1 left its pages (the page of
      // the strings' LRU tail also holds the newest strings, written into evicted chunks); what
      // must hold is that every string still stored reads back its own value, and that the
      // strings stored and the strings evicted add up to the strings written.
      let alive = 0;
      for (let start = 0; start < written; start += 1_000) {
        const keys = Array.from({ length: Math.min(1_000, written - start) }, (_, i) => `str:${start + i}`);
        const values = await redis.mget(...keys);
        values.forEach((v, i) => {
          if (v === null) return;
          expect(v).toBe(`${start + i}`.padEnd(80, 'x'));
          alive++;
        });
      }
      expect(alive).toBeGreaterThan(0);
      expect(alive).toBe(written - (stat(after, 'evictions') - evictionsBefore));
    } finally {
      redis.disconnect();
    }
  });
});
