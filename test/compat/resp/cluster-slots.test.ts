/**
 * CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT. The same keys (strings, hashes,
 * sets, sorted sets, lists; hash-tagged and not) go to Debian's
 * redis-server 7.0 started in cluster mode as a one-node cluster owning
 * every slot, and to a --redis-cluster daemon with two shards: counts, key
 * lists (as sets: the order is each server's own) and error replies must
 * match. Then, on ours only: a database big enough that the walk takes
 * several slices per shard, a memcached key in the shared database 0, the
 * client's next commands waiting for the walk, and the one-turn walk inside
 * EXEC. Skipped, with a message, when redis-server is not installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keySlot } from '../../../src/cluster/redis-topology';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';
import { pipelinedReplies, useRedisPeers } from './redis-peer';

/** How long a script's replies may take: batches of 10,000 writes, walks of 60,000 keys. */
const SLOW_REPLIES_MS = 20_000;

/** The bulk strings of a flat RESP2 array reply, sorted. */
function sortedBulks(reply: string): string[] {
  const items: string[] = [];
  const pattern = /\$(\d+)\r\n/g;
  for (let m = pattern.exec(reply); m !== null; m = pattern.exec(reply)) {
    const start = m.index + m[0].length;
    items.push(reply.slice(start, start + Number(m[1])));
    pattern.lastIndex = start + Number(m[1]) + 2;
  }
  return items.sort();
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const TAGS = Array.from({ length: 8 }, (_, i) => `tag${i}`);

/** Writes of several types: tagged keys share their tag's slot, plain keys spread out. */
const WRITES: string[][] = [
  ...TAGS.flatMap((tag, t) => Array.from({ length: 5 + t * 3 }, (_, i) => ['SET', `{${tag}}s${i}`, 'v'])),
  ...TAGS.map((tag) => ['HSET', `{${tag}}h`, 'f', 'v']),
  ...TAGS.map((tag) => ['SADD', `{${tag}}set`, 'a', 'b']),
  ...TAGS.map((tag) => ['ZADD', `{${tag}}z`, '1', 'a']),
  ...TAGS.map((tag) => ['RPUSH', `{${tag}}l`, 'a']),
  ...Array.from({ length: 300 }, (_, i) => ['SET', `plain:${i}`, String(i)]),
];

const SLOTS = [...new Set([...TAGS.map((t) => keySlot(Buffer.from(t))), ...WRITES.slice(-20).map((w) => keySlot(Buffer.from(w[1]!))), 0, 16383])];

const ERROR_LINES = [
  'CLUSTER COUNTKEYSINSLOT x',
  'CLUSTER COUNTKEYSINSLOT 16384',
  'CLUSTER COUNTKEYSINSLOT -1',
  'CLUSTER COUNTKEYSINSLOT 01',
  'CLUSTER GETKEYSINSLOT 1 -1',
  'CLUSTER GETKEYSINSLOT x 1',
  'CLUSTER GETKEYSINSLOT 1 x',
  'CLUSTER GETKEYSINSLOT 16384 x',
  'CLUSTER GETKEYSINSLOT 16384 1',
  'CLUSTER GETKEYSINSLOT 0 0',
  'CLUSTER COUNTKEYSINSLOT',
  'CLUSTER GETKEYSINSLOT 1',
];

describe('against a one-node redis-server 7.0 cluster', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cluster-slots-'));
  const peers = useRedisPeers('the CLUSTER *KEYSINSLOT differential tests against real Redis', ['-t', '2', '--redis-cluster'], {
    args: ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf')],
    cwd: dir,
  });

  beforeAll(async () => {
    if (!peers.available) return;
    expect(await pipelinedReplies(peers.redisPort, ['CLUSTER ADDSLOTSRANGE 0 16383'], 2, SLOW_REPLIES_MS)).toEqual(['+OK\r\n']);
    await until('the one-node cluster to be up', async () => (await pipelinedReplies(peers.redisPort, ['CLUSTER INFO'], 2, SLOW_REPLIES_MS))[0]!.includes('cluster_state:ok'));
    for (const port of [peers.oursPort, peers.redisPort]) expect(new Set(await pipelinedReplies(port, WRITES, 2, SLOW_REPLIES_MS))).toEqual(new Set([':1\r\n', ':2\r\n', '+OK\r\n']));
  }, 30_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  peers.it('counts the keys of each slot as Redis does', async () => {
    const lines = SLOTS.map((s) => ['CLUSTER', 'COUNTKEYSINSLOT', String(s)]);
    const [ours, theirs] = await Promise.all([pipelinedReplies(peers.oursPort, lines, 2, SLOW_REPLIES_MS), pipelinedReplies(peers.redisPort, lines, 2, SLOW_REPLIES_MS)]);
    expect(ours).toEqual(theirs);
    // Not vacuous: the last tag's slot holds 5 + 21 strings and four collections.
    expect(ours[TAGS.length - 1]).toBe(`:${5 + 21 + 4}\r\n`);
  });

  peers.it('lists the same keys (in its own order), at most `count` of them', async () => {
    for (const slot of SLOTS) {
      const all = [['CLUSTER', 'GETKEYSINSLOT', String(slot), '1000']];
      const [[ours], [theirs]] = await Promise.all([pipelinedReplies(peers.oursPort, all, 2, SLOW_REPLIES_MS), pipelinedReplies(peers.redisPort, all, 2, SLOW_REPLIES_MS)]);
      expect(sortedBulks(ours!)).toEqual(sortedBulks(theirs!));
      const [some] = await pipelinedReplies(peers.oursPort, [['CLUSTER', 'GETKEYSINSLOT', String(slot), '3']], 2, SLOW_REPLIES_MS);
      const listed = sortedBulks(some!);
      expect(listed.length).toBe(Math.min(3, sortedBulks(theirs!).length));
      for (const key of listed) expect(sortedBulks(theirs!)).toContain(key);
    }
  });

  peers.it('refuses bad slots and counts with Redis\'s errors', async () => {
    const [ours, theirs] = await Promise.all([pipelinedReplies(peers.oursPort, ERROR_LINES, 2, SLOW_REPLIES_MS), pipelinedReplies(peers.redisPort, ERROR_LINES, 2, SLOW_REPLIES_MS)]);
    expect(ours).toEqual(theirs);
  });
});

describe('a database that takes several slices per shard', () => {
  let daemon: RespDaemon;
  const KEY_COUNT = 60_000;
  const keys = Array.from({ length: KEY_COUNT }, (_, i) => `bulk:${i}`);
  const expected = new Map<number, number>();
  for (const k of keys) {
    const slot = keySlot(Buffer.from(k));
    expected.set(slot, (expected.get(slot) ?? 0) + 1);
  }
  const probeSlots = [...expected.keys()].slice(0, 5);
  const tagSlot = keySlot(Buffer.from('probe'));

  beforeAll(async () => {
    daemon = await startRespDaemon(['-t', '2']);
    for (let at = 0; at < KEY_COUNT; at += 10_000) {
      const batch = keys.slice(at, at + 10_000).map((k) => ['SET', k, 'v']);
      expect(new Set(await pipelinedReplies(daemon.redisPort, batch, 2, SLOW_REPLIES_MS))).toEqual(new Set(['+OK\r\n']));
    }
    // A memcached key lives in Redis's database 0 too.
    const mc = await RawClient.connect(daemon.port);
    try {
      expect(await mc.request('set {probe}mc 0 0 1\r\nx\r\n')).toBe('STORED\r\n');
    } finally {
      mc.close();
    }
  }, 60_000);

  afterAll(async () => {
    await daemon?.stop();
  });

  it('counts every slot exactly, memcached keys included', async () => {
    const lines = probeSlots.map((s) => ['CLUSTER', 'COUNTKEYSINSLOT', String(s)]);
    expect(await pipelinedReplies(daemon.redisPort, lines, 2, SLOW_REPLIES_MS)).toEqual(probeSlots.map((s) => `:${expected.get(s)! + (s === tagSlot ? 1 : 0)}\r\n`));
    const [listed] = await pipelinedReplies(daemon.redisPort, [['CLUSTER', 'GETKEYSINSLOT', String(probeSlots[0]!), '100000']], 2, SLOW_REPLIES_MS);
    const want = keys.filter((k) => keySlot(Buffer.from(k)) === probeSlots[0]!).sort();
    expect(sortedBulks(listed!)).toEqual(want);
    expect(await pipelinedReplies(daemon.redisPort, [['CLUSTER', 'COUNTKEYSINSLOT', String(tagSlot)]], 2, SLOW_REPLIES_MS)).toEqual([`:${(expected.get(tagSlot) ?? 0) + 1}\r\n`]);
  });

  it('answers in order: a write pipelined after the walk is not seen by it', async () => {
    const slot = String(tagSlot);
    const [before, ok, after] = await pipelinedReplies(daemon.redisPort, [
      ['CLUSTER', 'COUNTKEYSINSLOT', slot],
      ['SET', '{probe}late', 'v'],
      ['CLUSTER', 'COUNTKEYSINSLOT', slot],
      ['DEL', '{probe}late'],
    ], 2, SLOW_REPLIES_MS);
    expect(ok).toBe('+OK\r\n');
    expect(Number(after!.slice(1)) - Number(before!.slice(1))).toBe(1);
  });

  it('inside EXEC, sees the transaction\'s own writes in order', async () => {
    const slot = String(tagSlot);
    const out = await pipelinedReplies(daemon.redisPort, [
      ['MULTI'],
      ['CLUSTER', 'COUNTKEYSINSLOT', slot],
      ['SET', '{probe}tx', 'v'],
      ['CLUSTER', 'COUNTKEYSINSLOT', slot],
      ['CLUSTER', 'GETKEYSINSLOT', slot, '1000'],
      ['DEL', '{probe}tx'],
      ['EXEC'],
    ], 2, SLOW_REPLIES_MS);
    const exec = out[6]!;
    const n = (expected.get(tagSlot) ?? 0) + 1;
    expect(exec.startsWith(`*5\r\n:${n}\r\n+OK\r\n:${n + 1}\r\n*${n + 1}\r\n`)).toBe(true);
    expect(exec).toContain('{probe}tx');
  });
});
