/**
 * The shard side of OpCode.TypedCommand: the generic executor every Redis typed-value command
 * (hash, set, HyperLogLog, list, zset) goes through. For one op it
 *
 *  1. looks the command up in the `store/typed` registry (unknown → SHARD_FAILED_STATUS),
 *  2. reads the key's item with its type; an item of another type than the definition's is
 *     answered `WRONGTYPE ...` without running anything,
 *  3. runs the definition on a view of the value (valid only during `run`),
 *  4. writes `next` back with the definition's item type, keeping the item's expiry (or deletes
 *     the key on null); a value over the item size limit is refused and the old value stays,
 *  5. replies Ok with the encoded TypedReply (`store/typed/typed-reply-codec.ts`).
 *
 * Counted as memcached counts: a write command is a cmd_set, a read is a cmd_get with a hit or a
 * miss. May import the store, `store/typed` and the shard's codec; nothing of the main thread.
 */
import type { Store } from '../store/store';
import { StoreStatus } from '../store/types';
import '../store/typed/index';
import {
  ERR_TOO_LARGE,
  ERR_WRONGTYPE,
  ITEM_TYPE_ANY,
  errorReply,
  typedCommand,
  type TypedCommandContext,
  type TypedReply,
} from '../store/typed/typed-command';
import { encodeTypedReply } from '../store/typed/typed-reply-codec';
import { decodeTypedArgs, type ReplyBatchWriter, type RequestBatchReader } from './batch-codec';
import { SHARD_FAILED_STATUS, type ShardCommandCounters } from './messages';

/** Redis's text when maxmemory refuses a write; ours when no chunk can be had. */
const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const ERR_INTERNAL = 'ERR internal error in typed command';

class Context implements TypedCommandContext {
  nowMs = 0;
  random(): number {
    return Math.random();
  }
}

export class TypedCommandExecutor {
  private readonly context = new Context();

  constructor(
    private readonly store: Store,
    private readonly counters: ShardCommandCounters,
  ) {}

  execute(op: RequestBatchReader, nowMs: number, replies: ReplyBatchWriter): void {
    const decoded = decodeTypedArgs(op.bytes, op.valueOffset, op.valueLength);
    const definition = decoded === null ? undefined : typedCommand(decoded.name);
    if (decoded === null || definition === undefined) {
      replies.appendStatus(SHARD_FAILED_STATUS);
      return;
    }
    const store = this.store;
    const counters = this.counters;
    const key = op.bytes;
    if (definition.write) counters.cmd_set++;
    else counters.cmd_get++;
    const itemType = store.typedRead(key, op.keyOffset, op.keyLength, op.hash, nowMs);
    if (!definition.write) {
      if (itemType >= 0) counters.get_hits++;
      else counters.get_misses++;
    }
    let reply: TypedReply;
    if (itemType >= 0 && definition.itemType !== ITEM_TYPE_ANY && itemType !== definition.itemType) {
      reply = errorReply(ERR_WRONGTYPE);
    } else {
      const r = store.result;
      const current = itemType >= 0 ? r.valueBytes.subarray(r.valueOffset, r.valueOffset + r.valueLength) : null;
      this.context.nowMs = nowMs;
      try {
        const result = definition.run(current, decoded.args, this.context);
        reply = result.reply;
        if (result.next === null) {
          if (itemType >= 0) store.delete(key, op.keyOffset, op.keyLength, op.hash, nowMs);
        } else if (result.next !== undefined) {
          const next = result.next;
          const nextType = result.nextItemType ?? definition.itemType;
          // An ITEM_TYPE_ANY helper must say what it writes.
          if (nextType < 0) throw new Error(`typed command ${definition.name} wrote without an item type`);
          const status = store.typedWrite(
            key,
            op.keyOffset,
            op.keyLength,
            op.hash,
            nextType,
            next,
            0,
            next.length,
            result.nextExpiresAtMs ?? -1,
            nowMs,
          );
          if (status === StoreStatus.TooLarge) {
            counters.store_too_large++;
            reply = errorReply(ERR_TOO_LARGE);
          } else if (status === StoreStatus.NoMemory) {
            counters.store_no_memory++;
            reply = errorReply(ERR_OOM);
          }
        }
      } catch {
        // A type module must not throw; if one does, the shard answers instead of dying.
        reply = errorReply(ERR_INTERNAL);
      }
    }
    const bytes = encodeTypedReply(reply);
    replies.append(StoreStatus.Ok, 0, 0, 0, bytes, 0, bytes.length);
  }
}
