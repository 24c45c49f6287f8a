/**
 * Protocol-neutral routing: every op names a key (bytes); the router hashes it,
 * picks the shard on the ring, and queues the op on that shard's batch. Ops for
 * every shard (flush_all, stats) are broadcast. Protocol front-ends call these
 * methods and receive replies through a ReplySink; they never see shards.
 */
import { OpCode } from '../shard/messages';
import type { ReplySink, ShardClient } from '../shard/shard-client';
import { hashBytes } from '../util/hash';
import { HashRing } from './hash-ring';

export { OpCode } from '../shard/messages';
export type { ReplySink } from '../shard/shard-client';
export type { ReplyBatchReader as ShardReply } from '../shard/batch-codec';

/** Storage modes as op codes, for front-ends. */
export type StorageOpCode =
  | typeof OpCode.Set
  | typeof OpCode.Add
  | typeof OpCode.Replace
  | typeof OpCode.Append
  | typeof OpCode.Prepend
  | typeof OpCode.Cas;

export class Router {
  private readonly ring: HashRing;

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

  /** Sends a key-less op to every shard; the sink gets one reply per shard, tagged with the shard index. */
  broadcast(opCode: typeof OpCode.FlushAll | typeof OpCode.Stats, expiresAtMs: number, sink: ReplySink): void {
    for (let i = 0; i < this.shards.length; i++) {
      this.shards[i]!.enqueue(opCode, null, 0, null, 0, expiresAtMs, 0, 0, sink, i);
    }
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
    const hash = hashBytes(key, 0, key.length);
    this.shards[this.ring.shardFor(hash)]!.enqueue(opCode, key, hash, value, clientFlags, expiresAtMs, argLow, argHigh, sink, tag);
  }
}
