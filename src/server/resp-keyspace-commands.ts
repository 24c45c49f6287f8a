/**
 * Redis keyspace commands over the logical databases of resp-keyspace.ts:
 * SCAN, KEYS, RANDOMKEY, RENAME, RENAMENX, COPY, MOVE, MSETNX, DBSIZE,
 * FLUSHDB and OBJECT (FLUSHALL stays in resp-server-commands.ts: it flushes every
 * database, and memcached's flush_all, by the store's CAS watermark).
 *
 * SCAN cursors: the decimal cursor is `shardCursor × shardCount + shard`.
 * Each shard's cursor is Redis's reverse-binary cursor over that shard's hash
 * index (Store.scanKeys), so what Redis guarantees holds: a full iteration
 * returns every key present for its whole length at least once, even when
 * an index doubles in between; it never loops; it ends with cursor 0. One
 * SCAN call runs one bounded slice on one shard (until COUNT keys are found
 * or a work budget of about 10 × COUNT items is spent); MATCH, TYPE and the
 * database filter run in the shard, so only matching keys cross threads.
 * KEYS is one unbounded slice per shard.
 *
 * RENAME / COPY / MOVE move items as raw bytes with their type, client
 * flags and expiry, never decoding them. Both keys on one shard: one
 * KeyCopy op. On two shards: the exclusive gate (RespSession.beginExclusive)
 * is held from the read of the source until the write of the target and the
 * delete of the source are queued, so no other connection's op comes in
 * between. MSETNX checks every key and then writes them all under the gate.
 *
 * Writes are reported to WATCH by the router's write observer as they are
 * queued (the keyed ops, copyKey, sweepDatabase); FLUSHDB dirties every
 * watcher, as a flush does.
 *
 * May import `src/protocol/resp`, the router, `src/server` and the item
 * type constants of `store/item-layout.ts` (constants only); not sockets,
 * shards or the store itself.
 */
import { RespErrors } from '../protocol/resp/errors';
import { bulkReply, encodeReply, errorReply, integerReply, OK_REPLY, resp, type RespVersion } from '../protocol/resp/reply-encoder';
import { argToInt64 } from '../protocol/resp/strict-integer';
import {
  OpCode,
  replyDumpedItem,
  replyIdleSeconds,
  replyItemCount,
  replyScanCursor,
  replyScannedKeys,
  StoreStatus,
  type KeyScanRequest,
  type ReplySink,
  type ShardReply,
} from '../router/router';
import { ITEM_TYPE_HASH, ITEM_TYPE_LIST, ITEM_TYPE_SET, ITEM_TYPE_STRING, ITEM_TYPE_ZSET } from '../store/item-layout';
import { exceedsMemcachedItemSize } from './memcache-text-session';
import { DATABASE_COUNT, MAX_REDIS_KEY_LENGTH, storedKey } from './resp-keyspace';
import type { RespHandler, RespSession } from './resp-session';
import { writeError } from './resp-string-commands';

const SHARD_FAILED_STATUS = 255;
const NEVER = 0;
const U64_MAX = (1n << 64n) - 1n;
const DEFAULT_SCAN_COUNT = 10;
/**
 * A SCAN call's work budget on its shard (Store.scanKeys: 1 per bucket, 16 per item): about
 * 10 × COUNT items, as Redis visits up to 10 × COUNT buckets, plus a whole fresh index of 2^16
 * empty buckets, so a database of up to 10 × COUNT keys ends in one call per shard.
 */
const SCAN_WORK_PER_COUNT = 160;
const SCAN_WORK_BASE = 65536;
/** What no item type can be: a TYPE filter naming a type we do not store (stream) matches nothing. */
const NO_SUCH_TYPE = 255;

const INVALID_CURSOR = 'ERR invalid cursor';
const NO_SUCH_KEY = 'ERR no such key';
const SAME_OBJECT = 'ERR source and destination objects are the same';
const MOVE_IN_CLUSTER = 'ERR MOVE is not allowed in cluster mode';
const COPY_DB_IN_CLUSTER = 'ERR Copying to another database is not allowed in cluster mode';

/** Redis TYPE names of the item type byte (TYPE's filter compares them case-insensitively). */
const ITEM_TYPE_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['string', ITEM_TYPE_STRING],
  ['hash', ITEM_TYPE_HASH],
  ['list', ITEM_TYPE_LIST],
  ['set', ITEM_TYPE_SET],
  ['zset', ITEM_TYPE_ZSET],
]);

const ZERO_REPLY = integerReply(0);
const ONE_REPLY = integerReply(1);

/**
 * A SCAN cursor read as Redis reads it (strtoul): an optional sign, decimal digits, at most
 * 2^64 - 1; a minus wraps (`-1` is 2^64 - 1); the empty string is 0. Null: invalid.
 */
export function parseScanCursor(arg: Buffer): bigint | null {
  const text = arg.toString('latin1');
  if (text.length === 0) return 0n;
  const match = /^([+-]?)(\d+)$/.exec(text);
  if (match === null) return null;
  const magnitude = BigInt(match[2]!);
  if (magnitude > U64_MAX) return null;
  return match[1] === '-' ? (U64_MAX + 1n - magnitude) & U64_MAX : magnitude;
}

/** The global cursor for `shard` at `shardCursor` (0 = that shard not started). */
export function encodeScanCursor(shard: number, shardCursor: number, shardCount: number): bigint {
  return BigInt(shardCursor) * BigInt(shardCount) + BigInt(shard);
}

export function decodeScanCursor(cursor: bigint, shardCount: number): { shard: number; shardCursor: number } {
  const count = BigInt(shardCount);
  // A cursor we never issued still names some shard and some bucket: the scan goes on from there and ends.
  return { shard: Number(cursor % count), shardCursor: Number((cursor / count) & 0xffffffffn) };
}

function shardFailed(reply: ShardReply): boolean {
  return reply.status === SHARD_FAILED_STATUS;
}

/** The key as stored, or null after replying that it is too long for the store. */
function keyFor(session: RespSession, database: number, key: Buffer): Buffer | null {
  if (key.length > MAX_REDIS_KEY_LENGTH) {
    session.replyError(RespErrors.STRING_TOO_LONG);
    return null;
  }
  return storedKey(database, key);
}

/** A database argument (COPY DB, MOVE), or null after replying with Redis's error. */
function databaseArg(session: RespSession, arg: Buffer): number | null {
  const value = argToInt64(arg);
  if (value === null || value > 2147483647n || value < -2147483648n) {
    session.replyError(RespErrors.NOT_AN_INTEGER);
    return null;
  }
  if (value < 0n || value >= BigInt(DATABASE_COUNT)) {
    session.replyError(RespErrors.DB_INDEX_OUT_OF_RANGE);
    return null;
  }
  return Number(value);
}

// ---- SCAN / KEYS / RANDOMKEY ----

interface ScanOptions {
  count: number;
  pattern: Buffer | null;
  itemType: number | null;
}

/** SCAN's options from `args[from]` on, as Redis reads them (repeats allowed, last wins), or null after replying. */
function parseScanOptions(session: RespSession, args: Buffer[], from: number): ScanOptions | null {
  const options: ScanOptions = { count: DEFAULT_SCAN_COUNT, pattern: null, itemType: null };
  for (let i = from; i < args.length; i += 2) {
    const name = args[i]!.toString('latin1').toLowerCase();
    const value = args[i + 1];
    if (value === undefined) {
      session.replyError(RespErrors.SYNTAX);
      return null;
    }
    if (name === 'count') {
      const count = argToInt64(value);
      if (count === null) {
        session.replyError(RespErrors.NOT_AN_INTEGER);
        return null;
      }
      if (count < 1n) {
        session.replyError(RespErrors.SYNTAX);
        return null;
      }
      options.count = count > 1_000_000_000n ? 1_000_000_000 : Number(count);
    } else if (name === 'match') {
      // `*` alone filters nothing, as in Redis.
      options.pattern = value.length === 1 && value[0] === 0x2a ? null : value;
    } else if (name === 'type') {
      options.itemType = ITEM_TYPE_BY_NAME.get(value.toString('latin1').toLowerCase()) ?? NO_SUCH_TYPE;
    } else {
      session.replyError(RespErrors.SYNTAX);
      return null;
    }
  }
  return options;
}

function scanReply(cursor: bigint, keys: readonly Buffer[], version: RespVersion): Buffer {
  return encodeReply(resp.array([resp.bulk(cursor.toString()), resp.array(keys.map((k) => resp.bulk(k)))]), version);
}

const scan: RespHandler = (session, args) => {
  const cursor = parseScanCursor(args[1]!);
  if (cursor === null) return session.replyError(INVALID_CURSOR);
  const options = parseScanOptions(session, args, 2);
  if (options === null) return;
  const shardCount = session.router.shardCount;
  const { shard, shardCursor } = decodeScanCursor(cursor, shardCount);
  const slot = session.reserve();
  const version = session.protocolVersion;
  const request: KeyScanRequest = {
    cursor: shardCursor,
    database: session.database,
    pattern: options.pattern,
    itemType: options.itemType,
    wantedKeys: options.count,
    maxWork: Math.min(SCAN_WORK_BASE + options.count * SCAN_WORK_PER_COUNT, 0xffffffff),
    random: false,
  };
  session.router.scanShard(
    shard,
    request,
    {
      onShardReply: (_tag, reply) => {
        if (shardFailed(reply)) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
        const next = replyScanCursor(reply);
        let nextCursor: bigint;
        if (next !== 0) nextCursor = encodeScanCursor(shard, next, shardCount);
        else nextCursor = shard + 1 < shardCount ? encodeScanCursor(shard + 1, 0, shardCount) : 0n;
        session.complete(slot, scanReply(nextCursor, replyScannedKeys(reply), version));
      },
    },
    0,
  );
};

const keys: RespHandler = (session, args) => {
  const pattern = args[1]!;
  const shardCount = session.router.shardCount;
  const slot = session.reserve(shardCount);
  const version = session.protocolVersion;
  const found: Buffer[][] = new Array<Buffer[]>(shardCount);
  let waiting = shardCount;
  let failed = false;
  const sink: ReplySink = {
    onShardReply: (tag, reply) => {
      if (shardFailed(reply)) failed = true;
      else found[tag] = replyScannedKeys(reply);
      if (--waiting > 0) return;
      if (failed) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
      session.complete(slot, encodeReply(resp.array(found.flat().map((k) => resp.bulk(k))), version));
    },
  };
  const request: KeyScanRequest = {
    cursor: 0,
    database: session.database,
    pattern: pattern.length === 1 && pattern[0] === 0x2a ? null : pattern,
    itemType: null,
    wantedKeys: 0,
    maxWork: 0,
    random: false,
  };
  for (let shard = 0; shard < shardCount; shard++) session.router.scanShard(shard, request, sink, shard);
};

/**
 * RANDOMKEY: every shard is asked in the same turn for the first key of the database after a
 * random bucket (one round trip, so no later command of the pipeline can overtake it), and
 * one of the shards that found a key is picked at random.
 */
const randomkey: RespHandler = (session) => {
  const shardCount = session.router.shardCount;
  const slot = session.reserve(shardCount);
  const version = session.protocolVersion;
  const found: Buffer[] = [];
  let waiting = shardCount;
  let failed = false;
  const sink: ReplySink = {
    onShardReply: (_tag, reply) => {
      if (shardFailed(reply)) failed = true;
      else found.push(...replyScannedKeys(reply));
      if (--waiting > 0) return;
      if (failed) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
      if (found.length === 0) return session.complete(slot, encodeReply(resp.null, version));
      session.complete(slot, bulkReply(found[Math.floor(Math.random() * found.length)]!));
    },
  };
  const request: KeyScanRequest = {
    cursor: 0,
    database: session.database,
    pattern: null,
    itemType: null,
    wantedKeys: 1,
    maxWork: 0,
    random: true,
  };
  for (let shard = 0; shard < shardCount; shard++) session.router.scanShard(shard, request, sink, shard);
};

// ---- DBSIZE / FLUSHDB ----

/** Counts (DBSIZE) or removes (FLUSHDB) the selected database's items on every shard; `done` gets the total. */
function sweepDatabase(session: RespSession, remove: boolean, done: (total: number | null) => Buffer): void {
  const shardCount = session.router.shardCount;
  const slot = session.reserve(shardCount);
  let waiting = shardCount;
  let total = 0;
  let failed = false;
  session.router.sweepDatabase(session.database, remove, {
    onShardReply: (_tag, reply) => {
      if (reply.status !== StoreStatus.Ok) failed = true;
      else total += replyItemCount(reply);
      if (--waiting === 0) session.complete(slot, done(failed ? null : total));
    },
  });
}

const shardFailedReply = (): Buffer => errorReply(RespErrors.SHARD_FAILED);

const dbsize: RespHandler = (session) => sweepDatabase(session, false, (total) => (total === null ? shardFailedReply() : integerReply(total)));

/** FLUSHDB [ASYNC|SYNC]: only the selected database (database 0 is also memcached's keyspace). */
const flushdb: RespHandler = (session, args) => {
  if (args.length > 2) return session.replyError(RespErrors.SYNTAX);
  if (args.length === 2) {
    const mode = args[1]!.toString('latin1').toUpperCase();
    if (mode !== 'ASYNC' && mode !== 'SYNC') return session.replyError(RespErrors.SYNTAX);
  }
  session.context.stats.cmdFlush++;
  sweepDatabase(session, true, (total) => (total === null ? shardFailedReply() : OK_REPLY));
};

// ---- RENAME / RENAMENX / COPY / MOVE ----

interface Transfer {
  source: Buffer;
  target: Buffer;
  /** Refuse when the target exists (RENAMENX, MOVE, COPY without REPLACE). */
  onlyIfMissing: boolean;
  /** Delete the source once the target is written (RENAME, RENAMENX, MOVE). */
  removeSource: boolean;
}

/** How a command words a transfer's outcomes. */
interface TransferReplies {
  /** No source key. */
  missing: Buffer;
  stored: Buffer;
  /** The target exists and the command does not replace it. */
  refused: Buffer;
}

/**
 * Copies the item at `source` to `target` (and removes the source), in one op when one shard
 * holds both keys, else under the exclusive gate: dump the source; on its reply restore at the
 * target; on that reply delete the source (only once the target is written, so a refused or
 * failed write keeps it).
 */
function transfer(session: RespSession, t: Transfer, replies: TransferReplies): void {
  const router = session.router;
  const slot = session.reserve();
  const answer = (status: number): void => {
    if (status === StoreStatus.NotFound) return session.complete(slot, replies.missing);
    if (status === StoreStatus.Stored) return session.complete(slot, replies.stored);
    if (status === StoreStatus.NotStored) return session.complete(slot, replies.refused);
    session.complete(slot, errorReply(writeError(status) ?? RespErrors.SHARD_FAILED));
  };
  if (router.shardIndexFor(t.source) === router.shardIndexFor(t.target)) {
    router.copyKey(t.source, t.target, t.onlyIfMissing, t.removeSource, { onShardReply: (_tag, reply) => answer(reply.status) }, 0);
    return;
  }
  session.beginExclusive();
  router.dumpKey(
    t.source,
    {
      onShardReply: (_tag, dumped) => {
        if (dumped.status !== StoreStatus.Ok) {
          answer(dumped.status);
          return session.endExclusive();
        }
        const item = replyDumpedItem(dumped);
        router.restoreKey(
          t.target,
          item,
          t.onlyIfMissing,
          {
            onShardReply: (_tag2, restored) => {
              if (restored.status === StoreStatus.Stored && t.removeSource) {
                router.delete(t.source, { onShardReply: () => {} }, 0);
              }
              answer(restored.status);
              session.endExclusive();
            },
          },
          0,
        );
      },
    },
    0,
  );
}

const RENAME_REPLIES: TransferReplies = { missing: errorReply(NO_SUCH_KEY), stored: OK_REPLY, refused: ZERO_REPLY };
const RENAMENX_REPLIES: TransferReplies = { missing: errorReply(NO_SUCH_KEY), stored: ONE_REPLY, refused: ZERO_REPLY };
const COPY_REPLIES: TransferReplies = { missing: ZERO_REPLY, stored: ONE_REPLY, refused: ZERO_REPLY };

function renameCommand(onlyIfMissing: boolean): RespHandler {
  return (session, args) => {
    const source = keyFor(session, session.database, args[1]!);
    if (source === null) return;
    const target = keyFor(session, session.database, args[2]!);
    if (target === null) return;
    transfer(session, { source, target, onlyIfMissing, removeSource: true }, onlyIfMissing ? RENAMENX_REPLIES : RENAME_REPLIES);
  };
}

/** COPY source destination [DB destination-db] [REPLACE] */
const copy: RespHandler = (session, args) => {
  let database = session.database;
  let replace = false;
  for (let i = 3; i < args.length; i++) {
    const option = args[i]!.toString('latin1').toLowerCase();
    if (option === 'replace') {
      replace = true;
    } else if (option === 'db' && i + 1 < args.length) {
      const parsed = databaseArg(session, args[++i]!);
      if (parsed === null) return;
      database = parsed;
    } else {
      return session.replyError(RespErrors.SYNTAX);
    }
  }
  if (session.context.config.redisCluster && database !== 0) return session.replyError(COPY_DB_IN_CLUSTER);
  if (database === session.database && args[1]!.equals(args[2]!)) return session.replyError(SAME_OBJECT);
  const source = keyFor(session, session.database, args[1]!);
  if (source === null) return;
  const target = keyFor(session, database, args[2]!);
  if (target === null) return;
  transfer(session, { source, target, onlyIfMissing: !replace, removeSource: false }, COPY_REPLIES);
};

/** MOVE key db: to another database of this server, only when the key is not there yet. */
const move: RespHandler = (session, args) => {
  if (session.context.config.redisCluster) return session.replyError(MOVE_IN_CLUSTER);
  const database = databaseArg(session, args[2]!);
  if (database === null) return;
  if (database === session.database) return session.replyError(SAME_OBJECT);
  const source = keyFor(session, session.database, args[1]!);
  if (source === null) return;
  const target = keyFor(session, database, args[1]!);
  if (target === null) return;
  transfer(session, { source, target, onlyIfMissing: true, removeSource: true }, COPY_REPLIES);
};

// ---- MSETNX ----

/**
 * MSETNX: under the exclusive gate, looks every key up (without bumping it); when none
 * exists, queues every set before releasing the gate, so the command is all-or-nothing
 * against every other connection.
 */
const msetnx: RespHandler = (session, args) => {
  if ((args.length - 1) % 2 !== 0) return session.replyError(`ERR wrong number of arguments for 'msetnx' command`);
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 1; i < args.length; i += 2) {
    const key = keyFor(session, session.database, args[i]!);
    if (key === null) return;
    if (exceedsMemcachedItemSize(key.length, args[i + 1]!.length, 0, session.context.config.maxItemSize)) {
      return session.replyError(RespErrors.STRING_TOO_LONG);
    }
    pairs.push([key, args[i + 1]!]);
  }
  const router = session.router;
  const slot = session.reserve(pairs.length);
  session.beginExclusive();
  let lookups = pairs.length;
  let exists = false;
  let failed = false;
  const lookedUp: ReplySink = {
    onShardReply: (_tag, reply) => {
      if (shardFailed(reply)) failed = true;
      else if (reply.status === StoreStatus.Ok) exists = true;
      if (--lookups > 0) return;
      if (failed || exists) {
        session.complete(slot, failed ? errorReply(RespErrors.SHARD_FAILED) : ZERO_REPLY);
        return session.endExclusive();
      }
      let writes = pairs.length;
      let error: string | null = null;
      const written: ReplySink = {
        onShardReply: (_t, w) => {
          const e = w.status === StoreStatus.Stored ? null : (writeError(w.status) ?? RespErrors.SHARD_FAILED);
          if (error === null) error = e;
          if (--writes === 0) session.complete(slot, error === null ? ONE_REPLY : errorReply(error));
        },
      };
      for (let i = 0; i < pairs.length; i++) router.store(OpCode.Set, pairs[i]![0], pairs[i]![1], 0, NEVER, 0, 0, written, i);
      session.endExclusive();
    },
  };
  for (let i = 0; i < pairs.length; i++) router.itemInfo(pairs[i]![0], lookedUp, i);
};

// ---- OBJECT ----

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

/** Redis keeps a string as "int" when it reads back as a 64-bit integer in canonical form (string2ll). */
function isCanonicalInt64(value: Buffer): boolean {
  if (value.length === 0 || value.length > 20) return false;
  const text = value.toString('latin1');
  if (!/^(0|-?[1-9]\d*)$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(1n << 63n) && n < 1n << 63n;
}

/** Redis 7's encoding for a value of this type: strings exactly; collections by our compact encoding. */
function encodingOf(itemType: number, value: Buffer): string {
  if (itemType !== ITEM_TYPE_STRING) return 'listpack';
  if (isCanonicalInt64(value)) return 'int';
  return value.length <= 44 ? 'embstr' : 'raw';
}

/** OBJECT ENCODING / IDLETIME / REFCOUNT / FREQ: null bulk for a missing key, as Redis answers first. */
function objectCommand(answer: (session: RespSession, reply: ShardReply) => Buffer, dump: boolean): RespHandler {
  return (session, args) => {
    const key = keyFor(session, session.database, args[2]!);
    if (key === null) return;
    const slot = session.reserve();
    const version = session.protocolVersion;
    const sink: ReplySink = {
      onShardReply: (_tag, reply) => {
        if (shardFailed(reply)) return session.complete(slot, errorReply(RespErrors.SHARD_FAILED));
        if (reply.status !== StoreStatus.Ok) return session.complete(slot, encodeReply(resp.null, version));
        session.complete(slot, answer(session, reply));
      },
    };
    // KeyDump when the value matters; otherwise ItemInfo, which reads the metadata without touching the item.
    if (dump) session.router.dumpKey(key, sink, 0);
    else session.router.itemInfo(key, sink, 0);
  };
}

const objectEncoding = objectCommand((_session, reply) => {
  const item = replyDumpedItem(reply);
  return bulkReply(Buffer.from(encodingOf(item.itemType, item.value)));
}, true);

const objectIdletime = objectCommand((_session, reply) => integerReply(replyIdleSeconds(reply)), false);

// Redis shares the integers 0..9999 only when no maxmemory LRU/LFU policy is set; ours always has one.
const objectRefcount = objectCommand(() => ONE_REPLY, false);

// Access frequency is not tracked: an LFU policy (CONFIG SET) reads 0.
const objectFreq = objectCommand((session) => {
  const policy = session.state.configOverrides.get('maxmemory-policy') ?? '';
  return policy.includes('lfu') ? ZERO_REPLY : errorReply(LFU_NOT_SELECTED);
}, false);

const objectHelp: RespHandler = (session) => session.replyValue(resp.array(OBJECT_HELP.map((line) => resp.simple(line))));

export const KEYSPACE_HANDLERS: Record<string, RespHandler> = {
  'object|encoding': objectEncoding,
  'object|idletime': objectIdletime,
  'object|refcount': objectRefcount,
  'object|freq': objectFreq,
  'object|help': objectHelp,
  scan,
  keys,
  randomkey,
  dbsize,
  flushdb,
  rename: renameCommand(false),
  renamenx: renameCommand(true),
  copy,
  move,
  msetnx,
};
