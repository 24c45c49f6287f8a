/**
 * `stats detail on|off|dump` (per-prefix get / hit / set / del), byte for byte as
 * memcached 1.6.18 answers: the transcript below was recorded from Debian's
 * memcached 1.6.18 (`memcached -U 0`, default delimiter ':'), one request at a
 * time. Where that memcached is installed, the transcript is also replayed
 * against it, so the recording itself is checked.
 */
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';
import { REAL_MEMCACHED_INSTALLED, replayTranscript, withRealMemcached, type Transcript } from './memcached-transcript';

const TRANSCRIPT: Transcript = [
  ["stats detail\r\n", "CLIENT_ERROR usage: stats detail on|off|dump\r\n"],
  ["stats detail foo\r\n", "CLIENT_ERROR usage: stats detail on|off|dump\r\n"],
  ["stats detail dump\r\n", "END\r\n"],
  ["get a:1\r\n", "END\r\n"],
  ["stats detail on\r\n", "OK\r\n"],
  ["set a:1 0 0 1\r\nx\r\n", "STORED\r\n"],
  ["get a:1\r\n", "VALUE a:1 0 1\r\nx\r\nEND\r\n"],
  ["get a:2 a:1 b:3\r\n", "VALUE a:1 0 1\r\nx\r\nEND\r\n"],
  ["gets a:1\r\n", "VALUE a:1 0 1 1\r\nx\r\nEND\r\n"],
  ["delete a:1\r\n", "DELETED\r\n"],
  ["delete a:9\r\n", "NOT_FOUND\r\n"],
  ["set b:x 0 0 1\r\ny\r\n", "STORED\r\n"],
  ["get nocolon\r\n", "END\r\n"],
  ["set :lead 0 0 1\r\nz\r\n", "STORED\r\n"],
  ["get :lead\r\n", "VALUE :lead 0 1\r\nz\r\nEND\r\n"],
  ["incr b:x 1\r\n", "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"],
  ["touch b:x 10\r\n", "TOUCHED\r\n"],
  ["gat 0 b:x\r\n", "VALUE b:x 0 1\r\ny\r\nEND\r\n"],
  ["mg b:x v\r\n", "VA 1\r\ny\r\n"],
  ["ms c:1 1\r\nq\r\n", "HD\r\n"],
  ["md c:1\r\n", "HD\r\n"],
  ["append b:x 0 0 1\r\nq\r\n", "STORED\r\n"],
  ["cas b:x 0 0 1 1\r\nq\r\n", "EXISTS\r\n"],
  ["add user:7 0 0 1\r\nu\r\n", "STORED\r\n"],
  ["replace user:7 0 0 1\r\nv\r\n", "STORED\r\n"],
  ["prepend user:7 0 0 1\r\nw\r\n", "STORED\r\n"],
  ["get user:7 user:8 session:1\r\n", "VALUE user:7 0 2\r\nwv\r\nEND\r\n"],
  ["set a:b:c 0 0 1\r\nx\r\n", "STORED\r\n"],
  ["stats detail dump\r\n", "PREFIX  get 1 hit 1 set 1 del 0\r\nPREFIX b get 2 hit 1 set 3 del 0\r\nPREFIX user get 2 hit 1 set 3 del 0\r\nPREFIX session get 1 hit 0 set 0 del 0\r\nPREFIX a get 4 hit 3 set 2 del 2\r\nEND\r\n"],
  ["stats detail off\r\n", "OK\r\n"],
  ["get a:1\r\n", "END\r\n"],
  ["set zz:1 0 0 1\r\nx\r\n", "STORED\r\n"],
  ["stats detail dump\r\n", "PREFIX  get 1 hit 1 set 1 del 0\r\nPREFIX b get 2 hit 1 set 3 del 0\r\nPREFIX user get 2 hit 1 set 3 del 0\r\nPREFIX session get 1 hit 0 set 0 del 0\r\nPREFIX a get 4 hit 3 set 2 del 2\r\nEND\r\n"],
  ["stats reset\r\n", "RESET\r\n"],
  ["stats detail dump\r\n", "END\r\n"],];

/** A `gets` reply's CAS differs by design (ours are unique per shard, memcached's global): compared as <cas>. */
const withoutCas = (reply: string): string => reply.replace(/^(VALUE \S+ \d+ \d+) \d+\r$/gm, '$1 <cas>\r');

describe('stats detail (memcached 1.6.18 transcript)', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['-t', '2']);
  });
  afterAll(() => daemon.stop());

  it('answers the transcript byte for byte', async () => {
    await replayTranscript(daemon.port, TRANSCRIPT, withoutCas);
  });

  it('reports detail_enabled in stats settings', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      expect(await client.request('stats detail on\r\n')).toBe('OK\r\n');
      expect(await client.request('stats settings\r\n', 'END\r\n')).toContain('STAT detail_enabled yes\r\n');
      expect(await client.request('stats detail off\r\n')).toBe('OK\r\n');
      expect(await client.request('stats settings\r\n', 'END\r\n')).toContain('STAT detail_enabled no\r\n');
    } finally {
      client.close();
    }
  });

  (REAL_MEMCACHED_INSTALLED ? it : it.skip)('matches the real memcached it was recorded from', async () => {
    await withRealMemcached((port) => replayTranscript(port, TRANSCRIPT, withoutCas));
  });
});

describe('-D <delimiter>', () => {
  let daemon: RunningDaemon;
  beforeAll(async () => {
    daemon = await startDaemon(['-t', '2', '-D', '/']);
  });
  afterAll(() => daemon.stop());

  it('turns per-prefix stats on from the start and splits keys at the given character', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      await client.requestExpecting('set img/1 0 0 1\r\nx\r\n', 'STORED\r\n');
      await client.request('get img/1 img/2 a:b\r\n', 'END\r\n');
      expect(await client.request('stats detail dump\r\n', 'END\r\n')).toBe('PREFIX img get 2 hit 1 set 1 del 0\r\nEND\r\n');
    } finally {
      client.close();
    }
  });
});
