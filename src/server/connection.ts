/**
 * One client socket: detects the protocol from the first byte, feeds every
 * chunk to that protocol's session, writes replies in request order, and
 * applies backpressure: a connection whose pending replies or unsent output
 * pass a bound stops being read until it drains, so no client can make the
 * daemon buffer without limit.
 */
import type { Socket } from 'node:net';
import type { Config } from '../config/config';
import { connectionErrors } from '../util/logger';
import { ReplyQueue, type ReplyOutput } from './reply-queue';
import { MAX_IN_PLACE_REPLY_BYTES, OutputSlab } from './output-slab';
import { copyBytes } from '../util/bytes';
import type { ServerContext } from './server-context';

export interface ConnectionLimits {
  /** Ops (keys) a connection may have in flight or waiting to be written before requests wait. */
  maxInFlightOps: number;
  /** Unsent output above which requests wait. */
  maxUnsentBytes: number;
  /**
   * Unsent output above which the client is disconnected (a reader too slow for
   * the replies it already asked for, as Redis's client-output-buffer-limit);
   * also the largest reply one multi-key request may build.
   */
  maxOutputBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxInFlightOps: 256,
  maxUnsentBytes: 4 * 1024 * 1024,
  maxOutputBytes: 64 * 1024 * 1024,
};

/**
 * The limits for connections of a daemon with `config`: --max-output-buffer sets
 * maxOutputBytes (0 = no limit, as Redis's client-output-buffer-limit 0), and
 * requests wait at the smaller of the default unsent bound and that limit, so a
 * small limit holds requests back before it disconnects a client that reads.
 */
export function connectionLimitsFor(config: Config): ConnectionLimits {
  const given = config.maxOutputBufferBytes;
  if (given === undefined) return DEFAULT_CONNECTION_LIMITS;
  const maxOutputBytes = given === 0 ? Infinity : given;
  return {
    maxInFlightOps: DEFAULT_CONNECTION_LIMITS.maxInFlightOps,
    maxUnsentBytes: Math.min(DEFAULT_CONNECTION_LIMITS.maxUnsentBytes, maxOutputBytes),
    maxOutputBytes,
  };
}

/** Limits that bit, for `stats` (output_buffer_kills, reply_too_large, line_too_long, too_many_keys, resp_protocol_errors). */
export const connectionLimitStats = { outputBufferKills: 0, replyTooLarge: 0, lineTooLong: 0, tooManyKeys: 0, respProtocolErrors: 0 };

/**
 * A protocol's conversation. It asks `mayDispatch()` before sending work to
 * the shards — once per parsed request, which is also how the connection
 * knows the client is making progress (the idle timeout) — and when refused
 * it keeps the parsed requests, in order, until `resume()`.
 */
export interface ProtocolSession {
  push(chunk: Buffer): void;
  resume(): void;
  readonly hasDeferred: boolean;
  /** The socket closed (either side): drop per-connection registrations (client lists, subscriptions). */
  onClose?(): void;
  /** No more input will be read (the client half-closed, or the daemon drains): stop waiting for any (blocking pops). */
  onInputEnd?(): void;
}

/** Who is on the other end, for client lists and logs. */
export interface PeerInfo {
  /** `ip:port` of the client, or the socket path's peer (`''` on a unix socket). */
  readonly remote: string;
  /** `ip:port` we accepted on, or the unix socket path. */
  readonly local: string;
  /** Whether the connection came through a TLS port. */
  readonly tls: boolean;
}

export interface DispatchGate {
  mayDispatch(): boolean;
  /**
   * Holds the exclusive gate for this connection (re-entrant: nested acquires need as many
   * releases). While held, every other connection's `mayDispatch()` answers false, so a command
   * that reads on one shard and then writes on another sees no other client's op in between.
   * Called from inside a handler: the handler ran because `mayDispatch()` said yes, so no other
   * connection can be holding it.
   */
  acquireExclusive(): void;
  /** Releases one acquire; at zero, connections that were refused resume. */
  releaseExclusive(): void;
}

/**
 * Picks and builds the session for a connection from its first chunk (the
 * memcached port tells binary from text by the first byte), or returns null
 * to drop the connection. One factory per listening port.
 */
export type SessionFactory = (
  firstChunk: Buffer,
  queue: ReplyQueue,
  gate: DispatchGate,
  context: ServerContext,
  peer: PeerInfo,
) => ProtocolSession | null;

function addressOf(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return '';
  return address.includes(':') ? `[${address}]:${port ?? 0}` : `${address}:${port ?? 0}`;
}

/**
 * Collects the connections that have output this turn and writes each once,
 * in the check phase: replies from every shard's batch in this loop iteration
 * leave in one write per connection. (On loopback a write syscall also pays
 * for the receiver's TCP work, so the count of writes is what costs.)
 */
class OutputFlusher {
  private readonly dirty: Connection[] = [];
  private scheduled = false;

  add(connection: Connection): void {
    this.dirty.push(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const dirty = this.dirty;
    // A flush can make a connection dirty again (resume → immediate reply): take the list first.
    const connections = dirty.splice(0, dirty.length);
    for (const c of connections) c.flushOutput();
  }
}

const outputFlusher = new OutputFlusher();

/**
 * The exclusive gate (see DispatchGate.acquireExclusive). One holder at a time
 * for the whole process: the main thread is the single sequencer, so stopping
 * every other connection from dispatching is what makes a read-then-write
 * across shards atomic. Held for one shard round trip, and only by rare
 * multi-key commands; the common path pays one null check per request.
 */
let exclusiveHolder: Connection | null = null;
let exclusiveDepth = 0;
/** Connections refused while the gate was held, resumed (in refusal order) on release. */
const refusedByExclusive: Connection[] = [];

function resumeRefusedByExclusive(): void {
  // Resumed from a microtask, not inside the holder's release call, so the holder's own code
  // finishes before other connections run; one that is refused again re-queues itself.
  const refused = refusedByExclusive.splice(0, refusedByExclusive.length);
  for (const connection of refused) connection.exclusiveReleased();
}

/**
 * A seconds-resolution clock for idle tracking: reading Date.now() per request
 * would cost more than the whole check, and idleness is judged in seconds.
 */
let coarseNowMs = Date.now();
let coarseClockUsers = 0;
let coarseClockTimer: NodeJS.Timeout | null = null;

/** Starts the shared clock (idempotent per user); returns its stop function. */
export function startCoarseClock(): () => void {
  coarseClockUsers++;
  if (coarseClockTimer === null) {
    coarseNowMs = Date.now();
    coarseClockTimer = setInterval(() => (coarseNowMs = Date.now()), 250);
    coarseClockTimer.unref();
  }
  return () => {
    if (--coarseClockUsers === 0 && coarseClockTimer !== null) {
      clearInterval(coarseClockTimer);
      coarseClockTimer = null;
    }
  };
}
/** The main thread's slab for replies rendered in place (output-slab.ts). */
const outputSlab = new OutputSlab();

/** Replies up to this size that were rendered elsewhere are copied into the output slab's run (writeReply). */
const COPY_INTO_RUN_BYTES = 256;

/** Output up to this size is joined into one buffer (one copy, one write); larger goes out corked. */
const CONCAT_LIMIT = 64 * 1024;

/** What `stats conns` prints about one connection (memcached keys it by fd; we by connection id). */
export interface ConnectionInfo {
  id: number;
  /** memcached's form: `tcp:<ip>:<port>` or `unix:<path>`. */
  addr: string;
  listenAddr: string;
  /** conn_mwrite while replies are owed or unsent, conn_waiting otherwise. */
  state: string;
  secsSinceLastCmd: number;
}

let nextConnectionId = 1;

/** Ids for `stats conns`, shared by listening sockets and connections so that none repeats (memcached uses fds). */
export function allocateSocketId(): number {
  return nextConnectionId++;
}

function memcachedAddr(family: string | undefined, address: string | undefined, port: number | undefined, path: string): string {
  if (address === undefined || address === '') return `unix:${path}`;
  return family === 'IPv6' ? `tcp6:[${address}]:${port ?? 0}` : `tcp:${address}:${port ?? 0}`;
}

export class Connection implements ReplyOutput, DispatchGate {
  readonly id = allocateSocketId();
  private readonly queue = new ReplyQueue(this);
  private session: ProtocolSession | null = null;
  private paused = false;
  private closed = false;
  private outChunks: Buffer[] = [];
  private outBytes = 0;
  /** This turn's replies rendered in place and not yet in outChunks: [runStart, runEnd) of runSlab. */
  private runSlab: Buffer | null = null;
  private runStart = 0;
  private runEnd = 0;
  private outScheduled = false;
  private endAfterOutput = false;
  /** When the client last completed a request or was last sent a reply (coarse clock). */
  private lastProgressMs = coarseNowMs;
  /** In `refusedByExclusive` (at most once). */
  private waitingForExclusive = false;
  /**
   * The connection is ending: the daemon drains and still reads what the client sent before
   * the stop ('drain'), or no more input will be read ('input-ended': the client half-closed,
   * or the drain's read window passed). The close marker enters the reply queue only once the
   * session holds no deferred request (closeWhenServed), or the requests the DispatchGate held
   * back would be left behind it and never answered.
   */
  private ending: 'drain' | 'input-ended' | null = null;
  /** Draining: the connection was seen caught up once; closed if it still is a loop iteration later. */
  private caughtUp = false;
  /** Draining: re-checks closeWhenServed (a last reply with no bytes, e.g. noreply, reports no progress). */
  private endCheck: NodeJS.Timeout | null = null;
  /** Draining: ends the read window. */
  private readWindow: NodeJS.Timeout | null = null;
  /** The drain's read window passed: input is read and discarded (see stopInput). */
  private inputStopped = false;

  constructor(
    private readonly socket: Socket,
    private readonly context: ServerContext,
    private readonly limits: ConnectionLimits,
    private readonly sessionFactory: SessionFactory,
    private readonly onClosed: (connection: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onProgress());
    socket.on('error', (err) => this.onSocketError(err));
    socket.on('close', () => this.onClose());
    socket.on('end', () => this.onPeerEnd());
  }

  /**
   * Graceful shutdown: serves every request already read, including those the
   * DispatchGate holds back, writes their replies, then closes. For up to
   * `readWindowMs` it also reads on while earlier requests are being served
   * (a pipeline the client sent before the stop may still be on its way, or
   * in the kernel while backpressure paused the socket), and closes once the
   * connection has been caught up (nothing deferred, nothing owed) for a whole
   * event-loop iteration. After the window it reads nothing more, so a client
   * that never stops sending still gets a clean close. The daemon destroys
   * whatever is left at --shutdown-timeout.
   */
  drainAndClose(readWindowMs: number): void {
    if (this.closed || this.ending !== null) return;
    this.session?.onInputEnd?.();
    this.ending = 'drain';
    this.endCheck = setInterval(() => this.closeWhenServed(), 10);
    this.endCheck.unref();
    this.readWindow = setTimeout(() => this.stopInput(), readWindowMs);
    this.readWindow.unref();
    this.closeWhenServed();
  }

  /**
   * The drain's read window passed: what is parsed is still served, later input is discarded.
   * Discarded rather than left unread: a paused socket would never see the client's FIN after
   * ours (so never close), and closing with unread input makes the kernel reset the connection,
   * which can lose replies still in the send buffer.
   */
  private stopInput(): void {
    this.readWindow = null;
    this.discardInput();
    if (this.ending === 'drain') this.ending = 'input-ended';
    this.closeWhenServed();
  }

  private discardInput(): void {
    this.inputStopped = true;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Queues the close marker once the requests already read are all dispatched (see `ending`). */
  private closeWhenServed(): void {
    if (this.ending === null || this.closed) return;
    if (this.session !== null && this.session.hasDeferred) return;
    if (this.ending === 'drain') {
      if (this.queue.pending > 0) {
        this.caughtUp = false;
        return;
      }
      if (!this.caughtUp) {
        // Bytes the client sent before the stop may still be in flight to us: give them one poll phase.
        this.caughtUp = true;
        setImmediate(() => this.closeWhenServed());
        return;
      }
    }
    this.ending = null;
    this.stopEndCheck();
    // Requests read from now on would queue behind the close marker, never answered.
    this.discardInput();
    this.queue.closeWhenDrained();
  }

  private stopEndCheck(): void {
    if (this.endCheck !== null) clearInterval(this.endCheck);
    this.endCheck = null;
    if (this.readWindow !== null) clearTimeout(this.readWindow);
    this.readWindow = null;
  }

  destroy(): void {
    this.socket.destroy();
  }

  writeReply(chunk: Buffer, sameFlush: boolean): void {
    if (this.closed) return;
    if (!sameFlush && this.outBytes + this.socket.writableLength > this.limits.maxOutputBytes) {
      // Requests already in flight when backpressure stopped dispatch can still owe
      // 256 large values: a client that does not read them is cut off (fuzz finding).
      // Judged before adding, so one large reply to a client that reads is never refused.
      if (!this.socket.destroyed) connectionLimitStats.outputBufferKills++;
      this.socket.destroy();
      this.outChunks = [];
      this.outBytes = 0;
      this.runSlab = null;
      return;
    }
    if (chunk.length <= COPY_INTO_RUN_BYTES) {
      // A short reply (STORED, END, a shared constant) is copied onto the run of in-place
      // replies rather than splitting it: the turn's output stays one view, with no join.
      const at = this.appendToRun(chunk.length); // first: the claim may start a new slab
      copyBytes(outputSlab.buffer, at, chunk, 0, chunk.length);
      return;
    }
    if (this.runSlab !== null) this.endRun();
    this.outChunks.push(chunk);
    this.outBytes += chunk.length;
    this.scheduleFlush();
  }

  get outputBuffer(): Buffer {
    return outputSlab.buffer;
  }

  claimOutput(size: number): number {
    if (this.closed || size > MAX_IN_PLACE_REPLY_BYTES) return -1;
    // Over the output limit the reply takes the ordinary path, which judges and cuts off.
    if (this.outBytes + this.socket.writableLength > this.limits.maxOutputBytes) return -1;
    return this.appendToRun(size);
  }

  /** Claims `size` bytes of the output slab at the end of this turn's output; returns their offset. */
  private appendToRun(size: number): number {
    const at = outputSlab.claim(size);
    if (this.runSlab === outputSlab.buffer && this.runEnd === at) {
      this.runEnd = at + size;
    } else {
      if (this.runSlab !== null) this.endRun();
      this.runSlab = outputSlab.buffer;
      this.runStart = at;
      this.runEnd = at + size;
    }
    this.outBytes += size;
    this.scheduleFlush();
    return at;
  }

  private scheduleFlush(): void {
    if (!this.outScheduled) {
      this.outScheduled = true;
      outputFlusher.add(this);
    }
  }

  /** Queues the run of in-place replies as one chunk (another chunk follows it, or the turn's output is written). */
  private endRun(): void {
    this.outChunks.push(this.runSlab!.subarray(this.runStart, this.runEnd));
    this.runSlab = null;
  }

  /** Writes everything gathered this turn (called by the flusher). */
  flushOutput(): void {
    this.outScheduled = false;
    if (this.closed) return;
    if (this.runSlab !== null) this.endRun();
    const chunks = this.outChunks;
    const bytes = this.outBytes;
    this.outChunks = [];
    this.outBytes = 0;
    const socket = this.socket;
    if (chunks.length === 1) {
      socket.write(chunks[0]!);
    } else if (chunks.length > 1 && bytes <= CONCAT_LIMIT) {
      socket.write(Buffer.concat(chunks, bytes));
    } else if (chunks.length > 1) {
      socket.cork();
      for (const chunk of chunks) socket.write(chunk);
      socket.uncork();
    }
    this.context.stats.bytesWritten += bytes;
    if (bytes > 0) this.lastProgressMs = coarseNowMs;
    if (this.endAfterOutput) {
      socket.end();
      return;
    }
    this.onProgress();
  }

  /** Output accepted but not yet sent: the socket's buffer plus this turn's gathered replies. */
  get unsentBytes(): number {
    return this.socket.writableLength + this.outBytes;
  }

  mayDispatch(): boolean {
    this.lastProgressMs = coarseNowMs;
    if (exclusiveHolder !== null && exclusiveHolder !== this) {
      if (!this.waitingForExclusive) {
        this.waitingForExclusive = true;
        refusedByExclusive.push(this);
      }
      return false;
    }
    return this.hasRoom();
  }

  acquireExclusive(): void {
    if (exclusiveHolder !== null && exclusiveHolder !== this) {
      throw new Error('exclusive gate acquired while another connection holds it');
    }
    exclusiveHolder = this;
    exclusiveDepth++;
  }

  releaseExclusive(): void {
    if (exclusiveHolder !== this) return;
    if (--exclusiveDepth > 0) return;
    exclusiveHolder = null;
    if (refusedByExclusive.length > 0) queueMicrotask(resumeRefusedByExclusive);
  }

  /** The exclusive gate opened after refusing this connection: dispatch what waits. */
  exclusiveReleased(): void {
    this.waitingForExclusive = false;
    this.onProgress();
    this.maybeResumeReading();
  }

  /**
   * Idle means: no request completed and no reply written for `timeoutMs`, and
   * nothing owed to or waiting for the client. Bytes alone do not count, so a
   * request trickled a byte at a time (slowloris) goes idle too.
   */
  info(listenPath: string): ConnectionInfo {
    const s = this.socket;
    const owes = this.queue.pendingWeight > 0 || this.outBytes > 0 || s.writableLength > 0;
    return {
      id: this.id,
      addr: memcachedAddr(s.remoteFamily, s.remoteAddress, s.remotePort, listenPath),
      listenAddr: memcachedAddr(s.remoteFamily, s.localAddress, s.localPort, listenPath),
      state: owes ? 'conn_mwrite' : 'conn_waiting',
      secsSinceLastCmd: Math.max(0, Math.floor((coarseNowMs - this.lastProgressMs) / 1000)),
    };
  }

  isIdle(timeoutMs: number): boolean {
    if (this.closed || this.queue.pendingWeight > 0 || this.session?.hasDeferred === true) return false;
    return coarseNowMs - this.lastProgressMs > timeoutMs;
  }

  private hasRoom(): boolean {
    return (
      this.queue.pendingWeight < this.limits.maxInFlightOps &&
      this.socket.writableLength + this.outBytes < this.limits.maxUnsentBytes
    );
  }

  closeAfterReplies(): void {
    if (this.closed) return;
    this.endAfterOutput = true;
    if (!this.outScheduled) this.flushOutput();
  }

  private onData(chunk: Buffer): void {
    this.context.stats.bytesRead += chunk.length;
    if (this.inputStopped) return;
    this.caughtUp = false;
    if (this.session === null) {
      const socket = this.socket;
      const peer: PeerInfo = {
        remote: addressOf(socket.remoteAddress, socket.remotePort),
        local: socket.localAddress === undefined ? '' : addressOf(socket.localAddress, socket.localPort),
        tls: (socket as { encrypted?: boolean }).encrypted === true,
      };
      this.session = this.sessionFactory(chunk, this.queue, this, this.context, peer);
      if (this.session === null) {
        this.socket.destroy();
        return;
      }
    }
    this.session.push(chunk);
    this.maybePause();
  }

  /** Stop reading while parsed requests wait: what is already read bounds what we hold. */
  private maybePause(): void {
    if (this.paused || this.closed || this.session === null || !this.session.hasDeferred) return;
    this.paused = true;
    this.context.stats.connYields++;
    this.socket.pause();
  }

  /** Replies went out or the socket drained: release waiting requests, then read again. */
  private onProgress(): void {
    if (this.closed || this.session === null) return;
    if (this.session.hasDeferred && this.hasRoom()) this.session.resume();
    this.maybeResumeReading();
    if (this.ending !== null) this.closeWhenServed();
  }

  private maybeResumeReading(): void {
    if (this.paused && this.session !== null && !this.session.hasDeferred) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private onPeerEnd(): void {
    // The client half-closed: answer what it already sent (deferred requests included), then close our side.
    this.session?.onInputEnd?.();
    this.stopEndCheck();
    this.ending = 'input-ended';
    this.closeWhenServed();
  }

  private onSocketError(err: Error): void {
    // Resets and broken pipes are routine for a cache: counted, logged at most once per interval; the close handler cleans up.
    connectionErrors.report(err);
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopEndCheck();
    if (exclusiveHolder === this) {
      // A holder that dies mid-command must not stop every other client forever.
      exclusiveDepth = 1;
      this.releaseExclusive();
    }
    this.session?.onClose?.();
    this.queue.abandon();
    this.onClosed(this);
  }
}
