/**
 * The admin port's status page and /stats.json, served by AdminServer over a
 * fake stats source (the browser test drives the real daemon).
 */
import vm from 'node:vm';
import { AdminServer, STATUS_TIMEOUT_MS, type HealthSource } from '../../../src/admin/admin-server';
import { DaemonMetrics, type ShardMetrics } from '../../../src/admin/metrics';
import { STATUS_PAGE_HTML } from '../../../src/admin/status-page';
import type { StatusSource } from '../../../src/admin/status-snapshot';
import type { StatsEntries } from '../../../src/server/server-context';

const health: HealthSource = { shardsAnswer: async () => null, notReadyReason: () => null };

const SHARDS: ShardMetrics[] = [
  { curr_items: 2, bytes: 150, cmd_get: 5, cmd_set: 2, evictions: 0 },
  { curr_items: 1, bytes: 70, cmd_get: 1, cmd_set: 1, evictions: 3 },
];

/** A stats source answering like the daemon: unknown sub-commands are null. */
function fakeSource(families: Record<string, StatsEntries>, options: { fail?: () => boolean } = {}): StatusSource {
  return {
    collectStats: async (args) => {
      if (options.fail?.()) throw new Error('a shard did not answer');
      return families[args[0] ?? ''] ?? null;
    },
    shardMetrics: async () => SHARDS,
  };
}

async function serve(admin: AdminServer): Promise<string> {
  return `http://127.0.0.1:${await admin.listen('127.0.0.1', 0)}`;
}

describe('status page', () => {
  const families: Record<string, StatsEntries> = {
    '': [['version', '1.6.18'], ['cmd_get', 6], ['get_hits', 4], ['get_misses', 2], ['rusage_user', '0.120000']],
    slabs: [['1:chunk_size', 96], ['1:mem_requested', 220], ['active_slabs', 1], ['total_malloced', 1048576]],
    items: [['items:1:number', 3], ['items:1:evicted', 3]],
  };
  let failing = false;
  const source = fakeSource(families, { fail: () => failing });
  const admin = new AdminServer(new DaemonMetrics(source), health, source);
  let base = '';

  beforeAll(async () => {
    base = await serve(admin);
  });
  afterAll(() => admin.close());

  it('serves one self-contained HTML page at / that forbids outside assets', async () => {
    const r = await fetch(`${base}/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'none'.*connect-src 'self'/);
    const html = await r.text();
    expect(html).toBe(STATUS_PAGE_HTML);
    // No external script, style sheet, image or font: only inline blocks and a data: icon.
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/<link(?![^>]*href="data:)[^>]*>/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
    for (const id of ['ops', 'hit-ratio', 'evictions', 'connections', 'slab-memory', 'shards']) {
      expect(html).toContain(`<canvas id="chart-${id}">`);
    }
    for (const table of ['hotkeys', 'shards', 'slabs']) expect(html).toContain(`<table id="${table}">`);
  });

  it("ships a script the browser can parse (vm compiles it without running it)", () => {
    const scripts = [...STATUS_PAGE_HTML.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(() => new vm.Script(scripts[0]!)).not.toThrow();
  });

  it('names a stats field on every number it shows', () => {
    const stats = [...STATUS_PAGE_HTML.matchAll(/data-family="general" data-stat="(\w+)"/g)].map((m) => m[1]!);
    expect(new Set(stats)).toEqual(
      new Set([
        'version', 'shardcache_version', 'threads', 'uptime', 'cmd_get', 'get_hits', 'get_misses', 'cmd_set', 'total_items',
        'bytes', 'limit_maxbytes', 'total_pages', 'curr_items', 'evictions', 'reclaimed', 'evicted_unfetched',
        'curr_connections', 'max_connections', 'total_connections', 'rejected_connections',
      ]),
    );
    const derived = [...STATUS_PAGE_HTML.matchAll(/data-derived="(\w+)" data-from="([\w,]+)"/g)].map((m) => [m[1], m[2]]);
    expect(derived).toEqual([
      ['get_rate', 'cmd_get'],
      ['set_rate', 'cmd_set'],
      ['hit_ratio', 'get_hits,get_misses'],
      ['bytes_human', 'bytes'],
      ['limit_maxbytes_human', 'limit_maxbytes'],
      ['eviction_rate', 'evictions'],
    ]);
  });

  it('serves /stats.json with the stats families under their own names, and hotkeys null when the daemon has none', async () => {
    const before = Date.now();
    const r = await fetch(`${base}/stats.json`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const doc = (await r.json()) as Record<string, unknown>;
    expect(doc['sampled_at_ms']).toBeGreaterThanOrEqual(before);
    expect(doc['sampled_at_ms']).toBeLessThanOrEqual(Date.now());
    expect(doc).toEqual({
      sampled_at_ms: doc['sampled_at_ms'],
      general: { version: '1.6.18', cmd_get: 6, get_hits: 4, get_misses: 2, rusage_user: '0.120000' },
      slabs: { '1:chunk_size': 96, '1:mem_requested': 220, active_slabs: 1, total_malloced: 1048576 },
      items: { 'items:1:number': 3, 'items:1:evicted': 3 },
      shards: SHARDS,
      hotkeys: null,
    });
  });

  it('answers /stats.json with 503 and the reason while a shard does not answer', async () => {
    failing = true;
    try {
      const r = await fetch(`${base}/stats.json`);
      expect([r.status, await r.text()]).toEqual([503, 'a shard did not answer\n']);
    } finally {
      failing = false;
    }
    expect((await fetch(`${base}/stats.json`)).status).toBe(200);
  });

  it('answers HEAD without a body', async () => {
    const r = await fetch(`${base}/`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('');
  });
});

describe('status page with a shard that never answers', () => {
  it(`answers /stats.json with 503 after ${STATUS_TIMEOUT_MS} ms instead of hanging the page`, async () => {
    const stuck: StatusSource = { collectStats: () => new Promise(() => {}), shardMetrics: () => new Promise(() => {}) };
    const admin = new AdminServer(new DaemonMetrics(fakeSource({})), health, stuck);
    try {
      const started = Date.now();
      const r = await fetch(`${await serve(admin)}/stats.json`);
      expect([r.status, await r.text()]).toEqual([503, `a shard did not answer within ${STATUS_TIMEOUT_MS} ms\n`]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(STATUS_TIMEOUT_MS - 50);
    } finally {
      await admin.close();
    }
  }, STATUS_TIMEOUT_MS + 5000);
});

describe('status page with hot keys', () => {
  it('passes stats hotkeys through when the daemon answers it', async () => {
    const source = fakeSource({ '': [['cmd_get', 1]], hotkeys: [['hotkey:1:key', 'user:42'], ['hotkey:1:count', 17]] });
    const admin = new AdminServer(new DaemonMetrics(source), health, source);
    try {
      const doc = (await (await fetch(`${await serve(admin)}/stats.json`)).json()) as { hotkeys: unknown };
      expect(doc.hotkeys).toEqual({ 'hotkey:1:key': 'user:42', 'hotkey:1:count': 17 });
    } finally {
      await admin.close();
    }
  });
});

describe('admin port without a stats source', () => {
  it('answers 404 for the status page and names the paths it has', async () => {
    const source = fakeSource({});
    const admin = new AdminServer(new DaemonMetrics(source), health);
    try {
      const base = await serve(admin);
      for (const path of ['/', '/stats.json']) {
        const r = await fetch(`${base}${path}`);
        expect([r.status, await r.text()]).toEqual([404, 'not found: try /metrics, /healthz or /readyz\n']);
      }
    } finally {
      await admin.close();
    }
  });
});
