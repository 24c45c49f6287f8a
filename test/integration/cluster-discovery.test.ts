/**
 * ElastiCache auto-discovery: `config get cluster` (text), the legacy
 * `get AmazonElastiCache:cluster`, and binary opcode 0x60, byte for byte; the
 * version rises only on a real change; and an auto-discovery client
 * (memcached-elasticache) finds three local daemons sharing a --cluster-file,
 * spreads keys over them, and picks up a fourth added to the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ElastiCacheClient = require('memcached-elasticache') as new (
  endpoint: string,
  options: Record<string, unknown>,
) => {
  on(event: 'autoDiscover', listener: (nodes: string[]) => void): void;
  on(event: 'autoDiscoverFailure', listener: (err: Error) => void): void;
  set(key: string, value: string, lifetime: number, cb: (err: Error | undefined) => void): void;
  get(key: string, cb: (err: Error | undefined, value: unknown) => void): void;
  end(): void;
};

function configReply(version: number, payloadNodes: string): string {
  const payload = `${version}\n${payloadNodes}\n`;
  return `CONFIG cluster 0 ${Buffer.byteLength(payload)}\r\n${payload}\r\nEND\r\n`;
}

async function currItems(port: number): Promise<number> {
  const client = await RawClient.connect(port);
  try {
    return Number(/STAT curr_items (\d+)/.exec(await client.request('stats\r\n', 'END\r\n'))![1]);
  } finally {
    client.close();
  }
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('config get cluster', () => {
  let daemon: RunningDaemon;
  const nodes = 'b.example|10.0.0.2|11211,a.example|10.0.0.1|11211';

  beforeAll(async () => {
    daemon = await startDaemon(['--cluster-nodes', nodes]);
  });
  afterAll(() => daemon.stop());

  it("answers ElastiCache's exact bytes, nodes sorted, in one reply", async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      const expected = configReply(2, 'a.example|10.0.0.1|11211 b.example|10.0.0.2|11211');
      expect(await client.request('config get cluster\r\n', 'END\r\n')).toBe(expected);
      // The legacy form: the same payload as an item.
      const payload = '2\na.example|10.0.0.1|11211 b.example|10.0.0.2|11211\n';
      expect(await client.request('get AmazonElastiCache:cluster\r\n', 'END\r\n')).toBe(
        `VALUE AmazonElastiCache:cluster 0 ${payload.length}\r\n${payload}\r\nEND\r\n`,
      );
      expect(await client.request('config get nothing\r\n')).toBe('ERROR\r\n');
    } finally {
      client.close();
    }
  });

  it('answers binary opcode 0x60 with flags as extras and the payload as the value', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      const key = Buffer.from('cluster');
      const header = Buffer.alloc(24);
      header[0] = 0x80;
      header[1] = 0x60;
      header.writeUInt16BE(key.length, 2);
      header.writeUInt32BE(key.length, 8);
      header.writeUInt32BE(0xdeadbeef, 12);
      const payload = Buffer.from('2\na.example|10.0.0.1|11211 b.example|10.0.0.2|11211\n');
      client.socket.write(Buffer.concat([header, key]));
      const reply = await client.readUntil((r) => r.length >= 24 + 4 + payload.length);
      expect(reply[0]).toBe(0x81);
      expect(reply[1]).toBe(0x60);
      expect(reply.readUInt16BE(6)).toBe(0); // status
      expect(reply[4]).toBe(4); // extras: flags
      expect(reply.readUInt32BE(8)).toBe(4 + payload.length);
      expect(reply.readUInt32BE(12)).toBe(0xdeadbeef);
      expect(reply.subarray(28)).toEqual(payload);
    } finally {
      client.close();
    }
  });
});

describe('auto-discovery through a shared --cluster-file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-discovery-'));
  const file = path.join(dir, 'nodes');
  const daemons: RunningDaemon[] = [];
  const line = (d: RunningDaemon): string => `127.0.0.1|127.0.0.1|${d.port}`;

  afterAll(async () => {
    for (const d of daemons) await d.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('raises the version only when the list changes', async () => {
    fs.writeFileSync(file, 'placeholder:1\n');
    for (let i = 0; i < 3; i++) daemons.push(await startDaemon(['--cluster-file', file, '-t', '1']));
    fs.writeFileSync(file, daemons.map(line).join('\n') + '\n');
    const client = await RawClient.connect(daemons[0]!.port);
    try {
      const listed = daemons.map(line).sort().join(' ');
      const first = await waitFor('the file to be read', async () => {
        const reply = await client.request('config get cluster\r\n', 'END\r\n');
        return reply.includes(listed) ? reply : null;
      });
      const version = Number(first.split('\r\n')[1]!.split('\n')[0]);
      // The same members written again (another order, a comment): no new version.
      fs.writeFileSync(file, `# the same\n${[...daemons].reverse().map(line).join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 2500));
      expect(await client.request('config get cluster\r\n', 'END\r\n')).toBe(first);
      expect(version).toBeGreaterThanOrEqual(2);
    } finally {
      client.close();
    }
  });

  it('lets memcached-elasticache find all nodes, spread keys, and use a node added later', async () => {
    const endpoint = `127.0.0.1:${daemons[0]!.port}`;
    const discovered: string[][] = [];
    const client = new ElastiCacheClient(endpoint, { autoDiscoverInterval: 300, retries: 0, timeout: 2000 });
    client.on('autoDiscover', (nodes) => discovered.push([...nodes].sort()));
    const set = (key: string): Promise<void> =>
      new Promise((resolve, reject) => client.set(key, 'v', 0, (err) => (err ? reject(err) : resolve())));
    try {
      const three = daemons.map((d) => `127.0.0.1:${d.port}`).sort();
      await waitFor('three nodes discovered', async () => (discovered.some((n) => n.join() === three.join()) ? true : null));
      for (let i = 0; i < 300; i++) await set(`spread:${i}`);
      const counts = await Promise.all(daemons.map((d) => currItems(d.port)));
      expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
      for (const n of counts) expect(n).toBeGreaterThan(30);

      daemons.push(await startDaemon(['--cluster-file', file, '-t', '1']));
      fs.writeFileSync(file, daemons.map(line).join('\n') + '\n');
      const four = daemons.map((d) => `127.0.0.1:${d.port}`).sort();
      await waitFor('the fourth node discovered', async () => (discovered.some((n) => n.join() === four.join()) ? true : null), 15_000);
      for (let i = 0; i < 300; i++) await set(`later:${i}`);
      expect(await currItems(daemons[3]!.port)).toBeGreaterThan(30);
    } finally {
      client.end();
    }
  }, 40_000);
});
