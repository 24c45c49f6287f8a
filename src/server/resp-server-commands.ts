/**
 * Redis connection and server commands: the handshakes clients send on
 * connect (HELLO, AUTH, SELECT, CLIENT SETNAME/SETINFO, INFO as a ready
 * check), introspection (COMMAND, INFO, CONFIG, TIME), and FLUSHALL
 * (DBSIZE and FLUSHDB: resp-keyspace-commands.ts). Numbers come from the daemon's memcached stats
 * (`context.collectStats([])`), so INFO and `stats` never disagree.
 *
 * Authentication (AUTH, HELLO's AUTH option, ACL) is resp-auth.ts's; HELLO
 * and RESET here call into it.
 *
 * May import `src/protocol/resp`, the router (broadcast flush) and
 * `src/server`; not sockets, shard internals or the store itself.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  aclCategories,
  arityAccepts,
  findCommand,
  findSubcommand,
  RESP_COMMANDS,
  type RespCommandSpec,
} from '../protocol/resp/command-table';
import { COUNTED_KEY_COMMANDS, commandHasKeys, commandKeys } from '../protocol/resp/command-keys';
import { INT32_MAX, INT32_MIN, INT64_MAX, integerRule, memoryRule, type ValueRule } from './resp-config-values';
import {
  configSetFailedError,
  configSetUnknownError,
  helloOptionError,
  RespErrors,
  wrongArityError,
} from '../protocol/resp/errors';
import { bulkReply, encodeReply, errorReply, integerReply, OK_REPLY, PONG_REPLY, resp, simpleReply, type RespValue } from '../protocol/resp/reply-encoder';
import { globMatches } from '../protocol/resp/glob';
import { argToInt64 } from '../protocol/resp/strict-integer';
import { OpCode, type ReplySink } from '../router/router';
import { StoreStatus } from '../store/types';
import { SELECT_IN_CLUSTER_ERROR } from './resp-cluster';
import { DATABASE_COUNT } from './resp-keyspace';
import type { RespHandler, RespSession } from './resp-session';
import type { RespClient } from './resp-server-state';
import { aclInfoFields, authenticateSession, HELLO_NOAUTH_ERROR, resetAuthentication } from './resp-auth';
import { blockedClientCount } from './resp-blocking';
import { noteFlush } from './resp-watch';
import type { StatsEntries } from './server-context';
import type { SlowlogEntry } from './slowlog';
import { observabilityOf } from './stats-report';

/** The Redis release whose behaviour we follow; HELLO and INFO report it (clients pick features by it). */
export const REDIS_COMPAT_VERSION = '7.2.0';

/** Redis's run_id: 40 random hex characters per server start. */
const RUN_ID = randomBytes(20).toString('hex');
const REPLICATION_ID = randomBytes(20).toString('hex');

// ---- connection ----

const SUBSCRIBED_PONG = bulkReply(Buffer.from('pong'));
const EMPTY_BULK = bulkReply(Buffer.alloc(0));

const ping: RespHandler = (session, args) => {
  if (args.length > 2) return session.replyError(wrongArityError('ping'));
  // RESP2 subscribed clients get a two-element array: their reader only expects arrays.
  if (session.protocolVersion === 2 && session.subscriptionCount > 0) {
    return session.reply(Buffer.concat([Buffer.from('*2\r\n'), SUBSCRIBED_PONG, args.length === 2 ? bulkReply(args[1]!) : EMPTY_BULK]));
  }
  session.reply(args.length === 2 ? bulkReply(args[1]!) : PONG_REPLY);
};

const echo: RespHandler = (session, args) => session.reply(bulkReply(args[1]!));

const quit: RespHandler = (session) => {
  session.reply(OK_REPLY);
  session.closeAfterReplies();
};

/** Redis's rule for client and library names: printable ASCII without spaces. */
function isValidClientName(name: Buffer): boolean {
  for (const c of name) if (c < 0x21 || c > 0x7e) return false;
  return true;
}

function helloReply(session: RespSession): RespValue {
  return resp.record([
    ['server', resp.bulk('redis')],
    ['version', resp.bulk(REDIS_COMPAT_VERSION)],
    ['proto', resp.integer(session.protocolVersion)],
    ['id', resp.integer(session.id)],
    ['mode', resp.bulk(session.context.config.redisCluster ? 'cluster' : 'standalone')],
    ['role', resp.bulk('master')],
    ['modules', resp.array([])],
  ]);
}

const hello: RespHandler = (session, args) => {
  let version = session.protocolVersion;
  if (args.length >= 2) {
    const asked = argToInt64(args[1]!);
    if (asked === null) return session.replyError(RespErrors.HELLO_VERSION_NOT_INTEGER);
    if (asked < 2n || asked > 3n) return session.replyError(RespErrors.NOPROTO);
    version = Number(asked) as 2 | 3;
  }
  let user: Buffer | null = null;
  let password: Buffer | null = null;
  let name: Buffer | null = null;
  for (let i = 2; i < args.length; i++) {
    const option = args[i]!.toString('latin1').toUpperCase();
    const more = args.length - 1 - i;
    if (option === 'AUTH' && more >= 2) {
      user = args[i + 1]!;
      password = args[i + 2]!;
      i += 2;
    } else if (option === 'SETNAME' && more >= 1) {
      name = args[++i]!;
    } else {
      return session.replyError(helloOptionError(args[i]!));
    }
  }
  // Redis's order: the name is validated, then AUTH runs, then an unauthenticated client is refused.
  if (name !== null && !isValidClientName(name)) return session.replyError(RespErrors.CLIENT_NAME_INVALID);
  if (user !== null && !authenticateSession(session, user, password!)) return session.replyError(RespErrors.WRONGPASS);
  if (!session.authenticated) return session.replyError(HELLO_NOAUTH_ERROR);
  if (name !== null) session.name = name.length === 0 ? null : name;
  session.protocolVersion = version;
  session.replyValue(helloReply(session));
};

const select: RespHandler = (session, args) => {
  const index = argToInt64(args[1]!);
  if (index === null || index > 2147483647n || index < -2147483648n) return session.replyError(RespErrors.NOT_AN_INTEGER);
  // Redis Cluster has database 0 only, and checks this before the range.
  if (session.context.config.redisCluster && index !== 0n) return session.replyError(SELECT_IN_CLUSTER_ERROR);
  if (index < 0n || index >= BigInt(DATABASE_COUNT)) return session.replyError(RespErrors.DB_INDEX_OUT_OF_RANGE);
  session.database = Number(index);
  session.reply(OK_REPLY);
};

const RESET_REPLY = simpleReply('RESET');

const reset: RespHandler = (session) => {
  session.forgetConnectionState();
  session.protocolVersion = 2;
  session.database = 0;
  session.name = null;
  resetAuthentication(session);
  session.reply(RESET_REPLY);
};

// ---- CLIENT ----

/** Redis's CLIENT LIST flags for what we track, in Redis's order: P subscribed, x in MULTI, b blocked, d a watched key changed, c closing. */
function clientFlags(client: RespClient): string {
  let flags = '';
  if (client.channels.size + client.patterns.size > 0) flags += 'P';
  if (client.transaction !== null) flags += 'x';
  if (client.blockedCommand !== null) flags += 'b';
  if (client.watchDirty) flags += 'd';
  if (client.isClosed) flags += 'c';
  return flags === '' ? 'N' : flags;
}

/** Redis's client types as CLIENT LIST TYPE and CLIENT KILL TYPE name them. */
function clientType(client: RespClient): 'normal' | 'pubsub' {
  return client.channels.size + client.patterns.size > 0 ? 'pubsub' : 'normal';
}

function clientLine(client: RespClient, nowMs: number): string {
  const name = client.name === null ? '' : client.name.toString('latin1');
  const fields: [string, string | number][] = [
    ['id', client.id],
    ['addr', client.addr],
    ['laddr', client.laddr],
    ['fd', -1],
    ['name', name],
    ['age', Math.floor((nowMs - client.createdAtMs) / 1000)],
    ['idle', Math.floor((performance.now() - client.lastCommandAtMs) / 1000)],
    ['flags', clientFlags(client)],
    ['db', client.database],
    ['sub', client.channels.size],
    ['psub', client.patterns.size],
    ['ssub', 0],
    ['multi', client.transaction === null ? -1 : client.transaction.commands.length],
    ['qbuf', 0],
    ['qbuf-free', 0],
    ['argv-mem', 0],
    ['multi-mem', 0],
    ['rbs', 0],
    ['rbp', 0],
    ['obl', 0],
    ['oll', 0],
    ['omem', 0],
    ['tot-mem', 0],
    ['events', 'r'],
    ['cmd', client.lastCommand],
    ['user', client.user.name],
    ['redir', -1],
    ['resp', client.protocolVersion],
    ['lib-name', client.libName === null ? '' : client.libName.toString('latin1')],
    ['lib-ver', client.libVersion === null ? '' : client.libVersion.toString('latin1')],
  ];
  return `${fields.map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
}

const clientSetname: RespHandler = (session, args) => {
  const name = args[2]!;
  if (!isValidClientName(name)) return session.replyError(RespErrors.CLIENT_NAME_INVALID);
  session.name = name.length === 0 ? null : name;
  session.reply(OK_REPLY);
};

const clientGetname: RespHandler = (session) => {
  if (session.name === null) session.replyNull();
  else session.reply(bulkReply(session.name));
};

const clientId: RespHandler = (session) => session.reply(integerReply(session.id));

const clientInfo: RespHandler = (session) => session.replyValue(resp.verbatim(clientLine(session, Date.now())));

const clientList: RespHandler = (session, args) => {
  let clients = session.state.clients.list();
  let i = 2;
  if (i < args.length && args[i]!.toString('latin1').toUpperCase() === 'TYPE' && args.length === 4) {
    const type = args[3]!.toString('latin1').toLowerCase();
    if (type === 'master' || type === 'replica' || type === 'slave') clients = [];
    else if (type === 'normal' || type === 'pubsub') clients = clients.filter((c) => clientType(c) === type);
    else return session.replyError(`ERR Unknown client type '${args[3]!.toString('latin1')}'`);
    i = 4;
  } else if (i < args.length && args[i]!.toString('latin1').toUpperCase() === 'ID' && args.length > 3) {
    const ids = new Set<number>();
    for (let j = 3; j < args.length; j++) {
      const id = argToInt64(args[j]!);
      if (id === null || id <= 0n) return session.replyError(RespErrors.INVALID_CLIENT_ID);
      ids.add(Number(id));
    }
    clients = clients.filter((c) => ids.has(c.id));
    i = args.length;
  }
  if (i !== args.length) return session.replyError(RespErrors.SYNTAX);
  const now = Date.now();
  session.replyValue(resp.verbatim(clients.map((c) => clientLine(c, now)).join('')));
};

const clientSetinfo: RespHandler = (session, args) => {
  const attribute = args[2]!.toString('latin1').toLowerCase();
  const value = args[3]!;
  if (attribute !== 'lib-name' && attribute !== 'lib-ver') {
    return session.replyError(`ERR Unrecognized option '${args[2]!.toString('latin1')}'`);
  }
  if (!isValidClientName(value)) return session.replyError(`ERR ${attribute} cannot contain spaces, newlines or special characters.`);
  const stored = value.length === 0 ? null : value;
  if (attribute === 'lib-name') session.libName = stored;
  else session.libVersion = stored;
  session.reply(OK_REPLY);
};

/**
 * CLIENT KILL: the old `CLIENT KILL addr:port` form (+OK or "No such client")
 * and the ID / TYPE / USER / ADDR / LADDR / SKIPME filters (a count). Other
 * clients are closed at once; this client after its reply, as Redis does.
 */
const clientKill: RespHandler = (session, args) => {
  const killOne = (client: RespClient): void => {
    if (client === session) session.closeAfterReplies();
    else client.kill();
  };
  if (args.length === 3) {
    const addr = args[2]!.toString('latin1');
    const target = session.state.clients.list().find((c) => c.addr === addr && !c.isClosed);
    if (target === undefined) return session.replyError(RespErrors.NO_SUCH_CLIENT);
    session.reply(OK_REPLY);
    return killOne(target);
  }
  if ((args.length - 2) % 2 !== 0) return session.replyError(RespErrors.SYNTAX);
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let type: string | null = null;
  let user: string | null = null;
  let skipMe = true;
  for (let i = 2; i < args.length; i += 2) {
    const filter = args[i]!.toString('latin1').toUpperCase();
    const value = args[i + 1]!;
    if (filter === 'ID') {
      const parsed = argToInt64(value);
      if (parsed === null || parsed <= 0n) return session.replyError(RespErrors.CLIENT_ID_NOT_POSITIVE);
      id = Number(parsed);
    } else if (filter === 'SKIPME') {
      const yesNo = value.toString('latin1').toLowerCase();
      if (yesNo !== 'yes' && yesNo !== 'no') return session.replyError(RespErrors.SYNTAX);
      skipMe = yesNo === 'yes';
    } else if (filter === 'ADDR') {
      addr = value.toString('latin1');
    } else if (filter === 'LADDR') {
      laddr = value.toString('latin1');
    } else if (filter === 'TYPE') {
      type = value.toString('latin1').toLowerCase();
      if (type !== 'normal' && type !== 'pubsub' && type !== 'master' && type !== 'replica' && type !== 'slave') {
        return session.replyError(`ERR Unknown client type '${value.toString('latin1')}'`);
      }
    } else if (filter === 'USER') {
      user = value.toString('utf8');
      if (session.state.accessControl.get(user) === undefined) return session.replyError(`ERR No such user '${user}'`);
    } else {
      return session.replyError(RespErrors.SYNTAX);
    }
  }
  const victims = session.state.clients.list().filter(
    (c) =>
      !c.isClosed &&
      (id === null || c.id === id) &&
      (addr === null || c.addr === addr) &&
      (laddr === null || c.laddr === laddr) &&
      (type === null || clientType(c) === type) &&
      (user === null || c.user.name === user) &&
      !(skipMe && c === session),
  );
  session.reply(integerReply(victims.length));
  for (const client of victims) killOne(client);
};

// ---- COMMAND ----

/** One key spec: its flags, an index to begin at, and how keys are found from there. */
function keySpec(flags: readonly string[], index: number, findType: 'range' | 'keynum', find: [string, number][]): RespValue {
  return resp.record([
    ['flags', resp.set(flags.map((f) => resp.simple(f)))],
    ['begin_search', resp.record([['type', resp.bulk('index')], ['spec', resp.record([['index', resp.integer(index)]])]])],
    ['find_keys', resp.record([['type', resp.bulk(findType)], ['spec', resp.record(find.map(([k, v]) => [k, resp.integer(v)]))]])],
  ]);
}

function keySpecs(spec: RespCommandSpec): RespValue {
  const counted = COUNTED_KEY_COMMANDS.get(spec.name);
  if (counted !== undefined) {
    // Redis's specs for a key count: the destination (a range of one), then the count's keys.
    const keyCount = keySpec(counted.sourceFlags, counted.countAt, 'keynum', [['keynumidx', 0], ['firstkey', 1], ['keystep', 1]]);
    if (!counted.destination) return resp.array([keyCount]);
    return resp.array([keySpec(['OW', 'update'], 1, 'range', [['lastkey', 0], ['keystep', 1], ['limit', 0]]), keyCount]);
  }
  if (spec.firstKey === 0) return resp.array([]);
  const write = spec.flags.includes('write');
  const lastKey = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
  return resp.array([
    keySpec(write ? ['RW', 'update'] : ['RO', 'access'], spec.firstKey, 'range', [['lastkey', lastKey], ['keystep', spec.keyStep], ['limit', 0]]),
  ]);
}

/** Redis 7's 10-element command info. */
function commandInfo(spec: RespCommandSpec): RespValue {
  return resp.array([
    resp.bulk(spec.name),
    resp.integer(spec.arity),
    resp.set(spec.flags.map((f) => resp.simple(f))),
    resp.integer(spec.firstKey),
    resp.integer(spec.lastKey),
    resp.integer(spec.keyStep),
    resp.set(aclCategories(spec).map((c) => resp.simple(c))),
    resp.array([]),
    keySpecs(spec),
    resp.array((spec.subcommands ?? []).map(commandInfo)),
  ]);
}

function commandDocs(spec: RespCommandSpec): RespValue {
  const entries: [string, RespValue][] = [
    ['summary', resp.bulk(spec.summary)],
    ['since', resp.bulk(spec.since)],
    ['group', resp.bulk(spec.group)],
  ];
  if (spec.subcommands !== undefined) {
    entries.push(['subcommands', resp.record(spec.subcommands.map((s) => [s.name, commandDocs(s)]))]);
  }
  return resp.record(entries);
}

/** A command by name, `parent|sub` included, as COMMAND INFO / DOCS accept it. */
function lookupCommand(nameArg: Buffer): RespCommandSpec | undefined {
  const name = nameArg.toString('latin1');
  const bar = name.indexOf('|');
  if (bar < 0) return findCommand(name);
  const parent = findCommand(name.slice(0, bar));
  return parent === undefined ? undefined : findSubcommand(parent, name.slice(bar + 1));
}

const commandAll: RespHandler = (session) => session.replyValue(resp.array(RESP_COMMANDS.map(commandInfo)));

const commandCount: RespHandler = (session) => session.reply(integerReply(RESP_COMMANDS.length));

const commandInfoHandler: RespHandler = (session, args) => {
  if (args.length === 2) return commandAll(session, args);
  const items = args.slice(2).map((name) => {
    const spec = lookupCommand(name);
    return spec === undefined ? resp.null : commandInfo(spec);
  });
  session.replyValue(resp.array(items));
};

/** Redis's lookupCommand on a command line: a container with a second argument means its subcommand. */
function commandOfLine(commandLine: readonly Buffer[]): RespCommandSpec | undefined {
  const spec = findCommand(commandLine[0]!.toString('latin1'));
  if (spec?.subcommands === undefined || commandLine.length === 1) return spec;
  return findSubcommand(spec, commandLine[1]!.toString('latin1'));
}

/** Redis's checks in its order: known command, one that has keys, arity, then keys it can find. */
const commandGetkeys: RespHandler = (session, args) => {
  const commandLine = args.slice(2);
  const spec = commandOfLine(commandLine);
  if (spec === undefined) return session.replyError('ERR Invalid command specified');
  if (!commandHasKeys(spec)) return session.replyError('ERR The command has no key arguments');
  if (!arityAccepts(spec.arity, commandLine.length)) return session.replyError('ERR Invalid number of arguments specified for command');
  const keys = commandKeys(spec, commandLine);
  if (keys.length === 0) return session.replyError('ERR Invalid arguments specified for command');
  session.replyValue(resp.array(keys.map((k) => resp.bulk(k))));
};

const commandDocsHandler: RespHandler = (session, args) => {
  const specs = args.length === 2 ? RESP_COMMANDS : args.slice(2).flatMap((name) => lookupCommand(name) ?? []);
  session.replyValue(resp.map(specs.map((s) => [resp.bulk(s.name), commandDocs(s)] as const)));
};

// ---- INFO ----

function statsMap(entries: StatsEntries): Map<string, string> {
  return new Map(entries.map(([k, v]) => [k, String(v)]));
}

function humanBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(2)}${units[unit]}`;
}

type InfoSection = readonly [title: string, fields: readonly (readonly [string, string | number])[]];

function infoSections(session: RespSession, stats: Map<string, string>): InfoSection[] {
  const config = session.context.config;
  const stat = (name: string): string => stats.get(name) ?? '0';
  const nowMs = Date.now();
  const uptime = Number(stat('uptime'));
  const usedMemory = Number(stat('bytes'));
  const maxMemory = Number(session.state.configOverrides.get('maxmemory') ?? config.memoryLimitBytes);
  const rss = process.memoryUsage().rss;
  const curItems = Number(stat('curr_items'));
  return [
    [
      'Server',
      [
        ['redis_version', REDIS_COMPAT_VERSION],
        ['redis_git_sha1', '00000000'],
        ['redis_git_dirty', 0],
        ['redis_build_id', '0'],
        ['redis_mode', session.context.config.redisCluster ? 'cluster' : 'standalone'],
        ['os', `${os.type()} ${os.release()} ${os.arch()}`],
        ['arch_bits', 64],
        ['multiplexing_api', 'epoll'],
        ['process_id', process.pid],
        ['process_supervised', 'no'],
        ['run_id', RUN_ID],
        ['tcp_port', config.redisPort],
        ['server_time_usec', nowMs * 1000],
        ['uptime_in_seconds', uptime],
        ['uptime_in_days', Math.floor(uptime / 86400)],
        ['hz', 10],
        ['configured_hz', 10],
        ['executable', process.argv[1] ?? ''],
        ['config_file', ''],
        ['io_threads_active', 0],
        ['shardcache_version', session.context.shardcacheVersion],
      ],
    ],
    [
      'Clients',
      [
        ['connected_clients', stat('curr_connections')],
        ['cluster_connections', 0],
        ['maxclients', config.connLimit],
        ['client_recent_max_input_buffer', 0],
        ['client_recent_max_output_buffer', 0],
        ['blocked_clients', blockedClientCount()],
        ['tracking_clients', 0],
        ['clients_in_timeout_table', 0],
      ],
    ],
    [
      'Memory',
      [
        // Item bytes (memcached's `bytes`): the nearest to what Redis counts as data memory.
        ['used_memory', usedMemory],
        ['used_memory_human', humanBytes(usedMemory)],
        ['used_memory_rss', rss],
        ['used_memory_rss_human', humanBytes(rss)],
        ['maxmemory', maxMemory],
        ['maxmemory_human', humanBytes(maxMemory)],
        ['maxmemory_policy', session.state.configOverrides.get('maxmemory-policy') ?? DEFAULT_MAXMEMORY_POLICY],
        ['mem_allocator', 'slab'],
      ],
    ],
    [
      'Persistence',
      [
        ['loading', 0],
        ['async_loading', 0],
        ['rdb_changes_since_last_save', 0],
        ['rdb_bgsave_in_progress', 0],
        ['rdb_last_save_time', Math.floor(session.context.processStartMs / 1000)],
        ['rdb_last_bgsave_status', 'ok'],
        ['aof_enabled', 0],
        ['aof_rewrite_in_progress', 0],
        ['aof_last_bgrewrite_status', 'ok'],
      ],
    ],
    [
      'Stats',
      [
        ['total_connections_received', stat('total_connections')],
        ['total_commands_processed', Number(stat('cmd_get')) + Number(stat('cmd_set')) + Number(stat('cmd_touch')) + Number(stat('cmd_flush'))],
        ['instantaneous_ops_per_sec', 0],
        ['total_net_input_bytes', stat('bytes_read')],
        ['total_net_output_bytes', stat('bytes_written')],
        ['rejected_connections', stat('rejected_connections')],
        // Expired items found on access plus those the background crawler freed.
        ['expired_keys', Number(stat('get_expired')) + Number(stat('crawler_reclaimed'))],
        ['evicted_keys', stat('evictions')],
        ['keyspace_hits', stat('get_hits')],
        ['keyspace_misses', stat('get_misses')],
        ['pubsub_channels', session.state.pubsub.channelCount],
        ['pubsub_patterns', session.state.pubsub.patternCount],
        ['client_output_buffer_limit_disconnections', session.state.pubsub.outputLimitDisconnections],
        ...aclInfoFields(session.state.accessControl),
        ['total_forks', 0],
      ],
    ],
    [
      'Replication',
      [
        ['role', 'master'],
        ['connected_slaves', 0],
        ['master_failover_state', 'no-failover'],
        ['master_replid', REPLICATION_ID],
        ['master_repl_offset', 0],
      ],
    ],
    [
      'CPU',
      [
        ['used_cpu_sys', stat('rusage_system')],
        ['used_cpu_user', stat('rusage_user')],
      ],
    ],
    ['Modules', []],
    ['Errorstats', []],
    ['Cluster', [['cluster_enabled', session.context.config.redisCluster ? 1 : 0]]],
    // Item counts cover every database: per-database counts and TTLs are not kept by the store.
    ['Keyspace', curItems > 0 ? [['db0', `keys=${curItems},expires=0,avg_ttl=0`]] : []],
  ];
}

/**
 * `# Hotkeys` (ours): the hottest keys from `stats hotkeys`, as
 * `hotkey_<rank>:key=<key>,count=<n>,share=<fraction>` (bytes outside printable
 * ASCII, and `,` `=` `\`, as \xNN). Only with INFO hotkeys / all / everything:
 * it costs a round trip to every shard beyond the default sections.
 */
function hotKeysSection(entries: StatsEntries): InfoSection {
  const stats = statsMap(entries);
  const fields: [string, string | number][] = [['hotkeys_ops', stats.get('hotkeys_ops') ?? '0']];
  for (let rank = 1; stats.has(`hotkey:${rank}:key`); rank++) {
    const key = stats.get(`hotkey:${rank}:key`)!.replace(/[,=]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
    fields.push([`hotkey_${rank}`, `key=${key},count=${stats.get(`hotkey:${rank}:count`)},share=${stats.get(`hotkey:${rank}:share`)}`]);
  }
  return ['Hotkeys', fields];
}

const info: RespHandler = (session, args) => {
  const wanted = new Set(args.slice(1).map((a) => a.toString('latin1').toLowerCase()));
  const everything = wanted.size === 0 || wanted.has('default') || wanted.has('all') || wanted.has('everything');
  const withHotKeys = wanted.has('hotkeys') || wanted.has('all') || wanted.has('everything');
  const slot = session.reserve();
  Promise.all([session.context.collectStats([]), withHotKeys ? session.context.collectStats(['hotkeys']) : null]).then(
    ([entries, hotKeys]) => {
      const sections = infoSections(session, statsMap(entries ?? []));
      if (hotKeys !== null) sections.push(hotKeysSection(hotKeys ?? []));
      const text = sections
        .filter(([title]) => everything || wanted.has(title.toLowerCase()))
        .map(([title, fields]) => `# ${title}\r\n${fields.map(([k, v]) => `${k}:${v}\r\n`).join('')}`)
        .join('\r\n');
      session.complete(slot, encodeReply(resp.verbatim(text), session.protocolVersion));
    },
    () => session.complete(slot, errorReply(RespErrors.SHARD_FAILED)),
  );
};

// ---- CONFIG ----

const DEFAULT_MAXMEMORY_POLICY = 'allkeys-lru';
const MAXMEMORY_POLICIES = [
  'volatile-lru',
  'volatile-lfu',
  'volatile-random',
  'volatile-ttl',
  'allkeys-lru',
  'allkeys-lfu',
  'allkeys-random',
  'noeviction',
];

type ConfigCheck = (value: string) => string | null;

const integerCheck: ConfigCheck = (v) => (/^-?\d+$/.test(v) ? null : "argument couldn't be parsed into an integer");
const yesNoCheck: ConfigCheck = (v) => (v === 'yes' || v === 'no' ? null : "argument must be 'yes' or 'no'");
const IMMUTABLE: ConfigCheck = () => "can't set immutable config";

/** Redis memory values: a number with an optional k/kb/m/mb/g/gb unit (any case). */
function parseMemory(value: string): number | null {
  const match = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(value);
  if (match === null) return null;
  const units: Record<string, number> = { k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };
  return Number(match[1]) * (match[2] === undefined ? 1 : units[match[2].toLowerCase()]!);
}

interface ConfigParameter {
  /** The value CONFIG GET reports when not overridden by CONFIG SET. */
  initial: (session: RespSession) => string;
  check: ConfigCheck;
  /** Turns an accepted value into what CONFIG GET reports (maxmemory 1mb → 1048576), given the current one. */
  normalize?: (value: string, current: string) => string;
  /** Puts an accepted, normalized value into effect. */
  apply?: (session: RespSession, value: string) => void;
  /** The value lives outside configOverrides (the daemon's own state): CONFIG GET always asks `initial`. */
  shared?: boolean;
  /** Another name of `aliasOf` (Redis 7's ziplist names of the listpack thresholds): one value, set through either. */
  aliasOf?: string;
}

/** Where a parameter's CONFIG SET value is kept: an alias shares its parameter's. */
function overrideName(name: string, parameter: ConfigParameter): string {
  return parameter.aliasOf ?? name;
}

/** A numeric parameter with Redis's bounds, error texts and units (resp-config-values.ts), default `initial`. */
function numeric(initial: string, rule: ValueRule, aliasOf?: string): ConfigParameter {
  const parameter: ConfigParameter = { initial: constant(initial), check: (v) => rule.check(v), normalize: (v) => rule.normalize(v) };
  return aliasOf === undefined ? parameter : { ...parameter, aliasOf };
}

const DEFAULT_OUTPUT_BUFFER_LIMITS = 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60';
const OUTPUT_BUFFER_CLASSES = ['normal', 'slave', 'pubsub'];

/** `class hard soft seconds` groups, with Redis's error texts. */
const outputBufferLimitsCheck: ConfigCheck = (value) => {
  const words = value.split(' ').filter((w) => w !== '');
  if (words.length === 0 || words.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
  for (let i = 0; i < words.length; i += 4) {
    const clientClass = words[i]!.toLowerCase();
    if (!OUTPUT_BUFFER_CLASSES.includes(clientClass) && clientClass !== 'replica') {
      return 'Invalid client class specified in buffer limit configuration.';
    }
    if (parseMemory(words[i + 1]!) === null || parseMemory(words[i + 2]!) === null || !/^\d+$/.test(words[i + 3]!)) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    }
  }
  return null;
};

/** The groups given replace those classes in the current setting; the rest stay (Redis's CONFIG SET). */
function mergeOutputBufferLimits(value: string, current: string): string {
  const byClass = new Map<string, string>();
  const set = (words: string[]): void => {
    for (let i = 0; i + 3 < words.length; i += 4) {
      const clientClass = words[i]!.toLowerCase() === 'replica' ? 'slave' : words[i]!.toLowerCase();
      byClass.set(clientClass, `${parseMemory(words[i + 1]!)} ${parseMemory(words[i + 2]!)} ${Number(words[i + 3]!)}`);
    }
  };
  set(current.split(' ').filter((w) => w !== ''));
  set(value.split(' ').filter((w) => w !== ''));
  return OUTPUT_BUFFER_CLASSES.map((c) => `${c} ${byClass.get(c)}`).join(' ');
}

function applyOutputBufferLimits(session: RespSession, value: string): void {
  const words = value.split(' ');
  const at = words.indexOf('pubsub');
  session.state.pubsub.outputLimit = {
    hardBytes: Number(words[at + 1]),
    softBytes: Number(words[at + 2]),
    softSeconds: Number(words[at + 3]),
  };
}

const constant = (value: string) => () => value;

/**
 * Parameters clients and tools probe. Encoding thresholds are accepted and
 * reported (they tune Redis's compact encodings; our store has one layout).
 */
const CONFIG_PARAMETERS: ReadonlyMap<string, ConfigParameter> = new Map<string, ConfigParameter>([
  [
    'maxmemory',
    {
      initial: (s) => String(s.context.config.memoryLimitBytes),
      check: (v) => (parseMemory(v) === null ? 'argument must be a memory value' : null),
      normalize: (v) => String(parseMemory(v)),
    },
  ],
  [
    'maxmemory-policy',
    {
      initial: constant(DEFAULT_MAXMEMORY_POLICY),
      check: (v) => (MAXMEMORY_POLICIES.includes(v.toLowerCase()) ? null : `argument(s) must be one of the following: ${MAXMEMORY_POLICIES.join(', ')}`),
      normalize: (v) => v.toLowerCase(),
    },
  ],
  ['save', { initial: constant(''), check: (v) => (/^(\s*\d+\s+\d+)*\s*$/.test(v) ? null : 'Invalid save parameters') }],
  ['appendonly', { initial: constant('no'), check: yesNoCheck }],
  [
    'client-output-buffer-limit',
    {
      initial: constant(DEFAULT_OUTPUT_BUFFER_LIMITS),
      check: outputBufferLimitsCheck,
      normalize: mergeOutputBufferLimits,
      apply: applyOutputBufferLimits,
    },
  ],
  ['databases', { initial: constant(String(DATABASE_COUNT)), check: IMMUTABLE }],
  ['cluster-enabled', { initial: (s) => (s.context.config.redisCluster ? 'yes' : 'no'), check: IMMUTABLE }],
  ['port', { initial: (s) => String(s.context.config.redisPort), check: IMMUTABLE }],
  ['bind', { initial: (s) => s.context.config.listen.join(' '), check: IMMUTABLE }],
  ['maxclients', { initial: (s) => String(s.context.config.connLimit), check: IMMUTABLE }],
  ['timeout', { initial: constant('0'), check: integerCheck }],
  ['proto-max-bulk-len', { initial: (s) => String(s.context.config.maxItemSize), check: IMMUTABLE }],
  // Redis 7.2's encoding thresholds (config.c): bounds, memory units and the ziplist aliases as there.
  ['list-max-listpack-size', numeric('-2', integerRule(INT32_MIN, INT32_MAX))],
  ['list-max-ziplist-size', numeric('-2', integerRule(INT32_MIN, INT32_MAX), 'list-max-listpack-size')],
  ['list-compress-depth', numeric('0', integerRule(0n, INT32_MAX))],
  ['hash-max-listpack-entries', numeric('512', integerRule(0n, INT64_MAX))],
  ['hash-max-ziplist-entries', numeric('512', integerRule(0n, INT64_MAX), 'hash-max-listpack-entries')],
  ['hash-max-listpack-value', numeric('64', memoryRule(0n, INT64_MAX))],
  ['hash-max-ziplist-value', numeric('64', memoryRule(0n, INT64_MAX), 'hash-max-listpack-value')],
  ['set-max-intset-entries', numeric('512', integerRule(0n, INT64_MAX))],
  ['set-max-listpack-entries', numeric('128', integerRule(0n, INT64_MAX))],
  ['set-max-listpack-value', numeric('64', memoryRule(0n, INT64_MAX))],
  ['zset-max-listpack-entries', numeric('128', integerRule(0n, INT64_MAX))],
  ['zset-max-ziplist-entries', numeric('128', integerRule(0n, INT64_MAX), 'zset-max-listpack-entries')],
  ['zset-max-listpack-value', numeric('64', memoryRule(0n, INT64_MAX))],
  ['zset-max-ziplist-value', numeric('64', memoryRule(0n, INT64_MAX), 'zset-max-listpack-value')],
  // The daemon's slow log (shared by every connection and both ports): set once for all, as in Redis.
  [
    'slowlog-log-slower-than',
    {
      initial: (s) => String(observabilityOf(s.context)?.slowlog.thresholdUs ?? -1),
      check: (v) => integerCheck(v) ?? (Number(v) >= -1 ? null : 'argument must be between -1 and 9223372036854775807 inclusive'),
      apply: (s, v) => {
        const log = observabilityOf(s.context)?.slowlog;
        if (log !== undefined) log.thresholdUs = Number(v);
      },
      shared: true,
    },
  ],
  [
    'slowlog-max-len',
    {
      initial: (s) => String(observabilityOf(s.context)?.slowlog.maxLen ?? 0),
      check: (v) => integerCheck(v) ?? (Number(v) >= 0 ? null : 'argument must be between 0 and 9223372036854775807 inclusive'),
      apply: (s, v) => {
        const log = observabilityOf(s.context)?.slowlog;
        if (log !== undefined) log.maxLen = Number(v);
      },
      shared: true,
    },
  ],
]);

/**
 * Redis's configGetCommand: a name without `*?[` is looked up in any case and
 * reported as the client typed it; a pattern matches in any case. A name is
 * reported once.
 */
const configGet: RespHandler = (session, args) => {
  const patterns = args.slice(2).map((a) => a.toString('latin1'));
  const matches = new Map<string, ConfigParameter>();
  for (const pattern of patterns) {
    if (!/[*?[]/.test(pattern)) {
      const parameter = CONFIG_PARAMETERS.get(pattern.toLowerCase());
      if (parameter !== undefined && !matches.has(pattern)) matches.set(pattern, parameter);
      continue;
    }
    for (const [name, parameter] of CONFIG_PARAMETERS) {
      if (!matches.has(name) && globMatches(pattern, name)) matches.set(name, parameter);
    }
  }
  const entries: (readonly [RespValue, RespValue])[] = [];
  for (const [reportedName, parameter] of matches) {
    const name = reportedName.toLowerCase();
    const value = (parameter.shared === true ? undefined : session.state.configOverrides.get(overrideName(name, parameter))) ?? parameter.initial(session);
    entries.push([resp.bulk(reportedName), resp.bulk(value)]);
  }
  session.replyValue(resp.map(entries));
};

const configSet: RespHandler = (session, args) => {
  // Past the table's arity (at least one pair), an unpaired name is a syntax error in Redis.
  if (args.length % 2 !== 0) return session.replyError(RespErrors.SYNTAX);
  const accepted = new Map<string, string>();
  for (let i = 2; i < args.length; i += 2) {
    const name = args[i]!.toString('latin1').toLowerCase();
    const parameter = CONFIG_PARAMETERS.get(name);
    if (parameter === undefined) return session.replyError(configSetUnknownError(args[i]!));
    if (accepted.has(name)) return session.replyError(configSetFailedError(name, 'duplicate parameter'));
    const value = args[i + 1]!.toString('latin1');
    const problem = parameter.check(value);
    if (problem !== null) return session.replyError(configSetFailedError(name, problem));
    const current = session.state.configOverrides.get(overrideName(name, parameter)) ?? parameter.initial(session);
    accepted.set(name, parameter.normalize?.(value, current) ?? value);
  }
  for (const [name, value] of accepted) {
    const parameter = CONFIG_PARAMETERS.get(name)!;
    if (parameter.shared !== true) session.state.configOverrides.set(overrideName(name, parameter), value);
    parameter.apply?.(session, value);
  }
  session.reply(OK_REPLY);
};

// The counters are memcached's `stats` too, shared with the memcached port: CONFIG RESETSTAT leaves them.
const configResetstat: RespHandler = (session) => session.reply(OK_REPLY);

// ---- keyspace-wide ----

const time: RespHandler = (session) => {
  const nowUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  session.replyValue(resp.array([resp.bulk(String(Math.floor(nowUs / 1e6))), resp.bulk(String(nowUs % 1e6))]));
};

/** An optional ASYNC|SYNC argument at `index`; false after replying with a syntax error. */
function flushModeValid(session: RespSession, args: Buffer[], index: number): boolean {
  if (args.length === index) return true;
  const mode = args[index]!.toString('latin1').toUpperCase();
  if (args.length === index + 1 && (mode === 'ASYNC' || mode === 'SYNC')) return true;
  session.replyError(RespErrors.SYNTAX);
  return false;
}

/**
 * FLUSHALL empties the whole store (every database, and the memcached keyspace, which is
 * database 0) by the store's flush watermark. FLUSHDB and DBSIZE, per database, live in
 * resp-keyspace-commands.ts.
 */
const flush: RespHandler = (session, args) => {
  if (!flushModeValid(session, args, 1)) return;
  session.context.stats.cmdFlush++;
  noteFlush();
  const slot = session.reserve();
  let waiting = session.router.shardCount;
  let failed = false;
  const sink: ReplySink = {
    onShardReply: (_tag, reply) => {
      if (reply.status !== StoreStatus.Ok) failed = true;
      if (--waiting === 0) session.complete(slot, failed ? errorReply(RespErrors.SHARD_FAILED) : OK_REPLY);
    },
  };
  session.router.broadcast(OpCode.FlushAll, Date.now(), sink);
};

// ---- no-op administration (no slow log, no scripts or functions are kept) ----

/** Redis's reply when a container's handler rejects its own argument count (SLOWLOG GET 1 2). */
function subcommandUsageError(parent: string, subcommand: Buffer): string {
  return `ERR unknown subcommand or wrong number of arguments for '${subcommand.toString('latin1')}'. Try ${parent} HELP.`;
}

/** Redis's slow log entry: id, unix time, microseconds, arguments, client addr:port, client name. */
function slowlogEntryReply(e: SlowlogEntry): RespValue {
  return resp.array([
    resp.integer(e.id),
    resp.integer(e.unixSeconds),
    resp.integer(e.durationUs),
    resp.array(e.args.map((a) => resp.bulk(a))),
    resp.bulk(e.client),
    resp.bulk(e.name),
  ]);
}

/** SLOWLOG GET [count]: the newest entries first, 10 by default, all with -1 (the shared slow log, both ports). */
const slowlogGet: RespHandler = (session, args) => {
  if (args.length > 3) return session.replyError(subcommandUsageError('SLOWLOG', args[1]!));
  let count = 10;
  if (args.length === 3) {
    const asked = argToInt64(args[2]!);
    if (asked === null || asked < -1n) return session.replyError(RespErrors.SLOWLOG_COUNT);
    count = asked > 1_000_000n ? 1_000_000 : Number(asked);
  }
  const log = observabilityOf(session.context)?.slowlog;
  session.replyValue(resp.array(log === undefined ? [] : log.newest(count).map(slowlogEntryReply)));
};

const slowlogLen: RespHandler = (session) => session.reply(integerReply(observabilityOf(session.context)?.slowlog.length ?? 0));
const slowlogReset: RespHandler = (session) => {
  observabilityOf(session.context)?.slowlog.reset();
  session.reply(OK_REPLY);
};
function isFlushMode(arg: Buffer): boolean {
  const mode = arg.toString('latin1').toUpperCase();
  return mode === 'SYNC' || mode === 'ASYNC';
}

const functionFlush: RespHandler = (session, args) => {
  if (args.length > 3) return session.replyError(subcommandUsageError('FUNCTION', args[1]!));
  if (args.length === 3 && !isFlushMode(args[2]!)) return session.replyError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  session.reply(OK_REPLY);
};

const scriptFlush: RespHandler = (session, args) => {
  if (args.length > 3 || (args.length === 3 && !isFlushMode(args[2]!))) {
    return session.replyError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  session.reply(OK_REPLY);
};

export const CONNECTION_AND_SERVER_HANDLERS: Record<string, RespHandler> = {
  ping,
  echo,
  quit,
  hello,
  select,
  reset,
  'client|setname': clientSetname,
  'client|getname': clientGetname,
  'client|id': clientId,
  'client|info': clientInfo,
  'client|list': clientList,
  'client|setinfo': clientSetinfo,
  'client|kill': clientKill,
  command: commandAll,
  'command|count': commandCount,
  'command|docs': commandDocsHandler,
  'command|info': commandInfoHandler,
  'command|getkeys': commandGetkeys,
  info,
  'config|get': configGet,
  'config|set': configSet,
  'config|resetstat': configResetstat,
  time,
  flushall: flush,
  'slowlog|get': slowlogGet,
  'slowlog|len': slowlogLen,
  'slowlog|reset': slowlogReset,
  'function|flush': functionFlush,
  'script|flush': scriptFlush,
};
