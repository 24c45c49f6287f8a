/**
 * Lists, sorted sets and blocking pops: the same command scripts to Debian's
 * redis-server 7.0 (started here on a free port) and to our Redis port (two
 * shards); the replies must be byte-identical, in RESP2 and RESP3. Left out on
 * purpose: random replies (ZRANDMEMBER with a count), ZRANK ... WITHSCORE (Redis
 * 7.2; the reference server is 7.0), RESP3 doubles that are not short in binary
 * (Redis 7.0 prints `%.17g`, our RESP3 encoder the shortest form; RESP2 matches).
 * Skipped, with a message, when redis-server is not installed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';
import { countReplies, replyEnd, startRespDaemon, type RespDaemon } from './resp-daemon';

const haveRedis = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;
if (!haveRedis) console.warn('redis-server not installed: skipping the list/zset differential tests against real Redis');

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
  daemon = await startRespDaemon(['-t', '2']);
  redisPort = await freePort();
  redisServer = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(redisPort);
});

afterAll(async () => {
  if (!haveRedis) return;
  const exited = new Promise((resolve) => redisServer.once('exit', resolve));
  redisServer.kill('SIGTERM');
  await exited;
  await daemon.stop();
});

/** A command line: words split on spaces; `""` is an empty argument. */
function encode(line: string): string {
  const words = line.split(' ').map((w) => (w === '""' ? '' : w));
  return `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
}

/** Runs `lines` on one connection (after HELLO 3 for RESP3, whose own reply is dropped: it names the server). */
async function transcript(port: number, lines: readonly string[], protocol: 2 | 3): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    if (protocol === 3) {
      client.send(encode('HELLO 3'));
      await client.readUntil((r) => countReplies(r) >= 1);
    }
    client.send(lines.map(encode).join(''));
    const reply = await client.readUntil((r) => countReplies(r) >= lines.length, 5000);
    return reply.toString('latin1');
  } finally {
    client.close();
  }
}

const LIST_SCRIPT = [
  'FLUSHALL',
  'RPUSH l a b c d e',
  'LPUSH l x y',
  'LPUSHX nol a',
  'RPUSHX l z',
  'LRANGE l 0 -1',
  'LRANGE l -2 100',
  'LLEN l',
  'LINDEX l 2',
  'LINDEX l -1',
  'LINDEX l 99',
  'LSET l 1 Y',
  'LSET l 99 Y',
  'LSET nol 0 Y',
  'LINSERT l BEFORE c C',
  'LINSERT l AFTER nosuch q',
  'LINSERT l SIDEWAYS c q',
  'LREM l 0 Y',
  'LPOS l c',
  'LPOS l c RANK -1 COUNT 0 MAXLEN 10',
  'LPOS l c RANK 0',
  'LTRIM l 1 -2',
  'LRANGE l 0 -1',
  'LPOP l',
  'RPOP l 2',
  'LPOP l 0',
  'LPOP nol 2',
  'LPOP l -1',
  'LMOVE l l2 LEFT RIGHT',
  'LMOVE l l2 RIGHT LEFT',
  'LMOVE l l LEFT RIGHT',
  'LMOVE nol l2 LEFT LEFT',
  'LMOVE l l2 UP LEFT',
  'RPOPLPUSH l l2',
  'LRANGE l2 0 -1',
  'LRANGE l 0 -1',
  'SET s x',
  'LPUSH s a',
  'LMOVE l s LEFT LEFT',
  'LMOVE s l LEFT LEFT',
  'LLEN s',
  'LMPOP 2 nol l2 RIGHT COUNT 2',
  'LMPOP 0 l LEFT',
  'LMPOP 1 l MIDDLE',
  'LMPOP 1 l LEFT COUNT 0',
  'LMPOP 1 nol LEFT',
  'BLPOP nol l2 0',
  'BRPOP nol 0.01',
  'BLPOP nol x',
  'BLPOP nol -1',
  'RPUSH l2 m n',
  'BLMOVE l2 l3 LEFT LEFT 0',
  'BRPOPLPUSH nol l3 0.01',
  'BLMPOP 0.01 1 nol LEFT',
  'BLMPOP 0 1 l3 RIGHT COUNT 3',
  'MULTI',
  'BLPOP nol 0',
  'BLMOVE nol l3 LEFT LEFT 0',
  'RPUSH nol v',
  'BRPOP nol 0',
  'RPUSH l3 w',
  'BLPOP nol l3 0',
  'LLEN l3',
  'EXEC',
  'LPUSH',
  'LRANGE l 0',
  'LMOVE a b LEFT',
  'BLPOP k',
  'COMMAND GETKEYS LMOVE a b LEFT RIGHT',
  'COMMAND GETKEYS BLPOP a b 0',
  'TYPE l3',
];

const ZSET_SCRIPT = [
  'FLUSHALL',
  'ZADD z 1 a 2 b 3 c 1.5 d -inf e +inf f 0.1 g',
  'ZADD z NX 10 a 10 h',
  'ZADD z XX CH 20 a 20 nosuch',
  'ZADD z GT CH 5 a 30 b',
  'ZADD z LT 1 c',
  'ZADD z INCR 2.5 d',
  'ZADD z XX INCR 1 nosuch',
  'ZADD z NX XX 1 a',
  'ZADD z GT LT 1 a',
  'ZADD z INCR 1 a 2 b',
  'ZADD z 1 a 2',
  'ZADD z x a',
  'ZADD z INCR -inf f',
  'ZINCRBY z 1.25 g',
  'ZINCRBY z x g',
  'ZSCORE z g',
  'ZSCORE z nosuch',
  'ZMSCORE z a nosuch g',
  'ZCARD z',
  'ZRANGE z 0 -1 WITHSCORES',
  'ZRANGE z 2 (20 BYSCORE WITHSCORES',
  'ZRANGE z +inf -inf BYSCORE REV LIMIT 1 3 WITHSCORES',
  'ZRANGE z 0 1 LIMIT 0 1',
  'ZRANGE z - + BYLEX WITHSCORES',
  'ZREVRANGE z 0 2 WITHSCORES',
  'ZRANGEBYSCORE z (1 5',
  'ZRANGEBYSCORE z x 5',
  'ZREVRANGEBYSCORE z 5 -inf WITHSCORES LIMIT 0 2',
  'ZCOUNT z (1 +inf',
  'ZRANK z g',
  'ZREVRANK z g',
  'ZRANK z nosuch',
  'ZREM z nosuch e',
  'ZADD lex 0 a 0 b 0 c 0 d',
  'ZRANGEBYLEX lex [b +',
  'ZREVRANGEBYLEX lex (c -',
  'ZRANGEBYLEX lex b c',
  'ZLEXCOUNT lex - (c',
  'ZREMRANGEBYLEX lex [a [b',
  'ZREMRANGEBYRANK z 0 0',
  'ZREMRANGEBYSCORE z (2 5',
  'ZRANGE z 0 -1 WITHSCORES',
  'ZPOPMIN z',
  'ZPOPMAX z 2',
  'ZPOPMIN nosuch',
  'ZPOPMIN z -1',
  'ZSCAN z 0',
  'ZSCAN lex 0 MATCH c* COUNT 5',
  'ZSCAN z x',
  'ZADD u1 1 a 2 b 3 c',
  'ZADD u2 10 b 20 c 30 d',
  'ZUNION 2 u1 u2 WITHSCORES',
  'ZUNION 2 u1 u2 WEIGHTS 2 0.5 AGGREGATE MAX WITHSCORES',
  'ZINTER 2 u1 u2 AGGREGATE MIN WITHSCORES',
  'ZDIFF 2 u1 u2 WITHSCORES',
  'ZINTERCARD 2 u1 u2 LIMIT 1',
  'ZUNION 0 u1',
  'ZUNION 3 u1 u2',
  'ZUNION 1 u1 WEIGHTS x',
  'ZINTERCARD 1 u1 LIMIT -1',
  'ZUNIONSTORE dst 2 u1 u2 WEIGHTS 1 2',
  'ZRANGE dst 0 -1 WITHSCORES',
  'SET str v',
  'ZINTERSTORE str 2 u1 u2',
  'TYPE str',
  'ZDIFFSTORE dst 1 nosuch',
  'EXISTS dst',
  'ZUNIONSTORE dst 2 u1 str',
  'ZUNIONSTORE dst 1 u1 WITHSCORES',
  'ZRANGESTORE dst u2 (10 +inf BYSCORE',
  'ZRANGE dst 0 -1 WITHSCORES',
  'ZRANGESTORE dst u2 0 -1 LIMIT 0 1',
  'ZMPOP 2 nosuch u1 MAX COUNT 2',
  'ZMPOP 1 u1 MIN COUNT 0',
  'BZPOPMIN nosuch u2 0',
  'BZPOPMAX nosuch 0.01',
  'BZMPOP 0.01 1 nosuch MIN',
  'MULTI',
  'BZPOPMIN nosuch 0',
  'ZADD nosuch 1 m',
  'BZPOPMAX nosuch 0',
  'EXEC',
  'ZADD zz 1 a',
  'GET zz',
  'ZRANGE',
  'ZSCORE z',
];

const RESP3_SCRIPT = [
  'FLUSHALL',
  'ZADD z 1.5 a 2 b -inf c 0.25 d',
  'ZSCORE z a',
  'ZSCORE z nosuch',
  'ZMSCORE z a nosuch c',
  'ZINCRBY z 0.5 a',
  'ZADD z INCR 1 b',
  'ZRANGE z 0 -1 WITHSCORES',
  'ZRANGE z 0 -1',
  'ZRANGEBYSCORE z -inf 1.5 WITHSCORES',
  'ZPOPMIN z',
  'ZPOPMAX z 2',
  'ZPOPMIN nosuch',
  'ZUNION 1 z WITHSCORES',
  'ZSCAN z 0',
  'ZMPOP 1 z MIN',
  'BZPOPMIN nosuch 0.01',
  'RPUSH l a b',
  'LPOP nosuch',
  'LPOP nosuch 2',
  'LINDEX l 5',
  'LPOS l zz',
  'BLPOP nosuch 0.01',
  'BLMOVE nosuch l LEFT LEFT 0.01',
  'BLPOP l 0',
  'LMPOP 1 l RIGHT',
];

const CASES: [string, readonly string[], 2 | 3][] = [
  ['lists and blocking list pops (RESP2)', LIST_SCRIPT, 2],
  ['lists and blocking list pops (RESP3)', LIST_SCRIPT.filter((l) => !l.startsWith('COMMAND')), 3],
  ['sorted sets and blocking zset pops (RESP2)', ZSET_SCRIPT, 2],
  ['doubles, pairs and nulls (RESP3)', RESP3_SCRIPT, 3],
  ['doubles, pairs and nulls (RESP2)', RESP3_SCRIPT, 2],
];

describe('lists and sorted sets byte-identical to redis-server', () => {
  test.each(CASES)('%s', async (_name, lines, protocol) => {
    if (!haveRedis) return;
    const expected = await transcript(redisPort, lines, protocol);
    const actual = await transcript(daemon.redisPort, lines, protocol);
    // Compare reply by reply, labelled with its command, so a difference names its line.
    const split = (bytes: string) => {
      const buffer = Buffer.from(bytes, 'latin1');
      const replies: string[] = [];
      let at = 0;
      while (at < buffer.length) {
        const end = replyEnd(buffer, at);
        if (end < 0) break;
        replies.push(buffer.toString('latin1', at, end));
        at = end;
      }
      return replies.map((r, i) => `${lines[i]} => ${r}`);
    };
    // Every line answered (nothing blocked forever on either side), and answered alike.
    expect(split(expected)).toHaveLength(lines.length);
    expect(split(actual)).toEqual(split(expected));
  });
});
