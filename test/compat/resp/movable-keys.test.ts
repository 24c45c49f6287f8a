/**
 * Commands whose keys are not at fixed positions (a key count: ZUNION,
 * ZUNIONSTORE, LMPOP, BLMPOP, SINTERCARD ...; a trailing timeout: BLPOP,
 * BZPOPMIN ...): COMMAND GETKEYS must answer byte for byte as Debian's
 * redis-server 7.0 does, an ACL user limited to `~a*` must be refused every
 * key it may not touch, and --redis-cluster must see every key (CROSSSLOT,
 * MOVED). ZUNION & co. also take plain sets as sources (members of score 1),
 * compared with Redis in RESP2 and RESP3. Skipped, with a message, when
 * redis-server is not installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { keySlot } from '../../../src/cluster/redis-topology';
import { startRespDaemon, type RespDaemon } from './resp-daemon';
import { pipelinedReplies, useRedisPeers } from './redis-peer';

type Resp2 = string | number | null | Resp2[];

/** A RESP2 reply as nested arrays (bulk and simple strings as strings, errors as `-text`). */
function parseResp2(bytes: string, at = 0): [Resp2, number] {
  const lineEnd = bytes.indexOf('\r\n', at);
  const header = bytes.slice(at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (bytes[at]) {
    case '$':
      return Number(header) < 0 ? [null, next] : [bytes.slice(next, next + Number(header)), next + Number(header) + 2];
    case '*': {
      const items: Resp2[] = [];
      let pos = next;
      for (let i = 0; i < Number(header); i++) {
        const [item, end] = parseResp2(bytes, pos);
        items.push(item);
        pos = end;
      }
      return [items, pos];
    }
    case ':':
      return [Number(header), next];
    case '-':
      return [`-${header}`, next];
    default:
      return [header, next];
  }
}

const GETKEYS_LINES = [
  // Key count right after the name.
  'COMMAND GETKEYS ZUNION 2 a b WITHSCORES',
  'COMMAND GETKEYS ZINTER 1 a AGGREGATE MIN',
  'COMMAND GETKEYS ZDIFF 3 a b c',
  'COMMAND GETKEYS ZINTERCARD 2 a b LIMIT 1',
  'COMMAND GETKEYS SINTERCARD 2 a b LIMIT 0',
  'COMMAND GETKEYS LMPOP 2 a b LEFT COUNT 3',
  'COMMAND GETKEYS ZMPOP 1 a MIN',
  // A destination, then the count.
  'COMMAND GETKEYS ZUNIONSTORE d 2 a b WEIGHTS 1 2',
  'COMMAND GETKEYS ZINTERSTORE d 1 a',
  'COMMAND GETKEYS ZDIFFSTORE d 2 a b',
  // A timeout, then the count.
  'COMMAND GETKEYS BLMPOP 0 2 a b LEFT',
  'COMMAND GETKEYS BZMPOP 1.5 1 a MAX COUNT 2',
  // A trailing timeout is not a key.
  'COMMAND GETKEYS BLPOP a b 0',
  'COMMAND GETKEYS BRPOP a 1.5',
  'COMMAND GETKEYS BZPOPMIN a b c 0',
  'COMMAND GETKEYS BZPOPMAX a 0',
  // Counts only the getkeys proc accepts (atoi): the destination moves last.
  'COMMAND GETKEYS ZUNIONSTORE d 02 a b',
  'COMMAND GETKEYS ZUNIONSTORE d +2 a b',
  'COMMAND GETKEYS ZUNION 1x a b',
  'COMMAND GETKEYS ZUNION 4294967298 a b',
  'COMMAND GETKEYS ZUNIONSTORE d 04294967298 a b',
  'COMMAND GETKEYS ZUNION -4294967295 a',
  'COMMAND GETKEYS BLMPOP 0 02 a b LEFT',
  // Counts no rule accepts.
  'COMMAND GETKEYS ZUNION 0 a',
  'COMMAND GETKEYS ZUNION -1 a',
  'COMMAND GETKEYS ZUNION 3 a b',
  'COMMAND GETKEYS ZUNION x a',
  'COMMAND GETKEYS ZUNION "" a',
  'COMMAND GETKEYS ZUNION 99999999999999999999999 a',
  'COMMAND GETKEYS ZUNIONSTORE d 0 a',
  'COMMAND GETKEYS ZUNIONSTORE d 2 a',
  'COMMAND GETKEYS LMPOP 0 a LEFT',
  'COMMAND GETKEYS BZMPOP 0 5 a MIN',
  // Arity and lookups.
  'COMMAND GETKEYS ZUNIONSTORE d 1',
  'COMMAND GETKEYS BLMPOP 0 1 a',
  'COMMAND GETKEYS OBJECT ENCODING k',
  'COMMAND GETKEYS OBJECT NOSUCH k',
  'COMMAND GETKEYS ECHO',
  'COMMAND GETKEYS ECHO x',
  'COMMAND GETKEYS GET',
  'COMMAND GETKEYS nosuch a',
];

const REDIS_70_KEY_DENIED = '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n';

/** Plain sets as sources of the sorted-set algebra, next to sorted sets, missing keys and a string. */
const SET_SOURCE_LINES = [
  'FLUSHALL',
  'SADD s1 b a c',
  'SADD s2 c d 10 2',
  'SADD big ' + Array.from({ length: 140 }, (_, i) => `m${i}`).join(' '),
  'ZADD z1 5 a 2 d',
  'SET str v',
  'ZUNION 2 s1 z1 WITHSCORES',
  'ZUNION 3 s1 z1 s2 WEIGHTS 2 3 0.5 WITHSCORES',
  'ZUNION 2 s1 z1 AGGREGATE MAX WITHSCORES',
  'ZUNION 2 s1 s2',
  'ZUNION 2 big s1 AGGREGATE SUM',
  'ZINTER 2 s1 z1 WITHSCORES',
  'ZINTER 2 s1 s2 WITHSCORES',
  'ZINTER 2 s2 z1 WEIGHTS 4 1 AGGREGATE MIN WITHSCORES',
  'ZDIFF 2 s1 z1 WITHSCORES',
  'ZDIFF 2 z1 s1 WITHSCORES',
  'ZDIFF 3 s2 s1 nosuch',
  'ZINTERCARD 2 s1 s2',
  'ZINTERCARD 3 s1 s2 z1 LIMIT 1',
  'ZINTERCARD 1 big',
  'ZUNIONSTORE d 2 s1 z1 WEIGHTS 2 3',
  'ZRANGE d 0 -1 WITHSCORES',
  'TYPE d',
  'ZINTERSTORE s1 2 s1 s2',
  'TYPE s1',
  'ZRANGE s1 0 -1 WITHSCORES',
  'ZDIFFSTORE d4 1 s2',
  'ZRANGE d4 0 -1 WITHSCORES',
  'ZUNIONSTORE d5 1 big',
  'ZCARD d5',
  'ZUNION 2 s2 nosuch WITHSCORES',
  // Errors in Redis's order: numkeys, then WRONGTYPE, then the options.
  'ZUNION 2 str s2',
  'ZUNION 2 s2 str WEIGHTS a',
  'ZINTER 2 s2 z1 WEIGHTS a',
  'ZUNION 0 str',
  'ZUNION 3 str s2',
  'ZUNIONSTORE d 2 str s2 AGGREGATE x',
  'ZINTERCARD 2 s2 str LIMIT -1',
  'ZINTERCARD 2 s2 z1 LIMIT -1',
  'ZRANGESTORE d6 s2 0 -1',
  'EXISTS d6',
];

describe('against redis-server 7.0', () => {
  // Two shards: the sources of one command live on different shards.
  const peers = useRedisPeers('the movable-keys differential tests against real Redis', ['-t', '2']);

  peers.it('answers every line byte for byte as Redis does', async () => {
    const [ours, theirs] = await Promise.all([pipelinedReplies(peers.oursPort, GETKEYS_LINES), pipelinedReplies(peers.redisPort, GETKEYS_LINES)]);
    const diffs = GETKEYS_LINES.flatMap((line, i) => (ours[i] === theirs[i] ? [] : [`${line}\n  ours:  ${JSON.stringify(ours[i])}\n  redis: ${JSON.stringify(theirs[i])}`]));
    expect(diffs).toEqual([]);
    // Not vacuous: the movable commands really report keys.
    expect(ours[0]).toBe('*2\r\n$1\r\na\r\n$1\r\nb\r\n');
    expect(ours[7]).toBe('*3\r\n$1\r\nd\r\n$1\r\na\r\n$1\r\nb\r\n');
  });

  for (const protocol of [2, 3] as const) {
    peers.it(`ZUNION / ZINTER / ZDIFF and their STORE forms read a plain set as scores of 1 (RESP${protocol})`, async () => {
      const ours = await pipelinedReplies(peers.oursPort, SET_SOURCE_LINES, protocol);
      const theirs = await pipelinedReplies(peers.redisPort, SET_SOURCE_LINES, protocol);
      const diffs = SET_SOURCE_LINES.flatMap((line, i) => (ours[i] === theirs[i] ? [] : [`${line}\n  ours:  ${JSON.stringify(ours[i])}\n  redis: ${JSON.stringify(theirs[i])}`]));
      expect(diffs).toEqual([]);
      if (protocol === 2) {
        // Not vacuous: a set's members really count, with score 1 (c: 1 + 1 from s2 at weight 0.5 ...).
        expect(ours[SET_SOURCE_LINES.indexOf('ZUNION 2 s1 z1 WITHSCORES')]).toBe('*8\r\n$1\r\nb\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n6\r\n');
        expect(ours[SET_SOURCE_LINES.indexOf('ZUNION 2 s2 str WEIGHTS a')]).toBe('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n');
      }
    });
  }

  peers.it('COMMAND INFO gives the counted commands Redis\'s flags, key positions and key specs', async () => {
    const names = ['zunion', 'zinter', 'zdiff', 'zintercard', 'sintercard', 'lmpop', 'zmpop', 'zunionstore', 'zinterstore', 'zdiffstore', 'blmpop', 'bzmpop'];
    const lines = names.map((n) => `COMMAND INFO ${n}`);
    const [ours, theirs] = await Promise.all([pipelinedReplies(peers.oursPort, lines), pipelinedReplies(peers.redisPort, lines)]);
    // name, arity, flags, first key, last key, step, key specs (ACL categories and tips are compared elsewhere, or differ on purpose).
    const essentials = (reply: string): Resp2[] => {
      const info = (parseResp2(reply)[0] as Resp2[][])[0]!;
      return [...info.slice(0, 6), info[8]!];
    };
    for (let i = 0; i < names.length; i++) expect([names[i], essentials(ours[i]!)]).toEqual([names[i], essentials(theirs[i]!)]);
  });

  /**
   * The same user on both servers (ours from an ACL file, Redis's by ACL
   * SETUSER): every key of a counted command is checked, destination and
   * sources alike, and the refusals are Redis's bytes.
   */
  peers.it('an ACL user limited to ~a* is refused any other key, as by Redis', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'movable-keys-acl-'));
    const rule = 'zed on >zpw ~a* +@all';
    fs.writeFileSync(path.join(dir, 'users.acl'), `user default on nopass ~* &* +@all\nuser ${rule}\n`);
    const withAcl = await startRespDaemon(['-t', '1', '--acl-file', path.join(dir, 'users.acl')]);
    try {
      expect(await pipelinedReplies(peers.redisPort, [`ACL SETUSER ${rule}`])).toEqual(['+OK\r\n']);
      const lines = [
        'AUTH zed zpw',
        'ZADD a2 1 x',
        'ZUNIONSTORE a1 2 a2 b1',
        'ZUNIONSTORE b1 1 a2',
        'ZUNIONSTORE a1 2 a2 a3',
        'ZINTERSTORE a1 02 a2 b1',
        'ZUNION 2 a2 b1',
        'ZINTER 1 a2',
        'ZDIFF 2 b1 a2',
        'ZINTERCARD 2 a2 b1',
        'SINTERCARD 2 a2 b1',
        'LMPOP 2 a1 b1 LEFT',
        'ZMPOP 2 a1 b1 MIN',
        'BLMPOP 0.01 2 a1 b1 LEFT',
        'BZMPOP 0.01 2 a1 b1 MIN',
        'BLPOP a1 b1 0.01',
        'BZPOPMIN a1 b1 0.01',
        'BLPOP a1 0.01',
        'ZUNIONSTORE a1 0 b1',
      ];
      const [ours, redis70] = await Promise.all([pipelinedReplies(withAcl.redisPort, lines), pipelinedReplies(peers.redisPort, lines)]);
      // Our NOPERM texts are Redis 7.2's (resp-auth.ts); 7.0 words the same refusal differently.
      const theirs = redis70.map((r) => (r === REDIS_70_KEY_DENIED ? '-NOPERM No permissions to access a key\r\n' : r));
      const diffs = lines.flatMap((line, i) => (ours[i] === theirs[i] ? [] : [`${line}\n  ours:  ${JSON.stringify(ours[i])}\n  redis: ${JSON.stringify(theirs[i])}`]));
      expect(diffs).toEqual([]);
      expect(ours[2]).toBe('-NOPERM No permissions to access a key\r\n');
      expect(ours[4]).toBe(':1\r\n');
    } finally {
      await pipelinedReplies(peers.redisPort, ['ACL DELUSER zed', 'FLUSHALL']);
      await withAcl.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A key whose slot satisfies `wanted`, made of `prefix` and a counter. */
function keyWhere(prefix: string, wanted: (slot: number) => boolean): string {
  for (let i = 0; ; i++) if (wanted(keySlot(Buffer.from(`${prefix}${i}`)))) return `${prefix}${i}`;
}

describe('--redis-cluster sees every key of a counted command', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'movable-keys-cluster-'));
  const clusterFile = path.join(dir, 'nodes');
  let node: RespDaemon;
  /** The slots this node owns (half of them); the other half belongs to an absent member. */
  let mine: (slot: number) => boolean;
  let otherRedisPort: number;

  beforeAll(async () => {
    fs.writeFileSync(clusterFile, 'placeholder:1\n');
    node = await startRespDaemon(['-t', '2', '--redis-cluster', '--cluster-file', clusterFile]);
    // A second member that is never started, one port below: every member's RESP port is at the same offset.
    fs.writeFileSync(clusterFile, `127.0.0.1|127.0.0.1|${node.port - 1}\n127.0.0.1|127.0.0.1|${node.port}\n`);
    otherRedisPort = node.redisPort - 1;
    for (let i = 0; ; i++) {
      const [info] = await pipelinedReplies(node.redisPort, ['CLUSTER INFO']);
      if (info!.includes('cluster_known_nodes:2\r\n')) break;
      if (i > 300) throw new Error('the daemon never read the cluster file');
      await new Promise((r) => setTimeout(r, 50));
    }
    const [nodes] = await pipelinedReplies(node.redisPort, ['CLUSTER NODES']);
    const [, start, end] = /myself[^\n]* (\d+)-(\d+)/.exec(nodes!)!;
    mine = (slot) => slot >= Number(start) && slot <= Number(end);
  }, 30_000);

  afterAll(async () => {
    await node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const CROSSSLOT = "-CROSSSLOT Keys in request don't hash to the same slot\r\n";

  it('CROSSSLOT for sources, or destination and sources, in different slots', async () => {
    const a = keyWhere('here-a', mine);
    const b = keyWhere('here-b', (s) => mine(s) && s !== keySlot(Buffer.from(a)));
    const lines = [
      `ZUNIONSTORE {${a}}dst 2 ${a} ${b}`,
      `ZUNIONSTORE ${a} 1 ${b}`,
      `ZINTERSTORE ${a} 02 ${a} ${b}`,
      `ZUNION 2 ${a} ${b}`,
      `ZDIFF 2 ${a} ${b}`,
      `ZINTERCARD 2 ${a} ${b}`,
      `SINTERCARD 2 ${a} ${b}`,
      `LMPOP 2 ${a} ${b} LEFT`,
      `ZMPOP 2 ${a} ${b} MIN`,
      `BLMPOP 0.01 2 ${a} ${b} LEFT`,
      `BZMPOP 0.01 2 ${a} ${b} MIN`,
      `BLPOP ${a} ${b} 0.01`,
      `BZPOPMAX ${a} ${b} 0.01`,
    ];
    expect(await pipelinedReplies(node.redisPort, lines)).toEqual(lines.map(() => CROSSSLOT));
  });

  it('runs a counted command whose keys share a slot this node owns', async () => {
    const tag = keyWhere('tag', mine);
    const [k1, k2, dst] = [`{${tag}}1`, `{${tag}}2`, `{${tag}}dst`];
    const bulk = (text: string): string => `$${text.length}\r\n${text}\r\n`;
    expect(
      await pipelinedReplies(node.redisPort, [
        `ZADD ${k1} 1 x`,
        `ZADD ${k2} 2 x`,
        `ZUNIONSTORE ${dst} 2 ${k1} ${k2}`,
        `ZUNION 2 ${k1} ${k2} WITHSCORES`,
        `BZMPOP 0.01 2 ${k1} ${k2} MIN`,
        `ZMPOP 2 ${k1} ${k2} MAX`,
      ]),
    ).toEqual([
      ':1\r\n',
      ':1\r\n',
      ':1\r\n',
      `*2\r\n${bulk('x')}${bulk('3')}`,
      `*2\r\n${bulk(k1)}*1\r\n*2\r\n${bulk('x')}${bulk('1')}`,
      `*2\r\n${bulk(k2)}*1\r\n*2\r\n${bulk('x')}${bulk('2')}`,
    ]);
  });

  it('inside MULTI, a counted command\'s keys join the transaction\'s slot check', async () => {
    const tag = keyWhere('multi', mine);
    const other = keyWhere('other', (s) => mine(s) && s !== keySlot(Buffer.from(tag)));
    expect(await pipelinedReplies(node.redisPort, ['MULTI', `ZUNION 2 {${tag}}a {${tag}}b`, `GET ${other}`, 'EXEC'])).toEqual([
      '+OK\r\n',
      '+QUEUED\r\n',
      '+QUEUED\r\n',
      CROSSSLOT,
    ]);
    expect(await pipelinedReplies(node.redisPort, ['MULTI', `ZUNIONSTORE ${tag} 2 {${tag}}a ${other}`, 'EXEC'])).toEqual([
      '+OK\r\n',
      CROSSSLOT,
      "-EXECABORT Transaction discarded because of previous errors.\r\n",
    ]);
  });

  it('MOVED when the counted keys belong to the other member; CROSSSLOT with a local destination', async () => {
    const tag = keyWhere('away', (s) => !mine(s));
    const moved = `-MOVED ${keySlot(Buffer.from(tag))} 127.0.0.1:${otherRedisPort}\r\n`;
    expect(
      await pipelinedReplies(node.redisPort, [`ZUNION 2 {${tag}}a {${tag}}b`, `LMPOP 1 {${tag}}a LEFT`, `BZMPOP 0.01 1 ${tag} MIN`, `SINTERCARD 1 ${tag}`]),
    ).toEqual([moved, moved, moved, moved]);
    const local = keyWhere('local', mine);
    expect(await pipelinedReplies(node.redisPort, [`ZUNIONSTORE ${local} 1 ${tag}`])).toEqual([CROSSSLOT]);
  });
});
