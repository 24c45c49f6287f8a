/**
 * The catalogue of startup and configuration errors (fastify's `createError`
 * idea): every error the daemon can die of before it serves traffic has a code
 * `SC_ERR_<AREA>_<WHAT>`, a one-line message and a sysexits(3) exit status.
 * `test/unit/config/errors.test.ts` counts the codes, so adding one is a
 * deliberate act.
 *
 * Not for the data path: protocol errors are `ProtocolError` replies and the
 * store returns `StoreStatus`; nothing here is thrown per request.
 * May import nothing from src/.
 */

import { format } from 'node:util';

/** sysexits(3) statuses used by the daemon, as memcached uses them. */
export const EX_OK = 0;
export const EX_USAGE = 64;
export const EX_SOFTWARE = 70;
export const EX_OSERR = 71;

/** Where a configuration value came from; shown in messages so the user knows what to fix. */
export type ConfigSource = 'argv' | 'env' | 'default';

/** Base of every catalogued error. `message` is always one line. */
export abstract class ShardcacheError extends Error {
  abstract readonly code: string;
  /** The process exit status `main.ts` should use for this error. */
  abstract readonly exitCode: number;

  constructor(message: string) {
    // Values in messages are JSON-quoted, so this only guards against a future
    // message template that forgets to: stderr output must stay one line.
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
  }
}

/** A bad command line or environment. `main.ts` prints `shardcache: <message>` and exits 64. */
export abstract class ConfigError extends ShardcacheError {
  override readonly name = 'ConfigError';
  readonly exitCode = EX_USAGE;

  constructor(
    /** The option at fault as a user writes it, e.g. `--max-item-size`, or the offending word. */
    readonly flag: string,
    message: string,
    /** Where the bad value came from, when there is a value. */
    readonly source?: ConfigSource,
  ) {
    super(message);
  }
}

/** The daemon could not start although its configuration was valid (a port in use, a shard that died). */
export abstract class StartupError extends ShardcacheError {
  override readonly name = 'StartupError';
}

/** The constructor type the catalogue hands out: `new codes.SC_ERR_X(...args)`, plus a static `code`. */
export interface ErrorClass<A extends unknown[], E extends ShardcacheError> {
  new (...args: A): E;
  readonly code: string;
}

/**
 * A config error class. `template` is a `util.format` string whose first `%s`
 * is the flag; the constructor takes the flag, then the template's other
 * arguments, then optionally where the value came from.
 */
function createConfigError<A extends unknown[]>(
  code: string,
  template: string,
): ErrorClass<[flag: string, ...args: A] | [flag: string, ...args: [...A, ConfigSource]], ConfigError> {
  const argCount = (template.match(/%[sdj]/g) ?? []).length - 1;
  return class extends ConfigError {
    static readonly code = code;
    readonly code = code;
    constructor(flag: string, ...rest: unknown[]) {
      const args = rest.slice(0, argCount);
      const source = rest[argCount] as ConfigSource | undefined;
      super(flag, format(template, flagLabel(flag, source), ...args), source);
    }
  };
}

function createStartupError<A extends unknown[]>(
  code: string,
  template: string,
  exitCode: number,
): ErrorClass<A, StartupError> {
  return class extends StartupError {
    static readonly code = code;
    readonly code = code;
    readonly exitCode = exitCode;
    constructor(...args: A) {
      super(format(template, ...args));
    }
  };
}

/** `--port`, or `--port (from SHARDCACHE_PORT)` when the environment set it. */
function flagLabel(flag: string, source: ConfigSource | undefined): string {
  if (source === 'env' && flag.startsWith('--')) {
    return `${flag} (from ${envVarName(flag.slice(2))})`;
  }
  return flag;
}

/** `max-item-size` → `SHARDCACHE_MAX_ITEM_SIZE`. Lives here so messages and the loader agree. */
export function envVarName(longName: string): string {
  return `SHARDCACHE_${longName.toUpperCase().replace(/-/g, '_')}`;
}

/** Every catalogued error, by code. */
export const codes = {
  /** A value that does not parse or is out of range: `--port: "x" is not a port number (0 to 65535)`. */
  SC_ERR_CONFIG_INVALID: createConfigError<[reason: string]>('SC_ERR_CONFIG_INVALID', '%s: %s'),
  /** An option shardcache does not have (yargs strict). */
  SC_ERR_CONFIG_UNKNOWN_FLAG: createConfigError<[]>(
    'SC_ERR_CONFIG_UNKNOWN_FLAG',
    '%s: unknown option (see shardcache --help)',
  ),
  /** An option that needs a value came last on the command line. */
  SC_ERR_CONFIG_MISSING_VALUE: createConfigError<[]>('SC_ERR_CONFIG_MISSING_VALUE', '%s: requires a value'),
  /** `--enable-shutdown=yes`: a switch given a value. */
  SC_ERR_CONFIG_UNEXPECTED_VALUE: createConfigError<[]>(
    'SC_ERR_CONFIG_UNEXPECTED_VALUE',
    '%s: takes no value',
  ),
  /** A word that is not an option: shardcache takes options only. */
  SC_ERR_CONFIG_UNEXPECTED_ARGUMENT: createConfigError<[]>(
    'SC_ERR_CONFIG_UNEXPECTED_ARGUMENT',
    '%s: unexpected argument (shardcache takes options only; see shardcache --help)',
  ),
  /** Two valid values that cannot go together, e.g. -I above half of -m. */
  SC_ERR_CONFIG_CONFLICT: createConfigError<[reason: string]>('SC_ERR_CONFIG_CONFLICT', '%s: %s'),
  /** A memcached feature shardcache does not implement (UDP). */
  SC_ERR_CONFIG_UNSUPPORTED: createConfigError<[reason: string]>('SC_ERR_CONFIG_UNSUPPORTED', '%s: %s'),
  /** A listener could not bind (memcached exits EX_OSERR here too). */
  SC_ERR_LISTEN_FAILED: createStartupError<[address: string, reason: string]>(
    'SC_ERR_LISTEN_FAILED',
    'failed to listen on %s: %s',
    EX_OSERR,
  ),
  /** A shard worker failed to start. */
  SC_ERR_SHARD_START_FAILED: createStartupError<[shard: number, reason: string]>(
    'SC_ERR_SHARD_START_FAILED',
    'shard %d failed to start: %s',
    EX_SOFTWARE,
  ),
} as const;

export type ErrorCode = keyof typeof codes;
