/**
 * One client socket: detects the protocol from the first byte, feeds every
 * chunk to that protocol's session, writes replies in request order, and
 * applies backpressure: a connection whose pending replies or unsent output
 * pass a bound stops being read until it drains, so no client can make the
 * daemon buffer without limit.
 */
import type { Socket } from 'node:net';
import { MemcacheTextSession } from './memcache-text-session';
import { ReplyQueue, type ReplyOutput } from './reply-queue';
import type { ServerContext } from './server-context';

/** memcached binary protocol request magic; its sessions arrive with the binary-protocol issue. */
const BINARY_REQUEST_MAGIC = 0x80;

export interface ConnectionLimits {
  /** Pause reading when more replies than this are outstanding. */
  maxPendingReplies: number;
  /** Pause reading when more unsent bytes than this sit in the socket. */
  maxUnsentBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxPendingReplies: 4096,
  maxUnsentBytes: 8 * 1024 * 1024,
};

interface ProtocolSession {
  push(chunk: Buffer): void;
}

export class Connection implements ReplyOutput {
  private readonly queue = new ReplyQueue(this);
  private session: ProtocolSession | null = null;
  private paused = false;
  private closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly context: ServerContext,
    private readonly limits: ConnectionLimits,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', (err) => this.onSocketError(err));
    socket.on('close', () => this.onClose());
    socket.on('end', () => this.onPeerEnd());
  }

  /** Ends the connection once every reply already owed is written (graceful shutdown). */
  drainAndClose(): void {
    if (!this.closed) this.queue.closeWhenDrained();
  }

  destroy(): void {
    this.socket.destroy();
  }

  get idle(): boolean {
    return this.queue.pending === 0;
  }

  writeReplies(chunks: Buffer[]): void {
    if (this.closed) return;
    const socket = this.socket;
    let bytes = 0;
    if (chunks.length === 1) {
      bytes = chunks[0]!.length;
      socket.write(chunks[0]!);
    } else {
      socket.cork();
      for (const chunk of chunks) {
        bytes += chunk.length;
        socket.write(chunk);
      }
      socket.uncork();
    }
    this.context.stats.bytesWritten += bytes;
    this.maybeResume();
  }

  closeAfterReplies(): void {
    if (this.closed) return;
    this.socket.end();
  }

  private onData(chunk: Buffer): void {
    this.context.stats.bytesRead += chunk.length;
    if (this.session === null) {
      if (chunk[0] === BINARY_REQUEST_MAGIC) {
        // Binary protocol not served yet: close rather than answer in the wrong protocol.
        this.socket.destroy();
        return;
      }
      this.session = new MemcacheTextSession(this.queue, this.context, {
        maxItemSize: this.context.config.maxItemSize,
        maxLineLength: 2048,
        // Our own bounds where memcached has none: a 100k-key multi-get of short keys fits.
        maxRetrievalLineLength: 2 * 1024 * 1024,
        maxKeysPerRetrieval: 100_000,
      });
    }
    this.session.push(chunk);
    this.maybePause();
  }

  private maybePause(): void {
    if (this.paused || this.closed) return;
    if (this.queue.pending > this.limits.maxPendingReplies || this.socket.writableLength > this.limits.maxUnsentBytes) {
      this.paused = true;
      this.context.stats.connYields++;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    if (this.queue.pending <= this.limits.maxPendingReplies / 2 && this.socket.writableLength <= this.limits.maxUnsentBytes / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private onPeerEnd(): void {
    // The client half-closed: answer what it already sent, then close our side.
    this.queue.closeWhenDrained();
  }

  private onSocketError(_err: Error): void {
    // Resets and broken pipes are routine for a cache; the close handler cleans up.
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.abandon();
    this.onClosed(this);
  }
}
