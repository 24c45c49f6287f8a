/**
 * Accepts connections on TCP addresses and/or a unix socket and enforces the
 * connection limit at accept time (memcached answers `ERROR Too many open
 * connections` and closes; on the Redis port, `-ERR max number of clients
 * reached`).
 */
import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Replies } from '../protocol/memcache/reply-encoder';
import { Connection, allocateSocketId, connectionLimitsFor, type ConnectionLimits, type SessionFactory } from './connection';
import { memcacheSessionFactory } from './memcache-session-factory';
import type { ServerContext, StatsEntries } from './server-context';
import type { TlsServerOptions } from './tls-material';

export interface ListenAddress {
  kind: 'tcp' | 'unix' | 'tls';
  /** Which protocol family the port speaks. */
  protocol: ListenProtocol;
  /** host:port or socket path, after listening (port resolved when 0 was asked). */
  address: string;
  port: number;
}

/** memcached (text + binary, detected per connection) or RESP. */
export type ListenProtocol = 'memcache' | 'resp';

/** A TLS client gets this long to finish its handshake (Node's default is 120 s). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** What Redis sends before closing a connection over `maxclients`. */
const REDIS_TOO_MANY_CLIENTS = Buffer.from('-ERR max number of clients reached\r\n');

export class Listener {
  /** Session factories by protocol; RESP's is registered by the daemon when its port is on. */
  private readonly factories = new Map<ListenProtocol, SessionFactory>([['memcache', memcacheSessionFactory]]);

  private readonly servers: net.Server[] = [];
  private readonly tlsServers: tls.Server[] = [];
  /** TLS handshakes that failed (bad client certificate, wrong protocol, scanners). */
  tlsHandshakeErrors = 0;
  /** TLS sockets still in their handshake, by peer address: not connections yet, but they must not outlive a stop. */
  private readonly handshaking = new Map<string, { raw: net.Socket; onEnd: () => void }>();
  private readonly connections = new Set<Connection>();
  readonly addresses: ListenAddress[] = [];
  /** `stats conns` ids of the listening sockets, parallel to `addresses`. */
  private readonly listenerIds: number[] = [];

  /** Per-connection bounds (--max-output-buffer), the same for every port. */
  private readonly connectionLimits: ConnectionLimits;

  constructor(private readonly context: ServerContext) {
    this.connectionLimits = connectionLimitsFor(context.config);
  }

  registerProtocol(protocol: ListenProtocol, factory: SessionFactory): void {
    this.factories.set(protocol, factory);
  }

  async listenTcp(host: string, port: number, protocol: ListenProtocol = 'memcache'): Promise<ListenAddress> {
    const server = this.createServer(protocol);
    await listenOn(server, { host, port });
    const bound = server.address() as net.AddressInfo;
    const address: ListenAddress = { kind: 'tcp', protocol, address: `${bound.address}:${bound.port}`, port: bound.port };
    this.addresses.push(address);
    this.listenerIds.push(allocateSocketId());
    return address;
  }

  /** A TLS port: connections are accepted after the handshake and then served like TCP ones. */
  async listenTls(host: string, port: number, protocol: ListenProtocol, options: TlsServerOptions): Promise<ListenAddress> {
    const factory = this.factories.get(protocol);
    if (factory === undefined) throw new Error(`no session factory registered for ${protocol}`);
    const server = tls.createServer({ ...options, allowHalfOpen: true, noDelay: true, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, (socket) =>
      this.accept(socket, factory, protocol),
    );
    server.on('connection', (raw: net.Socket) => {
      const peer = `${raw.remoteAddress}:${raw.remotePort}`;
      // A peer that closes before the handshake ends would otherwise stay half-open (allowHalfOpen) until the timeout.
      const onEnd = (): void => void raw.destroy();
      raw.once('end', onEnd);
      raw.once('close', () => this.handshaking.delete(peer));
      this.handshaking.set(peer, { raw, onEnd });
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => {
      // Handshake done: the connection now owns the socket, half-close included.
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      const entry = this.handshaking.get(peer);
      if (entry === undefined) return;
      entry.raw.off('end', entry.onEnd);
      this.handshaking.delete(peer);
    });
    server.on('tlsClientError', (_err, socket) => {
      this.tlsHandshakeErrors++;
      socket.destroy();
    });
    this.servers.push(server);
    this.tlsServers.push(server);
    await listenOn(server, { host, port });
    const bound = server.address() as net.AddressInfo;
    const address: ListenAddress = { kind: 'tls', protocol, address: `${bound.address}:${bound.port}`, port: bound.port };
    this.addresses.push(address);
    this.listenerIds.push(allocateSocketId());
    return address;
  }

  /** New TLS connections use `options` from now on (SIGHUP); open ones keep their session. */
  reloadTls(options: TlsServerOptions): void {
    for (const server of this.tlsServers) server.setSecureContext(options);
  }

  async listenUnix(path: string, mask: number, protocol: ListenProtocol = 'memcache'): Promise<ListenAddress> {
    removeStaleSocket(path);
    const server = this.createServer(protocol);
    await listenOn(server, { path });
    fs.chmodSync(path, mask);
    const address: ListenAddress = { kind: 'unix', protocol, address: path, port: 0 };
    this.addresses.push(address);
    this.listenerIds.push(allocateSocketId());
    return address;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting; existing connections stay. */
  async stopAccepting(): Promise<void> {
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /**
   * Asks every connection to close once the requests it has read are answered,
   * reading on for at most `readWindowMs` (Connection.drainAndClose).
   */
  drainConnections(readWindowMs: number): void {
    for (const c of this.connections) c.drainAndClose(readWindowMs);
  }

  /** `stats conns`: the listening sockets, then every connection, memcached's fields. */
  describeConnections(): StatsEntries {
    const entries: StatsEntries = [];
    this.addresses.forEach((a, i) => {
      const id = this.listenerIds[i]!;
      entries.push([`${id}:addr`, a.kind === 'unix' ? `unix:${a.address}` : `tcp:${a.address}`], [`${id}:state`, 'conn_listening']);
    });
    const unixPath = this.addresses.find((a) => a.kind === 'unix')?.address ?? '';
    for (const c of this.connections) {
      const info = c.info(unixPath);
      entries.push(
        [`${info.id}:addr`, info.addr],
        [`${info.id}:listen_addr`, info.listenAddr],
        [`${info.id}:state`, info.state],
        [`${info.id}:secs_since_last_cmd`, info.secsSinceLastCmd],
      );
    }
    return entries;
  }

  /** Closes connections idle for longer than `timeoutMs` (see Connection.isIdle); returns how many. */
  kickIdle(timeoutMs: number): number {
    let kicked = 0;
    for (const c of this.connections) {
      if (!c.isIdle(timeoutMs)) continue;
      c.destroy();
      kicked++;
    }
    this.context.stats.idleKicks += kicked;
    return kicked;
  }

  destroyConnections(): void {
    for (const c of this.connections) c.destroy();
    for (const { raw } of this.handshaking.values()) raw.destroy();
  }

  private createServer(protocol: ListenProtocol): net.Server {
    const factory = this.factories.get(protocol);
    if (factory === undefined) throw new Error(`no session factory registered for ${protocol}`);
    // allowHalfOpen: a client that sends requests then shuts down its write side still gets its replies.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket, factory, protocol));
    this.servers.push(server);
    return server;
  }

  private accept(socket: net.Socket, factory: SessionFactory, protocol: ListenProtocol): void {
    const stats = this.context.stats;
    if (this.connections.size >= this.context.config.connLimit) {
      stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      socket.end(protocol === 'resp' ? REDIS_TOO_MANY_CLIENTS : Replies.TOO_MANY_CONNECTIONS);
      return;
    }
    stats.totalConnections++;
    stats.currConnections++;
    const connection = new Connection(socket, this.context, this.connectionLimits, factory, (c) => {
      this.connections.delete(c);
      stats.currConnections--;
    });
    this.connections.add(connection);
  }
}

/** server.listen as a promise that rejects on the bind error (EADDRINUSE, EACCES). */
function listenOn(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function removeStaleSocket(path: string): void {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
  } catch {
    // Nothing there: fine.
  }
}
