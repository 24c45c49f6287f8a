/**
 * The CI soak: 60 s of the self-checking mixed workload (bench/lib/soak.ts)
 * against the daemon at -m 64 — evictions, expiries, multi-gets, deletes and
 * reconnects all the time. No error replies, no corrupt value, and RSS flat
 * over the second half. `npm run soak` runs the long (10 min) version.
 */
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { fillUntilEvicting, runSoak, secondHalfGrowth } from '../../bench/lib/soak';
import { plateauAllowance } from '../../bench/soak';

const SECONDS = Number(process.env['SHARDCACHE_SOAK_SECONDS'] ?? 60);

describe('soak', () => {
  let daemon: RunningDaemon;

  beforeAll(async () => {
    daemon = await startDaemon(['-m', '64', '-t', '2']);
  });

  afterAll(async () => {
    await daemon.stop();
  });

  it(
    `runs ${SECONDS} s of mixed load at the memory limit with no errors, no corrupt value and a flat RSS`,
    async () => {
      // Start from a full cache: the RSS check is about the steady state, not the fill.
      await fillUntilEvicting(daemon.port, 100, 4096);
      const result = await runSoak({
        port: daemon.port,
        pid: daemon.process.pid!,
        seconds: SECONDS,
        connections: 20,
        keySpace: 200_000,
        minValueSize: 100,
        maxValueSize: 4096,
        requestsPerConnection: 500,
        seed: 7,
      });
      expect(result.firstError).toBe('');
      expect(result.errors).toBe(0);
      expect(result.corrupt).toBe(0);
      expect(result.ops).toBeGreaterThan(SECONDS * 1000);
      expect(result.hits).toBeGreaterThan(0);
      expect(result.misses).toBeGreaterThan(0);
      expect(result.reconnects).toBeGreaterThan(20);
      const lastRss = result.samples.at(-1)!.rssBytes;
      const curve = result.samples.map((x) => `${x.t}s ${(x.rssBytes / 1048576).toFixed(0)}MiB`).join(', ');
      const growth = secondHalfGrowth(result.samples);
      // On failure the message carries the whole RSS curve.
      expect(growth <= plateauAllowance(lastRss) ? 'flat' : `grew ${(growth / 1048576).toFixed(1)} MiB: ${curve}`).toBe('flat');
    },
    (SECONDS + 90) * 1000,
  );
});
