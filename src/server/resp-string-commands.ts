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
 * INCR/DECR/INCRBY/DECRBY are one signed-arithmetic op in the shard
 * (read-modify-write of a signed 64-bit value, missing = 0, expiry kept);
 * INCRBYFLOAT, SETRANGE and EXPIRE's NX/XX/GT/LT are single shard ops too.
 *
 * MSETNX (it reads every key before writing any, under the exclusive gate)
 * and KEYS/SCAN/RANDOMKEY live in resp-keyspace-commands.ts.
 *
 * Every write tells the WATCH registry (`noteKeyWritten`) as it is queued,
 * so the registry sees writes in the order the shards will run them.
 *
 * May import `src/protocol/resp`, the router (ops, StoreStatus) and
 * `src/server`; not sockets, shard internals or the store itself.
 */
import { argToInt64 } from '../protocol/resp/strict-integer';
import { RespErrors, invalidExpireTimeError } from '../protocol/resp/errors';
import { bulkReply, bulkReplySize, writeBulkReply, errorReply, integerReply, nullReply, OK_REPLY, encodeReply, resp, simpleReply, type RespValue, type RespVersion } from '../protocol/resp/reply-encoder';
import { OpCode, type ReplySink, type ShardReply, type StorageOpCode } from '../router/router';
import { ExpireCondition, WriteMode, replyExpiresAtMs, type ItemReadRequest } from '../router/item-ops';
import { StoreStatus } from '../store/types';
import { exceedsMemcachedItemSize } from './memcache-text-session';
import { connectionLimitStats, connectionLimitsFor } from './connection';
import type { ReplySlot } from './reply-queue';
import type { RespHandler, RespSession } from './resp-session';
import { noteKeyWritten } from './resp-watch';
import { runTyped, typedKey, typedKeys, WRONGTYPE_ERROR } from './resp-typed';

/** Status of a shard that died with the request (ShardClient fails pending ops with it). */
const SHARD_FAILED_STATUS = 255;
/** A hit the shard refused because its reply batch was full (shard/messages.ts REPLY_TOO_LARGE_STATUS). */
const REPLY_TOO_LARGE_STATUS = 254;
/** Ours (Redis has no such limit on one reply; it only disconnects at client-output-buffer-limit). */
const REPLY_TOO_LARGE_ERROR = 'ERR reply too large: the values asked for exceed the output buffer limit';
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** Redis's text, word for word (not yet in RespErrors, which another engineer owns). */
const OVERFLOW_ERROR = 'ERR increment or decrement would overflow';
const DECREMENT_OVERFLOW_ERROR = 'ERR decrement would overflow';
const NOT_A_FLOAT_ERROR = 'ERR value is not a valid float';
const NAN_OR_INFINITY_ERROR = 'ERR increment would produce NaN or Infinity';
const NEVER = 0;

/** One op's outcome, copied out of the shard's reply batch. */
interface OpResult {
  status: number;
  /** The key holds a Redis collection (ITEM_TYPE_*), which a string op treats as missing; -1 = no. */
  wrongType: number;
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
      wrongType: reply.wrongType,
      value: hit && this.keepValues ? reply.copyValue() : null,
      valueLength: hit ? reply.valueLength : 0,
    };
    if (--this.waiting === 0) this.onAll(this.results);
  }
}

/** GET: the value rendered straight from the shard's reply batch. */
class BulkValueReply implements ReplySink {
  /** The protocol when the command was read: a later HELLO must not change this reply's encoding. */
  private readonly version: RespVersion;

  constructor(
    private readonly session: RespSession,
    private readonly slot: ReplySlot,
  ) {
    this.version = session.protocolVersion;
  }

  onShardReply(_tag: number, reply: ShardReply): void {
    let out: Buffer;
    if (reply.status === StoreStatus.Ok) {
      const session = this.session;
      const start = reply.valueOffset;
      const end = start + reply.valueLength;
      const at = session.claimOutput(this.slot, bulkReplySize(reply.valueLength));
      if (at >= 0) {
        writeBulkReply(session.outputBuffer, at, reply.bytes, start, end);
        session.completeInPlace(this.slot);
        return;
      }
      out = bulkReply(reply.bytes, start, end);
    } else if (reply.wrongType >= 0) out = WRONGTYPE_REPLY;
    else if (reply.status === StoreStatus.NotFound) out = nullReply(this.version);
    else if (reply.status === REPLY_TOO_LARGE_STATUS) out = replyTooLarge();
    else out = errorReply(RespErrors.SHARD_FAILED);
    this.session.complete(this.slot, out);
  }
}

const WRONGTYPE_REPLY = errorReply(WRONGTYPE_ERROR);

function replyTooLarge(): Buffer {
  connectionLimitStats.replyTooLarge++;
  return errorReply(REPLY_TOO_LARGE_ERROR);
}

/**
 * MGET: the values in key order. Hit bytes are summed as shards answer; past the
 * connection's output limit (or a hit the shard refused for its reply budget) the
 * reply is an error and no further value is copied, as the memcached text
 * session's multi-get (`MGET k k k …` of a large value: fuzz finding).
 */
class MgetReply implements ReplySink {
  private readonly values: (Buffer | null)[];
  private waiting: number;
  private hitBytes = 0;
  private tooLarge = false;
  private failed = false;
  private readonly version: RespVersion;

  constructor(
    private readonly session: RespSession,
    private readonly slot: ReplySlot,
    count: number,
    private readonly maxReplyBytes: number,
  ) {
    this.values = new Array<Buffer | null>(count).fill(null);
    this.waiting = count;
    this.version = session.protocolVersion;
  }

  onShardReply(tag: number, reply: ShardReply): void {
    if (reply.status === StoreStatus.Ok) {
      this.hitBytes += reply.valueLength;
      if (this.hitBytes > this.maxReplyBytes) this.tooLarge = true;
      else if (!this.tooLarge) this.values[tag] = reply.copyValue();
    } else if (reply.status === REPLY_TOO_LARGE_STATUS) {
      this.tooLarge = true;
    } else if (reply.status === SHARD_FAILED_STATUS) {
      this.failed = true;
    }
    if (--this.waiting > 0) return;
    if (this.failed) return this.session.complete(this.slot, errorReply(RespErrors.SHARD_FAILED));
    if (this.tooLarge) return this.session.complete(this.slot, replyTooLarge());
    const items: RespValue[] = this.values.map((v) => (v === null ? resp.null : resp.bulk(v)));
    this.session.complete(this.slot, encodeReply(resp.array(items), this.version));
  }
}

/**
 * Whether an op failed: its shard died, or it refused a hit for its reply budget (a get whose
 * value a command only measures or counts must not read as a miss).
 */
function anyFailed(results: OpResult[]): boolean {
  return results.some((r) => r.status === SHARD_FAILED_STATUS || r.status === REPLY_TOO_LARGE_STATUS);
}

/** The error for a get that neither hit nor missed. */
function failedGetReply(status: number): Buffer {
  return status === REPLY_TOO_LARGE_STATUS ? replyTooLarge() : errorReply(RespErrors.SHARD_FAILED);
}

/** The error for results where anyFailed() holds. */
function failureReply(results: OpResult[]): Buffer {
  return results.some((r) => r.status === SHARD_FAILED_STATUS) ? errorReply(RespErrors.SHARD_FAILED) : replyTooLarge();
}

/** The error for a refused write, or null when the write was stored (or refused by NX/XX). Also used by the keyspace commands' moves. */
export function writeError(status: number): string | null {
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
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  session.router.get(key, new BulkValueReply(session, session.reserve()), 0);
};

interface SetOptions {
  mode: StorageOpCode;
  expiresAtMs: number;
  returnOld: boolean;
  /** KEEPTTL: an existing key keeps its expiry (a new one gets none). */
  keepTtl: boolean;
}

const WRITE_MODE_OF: Partial<Record<StorageOpCode, WriteMode>> = {
  [OpCode.Set]: WriteMode.Set,
  [OpCode.Add]: WriteMode.Add,
  [OpCode.Replace]: WriteMode.Replace,
};

/** Queues SET's write: the plain store op, or with KEEPTTL the item write that keeps the expiry in the shard. */
function queueSetWrite(session: RespSession, key: Buffer, value: Buffer, options: SetOptions, sink: ReplySink, tag: number): void {
  // With GET, a key holding another type is an error and must not be overwritten (Redis aborts the SET).
  if (!options.keepTtl && !options.returnOld) {
    session.router.store(options.mode, key, value, 0, options.expiresAtMs, 0, 0, sink, tag);
    return;
  }
  session.router.writeItem(key, {
    mode: WRITE_MODE_OF[options.mode]!,
    value,
    clientFlags: 0,
    expiresAtMs: options.expiresAtMs,
    compareCas: 0n,
    newCas: 0n,
    invalidate: false,
    vivifyExpiresAtMs: null,
    keepExpiry: options.keepTtl,
    stringOnly: options.returnOld,
  }, sink, tag);
}

/** SET key value: the common case, shared (SetOptions are only read). */
const PLAIN_SET: SetOptions = Object.freeze({ mode: OpCode.Set, expiresAtMs: NEVER, returnOld: false, keepTtl: false });

/** SET's options as Redis 7 reads them, or null after replying with its error. */
function parseSetOptions(session: RespSession, args: Buffer[]): SetOptions | null {
  if (args.length === 3) return PLAIN_SET;
  let condition: 'NX' | 'XX' | null = null;
  let expireOption: 'EX' | 'PX' | 'EXAT' | 'PXAT' | null = null;
  let expireArg: Buffer | null = null;
  let returnOld = false;
  let keepTtl = false;
  for (let i = 3; i < args.length; i++) {
    const option = args[i]!.toString('latin1').toUpperCase();
    const hasNext = i + 1 < args.length;
    if ((option === 'NX' || option === 'XX') && condition === null) {
      condition = option;
    } else if (option === 'GET' && !returnOld) {
      returnOld = true;
    } else if (option === 'KEEPTTL' && expireOption === null) {
      keepTtl = true;
    } else if ((option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') && expireOption === null && !keepTtl && hasNext) {
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
  return { mode, expiresAtMs, returnOld, keepTtl };
}

/** Stores one value; replies +OK, or null when NX/XX refused it (or the old value with GET). */
function storeString(session: RespSession, rawKey: Buffer, value: Buffer, options: SetOptions): void {
  const key = typedKey(session, rawKey);
  if (key === null) return;
  if (!valueFits(session, key, value)) return session.replyError(RespErrors.STRING_TOO_LONG);
  const slot = session.reserve();
  const router = session.router;
  const version = session.protocolVersion;
  noteKeyWritten(key);
  if (options.returnOld) {
    const sink = new GatherReply(2, true, ([old, written]) => {
      if (old!.wrongType >= 0) return session.complete(slot, WRONGTYPE_REPLY);
      if (anyFailed([old!, written!])) return session.complete(slot, failureReply([old!, written!]));
      const error = writeError(written!.status);
      if (error !== null) return session.complete(slot, errorReply(error));
      session.complete(slot, old!.value === null ? nullReply(version) : bulkReply(old!.value));
    });
    router.get(key, sink, 0);
    queueSetWrite(session, key, value, options, sink, 1);
    return;
  }
  const sink: ReplySink = {
    onShardReply: (_tag, reply) => {
      const error = writeError(reply.status);
      if (error !== null) return session.complete(slot, errorReply(error));
      session.complete(slot, reply.status === StoreStatus.Stored ? OK_REPLY : nullReply(version));
    },
  };
  queueSetWrite(session, key, value, options, sink, 0);
}

const set: RespHandler = (session, args) => {
  const options = parseSetOptions(session, args);
  if (options !== null) storeString(session, args[1]!, args[2]!, options);
};

/** SETNX: 1 when stored, 0 when the key existed. */
const setnx: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
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
    storeString(session, args[1]!, args[3]!, { mode: OpCode.Set, expiresAtMs, returnOld: false, keepTtl: false });
  };
}

/** GETSET: SET ... GET without options (deprecated in Redis, still sent by older clients). */
const getset: RespHandler = (session, args) => storeString(session, args[1]!, args[2]!, { mode: OpCode.Set, expiresAtMs: NEVER, returnOld: true, keepTtl: false });

/**
 * GETEX: GET that also sets (EX/PX/EXAT/PXAT) or removes (PERSIST) the
 * expiry, in one op (memcached's gat). A time in the past makes the key
 * expire at once, as Redis deletes it.
 */
const getex: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
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
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  session.router.get(key, {
    onShardReply: (_tag, reply) => {
      if (reply.wrongType >= 0) return session.complete(slot, WRONGTYPE_REPLY);
      if (reply.status !== StoreStatus.Ok && reply.status !== StoreStatus.NotFound) {
        return session.complete(slot, failedGetReply(reply.status));
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

/** TYPE: a string get tells strings and missing keys; a Redis collection comes back as wrongType with its item type. */
const type: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  session.router.get(key, {
    onShardReply: (_tag, reply) => {
      if (reply.wrongType >= 0) session.complete(slot, simpleReply(TYPE_NAMES[reply.wrongType] ?? 'none'));
      else if (reply.status === StoreStatus.Ok) session.complete(slot, STRING_TYPE_REPLY);
      else if (reply.status === StoreStatus.NotFound) session.complete(slot, NONE_TYPE_REPLY);
      else session.complete(slot, failedGetReply(reply.status));
    },
  }, 0);
};

const STRING_TYPE_REPLY = Buffer.from('+string\r\n');
/** Redis's TYPE names by item type (store/item-layout.ts ITEM_TYPE_*). */
const TYPE_NAMES: readonly string[] = ['string', 'hash', 'list', 'set', 'zset'];
const NONE_TYPE_REPLY = Buffer.from('+none\r\n');

/** GETDEL: one typed op (store/typed/string.ts), so a key of another type answers WRONGTYPE and stays. */
const getdel: RespHandler = (session, args) => {
  if (typedKey(session, args[1]!) === null) return;
  runTyped(session, args[1]!, '__getdel', [], true);
};

const mget: RespHandler = (session, args) => {
  const keys = typedKeys(session, args.slice(1));
  if (keys === null) return;
  const maxReplyBytes = connectionLimitsFor(session.context.config).maxOutputBytes;
  const sink = new MgetReply(session, session.reserve(keys.length), keys.length, maxReplyBytes);
  for (let i = 0; i < keys.length; i++) session.router.get(keys[i]!, sink, i);
};

const mset: RespHandler = (session, args) => {
  if ((args.length - 1) % 2 !== 0) return session.replyError(`ERR wrong number of arguments for 'mset' command`);
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 1; i < args.length; i += 2) {
    const key = typedKey(session, args[i]!);
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
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const value = args[2]!;
  if (!valueFits(session, key, value)) return session.replyError(RespErrors.STRING_TOO_LONG);
  const slot = session.reserve(3);
  const sink = new GatherReply(3, false, ([appended, added, after]) => {
    if (anyFailed([appended!, added!, after!])) return session.complete(slot, failureReply([appended!, added!, after!]));
    if (appended!.wrongType >= 0) return session.complete(slot, WRONGTYPE_REPLY);
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

/**
 * SETRANGE: one op in the shard (read, patch, write back), so it is atomic
 * per key. An empty value changes nothing and skips the size check, as in
 * Redis; otherwise the end of the patch must fit memcached's item size.
 */
const setrange: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const offset = argToInt64(args[2]!);
  if (offset === null) return session.replyError(RespErrors.NOT_AN_INTEGER);
  if (offset < 0n) return session.replyError('ERR offset is out of range');
  const patch = args[3]!;
  const maxItemSize = session.context.config.maxItemSize;
  // The BigInt compare keeps a huge offset from reaching Number before it is refused.
  if (patch.length > 0 && (offset > BigInt(maxItemSize) || exceedsMemcachedItemSize(key.length, Number(offset) + patch.length, 0, maxItemSize))) {
    return session.replyError(RespErrors.STRING_TOO_LONG);
  }
  const slot = session.reserve();
  noteKeyWritten(key);
  session.router.setRange(key, Number(offset), patch, {
    onShardReply: (_tag, reply) => {
      let out: Buffer;
      if (reply.status === StoreStatus.Stored || reply.status === StoreStatus.Ok) out = integerReply(reply.itemValueSize);
      else if (reply.wrongType >= 0) out = WRONGTYPE_REPLY;
      else if (reply.status === StoreStatus.NotFound) out = integerReply(0);
      else out = errorReply(writeError(reply.status) ?? RespErrors.SHARD_FAILED);
      session.complete(slot, out);
    },
  }, 0);
};

const strlen: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  session.router.get(key, {
    onShardReply: (_tag, reply) => {
      if (reply.status === StoreStatus.Ok) session.complete(slot, integerReply(reply.valueLength));
      else if (reply.wrongType >= 0) session.complete(slot, WRONGTYPE_REPLY);
      else if (reply.status === StoreStatus.NotFound) session.complete(slot, integerReply(0));
      else session.complete(slot, failedGetReply(reply.status));
    },
  }, 0);
};

// ---- counters ----

/** Runs the shard's signed add of `delta` and replies with the new value as an integer. */
function incrementBy(session: RespSession, rawKey: Buffer, delta: bigint): void {
  const key = typedKey(session, rawKey);
  if (key === null) return;
  const slot = session.reserve();
  noteKeyWritten(key);
  session.router.signedIncrement(key, delta, {
    onShardReply: (_tag, reply) => {
      let out: Buffer;
      if (reply.status === StoreStatus.Ok) {
        const digits = reply.bytes.subarray(reply.valueOffset, reply.valueOffset + reply.valueLength);
        out = integerReply(BigInt(Buffer.from(digits).toString('latin1')));
      } else if (reply.wrongType >= 0) out = WRONGTYPE_REPLY;
      else if (reply.status === StoreStatus.NonNumeric) out = errorReply(RespErrors.NOT_AN_INTEGER);
      else if (reply.status === StoreStatus.Overflow) out = errorReply(OVERFLOW_ERROR);
      else if (reply.status === StoreStatus.NoMemory) out = errorReply(RespErrors.OOM);
      else out = errorReply(RespErrors.SHARD_FAILED);
      session.complete(slot, out);
    },
  }, 0);
}

/**
 * INCRBYFLOAT: long double arithmetic in the shard (the store's
 * long-double module), so the stored text is what Redis would store. The
 * shard also judges the increment: Redis gives the same error for a bad
 * increment as for a bad value.
 */
const incrbyfloat: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const increment = args[2]!;
  const slot = session.reserve();
  noteKeyWritten(key);
  session.router.floatIncrement(key, increment, {
    onShardReply: (_tag, reply) => {
      let out: Buffer;
      if (reply.status === StoreStatus.Ok) out = bulkReply(reply.bytes, reply.valueOffset, reply.valueOffset + reply.valueLength);
      else if (reply.wrongType >= 0) out = WRONGTYPE_REPLY;
      else if (reply.status === StoreStatus.NonNumeric) out = errorReply(NOT_A_FLOAT_ERROR);
      else if (reply.status === StoreStatus.Overflow) out = errorReply(NAN_OR_INFINITY_ERROR);
      else if (reply.status === StoreStatus.NoMemory) out = errorReply(RespErrors.OOM);
      else out = errorReply(RespErrors.SHARD_FAILED);
      session.complete(slot, out);
    },
  }, 0);
};

const incr: RespHandler = (session, args) => incrementBy(session, args[1]!, 1n);
const decr: RespHandler = (session, args) => incrementBy(session, args[1]!, -1n);

const incrby: RespHandler = (session, args) => {
  const delta = argToInt64(args[2]!);
  if (delta === null) return session.replyError(RespErrors.NOT_AN_INTEGER);
  incrementBy(session, args[1]!, delta);
};

/** DECRBY refuses the one delta whose negation leaves int64, as Redis 7 does. */
const decrby: RespHandler = (session, args) => {
  const delta = argToInt64(args[2]!);
  if (delta === null) return session.replyError(RespErrors.NOT_AN_INTEGER);
  if (delta === INT64_MIN) return session.replyError(DECREMENT_OVERFLOW_ERROR);
  incrementBy(session, args[1]!, -delta);
};

// ---- keys ----

type KeyOp = (key: Buffer, sink: ReplySink, tag: number) => void;

/** Runs `op` on every key argument and replies with how many found their key (status Ok). */
function countFound(session: RespSession, args: Buffer[], op: (s: RespSession) => KeyOp): void {
  const keys = typedKeys(session, args.slice(1));
  if (keys === null) return;
  const slot = session.reserve(keys.length);
  const sink = new GatherReply(keys.length, false, (results) => {
    if (anyFailed(results)) return session.complete(slot, failureReply(results));
    // A string get answers a Redis collection as missing (wrongType set): it exists all the same.
    session.complete(slot, integerReply(results.filter((r) => r.status === StoreStatus.Ok || r.wrongType >= 0).length));
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
 * EXPIRE's NX / XX / GT / LT, as Redis 7 reads them (repeats allowed), or
 * null after replying with its error.
 */
function parseExpireCondition(session: RespSession, args: Buffer[]): ExpireCondition | null {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let i = 3; i < args.length; i++) {
    const option = args[i]!.toString('latin1').toUpperCase();
    if (option === 'NX') nx = true;
    else if (option === 'XX') xx = true;
    else if (option === 'GT') gt = true;
    else if (option === 'LT') lt = true;
    else {
      session.replyError(`ERR Unsupported option ${args[i]!.toString('latin1')}`);
      return null;
    }
  }
  if (nx && (xx || gt || lt)) {
    session.replyError('ERR NX and XX, GT or LT options at the same time are not compatible');
    return null;
  }
  if (gt && lt) {
    session.replyError('ERR GT and LT options at the same time are not compatible');
    return null;
  }
  if (nx) return ExpireCondition.NoExpiry;
  if (gt) return ExpireCondition.Later;
  if (lt) return ExpireCondition.Earlier;
  return xx ? ExpireCondition.HasExpiry : ExpireCondition.Always;
}

/** The earliest expiry the store reads as "already expired" (0 means never). */
const EXPIRED_AT_ONCE_MS = 1;

/**
 * EXPIRE family. Plain form: a time at or before now deletes the key (reply
 * 1 when it existed), as Redis does; otherwise the new expiry is set (1) or
 * the key is missing (0). With NX/XX/GT/LT the shard judges the condition
 * against the current expiry and sets the new one in the same op (atomic per
 * key); a passing time in the past makes the key expire at once.
 */
function expireCommand(commandName: string, unitMs: 1000 | 1, relative: boolean): RespHandler {
  return (session, args) => {
    const key = typedKey(session, args[1]!);
    if (key === null) return;
    const condition = parseExpireCondition(session, args);
    if (condition === null) return;
    const expiresAtMs = expiresAtFromArg(session, args[2]!, unitMs, relative, commandName, false);
    if (expiresAtMs === null) return;
    const slot = session.reserve();
    const sink: ReplySink = {
      onShardReply: (_tag, reply) => {
        if (reply.status === StoreStatus.Ok) session.complete(slot, integerReply(1));
        else if (reply.status === StoreStatus.NotFound || reply.status === StoreStatus.NotStored) session.complete(slot, integerReply(0));
        else session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
      },
    };
    noteKeyWritten(key);
    const inPast = expiresAtMs <= Date.now();
    if (condition !== ExpireCondition.Always) {
      const touchExpiresAtMs = inPast ? EXPIRED_AT_ONCE_MS : expiresAtMs;
      session.router.readItem(key, { ...CONDITIONAL_TOUCH, touchExpiresAtMs, touchCondition: condition }, sink, 0);
    } else if (inPast) session.router.delete(key, sink, 0);
    else session.router.touch(key, expiresAtMs, sink, 0);
  };
}

/** An item read that only touches: no value, no LRU bump (Redis's EXPIRE is not an access). */
const CONDITIONAL_TOUCH: ItemReadRequest = {
  wantValue: false,
  noBump: true,
  touchExpiresAtMs: null,
  vivifyExpiresAtMs: null,
  recacheBelowSeconds: null,
  compareCas: 0n,
  newCas: 0n,
};

/**
 * TTL family: reads the item's exact expiry (memcached's `me`: no LRU bump,
 * no fetched mark, as Redis's TTL does not count as an access). Replies -2
 * for a missing key, -1 without expiry, else `fromExpiry(expiresAtMs, now)`.
 */
function expiryQuery(fromExpiry: (expiresAtMs: number, nowMs: number) => number): RespHandler {
  return (session, args) => {
    const key = typedKey(session, args[1]!);
    if (key === null) return;
    const slot = session.reserve();
    session.router.itemInfo(key, {
      onShardReply: (_tag, reply) => {
        let out: Buffer;
        if (reply.status === StoreStatus.Ok) {
          const expiresAtMs = replyExpiresAtMs(reply);
          out = integerReply(expiresAtMs === 0 ? -1 : fromExpiry(Math.floor(expiresAtMs), Date.now()));
        } else if (reply.status === StoreStatus.NotFound) out = integerReply(-2);
        else out = errorReply(RespErrors.SHARD_FAILED);
        session.complete(slot, out);
      },
    }, 0);
  };
}

/** Redis rounds the remaining ms to the nearest second, and never reports below 0. */
const remainingMs = (expiresAtMs: number, nowMs: number): number => Math.max(0, expiresAtMs - nowMs);

/**
 * PERSIST: the item info and a touch to "never" queued in one turn, so no
 * other op comes between them. 1 when the key had an expiry, else 0 (the
 * touch of a key without one changes nothing).
 */
const persist: RespHandler = (session, args) => {
  const key = typedKey(session, args[1]!);
  if (key === null) return;
  const slot = session.reserve();
  let hadExpiry = false;
  let failed = false;
  let waiting = 2;
  const done = (): void => {
    if (--waiting > 0) return;
    session.complete(slot, failed ? errorReply(RespErrors.SHARD_FAILED) : integerReply(hadExpiry ? 1 : 0));
  };
  noteKeyWritten(key);
  session.router.itemInfo(key, {
    onShardReply: (_tag, reply) => {
      if (reply.status === StoreStatus.Ok) hadExpiry = replyExpiresAtMs(reply) !== 0;
      else if (reply.status !== StoreStatus.NotFound) failed = true;
      done();
    },
  }, 0);
  session.router.touch(key, NEVER, {
    onShardReply: (_tag, reply) => {
      if (reply.status !== StoreStatus.Ok && reply.status !== StoreStatus.NotFound) failed = true;
      done();
    },
  }, 0);
};

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
  setrange,
  incr,
  decr,
  incrby,
  decrby,
  incrbyfloat,
  del,
  unlink: del,
  exists: existsOrTouch,
  touch: existsOrTouch,
  expire: expireCommand('expire', 1000, true),
  pexpire: expireCommand('pexpire', 1, true),
  expireat: expireCommand('expireat', 1000, false),
  pexpireat: expireCommand('pexpireat', 1, false),
  ttl: expiryQuery((at, now) => Math.floor((remainingMs(at, now) + 500) / 1000)),
  pttl: expiryQuery(remainingMs),
  expiretime: expiryQuery((at) => Math.floor((at + 500) / 1000)),
  pexpiretime: expiryQuery((at) => at),
  persist,
};
