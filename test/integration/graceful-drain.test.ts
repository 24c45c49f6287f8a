/**
 * Graceful shutdown finishes every request already read (issue 8): a client
 * pipelines far more requests than the 256 in-flight bound, so most of them
 * wait parsed in the session (DispatchGate backpressure) when SIGTERM arrives;
 * every one still gets its reply, in order, before the socket closes, and the
 * daemon exits 0. Before the fix the close marker went into the reply queue at
 * once and the deferred requests behind it were never answered.
 */
import { startDaemon, freePort, waitForPort, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

jest.setTimeout(60_000);

const REQUESTS = 5000;

/** Reads until the daemon closes the connection (or `timeoutMs`); everything received. */
async function readToClose(c: RawClient, timeoutMs: number): Promise<string> {
  let received = '';
  const deadline = Date.now() + timeoutMs;
  while (!c.closed && Date.now() < deadline) {
    received += (await c.readUntil(() => false, Math.max(1, deadline - Date.now()))).toString('latin1');
  }
  return received;
}

describe('graceful drain', () => {
  let daemon: RunningDaemon;
  let redisPort: number;

  beforeEach(async () => {
    redisPort = await freePort();
    daemon = await startDaemon(['-t', '2', '--redis-port', String(redisPort), '--shutdown-timeout', '20']);
    // startDaemon waits for the memcached port only; the Redis listener may open a moment later.
    await waitForPort(redisPort, daemon.process);
  });

  afterEach(async () => {
    await daemon.stop('SIGKILL');
  });

  /** The daemon's exit code, once it exits (ask before sending the signal). */
  const exitCode = (): Promise<number | null> => new Promise((resolve) => daemon.process.once('exit', (code) => resolve(code)));

  /** Sends `pipeline` and SIGTERMs the daemon at once: exactly `expected` comes back, then the close, then exit code 0. */
  async function expectAnsweredThroughSigterm(c: RawClient, pipeline: string, expected: string): Promise<void> {
    const exited = exitCode();
    c.send(pipeline);
    daemon.process.kill('SIGTERM');
    const received = await readToClose(c, 20_000);
    expect(c.closed).toBe(true);
    expect(received.length).toBe(expected.length);
    expect(received).toBe(expected);
    expect(await exited).toBe(0);
  }

  test('memcached: SIGTERM right after a 5000-get pipeline with sets; every request is answered, then the socket closes and the daemon exits 0', async () => {
    const c = await RawClient.connect(daemon.port);
    expect(await c.request('set k0 0 0 2\r\nv0\r\n')).toBe('STORED\r\n');
    let pipeline = '';
    let expected = '';
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 10 === 9) {
        // Sets among the gets: each get of k0 after a set sees that set's value.
        const value = `v${i}`;
        pipeline += `set k0 0 0 ${value.length}\r\n${value}\r\n`;
        expected += 'STORED\r\n';
      } else {
        pipeline += 'get k0\r\n';
        const last = i < 9 ? 'v0' : `v${i - (i % 10) - 1}`;
        expected += `VALUE k0 0 ${last.length}\r\n${last}\r\nEND\r\n`;
      }
    }
    await expectAnsweredThroughSigterm(c, pipeline, expected);
  });

  test('RESP: SIGTERM right after a 5000-GET pipeline with SETs; every request is answered, then the socket closes and the daemon exits 0', async () => {
    const c = await RawClient.connect(redisPort);
    expect(await c.request('SET k0 v0\r\n')).toBe('+OK\r\n');
    let pipeline = '';
    let expected = '';
    for (let i = 0; i < REQUESTS; i++) {
      if (i % 10 === 9) {
        const value = `v${i}`;
        pipeline += `*3\r\n$3\r\nSET\r\n$2\r\nk0\r\n$${value.length}\r\n${value}\r\n`;
        expected += '+OK\r\n';
      } else {
        pipeline += '*2\r\n$3\r\nGET\r\n$2\r\nk0\r\n';
        const last = i < 9 ? 'v0' : `v${i - (i % 10) - 1}`;
        expected += `$${last.length}\r\n${last}\r\n`;
      }
    }
    await expectAnsweredThroughSigterm(c, pipeline, expected);
  });

  test('a client that half-closes after its pipeline gets every reply, deferred ones included', async () => {
    const c = await RawClient.connect(daemon.port);
    c.socket.end('get nosuchkey\r\n'.repeat(REQUESTS));
    const received = await readToClose(c, 20_000);
    expect(c.closed).toBe(true);
    expect(received).toBe('END\r\n'.repeat(REQUESTS));
  });

  test('a client that never stops sending is closed cleanly after the read window, its replies whole, well before --shutdown-timeout', async () => {
    const c = await RawClient.connect(daemon.port);
    // Keeps ~4 MB of requests queued (over half a second of the daemon's work), so the
    // connection is never caught up, without the client buffering without bound.
    const burst = 'get nosuchkey\r\n'.repeat(5000);
    const sender = setInterval(() => {
      if (!c.closed && c.socket.writableLength < 4 * 1024 * 1024) c.send(burst);
    }, 2);
    try {
      // What arrives before the SIGTERM is part of the stream too (200 ms may end mid-reply).
      const before = (await c.readFor(200)).toString('latin1');
      const exited = exitCode();
      const started = Date.now();
      daemon.process.kill('SIGTERM');
      const received = await readToClose(c, 15_000);
      expect(c.closed).toBe(true);
      // The read window is 2 s; --shutdown-timeout is 20 s.
      expect(Date.now() - started).toBeLessThan(12_000);
      expect(before + received).toMatch(/^(END\r\n)*$/);
      expect(await exited).toBe(0);
    } finally {
      clearInterval(sender);
    }
  });

  test('an idle connection is closed at once and the daemon exits 0 well before --shutdown-timeout', async () => {
    const c = await RawClient.connect(daemon.port);
    expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    const started = Date.now();
    const exited = exitCode();
    daemon.process.kill('SIGTERM');
    await readToClose(c, 10_000);
    expect(c.closed).toBe(true);
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
