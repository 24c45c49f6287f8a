/**
 * Replays the golden transcript recorded from a real memcached 1.6.18
 * (test/fixtures/memcached/edge-cases.json: odd bytes and memcached's exact
 * replies) against the daemon: same bytes in, same bytes out, same close.
 */
import { loadMemcachedEdgeCases, replyMatches, type MemcachedEdgeCase } from '../../fixtures/memcached/edge-cases';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
beforeAll(async () => {
  // As recorded: default -I 1m, shutdown not enabled.
  daemon = await startDaemon(['-t', '2']);
});
afterAll(async () => {
  await daemon.stop();
});

async function replay(c: MemcachedEdgeCase): Promise<{ reply: Buffer; closed: boolean }> {
  const client = await RawClient.connect(daemon.port);
  expect(await client.request('flush_all\r\n')).toBe('OK\r\n');
  client.send(c.send);
  // Wait for the expected bytes (or the close); then a little longer to catch anything extra.
  let reply = await client.readUntil((r) => (c.expectPattern === null ? r.length >= c.expect.length : c.expectPattern.test(r.toString('latin1'))), 5000);
  reply = Buffer.concat([reply, await client.readFor(c.closes && !client.closed ? 300 : 40)]);
  const closed = client.closed;
  client.close();
  return { reply, closed };
}

const cases = loadMemcachedEdgeCases();

describe('golden transcript from memcached 1.6.18', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(100));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { reply, closed } = await replay(c);
    if (!replyMatches(c, reply)) {
      expect(reply.toString('latin1')).toBe(c.expectPattern?.source ?? c.expect.toString('latin1'));
    }
    expect(closed).toBe(c.closes);
  });
});
