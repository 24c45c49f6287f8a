/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH with Redis's replies and errors.
 *
 * Atomicity comes from the single sequencer (the main thread is the only
 * writer into every shard's queue, each shard runs its queue in order): EXEC
 * runs every queued command's handler in one synchronous call, so all of the
 * transaction's router ops are queued in the same turn with nothing from any
 * other connection between them, and each shard executes its part
 * contiguously. EXEC never asks the DispatchGate between commands (the gate
 * is asked once, before EXEC itself runs), so a transaction cannot be split
 * half-way by backpressure; its size is bounded instead by
 * `MAX_QUEUED_BYTES`.
 *
 * The queued commands' replies are gathered by `ExecReplies` (in command
 * order, whenever their shards answer) and leave as one array in EXEC's slot.
 *
 * May import `src/protocol/resp` and `src/server` modules; not sockets,
 * shards or the store.
 */
import { OK_REPLY } from '../protocol/resp/reply-encoder';
import { ReplySlot } from './reply-queue';
import { storedKey } from './resp-keyspace';
import type { RespHandler } from './resp-session';
import { unwatchAll, watchKey } from './resp-watch';

/**
 * Argument bytes a transaction may queue. Redis bounds client memory with
 * maxmemory-clients (and closes the client); we close the connection too,
 * rather than hold an unbounded transaction.
 */
export const MAX_QUEUED_BYTES = 64 * 1024 * 1024;

export const TransactionErrors = {
  NESTED: 'ERR MULTI calls can not be nested',
  EXEC_WITHOUT_MULTI: 'ERR EXEC without MULTI',
  DISCARD_WITHOUT_MULTI: 'ERR DISCARD without MULTI',
  WATCH_INSIDE_MULTI: 'ERR WATCH inside MULTI is not allowed',
  EXECABORT: 'EXECABORT Transaction discarded because of previous errors.',
} as const;

/** EXEC refused while queuing (wrong arity, subscribed mode): Redis names the reason and drops the transaction. */
export function execAbortedBecause(error: string): string {
  return `EXECABORT Transaction discarded because of: ${error.startsWith('ERR ') ? error.slice(4) : error}`;
}

/** Commands that run at once inside MULTI instead of being queued (Redis's list). */
export const RUN_INSIDE_MULTI: ReadonlySet<string> = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** A command checked (name, arity, subcommand) when queued, run by EXEC. */
export interface QueuedCommand {
  readonly handler: RespHandler;
  readonly args: Buffer[];
}

/** A connection's open transaction. */
export class Transaction {
  readonly commands: QueuedCommand[] = [];
  queuedBytes = 0;
  /** A command was refused while queuing: EXEC must answer EXECABORT. */
  failed = false;
  /** --redis-cluster: the slot of the queued commands' keys (null = none yet), 'crossslot' once they span two. */
  keySlot: number | 'crossslot' | null = null;

  add(handler: RespHandler, args: Buffer[]): void {
    this.commands.push({ handler, args });
    for (const arg of args) this.queuedBytes += arg.length;
  }
}

/** Where a session's replies go: its ReplyQueue, or an EXEC gathering them. */
export interface ReplyTarget {
  immediate(bytes: Buffer): void;
  reserve(weight?: number): ReplySlot;
  complete(slot: ReplySlot, output: Buffer): void;
}

/** A reply slot of an EXEC's gathering: completing it completes the gathering's part. */
export class GatheredSlot extends ReplySlot {
  constructor(readonly gathering: ExecReplies) {
    super();
  }
}

/**
 * Collects the replies of the commands run by one EXEC, in order, and hands
 * them over once every one is complete (after `seal()`, when all were run).
 */
export class ExecReplies implements ReplyTarget {
  private readonly slots: ReplySlot[] = [];
  private incomplete = 0;
  private sealed = false;

  constructor(private readonly onAll: (outputs: Buffer[]) => void) {}

  immediate(bytes: Buffer): void {
    const slot = new ReplySlot();
    slot.output = bytes;
    slot.done = true;
    this.slots.push(slot);
  }

  reserve(weight = 1): ReplySlot {
    const slot = new GatheredSlot(this);
    slot.weight = weight;
    this.slots.push(slot);
    this.incomplete++;
    return slot;
  }

  complete(slot: ReplySlot, output: Buffer): void {
    if (slot.done) return;
    slot.output = output;
    slot.done = true;
    this.incomplete--;
    this.finishIfComplete();
  }

  seal(): void {
    this.sealed = true;
    this.finishIfComplete();
  }

  private finishIfComplete(): void {
    if (!this.sealed || this.incomplete > 0) return;
    const outputs: Buffer[] = [];
    for (const slot of this.slots) if (slot.output !== null) outputs.push(slot.output as Buffer);
    this.onAll(outputs);
  }
}

const multi: RespHandler = (session) => {
  if (session.transaction !== null) return session.replyError(TransactionErrors.NESTED);
  session.transaction = new Transaction();
  session.reply(OK_REPLY);
};

const discard: RespHandler = (session) => {
  if (session.transaction === null) return session.replyError(TransactionErrors.DISCARD_WITHOUT_MULTI);
  session.transaction = null;
  unwatchAll(session);
  session.reply(OK_REPLY);
};

const exec: RespHandler = (session) => {
  const transaction = session.transaction;
  if (transaction === null) return session.replyError(TransactionErrors.EXEC_WITHOUT_MULTI);
  session.transaction = null;
  const dirty = session.watchDirty;
  unwatchAll(session);
  if (transaction.failed) return session.replyError(TransactionErrors.EXECABORT);
  if (dirty) return session.replyNullArray();
  session.runTransaction(transaction.commands);
};

const watch: RespHandler = (session, args) => {
  if (session.transaction !== null) return session.replyError(TransactionErrors.WATCH_INSIDE_MULTI);
  for (let i = 1; i < args.length; i++) watchKey(session, storedKey(session.database, args[i]!));
  session.reply(OK_REPLY);
};

const unwatch: RespHandler = (session) => {
  unwatchAll(session);
  session.reply(OK_REPLY);
};

export const TRANSACTION_HANDLERS: Record<string, RespHandler> = { multi, exec, discard, watch, unwatch };
