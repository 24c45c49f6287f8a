/**
 * One memcached text-protocol conversation: parsed requests become router ops,
 * shard replies become wire bytes, in request order via the ReplyQueue. Applies
 * memcached's exptime rules (relative ≤ 30 days, else unix time; negative =
 * expired) using the wall clock, so shards only see absolute times. Meta
 * commands run through MetaCommandRunner. With an auth file (-Y), the
 * connection first speaks memcached's ascii login (AsciiAuthParser).
 */
import { AsciiAuthParser, REPLY_AUTH_FAILURE } from '../protocol/memcache/ascii-auth-parser';
import { exceedsMemcachedItemSize } from '../protocol/memcache/meta-parser';
import { MemcacheTextParser } from '../protocol/memcache/text-parser';
import type {
  MemcacheTextRequest,
  ParseErrorEvent,
  RetrievalRequest,
  StatsRequest,
  StorageRequest,
  TextParserLimits,
} from '../protocol/memcache/request';
import { encodeStats, renderSingleHit, Replies, RetrievalReplyBuilder, singleHitSize, textLine, u64ToDecimal, writeSingleHit } from '../protocol/memcache/reply-encoder';
import { OpCode, type ReplySink, type Router, type ShardReply, type StorageOpCode } from '../router/router';
import { StoreStatus } from '../store/types';
import { LEGACY_CLUSTER_KEY, configGetClusterReply, legacyClusterGetReply } from '../cluster/cluster-node';
import type { DispatchGate, PeerInfo, ProtocolSession } from './connection';
import { connectionLimitStats, connectionLimitsFor } from './connection';
import { REPLY_TOO_LARGE_STATUS } from '../shard/messages';
import { MetaCommandRunner } from './memcache-meta-ops';
import { ReplySlot, type ReplyQueue } from './reply-queue';
import type { ServerContext } from './server-context';
import { textCommandName } from './command-latency';
import { describeTextRequest, type CommandTimer } from './slowlog';
import { observabilityOf, startCommandTiming } from './stats-report';

const THIRTY_DAYS_SECONDS = 60 * 60 * 24 * 30;
const AUTH_FAILURE_REPLY = textLine(REPLY_AUTH_FAILURE);
/** Any non-zero time in the past means "expired"; 0 means "never". */
const ALREADY_EXPIRED_MS = 1;

/** memcached's exptime → absolute unix ms (0 = never). */
export function exptimeToExpiresAtMs(exptime: number, nowMs: number, processStartMs: number): number {
  if (exptime === 0) return 0;
  if (exptime < 0) return ALREADY_EXPIRED_MS;
  if (exptime <= THIRTY_DAYS_SECONDS) return nowMs + exptime * 1000;
  const absoluteMs = exptime * 1000;
  // memcached: an absolute time at or before process start counts as already expired.
  return absoluteMs <= processStartMs ? ALREADY_EXPIRED_MS : absoluteMs;
}

/** memcached's item size rule (defined with the meta parser, which applies it before reading a value). */
export { exceedsMemcachedItemSize };

const STORAGE_OPS: Record<StorageRequest['command'], StorageOpCode> = {
  set: OpCode.Set,
  add: OpCode.Add,
  replace: OpCode.Replace,
  append: OpCode.Append,
  prepend: OpCode.Prepend,
  cas: OpCode.Cas,
};

function storageReply(status: number): Buffer {
  switch (status) {
    case StoreStatus.Stored:
      return Replies.STORED;
    case StoreStatus.NotStored:
      return Replies.NOT_STORED;
    case StoreStatus.Exists:
      return Replies.EXISTS;
    case StoreStatus.NotFound:
      return Replies.NOT_FOUND;
    case StoreStatus.TooLarge:
      return Replies.TOO_LARGE;
    case StoreStatus.NoMemory:
      return Replies.NO_MEMORY;
    default:
      return Replies.SHARD_FAILED;
  }
}

/** A reply made of one line chosen by status (storage, delete, touch); its own reply slot. */
class StatusReply extends ReplySlot implements ReplySink {
  constructor(
    private readonly queue: ReplyQueue,
    private readonly kind: 'storage' | 'delete' | 'touch',
  ) {
    super();
  }

  onShardReply(_tag: number, reply: ShardReply): void {
    const status = reply.status;
    let out: Buffer;
    if (this.kind === 'storage') out = storageReply(status);
    else if (status === StoreStatus.Ok) out = this.kind === 'delete' ? Replies.DELETED : Replies.TOUCHED;
    else if (status === StoreStatus.NotFound) out = Replies.NOT_FOUND;
    else out = Replies.SHARD_FAILED;
    this.queue.complete(this, out);
  }
}

class ArithmeticReply extends ReplySlot implements ReplySink {
  constructor(private readonly queue: ReplyQueue) {
    super();
  }

  onShardReply(_tag: number, reply: ShardReply): void {
    let out: Buffer;
    switch (reply.status) {
      case StoreStatus.Ok: {
        out = Buffer.allocUnsafe(reply.valueLength + 2);
        out.set(reply.bytes.subarray(reply.valueOffset, reply.valueOffset + reply.valueLength));
        out[reply.valueLength] = 13;
        out[reply.valueLength + 1] = 10;
        break;
      }
      case StoreStatus.NotFound:
        out = Replies.NOT_FOUND;
        break;
      case StoreStatus.NonNumeric:
        out = Replies.NON_NUMERIC;
        break;
      case StoreStatus.NoMemory:
        out = Replies.NO_MEMORY;
        break;
      default:
        out = Replies.SHARD_FAILED;
    }
    this.queue.complete(this, out);
  }
}

/** memcached's answer when it cannot build a get response. */
const REPLY_TOO_LARGE_FOR_MEMORY = textLine('SERVER_ERROR out of memory writing get response');

/** get/gets/gat/gats of one key: the common case, rendered straight from the shard's reply. */
class SingleRetrievalReply extends ReplySlot implements ReplySink {
  constructor(
    private readonly queue: ReplyQueue,
    private readonly key: Buffer,
    private readonly withCas: boolean,
  ) {
    super();
  }

  onShardReply(_tag: number, r: ShardReply): void {
    let out: Buffer;
    if (r.status === StoreStatus.Ok) {
      const cas = this.withCas ? u64ToDecimal(r.casHigh, r.casLow) : null;
      const size = singleHitSize(this.key.length, r.clientFlags, r.valueLength, cas);
      const queue = this.queue;
      const at = queue.claimOutput(this, size);
      if (at >= 0) {
        writeSingleHit(queue.outputBuffer, at, this.key, r.clientFlags, r.bytes, r.valueOffset, r.valueLength, cas);
        queue.completeInPlace(this);
        return;
      }
      out = renderSingleHit(this.key, r.clientFlags, r.bytes, r.valueOffset, r.valueLength, r.casHigh, r.casLow, this.withCas);
    } else if (r.status === REPLY_TOO_LARGE_STATUS) {
      connectionLimitStats.replyTooLarge++;
      out = REPLY_TOO_LARGE_FOR_MEMORY;
    } else {
      out = r.status === StoreStatus.NotFound ? Replies.END : Replies.SHARD_FAILED;
    }
    this.queue.complete(this, out);
  }
}

/** get/gets/gat/gats over several keys: VALUE lines in key order, then END. */
class RetrievalReply extends ReplySlot implements ReplySink {
  private readonly builder: RetrievalReplyBuilder;
  private waiting: number;
  private failed = false;
  /**
   * Hit bytes so far. Past `maxReplyBytes` (the connection's output limit), or when a shard
   * refused a hit for its batch budget, the reply is memcached's out-of-memory error and
   * further hits are not copied (`get k k k …` of a 1 MB value: fuzz finding).
   */
  private hitBytes = 0;
  private tooLarge = false;

  constructor(
    private readonly queue: ReplyQueue,
    keys: Buffer[],
    withCas: boolean,
    private readonly maxReplyBytes: number,
  ) {
    super();
    this.builder = new RetrievalReplyBuilder(keys, withCas);
    this.waiting = keys.length;
  }

  onShardReply(tag: number, reply: ShardReply): void {
    if (reply.status === StoreStatus.Ok) {
      this.hitBytes += reply.valueLength;
      if (this.hitBytes > this.maxReplyBytes) this.tooLarge = true;
      else if (!this.tooLarge) {
        this.builder.addHit(tag, reply.clientFlags, reply.bytes, reply.valueOffset, reply.valueLength, reply.casHigh, reply.casLow);
      }
    } else if (reply.status === REPLY_TOO_LARGE_STATUS) {
      this.tooLarge = true;
    } else if (reply.status !== StoreStatus.NotFound) {
      this.failed = true;
    }
    if (--this.waiting > 0) return;
    if (this.tooLarge && !this.failed) {
      connectionLimitStats.replyTooLarge++;
      this.queue.complete(this, REPLY_TOO_LARGE_FOR_MEMORY);
      return;
    }
    this.queue.complete(this, this.failed ? Replies.SHARD_FAILED : this.builder.render());
  }
}

/** Waits for one reply per shard (flush_all, stats), then renders once. */
class BroadcastReply implements ReplySink {
  private waiting: number;
  private readonly values: Buffer[] = [];
  private failed = false;

  constructor(
    shardCount: number,
    private readonly onAll: (values: Buffer[], failed: boolean) => void,
  ) {
    this.waiting = shardCount;
  }

  onShardReply(_tag: number, reply: ShardReply): void {
    if (reply.status === StoreStatus.Ok) this.values.push(reply.copyValue());
    else this.failed = true;
    if (--this.waiting === 0) this.onAll(this.values, this.failed);
  }
}

const LEGACY_CLUSTER_KEY_BYTES = Buffer.from(LEGACY_CLUSTER_KEY, 'latin1');

function isLegacyClusterKey(key: Uint8Array): boolean {
  return key.length === LEGACY_CLUSTER_KEY_BYTES.length && LEGACY_CLUSTER_KEY_BYTES.equals(key);
}

/** Swallows replies of `noreply` commands. */
const IGNORE_REPLY: ReplySink = { onShardReply() {} };

type ParsedEvent = { request: MemcacheTextRequest; error: null } | { request: null; error: ParseErrorEvent };

export class MemcacheTextSession implements ProtocolSession {
  private readonly parser: MemcacheTextParser;
  private readonly router: Router;
  private readonly versionReply: Buffer;
  private readonly meta: MetaCommandRunner;
  /** Non-null until the client has logged in (only when an auth file is configured). */
  private auth: AsciiAuthParser | null = null;
  /** Bytes received before login while the gate was closed, fed on resume(). */
  private authBacklog: Buffer[] = [];
  /** Parsed events waiting for the gate, in arrival order (errors too, to keep reply order). */
  private deferred: ParsedEvent[] = [];
  private deferredHead = 0;
  /** resume() writes replies, which report progress, which calls resume(): run one loop at a time. */
  private resuming = false;
  /** Slow log and -vv trace (null without a daemon's Observability). */
  private readonly timer: CommandTimer<MemcacheTextRequest> | null;
  /** The largest multi-get reply (--max-output-buffer). */
  private readonly maxReplyBytes: number;

  constructor(
    private readonly queue: ReplyQueue,
    private readonly gate: DispatchGate,
    private readonly context: ServerContext,
    limits: TextParserLimits,
    peer?: PeerInfo,
  ) {
    this.router = context.router;
    this.timer = startCommandTiming(queue, context, describeTextRequest, { addr: peer?.remote ?? '', name: null }, 'memcache_text');
    this.versionReply = textLine(`VERSION ${context.memcachedVersion}`);
    this.meta = new MetaCommandRunner(this.router, queue, (exptime) => this.expiresAt(exptime));
    this.maxReplyBytes = connectionLimitsFor(context.config).maxOutputBytes;
    if (context.credentials !== null) this.auth = this.newAuthParser();
    // --max-keys-per-get, when given, replaces the factory's default bound.
    const maxKeys = context.config.maxKeysPerGet;
    if (maxKeys !== undefined) limits = { ...limits, maxKeysPerRetrieval: maxKeys };
    this.parser = new MemcacheTextParser(
      {
        onRequest: (request) => (this.mustDefer() ? this.deferred.push({ request, error: null }) : this.onRequest(request)),
        onError: (error) => (this.mustDefer() ? this.deferred.push({ request: null, error }) : this.onParseError(error)),
      },
      limits,
    );
  }

  push(chunk: Buffer): void {
    if (this.auth === null) {
      this.parser.push(chunk);
    } else if (this.authBacklog.length > 0 || !this.gate.mayDispatch()) {
      // Unauthenticated lines are answered at once; hold them while replies back up.
      this.authBacklog.push(chunk);
    } else {
      this.pushUnauthenticated(chunk);
    }
  }

  get hasDeferred(): boolean {
    return this.authBacklog.length > 0 || this.hasDeferredEvents;
  }

  private get hasDeferredEvents(): boolean {
    return this.deferredHead < this.deferred.length;
  }

  resume(): void {
    if (this.resuming) return;
    this.resuming = true;
    try {
      while (this.authBacklog.length > 0 && this.gate.mayDispatch()) this.pushUnauthenticated(this.authBacklog.shift()!);
      this.drainDeferred();
    } finally {
      this.resuming = false;
    }
  }

  private newAuthParser(): AsciiAuthParser {
    const credentials = this.context.credentials!;
    const stats = this.context.stats;
    return new AsciiAuthParser({
      onReply: (line) => this.queue.immediate(textLine(line)),
      onLogin: (user, password) => {
        stats.authCmds++;
        // Only the outcome is reported: neither the user nor the password is logged.
        if (credentials.verify(user.toString('utf8'), password)) {
          this.queue.immediate(Replies.STORED);
          return true;
        }
        stats.authErrors++;
        this.queue.immediate(AUTH_FAILURE_REPLY);
        return false;
      },
      onClose: () => this.queue.closeWhenDrained(),
    });
  }

  private pushUnauthenticated(chunk: Buffer): void {
    const auth = this.auth;
    if (auth === null) {
      this.parser.push(chunk);
      return;
    }
    const used = auth.push(chunk);
    if (!auth.loggedIn) return;
    // Logged in: the rest of this chunk, and anything held back, is ordinary traffic.
    this.auth = null;
    const rest = [chunk.subarray(used), ...this.authBacklog];
    this.authBacklog = [];
    for (const piece of rest) if (piece.length > 0) this.parser.push(piece);
  }

  private drainDeferred(): void {
    while (this.hasDeferredEvents && this.gate.mayDispatch()) {
      const event = this.deferred[this.deferredHead]!;
      this.deferred[this.deferredHead++] = undefined as unknown as ParsedEvent;
      if (event.request !== null) this.onRequest(event.request);
      else this.onParseError(event.error);
    }
    if (!this.hasDeferredEvents) {
      this.deferred = [];
      this.deferredHead = 0;
    }
  }

  private mustDefer(): boolean {
    return this.hasDeferredEvents || !this.gate.mayDispatch();
  }

  private onParseError(event: ParseErrorEvent): void {
    if (event.code === 'line_too_long') connectionLimitStats.lineTooLong++;
    else if (event.code === 'too_many_keys') connectionLimitStats.tooManyKeys++;
    // memcached drops the old item when a `set` is refused as too large.
    if (event.unlinkKey !== undefined) this.router.delete(event.unlinkKey, IGNORE_REPLY, 0);
    if (event.reply !== null) this.queue.immediate(textLine(event.reply));
    if (event.close) this.queue.closeWhenDrained();
  }

  private onRequest(request: MemcacheTextRequest): void {
    if (this.queue.isClosed) return;
    this.timer?.begin(request, textCommandName(request));
    switch (request.kind) {
      case 'meta':
        return this.meta.run(request);
      case 'retrieval':
        if (request.keys.length === 1 && request.command === 'get' && isLegacyClusterKey(request.keys[0]!)) {
          // Old auto-discovery clients ask for the cluster as an item.
          const m = this.context.membership;
          return this.queue.immediate(legacyClusterGetReply(m.version, m.nodes));
        }
        return this.retrieve(request);
      case 'config': {
        const m = this.context.membership;
        if (request.args.length === 2 && request.args[0] === 'get' && request.args[1] === 'cluster') {
          // One buffer, one write: some clients break on a reply split over reads.
          return this.queue.immediate(configGetClusterReply(m.version, m.nodes));
        }
        return this.queue.immediate(Replies.ERROR);
      }
      case 'storage':
        return this.storeValue(request);
      case 'delete': {
        const sink = request.noreply ? IGNORE_REPLY : this.queue.add(new StatusReply(this.queue, 'delete'));
        return this.router.delete(request.key, sink, 0);
      }
      case 'touch': {
        const sink = request.noreply ? IGNORE_REPLY : this.queue.add(new StatusReply(this.queue, 'touch'));
        return this.router.touch(request.key, this.expiresAt(request.exptime), sink, 0);
      }
      case 'arithmetic': {
        const sink = request.noreply ? IGNORE_REPLY : this.queue.add(new ArithmeticReply(this.queue));
        return this.router.incrDecr(request.command === 'incr', request.key, request.delta, sink, 0);
      }
      case 'flush_all':
        return this.flushAll(request.delay, request.noreply);
      case 'stats':
        return this.stats(request);
      case 'version':
        return this.queue.immediate(this.versionReply);
      case 'verbosity':
        if (!request.noreply) this.queue.immediate(Replies.OK);
        return;
      case 'quit':
        return this.queue.closeWhenDrained();
      case 'shutdown':
        if (!this.context.config.enableShutdown) return this.queue.immediate(Replies.SHUTDOWN_DISABLED);
        if (request.invalidMode === true) return this.queue.immediate(Replies.INVALID_SHUTDOWN_MODE);
        this.queue.immediate(Replies.OK);
        this.queue.closeWhenDrained();
        this.context.requestShutdown(request.graceful ? 'shutdown graceful command' : 'shutdown command');
        return;
    }
  }

  private expiresAt(exptime: number): number {
    return exptimeToExpiresAtMs(exptime, Date.now(), this.context.processStartMs);
  }

  private retrieve(request: RetrievalRequest): void {
    const withCas = request.command === 'gets' || request.command === 'gats';
    const touching = request.command === 'gat' || request.command === 'gats';
    if (request.keys.length === 0) return this.queue.immediate(Replies.END); // `gat 10` with no key
    const sink =
      request.keys.length === 1
        ? this.queue.add(new SingleRetrievalReply(this.queue, request.keys[0]!, withCas))
        : this.queue.add(new RetrievalReply(this.queue, request.keys, withCas, this.maxReplyBytes), request.keys.length);
    const expiresAt = touching ? this.expiresAt(request.exptime) : 0;
    const keys = request.keys;
    for (let i = 0; i < keys.length; i++) {
      if (touching) this.router.getAndTouch(keys[i]!, expiresAt, sink, i);
      else this.router.get(keys[i]!, sink, i);
    }
  }

  private storeValue(request: StorageRequest): void {
    if (exceedsMemcachedItemSize(request.key.length, request.value.length, request.flags, this.context.config.maxItemSize)) {
      if (request.command === 'set') this.router.delete(request.key, IGNORE_REPLY, 0);
      if (!request.noreply) this.queue.immediate(Replies.TOO_LARGE);
      return;
    }
    const sink = request.noreply ? IGNORE_REPLY : this.queue.add(new StatusReply(this.queue, 'storage'));
    this.router.store(
      STORAGE_OPS[request.command],
      request.key,
      request.value,
      request.flags,
      this.expiresAt(request.exptime),
      request.casHigh,
      request.casLow,
      sink,
      0,
    );
  }

  private flushAll(delay: number, noreply: boolean): void {
    this.context.stats.cmdFlush++;
    const now = Date.now();
    const deadline = delay <= 0 ? now : exptimeToExpiresAtMs(delay, now, this.context.processStartMs);
    const slot = noreply ? null : this.queue.reserve();
    const sink = new BroadcastReply(this.router.shardCount, (_values, failed) => {
      if (slot !== null) this.queue.complete(slot, failed ? Replies.SHARD_FAILED : Replies.OK);
    });
    this.router.broadcast(OpCode.FlushAll, deadline, sink);
  }

  /** `stats detail on|off|dump`: memcached's per-prefix counters (kept by the shards). */
  private statsDetail(mode: string | undefined): void {
    const observability = observabilityOf(this.context);
    if (observability === undefined || (mode !== 'on' && mode !== 'off' && mode !== 'dump')) {
      return this.queue.immediate(Replies.STATS_DETAIL_USAGE);
    }
    const slot = this.queue.reserve();
    const done = mode === 'dump' ? observability.detailDump() : observability.setDetail(mode === 'on').then(() => Replies.OK);
    done.then(
      (reply) => this.queue.complete(slot, reply),
      () => this.queue.complete(slot, Replies.SHARD_FAILED),
    );
  }

  private stats(request: StatsRequest): void {
    if (request.args[0] === 'detail') return this.statsDetail(request.args[1]);
    if (request.args[0] === 'sizes_enable' || request.args[0] === 'sizes_disable') {
      // memcached 1.6.18 answers these two without the END line; so do we, byte for byte.
      const slot = this.queue.reserve();
      this.context.collectStats(request.args).then(
        (entries) => this.queue.complete(slot, Buffer.from((entries ?? []).map(([k, v]) => `STAT ${k} ${v}\r\n`).join(''), 'latin1')),
        () => this.queue.complete(slot, Replies.SHARD_FAILED),
      );
      return;
    }
    if (request.args[0] === 'reset' && request.args.length === 1) {
      const resetSlot = this.queue.reserve();
      this.context.resetStats().then(
        () => this.queue.complete(resetSlot, Replies.RESET),
        () => this.queue.complete(resetSlot, Replies.SHARD_FAILED),
      );
      return;
    }
    const slot = this.queue.reserve();
    this.context.collectStats(request.args).then(
      (entries) => this.queue.complete(slot, entries === null ? Replies.ERROR : encodeStats(entries)),
      () => this.queue.complete(slot, Replies.SHARD_FAILED),
    );
  }
}
