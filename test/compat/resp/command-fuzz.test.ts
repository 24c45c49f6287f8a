/**
 * Seeded random command lines (every command and subcommand in the table,
 * random argument counts, numbers at and past the 64-bit edges, option words,
 * binary junk) pipelined at the Redis port: every command gets exactly one
 * reply, in order, and the daemon keeps serving.
 */
import { RESP_COMMANDS } from '../../../src/protocol/resp/command-table';
import { mulberry32 } from '../../helpers/prng';
import { RawClient } from '../../helpers/raw-client';
import { countReplies, exchange, startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;

beforeAll(async () => {
  daemon = await startRespDaemon(['-I', '2k']);
});

afterAll(async () => {
  await daemon.stop();
});

const TOKENS: Buffer[] = [
  '0', '1', '-1', '15', '16', '100', '-100', '9223372036854775807', '9223372036854775808', '-9223372036854775808',
  '1e3', '', ' ', 'k', 'key', 'NX', 'XX', 'GET', 'EX', 'PX', 'EXAT', 'PXAT', 'KEEPTTL', 'ID', 'SKIPME', 'no', 'yes',
  'TYPE', 'normal', 'LIB-NAME', 'lib-ver', 'AUTH', 'SETNAME', 'default', 'SYNC', 'ASYNC', '*', 'max*', 'maxmemory',
  'save', 'appendonly', 'server', 'keyspace', 'everything', 'a b', 'x'.repeat(3000),
].map((t) => Buffer.from(t)).concat([Buffer.from([0, 0xff, 0x0d, 0x0a, 0x24, 0x2a])]);

/**
 * Full command names, subcommands as two words; QUIT and CLIENT KILL would end
 * the run, and the (un)subscribe family answers once per channel (and then
 * refuses most commands), which breaks the one-reply count: pubsub-fuzz below covers it.
 */
const ONE_REPLY_PER_CHANNEL = new Set(['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe']);
const NAMES: string[][] = RESP_COMMANDS.flatMap((c) =>
  c.subcommands === undefined ? [[c.name]] : [[c.name], ...c.subcommands.map((s) => s.name.split('|'))],
).filter((words) => words[0] !== 'quit' && !(words[0] === 'client' && words[1] === 'kill') && !ONE_REPLY_PER_CHANNEL.has(words[0]!));

/**
 * A blocking command (BLPOP k 0 …) may rightly never answer, so it is sent
 * inside MULTI … EXEC, where nothing blocks: its arguments are still checked,
 * and it costs exactly three replies (MULTI's, QUEUED or the error, EXEC's).
 */
const BLOCKING = new Set(RESP_COMMANDS.filter((c) => c.flags.includes('blocking')).map((c) => c.name));

function multibulk(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

test.each([1, 2, 3])('seed %i: 1500 random commands, one reply each, daemon alive', async (seed) => {
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const requests: Buffer[] = [];
  let expectedReplies = 0;
  for (let i = 0; i < 1500; i++) {
    const picked = pick(NAMES);
    const words = picked.map((w) => Buffer.from(rand() < 0.5 ? w.toUpperCase() : w));
    const extra = Math.floor(rand() * 6);
    const args: Buffer[] = [...words];
    for (let j = 0; j < extra; j++) args.push(pick(TOKENS));
    if (BLOCKING.has(picked[0]!)) {
      requests.push(multibulk([Buffer.from('MULTI')]), multibulk(args), multibulk([Buffer.from('EXEC')]));
      expectedReplies += 3;
    } else {
      requests.push(multibulk(args));
      expectedReplies += 1;
    }
  }
  const client = await RawClient.connect(daemon.redisPort);
  try {
    client.send(Buffer.concat(requests));
    const replies = await client.readUntil((r) => countReplies(r) >= expectedReplies, 20000);
    expect(countReplies(replies)).toBe(expectedReplies);
    expect(client.closed).toBe(false);
  } finally {
    client.close();
  }
  const fresh = await RawClient.connect(daemon.redisPort);
  expect(await exchange(fresh, 'PING\r\n')).toBe('+PONG\r\n');
  fresh.close();
});

/**
 * The (un)subscribe family mixed with everything else: the reply count is
 * not one per command here, so the check is that the daemon answers, stays
 * up, and a final PING on the same connection comes back after RESET.
 */
test.each([4, 5])('pubsub-fuzz seed %i: random commands with (un)subscribes, daemon alive', async (seed) => {
  const rand = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const pubsubNames = [...ONE_REPLY_PER_CHANNEL].map((n) => [n]);
  const requests: Buffer[] = [];
  for (let i = 0; i < 1500; i++) {
    const words = (rand() < 0.3 ? pick(pubsubNames) : pick(NAMES)).map((w) => Buffer.from(w));
    const args: Buffer[] = [...words];
    const extra = Math.floor(rand() * 4);
    for (let j = 0; j < extra; j++) args.push(pick(TOKENS));
    requests.push(multibulk(args));
  }
  requests.push(multibulk([Buffer.from('RESET')]), multibulk([Buffer.from('PING'), Buffer.from('fuzz-done')]));
  const client = await RawClient.connect(daemon.redisPort);
  try {
    client.send(Buffer.concat(requests));
    const replies = await client.readUntil((r) => r.includes('$9\r\nfuzz-done\r\n'), 20000);
    expect(replies.toString('latin1').endsWith('+RESET\r\n$9\r\nfuzz-done\r\n')).toBe(true);
    expect(client.closed).toBe(false);
  } finally {
    client.close();
  }
});
