/**
 * Blocking pops on the RESP port: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN
 * BZPOPMAX BZMPOP, and their non-blocking multi-key relatives LMPOP and ZMPOP.
 *
 * A blocking command first tries to pop at once. With one key that is one op;
 * with several, holding the exclusive gate, it reads every key's length in one
 * turn and pops from the first non-empty one (Redis's order, and its WRONGTYPE
 * for a wrong key met first). When nothing is there the client is *parked*: a
 * main-thread registry maps each stored key to the clients waiting on it, in the
 * order they blocked, and the session dispatches none of the client's later
 * pipelined requests until it is answered (RespSession.blockedCommand).
 *
 * Waking: resp-watch.ts tells this registry of every write the router queues
 * (the same fan-out WATCH uses; nothing is installed while nobody blocks, so the
 * write path pays one null check). A write to a key with waiters marks it ready;
 * a microtask (after the writer's own ops are queued) then submits one pop per
 * waiter of that key, in blocking order, in one turn: the shard runs them in that
 * order right after the write, so the first blocked client is served first and the
 * others get the following elements or nothing. A client whose pop came back
 * empty stays parked in its place (another client may have taken the element).
 * No retry is sent while another connection holds the exclusive gate (it may be
 * between the read and the write of an LMOVE on that key): the registry looks
 * again on the next turn. Each client has at most one attempt in flight, so a
 * client waiting on several keys is never served twice.
 *
 * Our own retry pops are writes too; they are not reported back to the registry
 * (an empty pop would otherwise wake its own key forever).
 *
 * Timeouts follow Redis: seconds as a double, truncated to milliseconds, 0 (or
 * anything under 1 ms) = forever; on expiry RESP2 gets `*-1` (BLMOVE too, as
 * from Redis 7.0) and RESP3 `_`. Inside MULTI (EXEC running) nothing blocks: an
 * empty source answers nil (`*-1`; `$-1` for BLMOVE / BRPOPLPUSH), as Redis does. A
 * closed connection leaves the registry; an element popped for it after it left
 * is pushed back where it came from.
 *
 * May import `src/protocol/resp`, the router and `src/server`; not sockets,
 * shards or the store.
 */
import type { RespVersion } from '../protocol/resp/reply-encoder';
import type { ReplySlot } from './reply-queue';
import { listEndIsHead, moveElement } from './resp-list-commands';
import type { RespHandler, RespSession } from './resp-session';
import { renderTypedReply, submitGroup, submitTyped, typedKey, typedKeys, type TypedReply } from './resp-typed';
import { setKeyWriteListener } from './resp-watch';
import { formatRedisDouble, shapeForProtocol } from './resp-zset-commands';

export const BlockingErrors = {
  TIMEOUT_NOT_FLOAT: 'ERR timeout is not a float or out of range',
  TIMEOUT_NEGATIVE: 'ERR timeout is negative',
  TIMEOUT_OUT_OF_RANGE: 'ERR timeout is out of range',
  NUMKEYS: 'ERR numkeys should be greater than 0',
  COUNT: 'ERR count should be greater than 0',
  SYNTAX: 'ERR syntax error',
} as const;

const INT64_MAX = 2 ** 63;
/** setTimeout's longest delay; longer timeouts re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/;
const INFINITY_WORD = /^[+-]?(inf|infinity)$/i;

/** The seconds text as strtold reads it (whole argument, no spaces, no NaN), or null. */
function parseSeconds(text: string): number | null {
  if (text.length === 0 || text.length > 5120) return null;
  if (INFINITY_WORD.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (DECIMAL_FLOAT.test(text)) return Number(text);
  const hex = HEX_FLOAT.exec(text);
  if (hex === null || hex[2]! + hex[3]! === '') return null;
  let value = parseInt(hex[2]! || '0', 16);
  for (let i = 0; i < hex[3]!.length; i++) value += parseInt(hex[3]![i]!, 16) / 16 ** (i + 1);
  if (hex[4] !== undefined) value *= 2 ** Number(hex[4]);
  return hex[1] === '-' ? -value : value;
}

/**
 * Redis's blocking timeout (getTimeoutFromObjectOrReply, seconds): milliseconds to
 * wait (0 = forever), or the error text. Seconds × 1000 is truncated to an integer
 * as C does; a product beyond int64 (infinity included) wraps negative in Redis,
 * so it is "negative" here too.
 */
export function parseBlockingTimeout(arg: Buffer, nowMs: number): number | string {
  const seconds = parseSeconds(arg.toString('latin1'));
  if (seconds === null) return BlockingErrors.TIMEOUT_NOT_FLOAT;
  const ms = Math.trunc(seconds * 1000);
  if (!Number.isFinite(ms) || ms >= INT64_MAX || ms < -INT64_MAX || ms < 0) return BlockingErrors.TIMEOUT_NEGATIVE;
  if (ms > 0 && ms > INT64_MAX - 1 - nowMs) return BlockingErrors.TIMEOUT_OUT_OF_RANGE;
  return ms === 0 ? 0 : ms;
}

/** What is popped, and how the reply looks. */
type PopSpec =
  /** BLPOP / BRPOP (count null: reply [key, element]); BLMPOP / LMPOP (reply [key, [elements]]). */
  | { readonly type: 'list'; readonly head: boolean; readonly count: number | null }
  /** BZPOPMIN / BZPOPMAX (count null: reply [key, member, score]); BZMPOP / ZMPOP (reply [key, [[member, score]...]]). */
  | { readonly type: 'zset'; readonly max: boolean; readonly count: number | null }
  /** BLMOVE / BRPOPLPUSH: reply the element. */
  | { readonly type: 'move'; readonly destination: Buffer; readonly fromHead: boolean; readonly toHead: boolean };

function popOp(spec: PopSpec): { name: string; args: Buffer[] } {
  if (spec.type === 'move') throw new Error('a move has no pop op');
  const name = spec.type === 'list' ? (spec.head ? 'lpop' : 'rpop') : spec.max ? 'zpopmax' : 'zpopmin';
  return { name, args: spec.count === null ? [] : [Buffer.from(String(spec.count))] };
}

/** Whether a pop's reply carries something (else the key was empty or missing). */
function popped(spec: PopSpec, reply: TypedReply): boolean {
  if (spec.type === 'list' && spec.count === null) return reply.kind === 'bulk';
  return reply.kind === 'array' && reply.items.length > 0;
}

function lengthOpName(spec: PopSpec): string {
  return spec.type === 'zset' ? 'zcard' : 'llen';
}

// ---- the registry ----

/** A command waiting for data; the session holds it while parked (RespSession.blockedCommand). */
export class BlockedPop {
  /** Set once answered or abandoned: late replies are then ignored (or their elements put back). */
  private done = false;
  private attemptInFlight = false;
  /** Keys written while an attempt was in flight: looked at again when it comes back empty. */
  private readonly missedKeys = new Set<string>();
  private timedOut = false;
  /** Until the first attempt comes back empty: errors (WRONGTYPE) are answered only then. */
  private firstTry = true;
  private timer: NodeJS.Timeout | null = null;
  private registered = false;
  readonly keyIds: string[];

  constructor(
    private readonly session: RespSession,
    private readonly slot: ReplySlot,
    private readonly version: RespVersion,
    private readonly spec: PopSpec,
    /** Stored keys and the client's names for them (replies name the client's key). */
    private readonly keys: readonly Buffer[],
    private readonly clientKeys: readonly Buffer[],
    /** False inside EXEC and for LMPOP / ZMPOP: an empty result is answered at once. */
    private readonly mayBlock: boolean,
    private readonly timeoutMs: number,
  ) {
    this.keyIds = keys.map(keyId);
  }

  /** Parks (when it may block), then tries at once. */
  start(): void {
    if (this.mayBlock) {
      this.session.blockedCommand = this;
      this.register();
      if (this.timeoutMs > 0) this.armTimer(Date.now() + this.timeoutMs);
    }
    this.attemptFirst();
  }

  /**
   * The connection closed, or the client half-closed (Redis frees a client on EOF):
   * leave the registry. The slot is completed empty so that a half-closed
   * connection's close marker behind it can go out.
   */
  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.leave();
    this.session.complete(this.slot, Buffer.alloc(0));
  }

  /** The first try: one pop, or (several keys) lengths then a pop, under the exclusive gate. */
  private attemptFirst(): void {
    this.attemptInFlight = true;
    if (this.spec.type === 'move' || this.keys.length === 1) return this.attemptOn(0);
    const session = this.session;
    session.beginExclusive();
    const name = lengthOpName(this.spec);
    submitGroup(
      session,
      this.keys.map((key) => ({ key, name, args: [], write: false })),
      (lengths) => {
        const at = lengths.findIndex((r) => r.kind === 'error' || (r.kind === 'integer' && Number(r.value) > 0));
        if (at < 0) {
          this.attemptFailed();
        } else if (lengths[at]!.kind === 'error') {
          this.finish(renderTypedReply(lengths[at]!, this.version));
        } else {
          this.attemptOn(at);
        }
        session.endExclusive();
      },
    );
  }

  /** Pops from keys[index] (or moves, for BLMOVE); the reply decides. */
  private attemptOn(index: number): void {
    this.attemptInFlight = true;
    const spec = this.spec;
    if (spec.type === 'move') {
      const moved = (reply: TypedReply): void => {
        if (reply.kind === 'bulk' || reply.kind === 'error') {
          // Moved for a client that left meanwhile: it is where a successful LMOVE would have put it.
          if (!this.done) this.finish(renderTypedReply(reply, this.version));
          return;
        }
        this.attemptFailed();
      };
      // Suppressed: the same-key form (`__lmove`, a rotation) is queued right here and adds
      // nothing to wake anyone for (else an empty list would wake its own waiter forever);
      // a cross-key move's push is queued later, outside this call, and still wakes.
      withoutWakeups(() => moveElement(this.session, this.keys[0]!, spec.destination, spec.fromHead, spec.toHead, moved));
      return;
    }
    const { name, args } = popOp(spec);
    const key = this.keys[index]!;
    withoutWakeups(() =>
      submitTyped(this.session, key, name, args, true, (reply) => {
        if (reply.kind === 'error') {
          if (this.done) return;
          // WRONGTYPE on the first try is the answer; later (the key changed type meanwhile) Redis keeps waiting.
          return this.firstTry ? this.finish(renderTypedReply(reply, this.version)) : this.attemptFailed();
        }
        if (!popped(spec, reply)) return this.attemptFailed();
        if (this.done) return putBack(this.session, key, spec, reply);
        this.finish(renderTypedReply(this.replyFor(index, reply), this.version));
      }),
    );
  }

  /** The client's reply for a successful pop from keys[index]. */
  private replyFor(index: number, reply: TypedReply): TypedReply {
    const key: TypedReply = { kind: 'bulk', value: this.clientKeys[index]! };
    const spec = this.spec;
    if (spec.type === 'list' && spec.count === null) return { kind: 'array', items: [key, reply] };
    if (spec.type === 'zset' && spec.count === null && reply.kind === 'array') {
      return shapeForProtocol({ kind: 'array', items: [key, ...reply.items] }, this.version, false);
    }
    // [key, [elements]] / [key, [[member, score], ...]]: nested in RESP2 too.
    return shapeForProtocol({ kind: 'array', items: [key, reply] }, this.version, false);
  }

  /** Nothing was popped: answer as a timeout when it may not block (or timed out), else keep waiting. */
  private attemptFailed(): void {
    this.attemptInFlight = false;
    this.firstTry = false;
    if (this.done) return;
    if (!this.mayBlock || this.timedOut) return this.finish(this.timeoutReply());
    if (this.missedKeys.size > 0) {
      for (const id of this.missedKeys) markReady(id);
      this.missedKeys.clear();
    }
  }

  /** Redis 7.0 answers a timeout with a null array, BLMOVE too; unblocked (in MULTI) BLMOVE answers a null bulk. */
  private timeoutReply(): Buffer {
    const nullBulk = this.spec.type === 'move' && !this.mayBlock;
    return renderTypedReply(nullBulk ? { kind: 'null' } : { kind: 'nullArray' }, this.version);
  }

  /** Called by the registry when `id` (one of its keys) was written. */
  wake(id: string): void {
    if (this.done) return;
    if (this.attemptInFlight) {
      this.missedKeys.add(id);
      return;
    }
    this.attemptOn(this.keyIds.indexOf(id));
  }

  get canAttempt(): boolean {
    return !this.done && !this.attemptInFlight;
  }

  /** Whether the gate lets this client's connection send now (false while another holds it). */
  mayDispatchNow(): boolean {
    return this.session.mayDispatchNow();
  }

  private armTimer(deadlineMs: number): void {
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, deadlineMs - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.done) return;
      if (Date.now() < deadlineMs) return this.armTimer(deadlineMs);
      if (this.attemptInFlight) {
        this.timedOut = true;
        return;
      }
      this.finish(this.timeoutReply());
    }, delay);
    this.timer.unref();
  }

  private finish(reply: Buffer): void {
    this.done = true;
    this.leave();
    const session = this.session;
    session.complete(this.slot, reply);
    if (session.blockedCommand === this) {
      session.blockedCommand = null;
      session.resume();
    }
  }

  private register(): void {
    this.registered = true;
    for (const id of this.keyIds) {
      let waiters = waitersByKey.get(id);
      if (waiters === undefined) {
        waiters = [];
        waitersByKey.set(id, waiters);
      }
      if (!waiters.includes(this)) waiters.push(this);
    }
    setKeyWriteListener(onKeyWritten);
  }

  private leave(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.registered) return;
    this.registered = false;
    for (const id of this.keyIds) {
      const waiters = waitersByKey.get(id);
      if (waiters === undefined) continue;
      const at = waiters.indexOf(this);
      if (at >= 0) waiters.splice(at, 1);
      if (waiters.length === 0) waitersByKey.delete(id);
    }
    if (waitersByKey.size === 0) setKeyWriteListener(null);
  }
}

/** latin1 of a stored key → clients blocked on it, first blocked first. */
const waitersByKey = new Map<string, BlockedPop[]>();
const readyKeys = new Set<string>();
let serveScheduled = false;
/** True while this module submits its own pops (they never add data, so they wake nobody). */
let ownPops = false;

function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

function withoutWakeups(submit: () => void): void {
  ownPops = true;
  try {
    submit();
  } finally {
    ownPops = false;
  }
}

/** resp-watch's write fan-out calls this for every queued write while someone blocks. */
function onKeyWritten(storedKey: Uint8Array): void {
  if (ownPops) return;
  const id = keyId(storedKey);
  if (waitersByKey.has(id)) markReady(id);
}

function markReady(id: string): void {
  readyKeys.add(id);
  if (serveScheduled) return;
  serveScheduled = true;
  // After the writer's handler has queued its op: our pops must come behind it.
  queueMicrotask(serveReadyKeys);
}

function serveReadyKeys(): void {
  serveScheduled = false;
  const keys = [...readyKeys];
  readyKeys.clear();
  let retryNextTurn = false;
  for (const id of keys) {
    const waiters = waitersByKey.get(id);
    if (waiters === undefined) continue;
    for (const waiter of [...waiters]) {
      if (!waiter.canAttempt) {
        waiter.wake(id);
        continue;
      }
      if (!waiter.mayDispatchNow()) {
        // Another connection holds the exclusive gate (maybe mid-LMOVE on this key): look again next turn.
        readyKeys.add(id);
        retryNextTurn = true;
        break;
      }
      waiter.wake(id);
    }
  }
  if (retryNextTurn) {
    serveScheduled = true;
    // A timer, not setImmediate: a gate held across a shard round trip must not be polled in a hot loop.
    setTimeout(serveReadyKeys, 1);
  }
}

/** Puts back what was popped for a client that left before its reply came. */
function putBack(session: RespSession, key: Buffer, spec: PopSpec, reply: TypedReply): void {
  if (spec.type === 'list') {
    const elements = reply.kind === 'bulk' ? [reply.value] : reply.kind === 'array' ? reply.items.map((i) => (i as { value: Uint8Array }).value) : [];
    submitTyped(session, key, spec.head ? 'lpush' : 'rpush', [...elements].reverse(), true, () => {});
  } else if (spec.type === 'zset' && reply.kind === 'array') {
    const pairs = spec.count === null ? [reply.items] : reply.items.map((p) => (p as { items: TypedReply[] }).items);
    const args: Uint8Array[] = [];
    for (const [member, score] of pairs as TypedReply[][]) {
      args.push(Buffer.from(formatRedisDouble((score as { value: number }).value)), (member as { value: Uint8Array }).value);
    }
    submitTyped(session, key, 'zadd', args, true, () => {});
  }
}

/** Number of clients parked (INFO `blocked_clients`). */
export function blockedClientCount(): number {
  const clients = new Set<BlockedPop>();
  for (const waiters of waitersByKey.values()) for (const w of waiters) clients.add(w);
  return clients.size;
}

// ---- handlers ----

function run(session: RespSession, spec: PopSpec, clientKeys: Buffer[], timeoutMs: number, blocking: boolean): void {
  const keys = typedKeys(session, clientKeys);
  if (keys === null) return;
  const slot = session.reserve();
  // Inside EXEC nothing blocks (Redis answers as on a timeout).
  const mayBlock = blocking && !session.runningExec;
  new BlockedPop(session, slot, session.protocolVersion, spec, keys, clientKeys, mayBlock, timeoutMs).start();
}

/** BLPOP / BRPOP / BZPOPMIN / BZPOPMAX: `key... timeout`. */
function popKeysThenTimeout(makeSpec: () => PopSpec): RespHandler {
  return (session, args) => {
    const timeout = parseBlockingTimeout(args[args.length - 1]!, Date.now());
    if (typeof timeout === 'string') return session.replyError(timeout);
    run(session, makeSpec(), args.slice(1, -1), timeout, true);
  };
}

function blmoveLike(session: RespSession, args: Buffer[], fromHead: boolean, toHead: boolean, timeoutArg: Buffer): void {
  const timeout = parseBlockingTimeout(timeoutArg, Date.now());
  if (typeof timeout === 'string') return session.replyError(timeout);
  const destination = typedKey(session, args[2]!);
  if (destination === null) return;
  run(session, { type: 'move', destination, fromHead, toHead }, [args[1]!], timeout, true);
}

const blmove: RespHandler = (session, args) => {
  const fromHead = listEndIsHead(args[3]!);
  const toHead = listEndIsHead(args[4]!);
  if (fromHead === null || toHead === null) return session.replyError(BlockingErrors.SYNTAX);
  blmoveLike(session, args, fromHead, toHead, args[5]!);
};

const brpoplpush: RespHandler = (session, args) => blmoveLike(session, args, false, true, args[3]!);

/**
 * LMPOP / ZMPOP / BLMPOP / BZMPOP from `numkeys key... <where> [COUNT n]` at
 * args[at], with Redis's checks in its order.
 */
function mpop(type: 'list' | 'zset', withTimeout: boolean): RespHandler {
  return (session, args) => {
    let timeout = 0;
    let at = 1;
    if (withTimeout) {
      const parsed = parseBlockingTimeout(args[1]!, Date.now());
      if (typeof parsed === 'string') return session.replyError(parsed);
      timeout = parsed;
      at = 2;
    }
    const numKeysText = args[at]!.toString('latin1');
    if (!/^[1-9]\d{0,17}$/.test(numKeysText)) return session.replyError(BlockingErrors.NUMKEYS);
    const numKeys = Number(numKeysText);
    const whereAt = at + numKeys + 1;
    if (whereAt >= args.length) return session.replyError(BlockingErrors.SYNTAX);
    const where = args[whereAt]!.toString('latin1').toLowerCase();
    const first = type === 'list' ? 'left' : 'min';
    const second = type === 'list' ? 'right' : 'max';
    if (where !== first && where !== second) return session.replyError(BlockingErrors.SYNTAX);
    let count: number | null = null;
    for (let i = whereAt + 1; i < args.length; i++) {
      const more = args.length - 1 - i;
      if (count === null && more > 0 && args[i]!.toString('latin1').toLowerCase() === 'count') {
        const text = args[++i]!.toString('latin1');
        if (!/^[1-9]\d{0,17}$/.test(text)) return session.replyError(BlockingErrors.COUNT);
        count = Number(text);
      } else {
        return session.replyError(BlockingErrors.SYNTAX);
      }
    }
    const spec: PopSpec =
      type === 'list' ? { type, head: where === 'left', count: count ?? 1 } : { type, max: where === 'max', count: count ?? 1 };
    run(session, spec, args.slice(at + 1, whereAt), timeout, withTimeout);
  };
}

export const BLOCKING_HANDLERS: Record<string, RespHandler> = {
  blpop: popKeysThenTimeout(() => ({ type: 'list', head: true, count: null })),
  brpop: popKeysThenTimeout(() => ({ type: 'list', head: false, count: null })),
  bzpopmin: popKeysThenTimeout(() => ({ type: 'zset', max: false, count: null })),
  bzpopmax: popKeysThenTimeout(() => ({ type: 'zset', max: true, count: null })),
  blmove,
  brpoplpush,
  blmpop: mpop('list', true),
  bzmpop: mpop('zset', true),
  lmpop: mpop('list', false),
  zmpop: mpop('zset', false),
};
