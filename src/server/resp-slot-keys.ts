/**
 * CLUSTER COUNTKEYSINSLOT and CLUSTER GETKEYSINSLOT: the keys of the
 * selected database (db 0 in cluster mode, memcached's keys included) that
 * this node holds in one hash slot, owned here or not ("local keys", as
 * Redis says).
 *
 * Redis keeps a slot → keys index and answers in O(1). We keep none (a
 * cache would pay for it on every write), so both commands walk the
 * database with the SCAN machinery (Router.scanShard): every shard at once,
 * each in slices bounded in work (SLICE_WORK), and keep on the main thread
 * the keys whose slot matches; only the current slice's keys are held, and
 * GETKEYSINSLOT stops asking for slices once it has `count` keys. While the
 * walk runs the client's later commands wait (`blockedCommand`, as for a
 * blocked pop), so they come after it; other clients go on, so, like SCAN,
 * a key written during the walk may or may not be counted. Inside EXEC,
 * where a transaction must see one state, each shard is read whole in one
 * slice, all in the same turn, as KEYS does.
 *
 * May import src/cluster (slots), src/protocol/resp, the router's keyspace
 * reply readers and the RESP session's types; not sockets, shards or the store.
 */
import { keySlot, SLOT_COUNT } from '../cluster/redis-topology';
import { RespErrors } from '../protocol/resp/errors';
import { encodeReply, errorReply, integerReply, resp } from '../protocol/resp/reply-encoder';
import { argToInt64 } from '../protocol/resp/strict-integer';
import { replyScanCursor, replyScannedKeys, type KeyScanRequest, type ReplySink, type ShardReply } from '../router/router';
import type { ReplySlot } from './reply-queue';
import type { RespHandler, RespSession } from './resp-session';

const SHARD_FAILED_STATUS = 255;
/** One slice's work budget on its shard (Store.scanKeys: 1 per bucket, 16 per item): some 16K keys. */
const SLICE_WORK = 1 << 18;
/** No limit: a whole shard in one slice (inside EXEC). */
const WHOLE_SHARD = 0;

const INVALID_SLOT = 'ERR Invalid slot';
const INVALID_SLOT_OR_COUNT = 'ERR Invalid slot or number of keys';

/** A walk of every shard's keys of one database, keeping those in `slot`. */
class SlotWalk {
  private shardsLeft: number;
  private finished = false;
  private counted = 0;
  private readonly found: Buffer[] = [];
  private readonly sink: ReplySink = { onShardReply: (shard, reply) => this.onSlice(shard, reply) };

  constructor(
    private readonly session: RespSession,
    private readonly slot: number,
    /** GETKEYSINSLOT's count; null to count every key (COUNTKEYSINSLOT). */
    private readonly wanted: number | null,
    private readonly maxWork: number,
    private readonly done: (walk: SlotWalk, failed: boolean) => void,
  ) {
    this.shardsLeft = session.router.shardCount;
  }

  get count(): number {
    return this.counted;
  }

  get keys(): readonly Buffer[] {
    return this.found;
  }

  start(): void {
    if (this.shardsLeft === 0) return this.finish(false);
    for (let shard = 0; shard < this.session.router.shardCount; shard++) this.askSlice(shard, 0);
  }

  /**
   * The session drops what blocks it: on close nothing is owed any more, so
   * the walk stops; on a half-close the client still waits for this answer.
   */
  cancel(): void {
    if (this.session.isClosed) this.finished = true;
  }

  private askSlice(shard: number, cursor: number): void {
    const request: KeyScanRequest = {
      cursor,
      database: this.session.database,
      pattern: null,
      itemType: null,
      wantedKeys: 0,
      maxWork: this.maxWork,
      random: false,
    };
    this.session.router.scanShard(shard, request, this.sink, shard);
  }

  private onSlice(shard: number, reply: ShardReply): void {
    if (this.finished) return;
    if (reply.status === SHARD_FAILED_STATUS) return this.finish(true);
    for (const key of replyScannedKeys(reply)) {
      if (keySlot(key) !== this.slot) continue;
      this.counted++;
      if (this.wanted !== null && this.found.length < this.wanted) this.found.push(key);
    }
    const next = replyScanCursor(reply);
    const enough = this.wanted !== null && this.found.length >= this.wanted;
    if (next !== 0 && !enough) return this.askSlice(shard, next);
    if (--this.shardsLeft === 0 || enough) this.finish(false);
  }

  private finish(failed: boolean): void {
    this.finished = true;
    this.done(this, failed);
  }
}

/**
 * Runs a walk and answers with `render(walk)`; outside EXEC the client's
 * later commands wait for it.
 */
function walkSlot(session: RespSession, slot: number, wanted: number | null, render: (walk: SlotWalk) => Buffer): void {
  const replySlot: ReplySlot = session.reserve();
  const inExec = session.runningExec;
  const walk = new SlotWalk(session, slot, wanted, inExec ? WHOLE_SHARD : SLICE_WORK, (finished, failed) => {
    session.complete(replySlot, failed ? errorReply(RespErrors.SHARD_FAILED) : render(finished));
    if (inExec) return;
    // Dropped by a half-close (onInputEnd) or still ours: either way the later commands may run now.
    if (session.blockedCommand === finished) session.blockedCommand = null;
    if (session.blockedCommand === null && !session.isClosed) session.resume();
  });
  if (!inExec) session.blockedCommand = walk;
  walk.start();
}

function validSlot(slot: bigint): boolean {
  return slot >= 0n && slot < BigInt(SLOT_COUNT);
}

const countKeysInSlot: RespHandler = (session, args) => {
  const slot = argToInt64(args[2]!);
  if (slot === null) return session.replyError(RespErrors.NOT_AN_INTEGER);
  if (!validSlot(slot)) return session.replyError(INVALID_SLOT);
  walkSlot(session, Number(slot), null, (walk) => integerReply(walk.count));
};

const getKeysInSlot: RespHandler = (session, args) => {
  const slot = argToInt64(args[2]!);
  const count = argToInt64(args[3]!);
  if (slot === null || count === null) return session.replyError(RespErrors.NOT_AN_INTEGER);
  if (!validSlot(slot) || count < 0n) return session.replyError(INVALID_SLOT_OR_COUNT);
  const version = session.protocolVersion;
  if (count === 0n) return session.replyValue(resp.array([]));
  // Past 2^32 no node holds that many keys; Number() of a bigger count is still a bound.
  walkSlot(session, Number(slot), Number(count), (walk) => encodeReply(resp.array(walk.keys.map((k) => resp.bulk(k))), version));
};

export const SLOT_KEYS_HANDLERS: Record<string, RespHandler> = {
  'cluster|countkeysinslot': countKeysInSlot,
  'cluster|getkeysinslot': getKeysInSlot,
};
