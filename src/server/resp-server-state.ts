/**
 * What RESP connections of one daemon share: the client list (CLIENT ID /
 * LIST / KILL), the pub/sub registry, the CONFIG SET values and the ACL users. Kept per ServerContext, so two
 * daemons in one process (tests) stay apart.
 *
 * May import server-context types only; knows nothing of sockets or shards.
 */
import type { AccessControl } from '../auth/acl';
import { createAccessControl } from './resp-auth';
import { PubSubRegistry } from './resp-pubsub';
import type { ServerContext } from './server-context';

/** What CLIENT LIST / INFO / KILL need from a connection. */
export interface RespClient {
  readonly id: number;
  readonly createdAtMs: number;
  name: Buffer | null;
  database: number;
  protocolVersion: number;
  libName: Buffer | null;
  libVersion: Buffer | null;
  /** When the last command ran, on the performance.now() clock (monotonic; not epoch ms). */
  lastCommandAtMs: number;
  /** Full name of the last command (`client|list`), as CLIENT LIST's cmd= shows it. */
  lastCommand: string;
  /** The peer's `ip:port` and the address it connected to (CLIENT LIST addr= / laddr=). */
  readonly addr: string;
  readonly laddr: string;
  readonly channels: ReadonlyMap<string, Buffer>;
  readonly patterns: ReadonlyMap<string, Buffer>;
  /** A watched key was written since WATCH (EXEC will fail). */
  readonly watchDirty: boolean;
  /** Non-null while the client waits in a blocking pop (CLIENT LIST flag b). */
  readonly blockedCommand: unknown;
  /** The open MULTI's queued commands, or null outside MULTI. */
  readonly transaction: { readonly commands: readonly unknown[] } | null;
  /** True once the connection is closed or closing. */
  readonly isClosed: boolean;
  /** The ACL user the connection runs as (CLIENT LIST user=, CLIENT KILL USER). */
  readonly user: { readonly name: string };
  /** Closes the connection at once, unsent replies dropped (CLIENT KILL by another client). */
  kill(): void;
}

/** Prune clients marked closed after this many registrations (closed connections also remove themselves). */
const PRUNE_EVERY = 256;

export class RespClientRegistry {
  private nextId = 1;
  private readonly clients = new Map<number, RespClient>();
  private registrationsSincePrune = 0;

  allocateId(): number {
    return this.nextId++;
  }

  add(client: RespClient): void {
    this.clients.set(client.id, client);
    if (++this.registrationsSincePrune >= PRUNE_EVERY) this.prune();
  }

  /** The connection closed. */
  remove(client: RespClient): void {
    this.clients.delete(client.id);
  }

  /** Open clients in id order. */
  list(): RespClient[] {
    this.prune();
    return [...this.clients.values()];
  }

  get(id: number): RespClient | undefined {
    const client = this.clients.get(id);
    return client === undefined || client.isClosed ? undefined : client;
  }

  get size(): number {
    this.prune();
    return this.clients.size;
  }

  private prune(): void {
    this.registrationsSincePrune = 0;
    for (const [id, client] of this.clients) if (client.isClosed) this.clients.delete(id);
  }
}

export interface RespServerState {
  readonly clients: RespClientRegistry;
  readonly pubsub: PubSubRegistry;
  /** CONFIG SET values that override what CONFIG GET derives from the daemon's config. */
  readonly configOverrides: Map<string, string>;
  /** Users and permissions (--requirepass / --acl-file); the daemon loads the file before serving and on SIGHUP. */
  readonly accessControl: AccessControl;
}

const states = new WeakMap<ServerContext, RespServerState>();

export function respServerState(context: ServerContext): RespServerState {
  let state = states.get(context);
  if (state === undefined) {
    state = {
      clients: new RespClientRegistry(),
      pubsub: new PubSubRegistry(),
      configOverrides: new Map(),
      accessControl: createAccessControl(context.config),
    };
    states.set(context, state);
  }
  return state;
}
