/**
 * One Redis (RESP) conversation: parsed commands are checked against the
 * command table (name, arity, subcommand), then run by a handler that either
 * answers at once or sends router ops whose replies complete a ReplyQueue
 * slot, so replies leave in request order. Same gate/deferral pattern as the
 * memcached text session: when the connection has too much in flight, parsed
 * commands wait (errors too, to keep their place) until `resume()`.
 *
 * Per-connection state (protocol version, database, name, open transaction,
 * subscriptions) lives here; what the connections share lives in
 * resp-server-state.ts. Before a handler runs, the session applies Redis's
 * connection-state rules in Redis's order: unknown command, arity, NOAUTH /
 * NOPERM (resp-auth.ts; only when authentication is configured), RESP2
 * subscribed mode (only (P)(UN)SUBSCRIBE, PING, QUIT, RESET), then MULTI
 * queuing (a refused command fails the transaction).
 *
 * May import `src/protocol/resp`, the router and `src/server` modules; not
 * node:net (the Connection owns the socket), shards or the store.
 */
import {
  arityAccepts,
  findCommandByBytes,
  findSubcommand,
  type RespCommandSpec,
} from '../protocol/resp/command-table';
import { unknownCommandError, unknownSubcommandError, wrongArityError } from '../protocol/resp/errors';
import {
  encodeReply,
  errorReply,
  nullArrayReply,
  nullReply,
  type RespValue,
  type RespVersion,
} from '../protocol/resp/reply-encoder';
import { RespRequestParser, type RespParserLimits } from '../protocol/resp/request-parser';
import type { Config } from '../config/config';
import type { Router } from '../router/router';
import type { DispatchGate, PeerInfo, ProtocolSession } from './connection';
import { connectionLimitStats } from './connection';
import type { ReplyQueue, ReplySlot } from './reply-queue';
import type { AclUser } from '../auth/acl';
import { AUTH_HANDLERS, checkAccess, initialAuthState } from './resp-auth';
import { CLUSTER_HANDLERS, commandSlot, CROSSSLOT_ERROR, redirectFor } from './resp-cluster';
import { KEYSPACE_HANDLERS } from './resp-keyspace-commands';
import { PUBSUB_HANDLERS, type RenderedMessage, type Subscriber } from './resp-pubsub';
import { CONNECTION_AND_SERVER_HANDLERS } from './resp-server-commands';
import { respServerState, type RespClient, type RespServerState } from './resp-server-state';
import { STRING_AND_KEY_HANDLERS } from './resp-string-commands';
import { HASH_HANDLERS } from './resp-hash-commands';
import { HLL_HANDLERS } from './resp-hll-commands';
import { SET_HANDLERS } from './resp-set-commands';
import { BLOCKING_HANDLERS } from './resp-blocking';
import { LIST_HANDLERS } from './resp-list-commands';
import { ZSET_HANDLERS } from './resp-zset-commands';
import {
  execAbortedBecause,
  ExecReplies,
  GatheredSlot,
  MAX_QUEUED_BYTES,
  RUN_INSIDE_MULTI,
  Transaction,
  TRANSACTION_HANDLERS,
  type QueuedCommand,
  type ReplyTarget,
} from './resp-transaction';
import { unwatchAll, type Watcher } from './resp-watch';
import type { ServerContext } from './server-context';
import { describeRespCommand, turnClock, type CommandTimer } from './slowlog';
import { startCommandTiming } from './stats-report';

/** Runs one command whose name, arity and subcommand were already checked. */
export type RespHandler = (session: RespSession, args: Buffer[]) => void;

const HANDLERS: ReadonlyMap<string, RespHandler> = new Map([
  ...Object.entries(CONNECTION_AND_SERVER_HANDLERS),
  ...Object.entries(STRING_AND_KEY_HANDLERS),
  ...Object.entries(HASH_HANDLERS),
  ...Object.entries(SET_HANDLERS),
  ...Object.entries(HLL_HANDLERS),
  ...Object.entries(LIST_HANDLERS),
  ...Object.entries(ZSET_HANDLERS),
  ...Object.entries(BLOCKING_HANDLERS),
  ...Object.entries(PUBSUB_HANDLERS),
  ...Object.entries(TRANSACTION_HANDLERS),
  ...Object.entries(CLUSTER_HANDLERS),
  ...Object.entries(KEYSPACE_HANDLERS),
  ...Object.entries(AUTH_HANDLERS),
]);

/**
 * What the session may ask of its connection beyond the gate. `unsentBytes`
 * measures a subscriber's backlog for the pub/sub output limits; `destroy`
 * closes at once (CLIENT KILL, output limits), where waiting for the output
 * to drain could wait forever. Connection provides both; when absent the
 * limits cannot be measured and kills wait for the output to drain.
 */
export interface ConnectionControl {
  readonly unsentBytes: number;
  destroy(): void;
}

/** Commands RESP2 allows while subscribed (Redis's list). */
const ALLOWED_WHILE_SUBSCRIBED: ReadonlySet<string> = new Set([
  'ping', 'subscribe', 'ssubscribe', 'unsubscribe', 'sunsubscribe', 'psubscribe', 'punsubscribe', 'quit', 'reset',
]);

function notAllowedWhileSubscribed(fullName: string): string {
  return `ERR Can't execute '${fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}

const QUEUED_REPLY = Buffer.from('+QUEUED\r\n');

type ParsedEvent = { args: Buffer[]; error: null } | { args: null; error: string | null };

/**
 * --proto-max-bulk-len and --max-multibulk-len, when given, replace the factory's
 * defaults; a request may still hold four of the largest arguments.
 */
function withConfiguredLimits(limits: RespParserLimits, config: Config): RespParserLimits {
  const maxBulkLength = config.protoMaxBulkLen ?? limits.maxBulkLength;
  const maxArguments = config.maxMultibulkLen ?? limits.maxArguments;
  if (maxBulkLength === limits.maxBulkLength && maxArguments === limits.maxArguments) return limits;
  return { maxBulkLength, maxArguments, maxRequestBytes: Math.max(limits.maxRequestBytes, 4 * maxBulkLength) };
}

export class RespSession implements ProtocolSession, RespClient, Subscriber, Watcher {
  readonly router: Router;
  readonly state: RespServerState;
  readonly id: number;
  readonly createdAtMs = Date.now();
  protocolVersion: RespVersion = 2;
  database = 0;
  name: Buffer | null = null;
  libName: Buffer | null = null;
  libVersion: Buffer | null = null;
  /** performance.now() ms (a monotonic clock, unlike createdAtMs): CLIENT LIST's idle. */
  lastCommandAtMs = performance.now();
  lastCommand = 'NULL';
  /** The ACL user (the default user until AUTH) and whether it has logged in (resp-auth.ts). */
  user: AclUser;
  authenticated: boolean;
  /** --requirepass / --acl-file given: every command passes checkAccess (false: no check at all, the hot path). */
  private readonly checksAccess: boolean;
  /** The open MULTI, or null. */
  transaction: Transaction | null = null;
  watchDirty = false;
  readonly channels = new Map<string, Buffer>();
  readonly patterns = new Map<string, Buffer>();
  readonly addr: string;
  readonly laddr: string;

  private readonly parser: RespRequestParser;
  /** Parsed commands waiting for the gate, in arrival order (protocol errors too). */
  private deferred: ParsedEvent[] = [];
  private deferredHead = 0;
  /** resume() writes replies, which report progress, which calls resume(): one loop at a time. */
  private resuming = false;
  /** After QUIT, CLIENT KILL or a protocol error, Redis runs nothing more from this client. */
  private closing = false;
  /** Where replies go: the queue, or the EXEC gathering them while it runs. */
  private replies: ReplyTarget;
  /** When the pub/sub backlog first went over the soft limit (0 = under it). */
  private overSoftLimitSinceMs = 0;
  /** Slow log and -vv trace (null without a daemon's Observability). */
  private readonly timer: CommandTimer<Buffer[]> | null;
  /** Open exclusive sections (resp-typed.ts readThenWrite): while > 0 nothing more of this client is dispatched. */
  private exclusiveDepth = 0;
  /** The rest of an EXEC paused by an exclusive section, run (still inside the gate) when it ends. */
  private afterExclusive: (() => void) | null = null;
  /** A blocking pop waiting for data (resp-blocking.ts): nothing more of this client is dispatched until it is answered. */
  blockedCommand: { cancel(): void } | null = null;

  constructor(
    readonly queue: ReplyQueue,
    private readonly gate: DispatchGate & Partial<ConnectionControl>,
    readonly context: ServerContext,
    limits: RespParserLimits,
    peer: PeerInfo = { remote: '', local: '', tls: false },
  ) {
    this.replies = queue;
    this.addr = peer.remote;
    this.laddr = peer.local;
    this.router = context.router;
    this.state = respServerState(context);
    this.id = this.state.clients.allocateId();
    const auth = initialAuthState(this.state.accessControl);
    this.user = auth.user;
    this.authenticated = auth.authenticated;
    this.checksAccess = this.state.accessControl.enabled;
    this.state.clients.add(this);
    this.timer = startCommandTiming(queue, context, describeRespCommand, this, 'resp');
    limits = withConfiguredLimits(limits, context.config);
    this.parser = new RespRequestParser(
      {
        onCommand: (args) => (this.mustDefer() ? this.deferred.push({ args, error: null }) : this.execute(args)),
        onProtocolError: (error) =>
          this.mustDefer() ? this.deferred.push({ args: null, error }) : this.onProtocolError(error),
      },
      limits,
    );
  }

  push(chunk: Buffer): void {
    this.parser.push(chunk);
  }

  get hasDeferred(): boolean {
    return this.deferredHead < this.deferred.length;
  }

  get isClosed(): boolean {
    return this.closing || this.queue.isClosed;
  }

  resume(): void {
    if (this.resuming) return;
    this.resuming = true;
    try {
      while (this.exclusiveDepth === 0 && this.blockedCommand === null && this.hasDeferred && this.gate.mayDispatch()) {
        const event = this.deferred[this.deferredHead]!;
        this.deferred[this.deferredHead++] = undefined as unknown as ParsedEvent;
        if (event.args !== null) this.execute(event.args);
        else this.onProtocolError(event.error);
      }
      if (!this.hasDeferred) {
        this.deferred = [];
        this.deferredHead = 0;
      }
    } finally {
      this.resuming = false;
    }
  }

  /** CLIENT KILL by another client: close now, dropping unsent output, as Redis does. */
  kill(): void {
    if (this.gate.destroy === undefined) return this.closeAfterReplies();
    this.closing = true;
    this.gate.destroy();
  }

  /**
   * No more requests will be served: the client shut down its write side, or the
   * daemon is draining. A blocked pop is dropped (Redis frees a client on EOF and
   * closes blocked clients on shutdown), so the connection can close instead of
   * waiting forever or taking an element for nobody.
   */
  onInputEnd(): void {
    this.blockedCommand?.cancel();
    this.blockedCommand = null;
  }

  onClose(): void {
    this.closing = true;
    this.forgetConnectionState();
    this.state.clients.remove(this);
  }

  /** Channels plus patterns: the count in every (un)subscribe confirmation. */
  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size;
  }

  /** Leaves MULTI, WATCH and every subscription without replies (RESET, close). */
  forgetConnectionState(): void {
    this.blockedCommand?.cancel();
    this.blockedCommand = null;
    this.transaction = null;
    unwatchAll(this);
    this.state.pubsub.dropSubscriber(this);
  }

  /**
   * A published message for this subscriber, queued behind the replies it is
   * already owed. Over Redis's pub/sub output limits (hard, or soft for too
   * long) the subscriber is disconnected and counted.
   */
  deliverPubSub(message: RenderedMessage): void {
    if (this.isClosed) return;
    // `replies`, not the queue: a client publishing to itself inside EXEC gets the message inside EXEC's array, as from Redis.
    this.replies.immediate(message.bytes(this.protocolVersion));
    const backlog = this.gate.unsentBytes;
    if (backlog === undefined) return;
    const limit = this.state.pubsub.outputLimit;
    let over = limit.hardBytes > 0 && backlog > limit.hardBytes;
    if (!over && limit.softBytes > 0 && backlog > limit.softBytes) {
      const now = Date.now();
      if (this.overSoftLimitSinceMs === 0) this.overSoftLimitSinceMs = now;
      over = now - this.overSoftLimitSinceMs > limit.softSeconds * 1000;
    } else if (!over) {
      this.overSoftLimitSinceMs = 0;
    }
    if (!over) return;
    this.state.pubsub.outputLimitDisconnections++;
    // Unsubscribe now: the socket's close event comes later, and more messages must not pile up meanwhile.
    this.forgetConnectionState();
    this.kill();
  }

  /**
   * Runs EXEC's queued commands in one synchronous loop (see resp-transaction.ts
   * for why this makes the transaction atomic) and replies with their replies
   * as one array once all are complete.
   */
  runTransaction(commands: readonly QueuedCommand[]): void {
    const slot = this.queue.reserve(1);
    const header = Buffer.from(`*${commands.length}\r\n`);
    const gathered = new ExecReplies((outputs) => this.queue.complete(slot, [header, ...outputs]));
    this.runQueued(commands, 0, gathered);
  }

  private runQueued(commands: readonly QueuedCommand[], from: number, gathered: ExecReplies): void {
    this.replies = gathered;
    try {
      // Redis applies no connection-state rule (subscribed mode) to queued commands.
      for (let i = from; i < commands.length; i++) {
        commands[i]!.handler(this, commands[i]!.args);
        // A read-then-write command (SMOVE, *STORE) holds the exclusive gate until its writes are
        // queued: the rest of the transaction must come after them, and still inside the gate.
        if (this.exclusiveDepth > 0 && i + 1 < commands.length) {
          this.afterExclusive = () => this.runQueued(commands, i + 1, gathered);
          return;
        }
      }
    } finally {
      this.replies = this.queue;
    }
    gathered.seal();
  }

  /**
   * Holds the connection's exclusive gate (no other connection dispatches) and stops this
   * session dispatching its own next commands, until the matching endExclusive. For commands
   * that read and then write from what they read (resp-typed.ts readThenWrite).
   */
  beginExclusive(): void {
    this.gate.acquireExclusive();
    this.exclusiveDepth++;
  }

  /** Whether this connection may send work now (false while another connection holds the exclusive gate): blocked pops ask before retrying. */
  mayDispatchNow(): boolean {
    return this.gate.mayDispatch();
  }

  /** True while EXEC runs this session's queued commands (blocking pops must not block then). */
  get runningExec(): boolean {
    return this.replies !== this.queue;
  }

  /** Call once the section's writes are queued (queued = ordered). */
  endExclusive(): void {
    this.exclusiveDepth--;
    if (this.exclusiveDepth === 0 && this.afterExclusive !== null) {
      const rest = this.afterExclusive;
      this.afterExclusive = null;
      rest();
    }
    this.gate.releaseExclusive();
    if (this.exclusiveDepth === 0) this.resume();
  }

  // ---- replies (handlers use these) ----

  /** A reply ready now (in order behind any pending one). */
  reply(bytes: Buffer): void {
    this.replies.immediate(bytes);
  }

  replyValue(value: RespValue): void {
    this.replies.immediate(encodeReply(value, this.protocolVersion));
  }

  replyError(message: string): void {
    this.replies.immediate(errorReply(message));
  }

  /** `$-1` (RESP2) or `_` (RESP3). */
  replyNull(): void {
    this.replies.immediate(nullReply(this.protocolVersion));
  }

  /** `*-1` (RESP2) or `_` (RESP3). */
  replyNullArray(): void {
    this.replies.immediate(nullArrayReply(this.protocolVersion));
  }

  /**
   * A slot for a reply that shards will complete; `weight` = ops it waits on.
   * Complete it through `complete` of this session (inside EXEC the slot
   * belongs to the EXEC's gathering, not to the queue).
   */
  reserve(weight = 1): ReplySlot {
    return this.replies.reserve(weight);
  }

  complete(slot: ReplySlot, bytes: Buffer): void {
    if (slot instanceof GatheredSlot) slot.gathering.complete(slot, bytes);
    else this.queue.complete(slot, bytes);
  }

  /**
   * Room for `size` bytes of `slot`'s reply written in place in the connection's output
   * (ReplyQueue.claimOutput): the offset in `outputBuffer`, then `completeInPlace(slot)`.
   * -1 when the reply needs a buffer of its own (an EXEC gathers its replies).
   */
  claimOutput(slot: ReplySlot, size: number): number {
    return slot instanceof GatheredSlot ? -1 : this.queue.claimOutput(slot, size);
  }

  get outputBuffer(): Buffer {
    return this.queue.outputBuffer;
  }

  completeInPlace(slot: ReplySlot): void {
    this.queue.completeInPlace(slot);
  }

  /** Closes after everything owed so far is written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReplies(): void {
    if (this.closing) return;
    this.closing = true;
    this.queue.closeWhenDrained();
  }

  // ---- dispatch ----

  private mustDefer(): boolean {
    return this.exclusiveDepth > 0 || this.blockedCommand !== null || this.hasDeferred || !this.gate.mayDispatch();
  }

  private onProtocolError(message: string | null): void {
    // Over-long lines, bulk and multibulk lengths past the limits, and malformed framing.
    connectionLimitStats.respProtocolErrors++;
    if (message !== null) this.replyError(message);
    this.closeAfterReplies();
  }

  private execute(args: Buffer[]): void {
    if (this.closing || this.queue.isClosed) return;
    const spec = findCommandByBytes(args[0]!);
    if (spec === undefined) return this.refuse(null, unknownCommandError(args[0]!, args.slice(1)));
    const resolved = this.resolve(spec, args);
    if (typeof resolved === 'string') return this.refuse(spec.name, resolved);
    if (this.checksAccess && !this.accessAllowed(spec.name, resolved, args)) return;
    if (this.context.config.redisCluster && !this.routedHere(resolved, args)) return;
    if (this.protocolVersion === 2 && this.subscriptionCount > 0 && !ALLOWED_WHILE_SUBSCRIBED.has(spec.name)) {
      return this.refuse(spec.name, notAllowedWhileSubscribed(resolved.name));
    }
    this.timer?.begin(args, spec.name);
    // Read once per run of JavaScript, not per command (CLIENT LIST shows idle seconds).
    this.lastCommandAtMs = turnClock();
    this.lastCommand = resolved.name;
    const transaction = this.transaction;
    if (transaction !== null && !RUN_INSIDE_MULTI.has(spec.name)) {
      transaction.add(this.handlerFor(resolved.name), args);
      if (transaction.queuedBytes > MAX_QUEUED_BYTES) {
        this.transaction = null;
        return this.closeAfterReplies();
      }
      return this.reply(QUEUED_REPLY);
    }
    this.handlerFor(resolved.name)(this, args);
  }

  /** Redis's NOAUTH / NOPERM (after arity, before cluster redirects), refused like any other error. */
  private accessAllowed(commandName: string, resolved: RespCommandSpec, args: Buffer[]): boolean {
    const denied = checkAccess(this, resolved, args);
    if (denied === null) return true;
    if (!this.isClosed) this.refuse(commandName, denied);
    return false;
  }

  /**
   * --redis-cluster, in Redis's order (after arity, before subscribed mode and
   * queuing): a command's keys must share a slot this node owns, else
   * CROSSSLOT or MOVED, which inside MULTI fails the transaction. EXEC checks
   * the queued commands' keys together; refused, it drops the transaction
   * and answers the bare error (no EXECABORT), as Redis does. Inside MULTI
   * each queued command's slot is remembered for that check.
   */
  private routedHere(spec: RespCommandSpec, args: Buffer[]): boolean {
    const transaction = this.transaction;
    if (spec.name === 'exec' && transaction !== null) {
      const error = this.clusterError(transaction.keySlot);
      if (error === null) return true;
      this.transaction = null;
      unwatchAll(this);
      this.replyError(error);
      return false;
    }
    const slot = commandSlot(spec, args);
    const error = this.clusterError(slot);
    if (error !== null) {
      this.refuse(spec.name, error);
      return false;
    }
    if (transaction !== null && slot !== null && !RUN_INSIDE_MULTI.has(spec.name)) {
      if (transaction.keySlot === null) transaction.keySlot = slot;
      else if (transaction.keySlot !== slot) transaction.keySlot = 'crossslot';
    }
    return true;
  }

  private clusterError(slot: number | 'crossslot' | null): string | null {
    if (slot === null) return null;
    if (slot === 'crossslot') return CROSSSLOT_ERROR;
    return redirectFor(this.context, slot);
  }

  /**
   * A command refused before running. Inside MULTI it fails the transaction.
   * A refused EXEC (in MULTI or not) ends any transaction and names the
   * reason in an EXECABORT, as Redis's execCommandAbort does.
   */
  private refuse(commandName: string | null, error: string): void {
    if (commandName === 'exec') {
      this.transaction = null;
      unwatchAll(this);
      return this.replyError(execAbortedBecause(error));
    }
    if (this.transaction !== null) this.transaction.failed = true;
    this.replyError(error);
  }

  private handlerFor(name: string): RespHandler {
    const handler = HANDLERS.get(name);
    if (handler === undefined) throw new Error(`no handler for RESP command ${name}`);
    return handler;
  }

  /** The command or subcommand to run, or Redis's arity / subcommand error. */
  private resolve(spec: RespCommandSpec, args: Buffer[]): RespCommandSpec | string {
    if (!arityAccepts(spec.arity, args.length)) return wrongArityError(spec.name);
    // COMMAND alone is a command too; other containers need a subcommand (their arity says so).
    if (spec.subcommands === undefined || args.length === 1) return spec;
    const subcommand = findSubcommand(spec, args[1]!.toString('latin1'));
    if (subcommand === undefined) return unknownSubcommandError(args[1]!, spec.name);
    if (!arityAccepts(subcommand.arity, args.length)) return wrongArityError(subcommand.name);
    return subcommand;
  }
}

/** Every command in the table must have a handler: checked once at load, so a gap fails start-up, not a client. */
export function missingHandlers(commands: readonly RespCommandSpec[]): string[] {
  const missing: string[] = [];
  for (const c of commands) {
    if (c.subcommands === undefined) {
      if (!HANDLERS.has(c.name)) missing.push(c.name);
    } else {
      for (const s of c.subcommands) if (!HANDLERS.has(s.name)) missing.push(s.name);
    }
  }
  return missing;
}
