/**
 * Command line + environment → one frozen `Config`, validated as memcached
 * validates its flags. Precedence per option: the command line, then
 * `SHARDCACHE_<LONG_NAME>`, then the default. Every rejection is a
 * `ConfigError` whose message is one line naming the flag.
 *
 * main.ts calls `parseCommandLine(process.argv.slice(2), process.env)` and
 * acts on the result; nothing here prints or exits.
 * May import cli/args (the option definition), cli/help, errors and config/*.
 */

import { parseArgs, type ParsedArgs, type ValueOptionName } from '../cli/args';
import { formatHelp, formatVersion } from '../cli/help';
import { codes, envVarName, type ConfigSource } from '../errors';
import { AUTO_HEADROOM_BYTES, autoCacheBytes, cgroupMemoryLimit } from './cgroup-memory';
import type { ClusterSourceConfig, Config, TlsConfig } from './config';
import { DEFAULTS, LIMITS, defaultThreads } from './defaults';
import { protectedModeViolation } from './protected-mode';
import {
  BULK_LENGTH_RULE,
  ITEM_SIZE_RULE,
  MEMORY_LIMIT_RULE,
  formatSize,
  parseBoolean,
  parseChoice,
  parseDelimiter,
  parseSignedInteger,
  parseGrowthFactor,
  parseInteger,
  parseListen,
  parsePort,
  parseSize,
  parseUdpPort,
  parseUnixMask,
  parseUnixSocket,
  parseFilePath,
  parseClusterNodesOption,
  parseDnsName,
  parsePassword,
  parseOutputBufferSize,
  type Parsed,
} from './schema';

/** What the command line asks for. */
export type CommandLine =
  | { readonly action: 'help'; readonly text: string }
  | { readonly action: 'version'; readonly text: string }
  | { readonly action: 'run'; readonly config: Readonly<Config> };

/**
 * Parses argv (without `node` and the script) and env. `--help` wins over
 * `--version`, and both win over invalid values of other options (as with
 * yargs); an unknown option is an error even then.
 * @throws ConfigError
 */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv): CommandLine {
  const args = parseArgs(argv);
  if (args.help) return { action: 'help', text: formatHelp() };
  if (args.version) return { action: 'version', text: formatVersion() };
  const config = buildConfig(args, env);
  // Protected mode is a start-up policy, so it is checked here (what main.ts runs) and not by
  // loadConfig, which tools and tests use to read a configuration whatever it exposes.
  const violation = protectedModeViolation(config);
  if (violation !== null) throw new codes.SC_ERR_CONFIG_CONFLICT('--listen', violation, 'argv');
  return { action: 'run', config };
}

/**
 * The Config for argv and env; `--help`/`--version` are ignored here (use
 * `parseCommandLine` to act on them).
 * @throws ConfigError
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Readonly<Config> {
  return buildConfig(parseArgs(argv), env);
}

interface Resolved<T> {
  readonly value: T;
  readonly source: ConfigSource;
}

function buildConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): Readonly<Config> {
  /** The winning text for an option: the command line's, else the environment's. Empty env vars count as unset. */
  const textOf = (name: ValueOptionName): { text: string; source: ConfigSource } | undefined => {
    const typed = args.values[name];
    if (typed !== undefined && typed.length > 0) {
      // getopt semantics: the last occurrence wins, except -l, which memcached accumulates.
      return { text: name === 'listen' ? typed.join(',') : typed[typed.length - 1]!, source: 'argv' };
    }
    const fromEnv = env[envVarName(name)]?.trim();
    return fromEnv ? { text: fromEnv, source: 'env' } : undefined;
  };

  const resolve = <T>(name: ValueOptionName, parse: (text: string) => Parsed<T>, fallback: T): Resolved<T> => {
    const given = textOf(name);
    if (given === undefined) return { value: fallback, source: 'default' };
    const parsed = parse(given.text);
    if (!parsed.ok) throw new codes.SC_ERR_CONFIG_INVALID(`--${name}`, parsed.reason, given.source);
    return { value: parsed.value, source: given.source };
  };

  const port = resolve('port', parsePort, DEFAULTS.port);
  const redisPort = resolve('redis-port', parsePort, DEFAULTS.redisPort);
  const idleTimeout = resolve('idle-timeout', (t) => parseInteger(t, 0, 86_400 * 30), DEFAULTS.idleTimeoutSeconds);
  const shutdownTimeout = resolve('shutdown-timeout', (t) => parseInteger(t, 0, 3600), DEFAULTS.shutdownTimeoutSeconds);
  const adminPort = resolve('admin-port', parsePort, DEFAULTS.adminPort);
  const cluster = resolveClusterSource(textOf, resolve);
  const tls = resolveTls(textOf, resolve);
  const udp = textOf('udp-port');
  if (udp !== undefined) {
    const parsed = parseUdpPort(udp.text);
    if (!parsed.ok) throw new codes.SC_ERR_CONFIG_UNSUPPORTED('--udp-port', parsed.reason, udp.source);
  }
  const unixSocket = resolve<string | null>('unix-socket', parseUnixSocket, null);
  const unixMask = resolve('unix-mask', parseUnixMask, DEFAULTS.unixMask);
  const enableShutdown = resolveSwitch(args.enableShutdown, env, 'enable-shutdown');
  const enableSasl = resolveSwitch(args.enableSasl, env, 'enable-sasl');
  const redisCluster = resolveSwitch(args.redisCluster, env, 'redis-cluster');
  // memcached's SASL password database variable is honoured as a fallback source.
  const authFile = resolve<string | null>('auth-file', parseFilePath, env['MEMCACHED_SASL_PWDB']?.trim() || null);
  if (enableSasl && authFile.value === null) {
    throw new codes.SC_ERR_CONFIG_CONFLICT(
      '--enable-sasl',
      'SASL needs credentials: give --auth-file <file> (lines user:password)',
      'argv',
    );
  }
  const requirePass = resolve<string | null>('requirepass', parsePassword, null);
  const aclFile = resolve<string | null>('acl-file', parseFilePath, null);
  if (requirePass.value !== null && aclFile.value !== null) {
    // Redis refuses users in two places too: which one would define `default` is ambiguous.
    throw new codes.SC_ERR_CONFIG_CONFLICT(
      '--requirepass',
      "choose one: --requirepass sets the default user's password, --acl-file defines every user (put `user default on >password ~* &* +@all` in the file)",
      requirePass.source,
    );
  }
  const unsafeNoAuth = resolveSwitch(args.unsafeNoAuth === true, env, 'unsafe-no-auth');
  const listen = resolve('listen', parseListen, [...DEFAULTS.listen]);
  const memoryText = textOf('memory-limit');
  const autoMemory = memoryText?.text.toLowerCase() === 'auto';
  const memory: { value: number; source: ConfigSource } = autoMemory
    ? { value: DEFAULTS.memoryLimitBytes, source: memoryText!.source }
    : resolve('memory-limit', (t) => parseSize(t, MEMORY_LIMIT_RULE), DEFAULTS.memoryLimitBytes);
  const connLimit = resolve('conn-limit', (t) => parseInteger(t, LIMITS.minConnLimit, LIMITS.maxConnLimit), DEFAULTS.connLimit);
  const verbosity = resolveVerbosity(args.verbose, env);
  const logFormat = resolve<'text' | 'json'>('log-format', (t) => parseChoice(t, ['text', 'json'] as const), DEFAULTS.logFormat);
  const slowlogThreshold = resolve('slowlog-threshold-us', (t) => parseSignedInteger(t, -(2 ** 31), 2 ** 31 - 1), DEFAULTS.slowlogThresholdUs);
  const slowlogMaxLen = resolve('slowlog-max-len', (t) => parseInteger(t, 0, 1_000_000), DEFAULTS.slowlogMaxLen);
  const hotKeys = resolve('hotkeys', parseBoolean, DEFAULTS.hotKeys);
  const delimiter = resolve<string | null>('prefix-delimiter', parseDelimiter, null);
  const growthFactor = resolve('slab-growth-factor', parseGrowthFactor, DEFAULTS.growthFactor);
  const slabMinSize = resolve('slab-min-size', (t) => parseInteger(t, LIMITS.minSlabMinSize, LIMITS.maxItemSize), DEFAULTS.slabMinSize);
  const threads = resolve('threads', (t) => parseInteger(t, LIMITS.minThreads, LIMITS.maxThreads), defaultThreads());
  const maxItemSize = resolve('max-item-size', (t) => parseSize(t, ITEM_SIZE_RULE), DEFAULTS.maxItemSize);
  const shardTimeout = resolve('shard-timeout', (t) => parseInteger(t, 0, 3600), DEFAULTS.shardTimeoutSeconds);
  const maxOutputBuffer = resolve('max-output-buffer', parseOutputBufferSize, DEFAULTS.maxOutputBufferBytes);
  const maxKeysPerGet = resolve('max-keys-per-get', (t) => parseInteger(t, 1, 10_000_000), DEFAULTS.maxKeysPerGet);
  const protoMaxBulkLen = resolve<number | null>('proto-max-bulk-len', (t) => parseSize(t, BULK_LENGTH_RULE), null);
  const maxMultibulkLen = resolve('max-multibulk-len', (t) => parseInteger(t, 1, 2 ** 31 - 1), DEFAULTS.maxMultibulkLen);
  let memoryLimitNote: string | null = null;
  if (autoMemory) {
    const limit = cgroupMemoryLimit(env['SHARDCACHE_CGROUP_ROOT'] ?? undefined, env['SHARDCACHE_PROC_SELF_CGROUP'] ?? undefined);
    if (limit === null || limit === Infinity) {
      memoryLimitNote = `--memory-limit auto: no cgroup memory limit found; using the default ${formatSize(memory.value)}`;
    } else {
      const minimum = Math.max(LIMITS.minMemoryLimitBytes, 2 * maxItemSize.value);
      const bytes = autoCacheBytes(limit, minimum);
      if (bytes === null) {
        throw new codes.SC_ERR_CONFIG_INVALID(
          '--memory-limit',
          `auto: the container limit of ${formatSize(limit)} leaves less than ${formatSize(minimum)} for the cache after ${formatSize(AUTO_HEADROOM_BYTES)} of headroom`,
          memory.source,
        );
      }
      memory.value = bytes;
      memoryLimitNote = `--memory-limit auto: container limit ${formatSize(limit)} → cache ${formatSize(bytes)}`;
    }
  }

  if (maxItemSize.value % 8 !== 0) {
    throw new codes.SC_ERR_CONFIG_INVALID(
      '--max-item-size',
      `${maxItemSize.value} bytes is not a multiple of 8 (slab chunks are 8-byte aligned)`,
      maxItemSize.source,
    );
  }
  if (maxItemSize.value > memory.value / 2) {
    throw new codes.SC_ERR_CONFIG_CONFLICT(
      '--max-item-size',
      `cannot set item size limit higher than 1/2 of memory max (--max-item-size ${formatSize(maxItemSize.value)}, ` +
        `--memory-limit ${formatSize(memory.value)})`,
      maxItemSize.source,
    );
  }
  if (slabMinSize.value > maxItemSize.value / 2) {
    // The smallest chunk (item header + this) must fit in a slab page with room to spare.
    throw new codes.SC_ERR_CONFIG_CONFLICT(
      '--slab-min-size',
      `${slabMinSize.value} is more than half of --max-item-size (${formatSize(maxItemSize.value)})`,
      slabMinSize.source,
    );
  }

  const config: Config = {
    // memcached: a UNIX socket "disables network support"; port 0 is how Config says "no TCP".
    port: unixSocket.value === null ? port.value : 0,
    idleTimeoutSeconds: idleTimeout.value,
    shutdownTimeoutSeconds: shutdownTimeout.value,
    redisPort: redisPort.value,
    redisCluster,
    adminPort: adminPort.value,
    cluster,
    tls,
    listen: Object.freeze(listen.value) as string[],
    unixSocket: unixSocket.value,
    unixMask: unixMask.value,
    memoryLimitBytes: memory.value,
    memoryLimitNote,
    connLimit: connLimit.value,
    threads: threads.value,
    maxItemSize: maxItemSize.value,
    growthFactor: growthFactor.value,
    slabMinSize: slabMinSize.value,
    verbosity,
    ...(logFormat.source === 'default' ? {} : { logFormat: logFormat.value }),
    ...(slowlogThreshold.source === 'default' ? {} : { slowlogThresholdUs: slowlogThreshold.value }),
    ...(slowlogMaxLen.source === 'default' ? {} : { slowlogMaxLen: slowlogMaxLen.value }),
    ...(hotKeys.source === 'default' ? {} : { hotKeys: hotKeys.value }),
    ...(delimiter.value === null ? {} : { prefixDelimiter: delimiter.value }),
    ...(shardTimeout.source === 'default' ? {} : { shardTimeoutSeconds: shardTimeout.value }),
    ...(maxOutputBuffer.source === 'default' ? {} : { maxOutputBufferBytes: maxOutputBuffer.value }),
    ...(maxKeysPerGet.source === 'default' ? {} : { maxKeysPerGet: maxKeysPerGet.value }),
    ...(protoMaxBulkLen.value === null ? {} : { protoMaxBulkLen: protoMaxBulkLen.value }),
    ...(maxMultibulkLen.source === 'default' ? {} : { maxMultibulkLen: maxMultibulkLen.value }),
    enableShutdown,
    enableSasl,
    authFile: authFile.value,
    ...(requirePass.value === null ? {} : { requirePass: requirePass.value }),
    ...(aclFile.value === null ? {} : { aclFile: aclFile.value }),
    ...(unsafeNoAuth ? { unsafeNoAuth } : {}),
  };
  return Object.freeze(config);
}

type TextOf = (name: ValueOptionName) => { text: string; source: ConfigSource } | undefined;
type Resolve = <T>(name: ValueOptionName, parse: (text: string) => Parsed<T>, fallback: T) => Resolved<T>;

/** --cluster-nodes | --cluster-file | --cluster-dns (+ interval): at most one; node lists are checked now. */
function resolveClusterSource(textOf: TextOf, resolve: Resolve): ClusterSourceConfig {
  const given = (['cluster-nodes', 'cluster-file', 'cluster-dns'] as const).filter((name) => textOf(name) !== undefined);
  if (given.length > 1) {
    throw new codes.SC_ERR_CONFIG_CONFLICT(`--${given[1]}`, `choose one membership source, not --${given.join(' and --')}`, textOf(given[1]!)!.source);
  }
  const interval = resolve('cluster-dns-interval', (t) => parseInteger(t, 1, 86_400), DEFAULTS.clusterDnsIntervalSeconds);
  switch (given[0]) {
    case 'cluster-nodes': {
      const nodes = resolve('cluster-nodes', parseClusterNodesOption, '');
      return { kind: 'static', nodes: nodes.value };
    }
    case 'cluster-file':
      return { kind: 'file', path: resolve('cluster-file', parseFilePath, '').value };
    case 'cluster-dns':
      return { kind: 'dns', name: resolve('cluster-dns', parseDnsName, '').value, intervalSeconds: interval.value };
    default:
      return { kind: 'self' };
  }
}

/** The TLS ports need a certificate and a key; files given without a port are a mistake worth saying. */
function resolveTls(textOf: TextOf, resolve: Resolve): TlsConfig | null {
  const port = resolve('tls-port', parsePort, 0);
  const redisPort = resolve('tls-redis-port', parsePort, 0);
  const cert = resolve<string | null>('tls-cert', parseFilePath, null);
  const key = resolve<string | null>('tls-key', parseFilePath, null);
  const ca = resolve<string | null>('tls-ca', parseFilePath, null);
  if (port.value === 0 && redisPort.value === 0) {
    const stray = (['tls-cert', 'tls-key', 'tls-ca'] as const).find((name) => textOf(name) !== undefined);
    if (stray !== undefined) {
      throw new codes.SC_ERR_CONFIG_CONFLICT(`--${stray}`, 'no TLS port to use it: give --tls-port or --tls-redis-port', textOf(stray)!.source);
    }
    return null;
  }
  const flag = port.value !== 0 ? '--tls-port' : '--tls-redis-port';
  const source = port.value !== 0 ? port.source : redisPort.source;
  if (cert.value === null || key.value === null) {
    throw new codes.SC_ERR_CONFIG_CONFLICT(flag, 'TLS needs --tls-cert <file> and --tls-key <file>', source);
  }
  return { port: port.value, redisPort: redisPort.value, certFile: cert.value, keyFile: key.value, caFile: ca.value };
}

const SWITCH_DEFAULTS = {
  'enable-shutdown': DEFAULTS.enableShutdown,
  'enable-sasl': DEFAULTS.enableSasl,
  'redis-cluster': DEFAULTS.redisCluster,
  'unsafe-no-auth': DEFAULTS.unsafeNoAuth,
} as const;

function resolveSwitch(typed: boolean, env: NodeJS.ProcessEnv, name: keyof typeof SWITCH_DEFAULTS): boolean {
  if (typed) return true;
  const text = env[envVarName(name)]?.trim();
  if (!text) return SWITCH_DEFAULTS[name];
  const parsed = parseBoolean(text);
  if (!parsed.ok) throw new codes.SC_ERR_CONFIG_INVALID(`--${name}`, parsed.reason, 'env');
  return parsed.value;
}

/** -v, -vv, -vvv; more v's are -vvv (memcached has no level above it). The environment gives the level as a number. */
function resolveVerbosity(count: number, env: NodeJS.ProcessEnv): number {
  if (count > 0) return Math.min(count, LIMITS.maxVerbosity);
  const text = env[envVarName('verbose')]?.trim();
  if (!text) return DEFAULTS.verbosity;
  const parsed = parseInteger(text, 0, LIMITS.maxVerbosity);
  if (!parsed.ok) throw new codes.SC_ERR_CONFIG_INVALID('--verbose', parsed.reason, 'env');
  return parsed.value;
}
