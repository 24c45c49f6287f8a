/**
 * Accepts connections on TCP addresses and/or a unix socket and enforces the
 * connection limit at accept time (memcached answers `ERROR Too many open
 * connections` and closes).
 */
import fs from 'node:fs';
import net from 'node:net';
import { Replies } from '../protocol/memcache/reply-encoder';
import { Connection, DEFAULT_CONNECTION_LIMITS, type SessionFactory } from './connection';
import { memcacheSessionFactory } from './memcache-session-factory';
import type { ServerContext } from './server-context';

export interface ListenAddress {
  kind: 'tcp' | 'unix';
  /** Which protocol family the port speaks. */
  protocol: ListenProtocol;
  /** host:port or socket path, after listening (port resolved when 0 was asked). */
  address: string;
  port: number;
}

/** memcached (text + binary, detected per connection) or RESP. */
export type ListenProtocol = 'memcache' | 'resp';

export class Listener {
  /** Session factories by protocol; RESP's is registered by the daemon when its port is on. */
  private readonly factories = new Map<ListenProtocol, SessionFactory>([['memcache', memcacheSessionFactory]]);

  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  readonly addresses: ListenAddress[] = [];

  constructor(private readonly context: ServerContext) {}

  registerProtocol(protocol: ListenProtocol, factory: SessionFactory): void {
    this.factories.set(protocol, factory);
  }

  async listenTcp(host: string, port: number, protocol: ListenProtocol = 'memcache'): Promise<ListenAddress> {
    const server = this.createServer(protocol);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address() as net.AddressInfo;
    const address: ListenAddress = { kind: 'tcp', protocol, address: `${bound.address}:${bound.port}`, port: bound.port };
    this.addresses.push(address);
    return address;
  }

  async listenUnix(path: string, mask: number, protocol: ListenProtocol = 'memcache'): Promise<ListenAddress> {
    removeStaleSocket(path);
    const server = this.createServer(protocol);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    fs.chmodSync(path, mask);
    const address: ListenAddress = { kind: 'unix', protocol, address: path, port: 0 };
    this.addresses.push(address);
    return address;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting; existing connections stay. */
  async stopAccepting(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** Asks every connection to close once its owed replies are written. */
  drainConnections(): void {
    for (const c of this.connections) c.drainAndClose();
  }

  destroyConnections(): void {
    for (const c of this.connections) c.destroy();
  }

  private createServer(protocol: ListenProtocol): net.Server {
    const factory = this.factories.get(protocol);
    if (factory === undefined) throw new Error(`no session factory registered for ${protocol}`);
    // allowHalfOpen: a client that sends requests then shuts down its write side still gets its replies.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket, factory));
    this.servers.push(server);
    return server;
  }

  private accept(socket: net.Socket, factory: SessionFactory): void {
    const stats = this.context.stats;
    if (this.connections.size >= this.context.config.connLimit) {
      stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      socket.end(Replies.TOO_MANY_CONNECTIONS);
      return;
    }
    stats.totalConnections++;
    stats.currConnections++;
    const connection = new Connection(socket, this.context, DEFAULT_CONNECTION_LIMITS, factory, (c) => {
      this.connections.delete(c);
      stats.currConnections--;
    });
    this.connections.add(connection);
  }
}

function removeStaleSocket(path: string): void {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
  } catch {
    // Nothing there: fine.
  }
}
