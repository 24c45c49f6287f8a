/**
 * Replies written in place (server/output-slab.ts): one-key get hits are
 * rendered straight into a shared slab, short replies (STORED, END, small
 * multi-gets) are copied onto the same run, and larger ones keep buffers of
 * their own. Several connections pipeline thousands of such commands at once,
 * so their runs interleave in the slab and cross many slab replacements;
 * every byte of every connection's output must be exactly what its commands
 * imply, in order. The same for RESP GET, whose bulk replies are written in
 * place too (but not inside EXEC, which gathers its replies).
 */
import crypto from 'node:crypto';
import { freePort, startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { mulberry32 } from '../../helpers/prng';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
let redisPort: number;
beforeAll(async () => {
  redisPort = await freePort();
  daemon = await startDaemon(['-t', '2', '-m', '256', '--redis-port', String(redisPort)]);
});
afterAll(async () => {
  await daemon.stop();
});

/** Value sizes on both sides of the in-place limits: the 256-byte copy limit and the 8 KiB in-place limit. */
const VALUE_SIZES = [0, 1, 30, 200, 250, 257, 1000, 4000, 8100, 8192, 8300, 12000];

function script(conn: number, steps: number): { send: string; expect: string } {
  const random = mulberry32(conn * 104729 + 7);
  const rand = (n: number): number => Math.floor(random() * n);
  const model = new Map<string, { flags: number; value: string }>();
  let send = '';
  let expect = '';
  for (let i = 0; i < steps; i++) {
    const key = `o${conn}:${rand(40)}`;
    const r = rand(100);
    if (r < 25) {
      const size = VALUE_SIZES[rand(VALUE_SIZES.length)]!;
      const value = String.fromCharCode(97 + rand(26)).repeat(size);
      const flags = rand(3) === 0 ? 0 : rand(1 << 30);
      send += `set ${key} ${flags} 0 ${size}\r\n${value}\r\n`;
      expect += 'STORED\r\n';
      model.set(key, { flags, value });
    } else if (r < 85) {
      send += `get ${key}\r\n`;
      const item = model.get(key);
      if (item !== undefined) expect += `VALUE ${key} ${item.flags} ${item.value.length}\r\n${item.value}\r\n`;
      expect += 'END\r\n';
    } else if (r < 93) {
      const other = `o${conn}:${rand(40)}`;
      send += `get ${key} ${other}\r\n`;
      for (const k of [key, other]) {
        const item = model.get(k);
        if (item !== undefined) expect += `VALUE ${k} ${item.flags} ${item.value.length}\r\n${item.value}\r\n`;
      }
      expect += 'END\r\n';
    } else {
      send += `delete ${key}\r\n`;
      expect += model.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n';
    }
  }
  return { send, expect };
}

/**
 * Eight connections each send their script (in 64 KiB writes, all at once) and must
 * get back exactly the bytes it implies; returns the total reply bytes.
 */
async function runPipelines(port: number, script: (conn: number) => { send: string; expect: string }): Promise<number> {
  const connections = await Promise.all(Array.from({ length: 8 }, () => RawClient.connect(port)));
  const results = await Promise.all(
    connections.map(async (client, conn) => {
      const { send, expect: expected } = script(conn);
      for (let at = 0; at < send.length; at += 65_536) client.send(send.slice(at, at + 65_536));
      const reply = await client.readUntil((r) => r.length >= expected.length, 30_000);
      client.close();
      return { reply: reply.toString('latin1'), expected };
    }),
  );
  let totalBytes = 0;
  for (const { reply, expected } of results) {
    totalBytes += expected.length;
    const digest = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
    expect(digest(reply)).toBe(digest(expected));
  }
  return totalBytes;
}

describe('replies written in place', () => {
  it('interleaved pipelines across many output slabs get exactly their bytes, in order', async () => {
    const totalBytes = await runPipelines(daemon.port, (conn) => script(conn, 3000));
    // The replies span many 64 KiB slabs, so runs cross slab replacements.
    expect(totalBytes).toBeGreaterThan(20 * 64 * 1024);
  });
});

function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
}

function respScript(conn: number, steps: number): { send: string; expect: string } {
  const random = mulberry32(conn * 7573 + 11);
  const rand = (n: number): number => Math.floor(random() * n);
  const model = new Map<string, string>();
  const bulk = (value: string | undefined) => (value === undefined ? '$-1\r\n' : `$${value.length}\r\n${value}\r\n`);
  let send = '';
  let expect = '';
  for (let i = 0; i < steps; i++) {
    const key = `r${conn}:${rand(40)}`;
    const r = rand(100);
    if (r < 25) {
      const value = String.fromCharCode(65 + rand(26)).repeat(VALUE_SIZES[rand(VALUE_SIZES.length)]!);
      send += respCommand('SET', key, value);
      expect += '+OK\r\n';
      model.set(key, value);
    } else if (r < 90) {
      send += respCommand('GET', key);
      expect += bulk(model.get(key));
    } else {
      const other = `r${conn}:${rand(40)}`;
      send += respCommand('MULTI') + respCommand('GET', key) + respCommand('GET', other) + respCommand('EXEC');
      expect += '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n' + bulk(model.get(key)) + bulk(model.get(other));
    }
  }
  return { send, expect };
}

describe('RESP GET written in place', () => {
  it('interleaved pipelines of GET, SET and EXEC get exactly their bytes, in order', async () => {
    const totalBytes = await runPipelines(redisPort, (conn) => respScript(conn, 3000));
    expect(totalBytes).toBeGreaterThan(20 * 64 * 1024);
  });
});
