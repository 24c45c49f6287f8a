/**
 * --idle-timeout closes connections that complete no request and get no reply
 * for that long — a silent client, and a request trickled a byte at a time
 * (slowloris) — while a client sending noreply sets without pause stays; the
 * kicks are counted in `stats` (idle_kicks). --shutdown-timeout bounds a stop.
 */
import net from 'node:net';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe('--idle-timeout', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['--idle-timeout', '1']);
  });
  afterAll(() => daemon.stop());

  it('closes a silent connection, and a slowloris one, but not a busy noreply writer', async () => {
    const silent = net.connect(daemon.port, '127.0.0.1');
    const slow = net.connect(daemon.port, '127.0.0.1');
    const busy = net.connect(daemon.port, '127.0.0.1');
    for (const s of [silent, slow, busy]) {
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
    }
    // One byte every 200 ms of a request that never ends; sets without replies every 100 ms.
    const line = Buffer.from('get a-key-that-takes-forever-to-arrive\r\n');
    let at = 0;
    const trickle = setInterval(() => slow.writable && at < line.length - 2 && slow.write(line.subarray(at, ++at)), 200);
    let n = 0;
    const writer = setInterval(() => busy.writable && busy.write(`set k${n++} 0 0 1 noreply\r\nx\r\n`), 100);
    try {
      const [silentClosed, slowClosed] = await Promise.all([closedWithin(silent, 4000), closedWithin(slow, 4000)]);
      expect(silentClosed).toBe(true);
      expect(slowClosed).toBe(true);
      expect(busy.destroyed).toBe(false);
      const client = await RawClient.connect(daemon.port);
      try {
        const stats = await client.request('stats\r\n', 'END\r\n');
        expect(Number(/STAT idle_kicks (\d+)/.exec(stats)![1])).toBeGreaterThanOrEqual(2);
        // The writer keeps counting while the get is answered: name the key once.
        const key = `k${n - 5}`;
        expect(await client.request(`get ${key}\r\n`, 'END\r\n')).toBe(`VALUE ${key} 0 1\r\nx\r\nEND\r\n`);
      } finally {
        client.close();
      }
    } finally {
      clearInterval(trickle);
      clearInterval(writer);
      for (const s of [silent, slow, busy]) s.destroy();
    }
  });
});

describe('--shutdown-timeout', () => {
  it('bounds a graceful stop when a client never reads its replies', async () => {
    const daemon = await startDaemon(['--shutdown-timeout', '1']);
    const stuck = net.connect(daemon.port, '127.0.0.1');
    stuck.on('error', () => undefined);
    await new Promise((r) => stuck.once('connect', r));
    // Ask for far more output than the socket buffers hold, and never read it.
    stuck.pause();
    const value = 'x'.repeat(500_000);
    stuck.write(`set big 0 0 ${value.length}\r\n${value}\r\n`);
    for (let i = 0; i < 200; i++) stuck.write('get big\r\n');
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    expect(await daemon.stop()).toBe(0);
    expect(Date.now() - started).toBeLessThan(4000);
    stuck.destroy();
  });
});
