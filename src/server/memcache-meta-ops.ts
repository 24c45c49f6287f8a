/**
 * Executes memcached meta commands for a text session: a parsed MetaRequest
 * becomes one router item op, and the shard's reply becomes the meta reply
 * (meta-reply.ts) in the request's ReplyQueue slot. Behaviour follows
 * memcached 1.6.18 where it and doc/protocol.txt differ (mg ignores `C`, ms
 * ignores `N`, `q` hides only the nominal code), plus `E` and `md x` from
 * protocol.txt.
 * May import the router's item-op API, the memcache protocol modules and the
 * server's queue/context; not the store or shard internals.
 */
import {
  META_DEBUG_MISS,
  META_NOOP_REPLY,
  renderMetaArithmeticDone,
  renderMetaArithmeticFailed,
  renderMetaDebug,
  renderMetaDelete,
  renderMetaGetHit,
  renderMetaGetMiss,
  renderMetaSet,
  type MetaItemFacts,
  type MetaStoreCode,
} from '../protocol/memcache/meta-reply';
import type { MetaRequest } from '../protocol/memcache/request';
import { textLine } from '../protocol/memcache/reply-encoder';
import { REPLY_TOO_LARGE_STATUS } from '../shard/messages';
import {
  replyCreated,
  replyHasValue,
  replyHitBefore,
  replyIdleSeconds,
  replyItemSize,
  replySlabClassId,
  replyStale,
  replyTtlSeconds,
  replyValue,
  replyValueSize,
  replyWinTokenSent,
  replyWon,
  StoreStatus,
  WriteMode,
  type ReplySink,
  type Router,
  type ShardReply,
} from '../router/router';
import { connectionLimitStats } from './connection';
import type { ReplyQueue, ReplySlot } from './reply-queue';

const SHARD_FAILED = textLine('SERVER_ERROR shard restarted, request lost');
const TOO_LARGE = textLine('SERVER_ERROR object too large for cache');
const NO_MEMORY_STORING = textLine('SERVER_ERROR out of memory storing object');
const NO_MEMORY = textLine('SERVER_ERROR out of memory');
const NO_MEMORY_WRITING_GET = textLine('SERVER_ERROR out of memory writing get response');
const NON_NUMERIC = textLine('CLIENT_ERROR cannot increment or decrement non-numeric value');
const THIRTY_DAYS_SECONDS = 60 * 60 * 24 * 30;

const WRITE_MODES: Record<string, WriteMode> = {
  E: WriteMode.Add,
  A: WriteMode.Append,
  P: WriteMode.Prepend,
  R: WriteMode.Replace,
  S: WriteMode.Set,
};

/** Converts a client exptime to absolute unix ms (the session's clock and rules). */
export type ExpiresAt = (exptime: number) => number;

function itemFacts(reply: ShardReply): MetaItemFacts {
  return {
    clientFlags: reply.clientFlags,
    casHigh: reply.casHigh,
    casLow: reply.casLow,
    valueSize: replyValueSize(reply),
    ttlSeconds: replyTtlSeconds(reply),
    idleSeconds: replyIdleSeconds(reply),
    hitBefore: replyHitBefore(reply),
    won: replyWon(reply),
    stale: replyStale(reply),
    winTokenSent: replyWinTokenSent(reply),
  };
}

/** One meta reply: renders when the shard answers, in the request's slot. */
class MetaReply implements ReplySink {
  constructor(
    private readonly queue: ReplyQueue,
    private readonly slot: ReplySlot,
    private readonly request: MetaRequest,
    private readonly render: (request: MetaRequest, reply: ShardReply) => Buffer | null,
  ) {}

  onShardReply(_tag: number, reply: ShardReply): void {
    let out: Buffer | null;
    if (reply.status === REPLY_TOO_LARGE_STATUS) {
      // The shard's reply batch ran out of value budget (memcached's answer when it cannot build a get response).
      connectionLimitStats.replyTooLarge++;
      out = NO_MEMORY_WRITING_GET;
    } else if (reply.status > StoreStatus.NonNumeric) out = SHARD_FAILED;
    else if (this.request.errorAfterExecution !== null) out = textLine(this.request.errorAfterExecution);
    else out = this.render(this.request, reply);
    this.queue.complete(this.slot, out);
  }
}

function renderGet(request: MetaRequest, reply: ShardReply): Buffer | null {
  if (reply.status !== StoreStatus.Ok) return renderMetaGetMiss(request);
  const value = replyHasValue(reply) ? replyValue(reply) : null;
  return renderMetaGetHit(request, itemFacts(reply), request.returnValue ? (value ?? new Uint8Array(0)) : null);
}

function renderSet(request: MetaRequest, reply: ShardReply): Buffer | null {
  let code: MetaStoreCode;
  switch (reply.status) {
    case StoreStatus.Stored:
      return renderMetaSet(request, 'HD', reply.casHigh, reply.casLow);
    case StoreStatus.NotStored:
      code = 'NS';
      break;
    case StoreStatus.Exists:
      code = 'EX';
      break;
    case StoreStatus.NotFound:
      code = 'NF';
      break;
    case StoreStatus.TooLarge:
      return TOO_LARGE;
    case StoreStatus.NoMemory:
      return NO_MEMORY_STORING;
    default:
      return SHARD_FAILED;
  }
  // memcached returns c0 when nothing was stored.
  return renderMetaSet(request, code, 0, 0);
}

function renderDelete(request: MetaRequest, reply: ShardReply): Buffer | null {
  switch (reply.status) {
    case StoreStatus.Ok:
      return renderMetaDelete(request, 'HD');
    case StoreStatus.NotFound:
      return renderMetaDelete(request, 'NF');
    case StoreStatus.Exists:
      return renderMetaDelete(request, 'EX');
    default:
      return SHARD_FAILED;
  }
}

function renderArithmetic(request: MetaRequest, reply: ShardReply): Buffer | null {
  switch (reply.status) {
    case StoreStatus.Ok:
      // memcached answers a creation by `N` even under `q`.
      return renderMetaArithmeticDone(request, replyValue(reply), itemFacts(reply), replyCreated(reply));
    case StoreStatus.NotFound:
      return renderMetaArithmeticFailed(request, 'NF');
    case StoreStatus.Exists:
      return renderMetaArithmeticFailed(request, 'EX');
    case StoreStatus.NotStored:
      return renderMetaArithmeticFailed(request, 'NS');
    case StoreStatus.NonNumeric:
      return NON_NUMERIC;
    case StoreStatus.NoMemory:
      return NO_MEMORY;
    default:
      return SHARD_FAILED;
  }
}

function renderDebug(request: MetaRequest, reply: ShardReply): Buffer {
  if (reply.status !== StoreStatus.Ok) return META_DEBUG_MISS;
  return renderMetaDebug(request, {
    ttlSeconds: replyTtlSeconds(reply),
    idleSeconds: replyIdleSeconds(reply),
    casHigh: reply.casHigh,
    casLow: reply.casLow,
    fetched: replyHitBefore(reply),
    slabClassId: replySlabClassId(reply),
    itemSize: replyItemSize(reply),
  });
}

/**
 * memcached compares a CAS of 0 like any other (`C0`): an item never has CAS
 * 0, so set/replace-with-CAS and md answer EX when the key exists and NF when
 * it does not; the router treats 0 as "no CAS", so ask whether the key exists.
 */
function renderZeroCasRefusal(request: MetaRequest, reply: ShardReply): Buffer | null {
  const code = reply.status === StoreStatus.Ok ? 'EX' : 'NF';
  return request.command === 'ms' ? renderMetaSet(request, code, 0, 0) : renderMetaDelete(request, code);
}

/** Remaining-TTL threshold in seconds for `R`, or null when it can never win (R ≤ 0, or a past unix time). */
function recacheBelowSeconds(recacheTtl: number | null): number | null {
  if (recacheTtl === null || recacheTtl <= 0) return null;
  if (recacheTtl <= THIRTY_DAYS_SECONDS) return recacheTtl;
  const left = recacheTtl - Math.floor(Date.now() / 1000);
  return left > 0 ? left : null;
}

export class MetaCommandRunner {
  constructor(
    private readonly router: Router,
    private readonly queue: ReplyQueue,
    private readonly expiresAt: ExpiresAt,
  ) {}

  run(request: MetaRequest): void {
    switch (request.command) {
      case 'mn':
        return this.queue.immediate(META_NOOP_REPLY);
      case 'mg':
        return this.get(request);
      case 'ms':
        return this.set(request);
      case 'md':
        return this.delete(request);
      case 'ma':
        return this.arithmetic(request);
      case 'me':
        return this.router.itemInfo(request.key, this.sink(request, renderDebug), 0);
    }
  }

  private sink(request: MetaRequest, render: (request: MetaRequest, reply: ShardReply) => Buffer | null): ReplySink {
    return new MetaReply(this.queue, this.queue.reserve(), request, render);
  }

  private ttlToExpiresAt(ttl: number | null): number | null {
    return ttl === null ? null : this.expiresAt(ttl);
  }

  private existenceCheck(request: MetaRequest): void {
    const read = { wantValue: false, noBump: true, touchExpiresAtMs: null, vivifyExpiresAtMs: null, recacheBelowSeconds: null, compareCas: 0n, newCas: 0n };
    this.router.readItem(request.key, read, this.sink(request, renderZeroCasRefusal), 0);
  }

  private get(request: MetaRequest): void {
    this.router.readItem(
      request.key,
      {
        wantValue: request.returnValue,
        noBump: request.noBump,
        touchExpiresAtMs: this.ttlToExpiresAt(request.ttl),
        vivifyExpiresAtMs: this.ttlToExpiresAt(request.vivifyTtl),
        recacheBelowSeconds: recacheBelowSeconds(request.recacheTtl),
        // memcached 1.6.18 parses mg's C but does not act on it.
        compareCas: 0n,
        newCas: request.newCas ?? 0n,
      },
      this.sink(request, renderGet),
      0,
    );
  }

  private set(request: MetaRequest): void {
    const mode = request.mode === null ? WriteMode.Set : WRITE_MODES[request.mode]!;
    // With a CAS, memcached turns set and replace into its `cas` command.
    const casCommand = request.compareCas !== null && (mode === WriteMode.Set || mode === WriteMode.Replace);
    if (casCommand && request.compareCas === 0n) return this.existenceCheck(request);
    this.router.writeItem(
      request.key,
      {
        mode,
        value: request.value!,
        clientFlags: request.clientFlags,
        expiresAtMs: this.expiresAt(request.ttl ?? 0),
        compareCas: request.compareCas ?? 0n,
        newCas: request.newCas ?? 0n,
        // `I` only means something to memcached's `cas` command.
        invalidate: request.invalidate && casCommand,
        // memcached 1.6.18 parses ms's N but never vivifies.
        vivifyExpiresAtMs: null,
      },
      this.sink(request, renderSet),
      0,
    );
  }

  private delete(request: MetaRequest): void {
    if (request.compareCas === 0n) return this.existenceCheck(request);
    const keepsItem = request.invalidate || request.dropValue;
    this.router.deleteItem(
      request.key,
      {
        compareCas: request.compareCas ?? 0n,
        newCas: request.newCas ?? 0n,
        invalidate: request.invalidate,
        // memcached ignores T unless the item is kept.
        invalidateExpiresAtMs: keepsItem ? this.ttlToExpiresAt(request.ttl) : null,
        dropValueKeepItem: request.dropValue,
      },
      this.sink(request, renderDelete),
      0,
    );
  }

  private arithmetic(request: MetaRequest): void {
    this.router.arithmetic(
      request.key,
      {
        incr: request.mode !== 'D' && request.mode !== '-',
        delta: request.delta,
        initial: request.initial,
        vivifyExpiresAtMs: this.ttlToExpiresAt(request.vivifyTtl),
        // memcached's do_add_delta skips the comparison for a CAS of 0.
        compareCas: request.compareCas ?? 0n,
        newCas: request.newCas ?? 0n,
        touchExpiresAtMs: this.ttlToExpiresAt(request.ttl),
      },
      this.sink(request, renderArithmetic),
      0,
    );
  }
}
