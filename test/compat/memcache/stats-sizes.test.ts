/**
 * `stats sizes` as memcached 1.6.18 answers it: `STAT sizes_status disabled`
 * until `stats sizes_enable`, then live items per 32-byte bucket of
 * memcached's item size. 1.6.18 answers `sizes_enable` / `sizes_disable`
 * without the END line; we do the same. The transcript was recorded from
 * Debian's memcached 1.6.18 (`memcached -U 0`), one request at a time, and is
 * replayed against it too where it is installed.
 */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';
import { REAL_MEMCACHED_INSTALLED, replayTranscript, withRealMemcached, type Transcript } from './memcached-transcript';

const TRANSCRIPT: Transcript = [
  ["stats sizes\r\n", "STAT sizes_status disabled\r\nEND\r\n"],
  ["stats sizes_enable\r\n", "STAT sizes_status enabled\r\n"],
  ["stats sizes\r\n", "END\r\n"],
  ["set a 0 0 5\r\nhello\r\n", "STORED\r\n"],
  ["set bcdefgh 0 0 100\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", "STORED\r\n"],
  ["set f 5 0 5\r\nhello\r\n", "STORED\r\n"],
  ["set g 0 0 5\r\nhello\r\n", "STORED\r\n"],
  ["set k27 0 0 5\r\nhello\r\n", "STORED\r\n"],
  ["set a 0 0 6\r\nhello!\r\n", "STORED\r\n"],
  ["stats sizes\r\n", "STAT 96 4\r\nSTAT 192 1\r\nEND\r\n"],
  ["delete g\r\n", "DELETED\r\n"],
  ["stats sizes\r\n", "STAT 96 3\r\nSTAT 192 1\r\nEND\r\n"],
  ["stats sizes_disable\r\n", "STAT sizes_status disabled\r\n"],
  ["stats sizes\r\n", "STAT sizes_status disabled\r\nEND\r\n"],];

describe('stats sizes (memcached 1.6.18 transcript)', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['-t', '2']);
  });
  afterAll(() => daemon.stop());

  it('answers the transcript byte for byte', async () => {
    await replayTranscript(daemon.port, TRANSCRIPT);
  });

  it('counts items across every shard, and reports track_sizes in stats settings', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      // Flushed items are dead: the walk reclaims them instead of counting them.
      expect(await client.request('flush_all\r\n')).toBe('OK\r\n');
      expect(await client.request('stats sizes_enable\r\n')).toBe('STAT sizes_status enabled\r\n');
      // 48 + 8 + key(4) + 1 + value(10) + 2 = 73 bytes: the 96 bucket; 200 keys spread over both shards.
      for (let i = 0; i < 200; i++) await client.requestExpecting(`set k${String(i).padStart(3, '0')} 0 0 10\r\n0123456789\r\n`, 'STORED\r\n');
      expect(await client.request('stats sizes\r\n', 'END\r\n')).toBe('STAT 96 200\r\nEND\r\n');
      expect(await client.request('stats settings\r\n', 'END\r\n')).toContain('STAT track_sizes yes\r\n');
      expect(await client.request('stats sizes_disable\r\n')).toBe('STAT sizes_status disabled\r\n');
    } finally {
      client.close();
    }
  });

  (REAL_MEMCACHED_INSTALLED ? it : it.skip)('matches the real memcached it was recorded from', async () => {
    await withRealMemcached((port) => replayTranscript(port, TRANSCRIPT));
  });
});
