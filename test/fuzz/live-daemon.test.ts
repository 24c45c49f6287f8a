/**
 * The live-daemon fuzzer (bench/lib/fuzz-live.ts) for ~20 s in `npm test`:
 * seeded, mutated memcached text/binary and RESP input over many connections
 * against the compiled daemon, while a clean client per protocol verifies
 * every reply. `npm run fuzz` runs the long version (300 s by default).
 * SHARDCACHE_FUZZ_SECONDS / SHARDCACHE_FUZZ_SEED override the defaults.
 */
import { liveFuzzViolations } from '../../bench/fuzz';
import { formatLiveFuzz, runLiveFuzz, startFuzzDaemon, stopFuzzDaemon, type FuzzDaemon } from '../../bench/lib/fuzz-live';
import { MAIN_JS } from '../helpers/daemon';

const SECONDS = Number(process.env['SHARDCACHE_FUZZ_SECONDS'] ?? 20);
const SEED = Number(process.env['SHARDCACHE_FUZZ_SEED'] ?? 1);

describe('live-daemon fuzz', () => {
  let daemon: FuzzDaemon;

  beforeAll(async () => {
    daemon = await startFuzzDaemon(['-m', '64', '-t', '2'], MAIN_JS);
  });

  afterAll(async () => {
    await stopFuzzDaemon(daemon);
  });

  it(
    `survives ${SECONDS} s of mutated input on both ports with clean clients unharmed`,
    async () => {
      const result = await runLiveFuzz(daemon, { seconds: SECONDS, seed: SEED, connections: 16, mutateRate: 0.7 });
      // On failure the message carries the whole report.
      const report = formatLiveFuzz(result);
      expect({ violations: liveFuzzViolations(result, 1024), report }).toEqual({ violations: [], report });
      expect(result.inputs).toBeGreaterThan(SECONDS * 2000);
      for (const clean of Object.values(result.clean)) {
        expect(clean.ops).toBeGreaterThan(SECONDS * 5);
        expect(clean.hits).toBeGreaterThan(0);
      }
    },
    (SECONDS + 60) * 1000,
  );
});
