/**
 * One connection's conversation through MULTI/EXEC, WATCH, subscribed mode
 * and RESET, sent whole, byte by byte, and in random splits (fixed seed):
 * every way gives the same bytes, and those are what redis-server 7.0
 * answered to the same input (recorded below).
 */
import { mulberry32 } from '../../helpers/prng';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

function multibulk(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

const CONVERSATION = Buffer.from(
  [
    ['FLUSHALL'], ['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['EXEC'],
    ['WATCH', 'a'], ['SET', 'a', '2'], ['MULTI'], ['GET', 'a'], ['EXEC'],
    ['MULTI'], ['SET', 'a'], ['EXEC'],
    ['SUBSCRIBE', 'ch1', 'ch2'], ['PING'], ['GET', 'a'], ['UNSUBSCRIBE', 'ch1'], ['UNSUBSCRIBE', 'ch2'],
    ['PSUBSCRIBE', 'p*'], ['PUNSUBSCRIBE', 'p*'], ['SUBSCRIBE', 'x'], ['RESET'],
    ['MULTI'], ['SUBSCRIBE', 'me'], ['PUBLISH', 'me', 'hi'], ['EXEC'], ['UNSUBSCRIBE'],
  ]
    .map((args) => multibulk(...args))
    .join(''),
);

/** redis-server 7.0.15's reply to CONVERSATION. */
const EXPECTED =
  '+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n$1\r\n1\r\n' +
  '+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n' +
  "+OK\r\n-ERR wrong number of arguments for 'set' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n" +
  '*3\r\n$9\r\nsubscribe\r\n$3\r\nch1\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$3\r\nch2\r\n:2\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n' +
  "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n" +
  '*3\r\n$11\r\nunsubscribe\r\n$3\r\nch1\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$3\r\nch2\r\n:0\r\n' +
  '*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:1\r\n*3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n' +
  '*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n+RESET\r\n' +
  '+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n*3\r\n$9\r\nsubscribe\r\n$2\r\nme\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$2\r\nhi\r\n:1\r\n' +
  '*3\r\n$11\r\nunsubscribe\r\n$2\r\nme\r\n:0\r\n';

async function converse(chunks: Buffer[]): Promise<string> {
  const client = await RawClient.connect(daemon.redisPort);
  for (const chunk of chunks) {
    client.send(chunk);
    // Let each chunk leave as its own segment.
    await new Promise((r) => setImmediate(r));
  }
  const reply = await client.readUntil((r) => r.length >= EXPECTED.length, 10000);
  client.close();
  return reply.toString('latin1');
}

function randomSplits(bytes: Buffer, seed: number): Buffer[] {
  const random = mulberry32(seed);
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + Math.floor(random() * 24);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

test('whole', async () => {
  expect(await converse([CONVERSATION])).toBe(EXPECTED);
});

test('byte by byte', async () => {
  const bytes = [...CONVERSATION].map((b) => Buffer.from([b]));
  expect(await converse(bytes)).toBe(EXPECTED);
}, 30000);

test.each([11, 12, 13])('random splits, seed %i', async (seed) => {
  expect(await converse(randomSplits(CONVERSATION, seed))).toBe(EXPECTED);
});
