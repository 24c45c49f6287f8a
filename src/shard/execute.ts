/**
 * Runs one request batch against a store and writes one reply per op. The only
 * module that knows both the message contract and the store. Never throws on
 * the data path: an unknown op gets SHARD_FAILED_STATUS.
 */
import { Store } from '../store/store';
import { StoreMode, StoreStatus } from '../store/types';
import { OpCode, SHARD_FAILED_STATUS, type ShardCommandCounters } from './messages';
import { ReplyBatchWriter, RequestBatchReader } from './batch-codec';
import { emptyCommandCounters, type ShardStatsSnapshot } from './shard-stats';

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

export class ShardExecutor {
  readonly counters: ShardCommandCounters = emptyCommandCounters();
  private readonly replies = new ReplyBatchWriter();

  constructor(readonly store: Store) {}

  /** Executes every op of `batch` in order; returns the reply batch as a view valid until the next call. */
  executeBatch(batch: Uint8Array, nowMs: number): Uint8Array {
    this.replies.reset();
    const request = new RequestBatchReader(batch);
    for (let i = 0; i < request.count; i++) {
      if (!request.read()) break;
      this.executeOne(request, nowMs);
    }
    return this.replies.finish();
  }

  /** A background expiry slice between batches. */
  crawl(maxChunks: number, nowMs: number): void {
    this.counters.crawler_reclaimed += this.store.crawlExpired(maxChunks, nowMs);
  }

  snapshot(): ShardStatsSnapshot {
    return { ...this.counters, ...this.store.stats() };
  }

  private executeOne(op: RequestBatchReader, nowMs: number): void {
    const store = this.store;
    const counters = this.counters;
    const key = op.bytes;
    switch (op.opCode) {
      case OpCode.Get: {
        counters.cmd_get++;
        const status = store.get(key, op.keyOffset, op.keyLength, op.hash, nowMs);
        if (status === StoreStatus.Ok) counters.get_hits++;
        else counters.get_misses++;
        this.replyWithResult(status);
        return;
      }
      case OpCode.GetAndTouch: {
        counters.cmd_get++;
        counters.cmd_touch++;
        const status = store.getAndTouch(key, op.keyOffset, op.keyLength, op.hash, op.expiresAtMs, nowMs);
        if (status === StoreStatus.Ok) {
          counters.get_hits++;
          counters.touch_hits++;
        } else {
          counters.get_misses++;
          counters.touch_misses++;
        }
        this.replyWithResult(status);
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
        if (op.opCode === OpCode.Cas) {
          if (status === StoreStatus.Stored) counters.cas_hits++;
          else if (status === StoreStatus.Exists) counters.cas_badval++;
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
        if (status === StoreStatus.Ok) counters.delete_hits++;
        else counters.delete_misses++;
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
        }
        this.replyWithResult(status);
        return;
      }
      case OpCode.Touch: {
        counters.cmd_touch++;
        const status = store.touch(key, op.keyOffset, op.keyLength, op.hash, op.expiresAtMs, nowMs);
        if (status === StoreStatus.Ok) counters.touch_hits++;
        else counters.touch_misses++;
        this.replies.appendStatus(status);
        return;
      }
      case OpCode.FlushAll:
        store.flushAll(op.expiresAtMs, nowMs);
        this.replies.appendStatus(StoreStatus.Ok);
        return;
      case OpCode.Stats: {
        const json = textEncoder.encode(JSON.stringify(this.snapshot()));
        this.replies.append(StoreStatus.Ok, 0, 0, 0, json, 0, json.length);
        return;
      }
      default:
        this.replies.appendStatus(SHARD_FAILED_STATUS);
    }
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
