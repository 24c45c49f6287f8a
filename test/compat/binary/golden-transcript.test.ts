/**
 * Replays the binary-protocol golden cases recorded from a real memcached
 * 1.6.18 (test/fixtures/memcached-binary/binary-cases.json) against the
 * daemon over a socket: same packets in, same response packets out (CAS
 * values compared by identity, see binary-packets.js), same close.
 */
import { loadBinaryCases } from '../../fixtures/memcached-binary/binary-cases';
import { runCase } from '../../fixtures/memcached-binary/binary-packets';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';

let daemon: RunningDaemon;
beforeAll(async () => {
  // As recorded: default -I 1m.
  daemon = await startDaemon(['-t', '2']);
});
afterAll(async () => {
  await daemon.stop();
});

const cases = loadBinaryCases();

describe('binary golden transcript from memcached 1.6.18', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(100));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const run = await runCase(c, daemon.port, {
      expectedCounts: c.expect.map((packets) => packets.length),
      // Quiet steps (no reply expected) wait this long for anything unexpected.
      graceMs: 60,
      expectClose: c.closes,
    });
    expect(run.steps).toEqual(c.expect);
    expect(run.trailing).toBe('');
    expect(run.closed).toBe(c.closes);
  });
});
