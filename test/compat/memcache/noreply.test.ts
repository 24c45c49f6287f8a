/** noreply suppresses the reply of every command that accepts it; order is kept. */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
beforeAll(async () => {
  daemon = await startDaemon(['-t', '2']);
});
afterAll(async () => {
  await daemon.stop();
});

describe('noreply', () => {
  it('set/add/replace/append/prepend/cas/incr/decr/touch/delete stay silent', async () => {
    const c = await RawClient.connect(daemon.port);
    c.send(
      'set nr 0 0 1 noreply\r\na\r\n' +
        'add nr 0 0 1 noreply\r\nb\r\n' +
        'replace nr 0 0 1 noreply\r\n1\r\n' +
        'append nr 0 0 1 noreply\r\n2\r\n' +
        'prepend nr 0 0 1 noreply\r\n0\r\n' +
        'incr nr 5 noreply\r\n' +
        'decr nr 1 noreply\r\n' +
        'touch nr 100 noreply\r\n',
    );
    expect(await c.request('get nr\r\n', 'END\r\n')).toBe('VALUE nr 0 3\r\n16 \r\nEND\r\n');
    c.send('cas nr 0 0 1 1 noreply\r\nz\r\ndelete nr noreply\r\n');
    expect(await c.request('get nr\r\n', 'END\r\n')).toBe('END\r\n');
    c.close();
  });
});
