/**
 * Replays the meta-command golden transcript (test/fixtures/memcached/meta-cases.json,
 * recorded from memcached 1.6.18, plus hand-written E / md x cases from
 * protocol.txt) against the daemon over real sockets, including the
 * two-client stale-while-revalidate, vivify and recache sequences.
 */
import { loadGoldenCases, META_CASES_PATH, replayOverSockets, stepMatches, type GoldenCase } from '../../fixtures/memcached/meta-cases';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

/**
 * Cases the daemon still answers differently, and why. They run as
 * `it.failing`: when the cause is fixed the test fails, and the entry goes.
 */
const KNOWN_DEVIATIONS = new Map<string, string>([
  ['mg base64 key echoed with k', "the store keeps no \"key is binary\" mark per item, so mg's k follows the request's b flag"],
]);

let daemon: RunningDaemon;
beforeAll(async () => {
  // As recorded: default -I 1m.
  daemon = await startDaemon(['-t', '2']);
});
afterAll(async () => {
  await daemon.stop();
});

async function check(c: GoldenCase): Promise<void> {
  const { replies, closed } = await replayOverSockets(daemon.port, c);
  c.steps.forEach((step, i) => {
    if (!stepMatches(step, replies[i]!)) expect(replies[i]!.toString('latin1')).toBe(step.expectPattern?.source ?? step.expect.toString('latin1'));
  });
  expect(closed).toBe(c.closes);
}

const cases = loadGoldenCases(META_CASES_PATH);

describe('meta commands: golden transcript from memcached 1.6.18', () => {
  it('has cases, and every known deviation names one', () => {
    expect(cases.length).toBeGreaterThan(150);
    const names = new Set(cases.map((c) => c.name));
    for (const name of KNOWN_DEVIATIONS.keys()) expect(names.has(name)).toBe(true);
  });

  for (const c of cases) {
    if (KNOWN_DEVIATIONS.has(c.name)) it.failing(`${c.name} (known deviation: ${KNOWN_DEVIATIONS.get(c.name)})`, () => check(c));
    else it(c.name, () => check(c));
  }
});

describe('meta E (explicit CAS) and flush_all', () => {
  // memcached's flush_all hides items by their last-update time, whatever their CAS.
  it.failing('flush_all removes an item stored with an explicit CAS above the counter (known deviation: the store flushes by a CAS watermark)', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      expect(await client.request('ms flushme 2 E99999999\r\nhi\r\n')).toBe('HD\r\n');
      expect(await client.request('flush_all\r\n')).toBe('OK\r\n');
      expect(await client.request('mg flushme v\r\n')).toBe('EN\r\n');
    } finally {
      client.close();
    }
  });
});
