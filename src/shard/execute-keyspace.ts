/**
 * The shard side of the Redis keyspace commands (op codes 30–34, layouts in
 * messages.ts under KEYSPACE): SCAN / KEYS / RANDOMKEY slices over the hash
 * index, the raw dump and restore that move an item of any type between
 * shards (never decoding its value), the same-shard copy, and the
 * per-database count and flush.
 *
 * Filtering happens here, so only matching keys cross threads: the
 * database test below mirrors `server/resp-keyspace.ts` (keys of database
 * N ≠ 0 are stored as `\n`, N, key; database 0 owns every other key, and
 * `\n`, 0, key for keys that start with `\n`), and MATCH uses Redis's glob.
 *
 * Called only from execute.ts. May import the store, the message contract,
 * the batch codec, `src/util` and the pure glob matcher of
 * `src/protocol/resp/glob.ts` (it imports nothing); no sockets, no router.
 */
import { globMatchBytes } from '../protocol/resp/glob';
import type { ItemVisitor, Store } from '../store/store';
import { StoreStatus } from '../store/types';
import { hashBytes } from '../util/hash';
import type { ReplyBatchWriter, RequestBatchReader } from './batch-codec';
import { KEY_DUMP_HEADER_BYTES, KeyspaceOption, OpCode, SHARD_FAILED_STATUS, type ItemOpArgs } from './messages';

const DATABASE_MARKER = 0x0a;
const TWO_32 = 4294967296;
const SCRATCH_INITIAL_BYTES = 16 * 1024;
const SCRATCH_KEEP_BYTES = 1024 * 1024;

/** Where the client's key starts inside a stored key of `database`, or -1 when it belongs to another database. */
function keyStartInDatabase(database: number, u8: Uint8Array, keyAt: number, keyLength: number): number {
  if (keyLength > 0 && u8[keyAt] === DATABASE_MARKER) {
    // A bare "\n" (memcached binary keys may be anything) is no RESP database's key.
    if (keyLength < 2) return -1;
    return u8[keyAt + 1] === database ? 2 : -1;
  }
  return database === 0 ? 0 : -1;
}

export class KeyspaceExecutor {
  /** Reply value scratch (scanned keys, dumped items), reused: the reply writer copies it. */
  private out = new Uint8Array(SCRATCH_INITIAL_BYTES);
  private outLength = 0;
  private outView = new DataView(this.out.buffer);

  // The current KeyScan's filter, read by the visitor (one closure for all scans).
  private database = 0;
  private itemType = -1;
  private pattern: Uint8Array | null = null;
  private keyLimit = Infinity;
  private keysKept = 0;

  private readonly scanVisitor: ItemVisitor = (u8, keyAt, keyLength, itemType) => {
    const start = keyStartInDatabase(this.database, u8, keyAt, keyLength);
    if (start < 0) return false;
    if (this.itemType >= 0 && itemType !== this.itemType) return false;
    const key = u8.subarray(keyAt + start, keyAt + keyLength);
    if (this.pattern !== null && !globMatchBytes(this.pattern, key)) return false;
    if (this.keysKept < this.keyLimit) {
      this.appendKey(key);
      this.keysKept++;
    }
    return true;
  };

  private readonly databaseVisitor: ItemVisitor = (u8, keyAt, keyLength) =>
    keyStartInDatabase(this.database, u8, keyAt, keyLength) >= 0;

  constructor(private readonly store: Store) {}

  /** Runs one keyspace op whose args block is already decoded into `args`. */
  execute(op: RequestBatchReader, args: ItemOpArgs, replies: ReplyBatchWriter, nowMs: number): void {
    switch (op.opCode) {
      case OpCode.KeyScan:
        return this.scan(op, args, replies, nowMs);
      case OpCode.KeyDump:
        return this.dump(op, replies, nowMs);
      case OpCode.KeyRestore: {
        const status = this.store.restoreItem(
          op.bytes,
          op.keyOffset,
          op.keyLength,
          op.hash,
          op.bytes,
          op.valueOffset,
          op.valueLength,
          args.mode,
          op.clientFlags,
          op.expiresAtMs,
          (args.options & KeyspaceOption.OnlyIfMissing) !== 0,
          nowMs,
        );
        return replies.appendStatus(status);
      }
      case OpCode.KeyCopy: {
        const status = this.store.copyItem(
          op.bytes,
          op.keyOffset,
          op.keyLength,
          op.hash,
          op.bytes,
          op.valueOffset,
          op.valueLength,
          hashBytes(op.bytes, op.valueOffset, op.valueLength),
          (args.options & KeyspaceOption.OnlyIfMissing) !== 0,
          (args.options & KeyspaceOption.RemoveSource) !== 0,
          nowMs,
        );
        return replies.appendStatus(status);
      }
      case OpCode.DatabaseSweep: {
        this.database = args.mode;
        const count = this.store.sweepItems((args.options & KeyspaceOption.Remove) !== 0, nowMs, this.databaseVisitor);
        return replies.append(StoreStatus.Ok, 0, count >>> 0, Math.floor(count / TWO_32), null, 0, 0);
      }
      default:
        return replies.appendStatus(SHARD_FAILED_STATUS);
    }
  }

  private scan(op: RequestBatchReader, args: ItemOpArgs, replies: ReplyBatchWriter, nowMs: number): void {
    const options = args.options;
    this.database = args.mode;
    this.itemType = (options & KeyspaceOption.TypeFilter) !== 0 ? args.initialLow : -1;
    this.pattern = (options & KeyspaceOption.PatternFilter) !== 0 ? op.bytes.subarray(op.valueOffset, op.valueOffset + op.valueLength) : null;
    this.outLength = 0;
    this.keysKept = 0;
    const maxWork = args.deltaHigh === 0 ? Infinity : args.deltaHigh;
    let next: number;
    if ((options & KeyspaceOption.Random) !== 0) {
      this.keyLimit = 1;
      // From a random bucket to the end of the pass, then from the start if that found nothing.
      const start = Math.floor(Math.random() * TWO_32);
      next = this.store.scanKeys(start, maxWork, 1, nowMs, this.scanVisitor);
      if (this.keysKept === 0 && next === 0) this.store.scanKeys(0, maxWork, 1, nowMs, this.scanVisitor);
      next = 0;
    } else {
      this.keyLimit = Infinity;
      const wanted = args.deltaLow === 0 ? Infinity : args.deltaLow;
      next = this.store.scanKeys(op.argLow, maxWork, wanted, nowMs, this.scanVisitor);
    }
    this.pattern = null;
    replies.append(StoreStatus.Ok, 0, next, 0, this.out, 0, this.outLength);
    this.dropLargeScratch();
  }

  private dump(op: RequestBatchReader, replies: ReplyBatchWriter, nowMs: number): void {
    const store = this.store;
    const status = store.dumpItem(op.bytes, op.keyOffset, op.keyLength, op.hash, nowMs);
    if (status !== StoreStatus.Ok) return replies.appendStatus(status);
    const r = store.result;
    this.outLength = 0;
    this.reserve(KEY_DUMP_HEADER_BYTES + r.valueLength);
    this.outView.setFloat64(0, store.dumped.expiresAtMs, true);
    this.outView.setUint32(8, store.dumped.itemType, true);
    this.outView.setUint32(12, 0, true);
    this.out.set(r.valueBytes.subarray(r.valueOffset, r.valueOffset + r.valueLength), KEY_DUMP_HEADER_BYTES);
    replies.append(StoreStatus.Ok, r.clientFlags, r.casLow, r.casHigh, this.out, 0, KEY_DUMP_HEADER_BYTES + r.valueLength);
    this.dropLargeScratch();
  }

  /** After a KEYS of a big database or a dump of a big value (the reply holds a copy): do not keep the memory. */
  private dropLargeScratch(): void {
    if (this.out.length <= SCRATCH_KEEP_BYTES) return;
    this.out = new Uint8Array(SCRATCH_INITIAL_BYTES);
    this.outView = new DataView(this.out.buffer);
    this.outLength = 0;
  }

  private appendKey(key: Uint8Array): void {
    const at = this.outLength;
    this.reserve(at + 4 + key.length);
    this.outView.setUint32(at, key.length, true);
    this.out.set(key, at + 4);
    this.outLength = at + 4 + key.length;
  }

  /** Grows `out` to hold `bytes` bytes, keeping its first `outLength`. */
  private reserve(bytes: number): void {
    if (bytes <= this.out.length) return;
    let capacity = this.out.length * 2;
    while (capacity < bytes) capacity *= 2;
    const bigger = new Uint8Array(capacity);
    bigger.set(this.out.subarray(0, this.outLength));
    this.out = bigger;
    this.outView = new DataView(bigger.buffer);
  }
}
