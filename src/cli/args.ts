/**
 * The command-line definition: memcached's flags under memcached's long names,
 * declared once in `OPTIONS` and turned into a strict yargs parser. Parsing only:
 * every value comes back as the text the user typed, and `config/load.ts`
 * validates it, applies the environment and defaults, and builds `Config`.
 * Importing this module does nothing; nothing here reads process.argv or exits.
 *
 * yargs sees the command line only after `normalizeArgv` has rewritten it
 * getopt-style, as memcached parses it: `-I2m`, `-vvp 11311`, `-l127.0.0.1`
 * and `--port 11311` all mean what they mean to memcached.
 */

import yargs, { type Argv } from 'yargs';
import { codes } from '../errors';

export type OptionArity =
  /** takes a value: `-p 11211`, `-p11211`, `--port=11211`, `--port 11211` */
  | 'value'
  /** a switch: `-A`, `--enable-shutdown` */
  | 'switch'
  /** a switch that counts its repeats: `-vv` */
  | 'count';

export interface OptionSpec {
  /** memcached's one-letter name; absent for options memcached does not have. */
  readonly short?: string;
  readonly arity: OptionArity;
  /** Whether `SHARDCACHE_<LONG_NAME>` also sets it (not for --help and --version). */
  readonly env: boolean;
  /** One-line description for yargs; the memcached-style help is in `help.ts`. */
  readonly describe: string;
}

/** Every option, by long name, in memcached's `--help` order. */
export const OPTIONS = {
  port: { short: 'p', arity: 'value', env: true, describe: 'TCP port to listen on' },
  'udp-port': { short: 'U', arity: 'value', env: true, describe: 'UDP port; only 0 (off): UDP is not supported' },
  'unix-socket': { short: 's', arity: 'value', env: true, describe: 'UNIX socket to listen on (disables TCP)' },
  'unix-mask': { short: 'a', arity: 'value', env: true, describe: 'access mask for the UNIX socket, in octal' },
  'enable-shutdown': { short: 'A', arity: 'switch', env: true, describe: 'enable the ascii "shutdown" command' },
  listen: { short: 'l', arity: 'value', env: true, describe: 'interfaces to listen on, comma separated' },
  'memory-limit': { short: 'm', arity: 'value', env: true, describe: 'item memory in megabytes (k/m/g suffix)' },
  'conn-limit': { short: 'c', arity: 'value', env: true, describe: 'max simultaneous connections' },
  verbose: { short: 'v', arity: 'count', env: true, describe: 'verbose; -vv very, -vvv extremely verbose' },
  help: { short: 'h', arity: 'switch', env: false, describe: 'print this help and exit' },
  version: { short: 'V', arity: 'switch', env: false, describe: 'print version and exit' },
  'slab-growth-factor': { short: 'f', arity: 'value', env: true, describe: 'chunk size growth factor' },
  'slab-min-size': { short: 'n', arity: 'value', env: true, describe: 'min space used for key+value+flags' },
  threads: { short: 't', arity: 'value', env: true, describe: 'number of shards (worker threads)' },
  'max-item-size': { short: 'I', arity: 'value', env: true, describe: 'max item size (k/m suffix, 1k to 128m)' },
  'enable-sasl': { short: 'S', arity: 'switch', env: true, describe: 'require SASL PLAIN authentication (binary protocol)' },
  'auth-file': { short: 'Y', arity: 'value', env: true, describe: 'user:password file; enables ascii authentication' },
  'idle-timeout': { arity: 'value', env: true, describe: 'close connections idle this many seconds; 0 = never' },
  'shutdown-timeout': { arity: 'value', env: true, describe: 'seconds a graceful stop waits for owed replies' },
  'redis-port': { arity: 'value', env: true, describe: 'TCP port for the Redis protocol (RESP); 0 = off' },
  'admin-port': { arity: 'value', env: true, describe: 'HTTP port for /metrics, /healthz, /readyz; 0 = off' },
  'tls-port': { arity: 'value', env: true, describe: 'TCP port for the memcached protocols over TLS; 0 = off' },
  'tls-redis-port': { arity: 'value', env: true, describe: 'TCP port for the Redis protocol over TLS; 0 = off' },
  'tls-cert': { arity: 'value', env: true, describe: 'PEM certificate chain for the TLS ports' },
  'tls-key': { arity: 'value', env: true, describe: 'PEM private key for the TLS ports' },
  'tls-ca': { arity: 'value', env: true, describe: 'PEM CA bundle: require client certificates signed by it (mutual TLS)' },
  'cluster-nodes': { arity: 'value', env: true, describe: 'static cluster members host:port,... for config get cluster' },
  'cluster-file': { arity: 'value', env: true, describe: 'cluster members file (host:port or host|ip|port per line), watched' },
  'cluster-dns': { arity: 'value', env: true, describe: 'DNS name (A/AAAA, or SRV if it starts with _) polled for members' },
  'cluster-dns-interval': { arity: 'value', env: true, describe: 'seconds between --cluster-dns look-ups' },
  'redis-cluster': { arity: 'switch', env: true, describe: 'act as a Redis Cluster node on the Redis port (MOVED, CROSSSLOT)' },
  'prefix-delimiter': { short: 'D', arity: 'value', env: true, describe: 'key prefix delimiter for stats detail; turns stats detail on' },
  'slowlog-threshold-us': { arity: 'value', env: true, describe: 'log commands slower than this (µs); negative = off, 0 = all' },
  'slowlog-max-len': { arity: 'value', env: true, describe: 'slow log entries kept' },
  hotkeys: { arity: 'value', env: true, describe: 'count the most requested keys per shard: on or off' },
  'log-format': { arity: 'value', env: true, describe: 'log lines as text or json' },
  requirepass: { arity: 'value', env: true, describe: "password of the Redis port's default user (AUTH <password>)" },
  'acl-file': { arity: 'value', env: true, describe: 'Redis ACL file (user <name> <rules>...); reloaded on SIGHUP' },
  'unsafe-no-auth': { arity: 'switch', env: true, describe: 'allow listening on non-loopback addresses without authentication' },
  'shard-timeout': { arity: 'value', env: true, describe: 'seconds a shard may answer nothing before it is restarted; 0 = off' },
  'max-output-buffer': { arity: 'value', env: true, describe: 'unsent reply bytes that disconnect a client (k/m/g); 0 = no limit' },
  'max-keys-per-get': { arity: 'value', env: true, describe: 'keys one memcached get may name' },
  'proto-max-bulk-len': { arity: 'value', env: true, describe: 'largest RESP bulk argument (k/m/g)' },
  'max-multibulk-len': { arity: 'value', env: true, describe: 'most arguments in one RESP request' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTIONS;
export type ValueOptionName = {
  [K in OptionName]: (typeof OPTIONS)[K]['arity'] extends 'value' ? K : never;
}[OptionName];

export const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

const BY_SHORT: ReadonlyMap<string, OptionName> = new Map(
  OPTION_NAMES.flatMap((name) => {
    const short = (OPTIONS[name] as OptionSpec).short;
    return short === undefined ? [] : [[short, name] as const];
  }),
);

/** The command line as typed, before environment, defaults and validation. Absent = not on the command line. */
export interface ParsedArgs {
  /** Each value option's text; a repeated option keeps every occurrence, in order. */
  readonly values: Partial<Record<ValueOptionName, readonly string[]>>;
  readonly enableShutdown: boolean;
  readonly enableSasl: boolean;
  readonly redisCluster: boolean;
  /** --unsafe-no-auth; present only when given (absent = not on the command line, like `values`). */
  readonly unsafeNoAuth?: true;
  /** How many times -v was given (0 = not given). */
  readonly verbose: number;
  readonly help: boolean;
  readonly version: boolean;
}

/**
 * A strict yargs parser for the normalized command line. Help and version are
 * plain switches (yargs' own handlers would print and exit), failures throw.
 */
export function buildArgsParser(): Argv {
  let parser = yargs()
    .scriptName('shardcache')
    .usage('Usage: $0 [options]')
    .help(false)
    .version(false)
    .strict()
    .exitProcess(false)
    .parserConfiguration({
      'camel-case-expansion': false,
      'boolean-negation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'duplicate-arguments-array': true,
      'strip-aliased': true,
    })
    .fail((message: string | undefined, error: Error | undefined) => {
      // normalizeArgv rejects unknown options and stray words first, so this
      // is a safety net; it must throw rather than print.
      throw new codes.SC_ERR_CONFIG_INVALID('shardcache', message ?? error?.message ?? 'invalid command line');
    });
  for (const name of OPTION_NAMES) {
    const spec: OptionSpec = OPTIONS[name];
    parser = parser.option(name, {
      ...(spec.short === undefined ? {} : { alias: spec.short }),
      type: spec.arity === 'value' ? 'string' : spec.arity === 'count' ? 'count' : 'boolean',
      describe: spec.describe,
    });
  }
  return parser;
}

/**
 * Rewrites a memcached-style command line into `--long=value` / `--long`
 * tokens the way getopt_long reads it: a short option that takes a value
 * takes the rest of its cluster or else the next word, whatever it looks like;
 * a long option takes `=value` or the next word. Throws `ConfigError` for an
 * unknown option, a missing value, a value given to a switch, or a word that
 * is not an option.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      const extra = argv[i + 1];
      if (extra !== undefined) throw new codes.SC_ERR_CONFIG_UNEXPECTED_ARGUMENT(JSON.stringify(extra));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const flag = `--${name}`;
      if (!isOptionName(name)) throw new codes.SC_ERR_CONFIG_UNKNOWN_FLAG(flag);
      if (OPTIONS[name].arity !== 'value') {
        if (eq !== -1) throw new codes.SC_ERR_CONFIG_UNEXPECTED_VALUE(flag);
        out.push(flag);
      } else if (eq !== -1) {
        out.push(`${flag}=${arg.slice(eq + 1)}`);
      } else {
        const value = argv[++i];
        if (value === undefined) throw new codes.SC_ERR_CONFIG_MISSING_VALUE(flag);
        out.push(`${flag}=${value}`);
      }
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const name = BY_SHORT.get(arg[j]!);
        if (name === undefined) throw new codes.SC_ERR_CONFIG_UNKNOWN_FLAG(`-${arg[j]}`);
        if (OPTIONS[name].arity !== 'value') {
          out.push(`--${name}`);
          continue;
        }
        // `-p11211` and (as yargs allows) `-p=11211`; otherwise the next word.
        let value: string | undefined = arg.slice(j + 1).replace(/^=/, '');
        if (j + 1 === arg.length) {
          value = argv[++i];
          if (value === undefined) throw new codes.SC_ERR_CONFIG_MISSING_VALUE(`--${name}`);
        }
        out.push(`--${name}=${value}`);
        break;
      }
    } else {
      throw new codes.SC_ERR_CONFIG_UNEXPECTED_ARGUMENT(JSON.stringify(arg));
    }
  }
  return out;
}

/** Parses a command line (without `node` and the script path) into the text of each option. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const parsed = buildArgsParser().parseSync(normalizeArgv(argv)) as Record<string, unknown>;
  const values: Partial<Record<ValueOptionName, readonly string[]>> = {};
  for (const name of OPTION_NAMES) {
    if (OPTIONS[name].arity !== 'value') continue;
    const raw = parsed[name];
    if (raw === undefined) continue;
    values[name as ValueOptionName] = (Array.isArray(raw) ? raw : [raw]).map(String);
  }
  return {
    values,
    enableShutdown: parsed['enable-shutdown'] === true,
    enableSasl: parsed['enable-sasl'] === true,
    redisCluster: parsed['redis-cluster'] === true,
    ...(parsed['unsafe-no-auth'] === true ? { unsafeNoAuth: true as const } : {}),
    verbose: typeof parsed['verbose'] === 'number' ? parsed['verbose'] : 0,
    help: parsed['help'] === true,
    version: parsed['version'] === true,
  };
}

function isOptionName(name: string): name is OptionName {
  return Object.prototype.hasOwnProperty.call(OPTIONS, name);
}
