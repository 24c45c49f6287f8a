/**
 * Runs one request batch against a store and writes one reply per op. The only
 * module that knows both the message contract and the store. Never throws on
 * the data path: an unknown op gets SHARD_FAILED_STATUS.
 */
import { Store } from '../store/store';
import { ExpireCondition, StoreMode, StoreStatus } from '../store/types';
import type { ArithmeticParams, ItemDeleteParams, ItemReadParams, ItemWriteParams } from '../store/types';
import {
  ItemInfoBit,
  ItemOption,
  OpCode,
  REPLY_BATCH_VALUE_BUDGET,
  REPLY_TOO_LARGE_STATUS,
  SHARD_FAILED_STATUS,
  WriteMode,
  type ShardCommandCounters,
} from './messages';
import { emptyItemOpArgs, ReplyBatchWriter, RequestBatchReader } from './batch-codec';
import { KeyspaceExecutor } from './execute-keyspace';
import { emptyCommandCounters, type ShardStatsSnapshot } from './shard-stats';
import { ShardKeyStats } from './hot-keys';
import { TypedCommandExecutor } from './execute-typed';

/** memcached's per-item overhead beyond key and value: 48-byte header, 8-byte CAS, key NUL, value CRLF. */
const MEMCACHED_ITEM_OVERHEAD = 48 + 8 + 1 + 2;
const MEMCACHED_FLAGS_SUFFIX = 4;

function writeModeToStoreMode(mode: number): StoreMode | -1 {
  switch (mode) {
    case WriteMode.Set:
      return StoreMode.Set;
    case WriteMode.Add:
      return StoreMode.Add;
    case WriteMode.Replace:
      return StoreMode.Replace;
    case WriteMode.Append:
      return StoreMode.Append;
    case WriteMode.Prepend:
      return StoreMode.Prepend;
    default:
      return -1;
  }
}

const textEncoder = new TextEncoder();

function storeModeFor(opCode: number): StoreMode {
  switch (opCode) {
    case OpCode.Add:
      return StoreMode.Add;
    case OpCode.Replace:
      return StoreMode.Replace;
    case OpCode.Append:
      return StoreMode.Append;
    case OpCode.Prepend:
      return StoreMode.Prepend;
    case OpCode.Cas:
      return StoreMode.Cas;
    default:
      return StoreMode.Set;
  }
}

/** memcached's per-class command counters (`stats slabs`), in the order of classCounts' fields. */
const CLASS_FIELDS = ['get_hits', 'cmd_set', 'delete_hits', 'incr_hits', 'decr_hits', 'cas_hits', 'cas_badval', 'touch_hits'] as const;
const GET_HITS = 0;
const CMD_SET = 1;
const DELETE_HITS = 2;
const INCR_HITS = 3;
const DECR_HITS = 4;
const CAS_HITS = 5;
const CAS_BADVAL = 6;
const TOUCH_HITS = 7;
/** memcached's MAX_NUMBER_OF_SLAB_CLASSES (63) is the most the store makes. */
const MAX_CLASSES = 64;
/** Ops whose keys are prefetched (Store.prefetch) before they are executed. */
const LOOK_AHEAD_OPS = 64;

export class ShardExecutor {
  readonly counters: ShardCommandCounters = emptyCommandCounters();
  // Room for the budget plus a few values of the default -I, so a batch that passes the budget grows once.
  private readonly replies = new ReplyBatchWriter(REPLY_BATCH_VALUE_BUDGET + 4 * 1024 * 1024);
  // Reused per item op: decoded args and the store's parameter objects.
  private readonly args = emptyItemOpArgs();
  private readonly readParams: ItemReadParams = {
    wantValue: false,
    noBump: false,
    touch: false,
    touchExpiresAtMs: 0,
    touchCondition: ExpireCondition.Always,
    vivify: false,
    vivifyExpiresAtMs: 0,
    recache: false,
    recacheBelowSeconds: 0,
    compareCasHigh: 0,
    compareCasLow: 0,
    newCasHigh: 0,
    newCasLow: 0,
  };
  private readonly writeParams: ItemWriteParams = {
    mode: StoreMode.Set,
    clientFlags: 0,
    expiresAtMs: 0,
    compareCasHigh: 0,
    compareCasLow: 0,
    newCasHigh: 0,
    newCasLow: 0,
    invalidate: false,
    vivify: false,
    vivifyExpiresAtMs: 0,
    keepExpiry: false,
    stringOnly: false,
  };
  private readonly deleteParams: ItemDeleteParams = {
    compareCasHigh: 0,
    compareCasLow: 0,
    newCasHigh: 0,
    newCasLow: 0,
    invalidate: false,
    hasExpiry: false,
    expiresAtMs: 0,
    dropValue: false,
  };
  private readonly arithmeticParams: ArithmeticParams = {
    incr: true,
    delta: 0n,
    signed: false,
    initial: 0n,
    vivify: false,
    vivifyExpiresAtMs: 0,
    touch: false,
    touchExpiresAtMs: 0,
    compareCasHigh: 0,
    compareCasLow: 0,
    newCasHigh: 0,
    newCasLow: 0,
  };

  /** Per-class command counters (memcached's `stats slabs` get_hits, cmd_set, ...), CLASS_FIELDS per class. */
  private readonly classCounts = new Float64Array(MAX_CLASSES * CLASS_FIELDS.length);

  /** Hot keys, per-prefix stats (`stats detail`), item sizes (`stats sizes`). */
  readonly keyStats = new ShardKeyStats();
  private readonly lookAheadHashes = new Uint32Array(LOOK_AHEAD_OPS);
  /** What Store.prefetch returned, kept only so that its loads are not dead code. */
  prefetchChecksum = 0;
  private readonly typed: TypedCommandExecutor;
  private readonly keyspace: KeyspaceExecutor;

  constructor(readonly store: Store) {
    this.typed = new TypedCommandExecutor(store, this.counters);
    this.keyspace = new KeyspaceExecutor(store);
  }

  /** Executes every op of `batch` in order; returns the reply batch as a view valid until the next call. */
  executeBatch(batch: Uint8Array, nowMs: number): Uint8Array {
    this.replies.reset();
    const request = new RequestBatchReader(batch);
    // Reads the same records LOOK_AHEAD_OPS at a time, just before they are executed.
    const ahead = new RequestBatchReader(batch);
    for (let i = 0; i < request.count; i++) {
      if (i % LOOK_AHEAD_OPS === 0) this.prefetchKeys(ahead);
      if (!request.read()) break;
      this.store.takeWrongType();
      if (request.keyLength > 0) this.keyStats.countKey(request.bytes, request.keyOffset, request.keyLength, request.hash, nowMs);
      const getHits = this.counters.get_hits;
      this.executeOne(request, nowMs);
      if (this.keyStats.prefixes !== null) {
        this.keyStats.recordPrefix(request.opCode, request.bytes, request.keyOffset, request.keyLength, this.counters.get_hits > getHits);
      }
      // A string op that met a Redis collection answered as for a missing key; Redis needs to know why.
      const wrongType = this.store.takeWrongType();
      if (wrongType >= 0) this.replies.markLastWrongType(wrongType);
    }
    return this.replies.finish();
  }

  /** Prefetches the keys of the next LOOK_AHEAD_OPS records of `ahead` (see Store.prefetch). */
  private prefetchKeys(ahead: RequestBatchReader): void {
    const hashes = this.lookAheadHashes;
    let n = 0;
    for (let i = 0; i < LOOK_AHEAD_OPS && ahead.read(); i++) if (ahead.keyLength > 0) hashes[n++] = ahead.hash;
    this.prefetchChecksum ^= this.store.prefetch(hashes, n);
  }

  /** A background expiry slice between batches. */
  crawl(maxChunks: number, nowMs: number): void {
    this.counters.crawler_reclaimed += this.store.crawlExpired(maxChunks, nowMs);
  }

  snapshot(): ShardStatsSnapshot {
    const stats = this.store.stats();
    for (const cls of stats.slab_classes) {
      const at = (cls.id - 1) * CLASS_FIELDS.length;
      CLASS_FIELDS.forEach((field, i) => (cls[field] = this.classCounts[at + i]!));
    }
    return { ...this.counters, ...stats, ...this.keyStats.snapshot() };
  }

  /** Counts `field` for the class of the item the op just found or wrote (nothing when none). */
  private countInClass(field: number): void {
    this.bump(this.store.takeItemClass(), field);
  }

  private bump(cls: number, field: number): void {
    if (cls >= 0) this.classCounts[cls * CLASS_FIELDS.length + field]!++;
  }

  private executeOne(op: RequestBatchReader, nowMs: number): void {
    const store = this.store;
    // Forget the class a previous op left, so a miss never counts against it.
    store.takeItemClass();
    const counters = this.counters;
    const key = op.bytes;
    switch (op.opCode) {
      case OpCode.Get: {
        counters.cmd_get++;
        const status = store.get(key, op.keyOffset, op.keyLength, op.hash, nowMs);
        if (status === StoreStatus.Ok) {
          counters.get_hits++;
          this.countInClass(GET_HITS);
        } else counters.get_misses++;
        this.replyWithValue(status);
        return;
      }
      case OpCode.GetAndTouch: {
        counters.cmd_get++;
        counters.cmd_touch++;
        const status = store.getAndTouch(key, op.keyOffset, op.keyLength, op.hash, op.expiresAtMs, nowMs);
        if (status === StoreStatus.Ok) {
          counters.get_hits++;
          counters.touch_hits++;
          const cls = this.store.takeItemClass();
          this.bump(cls, GET_HITS);
          this.bump(cls, TOUCH_HITS);
        } else {
          counters.get_misses++;
          counters.touch_misses++;
        }
        // Touched even when the value is refused, as memcached's gat touches before it writes the response.
        this.replyWithValue(status);
        return;
      }
      case OpCode.Set:
      case OpCode.Add:
      case OpCode.Replace:
      case OpCode.Append:
      case OpCode.Prepend:
      case OpCode.Cas: {
        counters.cmd_set++;
        const status = store.store(
          storeModeFor(op.opCode),
          key,
          op.keyOffset,
          op.keyLength,
          op.hash,
          op.bytes,
          op.valueOffset,
          op.valueLength,
          op.clientFlags,
          op.expiresAtMs,
          op.argHigh,
          op.argLow,
          nowMs,
        );
        const itemClass = store.takeItemClass();
        if (status === StoreStatus.Stored) this.bump(itemClass, CMD_SET);
        if (op.opCode === OpCode.Cas) {
          if (status === StoreStatus.Stored) counters.cas_hits++;
          else if (status === StoreStatus.Exists) counters.cas_badval++;
          if (status === StoreStatus.Stored) this.bump(itemClass, CAS_HITS);
          else if (status === StoreStatus.Exists) this.bump(itemClass, CAS_BADVAL);
          else if (status === StoreStatus.NotFound) counters.cas_misses++;
        }
        if (status === StoreStatus.TooLarge) counters.store_too_large++;
        else if (status === StoreStatus.NoMemory) counters.store_no_memory++;
        if (status === StoreStatus.Stored) {
          this.replies.append(status, 0, store.result.casLow, store.result.casHigh, null, 0, 0);
        } else {
          this.replies.appendStatus(status);
        }
        return;
      }
      case OpCode.Delete: {
        const status = store.delete(key, op.keyOffset, op.keyLength, op.hash, nowMs);
        if (status === StoreStatus.Ok) {
          counters.delete_hits++;
          this.countInClass(DELETE_HITS);
        } else counters.delete_misses++;
        this.replies.appendStatus(status);
        return;
      }
      case OpCode.Incr:
      case OpCode.Decr: {
        const incr = op.opCode === OpCode.Incr;
        const delta = (BigInt(op.argHigh) << 32n) | BigInt(op.argLow);
        const status = store.incrDecr(key, op.keyOffset, op.keyLength, op.hash, incr, delta, nowMs);
        if (status === StoreStatus.NotFound) {
          if (incr) counters.incr_misses++;
          else counters.decr_misses++;
        } else if (status === StoreStatus.Ok) {
          if (incr) counters.incr_hits++;
          else counters.decr_hits++;
          this.countInClass(incr ? INCR_HITS : DECR_HITS);
        }
        this.replyWithResult(status);
        return;
      }
      case OpCode.Touch: {
        counters.cmd_touch++;
        const status = store.touch(key, op.keyOffset, op.keyLength, op.hash, op.expiresAtMs, nowMs);
        if (status === StoreStatus.Ok) {
          counters.touch_hits++;
          this.countInClass(TOUCH_HITS);
        } else counters.touch_misses++;
        this.replies.appendStatus(status);
        return;
      }
      case OpCode.FlushAll:
        store.flushAll(op.expiresAtMs, nowMs);
        this.replies.appendStatus(StoreStatus.Ok);
        return;
      case OpCode.ResetStats:
        Object.assign(this.counters, emptyCommandCounters());
        store.resetStats();
        this.keyStats.reset();
        this.replies.appendStatus(StoreStatus.Ok);
        return;
      case OpCode.TypedCommand:
        this.typed.execute(op, nowMs, this.replies);
        return;
      case OpCode.KeyStatsControl:
      case OpCode.PrefixStatsDump:
      case OpCode.ItemSizes: {
        const json = this.keyStats.control(op.opCode, op.argLow, op.argHigh, store, nowMs);
        if (json === null) this.replies.appendStatus(StoreStatus.Ok);
        else this.replies.append(StoreStatus.Ok, 0, 0, 0, json, 0, json.length);
        return;
      }
      case OpCode.Stats: {
        const json = textEncoder.encode(JSON.stringify(this.snapshot()));
        this.replies.append(StoreStatus.Ok, 0, 0, 0, json, 0, json.length);
        return;
      }
      case OpCode.ItemRead:
      case OpCode.ItemWrite:
      case OpCode.ItemDelete:
      case OpCode.Arithmetic:
      case OpCode.ItemInfo:
      case OpCode.SetRange:
      case OpCode.FloatIncrement:
        if (!op.readItemArgs(this.args)) {
          this.replies.appendStatus(SHARD_FAILED_STATUS);
          return;
        }
        this.executeItemOp(op, nowMs);
        return;
      case OpCode.KeyScan:
      case OpCode.KeyDump:
      case OpCode.KeyRestore:
      case OpCode.KeyCopy:
      case OpCode.DatabaseSweep:
        if (op.readItemArgs(this.args)) this.keyspace.execute(op, this.args, this.replies, nowMs);
        else this.replies.appendStatus(SHARD_FAILED_STATUS);
        return;
      default:
        this.replies.appendStatus(SHARD_FAILED_STATUS);
    }
  }

  /** The item ops (meta commands, binary protocol): args decoded into this.args, payload at op.valueOffset. */
  private executeItemOp(op: RequestBatchReader, nowMs: number): void {
    const store = this.store;
    const counters = this.counters;
    const args = this.args;
    const options = args.options;
    const key = op.bytes;
    let status: StoreStatus;
    switch (op.opCode) {
      case OpCode.ItemRead: {
        const p = this.readParams;
        p.wantValue = (options & ItemOption.WantValue) !== 0;
        if (p.wantValue && this.replyBudgetSpent()) {
          // Refused before reading, so no win token or touch is handed out with a reply nobody gets.
          this.replies.appendStatus(REPLY_TOO_LARGE_STATUS);
          return;
        }
        p.noBump = (options & ItemOption.NoBump) !== 0;
        p.touch = (options & ItemOption.Touch) !== 0;
        p.touchExpiresAtMs = op.expiresAtMs;
        p.touchCondition = args.mode as ExpireCondition;
        p.vivify = (options & ItemOption.Vivify) !== 0;
        p.vivifyExpiresAtMs = args.secondExpiresAtMs;
        p.recache = (options & ItemOption.Recache) !== 0;
        p.recacheBelowSeconds = args.recacheBelowSeconds;
        p.compareCasHigh = op.argHigh;
        p.compareCasLow = op.argLow;
        p.newCasHigh = args.newCasHigh;
        p.newCasLow = args.newCasLow;
        status = store.readItem(key, op.keyOffset, op.keyLength, op.hash, p, nowMs);
        if (p.touch) {
          counters.cmd_touch++;
          if (status === StoreStatus.Ok) {
            counters.touch_hits++;
            this.countInClass(TOUCH_HITS);
          } else counters.touch_misses++;
        } else {
          counters.cmd_get++;
          if (status === StoreStatus.Ok) {
            counters.get_hits++;
            this.countInClass(GET_HITS);
          } else counters.get_misses++;
        }
        break;
      }
      case OpCode.ItemWrite: {
        const mode = writeModeToStoreMode(args.mode);
        if (mode === -1) {
          this.replies.appendStatus(SHARD_FAILED_STATUS);
          return;
        }
        const p = this.writeParams;
        p.mode = mode;
        p.clientFlags = op.clientFlags;
        p.expiresAtMs = op.expiresAtMs;
        p.compareCasHigh = op.argHigh;
        p.compareCasLow = op.argLow;
        p.newCasHigh = args.newCasHigh;
        p.newCasLow = args.newCasLow;
        p.invalidate = (options & ItemOption.Invalidate) !== 0;
        p.vivify = (options & ItemOption.Vivify) !== 0;
        p.vivifyExpiresAtMs = args.secondExpiresAtMs;
        p.keepExpiry = (options & ItemOption.KeepExpiry) !== 0;
        p.stringOnly = (options & ItemOption.StringOnly) !== 0;
        counters.cmd_set++;
        status = store.writeItem(key, op.keyOffset, op.keyLength, op.hash, op.bytes, op.valueOffset, op.valueLength, p, nowMs);
        const itemClass = store.takeItemClass();
        if (status === StoreStatus.Stored) this.bump(itemClass, CMD_SET);
        const compared = (op.argHigh !== 0 || op.argLow !== 0) && (mode === StoreMode.Set || mode === StoreMode.Replace);
        if (compared) {
          if (status === StoreStatus.Stored) counters.cas_hits++;
          else if (status === StoreStatus.Exists) counters.cas_badval++;
          if (status === StoreStatus.Stored) this.bump(itemClass, CAS_HITS);
          else if (status === StoreStatus.Exists) this.bump(itemClass, CAS_BADVAL);
          else if (status === StoreStatus.NotFound) counters.cas_misses++;
        }
        if (status === StoreStatus.TooLarge) counters.store_too_large++;
        else if (status === StoreStatus.NoMemory) counters.store_no_memory++;
        break;
      }
      case OpCode.ItemDelete: {
        const p = this.deleteParams;
        p.compareCasHigh = op.argHigh;
        p.compareCasLow = op.argLow;
        p.newCasHigh = args.newCasHigh;
        p.newCasLow = args.newCasLow;
        p.invalidate = (options & ItemOption.Invalidate) !== 0;
        p.hasExpiry = (options & ItemOption.StaleTtl) !== 0;
        p.expiresAtMs = args.secondExpiresAtMs;
        p.dropValue = (options & ItemOption.DropValue) !== 0;
        status = store.deleteItem(key, op.keyOffset, op.keyLength, op.hash, p, nowMs);
        if (status === StoreStatus.Ok) {
          counters.delete_hits++;
          this.countInClass(DELETE_HITS);
        } else counters.delete_misses++;
        break;
      }
      case OpCode.Arithmetic: {
        const p = this.arithmeticParams;
        p.incr = (options & ItemOption.Increment) !== 0;
        p.signed = (options & ItemOption.Signed) !== 0;
        p.delta = (BigInt(args.deltaHigh) << 32n) | BigInt(args.deltaLow);
        p.initial = (BigInt(args.initialHigh) << 32n) | BigInt(args.initialLow);
        p.vivify = (options & ItemOption.Vivify) !== 0;
        p.vivifyExpiresAtMs = args.secondExpiresAtMs;
        p.touch = (options & ItemOption.Touch) !== 0;
        p.touchExpiresAtMs = op.expiresAtMs;
        p.compareCasHigh = op.argHigh;
        p.compareCasLow = op.argLow;
        p.newCasHigh = args.newCasHigh;
        p.newCasLow = args.newCasLow;
        status = store.arithmetic(key, op.keyOffset, op.keyLength, op.hash, p, nowMs);
        if (status === StoreStatus.Ok) {
          if (p.incr) counters.incr_hits++;
          else counters.decr_hits++;
          this.countInClass(p.incr ? INCR_HITS : DECR_HITS);
        } else if (status === StoreStatus.NotFound) {
          if (p.incr) counters.incr_misses++;
          else counters.decr_misses++;
        }
        break;
      }
      case OpCode.SetRange: {
        const offset = args.deltaHigh * 2 ** 32 + args.deltaLow;
        counters.cmd_set++;
        status = store.setRange(key, op.keyOffset, op.keyLength, op.hash, op.bytes, op.valueOffset, op.valueLength, offset, nowMs);
        if (status === StoreStatus.TooLarge) counters.store_too_large++;
        else if (status === StoreStatus.NoMemory) counters.store_no_memory++;
        break;
      }
      case OpCode.FloatIncrement:
        status = store.floatIncrement(key, op.keyOffset, op.keyLength, op.hash, op.bytes, op.valueOffset, op.valueLength, nowMs);
        break;
      default:
        status = store.itemInfo(key, op.keyOffset, op.keyLength, op.hash, nowMs);
    }
    const itemKept = status === StoreStatus.Ok || status === StoreStatus.Stored;
    // A plain delete removed the item: nothing to describe.
    const removed = op.opCode === OpCode.ItemDelete && (options & (ItemOption.Invalidate | ItemOption.DropValue)) === 0;
    if (itemKept && !removed) this.replyWithItemInfo(status, nowMs);
    else this.replies.appendStatus(status);
  }

  /** Replies with the store's result and its item metadata (messages.ts, item info block). */
  private replyWithItemInfo(status: StoreStatus, nowMs: number): void {
    const r = this.store.result;
    const m = r.meta;
    const ttlSeconds = m.expiresAtMs === 0 ? -1 : Math.max(0, Math.ceil((m.expiresAtMs - nowMs) / 1000));
    const idleSeconds = Math.max(0, Math.floor(nowMs / 1000) - m.lastAccessSeconds);
    // Reported as memcached computes it, so `me` / `s` agree with the real server.
    const itemSize = MEMCACHED_ITEM_OVERHEAD + m.keyLength + m.valueSize + (r.clientFlags !== 0 ? MEMCACHED_FLAGS_SUFFIX : 0);
    let bits = 0;
    if (m.hitBefore) bits |= ItemInfoBit.HitBefore;
    if (m.won) bits |= ItemInfoBit.Won;
    if (m.stale) bits |= ItemInfoBit.Stale;
    if (m.winTokenSent) bits |= ItemInfoBit.WinTokenSent;
    if (m.valueSent) bits |= ItemInfoBit.ValueSent;
    if (m.created) bits |= ItemInfoBit.Created;
    const valueLength = m.valueSent ? r.valueLength : 0;
    this.replies.appendWithItemInfo(
      status,
      r.clientFlags,
      r.casLow,
      r.casHigh,
      ttlSeconds,
      m.expiresAtMs,
      idleSeconds,
      itemSize,
      m.valueSize,
      m.slabClassId,
      bits,
      r.valueBytes,
      r.valueOffset,
      valueLength,
    );
  }

  /** Whether the reply batch already holds its budget (judged before adding, so one value always fits). */
  private replyBudgetSpent(): boolean {
    return this.replies.length >= REPLY_BATCH_VALUE_BUDGET;
  }

  /** A get hit's value, or REPLY_TOO_LARGE_STATUS once the batch's budget is spent. */
  private replyWithValue(status: StoreStatus): void {
    if (status === StoreStatus.Ok && this.replyBudgetSpent()) this.replies.appendStatus(REPLY_TOO_LARGE_STATUS);
    else this.replyWithResult(status);
  }

  /** Replies with the store's result (value, flags, CAS) on Ok, the bare status otherwise. */
  private replyWithResult(status: StoreStatus): void {
    if (status !== StoreStatus.Ok) {
      this.replies.appendStatus(status);
      return;
    }
    const r = this.store.result;
    this.replies.append(status, r.clientFlags, r.casLow, r.casHigh, r.valueBytes, r.valueOffset, r.valueLength);
  }
}
