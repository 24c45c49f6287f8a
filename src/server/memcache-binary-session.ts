/**
 * One memcached binary-protocol conversation: parsed packets become router
 * ops, shard replies become response packets, in request order via the
 * ReplyQueue. Follows memcached 1.6.18's proto_bin.c for statuses, error
 * bodies, CAS and opaque echo, quiet variants (a quiet success or get miss
 * takes its place in the order but writes nothing; failures always answer),
 * and SASL PLAIN authentication when `config.enableSasl`.
 * Never logs credentials.
 * May import `protocol/memcache-binary`, `router`, `server` and the StoreStatus
 * contract (`store/types`); never sockets, shards or store internals.
 */
import { MemcacheBinaryParser } from '../protocol/memcache-binary/parser';
import { BinaryStatus } from '../protocol/memcache-binary/opcodes';
import {
  ARITHMETIC_NO_CREATE,
  readArithmeticExtras,
  readExptimeExtras,
  readFlushDelay,
  readStoreExtras,
  type BinaryRequest,
} from '../protocol/memcache-binary/request';
import {
  encodeCounter,
  encodeError,
  encodeHit,
  encodeKeyedMiss,
  encodeResponse,
  encodeStats,
  encodeSuccess,
  type ResponseHead,
} from '../protocol/memcache-binary/reply-encoder';
import {
  OpCode,
  replyHasValue,
  WriteMode,
  type ArithmeticRequest,
  type ItemDeleteRequest,
  type ItemReadRequest,
  type ItemWriteRequest,
  type ReplySink,
  type Router,
  type ShardReply,
  type StorageOpCode,
} from '../router/router';
import { StoreStatus } from '../store/types';
import { clusterConfigPayload } from '../cluster/cluster-node';
import { REPLY_TOO_LARGE_STATUS } from '../shard/messages';
import { connectionLimitStats, type DispatchGate, type PeerInfo, type ProtocolSession } from './connection';
import { exceedsMemcachedItemSize, exptimeToExpiresAtMs } from './memcache-text-session';
import type { ReplyQueue, ReplySlot } from './reply-queue';
import type { ServerContext } from './server-context';
import { describeBinaryRequest, type CommandTimer } from './slowlog';
import { observabilityOf, startCommandTiming } from './stats-report';

/** The only SASL mechanism served: PLAIN needs no server-side state between steps. */
const SASL_MECHANISMS = 'PLAIN';
const AUTHENTICATED = Buffer.from('Authenticated', 'latin1');

/** How a refused write is reported: memcached maps NOT_STORED by the command (`complete_update_bin`). */
function storeFailureStatus(variant: string | undefined, compareCas: boolean): number {
  if (compareCas) return BinaryStatus.NotStored;
  if (variant === 'add') return BinaryStatus.KeyExists;
  if (variant === 'replace') return BinaryStatus.KeyNotFound;
  return BinaryStatus.NotStored;
}

const STORAGE_OPS: Record<string, StorageOpCode> = {
  set: OpCode.Set,
  add: OpCode.Add,
  replace: OpCode.Replace,
  append: OpCode.Append,
  prepend: OpCode.Prepend,
};

/** The 64-bit CAS a request carries (0n = none). */
function requestCas(request: BinaryRequest): bigint {
  return (BigInt(request.casHigh) << 32n) | BigInt(request.casLow);
}

/** Swallows replies nobody waits for (the unlink after a refused set). */
const IGNORE_REPLY: ReplySink = { onShardReply() {} };

/** Parses the ASCII digits an incr/decr reply carries. */
function counterValue(reply: ShardReply): bigint {
  let value = 0n;
  const end = reply.valueOffset + reply.valueLength;
  for (let i = reply.valueOffset; i < end; i++) {
    const digit = reply.bytes[i]! - 48;
    if (digit < 0 || digit > 9) break;
    value = value * 10n + BigInt(digit);
  }
  return value;
}

/** Completes one slot from one shard reply. */
class OneReply implements ReplySink {
  constructor(
    private readonly queue: ReplyQueue,
    private readonly slot: ReplySlot,
    private readonly render: (reply: ShardReply) => Buffer | null,
  ) {}

  onShardReply(_tag: number, reply: ShardReply): void {
    this.queue.complete(this.slot, this.render(reply));
  }
}

/** Waits for one reply per shard (flush), then renders once. */
class BroadcastReply implements ReplySink {
  private waiting: number;
  private failed = false;

  constructor(
    shardCount: number,
    private readonly onAll: (failed: boolean) => void,
  ) {
    this.waiting = shardCount;
  }

  onShardReply(_tag: number, reply: ShardReply): void {
    if (reply.status !== StoreStatus.Ok) this.failed = true;
    if (--this.waiting === 0) this.onAll(this.failed);
  }
}

export interface BinarySessionLimits {
  /** Values longer than this are refused E2BIG and skipped unread (-I). */
  maxItemSize: number;
}

export class MemcacheBinarySession implements ProtocolSession {
  private readonly parser: MemcacheBinaryParser;
  private readonly router: Router;
  private readonly versionBytes: Buffer;
  /** Parsed packets waiting for the gate, in arrival order (faults too, to keep reply order). */
  private deferred: (BinaryRequest | undefined)[] = [];
  private deferredHead = 0;
  private resuming = false;
  /** Slow log and -vv trace (null without a daemon's Observability). */
  private readonly timer: CommandTimer<BinaryRequest> | null;
  /** Set once a close is queued: later packets are not answered, as memcached stops reading. */
  private closing = false;
  private authenticated: boolean;

  constructor(
    private readonly queue: ReplyQueue,
    private readonly gate: DispatchGate,
    private readonly context: ServerContext,
    private readonly limits: BinarySessionLimits,
    peer?: PeerInfo,
  ) {
    this.router = context.router;
    this.timer = startCommandTiming(queue, context, describeBinaryRequest, { addr: peer?.remote ?? '', name: null }, 'memcache_binary');
    this.versionBytes = Buffer.from(context.memcachedVersion, 'latin1');
    this.authenticated = !context.config.enableSasl;
    this.parser = new MemcacheBinaryParser(
      { onRequest: (request) => (this.mustDefer() ? this.deferred.push(request) : this.onRequest(request)) },
      { maxValueLength: limits.maxItemSize },
    );
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  get hasDeferred(): boolean {
    return this.deferredHead < this.deferred.length;
  }

  resume(): void {
    if (this.resuming) return;
    this.resuming = true;
    try {
      while (this.hasDeferred && this.gate.mayDispatch()) {
        const request = this.deferred[this.deferredHead]!;
        this.deferred[this.deferredHead++] = undefined;
        this.onRequest(request);
      }
      if (!this.hasDeferred) {
        this.deferred = [];
        this.deferredHead = 0;
      }
    } finally {
      this.resuming = false;
    }
  }

  private mustDefer(): boolean {
    return this.hasDeferred || !this.gate.mayDispatch();
  }

  private close(): void {
    this.closing = true;
    this.queue.closeWhenDrained();
  }

  private answer(bytes: Buffer): void {
    this.queue.immediate(bytes);
  }

  private onRequest(request: BinaryRequest): void {
    if (this.closing || this.queue.isClosed) return;
    this.timer?.begin(request, request.spec?.name);
    const head: ResponseHead = { opcode: request.opcode, opaque: request.opaque };
    if (request.fault === 'bad-magic') return this.close();
    if (request.fault === 'bad-frame') {
      this.answer(encodeError(head, BinaryStatus.UnknownCommand));
      return this.close();
    }
    const kind = request.spec?.kind;
    // memcached checks authentication before everything but the framing.
    if (!this.authenticated && kind !== 'sasl-list-mechs' && kind !== 'sasl-auth' && kind !== 'sasl-step' && kind !== 'version') {
      this.answer(encodeError(head, BinaryStatus.AuthError));
      return this.close();
    }
    switch (request.fault) {
      case 'invalid':
        this.answer(encodeError(head, BinaryStatus.InvalidArguments));
        return this.close();
      case 'unknown-command':
        return this.answer(encodeError(head, BinaryStatus.UnknownCommand));
      case 'too-large':
        return this.refuseTooLarge(request, head);
    }
    const spec = request.spec!;
    switch (spec.kind) {
      case 'get':
      case 'touch':
        return this.retrieve(request, head);
      case 'store':
      case 'append':
        return this.storeValue(request, head);
      case 'delete':
        return this.deleteKey(request, head);
      case 'arithmetic':
        return this.arithmetic(request, head);
      case 'flush':
        return this.flush(request, head);
      case 'noop':
        return this.answer(encodeSuccess(head));
      case 'version':
        return this.answer(encodeResponse(head, BinaryStatus.Ok, { valueBytes: this.versionBytes }));
      case 'quit':
        if (!spec.quiet) this.answer(encodeSuccess(head));
        return this.close();
      case 'stat':
        return this.stats(request, head);
      case 'sasl-list-mechs':
        if (!this.context.config.enableSasl) return this.answer(encodeError(head, BinaryStatus.UnknownCommand));
        return this.answer(encodeResponse(head, BinaryStatus.Ok, { valueBytes: Buffer.from(SASL_MECHANISMS, 'latin1') }));
      case 'sasl-auth':
      case 'sasl-step':
        return this.authenticate(request, head);
      case 'config-get': {
        // ElastiCache auto-discovery: flags (0) as extras, the config payload as the value.
        // Any other key (or none) stays what memcached answers: unknown command.
        if (request.key.toString('latin1') !== 'cluster') return this.answer(encodeError(head, BinaryStatus.UnknownCommand));
        const m = this.context.membership;
        return this.answer(
          encodeResponse(head, BinaryStatus.Ok, {
            extras: Buffer.alloc(4),
            valueBytes: Buffer.from(clusterConfigPayload(m.version, m.nodes), 'utf8'),
          }),
        );
      }
    }
  }

  private expiresAt(exptime: number): number {
    return exptimeToExpiresAtMs(exptime, Date.now(), this.context.processStartMs);
  }

  private refuseTooLarge(request: BinaryRequest, head: ResponseHead): void {
    const spec = request.spec!;
    if (spec.kind === 'sasl-auth' || spec.kind === 'sasl-step') {
      if (!this.context.config.enableSasl) return this.answer(encodeError(head, BinaryStatus.UnknownCommand));
      // memcached cannot allocate the item it reads SASL data into.
      return this.answer(encodeError(head, BinaryStatus.OutOfMemory));
    }
    // memcached drops the old item when a set is refused, so a stale value is not served.
    if (spec.variant === 'set') this.router.delete(request.key, IGNORE_REPLY, 0);
    this.answer(encodeError(head, BinaryStatus.TooLarge));
  }

  private retrieve(request: BinaryRequest, head: ResponseHead): void {
    const spec = request.spec!;
    const touching = request.extras.length === 4;
    const key = request.key;
    const sink = new OneReply(this.queue, this.queue.reserve(), (r) => {
      if (r.status === StoreStatus.Ok) {
        // Touch answers flags and CAS only; get and gat carry the value.
        const valueLength = !touching || replyHasValue(r) ? r.valueLength : 0;
        return encodeHit(head, r.clientFlags, r.casHigh, r.casLow, spec.returnsKey ? key : null, r.bytes, r.valueOffset, valueLength);
      }
      if (r.status !== StoreStatus.NotFound) {
        // A hit refused for the shard's reply budget is memcached's "Out of memory" too, counted apart.
        if (r.status === REPLY_TOO_LARGE_STATUS) connectionLimitStats.replyTooLarge++;
        return encodeError(head, BinaryStatus.OutOfMemory);
      }
      if (spec.quiet) return null;
      return spec.returnsKey ? encodeKeyedMiss(head, key) : encodeError(head, BinaryStatus.KeyNotFound);
    });
    if (!touching) return this.router.get(key, sink, 0);
    const read: ItemReadRequest = {
      wantValue: spec.kind !== 'touch',
      noBump: false,
      touchExpiresAtMs: this.expiresAt(readExptimeExtras(request.extras)),
      vivifyExpiresAtMs: null,
      recacheBelowSeconds: null,
      compareCas: 0n,
      newCas: 0n,
    };
    this.router.readItem(key, read, sink, 0);
  }

  private storeValue(request: BinaryRequest, head: ResponseHead): void {
    const spec = request.spec!;
    const appending = spec.kind === 'append';
    const { flags, exptime } = appending ? { flags: 0, exptime: 0 } : readStoreExtras(request.extras);
    const compareCas = request.casHigh !== 0 || request.casLow !== 0;
    if (exceedsMemcachedItemSize(request.key.length, request.value.length, flags, this.limits.maxItemSize)) {
      if (spec.variant === 'set') this.router.delete(request.key, IGNORE_REPLY, 0);
      return this.answer(encodeError(head, BinaryStatus.TooLarge));
    }
    const sink = new OneReply(this.queue, this.queue.reserve(), (r) => {
      switch (r.status) {
        case StoreStatus.Stored:
          return spec.quiet ? null : encodeSuccess(head, r.casHigh, r.casLow);
        case StoreStatus.Exists:
          return encodeError(head, BinaryStatus.KeyExists);
        case StoreStatus.NotFound:
          // memcached: an append finds no item to append to whatever the CAS says.
          return encodeError(head, appending ? BinaryStatus.NotStored : BinaryStatus.KeyNotFound);
        case StoreStatus.NotStored:
        case StoreStatus.TooLarge:
        case StoreStatus.NoMemory:
          return encodeError(head, storeFailureStatus(spec.variant, compareCas));
        default:
          return encodeError(head, BinaryStatus.OutOfMemory);
      }
    });
    const expiresAtMs = this.expiresAt(exptime);
    if (!compareCas) {
      return this.router.store(STORAGE_OPS[spec.variant!]!, request.key, request.value, flags, expiresAtMs, 0, 0, sink, 0);
    }
    const write: ItemWriteRequest = {
      // memcached turns any set/add/replace carrying a CAS into a plain CAS write.
      mode: spec.variant === 'append' ? WriteMode.Append : spec.variant === 'prepend' ? WriteMode.Prepend : WriteMode.Set,
      value: request.value,
      clientFlags: flags,
      expiresAtMs,
      compareCas: requestCas(request),
      newCas: 0n,
      invalidate: false,
      vivifyExpiresAtMs: null,
    };
    this.router.writeItem(request.key, write, sink, 0);
  }

  private deleteKey(request: BinaryRequest, head: ResponseHead): void {
    const quiet = request.spec!.quiet;
    const sink = new OneReply(this.queue, this.queue.reserve(), (r) => {
      if (r.status === StoreStatus.Ok) return quiet ? null : encodeSuccess(head);
      if (r.status === StoreStatus.NotFound) return encodeError(head, BinaryStatus.KeyNotFound);
      if (r.status === StoreStatus.Exists) return encodeError(head, BinaryStatus.KeyExists);
      return encodeError(head, BinaryStatus.OutOfMemory);
    });
    const compareCas = requestCas(request);
    if (compareCas === 0n) return this.router.delete(request.key, sink, 0);
    const del: ItemDeleteRequest = { compareCas, newCas: 0n, invalidate: false, invalidateExpiresAtMs: null, dropValueKeepItem: false };
    this.router.deleteItem(request.key, del, sink, 0);
  }

  private arithmetic(request: BinaryRequest, head: ResponseHead): void {
    const spec = request.spec!;
    const { delta, initial, exptime } = readArithmeticExtras(request.extras);
    const sink = new OneReply(this.queue, this.queue.reserve(), (r) => {
      switch (r.status) {
        case StoreStatus.Ok:
          return spec.quiet ? null : encodeCounter(head, counterValue(r), r.casHigh, r.casLow);
        case StoreStatus.NotFound:
          return encodeError(head, BinaryStatus.KeyNotFound);
        case StoreStatus.NonNumeric:
          return encodeError(head, BinaryStatus.NonNumeric);
        case StoreStatus.Exists:
          return encodeError(head, BinaryStatus.KeyExists);
        case StoreStatus.NotStored:
          return encodeError(head, BinaryStatus.NotStored);
        default:
          return encodeError(head, BinaryStatus.OutOfMemory);
      }
    });
    const arithmetic: ArithmeticRequest = {
      incr: spec.variant === 'incr',
      delta,
      initial,
      // Any expiration but 0xffffffff creates a missing counter holding `initial`.
      vivifyExpiresAtMs: exptime === ARITHMETIC_NO_CREATE ? null : this.expiresAt(exptime),
      compareCas: requestCas(request),
      newCas: 0n,
      touchExpiresAtMs: null,
    };
    this.router.arithmetic(request.key, arithmetic, sink, 0);
  }

  private flush(request: BinaryRequest, head: ResponseHead): void {
    this.context.stats.cmdFlush++;
    const delay = readFlushDelay(request.extras);
    const now = Date.now();
    const deadline = delay === 0 ? now : exptimeToExpiresAtMs(delay, now, this.context.processStartMs);
    const slot = this.queue.reserve();
    const quiet = request.spec!.quiet;
    const sink = new BroadcastReply(this.router.shardCount, (failed) => {
      if (failed) this.queue.complete(slot, encodeError(head, BinaryStatus.OutOfMemory));
      else this.queue.complete(slot, quiet ? null : encodeSuccess(head));
    });
    this.router.broadcast(OpCode.FlushAll, deadline, sink);
  }

  private stats(request: BinaryRequest, head: ResponseHead): void {
    const args = request.key.toString('latin1').split(' ').filter((t) => t !== '');
    if (args[0] === 'reset') {
      const slot = this.queue.reserve();
      this.context.resetStats().then(
        () => this.queue.complete(slot, Buffer.concat(encodeStats(head, []))),
        () => this.queue.complete(slot, encodeError(head, BinaryStatus.OutOfMemory)),
      );
      return;
    }
    if (args[0] === 'detail') {
      // memcached: on/off answer the bare terminator; dump is one stat `detailed` holding the text dump.
      const observability = observabilityOf(this.context);
      const mode = args[1];
      if (observability === undefined || (mode !== 'on' && mode !== 'off' && mode !== 'dump')) {
        return this.answer(encodeError(head, BinaryStatus.KeyNotFound));
      }
      const slot = this.queue.reserve();
      const entries =
        mode === 'dump'
          ? observability.detailDump().then((dump) => [['detailed', dump.toString('latin1')] as const])
          : observability.setDetail(mode === 'on').then(() => []);
      entries.then(
        (list) => this.queue.complete(slot, Buffer.concat(encodeStats(head, list))),
        () => this.queue.complete(slot, encodeError(head, BinaryStatus.OutOfMemory)),
      );
      return;
    }
    const slot = this.queue.reserve();
    this.context.collectStats(args).then(
      (entries) => this.queue.complete(slot, entries === null ? encodeError(head, BinaryStatus.KeyNotFound) : encodeStats(head, entries)),
      () => this.queue.complete(slot, encodeError(head, BinaryStatus.OutOfMemory)),
    );
  }

  private authenticate(request: BinaryRequest, head: ResponseHead): void {
    if (!this.context.config.enableSasl) return this.answer(encodeError(head, BinaryStatus.UnknownCommand));
    const stats = this.context.stats;
    stats.authCmds++;
    // As memcached: every attempt starts a fresh SASL exchange, so a failed one logs the connection out.
    this.authenticated = false;
    const ok = request.spec!.kind === 'sasl-auth' && request.key.toString('latin1') === 'PLAIN' && this.checkPlain(request.value);
    if (!ok) {
      stats.authErrors++;
      return this.answer(encodeError(head, BinaryStatus.AuthError));
    }
    this.authenticated = true;
    this.answer(encodeResponse(head, BinaryStatus.Ok, { valueBytes: AUTHENTICATED }));
  }

  /** PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`; an authzid other than the user is refused. */
  private checkPlain(message: Buffer): boolean {
    const credentials = this.context.credentials;
    if (credentials === null) return false;
    const first = message.indexOf(0);
    const second = first < 0 ? -1 : message.indexOf(0, first + 1);
    if (second < 0) return false;
    const authzid = message.subarray(0, first).toString('utf8');
    const user = message.subarray(first + 1, second).toString('utf8');
    if (authzid !== '' && authzid !== user) return false;
    return credentials.verify(user, message.subarray(second + 1));
  }
}
