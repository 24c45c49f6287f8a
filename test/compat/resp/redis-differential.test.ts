/**
 * The same bytes to the real redis-server (Debian's, started here on a free
 * port) and to our Redis port: replies must be byte-identical, and so must
 * the decision to close. Covers the parser's edge cases and the exact error
 * texts. Cases where we knowingly differ (version strings, client ids,
 * features not served) are not here but in wire.test.ts. Skipped, with a
 * message, when redis-server is not installed.
 */
import { RawClient } from '../../helpers/raw-client';
import { mulberry32 } from '../../helpers/prng';
import { replyEnd } from './resp-daemon';
import { useRedisPeers } from './redis-peer';

// Slow-log entries depend on timing (ours include the shard round trip); test/integration/slowlog.test.ts covers them.
const peers = useRedisPeers('the differential tests against real Redis', ['--slowlog-threshold-us', '-1']);

/** Sends `input`, collects everything for a short while; reports whether the server closed. */
async function transcript(port: number, input: string): Promise<{ reply: string; closed: boolean }> {
  const client = await RawClient.connect(port);
  client.send(input);
  const reply = await client.readUntil(() => false, 250);
  const closed = client.closed;
  client.close();
  return { reply: reply.toString('latin1'), closed };
}

const L = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

const CASES: [name: string, input: string][] = [
  ['invalid multibulk length', '*x\r\n'],
  ['multibulk length over INT_MAX', '*3000000000\r\n'],
  ['multibulk length with +', '*+1\r\n'],
  ['multibulk length with leading zero', '*01\r\n'],
  ['multibulk length -0', '*-0\r\n'],
  ['multibulk length with space', '*1 \r\n'],
  ['expected $', '*1\r\nx\r\n'],
  ['negative bulk length', '*1\r\n$-5\r\n'],
  ['bulk length with +', '*1\r\n$+4\r\nPING\r\n'],
  ['empty and negative multibulk skipped', '*0\r\n*-1\r\n*-5\r\nPING\r\n'],
  ['empty inline lines skipped', '\r\n\r\nPING\n'],
  ['bytes after a bulk are not checked', '*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPINGxxPING\r\n'],
  ['empty command name', '*1\r\n$0\r\n\r\n'],
  ['unbalanced double quote', 'set "a b\r\n'],
  ['unbalanced single quote', "echo 'a\r\n"],
  ['closing quote followed by a letter', 'echo "a"b\r\n'],
  ['escapes in double quotes', 'echo "\\x41\\n\\t\\\\ok\\q" \'it\\\'s\'\r\n'],
  ['lone CR separates inline arguments', 'PING\rPING\r\n'],
  ['too big inline request', 'x'.repeat(70000)],
  ['too big mbulk count string', `*${'1'.repeat(70000)}`],
  ['too big bulk count string', `*1\r\n$${'1'.repeat(70000)}`],
  ['unknown command', L('FOO a b c', 'foo')],
  ['unknown command, long arguments', L(`FOO ${'a'.repeat(100)} ${'b'.repeat(100)}`)],
  ['wrong arity', L('GET a b c', 'GET', 'ECHO', 'PING a b', 'MSET a', 'MSET a b c', 'DEL', 'MGET', 'SET k', 'CLIENT', 'CLIENT SETNAME', 'CONFIG GET')],
  ['unknown subcommand', L('CLIENT FOO', 'CONFIG FOO', 'SLOWLOG FOO')],
  ['COMMAND GETKEYS', L('COMMAND GETKEYS nosuch a', 'COMMAND GETKEYS get', 'COMMAND GETKEYS mset a 1 b 2', 'COMMAND GETKEYS get a b', 'COMMAND GETKEYS del a b c', 'COMMAND GETKEYS ping x')],
  ['SLOWLOG GET with too many arguments', L('SLOWLOG GET 1 2', 'FUNCTION FLUSH x', 'FUNCTION FLUSH SYNC x', 'SCRIPT FLUSH SYNC x')],
  [
    'SET family',
    L(
      'FLUSHALL',
      'SET k v',
      'GET k',
      'SET k v2 NX',
      'SET k v2 XX',
      'SET nx v XX',
      'SET k v3 GET',
      'SET fresh v GET',
      'SET k v ex 10 get nx',
      'SET k v NX XX',
      'SET k v EX 1 PX 1',
      'SET k v EX 0',
      'SET k v EX x',
      'SET k v EXAT 0',
      'SET k v PX 9223372036854775807',
      'SET k v EX 9223372036854775',
      'SET k v KEEPTTL EX 5',
      'SET k v EX',
      'SETNX k x',
      'SETNX n x',
      'SETEX k 0 v',
      'SETEX k x v',
      'SETEX s 100 v',
      'PSETEX k 0 v',
      'PSETEX p 100000 v',
      'GETDEL k',
      'GETDEL k',
      'GET k',
    ),
  ],
  [
    'multi-key and strings',
    L('FLUSHALL', 'MSET a 1 b 2 c 3', 'MGET a nope c', 'EXISTS a a nope', 'TOUCH a b nope', 'DEL a a nope', 'UNLINK b c', 'EXISTS a b c'),
  ],
  [
    'GETRANGE / SUBSTR',
    L('FLUSHALL', 'SET s hello', 'GETRANGE s 0 -1', 'GETRANGE s -3 -1', 'GETRANGE s 10 20', 'GETRANGE s 3 1', 'GETRANGE s -100 1', 'GETRANGE nope 0 -1', 'GETRANGE s x 1', 'SUBSTR s 1 2', 'GETRANGE s 0 -100', 'GETRANGE s -1 -5', 'GETRANGE s 4 100', 'SET e ""', 'GETRANGE e 0 -1'),
  ],
  [
    'GETEX / GETSET / TYPE',
    L('FLUSHALL', 'SET g v', 'GETEX g', 'GETEX g EX 100', 'GETEX g PX 100 EX 1', 'GETEX g EX 0', 'GETEX g EX x', 'GETEX g PERSIST', 'GETEX g PERSIST EX 1', 'GETEX nope EX 10', 'GETEX g FOO', 'GETEX g EXAT 1', 'GET g', 'GETEX g EX', 'GETSET a 1', 'GETSET a 2', 'TYPE a', 'TYPE nope', 'READONLY', 'READWRITE'),
  ],
  ['APPEND and STRLEN', L('FLUSHALL', 'APPEND a hello', 'APPEND a " world"', 'GET a', 'STRLEN a', 'STRLEN nope')],
  ['INCR DECR INCRBY DECRBY', L('FLUSHALL', 'INCR n', 'INCR n', 'DECR n', 'DECR m', 'INCRBY n 40', 'INCRBY n -50', 'DECRBY n -8', 'DECRBY n 3', 'GET n', 'GET m', 'INCRBY big 9223372036854775807', 'DECRBY small 9223372036854775807', 'DECR small', 'GET small')],
  ['INCR family errors', L('FLUSHALL', 'SET max 9223372036854775807', 'INCR max', 'INCRBY max 0', 'SET min -9223372036854775808', 'DECR min', 'INCRBY min -1', 'DECRBY k -9223372036854775808', 'DECRBY k 9223372036854775808', 'INCRBY k 1.5', 'INCRBY k +1', 'INCRBY k 01', 'INCRBY k " 1"', 'INCRBY k x', 'GET k', 'INCR', 'INCRBY k', 'DECR a b')],
  ['INCR refuses what string2ll refuses', L('FLUSHALL', 'SET a " 1"', 'INCR a', 'SET a "1 "', 'INCR a', 'SET a +1', 'INCR a', 'SET a 01', 'INCR a', 'SET a -0', 'INCR a', 'SET a 1.0', 'INCR a', 'SET a ""', 'INCR a', 'SET a 9223372036854775808', 'DECR a', 'SET a 0', 'INCR a', 'SET a -9', 'INCRBY a 10')],
  ['TTL PTTL EXPIRETIME PEXPIRETIME PERSIST', L('FLUSHALL', 'TTL nope', 'PTTL nope', 'EXPIRETIME nope', 'PEXPIRETIME nope', 'PERSIST nope', 'SET k v', 'TTL k', 'PTTL k', 'EXPIRETIME k', 'PEXPIRETIME k', 'PERSIST k', 'SET k v EX 100', 'TTL k', 'PEXPIREAT k 4102444800623', 'PEXPIRETIME k', 'EXPIRETIME k', 'PEXPIREAT k 4102444800499', 'EXPIRETIME k', 'PERSIST k', 'PERSIST k', 'TTL k', 'GET k', 'EXPIREAT k 4102444800', 'EXPIRETIME k', 'PEXPIRETIME k', 'INCR k', 'SET n 1 EX 100', 'INCR n', 'TTL n', 'TTL', 'PERSIST a b')],
  ['EXPIRE NX XX GT LT', L('FLUSHALL', 'SET k v', 'EXPIRE k 100 XX', 'EXPIRE k 100 GT', 'TTL k', 'EXPIRE k 100 NX', 'TTL k', 'EXPIRE k 50 NX', 'EXPIRE k 200 nx xx', 'EXPIRE k 200 GT', 'TTL k', 'EXPIRE k 50 gt', 'EXPIRE k 300 LT', 'EXPIRE k 50 LT', 'TTL k', 'PEXPIRE k 40000 XX', 'TTL k', 'EXPIREAT k 4102444800 GT', 'EXPIRETIME k', 'PEXPIREAT k 4102444800000 LT', 'PEXPIREAT k 4102444799000 LT', 'EXPIRETIME k', 'PERSIST k', 'EXPIRE k 10 LT', 'TTL k', 'EXPIRE nope 10 NX', 'EXPIRE nope 10 XX', 'EXPIRE nope 10 LT', 'EXPIRE nope 10 GT GT')],
  ['EXPIRE option errors and times in the past', L('FLUSHALL', 'SET k v', 'EXPIRE k 100 NX XX', 'EXPIRE k 100 GT LT', 'EXPIRE k 100 NX GT', 'EXPIRE k 100 FOO', 'EXPIRE k x FOO', 'EXPIRE k x NX', 'EXPIRE k 100 NX NX', 'EXPIRE k -1 NX', 'EXISTS k', 'EXPIRE k -1 GT', 'EXISTS k', 'EXPIRE k -1 LT', 'EXISTS k', 'SET k v', 'EXPIREAT k 0 XX', 'EXISTS k', 'EXPIREAT k 0 LT', 'EXISTS k', 'EXPIRE', 'EXPIRE k')],
  ['SET KEEPTTL', L('FLUSHALL', 'SET k v EX 100', 'SET k w KEEPTTL', 'TTL k', 'GET k', 'SET k x keepttl XX GET', 'TTL k', 'SET k y', 'TTL k', 'SET n v KEEPTTL NX', 'TTL n', 'SET n v KEEPTTL NX', 'SET k v KEEPTTL EX 10', 'SET k v EX 10 KEEPTTL', 'SET k v KEEPTTL KEEPTTL', 'SET k v PXAT 4102444800000', 'SET k z KEEPTTL GET', 'PEXPIRETIME k', 'GETEX k PERSIST', 'TTL k', 'SET k v KEEPTTL PERSIST')],
  ['SETRANGE', L('FLUSHALL', 'SETRANGE k 0 ""', 'EXISTS k', 'SETRANGE k 3 ab', 'GET k', 'STRLEN k', 'SETRANGE k 0 xyz', 'GET k', 'SETRANGE k 4 "long tail"', 'GET k', 'SETRANGE k 2 ""', 'SETRANGE k 100 ""', 'SET t v EX 100', 'SETRANGE t 1 alue', 'TTL t', 'GET t', 'SETRANGE k -1 x', 'SETRANGE k x x', 'SETRANGE k 536870912 x', 'SETRANGE k 9223372036854775807 x', 'SETRANGE k 536870912 ""', 'SETRANGE k 1', 'GET k')],
  ['INCRBYFLOAT', L('FLUSHALL', 'INCRBYFLOAT f 0.1', 'INCRBYFLOAT f 0.2', 'INCRBYFLOAT f -0.3', 'INCRBYFLOAT f 1e300', 'SET f 3', 'INCRBYFLOAT f 5.0e3', 'INCRBYFLOAT f 0x10', 'INCRBYFLOAT f 0x1p-2', 'INCRBYFLOAT f -5019.25', 'SET f 10.5', 'INCRBYFLOAT f 0.1', 'INCRBYFLOAT f .5', 'INCRBYFLOAT f 5.', 'INCRBYFLOAT f +1', 'INCRBYFLOAT f 1e-20', 'INCRBYFLOAT f 1.5e4931', 'INCRBYFLOAT f 1.5e4931', 'GET f', 'SET f 1e4931', 'INCRBYFLOAT f 1e4931', 'SET f 5 EX 100', 'INCRBYFLOAT f 2.5', 'TTL f', 'SET i 9223372036854775807', 'INCRBYFLOAT i 1', 'INCRBYFLOAT i 1e-30')],
  ['INCRBYFLOAT errors', L('FLUSHALL', 'INCRBYFLOAT f inf', 'INCRBYFLOAT f -infinity', 'INCRBYFLOAT f nan', 'INCRBYFLOAT f " 1"', 'INCRBYFLOAT f "1 "', 'INCRBYFLOAT f x', 'INCRBYFLOAT f ""', 'INCRBYFLOAT f 1e5000', 'EXISTS f', 'SET f abc', 'INCRBYFLOAT f 1', 'SET f inf', 'INCRBYFLOAT f 1', 'SET f 1.1e4932', 'INCRBYFLOAT f 1.1e4932', 'GET f', 'INCRBYFLOAT f', 'SET f " 2"', 'INCRBYFLOAT f 1')],
  ['INCR inside MULTI, error per command', L('FLUSHALL', 'SET s abc', 'MULTI', 'INCR c', 'INCR s', 'INCRBY c 9', 'EXEC')],
  [
    'EXPIRE family',
    L('FLUSHALL', 'SET e v', 'EXPIRE e 100', 'PEXPIRE e 100000', 'EXPIREAT e 4000000000', 'PEXPIREAT e 4000000000000', 'EXPIRE nope 10', 'EXPIRE e x', 'EXPIRE e 0', 'GET e', 'SET e v', 'EXPIRE e -5', 'EXISTS e'),
  ],
  ['SELECT', L('SELECT 16', 'SELECT x', 'SELECT -1', 'SELECT 15', 'SELECT 0')],
  ['AUTH without a password', L('AUTH x', 'AUTH a b', 'AUTH a b c', 'AUTH default x')],
  [
    'CLIENT',
    L('CLIENT SETNAME "a b"', 'CLIENT GETNAME', 'CLIENT SETNAME ab', 'CLIENT GETNAME', 'CLIENT SETNAME ""', 'CLIENT GETNAME', 'CLIENT KILL ID x', 'CLIENT KILL ID 0', 'CLIENT KILL FOO bar', 'CLIENT KILL 1.2.3.4:5', 'CLIENT KILL ID 999999', 'CLIENT LIST ID x', 'CLIENT LIST TYPE foo'),
  ],
  [
    'CONFIG',
    L(
      'CONFIG SET foo bar',
      'CONFIG GET nonexist',
      'CONFIG SET maxmemory x',
      'CONFIG SET maxmemory-policy foo',
      'CONFIG SET hash-max-listpack-entries x',
      'CONFIG SET databases 3',
      'CONFIG SET appendonly x',
      'CONFIG SET save x',
      'CONFIG SET maxmemory 1 maxmemory 2',
      'CONFIG SET maxmemory 1 maxmemory',
      'CONFIG GET databases',
      'CONFIG GET appendonly',
      'CONFIG SET appendonly no',
      'CONFIG GET list-max-listpack-size',
      'CONFIG RESETSTAT',
    ),
  ],
  ['HELLO errors', L('HELLO 4', 'HELLO 1', 'HELLO x', 'HELLO 3 AUTH a', 'HELLO 3 FOO', 'HELLO 3 SETNAME a\\ b')],
  ['flushes and admin no-ops', L('FLUSHDB x', 'FLUSHALL SYNC', 'FLUSHDB ASYNC', 'SLOWLOG GET x', 'SLOWLOG GET', 'SLOWLOG LEN', 'SLOWLOG RESET', 'FUNCTION FLUSH', 'SCRIPT FLUSH', 'SCRIPT FLUSH x')],
  ['RESP3 nulls and maps after HELLO 3 (HELLO reply itself differs: version, id)', L('HELLO 3')],
  ['QUIT', L('QUIT', 'PING')],
  [
    'RESP2 subscribed mode',
    // Unsubscribe-all walks Redis's dict in hash order (random seed per start): one channel left by then.
    L('SUBSCRIBE a b', 'GET x', 'PING', 'PING hi', 'CLIENT INFO', 'MULTI', 'HELLO 3', 'UNSUBSCRIBE b', 'UNSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE', 'GET x'),
  ],
  ['subscribe twice, unsubscribe twice', L('SUBSCRIBE foo foo', 'PSUBSCRIBE p* p*', 'UNSUBSCRIBE foo foo nope', 'PUNSUBSCRIBE p* q*', 'PUNSUBSCRIBE')],
  ['RESET leaves subscribed mode', L('PSUBSCRIBE a*', 'SUBSCRIBE a', 'UNSUBSCRIBE zz', 'PUNSUBSCRIBE q*', 'RESET', 'GET x', 'UNSUBSCRIBE')],
  ['pub/sub arity and PUBSUB', L('SUBSCRIBE', 'PSUBSCRIBE', 'PUBLISH a', 'PUBLISH a b', 'PUBSUB', 'PUBSUB x', 'PUBSUB NUMSUB', 'PUBSUB NUMSUB a b', 'PUBSUB NUMPAT', 'PUBSUB NUMPAT x', 'PUBSUB CHANNELS')],
  ['own message on one connection', L('SUBSCRIBE a', 'RESET', 'SUBSCRIBE c', 'PSUBSCRIBE c*', 'UNSUBSCRIBE c', 'PUNSUBSCRIBE')],
  ['RESP3 subscriber may run commands and gets pushes', L('HELLO 3', 'SUBSCRIBE a', 'GET x', 'PING', 'PUBLISH a m', 'UNSUBSCRIBE', 'UNSUBSCRIBE', 'PUNSUBSCRIBE x')],
  [
    'MULTI errors',
    L('MULTI', 'MULTI', 'WATCH k', 'GET', 'NOSUCH', 'EXEC', 'EXEC', 'DISCARD', 'EXEC x', 'DISCARD x', 'MULTI x', 'WATCH', 'UNWATCH x'),
  ],
  ['MULTI runtime errors are per command', L('FLUSHALL', 'MULTI', 'SET k v', 'GETRANGE k x 1', 'GET k', 'SET k v EX 0', 'MGET k nope', 'EXEC')],
  ['EXEC with wrong arity aborts the transaction', L('MULTI', 'SET k v', 'EXEC x', 'EXEC', 'GET k')],
  ['DISCARD', L('FLUSHALL', 'MULTI', 'SET k v', 'DISCARD', 'GET k', 'EXEC')],
  ['WATCH inside MULTI does not fail it', L('FLUSHALL', 'MULTI', 'WATCH k', 'SET a 1', 'EXEC', 'GET a')],
  ['WATCH: own write dirties, unwatched keys do not', L('FLUSHALL', 'WATCH k', 'SET k 1', 'MULTI', 'GET k', 'EXEC', 'WATCH k', 'SET other 1', 'MULTI', 'GET k', 'EXEC', 'WATCH k', 'UNWATCH', 'SET k 2', 'MULTI', 'GET k', 'EXEC')],
  ['WATCH then FLUSHALL', L('WATCH k', 'FLUSHALL', 'MULTI', 'PING', 'EXEC')],
  ['WATCH then DISCARD unwatches', L('FLUSHALL', 'WATCH k', 'MULTI', 'DISCARD', 'SET k 1', 'MULTI', 'GET k', 'EXEC')],
  ['MULTI then RESET', L('MULTI', 'SET k v', 'RESET', 'EXEC')],
  ['MULTI then QUIT runs QUIT', L('MULTI', 'PING', 'QUIT')],
  ['SELECT inside MULTI', L('FLUSHALL', 'MULTI', 'SELECT 1', 'SET k one', 'SELECT 0', 'GET k', 'EXEC', 'SELECT 1', 'GET k')],
  ['SUBSCRIBE and PUBLISH inside EXEC', L('MULTI', 'SUBSCRIBE a', 'PUBLISH a x', 'EXEC', 'UNSUBSCRIBE')],
  ['subscribed client: MULTI refused, EXEC aborts', L('SUBSCRIBE a', 'MULTI', 'SUBSCRIBE b', 'EXEC', 'UNSUBSCRIBE a', 'UNSUBSCRIBE')],
  ['RESP3 dirty EXEC is a null', L('HELLO 3', 'WATCH k', 'SET k 1', 'MULTI', 'EXEC')],
  [
    'CONFIG client-output-buffer-limit',
    L(
      'CONFIG GET client-output-buffer-limit',
      'CONFIG SET client-output-buffer-limit "pubsub 1mb 512kb 1"',
      'CONFIG GET client-output-buffer-limit',
      'CONFIG SET client-output-buffer-limit "pubsub 1mb 512kb"',
      'CONFIG SET client-output-buffer-limit "foo 1 1 1"',
      'CONFIG SET client-output-buffer-limit "pubsub x 1 1"',
      'CONFIG SET client-output-buffer-limit "pubsub 1 1 x"',
      'CONFIG SET client-output-buffer-limit "replica 1k 2k 1 pubsub 33554432 8388608 60"',
      'CONFIG GET client-output-buffer-limit',
      'CONFIG SET client-output-buffer-limit "slave 268435456 67108864 60"',
      'CONFIG GET client-output-buffer-limit',
    ),
  ],
];

describe('byte-identical to redis-server', () => {
  const run = peers.available ? test : test.skip;
  run.each(CASES)('%s', async (name, input) => {
    const [ours, theirs] = await Promise.all([transcript(peers.oursPort, input), transcript(peers.redisPort, input)]);
    if (name.startsWith('RESP3 nulls') || name.startsWith('RESP3 subscriber') || name.startsWith('RESP3 dirty')) {
      // Compare what follows HELLO's map: send a fresh pair of connections.
      const follow = name.startsWith('RESP3 nulls') ? L('HELLO 3', 'GET nope', 'MGET nope', 'CONFIG GET appendonly', 'COMMAND INFO nosuch', 'CLIENT GETNAME') : input;
      const [o, t] = await Promise.all([transcript(peers.oursPort, follow), transcript(peers.redisPort, follow)]);
      const afterHello = (s: string) => s.slice(s.indexOf('*0\r\n') + 4);
      expect(afterHello(o.reply)).toBe(afterHello(t.reply));
      return;
    }
    expect(ours).toEqual(theirs);
  });
});

/**
 * Several connections, one script: each step sends to one connection and
 * waits for the servers to act on it, so cross-connection effects (PUBLISH to
 * another subscriber, a write dirtying another's WATCH) happen in the same
 * order on both servers. Each connection's transcript must be identical.
 */
async function multiTranscript(port: number, connections: number, steps: [connection: number, input: string][]): Promise<string[]> {
  const clients = await Promise.all(Array.from({ length: connections }, () => RawClient.connect(port)));
  for (const [index, input] of steps) {
    clients[index]!.send(input);
    await new Promise((r) => setTimeout(r, 60));
  }
  const replies = await Promise.all(clients.map((c) => c.readUntil(() => false, 200)));
  for (const c of clients) c.close();
  return replies.map((r) => r.toString('latin1'));
}

const SCRIPTS: [name: string, connections: number, steps: [number, string][]][] = [
  [
    'PUBLISH reaches a subscriber on another connection',
    2,
    [
      [0, L('SUBSCRIBE news', 'PSUBSCRIBE n?ws')],
      [1, L('PUBLISH news hello', 'PUBLISH nows x', 'PUBLISH other y', 'PUBSUB NUMSUB news other', 'PUBSUB NUMPAT', 'PUBSUB CHANNELS', 'PUBSUB CHANNELS n*', 'PUBSUB CHANNELS x*')],
      [0, L('UNSUBSCRIBE news')],
      [1, L('PUBLISH news again', 'PUBLISH nows y', 'PUBSUB NUMSUB news')],
      [0, L('PUNSUBSCRIBE')],
      [1, L('PUBLISH nows z', 'PUBSUB NUMPAT')],
    ],
  ],
  [
    'a closed subscriber no longer counts',
    3,
    [
      [0, L('SUBSCRIBE gone')],
      [1, L('PUBSUB NUMSUB gone')],
      [0, L('QUIT')],
      [2, L('PUBLISH gone x', 'PUBSUB NUMSUB gone')],
    ],
  ],
  [
    'WATCH invalidated by another connection',
    2,
    [
      [0, L('FLUSHALL', 'SET k 0', 'WATCH k')],
      [1, L('SET k 1')],
      [0, L('MULTI', 'SET k 2', 'EXEC', 'GET k')],
      [0, L('WATCH k')],
      [1, L('GET k', 'SET unrelated 1')],
      [0, L('MULTI', 'SET k 3', 'EXEC', 'GET k')],
      [0, L('SELECT 1', 'WATCH k', 'SELECT 0')],
      [1, L('SET k 4')],
      [0, L('MULTI', 'PING', 'EXEC')],
      [0, L('WATCH a b')],
      [1, L('MSET x 1 b 2')],
      [0, L('MULTI', 'PING', 'EXEC')],
    ],
  ],
  [
    'WATCH inside a transaction that another connection dirties while queuing',
    2,
    [
      [0, L('FLUSHALL', 'WATCH k', 'MULTI', 'SET k mine')],
      [1, L('SET k theirs')],
      [0, L('EXEC', 'GET k')],
    ],
  ],
];

describe('byte-identical to redis-server across connections', () => {
  const run = peers.available ? test : test.skip;
  run.each(SCRIPTS)('%s', async (_name, connections, steps) => {
    const [ours, theirs] = await Promise.all([multiTranscript(peers.oursPort, connections, steps), multiTranscript(peers.redisPort, connections, steps)]);
    expect(ours).toEqual(theirs);
  });
});

describe('glob patterns match as redis-server matches them (PUBSUB CHANNELS)', () => {
  const run = peers.available ? test : test.skip;
  run('random patterns over random channel names, fixed seed', async () => {
    const random = mulberry32(20261122);
    const alphabet = ['a', 'b', 'c', '*', '?', '[', ']', '^', '-', '\\'];
    const word = (max: number): string => {
      const length = Math.floor(random() * (max + 1));
      let w = '';
      for (let i = 0; i < length; i++) w += alphabet[Math.floor(random() * alphabet.length)];
      return w;
    };
    const channels = [...new Set(Array.from({ length: 120 }, () => word(5)))].filter((c) => c.length > 0);
    const patterns = Array.from({ length: 300 }, () => word(6));
    patterns.push('*', '', '[', '[a-]', '[^a]*', '\\*', 'a\\', '[\\]]', '[]', '[^]', '**a', 'a[b-a]', '[c-a]*', '\\');
    const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
    const command = (...args: string[]): string => `*${args.length}\r\n${args.map(bulk).join('')}`;
    const matched = async (port: number): Promise<string[]> => {
      const subscriber = await RawClient.connect(port);
      subscriber.send(command('SUBSCRIBE', ...channels));
      await subscriber.readUntil((r) => r.toString('latin1').split('subscribe').length > channels.length, 5000);
      const asker = await RawClient.connect(port);
      const results: string[] = [];
      for (const pattern of patterns) {
        asker.send(command('PUBSUB', 'CHANNELS', pattern));
        const reply = (await asker.readUntil((r) => replyComplete(r), 5000)).toString('latin1');
        results.push(`${pattern} => ${parseBulkArray(reply).sort().join(' ')}`);
      }
      subscriber.close();
      asker.close();
      return results;
    };
    const [ours, theirs] = await Promise.all([matched(peers.oursPort), matched(peers.redisPort)]);
    expect(ours).toEqual(theirs);
    // The comparison means something only if patterns matched some channels and missed others.
    expect(theirs.filter((r) => r.endsWith('=> ')).length).toBeGreaterThan(10);
    expect(theirs.filter((r) => !r.endsWith('=> ')).length).toBeGreaterThan(10);
  });
});

function replyComplete(bytes: Buffer): boolean {
  return replyEnd(bytes, 0) === bytes.length;
}

function parseBulkArray(reply: string): string[] {
  const items: string[] = [];
  let at = reply.indexOf('\r\n') + 2;
  while (at < reply.length) {
    const lineEnd = reply.indexOf('\r\n', at);
    const length = Number(reply.slice(at + 1, lineEnd));
    items.push(reply.slice(lineEnd + 2, lineEnd + 2 + length));
    at = lineEnd + 2 + length + 2;
  }
  return items;
}
