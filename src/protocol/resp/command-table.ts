/**
 * The Redis commands we serve, described the way Redis describes them
 * (arity, flags, key positions, group): the session checks arity from here,
 * and `COMMAND`, `COMMAND INFO`, `COMMAND DOCS` and `COMMAND COUNT` report it.
 * A command is listed only when it behaves as Redis's does; what the store
 * cannot do yet is left out, so clients get Redis's unknown-command error.
 *
 * Arity follows Redis: N = exactly N arguments including the name, -N = at
 * least N.
 *
 * May import nothing outside `src/protocol/resp`.
 */

export interface RespCommandSpec {
  /** Lower-case name (`client|setname` style full names are built for subcommands). */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  /** 1-based position of the first key argument, 0 when the command takes no key. */
  readonly firstKey: number;
  /** Position of the last key; -1 = the last argument. */
  readonly lastKey: number;
  /** Distance between keys (2 for MSET's key value pairs). */
  readonly keyStep: number;
  /** Redis's command group (`string`, `generic`, `connection`, `server`, ...). */
  readonly group: string;
  readonly since: string;
  readonly summary: string;
  readonly subcommands?: readonly RespCommandSpec[];
}

function command(
  name: string,
  arity: number,
  flags: string[],
  keys: [first: number, last: number, step: number],
  group: string,
  since: string,
  summary: string,
  subcommands?: RespCommandSpec[],
): RespCommandSpec {
  const spec = { name, arity, flags, firstKey: keys[0], lastKey: keys[1], keyStep: keys[2], group, since, summary };
  return subcommands === undefined ? spec : { ...spec, subcommands };
}

const NO_KEYS: [number, number, number] = [0, 0, 0];
const ONE_KEY: [number, number, number] = [1, 1, 1];
const ALL_KEYS: [number, number, number] = [1, -1, 1];

function sub(parent: string, name: string, arity: number, flags: string[], summary: string, since: string): RespCommandSpec {
  const group = parent === 'client' ? 'connection' : parent === 'pubsub' ? 'pubsub' : 'server';
  return command(`${parent}|${name}`, arity, flags, NO_KEYS, group, since, summary);
}

const LOADING_STALE = ['loading', 'stale'];

export const RESP_COMMANDS: readonly RespCommandSpec[] = [
  // Connection
  command('ping', -1, ['fast'], NO_KEYS, 'connection', '1.0.0', 'Returns the server\'s liveliness response.'),
  command('echo', 2, ['fast'], NO_KEYS, 'connection', '1.0.0', 'Returns the given string.'),
  command('quit', -1, ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], NO_KEYS, 'connection', '1.0.0', 'Closes the connection.'),
  command('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], NO_KEYS, 'connection', '6.0.0', 'Handshakes with the Redis server.'),
  command('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], NO_KEYS, 'connection', '1.0.0', 'Authenticates the connection.'),
  command('select', 2, ['loading', 'stale', 'fast'], NO_KEYS, 'connection', '1.0.0', 'Changes the selected database.'),
  command('readonly', 1, ['loading', 'stale', 'fast'], NO_KEYS, 'cluster', '3.0.0', 'Enables read-only queries for a connection to a Redis Cluster replica node.'),
  command('readwrite', 1, ['loading', 'stale', 'fast'], NO_KEYS, 'cluster', '3.0.0', 'Enables read-write queries for a connection to a Redis Cluster replica node.'),
  command('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], NO_KEYS, 'connection', '6.2.0', 'Resets the connection.'),
  command('client', -2, [], NO_KEYS, 'connection', '2.4.0', 'A container for client connection commands.', [
    sub('client', 'setname', 3, ['noscript', ...LOADING_STALE], 'Sets the connection name.', '2.6.9'),
    sub('client', 'getname', 2, ['noscript', ...LOADING_STALE], 'Returns the name of the connection.', '2.6.9'),
    sub('client', 'id', 2, ['noscript', ...LOADING_STALE], 'Returns the unique client ID of the connection.', '5.0.0'),
    sub('client', 'info', 2, ['noscript', ...LOADING_STALE], 'Returns information about the connection.', '6.2.0'),
    sub('client', 'list', -2, ['admin', 'noscript', ...LOADING_STALE], 'Lists open connections.', '2.4.0'),
    sub('client', 'setinfo', 4, ['noscript', ...LOADING_STALE], 'Sets information specific to the client or connection.', '7.2.0'),
    sub('client', 'kill', -3, ['admin', 'noscript', ...LOADING_STALE], 'Terminates open connections.', '2.4.0'),
  ]),

  // Server and introspection
  command('command', -1, LOADING_STALE, NO_KEYS, 'server', '2.8.13', 'Returns detailed information about all commands.', [
    sub('command', 'count', 2, LOADING_STALE, 'Returns a count of commands.', '2.8.13'),
    sub('command', 'docs', -2, LOADING_STALE, 'Returns documentary information about one, multiple or all commands.', '7.0.0'),
    sub('command', 'info', -2, LOADING_STALE, 'Returns information about one, multiple or all commands.', '2.8.13'),
    sub('command', 'getkeys', -4, LOADING_STALE, 'Extracts the key names from an arbitrary command.', '2.8.13'),
  ]),
  command('info', -1, LOADING_STALE, NO_KEYS, 'server', '1.0.0', 'Returns information and statistics about the server.'),
  command('config', -2, [], NO_KEYS, 'server', '2.0.0', 'A container for server configuration commands.', [
    sub('config', 'get', -3, ['admin', 'noscript', ...LOADING_STALE], 'Returns the effective values of configuration parameters.', '2.0.0'),
    sub('config', 'set', -4, ['admin', 'noscript', ...LOADING_STALE], 'Sets configuration parameters in-flight.', '2.0.0'),
    sub('config', 'resetstat', 2, ['admin', 'noscript', ...LOADING_STALE], 'Resets the server\'s statistics.', '2.0.0'),
  ]),
  command('dbsize', 1, ['readonly', 'fast'], NO_KEYS, 'server', '1.0.0', 'Returns the number of keys in the database.'),
  command('time', 1, ['loading', 'stale', 'fast'], NO_KEYS, 'server', '2.6.0', 'Returns the server time.'),
  command('flushdb', -1, ['write'], NO_KEYS, 'server', '1.0.0', 'Removes all keys from the current database.'),
  command('flushall', -1, ['write'], NO_KEYS, 'server', '1.0.0', 'Removes all keys from all databases.'),
  command('slowlog', -2, [], NO_KEYS, 'server', '2.2.12', 'A container for slow log commands.', [
    sub('slowlog', 'get', -2, ['admin', ...LOADING_STALE], 'Returns the slow log\'s entries.', '2.2.12'),
    sub('slowlog', 'len', 2, ['admin', ...LOADING_STALE], 'Returns the number of entries in the slow log.', '2.2.12'),
    sub('slowlog', 'reset', 2, ['admin', ...LOADING_STALE], 'Clears all entries from the slow log.', '2.2.12'),
  ]),
  command('function', -2, [], NO_KEYS, 'scripting', '7.0.0', 'A container for function commands.', [
    sub('function', 'flush', -2, ['write', 'noscript'], 'Deletes all libraries and functions.', '7.0.0'),
  ]),
  command('script', -2, [], NO_KEYS, 'scripting', '2.6.0', 'A container for Lua scripts management commands.', [
    sub('script', 'flush', -2, ['noscript'], 'Removes all server-side Lua scripts from the script cache.', '2.6.0'),
  ]),

  // Cluster (resp-cluster.ts: the membership as Redis Cluster sees it)
  command('cluster', -2, [], NO_KEYS, 'cluster', '3.0.0', 'A container for Redis Cluster commands.', [
    command('cluster|slots', 2, LOADING_STALE, NO_KEYS, 'cluster', '3.0.0', 'Returns the mapping of cluster slots to nodes.'),
    command('cluster|shards', 2, LOADING_STALE, NO_KEYS, 'cluster', '7.0.0', 'Returns the mapping of cluster slots to shards.'),
    command('cluster|nodes', 2, LOADING_STALE, NO_KEYS, 'cluster', '3.0.0', 'Returns the cluster configuration for a node.'),
    command('cluster|info', 2, LOADING_STALE, NO_KEYS, 'cluster', '3.0.0', 'Returns information about the state of a node.'),
    command('cluster|keyslot', 3, LOADING_STALE, NO_KEYS, 'cluster', '3.0.0', 'Returns the hash slot for a key.'),
    command('cluster|myid', 2, LOADING_STALE, NO_KEYS, 'cluster', '3.0.0', 'Returns the ID of a node.'),
  ]),

  // Pub/Sub (main thread only; nothing is stored)
  command('subscribe', -2, ['pubsub', 'noscript', ...LOADING_STALE], NO_KEYS, 'pubsub', '2.0.0', 'Listens for messages published to channels.'),
  command('unsubscribe', -1, ['pubsub', 'noscript', ...LOADING_STALE], NO_KEYS, 'pubsub', '2.0.0', 'Stops listening to messages posted to channels.'),
  command('psubscribe', -2, ['pubsub', 'noscript', ...LOADING_STALE], NO_KEYS, 'pubsub', '2.0.0', 'Listens for messages published to channels that match one or more patterns.'),
  command('punsubscribe', -1, ['pubsub', 'noscript', ...LOADING_STALE], NO_KEYS, 'pubsub', '2.0.0', 'Stops listening to messages published to channels that match one or more patterns.'),
  command('publish', 3, ['pubsub', ...LOADING_STALE, 'fast', 'may_replicate'], NO_KEYS, 'pubsub', '2.0.0', 'Posts a message to a channel.'),
  command('pubsub', -2, [], NO_KEYS, 'pubsub', '2.8.0', 'A container for Pub/Sub commands.', [
    sub('pubsub', 'channels', -2, ['pubsub', ...LOADING_STALE], 'Returns the active channels.', '2.8.0'),
    sub('pubsub', 'numsub', -2, ['pubsub', ...LOADING_STALE], 'Returns a count of subscribers to channels.', '2.8.0'),
    sub('pubsub', 'numpat', 2, ['pubsub', ...LOADING_STALE], 'Returns a count of unique pattern subscriptions.', '2.8.0'),
  ]),

  // Transactions
  command('multi', 1, ['noscript', ...LOADING_STALE, 'fast', 'allow_busy'], NO_KEYS, 'transactions', '1.2.0', 'Starts a transaction.'),
  command('exec', 1, ['noscript', ...LOADING_STALE, 'skip_slowlog'], NO_KEYS, 'transactions', '1.2.0', 'Executes all commands in a transaction.'),
  command('discard', 1, ['noscript', ...LOADING_STALE, 'fast', 'allow_busy'], NO_KEYS, 'transactions', '2.0.0', 'Discards a transaction.'),
  command('watch', -2, ['noscript', ...LOADING_STALE, 'fast', 'allow_busy'], ALL_KEYS, 'transactions', '2.2.0', 'Monitors changes to keys to determine the execution of a transaction.'),
  command('unwatch', 1, ['noscript', ...LOADING_STALE, 'fast', 'allow_busy'], NO_KEYS, 'transactions', '2.2.0', 'Forgets about watched keys of a transaction.'),

  // Strings
  command('get', 2, ['readonly', 'fast'], ONE_KEY, 'string', '1.0.0', 'Returns the string value of a key.'),
  command('set', -3, ['write', 'denyoom'], ONE_KEY, 'string', '1.0.0', 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.'),
  command('setnx', 3, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '1.0.0', 'Set the string value of a key only when the key doesn\'t exist.'),
  command('setex', 4, ['write', 'denyoom'], ONE_KEY, 'string', '2.0.0', 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.'),
  command('psetex', 4, ['write', 'denyoom'], ONE_KEY, 'string', '2.6.0', 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.'),
  command('getdel', 2, ['write', 'fast'], ONE_KEY, 'string', '6.2.0', 'Returns the string value of a key after deleting the key.'),
  command('getset', 3, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '1.0.0', 'Returns the previous string value of a key after setting it to a new value.'),
  command('getex', -2, ['write', 'fast'], ONE_KEY, 'string', '6.2.0', 'Returns the string value of a key after setting its expiration time.'),
  command('getrange', 4, ['readonly'], ONE_KEY, 'string', '2.4.0', 'Returns a substring of the string stored at a key.'),
  command('substr', 4, ['readonly'], ONE_KEY, 'string', '1.0.0', 'Returns a substring from a string value.'),
  command('mget', -2, ['readonly', 'fast'], ALL_KEYS, 'string', '1.0.0', 'Atomically returns the string values of one or more keys.'),
  command('mset', -3, ['write', 'denyoom'], [1, -1, 2], 'string', '1.0.1', 'Atomically creates or modifies the string values of one or more keys.'),
  command('append', 3, ['write', 'denyoom'], ONE_KEY, 'string', '2.0.0', 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.'),
  command('strlen', 2, ['readonly', 'fast'], ONE_KEY, 'string', '2.2.0', 'Returns the length of a string value.'),
  command('setrange', 4, ['write', 'denyoom'], ONE_KEY, 'string', '2.2.0', 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.'),
  command('incr', 2, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '1.0.0', 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.'),
  command('decr', 2, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '1.0.0', 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.'),
  command('incrby', 3, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '1.0.0', 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.'),
  command('decrby', 3, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '1.0.0', 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.'),
  command('incrbyfloat', 3, ['write', 'denyoom', 'fast'], ONE_KEY, 'string', '2.6.0', 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.'),

  // Keys
  command('del', -2, ['write'], ALL_KEYS, 'generic', '1.0.0', 'Deletes one or more keys.'),
  command('unlink', -2, ['write', 'fast'], ALL_KEYS, 'generic', '4.0.0', 'Asynchronously deletes one or more keys.'),
  command('type', 2, ['readonly', 'fast'], ONE_KEY, 'generic', '1.0.0', 'Determines the type of value stored at a key.'),
  command('exists', -2, ['readonly', 'fast'], ALL_KEYS, 'generic', '1.0.0', 'Determines whether one or more keys exist.'),
  command('touch', -2, ['readonly', 'fast'], ALL_KEYS, 'generic', '3.2.1', 'Returns the number of existing keys out of those specified after updating the time they were last accessed.'),
  // The plain forms only (Redis 6.2's arity): NX/XX/GT/LT need the current TTL, which today's ops do not return.
  command('expire', -3, ['write', 'fast'], ONE_KEY, 'generic', '1.0.0', 'Sets the expiration time of a key in seconds.'),
  command('pexpire', -3, ['write', 'fast'], ONE_KEY, 'generic', '2.6.0', 'Sets the expiration time of a key in milliseconds.'),
  command('expireat', -3, ['write', 'fast'], ONE_KEY, 'generic', '1.2.0', 'Sets the expiration time of a key to a Unix timestamp.'),
  command('pexpireat', -3, ['write', 'fast'], ONE_KEY, 'generic', '2.6.0', 'Sets the expiration time of a key to a Unix milliseconds timestamp.'),
  command('ttl', 2, ['readonly', 'fast'], ONE_KEY, 'generic', '1.0.0', 'Returns the expiration time in seconds of a key.'),
  command('pttl', 2, ['readonly', 'fast'], ONE_KEY, 'generic', '2.6.0', 'Returns the expiration time in milliseconds of a key.'),
  command('expiretime', 2, ['readonly', 'fast'], ONE_KEY, 'generic', '7.0.0', 'Returns the expiration time of a key as a Unix timestamp.'),
  command('pexpiretime', 2, ['readonly', 'fast'], ONE_KEY, 'generic', '7.0.0', 'Returns the expiration time of a key as a Unix milliseconds timestamp.'),
  command('persist', 2, ['write', 'fast'], ONE_KEY, 'generic', '2.2.0', 'Removes the expiration time of a key.'),
];

const BY_NAME = new Map<string, RespCommandSpec>(RESP_COMMANDS.map((c) => [c.name, c]));

/** The command named `name` (any case), or undefined. */
export function findCommand(name: string): RespCommandSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** The subcommand of `parent` named `name` (any case), or undefined. */
export function findSubcommand(parent: RespCommandSpec, name: string): RespCommandSpec | undefined {
  const fullName = `${parent.name}|${name.toLowerCase()}`;
  return parent.subcommands?.find((s) => s.name === fullName);
}

/**
 * The key arguments of a command line (`args[0]` is the command name), from
 * the table's first/last/step, as COMMAND GETKEYS reports them.
 */
export function keyArguments<T>(spec: RespCommandSpec, args: readonly T[]): T[] {
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const keys: T[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.keyStep) keys.push(args[i]!);
  return keys;
}

/** Redis's arity rule: exact when positive, a minimum when negative. */
export function arityAccepts(arity: number, argumentCount: number): boolean {
  return arity >= 0 ? argumentCount === arity : argumentCount >= -arity;
}

/** Redis's ACL categories for a command, derived from its group and flags (`@string`, `@read`, `@fast`, ...). */
export function aclCategories(spec: RespCommandSpec): string[] {
  const categories = new Set<string>();
  if (spec.group === 'string') categories.add('@string');
  if (spec.group === 'generic') categories.add('@keyspace');
  if (spec.group === 'connection') categories.add('@connection');
  if (spec.group === 'scripting') categories.add('@scripting');
  if (spec.group === 'pubsub') categories.add('@pubsub');
  if (spec.group === 'transactions') categories.add('@transaction');
  if (spec.flags.includes('readonly')) categories.add('@read');
  if (spec.flags.includes('write')) categories.add('@write');
  if (spec.flags.includes('admin')) categories.add('@admin').add('@dangerous');
  categories.add(spec.flags.includes('fast') ? '@fast' : '@slow');
  return [...categories];
}
