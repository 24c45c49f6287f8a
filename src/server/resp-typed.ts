/**
 * Main-thread plumbing for Redis typed-value commands (hashes, sets, HyperLogLog, lists, sorted
 * sets). The semantics live in `store/typed/<type>.ts` and run inside the shard that owns the key
 * (OpCode.TypedCommand, `shard/execute-typed.ts`); this module only sends them and renders their
 * neutral TypedReply as RESP2 or RESP3. Handlers use three entry points:
 *
 * - `runTyped(session, rawKey, name, args, write)`: one command on one key, its reply rendered
 *   into a reply slot. Most commands are just this (HSET, SADD, LPUSH, ...).
 * - `submitTyped(session, storedKey, name, args, write, onReply)`: one op whose decoded reply goes
 *   to a callback (building blocks for multi-key commands). Ops submitted in the same turn are
 *   atomic together: each shard runs its queue in order and no other connection's op comes
 *   between them (the single-sequencer rule MULTI/EXEC relies on, resp-transaction.ts), so
 *   read-only multi-key commands (SINTER, SUNION, PFCOUNT k1 k2, ...) just submit every read.
 * - `readThenWrite(session, reads, plan)`: a command that must read keys (possibly on several
 *   shards) and then write from what it read (SMOVE, S*STORE, PFMERGE, LMOVE, Z*STORE). It holds
 *   the connection's exclusive gate from the reads until the writes are queued, so no other
 *   connection's op can come between; the session dispatches nothing more of its own meanwhile
 *   (and an EXEC pauses its remaining commands), see RespSession.beginExclusive.
 *
 * Keys passed to `submitTyped` / `readThenWrite` are stored keys (`storedKey`); `runTyped` takes the
 * client's key and applies the database prefix itself. Every write reports its key to WATCH.
 *
 * May import `src/protocol/resp`, the router and `src/server`; not sockets, shards or the store.
 */
import { RespErrors } from '../protocol/resp/errors';
import { encodeReply, errorReply, type RespValue, type RespVersion } from '../protocol/resp/reply-encoder';
import { decodeTypedReply, StoreStatus, type ShardReply, type TypedReply } from '../router/router';
import { MAX_REDIS_KEY_LENGTH, storedKey } from './resp-keyspace';
import type { RespSession } from './resp-session';
import { noteKeyWritten } from './resp-watch';

export type { TypedReply } from '../router/router';

/** Redis's WRONGTYPE text (the shard's executor sends the same). */
export const WRONGTYPE_ERROR = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/** The reply a failed shard gives a typed op. */
export const SHARD_FAILED_REPLY: TypedReply = { kind: 'error', message: RespErrors.SHARD_FAILED };

/** A TypedReply as RESP for one protocol version (RESP2 flattens maps, sends sets as arrays and doubles as bulk strings). */
export function renderTypedReply(reply: TypedReply, version: RespVersion): Buffer {
  return encodeReply(toRespValue(reply), version);
}

export function toRespValue(reply: TypedReply): RespValue {
  switch (reply.kind) {
    case 'integer':
      return { type: 'integer', value: reply.value };
    case 'bulk':
      return { type: 'bulk', value: reply.value };
    case 'null':
      return { type: 'null' };
    case 'nullArray':
      return { type: 'nullArray' };
    case 'simple':
      return { type: 'simple', value: reply.value };
    case 'error':
      return { type: 'error', message: reply.message };
    case 'double':
      return { type: 'double', value: reply.value };
    case 'array':
      return { type: 'array', items: reply.items.map(toRespValue) };
    case 'set':
      return { type: 'set', items: reply.items.map(toRespValue) };
    case 'map':
      return { type: 'map', entries: reply.entries.map(([k, v]) => [toRespValue(k), toRespValue(v)] as const) };
  }
}

/** The decoded reply of a TypedCommand op (a failed shard becomes an error reply). */
export function typedReplyOf(reply: ShardReply): TypedReply {
  if (reply.status !== StoreStatus.Ok) return SHARD_FAILED_REPLY;
  return decodeTypedReply(reply.bytes, reply.valueOffset, reply.valueLength);
}

/** The client's key as stored, or null after replying that it is too long (every RESP key command, string ones too). */
export function typedKey(session: RespSession, rawKey: Buffer): Buffer | null {
  if (rawKey.length > MAX_REDIS_KEY_LENGTH) {
    session.replyError(RespErrors.STRING_TOO_LONG);
    return null;
  }
  return storedKey(session.database, rawKey);
}

/** `typedKey` for several keys: the stored keys, or null after replying that one is too long. */
export function typedKeys(session: RespSession, rawKeys: readonly Buffer[]): Buffer[] | null {
  const keys: Buffer[] = [];
  for (const raw of rawKeys) {
    const key = typedKey(session, raw);
    if (key === null) return null;
    keys.push(key);
  }
  return keys;
}

/** Sends one typed op for a stored key; `onReply` gets its decoded reply. */
export function submitTyped(
  session: RespSession,
  key: Buffer,
  name: string,
  args: readonly Uint8Array[],
  write: boolean,
  onReply: (reply: TypedReply) => void,
): void {
  if (write) noteKeyWritten(key);
  session.router.typedCommand(key, name, args, write, { onShardReply: (_tag, reply) => onReply(typedReplyOf(reply)) }, 0);
}

/**
 * Runs one typed command on the client's key and renders its reply (optionally reshaped by
 * `transform`, e.g. HINCRBYFLOAT's text) in the protocol the connection spoke when it was read.
 */
export function runTyped(
  session: RespSession,
  rawKey: Buffer,
  name: string,
  args: readonly Uint8Array[],
  write: boolean,
  transform?: (reply: TypedReply) => TypedReply,
): void {
  const key = typedKey(session, rawKey);
  if (key === null) return;
  const slot = session.reserve();
  const version = session.protocolVersion;
  submitTyped(session, key, name, args, write, (reply) => {
    session.complete(slot, renderTypedReply(transform === undefined ? reply : transform(reply), version));
  });
}

/** One op of a group: a stored key, a registered typed command, its args. */
export interface TypedOp {
  readonly key: Buffer;
  readonly name: string;
  readonly args: readonly Uint8Array[];
  readonly write: boolean;
}

/** Submits `ops` in one turn (atomic together) and calls `onAll` with their replies in order. */
export function submitGroup(session: RespSession, ops: readonly TypedOp[], onAll: (replies: TypedReply[]) => void): void {
  const replies = new Array<TypedReply>(ops.length);
  let waiting = ops.length;
  if (waiting === 0) {
    onAll(replies);
    return;
  }
  ops.forEach((op, i) =>
    submitTyped(session, op.key, op.name, op.args, op.write, (reply) => {
      replies[i] = reply;
      if (--waiting === 0) onAll(replies);
    }),
  );
}

/** What a read-then-write command does once its reads have answered. */
export interface WritePlan {
  /** Writes to queue (maybe none); queued together, before the gate is released. */
  readonly writes: readonly TypedOp[];
  /** The command's reply from the write replies (in `writes` order). */
  reply(writeReplies: TypedReply[]): TypedReply;
}

/**
 * Reads, then writes computed from the reads, with no other connection's op in between (see the
 * top of this file). `plan` returns a WritePlan, or a TypedReply to answer at once without writing
 * (a WRONGTYPE source, nothing to move, ...). A shard failure on a read answers its error.
 */
export function readThenWrite(
  session: RespSession,
  reads: readonly TypedOp[],
  plan: (readReplies: TypedReply[]) => WritePlan | TypedReply,
): void {
  const slot = session.reserve();
  const version = session.protocolVersion;
  session.beginExclusive();
  submitGroup(session, reads, (readReplies) => {
    let decided: WritePlan | TypedReply;
    const failed = readReplies.find((r) => r === SHARD_FAILED_REPLY);
    try {
      decided = failed ?? plan(readReplies);
    } catch {
      decided = { kind: 'error', message: 'ERR internal error' };
    }
    if ('kind' in decided) {
      session.complete(slot, renderTypedReply(decided, version));
      session.endExclusive();
      return;
    }
    const writePlan = decided;
    submitGroup(session, writePlan.writes, (writeReplies) => {
      session.complete(slot, renderTypedReply(writePlan.reply(writeReplies), version));
    });
    session.endExclusive();
  });
}

/** An error reply ready to send (for handlers that refuse before submitting). */
export function typedErrorBytes(message: string): Buffer {
  return errorReply(message);
}
