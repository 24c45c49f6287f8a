/**
 * Protocol-neutral routing: every op names a key (bytes); the router hashes it,
 * picks the shard on the ring, and queues the op on that shard's batch. Ops for
 * every shard (flush_all, stats) are broadcast. Protocol front-ends call these
 * methods and receive replies through a ReplySink; they never see shards.
 */
import { emptyItemOpArgs, encodeTypedArgs } from '../shard/batch-codec';
import { ItemOption, KeyspaceOption, OpCode } from '../shard/messages';
import type { ReplySink, ShardClient } from '../shard/shard-client';
import { hashBytes } from '../util/hash';
import { HashRing } from './hash-ring';
import {
  u64High,
  u64Low,
  type ArithmeticRequest,
  type DumpedItem,
  type ItemDeleteRequest,
  type ItemReadRequest,
  type ItemWriteRequest,
  type KeyScanRequest,
} from './item-ops';

export { OpCode } from '../shard/messages';
export type { ReplySink } from '../shard/shard-client';
export type { ReplyBatchReader as ShardReply } from '../shard/batch-codec';
export * from './item-ops';

/** The key of key-less item ops (scans, sweeps). */
const NO_KEY = new Uint8Array(0);

/** Storage modes as op codes, for front-ends. */
export type StorageOpCode =
  | typeof OpCode.Set
  | typeof OpCode.Add
  | typeof OpCode.Replace
  | typeof OpCode.Append
  | typeof OpCode.Prepend
  | typeof OpCode.Cas;

/**
 * Told of every op that may change a key, in submission order, before the
 * shard runs it (Redis WATCH is built on this). Must be cheap: it runs per write.
 */
export interface WriteObserver {
  keyWritten(key: Uint8Array): void;
  flushed(): void;
}

export class Router {
  private readonly ring: HashRing;
  /** Null unless something (WATCH) needs to hear of writes. */
  writeObserver: WriteObserver | null = null;
  /** Scratch args for item ops: filled and copied into the batch within one call. */
  private readonly itemArgs = emptyItemOpArgs();

  constructor(private readonly shards: readonly ShardClient[]) {
    this.ring = new HashRing(shards.length);
  }

  get shardCount(): number {
    return this.shards.length;
  }

  shardIndexFor(key: Uint8Array): number {
    return this.ring.shardFor(hashBytes(key, 0, key.length));
  }

  get(key: Uint8Array, sink: ReplySink, tag: number): void {
    this.keyed(OpCode.Get, key, null, 0, 0, 0, 0, sink, tag);
  }

  getAndTouch(key: Uint8Array, expiresAtMs: number, sink: ReplySink, tag: number): void {
    this.keyed(OpCode.GetAndTouch, key, null, 0, expiresAtMs, 0, 0, sink, tag);
  }

  store(
    opCode: StorageOpCode,
    key: Uint8Array,
    value: Uint8Array,
    clientFlags: number,
    expiresAtMs: number,
    casHigh: number,
    casLow: number,
    sink: ReplySink,
    tag: number,
  ): void {
    this.keyed(opCode, key, value, clientFlags, expiresAtMs, casLow, casHigh, sink, tag);
  }

  delete(key: Uint8Array, sink: ReplySink, tag: number): void {
    this.keyed(OpCode.Delete, key, null, 0, 0, 0, 0, sink, tag);
  }

  touch(key: Uint8Array, expiresAtMs: number, sink: ReplySink, tag: number): void {
    this.keyed(OpCode.Touch, key, null, 0, expiresAtMs, 0, 0, sink, tag);
  }

  /** incr/decr by a u64 delta. */
  incrDecr(incr: boolean, key: Uint8Array, delta: bigint, sink: ReplySink, tag: number): void {
    const low = Number(delta & 0xffffffffn);
    const high = Number((delta >> 32n) & 0xffffffffn);
    this.keyed(incr ? OpCode.Incr : OpCode.Decr, key, null, 0, 0, low, high, sink, tag);
  }

  /**
   * Meta `mg`, binary get/getk/gat/touch. Reply: Ok with item info (and the value when
   * `replyHasValue`) | NotFound. See ItemReadRequest and the accessors in item-ops.ts.
   */
  readItem(key: Uint8Array, request: ItemReadRequest, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(request.newCas);
    let options = 0;
    if (request.wantValue) options |= ItemOption.WantValue;
    if (request.noBump) options |= ItemOption.NoBump;
    if (request.touchExpiresAtMs !== null) options |= ItemOption.Touch;
    if (request.vivifyExpiresAtMs !== null) {
      options |= ItemOption.Vivify;
      args.secondExpiresAtMs = request.vivifyExpiresAtMs;
    }
    if (request.recacheBelowSeconds !== null) {
      options |= ItemOption.Recache;
      args.recacheBelowSeconds = request.recacheBelowSeconds;
    }
    args.options = options;
    args.mode = request.touchCondition ?? 0;
    // A read that touches or creates the item writes it.
    if (request.touchExpiresAtMs !== null || request.vivifyExpiresAtMs !== null) this.writeObserver?.keyWritten(key);
    const cas = request.compareCas;
    this.keyedItemOp(OpCode.ItemRead, key, null, 0, request.touchExpiresAtMs ?? 0, u64Low(cas), u64High(cas), sink, tag);
  }

  /**
   * Meta `ms`, binary set/add/replace/append/prepend. Reply: Stored (item info, new CAS) |
   * NotStored | Exists | NotFound | TooLarge | NoMemory. See ItemWriteRequest.
   */
  writeItem(key: Uint8Array, request: ItemWriteRequest, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(request.newCas);
    args.mode = request.mode;
    let options = 0;
    if (request.invalidate) options |= ItemOption.Invalidate;
    if (request.vivifyExpiresAtMs !== null) {
      options |= ItemOption.Vivify;
      args.secondExpiresAtMs = request.vivifyExpiresAtMs;
    }
    if (request.keepExpiry === true) options |= ItemOption.KeepExpiry;
    if (request.stringOnly === true) options |= ItemOption.StringOnly;
    args.options = options;
    const cas = request.compareCas;
    this.keyedItemOp(OpCode.ItemWrite, key, request.value, request.clientFlags, request.expiresAtMs, u64Low(cas), u64High(cas), sink, tag);
  }

  /** Meta `md`, binary delete. Reply: Ok | NotFound | Exists. See ItemDeleteRequest. */
  deleteItem(key: Uint8Array, request: ItemDeleteRequest, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(request.newCas);
    let options = 0;
    if (request.invalidate) options |= ItemOption.Invalidate;
    if (request.invalidateExpiresAtMs !== null) {
      options |= ItemOption.StaleTtl;
      args.secondExpiresAtMs = request.invalidateExpiresAtMs;
    }
    if (request.dropValueKeepItem) options |= ItemOption.DropValue;
    args.options = options;
    const cas = request.compareCas;
    this.keyedItemOp(OpCode.ItemDelete, key, null, 0, 0, u64Low(cas), u64High(cas), sink, tag);
  }

  /**
   * Meta `ma`, binary incr/decr. Reply: Ok (value = new decimal value, item info) | NotFound |
   * NonNumeric | Exists | NotStored | NoMemory. See ArithmeticRequest.
   */
  arithmetic(key: Uint8Array, request: ArithmeticRequest, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(request.newCas);
    let options = request.incr ? ItemOption.Increment : 0;
    if (request.touchExpiresAtMs !== null) options |= ItemOption.Touch;
    if (request.vivifyExpiresAtMs !== null) {
      options |= ItemOption.Vivify;
      args.secondExpiresAtMs = request.vivifyExpiresAtMs;
    }
    args.options = options;
    args.deltaLow = u64Low(request.delta);
    args.deltaHigh = u64High(request.delta);
    args.initialLow = u64Low(request.initial);
    args.initialHigh = u64High(request.initial);
    const cas = request.compareCas;
    this.keyedItemOp(OpCode.Arithmetic, key, null, 0, request.touchExpiresAtMs ?? 0, u64Low(cas), u64High(cas), sink, tag);
  }

  /**
   * Redis INCRBY/DECRBY: adds a signed int64 delta; a missing key counts as 0 and is created.
   * Reply: Ok (value = new decimal value, item info) | NonNumeric | Overflow | NoMemory.
   */
  signedIncrement(key: Uint8Array, delta: bigint, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(0n);
    // Increment is set for counting only (incr_hits / decr_hits in stats).
    args.options = ItemOption.Signed | (delta >= 0n ? ItemOption.Increment : 0);
    const asUnsigned = BigInt.asUintN(64, delta);
    args.deltaLow = u64Low(asUnsigned);
    args.deltaHigh = u64High(asUnsigned);
    this.keyedItemOp(OpCode.Arithmetic, key, null, 0, 0, 0, 0, sink, tag);
  }

  /**
   * Redis SETRANGE: writes `patch` at byte `offset` (zero-padded), keeping flags and expiry.
   * Reply: Stored | Ok (empty patch, key exists) | NotFound (empty patch, key missing) | TooLarge |
   * NoMemory; item info (valueSize = the value's length) on Stored and Ok.
   */
  setRange(key: Uint8Array, offset: number, patch: Uint8Array, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(0n);
    args.deltaLow = offset % 2 ** 32;
    args.deltaHigh = Math.floor(offset / 2 ** 32);
    this.keyedItemOp(OpCode.SetRange, key, patch, 0, 0, 0, 0, sink, tag);
  }

  /**
   * Redis INCRBYFLOAT: adds the float `increment` (its text) in the shard; a missing key counts as 0.
   * Reply: Ok (value = the new text, item info) | NonNumeric | Overflow (infinite or NaN) | NoMemory.
   */
  floatIncrement(key: Uint8Array, increment: Uint8Array, sink: ReplySink, tag: number): void {
    this.resetItemArgs(0n);
    this.keyedItemOp(OpCode.FloatIncrement, key, increment, 0, 0, 0, 0, sink, tag);
  }

  /**
   * Meta `me`: the item's metadata without touching it (no bump, no fetched mark).
   * Reply: Ok with item info (TTL, idle seconds, CAS, hit before, slab class, size) | NotFound.
   */
  itemInfo(key: Uint8Array, sink: ReplySink, tag: number): void {
    this.resetItemArgs(0n);
    this.keyedItemOp(OpCode.ItemInfo, key, null, 0, 0, 0, 0, sink, tag);
  }

  /**
   * A Redis typed-value command (`store/typed`) on one key: `name` as registered, `args` without the
   * name and the key. `write` tells WATCH the key may change. Reply: Ok with an encoded TypedReply
   * (`decodeTypedReply` in item-ops.ts) | SHARD_FAILED_STATUS.
   */
  typedCommand(key: Uint8Array, name: string, args: readonly Uint8Array[], write: boolean, sink: ReplySink, tag: number): void {
    if (write) this.writeObserver?.keyWritten(key);
    const hash = hashBytes(key, 0, key.length);
    this.shards[this.ring.shardFor(hash)]!.enqueue(OpCode.TypedCommand, key, hash, encodeTypedArgs(name, args), 0, 0, 0, 0, sink, tag);
  }

  /** SCAN / KEYS / RANDOMKEY on shard `shardIndex`. Reply: Ok (see replyScanCursor, replyScannedKeys). */
  scanShard(shardIndex: number, request: KeyScanRequest, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(0n);
    let options = request.random ? KeyspaceOption.Random : 0;
    if (request.itemType !== null) {
      options |= KeyspaceOption.TypeFilter;
      args.initialLow = request.itemType;
    }
    if (request.pattern !== null) options |= KeyspaceOption.PatternFilter;
    args.options = options;
    args.mode = request.database;
    args.deltaLow = request.wantedKeys;
    args.deltaHigh = request.maxWork;
    this.shards[shardIndex]!.enqueueItemOp(OpCode.KeyScan, NO_KEY, 0, args, request.pattern, 0, 0, request.cursor, 0, sink, tag);
  }

  /** The item at `key` whole, for RENAME/COPY/MOVE across shards. Reply: Ok (replyDumpedItem) | NotFound. */
  dumpKey(key: Uint8Array, sink: ReplySink, tag: number): void {
    this.resetItemArgs(0n);
    this.keyedItemOp(OpCode.KeyDump, key, null, 0, 0, 0, 0, sink, tag);
  }

  /** Writes a dumped item at `key`. Reply: Stored | NotStored (onlyIfMissing, key exists) | TooLarge | NoMemory. */
  restoreKey(key: Uint8Array, item: DumpedItem, onlyIfMissing: boolean, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(0n);
    args.mode = item.itemType;
    args.options = onlyIfMissing ? KeyspaceOption.OnlyIfMissing : 0;
    this.keyedItemOp(OpCode.KeyRestore, key, item.value, item.clientFlags, item.expiresAtMs, 0, 0, sink, tag);
  }

  /**
   * RENAME/COPY/MOVE when both keys are on one shard (`shardIndexFor` agrees): one op.
   * Reply: Stored | NotFound (no source) | NotStored (onlyIfMissing, target exists) | TooLarge | NoMemory.
   */
  copyKey(source: Uint8Array, target: Uint8Array, onlyIfMissing: boolean, removeSource: boolean, sink: ReplySink, tag: number): void {
    const args = this.resetItemArgs(0n);
    args.options = (onlyIfMissing ? KeyspaceOption.OnlyIfMissing : 0) | (removeSource ? KeyspaceOption.RemoveSource : 0);
    this.writeObserver?.keyWritten(target);
    this.keyedItemOp(OpCode.KeyCopy, source, target, 0, 0, 0, 0, sink, tag);
  }

  /**
   * Counts (DBSIZE) or removes (FLUSHDB) every item of a logical database on every shard; the
   * sink gets one reply per shard (replyItemCount), tagged with the shard index.
   */
  sweepDatabase(database: number, remove: boolean, sink: ReplySink): void {
    if (remove) this.writeObserver?.flushed();
    for (let i = 0; i < this.shards.length; i++) {
      const args = this.resetItemArgs(0n);
      args.mode = database;
      args.options = remove ? KeyspaceOption.Remove : 0;
      this.shards[i]!.enqueueItemOp(OpCode.DatabaseSweep, NO_KEY, 0, args, null, 0, 0, 0, 0, sink, i);
    }
  }

  /** Sends a key-less op to every shard; the sink gets one reply per shard, tagged with the shard index. */
  broadcast(opCode: typeof OpCode.FlushAll | typeof OpCode.Stats | typeof OpCode.ResetStats, expiresAtMs: number, sink: ReplySink): void {
    if (opCode === OpCode.FlushAll) this.writeObserver?.flushed();
    for (let i = 0; i < this.shards.length; i++) {
      this.shards[i]!.enqueue(opCode, null, 0, null, 0, expiresAtMs, 0, 0, sink, i);
    }
  }

  private resetItemArgs(newCas: bigint) {
    const args = this.itemArgs;
    args.options = 0;
    args.mode = 0;
    args.secondExpiresAtMs = 0;
    args.newCasLow = newCas === 0n ? 0 : u64Low(newCas);
    args.newCasHigh = newCas === 0n ? 0 : u64High(newCas);
    args.deltaLow = 0;
    args.deltaHigh = 0;
    args.initialLow = 0;
    args.initialHigh = 0;
    args.recacheBelowSeconds = 0;
    return args;
  }

  private keyedItemOp(
    opCode: number,
    key: Uint8Array,
    payload: Uint8Array | null,
    clientFlags: number,
    expiresAtMs: number,
    compareCasLow: number,
    compareCasHigh: number,
    sink: ReplySink,
    tag: number,
  ): void {
    if (opCode !== OpCode.ItemRead && opCode !== OpCode.ItemInfo && opCode !== OpCode.KeyDump) this.writeObserver?.keyWritten(key);
    const hash = hashBytes(key, 0, key.length);
    this.shards[this.ring.shardFor(hash)]!.enqueueItemOp(
      opCode,
      key,
      hash,
      this.itemArgs,
      payload,
      clientFlags,
      expiresAtMs,
      compareCasLow,
      compareCasHigh,
      sink,
      tag,
    );
  }

  private keyed(
    opCode: number,
    key: Uint8Array,
    value: Uint8Array | null,
    clientFlags: number,
    expiresAtMs: number,
    argLow: number,
    argHigh: number,
    sink: ReplySink,
    tag: number,
  ): void {
    if (opCode !== OpCode.Get) this.writeObserver?.keyWritten(key);
    const hash = hashBytes(key, 0, key.length);
    this.shards[this.ring.shardFor(hash)]!.enqueue(opCode, key, hash, value, clientFlags, expiresAtMs, argLow, argHigh, sink, tag);
  }
}
