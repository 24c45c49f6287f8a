/**
 * `--help` and `--version` text. The help copies memcached's layout, order and
 * wording (`-p, --port=<num>  TCP port to listen on (default: 11211)`) so a
 * memcached user reads it at a glance; yargs' own help layout would not. The
 * defaults come from config/defaults, and the `Record<OptionName, …>` below
 * fails to compile if an option has no help entry.
 * Pure functions: nothing here prints or exits.
 */

import { DEFAULTS, LIMITS, defaultThreads } from '../config/defaults';
import { formatSize } from '../config/schema';
import { SHARDCACHE_VERSION } from '../util/package-version';
import { OPTIONS, OPTION_NAMES, type OptionName, type OptionSpec } from './args';

/** Column where descriptions start, as in memcached's usage(). */
const DESCRIPTION_COLUMN = 26;

interface HelpEntry {
  /** Value placeholder: `num` prints `--port=<num>`. Absent for switches. */
  readonly placeholder?: string;
  /** Description lines; the first goes beside the flag, the rest under it. */
  readonly lines: readonly string[];
  /** Extra rows after this option, memcached's `-vv` / `-vvv`. */
  readonly extraRows?: readonly (readonly [flags: string, description: string])[];
}

function helpEntries(): Record<OptionName, HelpEntry> {
  return {
    port: { placeholder: 'num', lines: [`TCP port to listen on (default: ${DEFAULTS.port})`] },
    'udp-port': {
      placeholder: 'num',
      lines: ['UDP port to listen on (default: 0, off);', 'UDP is not supported, so only 0 is accepted'],
    },
    'unix-socket': { placeholder: 'file', lines: ['UNIX socket to listen on (disables network support)'] },
    'unix-mask': {
      placeholder: 'mask',
      lines: [`access mask for UNIX socket, in octal (default: ${DEFAULTS.unixMask.toString(8)})`],
    },
    'enable-shutdown': { lines: ['enable ascii "shutdown" command'] },
    'idle-timeout': {
      placeholder: 'sec',
      lines: ['close a connection after this many seconds without', `a request or reply (default: ${DEFAULTS.idleTimeoutSeconds}, never)`],
    },
    'shutdown-timeout': {
      placeholder: 'sec',
      lines: ['seconds SIGTERM waits for owed replies', `(default: ${DEFAULTS.shutdownTimeoutSeconds})`],
    },
    'redis-port': {
      placeholder: 'num',
      lines: ['TCP port for the Redis protocol, RESP2/3', `(default: ${DEFAULTS.redisPort}, off)`],
    },
    'admin-port': {
      placeholder: 'num',
      lines: ['HTTP port for /metrics, /healthz and /readyz', `(default: ${DEFAULTS.adminPort}, off; 9150 is the exporter's port)`],
    },
    'tls-port': { placeholder: 'num', lines: ['memcached protocols over TLS on this port', '(default: 0, off; needs --tls-cert and --tls-key)'] },
    'tls-redis-port': { placeholder: 'num', lines: ['Redis protocol over TLS (default: 0, off)'] },
    'tls-cert': { placeholder: 'file', lines: ['PEM certificate chain; reloaded on SIGHUP'] },
    'tls-key': { placeholder: 'file', lines: ['PEM private key; reloaded on SIGHUP'] },
    'tls-ca': { placeholder: 'file', lines: ['PEM CA bundle: clients must present a certificate', 'signed by it (mutual TLS)'] },
    'cluster-nodes': {
      placeholder: 'list',
      lines: ['cluster members for `config get cluster`:', 'host:port,host:port (default: this node only)'],
    },
    'cluster-file': {
      placeholder: 'file',
      lines: ['cluster members, one host:port or host|ip|port', 'per line; reloaded when the file changes'],
    },
    'cluster-dns': {
      placeholder: 'name',
      lines: ['cluster members from DNS: A/AAAA records on our', 'port, or SRV when the name starts with _'],
    },
    'cluster-dns-interval': {
      placeholder: 'sec',
      lines: [`seconds between DNS look-ups (default: ${DEFAULTS.clusterDnsIntervalSeconds})`],
    },
    'redis-cluster': {
      lines: [
        'serve the Redis port as a Redis Cluster node: slots',
        'split evenly over the --cluster-* members, MOVED for',
        'keys another member owns, CROSSSLOT across slots.',
        "A member's Redis port is its memcached port plus",
        "ours minus --port (all members use one offset:",
        '11211 and 6379 on every pod works) (default: off)',
      ],
    },
    'prefix-delimiter': {
      placeholder: 'char',
      lines: ['key prefix delimiter for `stats detail`;', `turns it on (default: ${DEFAULTS.prefixDelimiter}, detail off)`],
    },
    'slowlog-threshold-us': {
      placeholder: 'us',
      lines: ['slow log: commands slower than this', `(default: ${DEFAULTS.slowlogThresholdUs}; -1 = off, 0 = every command)`],
    },
    'slowlog-max-len': { placeholder: 'num', lines: [`slow log entries kept (default: ${DEFAULTS.slowlogMaxLen})`] },
    hotkeys: { placeholder: 'on|off', lines: ['count the most requested keys (stats hotkeys)', '(default: on)'] },
    'log-format': { placeholder: 'text|json', lines: ['log lines as text or one JSON object', `each (default: ${DEFAULTS.logFormat})`] },
    requirepass: {
      placeholder: 'pass',
      lines: ["password of the Redis port's default user", '(default: none; AUTH <password>, redis-cli -a)'],
    },
    'acl-file': {
      placeholder: 'file',
      lines: ['Redis ACL users for the Redis port: lines like', '`user app on >pw ~app:* +@read`; reloaded on SIGHUP'],
    },
    'unsafe-no-auth': {
      lines: [
        'start even when listening on a non-loopback address',
        'with no authentication configured (protected mode off)',
      ],
    },
    'shard-timeout': {
      placeholder: 'sec',
      lines: ['restart a shard that answers nothing for this long;', `its requests fail (default: ${DEFAULTS.shardTimeoutSeconds}; 0 = off)`],
    },
    'max-output-buffer': {
      placeholder: 'size',
      lines: [
        'disconnect a client with this much unsent output;',
        'also the largest multi-get reply, larger ones get',
        `SERVER_ERROR out of memory (default: ${formatSize(DEFAULTS.maxOutputBufferBytes)}; 0 = none)`,
      ],
    },
    'max-keys-per-get': {
      placeholder: 'num',
      lines: ['keys one get/gets/gat/gats may name', `(default: ${DEFAULTS.maxKeysPerGet})`],
    },
    'proto-max-bulk-len': {
      placeholder: 'size',
      lines: ['largest RESP bulk argument, as Redis\'s option', `(default: -I plus ${formatSize(DEFAULTS.protoBulkLenMarginBytes)})`],
    },
    'max-multibulk-len': {
      placeholder: 'num',
      lines: ['most arguments in one RESP request', `(default: ${DEFAULTS.maxMultibulkLen})`],
    },
    'enable-sasl': { lines: ['turn on SASL PLAIN authentication (binary protocol);', 'credentials come from --auth-file'] },
    'auth-file': {
      placeholder: 'file',
      lines: ['enable ASCII protocol authentication. format:', 'user:pass\\n (also the SASL credentials with -S)'],
    },
    listen: {
      placeholder: 'addr',
      lines: [
        `interface to listen on (default: ${DEFAULTS.listen.join(',')});`,
        'several as a comma separated list or repeated -l',
      ],
    },
    'memory-limit': {
      placeholder: 'num',
      lines: [
        `item memory in megabytes (default: ${DEFAULTS.memoryLimitBytes / 2 ** 20});`,
        'k/m/g suffixes are accepted too (512k, 64m, 2g);',
        'auto = from the container (cgroup) memory limit',
      ],
    },
    'conn-limit': { placeholder: 'num', lines: [`max simultaneous connections (default: ${DEFAULTS.connLimit})`] },
    verbose: {
      lines: ['verbose (print errors/warnings while in event loop)'],
      extraRows: [
        ['-vv', 'very verbose (also print client commands/responses)'],
        ['-vvv', 'extremely verbose (internal state transitions)'],
      ],
    },
    help: { lines: ['print this help and exit'] },
    version: { lines: ['print version and exit'] },
    'slab-growth-factor': { placeholder: 'num', lines: [`chunk size growth factor (default: ${DEFAULTS.growthFactor})`] },
    'slab-min-size': {
      placeholder: 'bytes',
      lines: [`min space used for key+value+flags (default: ${DEFAULTS.slabMinSize})`],
    },
    threads: {
      placeholder: 'num',
      lines: [
        `shard threads (default: ${defaultThreads()}, CPUs - 1, at least 1);`,
        `each thread owns one shard of the cache (max: ${LIMITS.maxThreads})`,
      ],
    },
    'max-item-size': {
      placeholder: 'num',
      lines: [
        'adjusts max item size',
        `(default: ${formatSize(DEFAULTS.maxItemSize)}, min: ${formatSize(LIMITS.minItemSize)}, ` +
          `max: ${formatSize(LIMITS.maxItemSize)}; at most half of -m)`,
      ],
    },
  };
}

/** The `--help` text, ending in a newline. */
export function formatHelp(): string {
  const entries = helpEntries();
  const out: string[] = [
    `shardcache ${SHARDCACHE_VERSION}`,
    'A memcached-compatible cache daemon. Usage: shardcache [options]',
    '',
  ];
  for (const name of OPTION_NAMES) {
    const entry = entries[name];
    const short = (OPTIONS[name] as OptionSpec).short;
    const flags = `${short === undefined ? '    ' : `-${short}, `}--${name}${entry.placeholder === undefined ? '' : `=<${entry.placeholder}>`}`;
    out.push(row(flags, entry.lines[0]!));
    for (const line of entry.lines.slice(1)) out.push(row('', line));
    for (const [extraFlags, text] of entry.extraRows ?? []) out.push(row(extraFlags, text));
  }
  out.push(
    '',
    'Every option except -h and -V can also be set in the environment as',
    'SHARDCACHE_<LONG_NAME>, e.g. SHARDCACHE_PORT=11211, SHARDCACHE_MEMORY_LIMIT=1g,',
    'SHARDCACHE_ENABLE_SHUTDOWN=1, SHARDCACHE_VERBOSE=2 (the -v count).',
    'Options on the command line win over the environment, which wins over defaults.',
  );
  return `${out.join('\n')}\n`;
}

/** The `--version` text, memcached's `-V` format (`shardcache 0.1.0`), ending in a newline. */
export function formatVersion(): string {
  return `shardcache ${SHARDCACHE_VERSION}\n`;
}

/** memcached pads the flags to the description column, or leaves one space when they are longer. */
function row(flags: string, description: string): string {
  const pad = flags.length < DESCRIPTION_COLUMN ? DESCRIPTION_COLUMN - flags.length : 1;
  return `${flags}${' '.repeat(pad)}${description}`.trimEnd();
}
