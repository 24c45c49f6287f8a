/**
 * One Redis (RESP) conversation: parsed commands are checked against the
 * command table (name, arity, subcommand), then run by a handler that either
 * answers at once or sends router ops whose replies complete a ReplyQueue
 * slot, so replies leave in request order. Same gate/deferral pattern as the
 * memcached text session: when the connection has too much in flight, parsed
 * commands wait (errors too, to keep their place) until `resume()`.
 *
 * Per-connection state (protocol version, database, name) lives here; what
 * the connections share lives in resp-server-state.ts.
 *
 * May import `src/protocol/resp`, the router and `src/server` modules; not
 * node:net (the Connection owns the socket), shards or the store.
 */
import {
  arityAccepts,
  findCommand,
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
import type { Router } from '../router/router';
import type { DispatchGate, ProtocolSession } from './connection';
import type { ReplyQueue, ReplySlot } from './reply-queue';
import { CONNECTION_AND_SERVER_HANDLERS } from './resp-server-commands';
import { respServerState, type RespClient, type RespServerState } from './resp-server-state';
import { STRING_AND_KEY_HANDLERS } from './resp-string-commands';
import type { ServerContext } from './server-context';

/** Runs one command whose name, arity and subcommand were already checked. */
export type RespHandler = (session: RespSession, args: Buffer[]) => void;

const HANDLERS: ReadonlyMap<string, RespHandler> = new Map([
  ...Object.entries(CONNECTION_AND_SERVER_HANDLERS),
  ...Object.entries(STRING_AND_KEY_HANDLERS),
]);

type ParsedEvent = { args: Buffer[]; error: null } | { args: null; error: string | null };

export class RespSession implements ProtocolSession, RespClient {
  readonly router: Router;
  readonly state: RespServerState;
  readonly id: number;
  readonly createdAtMs = Date.now();
  protocolVersion: RespVersion = 2;
  database = 0;
  name: Buffer | null = null;
  libName: Buffer | null = null;
  libVersion: Buffer | null = null;
  lastCommandAtMs = this.createdAtMs;
  lastCommand = 'NULL';

  private readonly parser: RespRequestParser;
  /** Parsed commands waiting for the gate, in arrival order (protocol errors too). */
  private deferred: ParsedEvent[] = [];
  private deferredHead = 0;
  /** resume() writes replies, which report progress, which calls resume(): one loop at a time. */
  private resuming = false;
  /** After QUIT, CLIENT KILL or a protocol error, Redis runs nothing more from this client. */
  private closing = false;

  constructor(
    readonly queue: ReplyQueue,
    private readonly gate: DispatchGate,
    readonly context: ServerContext,
    limits: RespParserLimits,
  ) {
    this.router = context.router;
    this.state = respServerState(context);
    this.id = this.state.clients.allocateId();
    this.state.clients.add(this);
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
      while (this.hasDeferred && this.gate.mayDispatch()) {
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

  kill(): void {
    this.closeAfterReplies();
  }

  // ---- replies (handlers use these) ----

  /** A reply ready now (in order behind any pending one). */
  reply(bytes: Buffer): void {
    this.queue.immediate(bytes);
  }

  replyValue(value: RespValue): void {
    this.queue.immediate(encodeReply(value, this.protocolVersion));
  }

  replyError(message: string): void {
    this.queue.immediate(errorReply(message));
  }

  /** `$-1` (RESP2) or `_` (RESP3). */
  replyNull(): void {
    this.queue.immediate(nullReply(this.protocolVersion));
  }

  /** `*-1` (RESP2) or `_` (RESP3). */
  replyNullArray(): void {
    this.queue.immediate(nullArrayReply(this.protocolVersion));
  }

  /** A slot for a reply that shards will complete; `weight` = ops it waits on. */
  reserve(weight = 1): ReplySlot {
    return this.queue.reserve(weight);
  }

  complete(slot: ReplySlot, bytes: Buffer): void {
    this.queue.complete(slot, bytes);
  }

  /** Closes after everything owed so far is written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReplies(): void {
    if (this.closing) return;
    this.closing = true;
    this.queue.closeWhenDrained();
  }

  // ---- dispatch ----

  private mustDefer(): boolean {
    return this.hasDeferred || !this.gate.mayDispatch();
  }

  private onProtocolError(message: string | null): void {
    if (message !== null) this.replyError(message);
    this.closeAfterReplies();
  }

  private execute(args: Buffer[]): void {
    if (this.closing || this.queue.isClosed) return;
    const spec = findCommand(args[0]!.toString('latin1'));
    if (spec === undefined) return this.replyError(unknownCommandError(args[0]!, args.slice(1)));
    const resolved = this.resolve(spec, args);
    if (resolved === null) return;
    this.lastCommandAtMs = Date.now();
    this.lastCommand = resolved.name;
    const handler = HANDLERS.get(resolved.name);
    if (handler === undefined) throw new Error(`no handler for RESP command ${resolved.name}`);
    handler(this, args);
  }

  /** The command or subcommand to run, or null after replying with Redis's arity / subcommand error. */
  private resolve(spec: RespCommandSpec, args: Buffer[]): RespCommandSpec | null {
    if (!arityAccepts(spec.arity, args.length)) {
      this.replyError(wrongArityError(spec.name));
      return null;
    }
    // COMMAND alone is a command too; other containers need a subcommand (their arity says so).
    if (spec.subcommands === undefined || args.length === 1) return spec;
    const subcommand = findSubcommand(spec, args[1]!.toString('latin1'));
    if (subcommand === undefined) {
      this.replyError(unknownSubcommandError(args[1]!, spec.name));
      return null;
    }
    if (!arityAccepts(subcommand.arity, args.length)) {
      this.replyError(wrongArityError(subcommand.name));
      return null;
    }
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
