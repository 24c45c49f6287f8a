/**
 * The slow log: a bounded ring of the commands whose reply took at least
 * `--slowlog-threshold-us` from dispatch (the session hands the parsed command
 * to the router or a handler) until the reply was ready (every shard it waited
 * on had answered). One ring per daemon, shared by the Redis port (SLOWLOG
 * GET/LEN/RESET, with Redis's entry shape and truncation rules) and the
 * memcached port (`stats slowlog`).
 *
 * Cost when nothing is slow: the clock is read once per event-loop run, not
 * per command (`turnClock`), so a command costs a few field writes and one
 * comparison. The price is resolution: a command answered in the run it was
 * dispatched in counts as 0 µs (its own main-thread time is not measured; the
 * shard round trip and any queueing are), and commands of one run share its
 * start time. The latency histograms (command-latency.ts) take the same
 * durations from the same timer.
 *
 * May import protocol request types and node built-ins only; not sockets,
 * shards or the store.
 */
import type { BinaryRequest } from '../protocol/memcache-binary/request';
import type { MemcacheTextRequest } from '../protocol/memcache/request';

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
export const SLOWLOG_MAX_ARGS = 32;
export const SLOWLOG_MAX_ARG_BYTES = 128;

// ---- the per-run clock ----

let runNowMs = 0;
let runClockValid = false;
/** Goes up each time the clock is read anew: equal epochs = same synchronous run. */
let runEpoch = 0;
const invalidateRunClock = (): void => {
  runClockValid = false;
};

/**
 * performance.now(), read at most once per synchronous run of JavaScript (a
 * socket callback, one shard reply batch): the first read queues a microtask
 * that expires the value, so the next run reads the clock again.
 */
export function turnClock(): number {
  if (!runClockValid) {
    runNowMs = performance.now();
    runClockValid = true;
    runEpoch++;
    queueMicrotask(invalidateRunClock);
  }
  return runNowMs;
}

// ---- entries and the ring ----

export interface SlowlogEntry {
  readonly id: number;
  /** Unix seconds when the reply was ready. */
  readonly unixSeconds: number;
  readonly durationUs: number;
  /** The command's arguments after Redis's truncation (at most 32, each at most 128 bytes + a note). */
  readonly args: readonly Buffer[];
  /** `ip:port` of the client ('' on a unix socket). */
  readonly client: string;
  /** The client's name (CLIENT SETNAME), '' when none. */
  readonly name: string;
}

/** Who sent a command: what the entry records about the client (read when the entry is made). */
export interface SlowlogClient {
  readonly addr: string;
  readonly name: Buffer | null;
}

/**
 * Redis's rules (slowlog.c slowlogCreateEntry): past 32 arguments the 32nd
 * says `... (N more arguments)`; an argument over 128 bytes keeps its first
 * 128 followed by `... (N more bytes)`. Arguments are copied so the entry
 * holds no request buffer.
 */
export function truncateArgs(args: readonly Uint8Array[]): Buffer[] {
  const kept = Math.min(args.length, SLOWLOG_MAX_ARGS);
  const out: Buffer[] = [];
  for (let i = 0; i < kept; i++) {
    if (kept !== args.length && i === kept - 1) {
      out.push(Buffer.from(`... (${args.length - kept + 1} more arguments)`));
      break;
    }
    const arg = args[i]!;
    if (arg.length > SLOWLOG_MAX_ARG_BYTES) {
      out.push(
        Buffer.concat([arg.subarray(0, SLOWLOG_MAX_ARG_BYTES), Buffer.from(`... (${arg.length - SLOWLOG_MAX_ARG_BYTES} more bytes)`)]),
      );
    } else {
      out.push(Buffer.from(arg));
    }
  }
  return out;
}

export class SlowLog {
  /** Newest last; at most maxLen. */
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  /**
   * @param thresholdUs log commands taking at least this long; negative = off, 0 = everything
   * @param maxLen entries kept (the oldest go first); 0 keeps none
   */
  constructor(
    public thresholdUs: number,
    private maxLength: number,
  ) {}

  get maxLen(): number {
    return this.maxLength;
  }

  set maxLen(value: number) {
    this.maxLength = value;
    if (this.entries.length > value) this.entries.splice(0, this.entries.length - value);
  }

  get length(): number {
    return this.entries.length;
  }

  /** Every entry made since start (ids are never reused, as Redis's). */
  get totalLogged(): number {
    return this.nextId;
  }

  /** Logs a command that took `durationMs` when it reaches the threshold. */
  /** Logs the command if `durationMs` reaches the threshold (`describe` runs only then). */
  consider(durationMs: number, describe: () => readonly Uint8Array[], client: SlowlogClient): void {
    const durationUs = this.slowUs(durationMs);
    if (durationUs >= 0) this.push(durationUs, describe(), client);
  }

  /** The duration in whole µs when a command that took `durationMs` belongs in the log, else -1. */
  slowUs(durationMs: number): number {
    const threshold = this.thresholdUs;
    if (threshold < 0 || this.maxLength === 0) return -1;
    const durationUs = Math.max(0, Math.floor(durationMs * 1000));
    return durationUs < threshold ? -1 : durationUs;
  }

  push(durationUs: number, args: readonly Uint8Array[], client: SlowlogClient): void {
    if (this.maxLength === 0) return;
    this.entries.push({
      id: this.nextId++,
      unixSeconds: Math.floor(Date.now() / 1000),
      durationUs,
      args: truncateArgs(args),
      client: client.addr,
      name: client.name === null ? '' : client.name.toString('latin1'),
    });
    if (this.entries.length > this.maxLength) this.entries.shift();
  }

  /** The newest `count` entries, newest first; count < 0 = all (SLOWLOG GET -1). */
  newest(count: number): SlowlogEntry[] {
    const n = count < 0 ? this.entries.length : Math.min(count, this.entries.length);
    const out: SlowlogEntry[] = [];
    for (let i = this.entries.length - 1; out.length < n; i--) out.push(this.entries[i]!);
    return out;
  }

  reset(): void {
    this.entries = [];
  }
}

// ---- per-connection timing ----

/** The fields a ReplySlot carries while its command is timed. */
export interface TimedSlot {
  timedCommand: unknown;
  dispatchedAt: number;
  latencyLabel: number;
}

/** Where command durations go besides the slow log: one protocol's latency histogram (command-latency.ts). */
export interface LatencyRecorder {
  /** The histogram series of a lower-case command name (unknown names share one). */
  labelOf(name: string): number;
  record(label: number, durationMs: number): void;
}

/** What the reply queue calls (see CommandTimer). */
export interface ReplyTiming {
  /** Replies' bytes are read (the -vv trace): every reply needs a buffer of its own. */
  readonly tracesReplies: boolean;
  attach(slot: TimedSlot): void;
  answeredNow(reply: Buffer): void;
  finished(slot: TimedSlot, reply: Buffer | Buffer[] | null): void;
}

/** -vv: every command and the first line of its reply, as memcached's `<fd cmd` / `>fd reply` lines. */
export type CommandTrace = (direction: '<' | '>', client: string, text: string) => void;

/** The first line of a reply, for the -vv trace (bytes outside printable ASCII, space kept, as \\xNN). */
function firstLine(reply: Buffer | Buffer[] | null): string {
  const bytes = reply === null ? Buffer.alloc(0) : Array.isArray(reply) ? (reply[0] ?? Buffer.alloc(0)) : reply;
  let end = bytes.indexOf(13);
  if (end === -1 || end > 200) end = Math.min(bytes.length, 200);
  let line = '';
  for (const byte of bytes.subarray(0, end)) line += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return line;
}

/**
 * Times one connection's commands: the session calls `begin` when it
 * dispatches a command; the reply queue calls `attach` when the command
 * reserves its reply slot, `finished` when that slot completes, and
 * `answeredNow` when a reply needs no slot (written at once). A command that
 * never replies (text `noreply`) is neither logged nor recorded: there is no
 * reply to time.
 */
export class CommandTimer<Command> implements ReplyTiming {
  private command: Command | null = null;
  private startedAt = 0;
  private startEpoch = 0;
  private latencyLabel = -1;

  constructor(
    private readonly log: SlowLog,
    private readonly describe: (command: Command) => Uint8Array[],
    private readonly client: SlowlogClient,
    private readonly trace: CommandTrace | null = null,
    private readonly latency: LatencyRecorder | null = null,
  ) {}

  get tracesReplies(): boolean {
    return this.trace !== null;
  }

  /** @param name the command's lower-case name, the latency histogram's label (absent = `other`) */
  begin(command: Command, name = ''): void {
    if (this.trace !== null) this.trace('<', this.client.addr, this.describe(command).map(escapeArg).join(' '));
    else if (this.log.thresholdUs < 0 && this.latency === null) {
      this.command = null;
      return;
    }
    this.command = command;
    this.startedAt = turnClock();
    this.startEpoch = runEpoch;
    this.latencyLabel = this.latency === null ? -1 : this.latency.labelOf(name);
  }

  attach(slot: TimedSlot): void {
    if (this.command === null) return;
    slot.timedCommand = this.command;
    slot.dispatchedAt = this.startedAt;
    slot.latencyLabel = this.latencyLabel;
    this.command = null;
  }

  answeredNow(reply: Buffer): void {
    const command = this.command;
    if (command === null) return;
    this.command = null;
    // An immediate reply in a later run is not this command's (a pub/sub message after a noreply set).
    if (!runClockValid || this.startEpoch !== runEpoch) return;
    if (this.trace !== null) this.trace('>', this.client.addr, firstLine(reply));
    if (this.latencyLabel >= 0) this.latency!.record(this.latencyLabel, 0);
    // Checked before describing: this runs per command, and almost none are slow.
    const slowUs = this.log.slowUs(0);
    if (slowUs >= 0) this.log.push(slowUs, this.describe(command), this.client);
  }

  finished(slot: TimedSlot, reply: Buffer | Buffer[] | null): void {
    const command = slot.timedCommand as Command;
    slot.timedCommand = null;
    if (this.trace !== null) this.trace('>', this.client.addr, firstLine(reply));
    const durationMs = turnClock() - slot.dispatchedAt;
    if (slot.latencyLabel >= 0) this.latency!.record(slot.latencyLabel, durationMs);
    const slowUs = this.log.slowUs(durationMs);
    if (slowUs >= 0) this.log.push(slowUs, this.describe(command), this.client);
  }
}

// ---- what a command looks like in the log ----

const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** A memcached text command as its tokens; a stored value appears as its byte count (the command line says it). */
export function describeTextRequest(request: MemcacheTextRequest): Uint8Array[] {
  switch (request.kind) {
    case 'retrieval':
      return request.command === 'gat' || request.command === 'gats'
        ? [latin1(request.command), latin1(String(request.exptime)), ...request.keys]
        : [latin1(request.command), ...request.keys];
    case 'storage': {
      const args = [latin1(request.command), request.key, latin1(String(request.flags)), latin1(String(request.exptime)), latin1(String(request.value.length))];
      if (request.command === 'cas') args.push(latin1(String((BigInt(request.casHigh) << 32n) | BigInt(request.casLow))));
      return args;
    }
    case 'delete':
      return [latin1('delete'), request.key];
    case 'touch':
      return [latin1('touch'), request.key, latin1(String(request.exptime))];
    case 'arithmetic':
      return [latin1(request.command), request.key, latin1(String(request.delta))];
    case 'meta':
      return request.command === 'mn' ? [latin1('mn')] : [latin1(request.command), request.key, latin1(request.order)];
    case 'flush_all':
      return [latin1('flush_all'), latin1(String(request.delay))];
    case 'stats':
      return [latin1('stats'), ...request.args.map(latin1)];
    case 'config':
      return [latin1('config'), ...request.args.map(latin1)];
    case 'verbosity':
      return [latin1('verbosity'), latin1(String(request.level))];
    case 'shutdown':
      return request.graceful ? [latin1('shutdown'), latin1('graceful')] : [latin1('shutdown')];
    default:
      return [latin1(request.kind)];
  }
}

/** A binary-protocol request as its opcode's name and key. */
export function describeBinaryRequest(request: BinaryRequest): Uint8Array[] {
  const name = latin1(request.spec?.name ?? `0x${request.opcode.toString(16).padStart(2, '0')}`);
  return request.key.length > 0 ? [name, request.key] : [name];
}

/** Arguments a Redis command must not leave in the log (Redis redacts AUTH and HELLO AUTH secrets). */
export function describeRespCommand(args: Buffer[]): Uint8Array[] {
  const name = args[0]!.toString('latin1').toLowerCase();
  if (name === 'auth') return [args[0]!, ...args.slice(1).map(() => REDACTED)];
  if (name === 'hello') {
    const at = args.findIndex((a, i) => i > 0 && a.toString('latin1').toLowerCase() === 'auth');
    if (at !== -1) return args.map((a, i) => (i > at && i <= at + 2 ? REDACTED : a));
  }
  return args;
}

const REDACTED = Buffer.from('(redacted)');

// ---- rendering for the memcached port ----

/** Printable ASCII except space and backslash as is; the rest as \xNN, so a value stays one token-free line. */
function escapeArg(arg: Uint8Array): string {
  let out = '';
  for (const byte of arg) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/**
 * `stats slowlog`: the settings, then per entry (newest first) five STAT
 * lines keyed `slowlog:<id>:<field>`, as `stats items` keys per class:
 *   time <unix s>, duration_us <n>, command <args joined by spaces, bytes
 *   outside printable ASCII (and space, backslash) as \xNN>, client <ip:port>,
 *   name <client name or empty>.
 */
export function slowlogStats(log: SlowLog): (readonly [string, string | number])[] {
  const entries: (readonly [string, string | number])[] = [
    ['slowlog_threshold_us', log.thresholdUs],
    ['slowlog_max_len', log.maxLen],
    ['slowlog_len', log.length],
    ['slowlog_total', log.totalLogged],
  ];
  for (const e of log.newest(-1)) {
    entries.push(
      [`slowlog:${e.id}:time`, e.unixSeconds],
      [`slowlog:${e.id}:duration_us`, e.durationUs],
      [`slowlog:${e.id}:command`, e.args.map(escapeArg).join(' ')],
      [`slowlog:${e.id}:client`, e.client],
      [`slowlog:${e.id}:name`, e.name],
    );
  }
  return entries;
}
