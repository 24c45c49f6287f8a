/** flush_all with and without a delay, and noreply. */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
let c: RawClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  daemon = await startDaemon(['-t', '3']);
  c = await RawClient.connect(daemon.port);
});
afterAll(async () => {
  c.close();
  await daemon.stop();
});

async function setKeys(prefix: string, n: number): Promise<void> {
  let cmd = '';
  for (let i = 0; i < n; i++) cmd += `set ${prefix}${i} 0 0 1\r\n${i % 10}\r\n`;
  const expected = 'STORED\r\n'.repeat(n);
  expect(await c.requestExpecting(cmd, expected)).toBe(expected);
}

describe('flush_all', () => {
  it('hides every item at once on every shard; later sets are visible', async () => {
    await setKeys('a', 30);
    expect(await c.request('flush_all\r\n')).toBe('OK\r\n');
    expect(await c.request('get a0 a1 a2 a3 a29\r\n', 'END\r\n')).toBe('END\r\n');
    expect(await c.request('set a0 0 0 1\r\nz\r\n')).toBe('STORED\r\n');
    expect(await c.request('get a0\r\n', 'END\r\n')).toBe('VALUE a0 0 1\r\nz\r\nEND\r\n');
  });

  it('with a delay, items stay until the deadline, then vanish', async () => {
    await setKeys('b', 10);
    expect(await c.request('flush_all 2\r\n')).toBe('OK\r\n');
    expect(await c.request('get b1\r\n', 'END\r\n')).toBe('VALUE b1 0 1\r\n1\r\nEND\r\n');
    await sleep(2300);
    expect(await c.request('get b1 b2\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('noreply flushes silently', async () => {
    await setKeys('c', 3);
    c.send('flush_all noreply\r\n');
    expect(await c.request('get c0\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('counts cmd_flush in stats', async () => {
    const stats = await c.request('stats\r\n', 'END\r\n');
    expect(stats).toMatch(/STAT cmd_flush [1-9]\d*\r\n/);
  });
});
