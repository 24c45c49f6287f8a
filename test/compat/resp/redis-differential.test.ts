/**
 * The same bytes to the real redis-server (Debian's, started here on a free
 * port) and to our Redis port: replies must be byte-identical, and so must
 * the decision to close. Covers the parser's edge cases and the exact error
 * texts. Cases where we knowingly differ (version strings, client ids,
 * features not served) are not here but in wire.test.ts. Skipped, with a
 * message, when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
if (!haveRedis) console.warn('redis-server not installed: skipping the differential tests against real Redis');

let daemon: RespDaemon;
let redisServer: ChildProcess;
let redisPort: number;

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`port ${port} not listening`);
}

beforeAll(async () => {
  if (!haveRedis) return;
  daemon = await startRespDaemon();
  redisPort = await freePort();
  redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  await waitForPort(redisPort);
});

afterAll(async () => {
  if (!haveRedis) return;
  const exited = new Promise((resolve) => redisServer.once('exit', resolve));
  redisServer.kill('SIGTERM');
  await exited;
  await daemon.stop();
});

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
];

describe('byte-identical to redis-server', () => {
  const run = haveRedis ? test : test.skip;
  run.each(CASES)('%s', async (name, input) => {
    const [ours, theirs] = await Promise.all([transcript(daemon.redisPort, input), transcript(redisPort, input)]);
    if (name.startsWith('RESP3 nulls')) {
      // Compare what follows HELLO's map: send a fresh pair of connections.
      const follow = L('HELLO 3', 'GET nope', 'MGET nope', 'CONFIG GET appendonly', 'COMMAND INFO nosuch', 'CLIENT GETNAME');
      const [o, t] = await Promise.all([transcript(daemon.redisPort, follow), transcript(redisPort, follow)]);
      const afterHello = (s: string) => s.slice(s.indexOf('*0\r\n') + 4);
      expect(afterHello(o.reply)).toBe(afterHello(t.reply));
      return;
    }
    expect(ours).toEqual(theirs);
  });
});
