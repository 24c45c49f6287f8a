/**
 * The same command script to the real redis-server and to our Redis port (2 shards): the replies
 * must be byte-identical. Scripts avoid what Redis leaves unspecified (random picks, the order of
 * a hashtable-encoded set): hashes are small (listpack order = insertion order, as ours), sets
 * hold integers added in ascending order (intset order). Skipped when redis-server is missing.
 */
import { pipelinedReplies, useRedisPeers } from './redis-peer';

const peers = useRedisPeers('the typed differential tests', ['-t', '2']);

const HASH_SCRIPT = [
  'FLUSHALL', 'HSET h a 1 b 2 c 3', 'HSET h a x', 'HGET h a', 'HGET h zz', 'HMGET h a zz c', 'HGETALL h', 'HKEYS h', 'HVALS h',
  'HLEN h', 'HEXISTS h b', 'HEXISTS h q', 'HSTRLEN h a', 'HSETNX h a 9', 'HSETNX h d 4', 'HINCRBY h b 40', 'HINCRBY h n -3',
  'HINCRBY h a 1', 'HINCRBY h b x', 'HINCRBYFLOAT h f 0.1', 'HINCRBYFLOAT h f 0.2', 'HINCRBYFLOAT h f 1e3', 'HINCRBYFLOAT h a 1',
  'HINCRBYFLOAT h f x', 'HINCRBYFLOAT h f inf', 'HSET h big 9223372036854775807', 'HINCRBY h big 1', 'HMSET h e 5', 'HDEL h e zz e',
  'HSCAN h 0', 'HSCAN h 0 MATCH [ab]*', 'HSCAN h x', 'HSCAN h 0 COUNT 0', 'HSCAN h 0 COUNT x', 'HSCAN h 0 foo',
  'HRANDFIELD missing', 'HRANDFIELD missing 3', 'HRANDFIELD h x', 'HRANDFIELD h 1 nope', 'HRANDFIELD h 0',
  'HGETALL missing', 'HDEL h a b c d n f big', 'EXISTS h', 'HSET h a', 'HMSET h a', 'HSETNX h a 1 2', 'HGET h', 'TYPE h',
];

const SET_SCRIPT = [
  'FLUSHALL', 'SADD s 1 2 3 5 8', 'SADD s 3 13', 'SMEMBERS s', 'SCARD s', 'SISMEMBER s 5', 'SISMEMBER s 4', 'SMISMEMBER s 1 4 8',
  'SREM s 1 4', 'SADD t 2 3 4', 'SADD u 3', 'SINTERCARD 2 s t', 'SINTERCARD 3 s t u', 'SINTERCARD 2 s t LIMIT 1',
  'SINTERCARD 0 s', 'SINTERCARD 3 s', 'SINTERCARD 1 s LIMIT -1', 'SINTERCARD 1 s foo 1', 'SINTERSTORE d s t', 'SMEMBERS d',
  'SINTERSTORE d s missing', 'EXISTS d', 'SUNIONSTORE d u', 'SDIFFSTORE e t s', 'SMEMBERS e', 'SMOVE s t 5', 'SMOVE s t 5',
  'SMOVE missing t 1', 'SMOVE t t 2', 'SISMEMBER t 5', 'SINTER s missing', 'SPOP s -1', 'SPOP s x', 'SPOP s 1 2', 'SPOP missing',
  'SPOP missing 2', 'SRANDMEMBER missing', 'SRANDMEMBER missing 2', 'SRANDMEMBER s 0', 'SSCAN s x', 'SADD s', 'SCARD', 'SET str x',
  'SADD str 1', 'SINTER s str', 'SUNIONSTORE d s str', 'SMOVE s str 2', 'SMOVE str s 2', 'TYPE s', 'TYPE missing',
];

const HLL_SCRIPT = [
  'FLUSHALL', 'PFADD p a b c d e f g', 'PFADD p a', 'PFCOUNT p', 'PFADD q e f g h i', 'PFCOUNT p q', 'PFCOUNT p missing',
  'PFMERGE r p q', 'PFCOUNT r', 'PFADD empty', 'PFADD empty', 'PFCOUNT empty', 'SET str x', 'PFADD str a', 'PFCOUNT str',
  'PFCOUNT p str', 'PFMERGE str p', 'PFMERGE r str', 'HSET h f v', 'PFADD h a', 'PFCOUNT h', 'PFMERGE h p', 'TYPE p', 'PFADD',
];

const WRONGTYPE_SCRIPT = [
  'FLUSHALL', 'HSET k f v', 'GET k', 'SET k x GET', 'GETSET k x', 'GETDEL k', 'GETEX k PX 100', 'APPEND k x', 'STRLEN k',
  'GETRANGE k 0 1', 'SETRANGE k 0 x', 'INCR k', 'DECRBY k 2', 'INCRBYFLOAT k 1', 'MGET k', 'SETNX k x', 'EXISTS k', 'TYPE k',
  'SET k str', 'HGET k f', 'SADD k m', 'TYPE k',
];

peers.describe('byte-identical to redis-server', () => {
  test.each([
    ['hashes', HASH_SCRIPT],
    ['sets', SET_SCRIPT],
    ['HyperLogLog', HLL_SCRIPT],
    ['WRONGTYPE', WRONGTYPE_SCRIPT],
  ])('%s (RESP2)', async (_name, script) => {
    const expected = await pipelinedReplies(peers.redisPort, script);
    const actual = await pipelinedReplies(peers.oursPort, script);
    expect(expected).toHaveLength(script.length);
    expect(actual.map((r, i) => `${script[i]} → ${r}`)).toEqual(expected.map((r, i) => `${script[i]} → ${r}`));
  });

  test.each([
    ['hashes', HASH_SCRIPT],
    ['sets', SET_SCRIPT],
  ])('%s (RESP3)', async (_name, script) => {
    const expected = await pipelinedReplies(peers.redisPort, script, 3);
    const actual = await pipelinedReplies(peers.oursPort, script, 3);
    expect(expected).toHaveLength(script.length);
    expect(actual.map((r, i) => `${script[i]} → ${r}`)).toEqual(expected.map((r, i) => `${script[i]} → ${r}`));
  });
});
