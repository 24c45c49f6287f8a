/**
 * CONFIG GET / SET of the collection encoding thresholds
 * (list-max-listpack-size, hash-max-listpack-*, set-max-intset-entries,
 * zset-max-listpack-*, their ziplist aliases, list-compress-depth) against
 * Debian's redis-server 7.0: the same defaults, the same bounds, units and
 * error texts, and an alias and its name sharing one value. Our server
 * reports itself as 7.2, so it also has 7.2's set-max-listpack-entries and
 * set-max-listpack-value, which 7.0 lacks: those are checked on their own.
 * Skipped, with a message, when redis-server is not installed.
 */
import { startRespDaemon, type RespDaemon } from './resp-daemon';
import { pipelinedReplies, useRedisPeers } from './redis-peer';

/** A SET_LINES line as its words: split on spaces; `_` stands for one space inside an argument. */
function words(line: string): string[] {
  return line.split(' ').map((w) => w.replace(/_/g, ' '));
}

/** A CONFIG GET reply (RESP2: flat name, value array) as a name → value map: Redis's order is its dict's. */
function configMap(reply: string): Map<string, string> {
  const bulks: string[] = [];
  const pattern = /\$(\d+)\r\n/g;
  for (let m = pattern.exec(reply); m !== null; m = pattern.exec(reply)) {
    const start = m.index + m[0].length;
    bulks.push(reply.slice(start, start + Number(m[1])));
    pattern.lastIndex = start + Number(m[1]) + 2;
  }
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < bulks.length; i += 2) map.set(bulks[i]!, bulks[i + 1]!);
  return map;
}

/** Redis 7.2 names Redis 7.0 does not have. */
const ONLY_72 = ['set-max-listpack-entries', 'set-max-listpack-value'];

const GET_PATTERNS = ['*listpack*', '*ziplist*', '*intset*', 'list-compress-depth', '*-max-*-entries', 'HASH-*-value', 'HASH-MAX-LISTPACK-ENTRIES'];

/** CONFIG SET lines, each followed by a GET of what it touched; the last lines put the defaults back. */
const SET_LINES = [
  'CONFIG SET hash-max-ziplist-entries 10',
  'CONFIG GET hash-max-listpack-entries',
  'CONFIG SET hash-max-listpack-value 1k',
  'CONFIG GET hash-max-ziplist-value',
  'CONFIG SET zset-max-listpack-value 1kb',
  'CONFIG GET zset-max-listpack-value',
  'CONFIG SET zset-max-ziplist-value 1Gb',
  'CONFIG GET zset-max-listpack-value',
  'CONFIG SET zset-max-listpack-value 05',
  'CONFIG GET zset-max-ziplist-value',
  'CONFIG SET zset-max-listpack-value 1b',
  'CONFIG GET zset-max-listpack-value',
  'CONFIG SET zset-max-listpack-value 0',
  'CONFIG GET zset-max-listpack-value',
  'CONFIG SET hash-max-listpack-entries 1k',
  'CONFIG SET hash-max-listpack-entries -1',
  'CONFIG SET hash-max-listpack-entries +5',
  'CONFIG SET hash-max-listpack-entries _5',
  'CONFIG SET hash-max-listpack-entries 05',
  'CONFIG SET hash-max-listpack-entries -0',
  'CONFIG SET hash-max-listpack-entries 9223372036854775807',
  'CONFIG GET hash-max-ziplist-entries',
  'CONFIG SET set-max-intset-entries 99999999999999999999',
  'CONFIG SET set-max-intset-entries 1000',
  'CONFIG GET set-max-intset-entries',
  'CONFIG SET list-max-listpack-size 3000000000',
  'CONFIG SET list-max-listpack-size x',
  'CONFIG SET list-max-listpack-size -2147483648',
  'CONFIG GET list-max-ziplist-size',
  'CONFIG SET list-max-ziplist-size 2147483647',
  'CONFIG GET list-max-listpack-size',
  'CONFIG SET list-compress-depth -1',
  'CONFIG SET list-compress-depth 3',
  'CONFIG GET list-compress-depth',
  'CONFIG SET zset-max-listpack-value -1',
  'CONFIG SET zset-max-listpack-value 1x',
  'CONFIG SET zset-max-listpack-value +5',
  'CONFIG SET zset-max-listpack-value 5_',
  'CONFIG SET zset-max-listpack-value 1.5k',
  'CONFIG SET zset-max-listpack-value 1t',
  'CONFIG SET zset-max-listpack-value 99999999999999999999',
  'CONFIG SET zset-max-listpack-value 9223372036854775808',
  // A name and its alias in one call: two parameters to Redis, the last one wins.
  'CONFIG SET hash-max-listpack-entries 512 hash-max-ziplist-entries 3',
  'CONFIG GET hash-max-listpack-entries',
  'CONFIG SET hash-max-listpack-entries 1 hash-max-listpack-entries 2',
  'CONFIG SET hash-max-listpack-entries 512 hash-max-listpack-value 64 zset-max-listpack-entries 128 zset-max-listpack-value 64',
  'CONFIG SET list-max-listpack-size -2 list-compress-depth 0 set-max-intset-entries 512',
];

describe('the encoding thresholds against redis-server 7.0', () => {
  const peers = useRedisPeers('the CONFIG encoding differential tests against real Redis', ['-t', '1']);

  peers.it('reports the same parameters with the same defaults', async () => {
    const lines = GET_PATTERNS.map((p) => `CONFIG GET ${p}`);
    const [ours, theirs] = await Promise.all([pipelinedReplies(peers.oursPort, lines), pipelinedReplies(peers.redisPort, lines)]);
    for (let i = 0; i < lines.length; i++) {
      const mine = configMap(ours[i]!);
      for (const name of ONLY_72) mine.delete(name);
      expect([lines[i], mine]).toEqual([lines[i], configMap(theirs[i]!)]);
    }
    expect(configMap(ours[0]!).size).toBeGreaterThanOrEqual(5);
  });

  peers.it('accepts, refuses and normalizes values as Redis does; an alias shares its value', async () => {
    const [ours, theirs] = await Promise.all([pipelinedReplies(peers.oursPort, SET_LINES.map(words)), pipelinedReplies(peers.redisPort, SET_LINES.map(words))]);
    const diffs = SET_LINES.flatMap((line, i) => (ours[i] === theirs[i] ? [] : [`${line}\n  ours:  ${JSON.stringify(ours[i])}\n  redis: ${JSON.stringify(theirs[i])}`]));
    expect(diffs).toEqual([]);
    // Not vacuous: setting the alias changed the name's value.
    expect(ours[1]).toBe('*2\r\n$25\r\nhash-max-listpack-entries\r\n$2\r\n10\r\n');
  });

  it('has Redis 7.2\'s set-max-listpack-* with their defaults, bounds and units', async () => {
    // Without redis-server this check still runs, on a daemon of its own.
    const ownDaemon: RespDaemon | null = peers.available ? null : await startRespDaemon(['-t', '1']);
    const port = ownDaemon?.redisPort ?? peers.oursPort;
    expect(
      await pipelinedReplies(port, [
        'CONFIG GET set-max-listpack-*',
        'CONFIG SET set-max-listpack-entries -1',
        'CONFIG SET set-max-listpack-value 2kb',
        'CONFIG GET set-max-listpack-value',
        'CONFIG SET set-max-listpack-value 64',
      ]),
    ).toEqual([
      expect.stringMatching(/^\*4\r\n/),
      "-ERR CONFIG SET failed (possibly related to argument 'set-max-listpack-entries') - argument must be between 0 and 9223372036854775807 inclusive\r\n",
      '+OK\r\n',
      '*2\r\n$22\r\nset-max-listpack-value\r\n$4\r\n2048\r\n',
      '+OK\r\n',
    ]);
    const [defaults] = await pipelinedReplies(port, ['CONFIG GET set-max-listpack-*']);
    expect(configMap(defaults!)).toEqual(new Map([['set-max-listpack-entries', '128'], ['set-max-listpack-value', '64']]));
    await ownDaemon?.stop();
  });
});
