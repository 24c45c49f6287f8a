/**
 * The admin HTTP port: /metrics in the Prometheus text format under the
 * memcached exporter's names, agreeing with `stats`; /healthz and /readyz.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HashRing } from '../../src/router/hash-ring';
import { hashBytes } from '../../src/util/hash';
import { freePort, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';
import { parseMetrics, type Sample } from '../helpers/prom-text';

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function statsOf(client: RawClient, family = ''): Promise<Map<string, string>> {
  const text = await client.request(family === '' ? 'stats\r\n' : `stats ${family}\r\n`, 'END\r\n');
  return new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Fields that move by themselves between two reads: clocks and ages, CPU time, the stats requests' own bytes, the background crawler. */
const MOVING_FIELD = /^(?:uptime|time|rusage_user|rusage_system|bytes_read|bytes_written|crawler_items_checked|lru_crawler_starts|items:\d+:age)$/;

/** Expects two readings of a family to agree on every field that does not move by itself. */
function expectSameFamily(json: Record<string, string | number>, stats: Map<string, string>): void {
  const fromJson = new Map(Object.entries(json).map(([k, v]) => [k, String(v)]));
  expect([...fromJson.keys()]).toEqual([...stats.keys()]);
  for (const [name, value] of stats) {
    if (!MOVING_FIELD.test(name)) expect([name, fromJson.get(name)]).toEqual([name, value]);
  }
}

describe('admin HTTP port', () => {
  let daemon: RunningDaemon;
  let admin: string;

  beforeAll(async () => {
    const adminPort = await freePort();
    daemon = await startDaemon(['--admin-port', String(adminPort), '-t', '2']);
    admin = `http://127.0.0.1:${adminPort}`;
    // The admin port opens after the cache ports: wait until the daemon calls itself ready.
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${admin}/readyz`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    await daemon.stop();
  });

  it('answers /healthz and /readyz with 200 while serving', async () => {
    const health = await fetch(`${admin}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    const ready = await fetch(`${admin}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready\n');
  });

  it('serves the exporter metric names, agreeing with stats after a scripted sequence', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      await client.requestExpecting('set a 0 0 1\r\n1\r\n', 'STORED\r\n');
      await client.requestExpecting('set b 0 0 2\r\n22\r\n', 'STORED\r\n');
      expect(await client.request('get a\r\n', 'END\r\n')).toBe('VALUE a 0 1\r\n1\r\nEND\r\n');
      await client.requestExpecting('get nope\r\n', 'END\r\n');
      await client.requestExpecting('delete b\r\n', 'DELETED\r\n');
      await client.requestExpecting('delete b\r\n', 'NOT_FOUND\r\n');
      await client.requestExpecting('incr a 5\r\n', '6\r\n');
      await client.requestExpecting('touch a 100\r\n', 'TOUCHED\r\n');
      const stats = await statsOf(client);

      const response = await fetch(`${admin}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const { samples, types } = parseMetrics(await response.text());

      expect(valueOf(samples, 'memcached_up')).toBe(1);
      expect(valueOf(samples, 'memcached_version', { version: stats.get('version')! })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'get', status: 'hit' })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'get', status: 'miss' })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'delete', status: 'hit' })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'delete', status: 'miss' })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'incr', status: 'hit' })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'touch', status: 'hit' })).toBe(1);
      expect(valueOf(samples, 'memcached_commands_total', { command: 'set', status: 'hit' })).toBe(2);
      expect(valueOf(samples, 'memcached_current_items')).toBe(Number(stats.get('curr_items')));
      expect(valueOf(samples, 'memcached_current_items')).toBe(1);
      expect(valueOf(samples, 'memcached_current_bytes')).toBe(Number(stats.get('bytes')));
      expect(valueOf(samples, 'memcached_limit_bytes')).toBe(Number(stats.get('limit_maxbytes')));
      expect(valueOf(samples, 'memcached_items_total')).toBe(Number(stats.get('total_items')));
      expect(valueOf(samples, 'memcached_current_connections')).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'memcached_connections_total')).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'memcached_read_bytes_total')).toBeGreaterThan(0);
      expect(valueOf(samples, 'memcached_max_connections')).toBe(1024);
      expect(types.get('memcached_commands_total')).toBe('counter');
      expect(types.get('memcached_current_items')).toBe('gauge');

      // Per slab class and per shard.
      const slabGets = samples.filter((s) => s.name === 'memcached_slab_commands_total' && s.labels['command'] === 'get');
      expect(slabGets.reduce((n, s) => n + s.value, 0)).toBe(1);
      expect(samples.some((s) => s.name === 'memcached_slab_items_age_seconds')).toBe(true);
      const used = samples.filter((s) => s.name === 'memcached_slab_chunks_used');
      expect(used.reduce((n, s) => n + s.value, 0)).toBe(1);
      const shardItems = samples.filter((s) => s.name === 'shardcache_shard_items');
      expect(shardItems.map((s) => s.labels['shard']).sort()).toEqual(['0', '1']);
      expect(shardItems.reduce((n, s) => n + s.value, 0)).toBe(1);
      // Node's own process metrics (event-loop lag, GC) under our prefix.
      expect(samples.some((s) => s.name === 'shardcache_nodejs_eventloop_lag_seconds')).toBe(true);
    } finally {
      client.close();
    }
  });

  it("passes the Docker image's HEALTHCHECK command", async () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, '..', '..', 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
    const argv = JSON.parse(/^HEALTHCHECK .*\bCMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, argv.slice(1), { env: { ...process.env, SHARDCACHE_ADMIN_PORT: new URL(admin).port }, timeout: 10_000 }, (err) =>
        resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : -1),
      );
    });
    expect(code).toBe(0);
  });

  interface StatusDocument {
    general: Record<string, string | number>;
    slabs: Record<string, string | number>;
    items: Record<string, string | number>;
    shards: Record<string, number>[];
    hotkeys: Record<string, string | number> | null;
  }

  async function statusDocument(): Promise<StatusDocument> {
    const response = await fetch(`${admin}/stats.json`);
    expect(response.status).toBe(200);
    return (await response.json()) as StatusDocument;
  }

  it('serves /stats.json with the same families stats prints, and each shard\'s counters at its own index', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      // Keys whose shards we know (the router's ring), so a shard list in the wrong order cannot pass.
      const ring = new HashRing(2);
      const keys = Array.from({ length: 12 }, (_, i) => `shard-order-${i}`);
      const onShard = [0, 0];
      for (const key of keys) onShard[ring.shardFor(hashBytes(Buffer.from(key), 0, key.length))]!++;
      expect(onShard[0]).not.toBe(onShard[1]);
      const itemsBefore = (await statusDocument()).shards.map((s) => s['curr_items']!);
      for (const key of keys) await client.requestExpecting(`set ${key} 0 0 3\r\nabc\r\n`, 'STORED\r\n');
      await client.request('get shard-order-0 shard-order-1 missing\r\n', 'END\r\n');
      const [general, slabs, items] = [await statsOf(client), await statsOf(client, 'slabs'), await statsOf(client, 'items')];

      const doc = await statusDocument();
      expectSameFamily(doc.general, general);
      expectSameFamily(doc.slabs, slabs);
      expectSameFamily(doc.items, items);
      expect(doc.shards.map((s, i) => s['curr_items']! - itemsBefore[i]!)).toEqual(onShard);
      for (const field of ['curr_items', 'bytes', 'cmd_get', 'cmd_set', 'evictions']) {
        expect([field, doc.shards.reduce((n, s) => n + s[field]!, 0)]).toEqual([field, Number(general.get(field))]);
      }
      // Hot-key tracking is optional: stats.json carries `stats hotkeys` exactly when the daemon answers it.
      client.send('stats hotkeys\r\n');
      const hotkeysReply = (await client.readUntil((r) => /(?:^|\n)(?:END|ERROR|CLIENT_ERROR[^\n]*)\r\n$/.test(r.toString('latin1')))).toString('latin1');
      if (hotkeysReply.endsWith('END\r\n')) expect(doc.hotkeys).not.toBeNull();
      else expect(doc.hotkeys).toBeNull();
    } finally {
      client.close();
    }
  });

  it('serves the status page at /', async () => {
    const response = await fetch(`${admin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toMatch(/^<!doctype html>[\s\S]*<canvas id="chart-ops">[\s\S]*<\/html>\n$/);
  });

  it('answers 404 for unknown paths and 405 for other methods', async () => {
    expect((await fetch(`${admin}/nope`)).status).toBe(404);
    expect((await fetch(`${admin}/metrics`, { method: 'POST' })).status).toBe(405);
  });
});
