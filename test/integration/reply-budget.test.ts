/**
 * Reply amplification (fuzz finding): one short request naming a large value
 * hundreds of times (`get k k k …`, `MGET k k k …`) must not make the daemon
 * build a reply of hundreds of megabytes. A shard stops putting values into a
 * reply batch past its budget (32 MiB; REPLY_TOO_LARGE_STATUS), and the
 * sessions answer with their protocol's out-of-memory error and count
 * `reply_too_large`. The daemon's peak RSS (VmHWM, main thread and shards
 * together) stays bounded; before the budget a 600-key get peaked at 1.35 GB.
 * The daemon runs with --max-output-buffer 256m, so the main thread's own cap
 * on a multi-key reply (limits.test.ts) is not what bites here.
 */
import fs from 'node:fs';
import { startDaemon, freePort, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

jest.setTimeout(60_000);

const MIB = 1024 * 1024;
const VALUE_LENGTH = 1000 * 1000;

let daemon: RunningDaemon;
let redisPort: number;

beforeAll(async () => {
  redisPort = await freePort();
  daemon = await startDaemon(['-t', '1', '-m', '64', '--redis-port', String(redisPort), '--max-output-buffer', '256m']);
  const c = await RawClient.connect(daemon.port);
  const value = Buffer.alloc(VALUE_LENGTH, 0x62);
  expect(await c.request(Buffer.concat([Buffer.from(`set big 0 0 ${VALUE_LENGTH}\r\n`), value, Buffer.from('\r\n')]))).toBe('STORED\r\n');
  c.close();
});

afterAll(async () => {
  await daemon.stop();
});

/** Peak resident memory of the daemon process so far (Linux VmHWM), bytes. */
function peakRssBytes(): number {
  const status = fs.readFileSync(`/proc/${daemon.process.pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (kb === null) throw new Error('no VmHWM');
  return Number(kb[1]) * 1024;
}

async function stat(name: string): Promise<number> {
  const c = await RawClient.connect(daemon.port);
  try {
    const stats = await c.request('stats\r\n', 'END\r\n');
    const m = new RegExp(`STAT ${name} (\\d+)\\r\\n`).exec(stats);
    if (m === null) throw new Error(`no STAT ${name}`);
    return Number(m[1]);
  } finally {
    c.close();
  }
}

describe('reply budget', () => {
  test('a 600-key memcached get of one 1 MB value answers out of memory with peak RSS under 300 MiB; reply_too_large counts it', async () => {
    const before = await stat('reply_too_large');
    const c = await RawClient.connect(daemon.port);
    const reply = await c.request(`get${' big'.repeat(600)}\r\n`, '\r\n', 20_000);
    expect(reply).toBe('SERVER_ERROR out of memory writing get response\r\n');
    // The connection and the shard still serve.
    const one = await c.requestExpecting('get big\r\n', `VALUE big 0 ${VALUE_LENGTH}\r\n${'b'.repeat(VALUE_LENGTH)}\r\nEND\r\n`);
    expect(one.endsWith('\r\nEND\r\n')).toBe(true);
    c.close();
    expect(await stat('reply_too_large')).toBe(before + 1);
    expect(peakRssBytes()).toBeLessThan(300 * MIB);
  });

  test('a 600-key RESP MGET of one 1 MB value answers -ERR with peak RSS under 300 MiB; reply_too_large counts it', async () => {
    const before = await stat('reply_too_large');
    const c = await RawClient.connect(redisPort);
    const reply = await c.request(`MGET${' big'.repeat(600)}\r\n`, '\r\n', 20_000);
    expect(reply).toMatch(/^-ERR reply too large[^\r\n]*\r\n$/);
    expect(await c.request('GET nosuchkey\r\n')).toBe('$-1\r\n');
    c.close();
    expect(await stat('reply_too_large')).toBe(before + 1);
    expect(peakRssBytes()).toBeLessThan(300 * MIB);
  });

  /**
   * Sends `request` 100 times in one write (one shard batch, under the 256 in-flight bound: ~100 MB of
   * values) and expects each answer, in order, to be `hit` or `refused`; at least the budget's worth
   * of values go out, the rest are refused and counted in reply_too_large.
   */
  async function expectPipelinedBudget(request: string, hit: string, refused: string): Promise<void> {
    const before = await stat('reply_too_large');
    const c = await RawClient.connect(daemon.port);
    c.send(request.repeat(100));
    let received = '';
    let answers = 0;
    let refusedCount = 0;
    while (answers < 100) {
      received += (await c.readUntil((b) => b.length > 0, 10_000)).toString('latin1');
      for (;;) {
        if (received.startsWith(hit)) received = received.slice(hit.length);
        else if (received.startsWith(refused)) {
          received = received.slice(refused.length);
          refusedCount++;
        } else break;
        answers++;
      }
      if (c.closed) break;
    }
    expect(answers).toBe(100);
    expect(received).toBe('');
    expect(100 - refusedCount).toBeGreaterThanOrEqual(32);
    expect(refusedCount).toBeGreaterThan(0);
    c.close();
    expect(await stat('reply_too_large')).toBe(before + refusedCount);
  }

  test('pipelined single gets past one batch\'s budget: each answer is the value or the out-of-memory error, in order', async () => {
    await expectPipelinedBudget(
      'get big\r\n',
      `VALUE big 0 ${VALUE_LENGTH}\r\n${'b'.repeat(VALUE_LENGTH)}\r\nEND\r\n`,
      'SERVER_ERROR out of memory writing get response\r\n',
    );
  });

  test('meta protocol: pipelined `mg big v` past one batch\'s budget answer the value or the out-of-memory error, in order; reply_too_large counts them', async () => {
    await expectPipelinedBudget('mg big v\r\n', `VA ${VALUE_LENGTH}\r\n${'b'.repeat(VALUE_LENGTH)}\r\n`, 'SERVER_ERROR out of memory writing get response\r\n');
  });

  test('binary protocol: pipelined GETs past one batch\'s budget answer status 0x82 "Out of memory", in order; reply_too_large counts them', async () => {
    const before = await stat('reply_too_large');
    const c = await RawClient.connect(daemon.port);
    const requests: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const packet = Buffer.alloc(24 + 3);
      packet[0] = 0x80; // request magic
      packet[1] = 0x00; // GET
      packet.writeUInt16BE(3, 2); // key length
      packet.writeUInt32BE(3, 8); // total body
      packet.writeUInt32BE(i, 12); // opaque: the request's position
      packet.write('big', 24, 'latin1');
      requests.push(packet);
    }
    c.send(Buffer.concat(requests));
    const statuses: number[] = [];
    let pending = Buffer.alloc(0);
    while (statuses.length < 100 && !c.closed) {
      pending = Buffer.concat([pending, await c.readUntil((b) => b.length > 0, 10_000)]);
      while (pending.length >= 24 && pending.length >= 24 + pending.readUInt32BE(8)) {
        const body = pending.readUInt32BE(8);
        expect(pending.readUInt32BE(12)).toBe(statuses.length);
        const status = pending.readUInt16BE(6);
        if (status === 0x82) expect(pending.subarray(24, 24 + body).toString('latin1')).toBe('Out of memory');
        else expect([status, body]).toEqual([0, 4 + VALUE_LENGTH]);
        statuses.push(status);
        pending = pending.subarray(24 + body);
      }
    }
    c.close();
    const refused = statuses.filter((s) => s === 0x82).length;
    expect(statuses).toHaveLength(100);
    expect(100 - refused).toBeGreaterThanOrEqual(32);
    expect(refused).toBeGreaterThan(0);
    expect(await stat('reply_too_large')).toBe(before + refused);
  });
});
