/** incr/decr: 64-bit unsigned, incr wraps, decr floors at 0, memcached's in-place padding. */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
let c: RawClient;
beforeAll(async () => {
  daemon = await startDaemon(['-t', '2']);
  c = await RawClient.connect(daemon.port);
});
afterAll(async () => {
  c.close();
  await daemon.stop();
});

describe('incr/decr', () => {
  it('counts up and down', async () => {
    expect(await c.request('set n 0 0 1\r\n1\r\n')).toBe('STORED\r\n');
    expect(await c.request('incr n 41\r\n')).toBe('42\r\n');
    expect(await c.request('decr n 2\r\n')).toBe('40\r\n');
  });

  it('incr wraps at 2^64 and decr floors at 0', async () => {
    expect(await c.request('set big 0 0 20\r\n18446744073709551615\r\n')).toBe('STORED\r\n');
    expect(await c.request('incr big 2\r\n')).toBe('1\r\n');
    expect(await c.request('decr big 5\r\n')).toBe('0\r\n');
  });

  it('a shorter result is padded with spaces in place, as memcached does', async () => {
    expect(await c.request('set ten 0 0 2\r\n10\r\n')).toBe('STORED\r\n');
    expect(await c.request('decr ten 1\r\n')).toBe('9\r\n');
    expect(await c.request('get ten\r\n', 'END\r\n')).toBe('VALUE ten 0 2\r\n9 \r\nEND\r\n');
    expect(await c.request('incr ten 991\r\n')).toBe('1000\r\n');
    expect(await c.request('get ten\r\n', 'END\r\n')).toBe('VALUE ten 0 4\r\n1000\r\nEND\r\n');
  });

  it('a non-numeric value is refused and a missing key is NOT_FOUND', async () => {
    expect(await c.request('set word 0 0 3\r\nabc\r\n')).toBe('STORED\r\n');
    expect(await c.request('incr word 1\r\n')).toBe('CLIENT_ERROR cannot increment or decrement non-numeric value\r\n');
    expect(await c.request('decr nothing 1\r\n')).toBe('NOT_FOUND\r\n');
  });

  it('keeps flags and changes the CAS', async () => {
    expect(await c.request('set f 77 0 1\r\n5\r\n')).toBe('STORED\r\n');
    const before = await c.request('gets f\r\n', 'END\r\n');
    expect(await c.request('incr f 1\r\n')).toBe('6\r\n');
    const after = await c.request('gets f\r\n', 'END\r\n');
    expect(after.startsWith('VALUE f 77 1 ')).toBe(true);
    expect(after).not.toBe(before);
  });
});
