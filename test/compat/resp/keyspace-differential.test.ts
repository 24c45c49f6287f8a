/**
 * The keyspace commands byte for byte against the real redis-server (started
 * here on a free port): the same script to both, in order, on one
 * connection; every reply must be identical. Only deterministic scripts
 * (single-key KEYS results, empty-database SCAN, RANDOMKEY on an empty
 * database); the shapes of multi-key scans are checked in scan.test.ts.
 * Skipped, with a message, when redis-server is not installed.
 */
import { RawClient } from '../../helpers/raw-client';
import { useRedisPeers } from './redis-peer';

// One shard: a SCAN of a small database then ends in one call, as Redis's does (with N shards
// it takes at least N calls, one per shard: scan.test.ts covers that).
const peers = useRedisPeers('the keyspace differential tests', ['-t', '1']);

const L = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

/** Sends the script (after a FLUSHALL) and collects the replies for a short while. */
async function transcript(port: number, script: string): Promise<string> {
  const client = await RawClient.connect(port);
  client.send(L('FLUSHALL') + script);
  const reply = await client.readUntil(() => false, 300);
  client.socket.destroy();
  return reply.toString('latin1');
}

const CASES: [name: string, script: string][] = [
  [
    'RENAME / RENAMENX',
    L('SET a 1', 'RENAME a b', 'GET b', 'EXISTS a', 'RENAME nokey x', 'RENAME b b', 'RENAMENX b b', 'SET c 2', 'RENAMENX b c',
      'RENAMENX b d', 'MGET b c d', 'RENAMENX nokey z', 'RENAME', 'RENAME a', 'RENAME a b c'),
  ],
  [
    'RENAME keeps the TTL',
    L('SET t v EX 1000', 'RENAME t u', 'TTL u', 'SET p v', 'RENAME p u', 'TTL u'),
  ],
  [
    'COPY',
    L('SET s v', 'COPY s t', 'COPY s t', 'COPY s t REPLACE', 'COPY s s', 'COPY nokey nokey', 'COPY nokey x', 'COPY s t DB',
      'COPY s t DB x', 'COPY s t DB 99', 'COPY s t DB -1', 'COPY s t DB 3 REPLACE', 'COPY s s DB 0', 'COPY s s DB 4', 'COPY s t FOO',
      'SELECT 3', 'GET t', 'SELECT 4', 'GET s', 'COPY s'),
  ],
  [
    'MOVE',
    L('SET m v EX 500', 'MOVE m 0', 'MOVE m 16', 'MOVE m -1', 'MOVE m x', 'MOVE m 2', 'MOVE m 2', 'EXISTS m', 'SELECT 2', 'GET m',
      'TTL m', 'SET n here', 'SELECT 0', 'SET n there', 'MOVE n 2', 'GET n', 'MOVE nokey 1', 'MOVE m', 'MOVE m 1 2'),
  ],
  [
    'MSETNX',
    L('MSETNX a 1 b 2', 'MSETNX a 1 c 3', 'MGET a b c', 'MSETNX c 3 c 4', 'GET c', 'MSETNX a', 'MSETNX a 1 b', 'MSETNX'),
  ],
  [
    'DBSIZE and FLUSHDB per database',
    L('SET a 1', 'SELECT 1', 'SET b 2', 'SET c 3', 'DBSIZE', 'FLUSHDB', 'DBSIZE', 'SELECT 0', 'DBSIZE', 'GET a', 'FLUSHDB x',
      'FLUSHDB ASYNC SYNC', 'FLUSHDB ASYNC', 'SET a 1', 'FLUSHDB sync', 'DBSIZE', 'DBSIZE x'),
  ],
  [
    'SCAN, KEYS and RANDOMKEY',
    L('SCAN 0', 'SCAN ""', 'KEYS *', 'RANDOMKEY', 'SET only v', 'SELECT 5', 'SCAN 0', 'KEYS *', 'RANDOMKEY', 'SELECT 0',
      'SCAN 0 COUNT 100', 'SCAN 0 MATCH o*', 'SCAN 0 MATCH x*', 'SCAN 0 TYPE string', 'SCAN 0 TYPE hash', 'SCAN 0 TYPE nosuch',
      'SCAN 0 type STRING count 5 match *', 'KEYS o?ly', 'KEYS x', 'RANDOMKEY', 'SCAN x', 'SCAN -', 'SCAN 0x1',
      'SCAN 18446744073709551616', 'SCAN 0 COUNT 0', 'SCAN 0 COUNT -1', 'SCAN 0 COUNT x', 'SCAN 0 MATCH', 'SCAN 0 foo bar',
      'SCAN', 'KEYS', 'KEYS a b', 'RANDOMKEY x'),
  ],
  [
    'OBJECT',
    L('SET e hello', 'SET big 99999999999999999999', 'SET neg -12', 'OBJECT ENCODING e', 'OBJECT ENCODING big', 'OBJECT ENCODING neg',
      'OBJECT ENCODING nokey', 'OBJECT REFCOUNT e', 'OBJECT REFCOUNT nokey', 'OBJECT FREQ e', 'OBJECT FREQ nokey', 'OBJECT IDLETIME nokey',
      'OBJECT HELP', 'OBJECT foo', 'OBJECT ENCODING', 'OBJECT HELP x', 'OBJECT'),
  ],
  [
    'RESP3',
    L('HELLO 3', 'RANDOMKEY', 'OBJECT ENCODING nokey', 'SET k v', 'SCAN 0', 'KEYS *', 'RANDOMKEY', 'OBJECT HELP'),
  ],
];

peers.describe('keyspace commands: byte-identical to redis-server', () => {
  test.each(CASES)('%s', async (_name, script) => {
    const [ours, theirs] = await Promise.all([transcript(peers.oursPort, script), transcript(peers.redisPort, script)]);
    // HELLO's map names the server and version: compare what follows it.
    const afterHello = (s: string): string => (s.includes('%7\r\n') ? s.slice(s.indexOf('*0\r\n') + 4) : s);
    expect(afterHello(ours)).toBe(afterHello(theirs));
  });
});
