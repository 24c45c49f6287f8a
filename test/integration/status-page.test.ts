/**
 * The admin port's status page in a real browser: Debian's Chromium driven by
 * playwright-core opens `/` on a running daemon after a scripted set/get
 * sequence (and some background load, so the charts have lines), waits for
 * polls of /stats.json, and checks that every number the page shows under a
 * `data-stat` equals what `stats` says, that the charts drew their series, and
 * that the page loaded nothing from anywhere else.
 *
 * Skipped (with the reason) only when /usr/bin/chromium is absent.
 * STATUS_PAGE_SCREENSHOT=<path> also saves the screenshot there (the README's
 * docs/status-page.png comes from this test).
 */
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HashRing } from '../../src/router/hash-ring';
import { hashBytes } from '../../src/util/hash';
import { freePort, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

const CHROMIUM = '/usr/bin/chromium';
const SHARDS = 2;
const POLL_INTERVAL_MS = 250;
const VIEWPORT = { width: 1400, height: 1000 };

/*
 * The few browser globals the page.evaluate callbacks use: they run in Chromium, but the
 * project's tsconfig has no DOM lib, so they are declared here (module scope only).
 */
interface BrowserCanvas {
  width: number;
  height: number;
  getContext(kind: '2d', options?: { willReadFrequently: boolean }): {
    drawImage(source: BrowserCanvas, x: number, y: number): void;
    getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray };
  } | null;
}
interface BrowserElement {
  getAttribute(name: string): string | null;
}
declare const document: {
  documentElement: BrowserElement;
  getElementById(id: string): (BrowserElement & BrowserCanvas) | null;
  createElement(tag: 'canvas'): BrowserCanvas;
};
declare function getComputedStyle(element: BrowserElement): { getPropertyValue(name: string): string };

interface ShownValue {
  family: string;
  stat: string;
  shard: string | null;
  text: string;
}

async function statsFamily(client: RawClient, family = ''): Promise<Map<string, string>> {
  const text = await client.request(family === '' ? 'stats\r\n' : `stats ${family}\r\n`, 'END\r\n');
  return new Map([...text.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** `stats hotkeys` when the daemon has it, else null (it answers an unknown sub-command with an error). */
async function hotkeysOrNull(client: RawClient): Promise<Map<string, string> | null> {
  client.send('stats hotkeys\r\n');
  const reply = (await client.readUntil((r) => /(?:^|\n)(?:END|ERROR|CLIENT_ERROR[^\n]*)\r\n$/.test(r.toString('latin1')))).toString('latin1');
  if (!reply.endsWith('END\r\n')) return null;
  return new Map([...reply.matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Width and height from a PNG's IHDR chunk (bytes 16..23), after checking the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Pixels of a canvas within a small distance of the page's CSS colour variable `colorVar` (e.g. a series' colour). */
function pixelsOfColour(page: Page, canvasId: string, colorVar: string): Promise<number> {
  return page.evaluate(
    ([id, name]) => {
      const canvas = document.getElementById(id!)!;
      const hex = getComputedStyle(document.documentElement).getPropertyValue(name!).trim();
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      // Read a copy, so the page's own canvas is never read back (Chrome warns about repeated readbacks).
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const context = copy.getContext('2d', { willReadFrequently: true })!;
      context.drawImage(canvas, 0, 0);
      const data = context.getImageData(0, 0, copy.width, copy.height).data;
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 255 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 24) count++;
      }
      return count;
    },
    [canvasId, colorVar],
  );
}

async function pollCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('#poll', 'data-polls'));
}

async function waitForPolls(page: Page, atLeast: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById('poll')!.getAttribute('data-polls')) >= n, atLeast, { timeout: 15_000 });
}

/** Pipelined sets and gets over a fixed key set until `stop()`; resolves once the last replies are in. */
function backgroundLoad(client: RawClient, keys: readonly string[]): { stop: () => Promise<void> } {
  let running = true;
  const done = (async () => {
    let round = 0;
    while (running) {
      let batch = '';
      let replies = 0;
      for (let i = 0; i < 20; i++) {
        const key = keys[(round * 7 + i) % keys.length]!;
        const value = 'v'.repeat(10 + ((round * 131 + i * 17) % 1500));
        // Two keys per get (one never set), so gets outrun sets and the hit ratio is not 100 %.
        batch += `set ${key} 0 0 ${value.length}\r\n${value}\r\nget ${key} absent:${i}\r\n`;
        replies += 2;
      }
      client.send(batch);
      // STORED for each set, and END closing each get.
      await client.readUntil((r) => (r.toString('latin1').match(/(?:STORED|END)\r\n/g) ?? []).length >= replies, 10_000);
      round++;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
    },
  };
}

if (!fs.existsSync(CHROMIUM)) {
  describe('status page in Chromium', () => {
    it.skip(`needs ${CHROMIUM} (apt-get install chromium); not installed, so the browser test is skipped`, () => {});
  });
} else {
  describe('status page in Chromium', () => {
    let daemon: RunningDaemon;
    let admin: string;
    let browser: Browser;

    beforeAll(async () => {
      const adminPort = await freePort();
      daemon = await startDaemon(['--admin-port', String(adminPort), '-t', String(SHARDS)]);
      admin = `http://127.0.0.1:${adminPort}`;
      for (let i = 0; i < 100; i++) {
        if (await fetch(`${admin}/readyz`).then((r) => r.ok, () => false)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      // playwright gives every launch() a fresh temporary profile (user-data-dir) and deletes it on close.
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
    }, 30_000);

    afterAll(async () => {
      await browser?.close();
      await daemon?.stop();
    });

    it('shows the numbers stats reports, draws every chart, and loads nothing from elsewhere', async () => {
      const client = await RawClient.connect(daemon.port);
      const loadClient = await RawClient.connect(daemon.port);
      const page = await browser.newPage({ viewport: VIEWPORT });
      let load: { stop: () => Promise<void> } | null = null;
      try {
        // The scripted sequence: small and large values (two slab classes), hits and misses.
        const scripted: string[] = [];
        for (let i = 0; i < 10; i++) {
          scripted.push(`small:${i}`);
          await client.requestExpecting(`set small:${i} 0 0 10\r\n0123456789\r\n`, 'STORED\r\n');
        }
        // Enough large values to fill a good part of their class's pages, so its mem_requested bar is more than a pixel.
        let largeSets = '';
        for (let i = 0; i < 400; i++) {
          scripted.push(`large:${i}`);
          largeSets += `set large:${i} 0 0 3000\r\n${'L'.repeat(3000)}\r\n`;
        }
        await client.requestExpecting(largeSets, 'STORED\r\n'.repeat(400));
        expect(await client.request('get small:0 small:1 small:2 large:0\r\n', 'END\r\n')).toMatch(/^(VALUE [\s\S]*){4}END\r\n$/);
        expect(await client.request('get miss:0 miss:1 miss:2\r\n', 'END\r\n')).toBe('END\r\n');

        const requests: string[] = [];
        const problems: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
        });

        const loadKeys = Array.from({ length: 60 }, (_, i) => `load:${i}`);
        load = backgroundLoad(loadClient, loadKeys);
        await page.goto(`${admin}/?interval=${POLL_INTERVAL_MS}`);
        await waitForPolls(page, 8);
        // While the load runs, each chart draws its series in the series' colour (a blank or axes-only canvas has none).
        const series: [canvas: string, colour: string][] = [
          ['chart-ops', '--get'],
          ['chart-ops', '--set'],
          ['chart-hit-ratio', '--hit'],
          ['chart-evictions', '--evict'],
          ['chart-connections', '--conn'],
          ['chart-connections', '--limit'],
          ['chart-slab-memory', '--hit'],
          ['chart-slab-memory', '--alloc'],
          ['chart-shards', '--get'],
          ['chart-shards', '--set'],
        ];
        for (const [canvas, colour] of series) {
          expect([canvas, colour, (await pixelsOfColour(page, canvas, colour)) >= 10]).toEqual([canvas, colour, true]);
        }

        const png = await page.screenshot({ fullPage: true });
        const size = pngSize(png);
        expect(size.width).toBe(VIEWPORT.width);
        expect(size.height).toBeGreaterThanOrEqual(VIEWPORT.height);
        const target = process.env['STATUS_PAGE_SCREENSHOT'];
        if (target !== undefined && target !== '') fs.writeFileSync(target, png);

        await load.stop();
        // Two more polls: the newest one started after the last load reply, so the page and stats see the same counters.
        await waitForPolls(page, (await pollCount(page)) + 2);
        expect(await page.getAttribute('#poll', 'data-ok')).toBe('true');

        const [general, slabs, items, hotkeys] = [
          await statsFamily(client),
          await statsFamily(client, 'slabs'),
          await statsFamily(client, 'items'),
          await hotkeysOrNull(client),
        ];
        const shown: ShownValue[] = await page.$$eval('[data-family]', (elements) =>
          elements.map((e) => ({
            family: e.getAttribute('data-family')!,
            stat: e.getAttribute('data-stat')!,
            shard: e.getAttribute('data-shard'),
            text: e.textContent ?? '',
          })),
        );

        // Every general, slab and item figure equals its stats field.
        const families: Record<string, Map<string, string>> = { general, slabs, items, hotkeys: hotkeys ?? new Map() };
        for (const value of shown.filter((v) => v.family !== 'shard')) {
          const expected = families[value.family]?.get(value.stat);
          expect([value.family, value.stat, expected === undefined ? 'missing from stats' : 'in stats']).toEqual([value.family, value.stat, 'in stats']);
          if (value.stat === 'uptime' || /^items:\d+:age$/.test(value.stat)) {
            // Seconds that tick on their own: the page polled a moment before stats was read.
            expect(Number(value.text)).toBeLessThanOrEqual(Number(expected));
            expect(Number(value.text)).toBeGreaterThanOrEqual(Number(expected) - 2);
          } else {
            expect([value.family, value.stat, value.text]).toEqual([value.family, value.stat, expected]);
          }
        }
        const shownGeneral = new Set(shown.filter((v) => v.family === 'general').map((v) => v.stat));
        for (const stat of ['cmd_get', 'cmd_set', 'get_hits', 'get_misses', 'curr_items', 'bytes', 'limit_maxbytes', 'evictions', 'curr_connections', 'max_connections']) {
          expect([stat, shownGeneral.has(stat)]).toEqual([stat, true]);
        }
        expect(Number(general.get('get_misses'))).toBeGreaterThanOrEqual(3);
        expect(Number(general.get('curr_items'))).toBe(scripted.length + loadKeys.length);

        // One table row per slab class with pages, its figures from stats slabs.
        const classes = [...slabs.keys()].filter((k) => k.endsWith(':chunk_size')).map((k) => k.split(':')[0]);
        expect(classes.length).toBe(Number(slabs.get('active_slabs')));
        expect(classes.length).toBeGreaterThanOrEqual(2);
        const shownClasses = shown.filter((v) => v.family === 'slabs' && v.stat.endsWith(':mem_requested')).map((v) => v.stat.split(':')[0]);
        expect(shownClasses).toEqual(classes);

        // Per-shard figures: each shard's items are the keys the router's ring gives it, and the shards add up to stats.
        const ring = new HashRing(SHARDS);
        const expectedItems = new Array<number>(SHARDS).fill(0);
        for (const key of [...scripted, ...loadKeys]) expectedItems[ring.shardFor(hashBytes(Buffer.from(key), 0, key.length))]!++;
        const shardValue = (shard: number, stat: string): number =>
          Number(shown.find((v) => v.family === 'shard' && v.shard === String(shard) && v.stat === stat)?.text);
        expect(Array.from({ length: SHARDS }, (_, i) => shardValue(i, 'curr_items'))).toEqual(expectedItems);
        for (const stat of ['cmd_get', 'cmd_set', 'curr_items', 'bytes', 'evictions']) {
          const sum = Array.from({ length: SHARDS }, (_, i) => shardValue(i, stat)).reduce((a, b) => a + b, 0);
          expect([stat, sum]).toEqual([stat, Number(general.get(stat))]);
        }

        // Hot keys: every `stats hotkeys` field is on the page (values checked above), or the table says there are none.
        const hotkeyCells = shown.filter((v) => v.family === 'hotkeys').length;
        if (hotkeys === null) {
          expect(hotkeyCells).toBe(0);
          expect(await page.textContent('#hotkeys-empty')).toBe('no hot-key data from this daemon');
          expect(await page.isVisible('#hotkeys-empty')).toBe(true);
        } else {
          expect(hotkeyCells).toBe(hotkeys.size);
          if (hotkeys.has('hotkey:1:key')) expect(await page.textContent('#hotkeys tbody tr:first-child td.key')).toBe(hotkeys.get('hotkey:1:key'));
        }

        // Derived figures name their fields and agree with them.
        const hits = Number(general.get('get_hits'));
        const misses = Number(general.get('get_misses'));
        expect(await page.textContent('[data-derived="hit_ratio"]')).toBe(((100 * hits) / (hits + misses)).toFixed(2));

        // Nothing but the page and its polls: no CDN, font or script from anywhere else.
        const ownPath = /^\/(?:\?.*)?$|^\/stats\.json(?:\?.*)?$/;
        const outside = requests.filter((url) => !url.startsWith('data:') && !(url.startsWith(`${admin}/`) && ownPath.test(url.slice(admin.length))));
        expect(outside).toEqual([]);
        expect(requests.filter((url) => url.startsWith(`${admin}/stats.json`)).length).toBeGreaterThanOrEqual(10);
        expect(problems).toEqual([]);
      } finally {
        await page.close();
        client.close();
        loadClient.close();
        await load?.stop();
      }
    }, 60_000);
  });
}
