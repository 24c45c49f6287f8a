/** Expiry rules of memcached: 0 never, ≤ 30 days relative, larger a unix time, negative expired. */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
let c: RawClient;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  daemon = await startDaemon(['-t', '2']);
  c = await RawClient.connect(daemon.port);
});
afterAll(async () => {
  c.close();
  await daemon.stop();
});

describe('expirations', () => {
  it('a relative exptime expires after that many seconds', async () => {
    expect(await c.request('set rel 0 1 3\r\nabc\r\n')).toBe('STORED\r\n');
    expect(await c.request('get rel\r\n', 'END\r\n')).toBe('VALUE rel 0 3\r\nabc\r\nEND\r\n');
    await sleep(1200);
    expect(await c.request('get rel\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('an absolute unix exptime in the future lives until then', async () => {
    const at = Math.floor(Date.now() / 1000) + 2;
    expect(await c.request(`set abs 0 ${at} 1\r\nx\r\n`)).toBe('STORED\r\n');
    expect(await c.request('get abs\r\n', 'END\r\n')).toBe('VALUE abs 0 1\r\nx\r\nEND\r\n');
    await sleep(Math.max(0, at * 1000 - Date.now()) + 200);
    expect(await c.request('get abs\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('an absolute exptime before process start is already expired', async () => {
    expect(await c.request('set past 0 2592001 1\r\nx\r\n')).toBe('STORED\r\n');
    expect(await c.request('get past\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('a negative exptime stores nothing visible and hides the old value', async () => {
    expect(await c.request('set neg 0 0 3\r\nold\r\n')).toBe('STORED\r\n');
    expect(await c.request('set neg 0 -1 3\r\nnew\r\n')).toBe('STORED\r\n');
    expect(await c.request('get neg\r\n', 'END\r\n')).toBe('END\r\n');
  });

  it('touch and gat move the expiry', async () => {
    expect(await c.request('set t 0 1 1\r\nx\r\n')).toBe('STORED\r\n');
    expect(await c.request('touch t 100\r\n')).toBe('TOUCHED\r\n');
    expect(await c.request('set g 0 1 1\r\ny\r\n')).toBe('STORED\r\n');
    expect(await c.request('gat 100 g\r\n', 'END\r\n')).toBe('VALUE g 0 1\r\ny\r\nEND\r\n');
    await sleep(1200);
    expect(await c.request('get t g\r\n', 'END\r\n')).toBe('VALUE t 0 1\r\nx\r\nVALUE g 0 1\r\ny\r\nEND\r\n');
    expect(await c.request('touch missing 10\r\n')).toBe('NOT_FOUND\r\n');
  });

  it('exptime 0 never expires', async () => {
    expect(await c.request('set forever 5 0 2\r\nok\r\n')).toBe('STORED\r\n');
    await sleep(1100);
    expect(await c.request('get forever\r\n', 'END\r\n')).toBe('VALUE forever 5 2\r\nok\r\nEND\r\n');
  });
});
