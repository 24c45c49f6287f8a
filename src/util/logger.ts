/**
 * Leveled logger to stderr, memcached's meaning of -v: level 0 prints errors
 * and warnings only (as memcached prints fatal start-up problems), -v (1)
 * adds notable events (listening, reloads, rate-limited connection errors),
 * -vv (2) client commands and responses, -vvv (3) internal state.
 *
 * `--log-format text` writes `<ISO time> <level> <msg> [key=value ...]`;
 * `json` writes one object per line: {"time","level","msg", ...fields}.
 *
 * Also the connection-error counter (`stats` conn_errors): every error is
 * counted, but each kind (the error's code) is logged at most once per
 * interval, with how many were suppressed, so a storm of resets is one line
 * every few seconds instead of one per connection.
 *
 * May import nothing.
 */

export type LogFormat = 'text' | 'json';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFields = Readonly<Record<string, string | number | boolean>>;

/** Where lines go; tests replace it. */
export type LogSink = (line: string) => void;
const STDERR: LogSink = (line) => process.stderr.write(line);

/** A text-format field value: bare when it has no space, quote or control character, else JSON-quoted. */
function textValue(value: string | number | boolean): string {
  const text = String(value);
  return /^[^\s"=\\\x00-\x1f\x7f]+$/.test(text) ? text : JSON.stringify(text);
}

export function formatLogLine(format: LogFormat, timeIso: string, level: LogLevel, message: string, fields: LogFields = {}): string {
  if (format === 'json') return `${JSON.stringify({ time: timeIso, level, msg: message, ...fields })}\n`;
  let line = `${timeIso} ${level} ${message}`;
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${textValue(value)}`;
  return `${line}\n`;
}

export class Logger {
  constructor(
    readonly verbosity: number,
    readonly format: LogFormat = 'text',
    private readonly sink: LogSink = STDERR,
  ) {}

  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }

  /** Printed from -v on (level 1), or from the given level. */
  info(message: string, level = 1, fields?: LogFields): void {
    if (this.verbosity >= level) this.write('info', message, fields);
  }

  /** -vv: client commands and responses. */
  get commandsEnabled(): boolean {
    return this.verbosity >= 2;
  }

  /** -vv: one client command or response (callers check commandsEnabled first to skip building the text). */
  command(message: string, fields?: LogFields): void {
    if (this.verbosity >= 2) this.write('debug', message, fields);
  }

  /** -vvv: internal state transitions. */
  internal(message: string, fields?: LogFields): void {
    if (this.verbosity >= 3) this.write('debug', message, fields);
  }

  private write(level: LogLevel, message: string, fields?: LogFields): void {
    this.sink(formatLogLine(this.format, new Date().toISOString(), level, message, fields));
  }
}

/** Counts errors by kind and logs each kind at most once per `intervalMs` (with the number suppressed since). */
export class RateLimitedErrors {
  /** Every error reported, logged or not. */
  count = 0;
  private readonly lastLoggedMs = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();
  private logger: Logger | null = null;

  constructor(
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Where to log (the daemon's logger); until set, errors are only counted. */
  attach(logger: Logger | null): void {
    this.logger = logger;
  }

  report(error: Error & { code?: string }, fields: LogFields = {}): void {
    this.count++;
    const logger = this.logger;
    if (logger === null || logger.verbosity < 1) return;
    const kind = error.code ?? error.name;
    const now = this.now();
    const last = this.lastLoggedMs.get(kind);
    if (last !== undefined && now - last < this.intervalMs) {
      this.suppressed.set(kind, (this.suppressed.get(kind) ?? 0) + 1);
      return;
    }
    const suppressed = this.suppressed.get(kind) ?? 0;
    this.lastLoggedMs.set(kind, now);
    this.suppressed.delete(kind);
    logger.warn(`${this.what}: ${error.message}`, { kind, suppressed, ...fields });
  }

  reset(): void {
    this.count = 0;
  }
}

/**
 * Client connection socket errors (ECONNRESET, EPIPE, ...): counted for
 * `stats` conn_errors, logged (from -v) at most once per 10 s per kind.
 * One per process: the daemon attaches its logger.
 */
export const connectionErrors = new RateLimitedErrors('connection error', 10_000);
