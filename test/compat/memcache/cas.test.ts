/** CAS semantics and a CAS race between two connections. */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
beforeAll(async () => {
  daemon = await startDaemon(['-t', '2']);
});
afterAll(async () => {
  await daemon.stop();
});

function casOf(reply: string): string {
  const m = /^VALUE \S+ \d+ \d+ (\d+)\r\n/.exec(reply);
  if (m === null) throw new Error(`no cas in ${JSON.stringify(reply)}`);
  return m[1]!;
}

describe('cas', () => {
  it('NOT_FOUND on a missing key, EXISTS on a stale value, STORED on a match', async () => {
    const c = await RawClient.connect(daemon.port);
    expect(await c.request('cas nokey 0 0 1 1\r\nx\r\n')).toBe('NOT_FOUND\r\n');
    expect(await c.request('set k 3 0 2\r\nv1\r\n')).toBe('STORED\r\n');
    const cas = casOf(await c.request('gets k\r\n', 'END\r\n'));
    expect(await c.request(`cas k 4 0 2 ${BigInt(cas) + 1n}\r\nv2\r\n`)).toBe('EXISTS\r\n');
    expect(await c.request(`cas k 4 0 2 ${cas}\r\nv2\r\n`)).toBe('STORED\r\n');
    const after = await c.request('gets k\r\n', 'END\r\n');
    expect(after.startsWith('VALUE k 4 2 ')).toBe(true);
    expect(casOf(after)).not.toBe(cas);
    c.close();
  });

  it('two connections racing on one CAS: exactly one wins', async () => {
    const a = await RawClient.connect(daemon.port);
    const b = await RawClient.connect(daemon.port);
    for (let round = 0; round < 20; round++) {
      await a.request(`set race 0 0 1\r\n${round % 10}\r\n`);
      const cas = casOf(await a.request('gets race\r\n', 'END\r\n'));
      expect(casOf(await b.request('gets race\r\n', 'END\r\n'))).toBe(cas);
      a.send(`cas race 0 0 1 ${cas}\r\na\r\n`);
      b.send(`cas race 0 0 1 ${cas}\r\nb\r\n`);
      const [ra, rb] = await Promise.all([a.readUntil((r) => r.includes('\r\n')), b.readUntil((r) => r.includes('\r\n'))]);
      expect([ra.toString(), rb.toString()].sort()).toEqual(['EXISTS\r\n', 'STORED\r\n']);
    }
    a.close();
    b.close();
  });

  it('CAS values are unique across keys on different shards', async () => {
    const c = await RawClient.connect(daemon.port);
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      await c.request(`set u${i} 0 0 1\r\nx\r\n`);
      seen.add(casOf(await c.request(`gets u${i}\r\n`, 'END\r\n')));
    }
    expect(seen.size).toBe(100);
    c.close();
  });
});
