/**
 * Redis sorted-set commands on the RESP port. The semantics live in
 * `store/typed/zset.ts` and run in the shard that owns the key; this module
 * sends them through resp-typed.ts and shapes the replies per protocol:
 *
 * - RESP2 gets every double as a bulk string printed the way Redis 7.0 prints
 *   doubles (`%.17g`: ZSCORE of 1.1 is "1.1000000000000001"), and WITHSCORES
 *   (member, score) pairs as one flat array;
 * - RESP3 gets doubles as doubles and pairs as two-element arrays (Redis 7).
 *
 * Multi-key commands: ZUNION / ZINTER / ZDIFF / ZINTERCARD read every source in
 * one turn (an atomic snapshot, by the single-sequencer rule) together with a
 * `__zcheck` of the arguments, then compute in a second op that is handed the
 * values it needs and touches no key. ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE and
 * ZRANGESTORE read and then write under the exclusive gate
 * (`readThenWrite`). A plain set is a valid source, read as members of score 1
 * as Redis reads it: each source is read both ways in the same turn
 * (`__zraw` and `smembers`), the read matching its type answers (the other
 * says WRONGTYPE), and a set's members travel to the combining op as
 * arguments (zset.ts's `set <i> <n> <member>...` prefix). Errors
 * come in Redis's order: numkeys (no key is read then), WRONGTYPE, options.
 *
 * May import `src/protocol/resp`, the router and `src/server`; not sockets,
 * shards or the store.
 */
import type { RespVersion } from '../protocol/resp/reply-encoder';
import type { RespHandler } from './resp-session';
import { readThenWrite, renderTypedReply, submitGroup, submitTyped, typedKey, typedKeys, type TypedOp, type TypedReply } from './resp-typed';

/** Redis 7.0's text for a double (`%.17g`; inf / -inf by name; -0 as 0, as its small sets keep it). */
export function formatRedisDouble(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Number.isNaN(value)) return 'nan';
  if (value === 0) return '0';
  const [mantissa, exponentText] = value.toExponential(16).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 17) {
    return `${trimFraction(mantissa)}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trimFraction(value.toFixed(16 - exponent));
}

function trimFraction(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

const textEncoder = new TextEncoder();

/** A (member, score) pair: a two-element array whose first item is a bulk string. */
function isPair(reply: TypedReply): boolean {
  return reply.kind === 'array' && reply.items.length === 2 && reply.items[0]!.kind === 'bulk';
}

/**
 * The reply as Redis sends it in `version`: RESP2 turns doubles into `%.17g` bulk
 * strings and, with `flattenPairs`, an array of pairs into one flat array.
 */
export function shapeForProtocol(reply: TypedReply, version: RespVersion, flattenPairs: boolean): TypedReply {
  if (version === 3) return reply;
  return toResp2(reply, flattenPairs);
}

function toResp2(reply: TypedReply, flattenPairs: boolean): TypedReply {
  if (reply.kind === 'double') return { kind: 'bulk', value: textEncoder.encode(formatRedisDouble(reply.value)) };
  if (reply.kind !== 'array') return reply;
  const items = reply.items.map((item) => toResp2(item, false));
  if (flattenPairs && reply.items.length > 0 && reply.items.every(isPair)) {
    return { kind: 'array', items: items.flatMap((pair) => (pair as { items: TypedReply[] }).items) };
  }
  return { kind: 'array', items };
}

/** One typed command on args[1], args[2..] as its arguments, its reply shaped per protocol. */
function single(name: string, write: boolean, flattenPairs = false): RespHandler {
  return (session, args) => {
    const version = session.protocolVersion;
    const key = typedKey(session, args[1]!);
    if (key === null) return;
    const slot = session.reserve();
    submitTyped(session, key, name, args.slice(2), write, (reply) => {
      session.complete(slot, renderTypedReply(shapeForProtocol(reply, version, flattenPairs), version));
    });
  };
}

/**
 * The keys named by `numkeys key...` at `args[at]`, or null when numkeys is not a
 * usable count (the `__zcheck` op then answers with Redis's exact error).
 */
function numberedKeys(args: Buffer[], at: number): Buffer[] | null {
  const text = args[at]!.toString('latin1');
  if (!/^[1-9]\d{0,9}$/.test(text)) return null;
  const n = Number(text);
  if (n > args.length - at - 1) return null;
  return args.slice(at + 1, at + 1 + n);
}

/** The first error among `replies`, or null. */
function firstError(replies: readonly TypedReply[]): TypedReply | null {
  return replies.find((r) => r.kind === 'error') ?? null;
}

/** Each source read as a sorted set and as a plain set, in one turn: only the read matching its type finds it. */
function sourceReads(keys: readonly Buffer[]): TypedOp[] {
  return keys.flatMap((key): TypedOp[] => [
    { key, name: '__zraw', args: [], write: false },
    { key, name: 'smembers', args: [], write: false },
  ]);
}

const EMPTY = new Uint8Array(0);
const SET_PREFIX = Buffer.from('set');

/**
 * What the combining op needs from the paired reads: `prefix`, every plain
 * set as `set <i> <n> <member>...`, and one value per source (a sorted set's
 * encoding; empty for a missing key or a plain set). Or the error of the
 * first source that is neither type (WRONGTYPE).
 */
function sourceArgs(pairs: readonly TypedReply[]): { prefix: Uint8Array[]; values: Uint8Array[] } | TypedReply {
  const prefix: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const asZset = pairs[i]!;
    const asSet = pairs[i + 1]!;
    if (asZset.kind === 'bulk') {
      values.push(asZset.value);
      continue;
    }
    if (asZset.kind === 'error' && asSet.kind === 'error') return asZset;
    values.push(EMPTY);
    // A missing key reads as an empty set: nothing to add.
    if ((asSet.kind === 'set' || asSet.kind === 'array') && asSet.items.length > 0) {
      prefix.push(SET_PREFIX, Buffer.from(String(i / 2)), Buffer.from(String(asSet.items.length)));
      for (const item of asSet.items) if (item.kind === 'bulk') prefix.push(item.value);
    }
  }
  return { prefix, values };
}

/** ZUNION / ZINTER / ZDIFF / ZINTERCARD: `name numkeys key... [options]`. */
function combineRead(name: string): RespHandler {
  return (session, args) => {
    const version = session.protocolVersion;
    const clientKeys = numberedKeys(args, 1);
    const routing = typedKey(session, args[2]!);
    if (routing === null) return;
    const keys = clientKeys === null ? [] : typedKeys(session, clientKeys);
    if (keys === null) return;
    const slot = session.reserve();
    const clientArgs = args.slice(1);
    const check: TypedOp = { key: routing, name: '__zcheck', args: [Buffer.from(name), ...clientArgs], write: false };
    submitGroup(session, [check, ...sourceReads(keys)], (replies) => {
      const sources = sourceArgs(replies.slice(1));
      if ('kind' in sources) return session.complete(slot, renderTypedReply(sources, version));
      const failed = firstError(replies.slice(0, 1));
      if (failed !== null) return session.complete(slot, renderTypedReply(failed, version));
      const combineArgs = [...sources.prefix, Buffer.from(name), ...clientArgs, ...sources.values];
      submitTyped(session, routing, '__zcombine', combineArgs, false, (reply) => {
        session.complete(slot, renderTypedReply(shapeForProtocol(reply, version, true), version));
      });
    });
  };
}

/** ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE: `name dst numkeys key... [options]`. */
function combineStore(name: string): RespHandler {
  return (session, args) => {
    const destination = typedKey(session, args[1]!);
    if (destination === null) return;
    const clientKeys = numberedKeys(args, 2);
    const keys = clientKeys === null ? [] : typedKeys(session, clientKeys);
    if (keys === null) return;
    const clientArgs = args.slice(2);
    const check: TypedOp = { key: destination, name: '__zcheck', args: [Buffer.from(name), ...clientArgs], write: false };
    readThenWrite(session, [check, ...sourceReads(keys)], (replies) => {
      const sources = sourceArgs(replies.slice(1));
      if ('kind' in sources) return sources;
      const failed = firstError(replies.slice(0, 1));
      if (failed !== null) return failed;
      const storeArgs = [...sources.prefix, Buffer.from(name), ...clientArgs, ...sources.values];
      return {
        writes: [{ key: destination, name: '__zstore', args: storeArgs, write: true }],
        reply: (writeReplies) => writeReplies[0]!,
      };
    });
  };
}

/** ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]. */
const zrangestore: RespHandler = (session, args) => {
  const destination = typedKey(session, args[1]!);
  const source = typedKey(session, args[2]!);
  if (destination === null || source === null) return;
  readThenWrite(session, [{ key: source, name: '__zrangeraw', args: args.slice(3), write: false }], ([selected]) => {
    if (selected!.kind !== 'bulk') return selected!;
    return {
      writes: [{ key: destination, name: '__zstore', args: [Buffer.from('value'), selected.value], write: true }],
      reply: (writeReplies) => writeReplies[0]!,
    };
  });
};

export const ZSET_HANDLERS: Record<string, RespHandler> = {
  zadd: single('zadd', true),
  zincrby: single('zincrby', true),
  zrem: single('zrem', true),
  zscore: single('zscore', false),
  zmscore: single('zmscore', false),
  zcard: single('zcard', false),
  zcount: single('zcount', false),
  zlexcount: single('zlexcount', false),
  zrange: single('zrange', false, true),
  zrevrange: single('zrevrange', false, true),
  zrangebyscore: single('zrangebyscore', false, true),
  zrevrangebyscore: single('zrevrangebyscore', false, true),
  zrangebylex: single('zrangebylex', false, true),
  zrevrangebylex: single('zrevrangebylex', false, true),
  zrank: single('zrank', false),
  zrevrank: single('zrevrank', false),
  zremrangebyrank: single('zremrangebyrank', true),
  zremrangebyscore: single('zremrangebyscore', true),
  zremrangebylex: single('zremrangebylex', true),
  zpopmin: single('zpopmin', true, true),
  zpopmax: single('zpopmax', true, true),
  zrandmember: single('zrandmember', false, true),
  zscan: single('zscan', false),
  zunion: combineRead('zunion'),
  zinter: combineRead('zinter'),
  zdiff: combineRead('zdiff'),
  zintercard: combineRead('zintercard'),
  zunionstore: combineStore('zunionstore'),
  zinterstore: combineStore('zinterstore'),
  zdiffstore: combineStore('zdiffstore'),
  zrangestore,
};
