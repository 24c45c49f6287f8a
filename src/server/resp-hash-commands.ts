/**
 * Redis hash commands: each is one typed command on its key (`store/typed/hash.ts` runs it in
 * the key's shard; resp-typed.ts sends it and renders the reply). Only two replies are reshaped
 * here, where the session's state is needed: HSCAN's MATCH (the glob matcher lives in the
 * protocol layer) and HRANDFIELD WITHVALUES, which RESP3 sends as [field, value] pairs.
 *
 * May import `src/protocol/resp` and `src/server`; not sockets, shards or the store.
 */
import { globMatchBytes } from '../protocol/resp/glob';
import type { RespHandler } from './resp-session';
import { runTyped, type TypedReply } from './resp-typed';

/** A handler that sends the command's own name with every argument after the key. */
export function typedHandler(name: string, write: boolean, transform?: (reply: TypedReply, args: Buffer[], version: 2 | 3) => TypedReply): RespHandler {
  return (session, args) => {
    const version = session.protocolVersion;
    runTyped(session, args[1]!, name, args.slice(2), write, transform === undefined ? undefined : (reply) => transform(reply, args, version));
  };
}

/** SCAN-family MATCH, applied to a [cursor, items] reply; `step` = items per entry (2 for HSCAN's field, value). */
export function scanMatch(step: number) {
  return (reply: TypedReply, args: Buffer[]): TypedReply => {
    if (reply.kind !== 'array' || reply.items.length !== 2) return reply;
    let pattern: Buffer | null = null;
    for (let i = 3; i + 1 < args.length; i += 2) if (args[i]!.toString('latin1').toLowerCase() === 'match') pattern = args[i + 1]!;
    const items = reply.items[1]!;
    if (pattern === null || items.kind !== 'array') return reply;
    const kept: TypedReply[] = [];
    for (let i = 0; i + step - 1 < items.items.length; i += step) {
      const first = items.items[i]!;
      if (first.kind === 'bulk' && globMatchBytes(pattern, first.value)) kept.push(...items.items.slice(i, i + step));
    }
    return { kind: 'array', items: [reply.items[0]!, { kind: 'array', items: kept }] };
  };
}

/** HRANDFIELD count WITHVALUES: RESP3 gets an array of [field, value] pairs, RESP2 the flat list. */
function pairWithValues(reply: TypedReply, args: Buffer[], version: 2 | 3): TypedReply {
  if (version !== 3 || args.length !== 4 || reply.kind !== 'array') return reply;
  const pairs: TypedReply[] = [];
  for (let i = 0; i + 1 < reply.items.length; i += 2) pairs.push({ kind: 'array', items: [reply.items[i]!, reply.items[i + 1]!] });
  return { kind: 'array', items: pairs };
}

export const HASH_HANDLERS: Record<string, RespHandler> = {
  hset: typedHandler('hset', true),
  hmset: typedHandler('hmset', true),
  hsetnx: typedHandler('hsetnx', true),
  hget: typedHandler('hget', false),
  hmget: typedHandler('hmget', false),
  hgetall: typedHandler('hgetall', false),
  hkeys: typedHandler('hkeys', false),
  hvals: typedHandler('hvals', false),
  hlen: typedHandler('hlen', false),
  hexists: typedHandler('hexists', false),
  hstrlen: typedHandler('hstrlen', false),
  hdel: typedHandler('hdel', true),
  hincrby: typedHandler('hincrby', true),
  hincrbyfloat: typedHandler('hincrbyfloat', true),
  hscan: typedHandler('hscan', false, scanMatch(2)),
  hrandfield: typedHandler('hrandfield', false, pairWithValues),
};
