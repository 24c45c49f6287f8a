/**
 * The histograms at /metrics: command latency per protocol and command
 * (shardcache_command_duration_seconds), ops per shard batch
 * (shardcache_shard_batch_ops) and the cross-thread round trip
 * (shardcache_shard_round_trip_seconds), against a known mix of memcached
 * text, meta, binary (memjs) and RESP commands over real sockets.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import memjs from 'memjs';
import { HashRing } from '../../src/router/hash-ring';
import { hashBytes } from '../../src/util/hash';
import { decodeResponses, encodeRequest } from '../fixtures/memcached-binary/binary-packets';
import { freePort, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';
import { parseMetrics, type Sample } from '../helpers/prom-text';

const SHARDS = 2;
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p)) ?? null;

class Scrape {
  constructor(
    readonly text: string,
    readonly samples: Sample[],
    readonly types: Map<string, string>,
  ) {}

  /** The sample with exactly these labels (besides `le`), or 0 when the series is not there (yet). */
  value(name: string, labels: Record<string, string>): number {
    const wanted = Object.entries(labels);
    const found = this.samples.find(
      (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
    );
    return found?.value ?? 0;
  }

  /** Every series of a histogram: its labels (without le), its buckets in exposition order, sum and count. */
  histograms(family: string): { labels: Record<string, string>; buckets: [le: string, count: number][]; sum: number; count: number }[] {
    const out = new Map<string, { labels: Record<string, string>; buckets: [string, number][]; sum: number; count: number }>();
    const entry = (labels: Record<string, string>) => {
      const { le: _le, ...rest } = labels;
      const key = JSON.stringify(rest);
      let e = out.get(key);
      if (e === undefined) out.set(key, (e = { labels: rest, buckets: [], sum: NaN, count: NaN }));
      return e;
    };
    for (const s of this.samples) {
      if (s.name === `${family}_bucket`) entry(s.labels).buckets.push([s.labels['le']!, s.value]);
      else if (s.name === `${family}_sum`) entry(s.labels).sum = s.value;
      else if (s.name === `${family}_count`) entry(s.labels).count = s.value;
    }
    return [...out.values()];
  }
}

const byShard = (shard: number) => ({ shard: String(shard) });
const command = (protocol: string, name: string) => ({ protocol, command: name });

function promtool(args: string[], stdin: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL!, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, output: `${stdout}${stderr}` });
    });
    child.stdin!.end(stdin);
  });
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

describe('latency and batch histograms at /metrics', () => {
  let daemon: RunningDaemon;
  let admin: string;
  let redisPort: number;
  const ring = new HashRing(SHARDS);
  const shardOf = (key: string): number => ring.shardFor(hashBytes(Buffer.from(key), 0, Buffer.byteLength(key)));

  async function scrape(): Promise<Scrape> {
    const response = await fetch(`${admin}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const { samples, types } = parseMetrics(text);
    return new Scrape(text, samples, types);
  }

  /** Per shard, what one scrape sends itself (its stats broadcast): measured between two scrapes with nothing else going on. */
  let scrapeCost: { ops: number; batches: number }[];
  /** What reached shard `i` between two scrapes, less the later scrape's own ops and batches. */
  function shardDelta(before: Scrape, after: Scrape, i: number): { ops: number; batches: number; roundTrips: number } {
    const delta = (name: string) => after.value(name, byShard(i)) - before.value(name, byShard(i));
    return {
      ops: delta('shardcache_shard_batch_ops_sum') - scrapeCost[i]!.ops,
      batches: delta('shardcache_shard_batch_ops_count') - scrapeCost[i]!.batches,
      roundTrips: delta('shardcache_shard_round_trip_seconds_count') - scrapeCost[i]!.batches,
    };
  }

  beforeAll(async () => {
    const adminPort = await freePort();
    redisPort = await freePort();
    daemon = await startDaemon(['--admin-port', String(adminPort), '--redis-port', String(redisPort), '-t', String(SHARDS)]);
    admin = `http://127.0.0.1:${adminPort}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${admin}/readyz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const first = await scrape();
    const second = await scrape();
    scrapeCost = [0, 1].map((i) => ({
      ops: second.value('shardcache_shard_batch_ops_sum', byShard(i)) - first.value('shardcache_shard_batch_ops_sum', byShard(i)),
      batches: second.value('shardcache_shard_batch_ops_count', byShard(i)) - first.value('shardcache_shard_batch_ops_count', byShard(i)),
    }));
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
  });

  it('declares the three families as histograms, and a scrape sends each shard the same small batch', async () => {
    const s = await scrape();
    for (const family of ['shardcache_command_duration_seconds', 'shardcache_shard_batch_ops', 'shardcache_shard_round_trip_seconds']) {
      expect([family, s.types.get(family)]).toEqual([family, 'histogram']);
    }
    for (const cost of scrapeCost) {
      expect(cost.batches).toBe(1);
      expect(cost.ops).toBeGreaterThan(0);
    }
  });

  it('counts one-at-a-time commands per protocol and command, one op per batch, and agrees with the shards\' own counters', async () => {
    const M = 20;
    const N = 30;
    const K = 25;
    const before = await scrape();
    const started = performance.now();

    const text = await RawClient.connect(daemon.port);
    const redis = await RawClient.connect(redisPort);
    const keys: string[] = [];
    try {
      for (let i = 0; i < M; i++) {
        keys.push(`h:set:${i}`);
        expect(await text.request(`set h:set:${i} 0 0 3\r\nabc\r\n`)).toBe('STORED\r\n');
      }
      for (let i = 0; i < N; i++) {
        // Half hits, half misses: both are one op.
        const key = i % 2 === 0 ? `h:set:${i % M}` : `h:miss:${i}`;
        keys.push(key);
        expect(await text.request(`get ${key}\r\n`, 'END\r\n')).toMatch(/END\r\n$/);
      }
      for (let i = 0; i < K; i++) {
        const key = `h:set:${i % M}`;
        keys.push(key);
        expect(await redis.request(resp('GET', key))).toBe('$3\r\nabc\r\n');
      }
    } finally {
      text.close();
      redis.close();
    }
    const elapsedSeconds = (performance.now() - started) / 1000;
    const after = await scrape();

    const counted = (protocol: string, name: string) =>
      after.value('shardcache_command_duration_seconds_count', command(protocol, name)) - before.value('shardcache_command_duration_seconds_count', command(protocol, name));
    const summed = (protocol: string, name: string) =>
      after.value('shardcache_command_duration_seconds_sum', command(protocol, name)) - before.value('shardcache_command_duration_seconds_sum', command(protocol, name));
    expect([counted('memcache_text', 'set'), counted('memcache_text', 'get'), counted('resp', 'get')]).toEqual([M, N, K]);
    // Each waited on a shard round trip (a later event-loop run), and none took longer than the whole phase.
    for (const [protocol, name, n] of [['memcache_text', 'set', M], ['memcache_text', 'get', N], ['resp', 'get', K]] as const) {
      expect([protocol, name, summed(protocol, name) > 0]).toEqual([protocol, name, true]);
      expect(summed(protocol, name)).toBeLessThan(n * elapsedSeconds);
    }

    // Sent one at a time: every op was its own batch, on the shard its key hashes to.
    const expectedOps = [0, 0];
    for (const key of keys) expectedOps[shardOf(key)]!++;
    for (let i = 0; i < SHARDS; i++) {
      const d = shardDelta(before, after, i);
      expect([i, d]).toEqual([i, { ops: expectedOps[i], batches: expectedOps[i], roundTrips: expectedOps[i] }]);
      // The shard's own counters saw the same gets and sets.
      const shardCommands = (s: Scrape) =>
        s.value('shardcache_shard_commands_total', { shard: String(i), command: 'get' }) + s.value('shardcache_shard_commands_total', { shard: String(i), command: 'set' });
      expect([i, shardCommands(after) - shardCommands(before)]).toEqual([i, expectedOps[i]]);
      // One-op batches all land in the le="1" bucket.
      const ones = (s: Scrape) => s.value('shardcache_shard_batch_ops_bucket', { shard: String(i), le: '1' });
      expect(ones(after) - ones(before)).toBe(expectedOps[i]);
    }
  });

  it('labels meta, binary, RESP and unknown commands, leaves noreply out, and sums pipelined ops per batch', async () => {
    const before = await scrape();
    const text = await RawClient.connect(daemon.port);
    const binary = await RawClient.connect(daemon.port);
    const redis = await RawClient.connect(redisPort);
    const mc = memjs.Client.create(`127.0.0.1:${daemon.port}`, { retries: 0, timeout: 2, conntimeout: 2, logger: { log: () => {} } });
    const PIPELINED = 16;
    try {
      // Meta: 2 ms, 3 mg, 2 mn (mn answers at once: no shard op).
      expect(await text.request('ms m:1 2\r\nhi\r\n')).toBe('HD\r\n');
      expect(await text.request('ms m:2 2 T0\r\nho\r\n')).toBe('HD\r\n');
      for (const key of ['m:1', 'm:2', 'm:none']) expect(await text.request(`mg ${key} v\r\n`)).toMatch(/^(VA 2|EN)/);
      expect(await text.request('mn\r\n')).toBe('MN\r\n');
      expect(await text.request('mn\r\n')).toBe('MN\r\n');
      // A noreply set has no reply to time; the get behind it in the same write is counted once, as a get.
      expect(await text.request('set m:nr 0 0 1 noreply\r\nz\r\nget m:nr\r\n', 'END\r\n')).toBe('VALUE m:nr 0 1\r\nz\r\nEND\r\n');
      // Pipelined: one write, parsed in one go, so the gets share batches.
      const pipeline = Array.from({ length: PIPELINED }, (_, i) => `get p:${i}\r\n`).join('');
      text.send(pipeline);
      const replies = await text.readUntil((r) => (r.toString('latin1').match(/END\r\n/g) ?? []).length >= PIPELINED);
      expect(replies.toString('latin1')).toBe('END\r\n'.repeat(PIPELINED));

      // Binary through memjs: 2 sets, 3 gets; and one opcode memcached does not serve (verbosity).
      expect(await mc.set('b:1', 'one')).toBe(true);
      expect(await mc.set('b:2', 'two')).toBe(true);
      for (const key of ['b:1', 'b:2', 'b:none']) await mc.get(key);
      binary.send(encodeRequest({ op: 0x1b, ext: [[4, 0]], opaque: 9 }));
      const unknown = decodeResponses(await binary.readUntil((r) => r.length >= 24)).packets;
      expect(unknown.map((p) => p.status)).toEqual([0x81]);

      // RESP: a set, a ping (answered at once), an unknown command (refused before dispatch: not timed).
      expect(await redis.request(resp('SET', 'r:1', 'v'))).toBe('+OK\r\n');
      expect(await redis.request(resp('PING'))).toBe('+PONG\r\n');
      expect(await redis.request(resp('NOSUCHCOMMAND'))).toMatch(/^-ERR unknown command/);
    } finally {
      mc.close();
      text.close();
      binary.close();
      redis.close();
    }
    const after = await scrape();

    const counted = (protocol: string, name: string) =>
      after.value('shardcache_command_duration_seconds_count', command(protocol, name)) - before.value('shardcache_command_duration_seconds_count', command(protocol, name));
    expect({
      ms: counted('memcache_text', 'ms'),
      mg: counted('memcache_text', 'mg'),
      mn: counted('memcache_text', 'mn'),
      set: counted('memcache_text', 'set'),
      get: counted('memcache_text', 'get'),
      binarySet: counted('memcache_binary', 'set'),
      binaryGet: counted('memcache_binary', 'get'),
      binaryOther: counted('memcache_binary', 'other'),
      respSet: counted('resp', 'set'),
      respPing: counted('resp', 'ping'),
      respOther: counted('resp', 'other'),
    }).toEqual({ ms: 2, mg: 3, mn: 2, set: 0, get: 1 + PIPELINED, binarySet: 2, binaryGet: 3, binaryOther: 1, respSet: 1, respPing: 1, respOther: 0 });
    // Replies ready in the run that dispatched them count as 0 s, in the lowest bucket.
    expect(after.value('shardcache_command_duration_seconds_sum', command('resp', 'ping'))).toBe(0);
    expect(after.value('shardcache_command_duration_seconds_bucket', { ...command('resp', 'ping'), le: '0.00001' })).toBe(1);
    // Commands never sent have no series at all (bounded output).
    expect(after.histograms('shardcache_command_duration_seconds').some((h) => h.labels['command'] === 'hgetall')).toBe(false);

    // Ops that reached shards: 2 ms + 3 mg + the noreply set and its get + the pipelined gets + 5 memjs + the RESP set.
    const expectedOps = 2 + 3 + 2 + PIPELINED + 5 + 1;
    const deltas = [0, 1].map((i) => shardDelta(before, after, i));
    expect(deltas.reduce((n, d) => n + d.ops, 0)).toBe(expectedOps);
    // The pipelined gets shared batches: fewer batches than ops, and every batch got its round trip.
    expect(deltas.reduce((n, d) => n + d.batches, 0)).toBeLessThan(expectedOps);
    for (const d of deltas) expect(d.roundTrips).toBe(d.batches);
  });

  it('serves cumulative, monotonic buckets in increasing le order, whose +Inf bucket is the count', async () => {
    const s = await scrape();
    for (const family of ['shardcache_command_duration_seconds', 'shardcache_shard_batch_ops', 'shardcache_shard_round_trip_seconds']) {
      const series = s.histograms(family);
      expect(series.length).toBeGreaterThan(0);
      for (const h of series) {
        const les = h.buckets.map(([le]) => le);
        expect(les[les.length - 1]).toBe('+Inf');
        const bounds = les.slice(0, -1).map(Number);
        expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
        const counts = h.buckets.map(([, c]) => c);
        for (let i = 1; i < counts.length; i++) expect([family, h.labels, i, counts[i]! >= counts[i - 1]!]).toEqual([family, h.labels, i, true]);
        expect(counts[counts.length - 1]).toBe(h.count);
        expect(h.sum).toBeGreaterThanOrEqual(0);
        if (family === 'shardcache_shard_batch_ops') {
          // At least one op per batch, at most the bound of the bucket each batch fell in.
          expect(h.sum).toBeGreaterThanOrEqual(h.count);
        }
      }
    }
    expect(s.histograms('shardcache_shard_batch_ops').map((h) => h.labels)).toEqual([byShard(0), byShard(1)]);
    expect(s.histograms('shardcache_shard_round_trip_seconds').map((h) => h.labels)).toEqual([byShard(0), byShard(1)]);
  });

  if (PROMTOOL === null) {
    it.skip('promtool check metrics: promtool is not installed', () => {});
  } else {
    it('still passes promtool check metrics with the histograms in the scrape', async () => {
      const s = await scrape();
      expect(s.text).toMatch(/^shardcache_command_duration_seconds_bucket\{/m);
      const result = await promtool(['check', 'metrics'], s.text);
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    });
  }
});
