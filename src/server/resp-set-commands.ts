/**
 * Redis set commands. Single-key ones are one typed command (`store/typed/set.ts`). The multi-key
 * ones are composed here from single-key ops (resp-typed.ts):
 *
 * - SINTER / SUNION / SDIFF / SINTERCARD read every key with `smembers` in one turn (atomic
 *   together by the single-sequencer rule) and combine the members here.
 * - SINTERSTORE / SUNIONSTORE / SDIFFSTORE and SMOVE read, then write from what they read, under
 *   the exclusive gate (`readThenWrite`): the destination is replaced with `__sstore`, SMOVE is
 *   `srem` + `sadd`.
 *
 * Type errors come in key order, before an empty key decides the result, as in Redis.
 *
 * May import `src/protocol/resp` and `src/server`; not sockets, shards or the store.
 */
import { RespErrors } from '../protocol/resp/errors';
import { argToInt64 } from '../protocol/resp/strict-integer';
import { scanMatch, typedHandler } from './resp-hash-commands';
import type { RespHandler } from './resp-session';
import { readThenWrite, renderTypedReply, submitGroup, typedKeys, type TypedOp, type TypedReply } from './resp-typed';

type Combine = 'inter' | 'union' | 'diff';

const readMembers = (key: Buffer): TypedOp => ({ key, name: 'smembers', args: [], write: false });

/** The first error among the replies, or null. */
function firstError(replies: readonly TypedReply[]): TypedReply | null {
  return replies.find((r) => r.kind === 'error') ?? null;
}

/** The members of `smembers` replies combined as SINTER / SUNION / SDIFF do (first key's order). */
function combine(replies: readonly TypedReply[], how: Combine): Buffer[] {
  const sets = replies.map((r) => {
    const members = new Map<string, Buffer>();
    if (r.kind === 'set') for (const item of r.items) if (item.kind === 'bulk') members.set(Buffer.from(item.value).toString('latin1'), Buffer.from(item.value));
    return members;
  });
  const result = new Map<string, Buffer>();
  if (how === 'union') {
    for (const set of sets) for (const [k, v] of set) result.set(k, v);
  } else {
    for (const [k, v] of sets[0]!) {
      const others = sets.slice(1);
      const keep = how === 'inter' ? others.every((s) => s.has(k)) : !others.some((s) => s.has(k));
      if (keep) result.set(k, v);
    }
  }
  return [...result.values()];
}

const asSet = (members: Buffer[]): TypedReply => ({ kind: 'set', items: members.map((value) => ({ kind: 'bulk', value })) });

function setAlgebra(how: Combine): RespHandler {
  return (session, args) => {
    const keys = typedKeys(session, args.slice(1));
    if (keys === null) return;
    const slot = session.reserve();
    const version = session.protocolVersion;
    submitGroup(session, keys.map(readMembers), (replies) => {
      const error = firstError(replies);
      session.complete(slot, renderTypedReply(error ?? asSet(combine(replies, how)), version));
    });
  };
}

function setAlgebraStore(how: Combine): RespHandler {
  return (session, args) => {
    const keys = typedKeys(session, args.slice(1));
    if (keys === null) return;
    const [destination, ...sources] = keys;
    readThenWrite(session, sources.map(readMembers), (replies) => {
      const error = firstError(replies);
      if (error !== null) return error;
      const members = combine(replies, how);
      return {
        writes: [{ key: destination!, name: '__sstore', args: members, write: true }],
        reply: ([stored]) => stored!,
      };
    });
  };
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit], with Redis's argument errors. */
const sintercard: RespHandler = (session, args) => {
  const numKeys = argToInt64(args[1]!);
  if (numKeys === null || numKeys <= 0n) return session.replyError('ERR numkeys should be greater than 0');
  if (numKeys > BigInt(args.length - 2)) return session.replyError("ERR Number of keys can't be greater than number of args");
  const keyEnd = 2 + Number(numKeys);
  let limit = 0n;
  for (let i = keyEnd; i < args.length; i += 2) {
    if (args[i]!.toString('latin1').toLowerCase() !== 'limit' || i + 1 >= args.length) return session.replyError(RespErrors.SYNTAX);
    const value = argToInt64(args[i + 1]!);
    if (value === null || value < 0n) return session.replyError("ERR LIMIT can't be negative");
    limit = value;
  }
  const keys = typedKeys(session, args.slice(2, keyEnd));
  if (keys === null) return;
  const slot = session.reserve();
  const version = session.protocolVersion;
  submitGroup(session, keys.map(readMembers), (replies) => {
    const error = firstError(replies);
    let count = error === null ? combine(replies, 'inter').length : 0;
    if (limit > 0n && BigInt(count) > limit) count = Number(limit);
    session.complete(slot, renderTypedReply(error ?? { kind: 'integer', value: count }, version));
  });
};

/** SMOVE source destination member, as Redis's smoveCommand orders its checks. */
const smove: RespHandler = (session, args) => {
  const keys = typedKeys(session, [args[1]!, args[2]!]);
  if (keys === null) return;
  const [source, destination] = keys as [Buffer, Buffer];
  const member = args[3]!;
  const reads: TypedOp[] = [
    { key: source, name: 'scard', args: [], write: false },
    { key: source, name: 'sismember', args: [member], write: false },
    { key: destination, name: 'scard', args: [], write: false },
  ];
  const zero: TypedReply = { kind: 'integer', value: 0 };
  const one: TypedReply = { kind: 'integer', value: 1 };
  readThenWrite(session, reads, ([sourceSize, isMember, destinationSize]) => {
    if (sourceSize!.kind === 'integer' && sourceSize!.value === 0) return zero;
    const error = firstError([sourceSize!, destinationSize!]);
    if (error !== null) return error;
    if (isMember!.kind !== 'integer' || isMember!.value === 0) return zero;
    if (source.equals(destination)) return one;
    return {
      writes: [
        { key: source, name: 'srem', args: [member], write: true },
        { key: destination, name: 'sadd', args: [member], write: true },
      ],
      reply: (written) => firstError(written) ?? one,
    };
  });
};

export const SET_HANDLERS: Record<string, RespHandler> = {
  sadd: typedHandler('sadd', true),
  srem: typedHandler('srem', true),
  smembers: typedHandler('smembers', false),
  sismember: typedHandler('sismember', false),
  smismember: typedHandler('smismember', false),
  scard: typedHandler('scard', false),
  spop: typedHandler('spop', true),
  srandmember: typedHandler('srandmember', false),
  sscan: typedHandler('sscan', false, scanMatch(1)),
  sinter: setAlgebra('inter'),
  sunion: setAlgebra('union'),
  sdiff: setAlgebra('diff'),
  sinterstore: setAlgebraStore('inter'),
  sunionstore: setAlgebraStore('union'),
  sdiffstore: setAlgebraStore('diff'),
  sintercard,
  smove,
};
