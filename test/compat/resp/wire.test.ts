/**
 * The Redis port byte for byte over a raw socket: handshake replies, RESP3
 * after HELLO 3, errors in Redis's words, protocol errors closing the
 * connection, and the connection limit.
 */
import { RawClient } from '../../helpers/raw-client';
import { exchange, startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
let client: RawClient;

beforeAll(async () => {
  daemon = await startRespDaemon();
});

afterAll(async () => {
  await daemon.stop();
});

beforeEach(async () => {
  client = await RawClient.connect(daemon.redisPort);
});

afterEach(() => client.close());

const mb = (...args: string[]): string => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

test('PING, ECHO, inline and multibulk', async () => {
  expect(await exchange(client, 'PING\r\n')).toBe('+PONG\r\n');
  expect(await exchange(client, mb('PING', 'hi'))).toBe('$2\r\nhi\r\n');
  expect(await exchange(client, 'echo "a b"\r\n')).toBe('$3\r\na b\r\n');
});

test('errors in Redis words', async () => {
  expect(await exchange(client, 'FOO a b c\r\n')).toBe("-ERR unknown command 'FOO', with args beginning with: 'a' 'b' 'c' \r\n");
  expect(await exchange(client, 'GET\r\n')).toBe("-ERR wrong number of arguments for 'get' command\r\n");
  expect(await exchange(client, 'CLIENT SETNAME\r\n')).toBe("-ERR wrong number of arguments for 'client|setname' command\r\n");
  expect(await exchange(client, 'CLIENT FOO\r\n')).toBe("-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n");
  expect(await exchange(client, 'SET k v NX XX\r\n')).toBe('-ERR syntax error\r\n');
  expect(await exchange(client, 'SET k v EX x\r\n')).toBe('-ERR value is not an integer or out of range\r\n');
  expect(await exchange(client, 'SET k v EX 0\r\n')).toBe("-ERR invalid expire time in 'set' command\r\n");
  expect(await exchange(client, 'SETEX k -1 v\r\n')).toBe("-ERR invalid expire time in 'setex' command\r\n");
  expect(await exchange(client, 'SELECT 16\r\n')).toBe('-ERR DB index is out of range\r\n');
  expect(await exchange(client, 'AUTH pw\r\n')).toBe(
    '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
  );
  expect(await exchange(client, 'AUTH someone pw\r\n')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
  expect(await exchange(client, 'AUTH default pw\r\n')).toBe('+OK\r\n');
  expect(await exchange(client, 'CONFIG SET nope 1\r\n')).toBe("-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n");
  expect(await exchange(client, 'HELLO 4\r\n')).toBe('-NOPROTO unsupported protocol version\r\n');
  // Not served (databases are key prefixes: swapping two would rewrite every key of both): Redis's unknown-command error, not a fake answer.
  expect(await exchange(client, 'SWAPDB 0 1\r\n')).toBe("-ERR unknown command 'SWAPDB', with args beginning with: '0' '1' \r\n");
  // The connection is still usable after command errors.
  expect(await exchange(client, 'PING\r\n')).toBe('+PONG\r\n');
});

test.each([
  ['invalid multibulk length', '*x\r\n', '-ERR Protocol error: invalid multibulk length\r\n'],
  ['expected $', '*1\r\nx\r\n', "-ERR Protocol error: expected '$', got 'x'\r\n"],
  ['negative bulk length', '*1\r\n$-5\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
  // Our bound: max item size (1 MiB by default) + 64 KiB; Redis's is 512 MB.
  ['bulk length over our bound', '*1\r\n$2000000\r\n', '-ERR Protocol error: invalid bulk length\r\n'],
  ['unbalanced quotes', 'set "a b\r\n', '-ERR Protocol error: unbalanced quotes in request\r\n'],
  ['inline over 64 KiB', 'x'.repeat(70000), '-ERR Protocol error: too big inline request\r\n'],
])('protocol error (%s): the error, then the connection closes', async (_name, input, reply) => {
  const out = await exchange(client, `PING\r\n${input}`, 2);
  expect(out).toBe(`+PONG\r\n${reply}`);
  await client.readUntil(() => false, 2000);
  expect(client.closed).toBe(true);
});

test('HELLO 2 and HELLO 3 maps; RESP3 types only after HELLO 3', async () => {
  const hello2 = await exchange(client, 'HELLO 2\r\n');
  expect(hello2).toMatch(/^\*14\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$5\r\n7\.2\.0\r\n\$5\r\nproto\r\n:2\r\n\$2\r\nid\r\n:\d+\r\n\$4\r\nmode\r\n\$10\r\nstandalone\r\n\$4\r\nrole\r\n\$6\r\nmaster\r\n\$7\r\nmodules\r\n\*0\r\n$/);
  expect(await exchange(client, 'GET missing\r\n')).toBe('$-1\r\n');
  const hello3 = await exchange(client, 'HELLO 3 SETNAME conn1\r\n');
  expect(hello3).toMatch(/^%7\r\n\$6\r\nserver\r\n.*\$5\r\nproto\r\n:3\r\n/s);
  expect(await exchange(client, 'GET missing\r\n')).toBe('_\r\n');
  expect(await exchange(client, 'CONFIG GET maxmemory-policy\r\n')).toBe('%1\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n');
  expect(await exchange(client, 'CLIENT GETNAME\r\n')).toBe('$5\r\nconn1\r\n');
  expect(await exchange(client, 'CLIENT INFO\r\n')).toMatch(/^=\d+\r\ntxt:id=\d+ .*name=conn1 .*resp=3 /);
  expect(await exchange(client, 'RESET\r\n')).toBe('+RESET\r\n');
  expect(await exchange(client, 'GET missing\r\n')).toBe('$-1\r\n');
  expect(await exchange(client, 'CLIENT GETNAME\r\n')).toBe('$-1\r\n');
});

test('QUIT answers +OK and closes; nothing after it runs, even behind pending replies', async () => {
  expect(await exchange(client, 'GET quit-probe\r\nQUIT\r\nSET quit-probe ran\r\nPING\r\n', 2)).toBe('$-1\r\n+OK\r\n');
  await client.readUntil(() => false, 2000);
  expect(client.closed).toBe(true);
  const other = await RawClient.connect(daemon.redisPort);
  expect(await exchange(other, 'GET quit-probe\r\n')).toBe('$-1\r\n');
  other.close();
});

test('keys longer than memcached allows (up to 64 KiB) work', async () => {
  const key = 'k'.repeat(60000);
  expect(await exchange(client, `${mb('SET', key, 'long')}${mb('GET', key)}${mb('DEL', key)}`, 3)).toBe('+OK\r\n$4\r\nlong\r\n:1\r\n');
  expect(await exchange(client, mb('GET', 'k'.repeat(70000)))).toBe('-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n');
});

test('a value over the max item size is refused like an over-long Redis string, and the old value stays', async () => {
  const big = 'v'.repeat(1024 * 1024);
  expect(await exchange(client, `SET keep small\r\n${mb('SET', 'keep', big)}GET keep\r\n`, 3)).toBe(
    '+OK\r\n-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n$5\r\nsmall\r\n',
  );
});

test('SELECT keeps databases apart; database 0 is the keyspace', async () => {
  expect(await exchange(client, 'SET dbkey zero\r\nSELECT 5\r\nGET dbkey\r\nSET dbkey five\r\nGET dbkey\r\nSELECT 0\r\nGET dbkey\r\n', 7)).toBe(
    '+OK\r\n+OK\r\n$-1\r\n+OK\r\n$4\r\nfive\r\n+OK\r\n$4\r\nzero\r\n',
  );
  // A database-0 key spelled like the prefix of another database's keys stays its own key.
  expect(await exchange(client, `${mb('SET', '\n\x05dbkey', 'raw')}SELECT 5\r\nGET dbkey\r\n`, 3)).toBe('+OK\r\n+OK\r\n$4\r\nfive\r\n');
});

test('a 1000-command pipeline in one write, answers in order', async () => {
  let input = '';
  let expected = '';
  for (let i = 0; i < 500; i++) {
    input += mb('SET', `pipe:${i}`, `v${i}`) + mb('GET', `pipe:${i}`);
    expected += `+OK\r\n$${`v${i}`.length}\r\nv${i}\r\n`;
  }
  expect(await exchange(client, input, 1000, 10000)).toBe(expected);
});

test('the connection limit answers like Redis on the Redis port', async () => {
  const limited = await startRespDaemon(['-c', '1']);
  try {
    // The start-up probes' connections may still count for a moment: retry until the one slot is ours.
    let first = await RawClient.connect(limited.redisPort);
    for (let tries = 0; tries < 50 && (await exchange(first, 'PING\r\n')) !== '+PONG\r\n'; tries++) {
      first.close();
      await new Promise((r) => setTimeout(r, 20));
      first = await RawClient.connect(limited.redisPort);
    }
    expect(await exchange(first, 'PING\r\n')).toBe('+PONG\r\n');
    const second = await RawClient.connect(limited.redisPort);
    const reply = await second.readUntil(() => false, 1000);
    expect(reply.toString()).toBe('-ERR max number of clients reached\r\n');
    expect(second.closed).toBe(true);
    first.close();
  } finally {
    await limited.stop();
  }
});
