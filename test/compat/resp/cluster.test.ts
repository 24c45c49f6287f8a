/**
 * Redis Cluster on the RESP port: three daemons started with --redis-cluster
 * and a shared --cluster-file, each serving RESP at the same offset from its
 * memcached port. ioredis's Cluster client spreads keys over them; a plain
 * client at the wrong node gets MOVED (and CROSSSLOT), redis-cli -c follows
 * MOVED, and the CLUSTER replies have the shapes of Debian's redis-server 7
 * (compared live when it is installed). A daemon without the flag answers
 * CLUSTER but never redirects.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { freePort, MAIN_JS } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';
import { exchange, replyEnd, startRespDaemon, type RespDaemon } from './resp-daemon';

/** Every member's RESP port is its memcached port + this (the rule --redis-cluster documents). */
const REDIS_PORT_OFFSET = 1;

interface Member {
  port: number;
  redisPort: number;
  child: ChildProcess;
  stderr: () => string;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** startDaemon picks the memcached port itself; members need both ports at a fixed offset. */
async function startMember(clusterFile: string): Promise<Member> {
  let port = await freePort();
  while (port + REDIS_PORT_OFFSET > 65535 || !(await isFree(port + REDIS_PORT_OFFSET))) port = await freePort();
  const redisPort = port + REDIS_PORT_OFFSET;
  const child = spawn(
    process.execPath,
    [MAIN_JS, '-p', String(port), '-l', '127.0.0.1', '-t', '1', '--redis-port', String(redisPort), '--redis-cluster', '--cluster-file', clusterFile],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(`member on ${port}/${redisPort}\n${stderr}`, async () =>
    child.exitCode === null && (await listening(port)) && (await listening(redisPort)) ? true : null,
  );
  return { port, redisPort, child, stderr: () => stderr };
}

async function stopMember(member: Member): Promise<void> {
  if (member.child.exitCode !== null) return;
  await new Promise((resolve) => {
    member.child.once('exit', resolve);
    member.child.kill('SIGTERM');
  });
}

async function currItems(port: number): Promise<number> {
  const client = await RawClient.connect(port);
  try {
    return Number(/STAT curr_items (\d+)/.exec(await client.request('stats\r\n', 'END\r\n'))![1]);
  } finally {
    client.close();
  }
}

/** One RESP command over a fresh raw connection (RESP2 unless `hello3`). */
async function rawCommand(port: number, command: string, hello3 = false): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    const reply = await exchange(client, `${hello3 ? 'HELLO 3\r\n' : ''}${command}\r\n`, hello3 ? 2 : 1);
    // Drop HELLO's own reply.
    return hello3 ? reply.slice(replyEnd(Buffer.from(reply, 'latin1'), 0)) : reply;
  } finally {
    client.close();
  }
}

/** A reply's shape: types and the map key names, not the values (ids, ports and addresses differ). */
function shape(reply: string): string {
  const KEY_NAMES = new Set(['slots', 'nodes', 'id', 'port', 'ip', 'endpoint', 'hostname', 'role', 'replication-offset', 'health']);
  return reply
    .replace(/\$(\d+)\r\n([^\r]*)\r\n/g, (_m, _n, text: string) => (KEY_NAMES.has(text) ? `${text} ` : 'str '))
    .replace(/:\d+\r\n/g, 'int ')
    .replace(/\r\n/g, ' ');
}

/** The keys ioredis and the raw checks use: enough that three even slot ranges all get some. */
const KEYS = Array.from({ length: 60 }, (_, i) => `cluster-key-${i}`);

describe('three --redis-cluster daemons sharing a --cluster-file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-redis-cluster-'));
  const clusterFile = path.join(dir, 'nodes');
  let members: Member[] = [];
  /** Members in the membership's order (sorted by memcached port): member i owns the i-th third of the slots. */
  let sorted: Member[] = [];

  beforeAll(async () => {
    fs.writeFileSync(clusterFile, 'placeholder:1\n');
    for (let i = 0; i < 3; i++) members.push(await startMember(clusterFile));
    fs.writeFileSync(clusterFile, members.map((m) => `127.0.0.1|127.0.0.1|${m.port}`).join('\n') + '\n');
    sorted = [...members].sort((a, b) => a.port - b.port);
    for (const m of members) {
      await waitFor('every member to read the file', async () =>
        (await rawCommand(m.redisPort, 'CLUSTER INFO')).includes('cluster_known_nodes:3\r\n') ? true : null,
      );
    }
  }, 60_000);

  afterAll(async () => {
    for (const m of members) await stopMember(m);
    members = [];
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The member owning `slot` under the even split. */
  const ownerOf = (slot: number): Member => sorted[slot <= 5460 ? 0 : slot <= 10921 ? 1 : 2]!;
  const slotOf = async (key: string): Promise<number> =>
    Number(/^:(\d+)\r\n$/.exec(await rawCommand(members[0]!.redisPort, `CLUSTER KEYSLOT ${key}`))![1]);

  it('spreads keys over the three through an ioredis Cluster client, and reads them back', async () => {
    const cluster = new Cluster([{ host: '127.0.0.1', port: members[0]!.redisPort }], { enableOfflineQueue: true });
    try {
      for (const key of KEYS) expect(await cluster.set(key, `value of ${key}`)).toBe('OK');
      for (const key of KEYS) expect(await cluster.get(key)).toBe(`value of ${key}`);
      // `{tag}` keys share a slot: one MGET works; keys in two slots are CROSSSLOT.
      await cluster.mset('{user1}.a', '1', '{user1}.b', '2');
      expect(await cluster.mget('{user1}.a', '{user1}.b')).toEqual(['1', '2']);
      await expect(cluster.mget('cluster-key-0', 'cluster-key-1')).rejects.toThrow(
        "CROSSSLOT Keys in request don't hash to the same slot",
      );
    } finally {
      cluster.disconnect();
    }
    for (const m of members) expect(await currItems(m.port)).toBeGreaterThan(0);
    // And each key is stored on its owner only: the memcached port of the owner has it.
    for (const key of KEYS.slice(0, 10)) {
      const owner = ownerOf(await slotOf(key));
      const client = await RawClient.connect(owner.port);
      try {
        expect(await client.request(`get ${key}\r\n`, 'END\r\n')).toContain(`value of ${key}`);
      } finally {
        client.close();
      }
    }
  });

  it('answers MOVED with the owner\'s RESP address at a wrong node, CROSSSLOT across slots', async () => {
    const key = 'cluster-key-7';
    const slot = await slotOf(key);
    const owner = ownerOf(slot);
    const wrong = sorted.find((m) => m !== owner)!;
    const redis = new Redis({ host: '127.0.0.1', port: wrong.redisPort, maxRetriesPerRequest: 0 });
    try {
      await expect(redis.get(key)).rejects.toThrow(`MOVED ${slot} 127.0.0.1:${owner.redisPort}`);
      await expect(redis.set(key, 'x')).rejects.toThrow(`MOVED ${slot} 127.0.0.1:${owner.redisPort}`);
      await expect(redis.mget('cluster-key-0', 'cluster-key-1')).rejects.toThrow(
        "CROSSSLOT Keys in request don't hash to the same slot",
      );
      // Keyless commands run anywhere.
      expect(await redis.ping()).toBe('PONG');
      await expect(redis.select(1)).rejects.toThrow('ERR SELECT is not allowed in cluster mode');
      expect(await redis.readonly()).toBe('OK');
      expect(await redis.readwrite()).toBe('OK');
      expect(await redis.info('cluster')).toContain('cluster_enabled:1');
      expect(await redis.info('server')).toContain('redis_mode:cluster');
      expect(await redis.config('GET', 'cluster-enabled')).toEqual(['cluster-enabled', 'yes']);
    } finally {
      redis.disconnect();
    }
    const right = new Redis({ host: '127.0.0.1', port: owner.redisPort, maxRetriesPerRequest: 0 });
    try {
      expect(await right.get(key)).toBe(`value of ${key}`);
    } finally {
      right.disconnect();
    }
  });

  it('fails a transaction at queue time on MOVED, and at EXEC when its keys span slots', async () => {
    const key = 'cluster-key-7';
    const slot = await slotOf(key);
    const owner = ownerOf(slot);
    const wrong = sorted.find((m) => m !== owner)!;
    const moved = `-MOVED ${slot} 127.0.0.1:${owner.redisPort}\r\n`;
    const client = await RawClient.connect(wrong.redisPort);
    try {
      expect(await exchange(client, `MULTI\r\nGET ${key}\r\nEXEC\r\n`, 3)).toBe(
        `+OK\r\n${moved}-EXECABORT Transaction discarded because of previous errors.\r\n`,
      );
    } finally {
      client.close();
    }
    // Two keys the owner holds, in two slots: each queues, EXEC answers CROSSSLOT and drops the transaction.
    const local: string[] = [];
    for (const k of KEYS) {
      const s = await slotOf(k);
      if (ownerOf(s) === owner && (local.length === 0 || (await slotOf(local[0]!)) !== s)) local.push(k);
      if (local.length === 2) break;
    }
    const atOwner = await RawClient.connect(owner.redisPort);
    try {
      expect(await exchange(atOwner, `MULTI\r\nSET ${local[0]} a\r\nSET ${local[1]} b\r\nEXEC\r\nEXEC\r\n`, 5)).toBe(
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n-CROSSSLOT Keys in request don't hash to the same slot\r\n-ERR EXEC without MULTI\r\n",
      );
      expect(await exchange(atOwner, `MULTI\r\nSET ${local[0]} a\r\nGET ${local[0]}\r\nEXEC\r\n`, 4)).toBe(
        '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\na\r\n',
      );
    } finally {
      atOwner.close();
    }
  });

  it('describes the same topology from every node: SLOTS, SHARDS, NODES, INFO, MYID', async () => {
    const expectedSlots = [
      [0, 5460],
      [5461, 10921],
      [10922, 16383],
    ];
    const ids: string[] = [];
    for (const m of members) {
      const redis = new Redis({ host: '127.0.0.1', port: m.redisPort, maxRetriesPerRequest: 0 });
      try {
        const slots = (await redis.cluster('SLOTS')) as [number, number, [string, number, string, string[]]][];
        expect(slots.map(([start, end]) => [start, end])).toEqual(expectedSlots);
        expect(slots.map(([, , [ip, port, , meta]]) => [ip, port, meta])).toEqual(
          sorted.map((s) => ['127.0.0.1', s.redisPort, ['hostname', '127.0.0.1']]),
        );
        const myId = (await redis.cluster('MYID')) as string;
        expect(myId).toMatch(/^[0-9a-f]{40}$/);
        ids.push(myId);
        expect(slots[sorted.indexOf(m)]![2][2]).toBe(myId);

        const nodes = ((await redis.cluster('NODES')) as string).trimEnd().split('\n');
        expect(nodes).toHaveLength(3);
        const mine = nodes.filter((line) => line.includes('myself'));
        expect(mine).toHaveLength(1);
        // The epoch is the membership version.
        expect(mine[0]).toMatch(
          new RegExp(`^${myId} 127\\.0\\.0\\.1:${m.redisPort}@${m.redisPort + 10000},127\\.0\\.0\\.1 myself,master - 0 0 \\d+ connected ${expectedSlots[sorted.indexOf(m)]!.join('-')}$`),
        );

        const info = (await redis.cluster('INFO')) as string;
        expect(info).toMatch(/^cluster_state:ok\r\ncluster_slots_assigned:16384\r\n/);
        expect(info).toContain('cluster_known_nodes:3\r\ncluster_size:3\r\n');

        const shards = (await redis.cluster('SHARDS')) as unknown[][];
        expect(shards).toHaveLength(3);
        expect(shards[0]!.slice(0, 2)).toEqual(['slots', [0, 5460]]);
        const node = shards[1]![3] as unknown[][];
        expect(node[0]!.slice(0, 4)).toEqual(['id', slots[1]![2][2], 'port', sorted[1]!.redisPort]);
        expect(await redis.cluster('KEYSLOT', '{user1000}.following')).toBe(await redis.cluster('KEYSLOT', 'user1000'));
        expect(await redis.cluster('KEYSLOT', 'foo')).toBe(12182);
        expect(typeof (await redis.cluster('COUNTKEYSINSLOT', '1'))).toBe('number');
      } finally {
        redis.disconnect();
      }
    }
    expect(new Set(ids).size).toBe(3);
  });

  it('gives RESP3 clients maps and verbatim text', async () => {
    const port = members[0]!.redisPort;
    expect(await rawCommand(port, 'CLUSTER SHARDS', true)).toMatch(/^\*3\r\n%2\r\n\$5\r\nslots\r\n\*2\r\n:0\r\n:5460\r\n\$5\r\nnodes\r\n\*1\r\n%8\r\n/);
    expect(await rawCommand(port, 'CLUSTER SLOTS', true)).toMatch(/^\*3\r\n\*3\r\n:0\r\n:5460\r\n\*4\r\n\$9\r\n127\.0\.0\.1\r\n:\d+\r\n\$40\r\n[0-9a-f]{40}\r\n%1\r\n\$8\r\nhostname\r\n/);
    expect(await rawCommand(port, 'CLUSTER INFO', true)).toMatch(/^=\d+\r\ntxt:cluster_state:ok\r\n/);
    expect(await rawCommand(port, 'CLUSTER NODES', true)).toMatch(/^=\d+\r\ntxt:[0-9a-f]{40} /);
  });

  it('is followed by redis-cli -c from a wrong node', async () => {
    if (spawnSync('redis-cli', ['--version']).status !== 0) {
      console.warn('redis-cli is not installed: skipping the redis-cli -c check');
      return;
    }
    const key = 'cluster-key-11';
    const owner = ownerOf(await slotOf(key));
    const wrong = sorted.find((m) => m !== owner)!;
    const cli = (...args: string[]): string =>
      spawnSync('redis-cli', ['-c', '-p', String(wrong.redisPort), ...args], { encoding: 'utf8', timeout: 10_000 }).stdout.trim();
    expect(cli('SET', key, 'via redis-cli')).toBe('OK');
    expect(cli('GET', key)).toBe('via redis-cli');
    const direct = new Redis({ host: '127.0.0.1', port: owner.redisPort, maxRetriesPerRequest: 0 });
    try {
      expect(await direct.get(key)).toBe('via redis-cli');
    } finally {
      direct.disconnect();
    }
  });
});

describe('an ioredis Cluster client with a stale slot map', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-redis-cluster-grow-'));
  const clusterFile = path.join(dir, 'nodes');
  const members: Member[] = [];
  const line = (m: Member): string => `127.0.0.1|127.0.0.1|${m.port}`;

  afterAll(async () => {
    for (const m of members) await stopMember(m);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('follows MOVED to the new owners when the membership grows from one node to three', async () => {
    fs.writeFileSync(clusterFile, 'placeholder:1\n');
    for (let i = 0; i < 3; i++) members.push(await startMember(clusterFile));
    const first = members[0]!;
    fs.writeFileSync(clusterFile, `${line(first)}\n`);
    await waitFor('the one-node membership', async () =>
      (await rawCommand(first.redisPort, 'CLUSTER INFO')).includes('cluster_known_nodes:1\r\n') ? true : null,
    );
    const cluster = new Cluster([{ host: '127.0.0.1', port: first.redisPort }], { slotsRefreshInterval: 3_600_000 });
    try {
      expect(await cluster.set('before-growth', 'x')).toBe('OK');
      // The client now believes `first` owns every slot; the members learn otherwise.
      fs.writeFileSync(clusterFile, members.map(line).join('\n') + '\n');
      for (const m of members) {
        await waitFor('every member to see three nodes', async () =>
          (await rawCommand(m.redisPort, 'CLUSTER INFO')).includes('cluster_known_nodes:3\r\n') ? true : null,
        );
      }
      for (const key of KEYS) expect(await cluster.set(key, `grown ${key}`)).toBe('OK');
      for (const key of KEYS) expect(await cluster.get(key)).toBe(`grown ${key}`);
    } finally {
      cluster.disconnect();
    }
    // Every member got keys: the client went where MOVED sent it, not where its old map said.
    for (const m of members) expect(await currItems(m.port)).toBeGreaterThan(0);
  });
});

describe('without --redis-cluster', () => {
  let daemon: RespDaemon;

  beforeAll(async () => {
    daemon = await startRespDaemon(['-t', '1']);
  });
  afterAll(() => daemon.stop());

  it('answers CLUSTER as a one-node cluster owning every slot, and never redirects', async () => {
    const redis = new Redis({ host: '127.0.0.1', port: daemon.redisPort, maxRetriesPerRequest: 0 });
    try {
      const slots = (await redis.cluster('SLOTS')) as [number, number, [string, number, string, unknown]][];
      expect(slots.map(([start, end, [, port]]) => [start, end, port])).toEqual([[0, 16383, daemon.redisPort]]);
      expect(slots[0]![2][2]).toBe(await redis.cluster('MYID'));
      expect(await redis.mset('a', '1', 'b', '2')).toBe('OK');
      expect(await redis.mget('a', 'b')).toEqual(['1', '2']);
      expect(await redis.select(1)).toBe('OK');
      expect(await redis.info('cluster')).toContain('cluster_enabled:0');
      expect(await redis.info('server')).toContain('redis_mode:standalone');
      expect(await redis.config('GET', 'cluster-enabled')).toEqual(['cluster-enabled', 'no']);
      await expect(redis.readonly()).rejects.toThrow('ERR This instance has cluster support disabled');
    } finally {
      redis.disconnect();
    }
  });
});

/** Debian's redis-server as a one-node cluster: the reference for key names and types. */
describe('reply shapes against redis-server --cluster-enabled yes', () => {
  const available = spawnSync('redis-server', ['--version']).status === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-real-redis-cluster-'));
  let redisServer: ChildProcess | null = null;
  let realPort = 0;
  let daemon: RespDaemon;

  beforeAll(async () => {
    daemon = await startRespDaemon(['-t', '1', '--redis-cluster']);
    if (!available) return;
    realPort = await freePort();
    redisServer = spawn(
      'redis-server',
      ['--port', String(realPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-announce-hostname', 'localhost',
        '--cluster-config-file', path.join(dir, 'nodes.conf'), '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor('redis-server', async () => ((await listening(realPort)) ? true : null));
    await rawCommand(realPort, 'CLUSTER ADDSLOTSRANGE 0 16383');
  }, 30_000);

  afterAll(async () => {
    await daemon.stop();
    if (redisServer !== null && redisServer.exitCode === null) {
      await new Promise((resolve) => {
        redisServer!.once('exit', resolve);
        redisServer!.kill('SIGTERM');
      });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['CLUSTER SLOTS', false],
    ['CLUSTER SHARDS', false],
    ['CLUSTER SLOTS', true],
    ['CLUSTER SHARDS', true],
    ['CLUSTER KEYSLOT foo', false],
    ['CLUSTER MYID', true],
    ['CLUSTER INFO', true],
    ['CLUSTER NODES', true],
    ['READONLY', false],
    ['MGET a b', false],
    ['CLUSTER COUNTKEYSINSLOT 1', false],
    ['SELECT 1', false],
  ])('%s (RESP3: %s) has the shape of Redis 7', async (command, hello3) => {
    if (!available) {
      console.warn('redis-server is not installed: skipping the shape comparison');
      return;
    }
    const ours = await rawCommand(daemon.redisPort, command, hello3);
    const theirs = await rawCommand(realPort, command, hello3);
    if (command.startsWith('CLUSTER INFO') || command.startsWith('CLUSTER NODES')) {
      // Text: the same type and the same field names (values differ).
      expect(ours[0]).toBe(theirs[0]);
      const names = (text: string): string[] =>
        command.endsWith('INFO') ? [...text.matchAll(/([a-z_]+):/g)].map((m) => m[1]!) : [String(text.split(' ').length)];
      expect(names(ours)).toEqual(names(theirs));
    } else {
      expect(shape(ours)).toBe(shape(theirs));
    }
  });
});
