/**
 * Redis string and key commands on the router's memcached-shaped ops
 * (get / store / delete / touch). Values are stored with client flags 0, so
 * memcached clients read what SET wrote and Redis clients read what memcached
 * `set` wrote. Keys go through resp-keyspace (databases 1..15 get a prefix).
 *
 * Several ops for one command are queued in the same turn: one shard runs its
 * ops in order and no other connection's op can come between them, so
 * get-then-set (SET ... GET), get-then-delete (GETDEL) and
 * append-add-get (APPEND) are atomic per key. No command waits for one op's
 * reply before sending the next: a second round trip would let the
 * pipeline's later commands overtake it.
 *
 * Left out until the store can do them the Redis way (they are not in the
 * command table, so clients get Redis's unknown-command error): the
 * INCR/DECR family and INCRBYFLOAT (signed 64-bit, missing = 0), TTL/PTTL
 * and PERSIST (need the remaining TTL in ms), SET KEEPTTL and EXPIRE
 * NX/XX/GT/LT (same), SETRANGE (read-modify-write in one op), MSETNX (atomic
 * across shards), KEYS/SCAN/RANDOMKEY (no key iteration op).
 *
 * Every write tells the WATCH registry (`noteKeyWritten`) as it is queued,
 * so the registry sees writes in the order the shards will run them.
 *
 * May import `src/protocol/resp`, the router (ops, StoreStatus) and
 * `src/server`; not sockets, shard internals or the store itself.
 */
import { argToInt64 } from '../protocol/resp/strict-integer';
import { RespErrors, invalidExpireTimeError } from '../protocol/resp/errors';
import { bulkReply, errorReply, integerReply, nullReply, OK_REPLY, encodeReply, resp, type RespValue } from '../protocol/resp/reply-encoder';
import { OpCode, type ReplySink, type ShardReply, type StorageOpCode } from '../router/router';
import { StoreStatus } from '../store/types';
import { exceedsMemcachedItemSize } from './memcache-text-session';
import type { ReplySlot } from './reply-queue';
import { MAX_REDIS_KEY_LENGTH, storedKey } from './resp-keyspace';
import type { RespHandler, RespSession } from './resp-session';
import { noteKeyWritten } from './resp-watch';

/** Status of a shard that died with the request (ShardClient fails pending ops with it). */
const SHARD_FAILED_STATUS = 255;
const INT64_MAX = 9223372036854775807n;
const NEVER = 0;

/** One op's outcome, copied out of the shard's reply batch. */
interface OpResult {
  status: number;
  /** The value on a hit, when the caller asked to keep values. */
  value: Buffer | null;
  valueLength: number;
}

/**
 * Waits for `count` ops (tagged 0..count-1) and calls `onAll` with their
 * outcomes in tag order. A dead shard turns the whole reply into an error.
 */
class GatherReply implements ReplySink {
  private readonly results: OpResult[];
  private waiting: number;

  constructor(
    count: number,
    private readonly keepValues: boolean,
    private readonly onAll: (results: OpResult[]) => void,
  ) {
    this.results = new Array<OpResult>(count);
    this.waiting = count;
  }

  onShardReply(tag: number, reply: ShardReply): void {
    const hit = reply.status === StoreStatus.Ok;
    this.results[tag] = {
      status: reply.status,
      value: hit && this.keepValues ? reply.copyValue() : null,
      valueLength: hit ? reply.valueLength : 0,
    };
    if (--this.waiting === 0) this.onAll(this.results);
  }
}

/** GET: the value rendered straight from the shard's reply batch. */
class BulkValueReply implements ReplySink {
  constructor(
    private readonly session: RespSession,
    private readonly slot: ReplySlot,
  ) {}

  onShardReply(_tag: number, reply: ShardReply): void {
    let out: Buffer;
    if (reply.status === StoreStatus.Ok) out = bulkReply(reply.bytes, reply.valueOffset, reply.valueOffset + reply.valueLength);
    else if (reply.status === StoreStatus.NotFound) out = nullReply(this.session.protocolVersion);
    else out = errorReply(RespErrors.SHARD_FAILED);
    this.session.complete(this.slot, out);
  }
}

function anyFailed(results: OpResult[]): boolean {
  return results.some((r) => r.status === SHARD_FAILED_STATUS);
}

/** The error for a refused write, or null when the write was stored (or refused by NX/XX). */
function writeError(status: number): string | null {
  switch (status) {
    case StoreStatus.Stored:
    case StoreStatus.NotStored:
      return null;
    case StoreStatus.TooLarge:
      return RespErrors.STRING_TOO_LONG;
    case StoreStatus.NoMemory:
      return RespErrors.OOM;
    default:
      return RespErrors.SHARD_FAILED;
  }
}

/** The key as stored, or null after replying that it is too long for the store. */
function keyFor(session: RespSession, key: Buffer): Buffer | null {
  if (key.length > MAX_REDIS_KEY_LENGTH) {
    session.replyError(RespErrors.STRING_TOO_LONG);
    return null;
  }
  return storedKey(session.database, key);
}

function keysFor(session: RespSession, keys: Buffer[]): Buffer[] | null {
  const stored: Buffer[] = [];
  for (const key of keys) {
    const k = keyFor(session, key);
    if (k === null) return null;
    stored.push(k);
  }
  return stored;
}

/** memcached's item size rule, so both protocols refuse the same values. */
function valueFits(session: RespSession, key: Buffer, value: Buffer): boolean {
  return !exceedsMemcachedItemSize(key.length, value.length, 0, session.context.config.maxItemSize);
}

/**
 * An expire argument as absolute unix ms, or null after replying with
 * Redis's error. `unitMs` is 1000 for seconds; `relative` adds now. Redis
 * refuses ≤ 0 for SET/SETEX (`positiveOnly`) but lets EXPIRE go negative.
 */
function expiresAtFromArg(
  session: RespSession,
  arg: Buffer,
  unitMs: 1000 | 1,
  relative: boolean,
  commandName: string,
  positiveOnly: boolean,
): number | null {
  const value = argToInt64(arg);
  if (value === null) {
    session.replyError(RespErrors.NOT_AN_INTEGER);
    return null;
  }
  if (positiveOnly && value <= 0n) {
    session.replyError(invalidExpireTimeError(commandName));
    return null;
  }
  if (value > INT64_MAX / BigInt(unitMs) || value < -INT64_MAX / BigInt(unitMs)) {
    session.replyError(invalidExpireTimeError(commandName));
    return null;
  }
  let ms = value * BigInt(unitMs);
  if (relative) {
    const now = BigInt(Date.now());
    if (ms > INT64_MAX - now) {
      session.replyError(invalidExpireTimeError(commandName));
      return null;
    }
    ms += now;
  }
  return Number(ms);
}

// ---- GET / SET family ----

const get: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  session.router.get(key, new BulkValueReply(session, session.reserve()), 0);
};

interface SetOptions {
  mode: StorageOpCode;
  expiresAtMs: number;
  returnOld: boolean;
}

/** SET's options as Redis 7 reads them, or null after replying with its error. */
function parseSetOptions(session: RespSession, args: Buffer[]): SetOptions | null {
  let condition: 'NX' | 'XX' | null = null;
  let expireOption: 'EX' | 'PX' | 'EXAT' | 'PXAT' | null = null;
  let expireArg: Buffer | null = null;
  let returnOld = false;
  for (let i = 3; i < args.length; i++) {
    const option = args[i]!.toString('latin1').toUpperCase();
    const hasNext = i + 1 < args.length;
    if ((option === 'NX' || option === 'XX') && condition === null) {
      condition = option;
    } else if (option === 'GET' && !returnOld) {
      returnOld = true;
    } else if ((option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') && expireOption === null && hasNext) {
      expireOption = option;
      expireArg = args[++i]!;
    } else {
      session.replyError(RespErrors.SYNTAX);
      return null;
    }
  }
  let expiresAtMs = NEVER;
  if (expireOption !== null) {
    const unitMs = expireOption === 'EX' || expireOption === 'EXAT' ? 1000 : 1;
    const relative = expireOption === 'EX' || expireOption === 'PX';
    const at = expiresAtFromArg(session, expireArg!, unitMs, relative, 'set', true);
    if (at === null) return null;
    expiresAtMs = at;
  }
  const mode = condition === 'NX' ? OpCode.Add : condition === 'XX' ? OpCode.Replace : OpCode.Set;
  return { mode, expiresAtMs, returnOld };
}

/** Stores one value; replies +OK, or null when NX/XX refused it (or the old value with GET). */
function storeString(session: RespSession, rawKey: Buffer, value: Buffer, options: SetOptions): void {
  const key = keyFor(session, rawKey);
  if (key === null) return;
  if (!valueFits(session, key, value)) return session.replyError(RespErrors.STRING_TOO_LONG);
  const slot = session.reserve();
  const router = session.router;
  noteKeyWritten(key);
  if (options.returnOld) {
    const sink = new GatherReply(2, true, ([old, written]) => {
      const error = anyFailed([old!, written!]) ? RespErrors.SHARD_FAILED : writeError(written!.status);
      if (error !== null) return session.complete(slot, errorReply(error));
      session.complete(slot, old!.value === null ? nullReply(session.protocolVersion) : bulkReply(old!.value));
    });
    router.get(key, sink, 0);
    router.store(options.mode, key, value, 0, options.expiresAtMs, 0, 0, sink, 1);
    return;
  }
  const sink: ReplySink = {
    onShardReply: (_tag, reply) => {
      const error = writeError(reply.status);
      if (error !== null) return session.complete(slot, errorReply(error));
      session.complete(slot, reply.status === StoreStatus.Stored ? OK_REPLY : nullReply(session.protocolVersion));
    },
  };
  router.store(options.mode, key, value, 0, options.expiresAtMs, 0, 0, sink, 0);
}

const set: RespHandler = (session, args) => {
  const options = parseSetOptions(session, args);
  if (options !== null) storeString(session, args[1]!, args[2]!, options);
};

/** SETNX: 1 when stored, 0 when the key existed. */
const setnx: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  const value = args[2]!;
  if (!valueFits(session, key, value)) return session.replyError(RespErrors.STRING_TOO_LONG);
  const slot = session.reserve();
  noteKeyWritten(key);
  session.router.store(OpCode.Add, key, value, 0, NEVER, 0, 0, {
    onShardReply: (_tag, reply) => {
      const error = writeError(reply.status);
      session.complete(slot, error !== null ? errorReply(error) : integerReply(reply.status === StoreStatus.Stored ? 1 : 0));
    },
  }, 0);
};

function setWithExpire(commandName: string, unitMs: 1000 | 1): RespHandler {
  return (session, args) => {
    const expiresAtMs = expiresAtFromArg(session, args[2]!, unitMs, true, commandName, true);
    if (expiresAtMs === null) return;
    storeString(session, args[1]!, args[3]!, { mode: OpCode.Set, expiresAtMs, returnOld: false });
  };
}

/** GETSET: SET ... GET without options (deprecated in Redis, still sent by older clients). */
const getset: RespHandler = (session, args) => storeString(session, args[1]!, args[2]!, { mode: OpCode.Set, expiresAtMs: NEVER, returnOld: true });

/**
 * GETEX: GET that also sets (EX/PX/EXAT/PXAT) or removes (PERSIST) the
 * expiry, in one op (memcached's gat). A time in the past makes the key
 * expire at once, as Redis deletes it.
 */
const getex: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  let option: string | null = null;
  let expireArg: Buffer | null = null;
  for (let i = 2; i < args.length; i++) {
    const word = args[i]!.toString('latin1').toUpperCase();
    if ((word === 'EX' || word === 'PX' || word === 'EXAT' || word === 'PXAT') && option === null && i + 1 < args.length) {
      option = word;
      expireArg = args[++i]!;
    } else if (word === 'PERSIST' && option === null) {
      option = word;
    } else {
      return session.replyError(RespErrors.SYNTAX);
    }
  }
  if (option === null) return get(session, args);
  let expiresAtMs = NEVER;
  if (option !== 'PERSIST') {
    const unitMs = option === 'EX' || option === 'EXAT' ? 1000 : 1;
    const at = expiresAtFromArg(session, expireArg!, unitMs, option === 'EX' || option === 'PX', 'getex', true);
    if (at === null) return;
    expiresAtMs = at;
  }
  noteKeyWritten(key);
  session.router.getAndTouch(key, expiresAtMs, new BulkValueReply(session, session.reserve()), 0);
};

/** GETRANGE / SUBSTR: Redis's clamping of start and end (inclusive, negative from the end). */
const getrange: RespHandler = (session, args) => {
  const start = argToInt64(args[2]!);
  const end = argToInt64(args[3]!);
  if (start === null || end === null) return session.replyError(RespErrors.NOT_AN_INTEGER);
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  session.router.get(key, {
    onShardReply: (_tag, reply) => {
      if (reply.status !== StoreStatus.Ok && reply.status !== StoreStatus.NotFound) {
        return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
      }
      const length = reply.status === StoreStatus.Ok ? BigInt(reply.valueLength) : 0n;
      let from = start;
      let to = end;
      if (from < 0n && to < 0n && from > to) return session.complete(slot, EMPTY_BULK);
      if (from < 0n) from += length;
      if (to < 0n) to += length;
      if (from < 0n) from = 0n;
      if (to < 0n) to = 0n;
      if (to >= length) to = length - 1n;
      if (length === 0n || from > to) return session.complete(slot, EMPTY_BULK);
      const offset = reply.valueOffset;
      session.complete(slot, bulkReply(reply.bytes, offset + Number(from), offset + Number(to) + 1));
    },
  }, 0);
};

const EMPTY_BULK = Buffer.from('$0\r\n\r\n');

/** TYPE: every value in the store is a string today. */
const type: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  session.router.get(key, {
    onShardReply: (_tag, reply) => {
      if (reply.status === StoreStatus.Ok) session.complete(slot, STRING_TYPE_REPLY);
      else if (reply.status === StoreStatus.NotFound) session.complete(slot, NONE_TYPE_REPLY);
      else session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
    },
  }, 0);
};

const STRING_TYPE_REPLY = Buffer.from('+string\r\n');
const NONE_TYPE_REPLY = Buffer.from('+none\r\n');

const getdel: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  const sink = new GatherReply(2, true, (results) => {
    if (anyFailed(results)) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
    const old = results[0]!.value;
    session.complete(slot, old === null ? nullReply(session.protocolVersion) : bulkReply(old));
  });
  noteKeyWritten(key);
  session.router.get(key, sink, 0);
  session.router.delete(key, sink, 1);
};

const mget: RespHandler = (session, args) => {
  const keys = keysFor(session, args.slice(1));
  if (keys === null) return;
  const slot = session.reserve(keys.length);
  const sink = new GatherReply(keys.length, true, (results) => {
    if (anyFailed(results)) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
    const items: RespValue[] = results.map((r) => (r.value === null ? resp.null : resp.bulk(r.value)));
    session.complete(slot, encodeReply(resp.array(items), session.protocolVersion));
  });
  for (let i = 0; i < keys.length; i++) session.router.get(keys[i]!, sink, i);
};

const mset: RespHandler = (session, args) => {
  if ((args.length - 1) % 2 !== 0) return session.replyError(`ERR wrong number of arguments for 'mset' command`);
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 1; i < args.length; i += 2) {
    const key = keyFor(session, args[i]!);
    if (key === null) return;
    // Refuse the whole command before writing any of it, as Redis would.
    if (!valueFits(session, key, args[i + 1]!)) return session.replyError(RespErrors.STRING_TOO_LONG);
    pairs.push([key, args[i + 1]!]);
  }
  const slot = session.reserve(pairs.length);
  const sink = new GatherReply(pairs.length, false, (results) => {
    for (const r of results) {
      const error = r.status === SHARD_FAILED_STATUS ? RespErrors.SHARD_FAILED : writeError(r.status);
      if (error !== null) return session.complete(slot, errorReply(error));
    }
    session.complete(slot, OK_REPLY);
  });
  for (let i = 0; i < pairs.length; i++) {
    noteKeyWritten(pairs[i]![0]);
    session.router.store(OpCode.Set, pairs[i]![0], pairs[i]![1], 0, NEVER, 0, 0, sink, i);
  }
};

/**
 * APPEND in one round trip: memcached's append (keeps flags and expiry),
 * then add (creates the key when the append found none, a no-op otherwise),
 * then a get for the new length, queued together so that nothing comes
 * between them and later commands of the pipeline see the result.
 */
const append: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  const value = args[2]!;
  if (!valueFits(session, key, value)) return session.replyError(RespErrors.STRING_TOO_LONG);
  const slot = session.reserve(3);
  const sink = new GatherReply(3, false, ([appended, added, after]) => {
    if (anyFailed([appended!, added!, after!])) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
    const stored = appended!.status === StoreStatus.Stored || added!.status === StoreStatus.Stored;
    if (stored) return session.complete(slot, integerReply(after!.valueLength));
    // Neither stored: the append was refused (too large, no memory) and the key exists.
    const refusal = appended!.status === StoreStatus.NotStored ? added!.status : appended!.status;
    session.complete(slot, errorReply(writeError(refusal) ?? RespErrors.SHARD_FAILED));
  });
  const router = session.router;
  noteKeyWritten(key);
  router.store(OpCode.Append, key, value, 0, NEVER, 0, 0, sink, 0);
  router.store(OpCode.Add, key, value, 0, NEVER, 0, 0, sink, 1);
  router.get(key, sink, 2);
};

const strlen: RespHandler = (session, args) => {
  const key = keyFor(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  session.router.get(key, {
    onShardReply: (_tag, reply) => {
      if (reply.status === StoreStatus.Ok) session.complete(slot, integerReply(reply.valueLength));
      else if (reply.status === StoreStatus.NotFound) session.complete(slot, integerReply(0));
      else session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
    },
  }, 0);
};

// ---- keys ----

type KeyOp = (key: Buffer, sink: ReplySink, tag: number) => void;

/** Runs `op` on every key argument and replies with how many found their key (status Ok). */
function countFound(session: RespSession, args: Buffer[], op: (s: RespSession) => KeyOp): void {
  const keys = keysFor(session, args.slice(1));
  if (keys === null) return;
  const slot = session.reserve(keys.length);
  const sink = new GatherReply(keys.length, false, (results) => {
    if (anyFailed(results)) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
    session.complete(slot, integerReply(results.filter((r) => r.status === StoreStatus.Ok).length));
  });
  const run = op(session);
  for (let i = 0; i < keys.length; i++) run(keys[i]!, sink, i);
}

const del: RespHandler = (session, args) =>
  countFound(session, args, (s) => (k, sink, t) => {
    noteKeyWritten(k);
    s.router.delete(k, sink, t);
  });
// Redis's TOUCH only updates the last access time: a get does that (LRU bump) and tells whether the key exists.
const existsOrTouch: RespHandler = (session, args) => countFound(session, args, (s) => (k, sink, t) => s.router.get(k, sink, t));

/**
 * EXPIRE family, plain form: a time at or before now deletes the key (reply
 * 1 when it existed), as Redis does; otherwise the new expiry is set (1) or
 * the key is missing (0).
 */
function expireCommand(commandName: string, unitMs: 1000 | 1, relative: boolean): RespHandler {
  return (session, args) => {
    const key = keyFor(session, args[1]!);
    if (key === null) return;
    const expiresAtMs = expiresAtFromArg(session, args[2]!, unitMs, relative, commandName, false);
    if (expiresAtMs === null) return;
    const slot = session.reserve();
    const sink: ReplySink = {
      onShardReply: (_tag, reply) => {
        if (reply.status === StoreStatus.Ok) session.complete(slot, integerReply(1));
        else if (reply.status === StoreStatus.NotFound) session.complete(slot, integerReply(0));
        else session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
      },
    };
    noteKeyWritten(key);
    if (expiresAtMs <= Date.now()) session.router.delete(key, sink, 0);
    else session.router.touch(key, expiresAtMs, sink, 0);
  };
}

export const STRING_AND_KEY_HANDLERS: Record<string, RespHandler> = {
  get,
  set,
  setnx,
  setex: setWithExpire('setex', 1000),
  psetex: setWithExpire('psetex', 1),
  getdel,
  getset,
  getex,
  getrange,
  substr: getrange,
  type,
  mget,
  mset,
  append,
  strlen,
  del,
  unlink: del,
  exists: existsOrTouch,
  touch: existsOrTouch,
  expire: expireCommand('expire', 1000, true),
  pexpire: expireCommand('pexpire', 1, true),
  expireat: expireCommand('expireat', 1000, false),
  pexpireat: expireCommand('pexpireat', 1, false),
};
