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
  // Access control (resp-auth.ts)
  command('acl', -2, [], NO_KEYS, 'server', '6.0.0', 'A container for Access List Control commands.', [
    sub('acl', 'cat', -2, ['noscript', ...LOADING_STALE], 'Lists the ACL categories, or the commands inside a category.', '6.0.0'),
    sub('acl', 'whoami', 2, ['noscript', ...LOADING_STALE], 'Returns the authenticated username of the current connection.', '6.0.0'),
    sub('acl', 'users', 2, ['admin', 'noscript', ...LOADING_STALE], 'Lists all ACL users.', '6.0.0'),
    sub('acl', 'list', 2, ['admin', 'noscript', ...LOADING_STALE], 'Dumps the effective rules in ACL file format.', '6.0.0'),
    sub('acl', 'getuser', 3, ['admin', 'noscript', ...LOADING_STALE], 'Lists the ACL rules of a user.', '6.0.0'),
    sub('acl', 'dryrun', -4, ['admin', 'noscript', ...LOADING_STALE], 'Simulates the execution of a command by a user, without executing the command.', '7.0.0'),
    sub('acl', 'load', 2, ['admin', 'noscript', ...LOADING_STALE], 'Reloads the rules from the configured ACL file.', '6.0.0'),
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
    // Walks the database (resp-slot-keys.ts): Redis keeps a slot index, we do not.
    command('cluster|countkeysinslot', 3, ['stale'], NO_KEYS, 'cluster', '3.0.0', 'Returns the number of keys in a hash slot.'),
    command('cluster|getkeysinslot', 4, ['stale'], NO_KEYS, 'cluster', '3.0.0', 'Returns the key names in a hash slot.'),
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

  // Hashes (typed items: store/typed/hash.ts)
  command('hset', -4, ['write', 'denyoom', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Set the string value of a hash field'),
  command('hmset', -4, ['write', 'denyoom', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Set multiple hash fields to multiple values'),
  command('hsetnx', 4, ['write', 'denyoom', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Set the value of a hash field, only if the field does not exist'),
  command('hget', 3, ['readonly', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Get the value of a hash field'),
  command('hmget', -3, ['readonly', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Get the values of all the given hash fields'),
  command('hgetall', 2, ['readonly'], ONE_KEY, 'hash', '2.0.0', 'Get all the fields and values in a hash'),
  command('hkeys', 2, ['readonly'], ONE_KEY, 'hash', '2.0.0', 'Get all the fields in a hash'),
  command('hvals', 2, ['readonly'], ONE_KEY, 'hash', '2.0.0', 'Get all the values in a hash'),
  command('hlen', 2, ['readonly', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Get the number of fields in a hash'),
  command('hexists', 3, ['readonly', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Determine if a hash field exists'),
  command('hstrlen', 3, ['readonly', 'fast'], ONE_KEY, 'hash', '3.2.0', 'Get the length of the value of a hash field'),
  command('hdel', -3, ['write', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Delete one or more hash fields'),
  command('hincrby', 4, ['write', 'denyoom', 'fast'], ONE_KEY, 'hash', '2.0.0', 'Increment the integer value of a hash field by the given number'),
  command('hincrbyfloat', 4, ['write', 'denyoom', 'fast'], ONE_KEY, 'hash', '2.6.0', 'Increment the float value of a hash field by the given amount'),
  command('hscan', -3, ['readonly'], ONE_KEY, 'hash', '2.8.0', 'Incrementally iterate hash fields and associated values'),
  command('hrandfield', -2, ['readonly'], ONE_KEY, 'hash', '6.2.0', 'Get one or multiple random fields from a hash'),

  // Sets (store/typed/set.ts; multi-key ones composed in server/resp-set-commands.ts)
  command('sadd', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'set', '1.0.0', 'Add one or more members to a set'),
  command('srem', -3, ['write', 'fast'], ONE_KEY, 'set', '1.0.0', 'Remove one or more members from a set'),
  command('smembers', 2, ['readonly'], ONE_KEY, 'set', '1.0.0', 'Get all the members in a set'),
  command('sismember', 3, ['readonly', 'fast'], ONE_KEY, 'set', '1.0.0', 'Determine if a given value is a member of a set'),
  command('smismember', -3, ['readonly', 'fast'], ONE_KEY, 'set', '6.2.0', 'Returns the membership associated with the given elements for a set'),
  command('scard', 2, ['readonly', 'fast'], ONE_KEY, 'set', '1.0.0', 'Get the number of members in a set'),
  command('spop', -2, ['write', 'fast'], ONE_KEY, 'set', '1.0.0', 'Remove and return one or multiple random members from a set'),
  command('srandmember', -2, ['readonly'], ONE_KEY, 'set', '1.0.0', 'Get one or multiple random members from a set'),
  command('sscan', -3, ['readonly'], ONE_KEY, 'set', '2.8.0', 'Incrementally iterate Set elements'),
  command('sinter', -2, ['readonly'], ALL_KEYS, 'set', '1.0.0', 'Intersect multiple sets'),
  command('sunion', -2, ['readonly'], ALL_KEYS, 'set', '1.0.0', 'Add multiple sets'),
  command('sdiff', -2, ['readonly'], ALL_KEYS, 'set', '1.0.0', 'Subtract multiple sets'),
  command('sinterstore', -3, ['write', 'denyoom'], ALL_KEYS, 'set', '1.0.0', 'Intersect multiple sets and store the resulting set in a key'),
  command('sunionstore', -3, ['write', 'denyoom'], ALL_KEYS, 'set', '1.0.0', 'Add multiple sets and store the resulting set in a key'),
  command('sdiffstore', -3, ['write', 'denyoom'], ALL_KEYS, 'set', '1.0.0', 'Subtract multiple sets and store the resulting set in a key'),
  command('sintercard', -3, ['readonly', 'movablekeys'], NO_KEYS, 'set', '7.0.0', 'Intersect multiple sets and return the cardinality of the result'),
  command('smove', 4, ['write', 'fast'], [1, 2, 1], 'set', '1.0.0', 'Move a member from one set to another'),

  // HyperLogLog (string items in Redis's HLL layout: store/typed/hll.ts)
  command('pfadd', -2, ['write', 'denyoom', 'fast'], ONE_KEY, 'hyperloglog', '2.8.9', 'Adds the specified elements to the specified HyperLogLog.'),
  command('pfcount', -2, ['readonly'], ALL_KEYS, 'hyperloglog', '2.8.9', 'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).'),
  command('pfmerge', -2, ['write', 'denyoom'], ALL_KEYS, 'hyperloglog', '2.8.9', 'Merge N different HyperLogLogs into a single one.'),

  // Lists (typed items: store/typed/list.ts; server/resp-list-commands.ts, blocking pops in resp-blocking.ts)
  command('lpush', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'list', '1.0.0', 'Prepend one or multiple elements to a list'),
  command('rpush', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'list', '1.0.0', 'Append one or multiple elements to a list'),
  command('lpushx', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'list', '2.2.0', 'Prepend an element to a list, only if the list exists'),
  command('rpushx', -3, ['write', 'denyoom', 'fast'], ONE_KEY, 'list', '2.2.0', 'Append an element to a list, only if the list exists'),
  command('lpop', -2, ['write', 'fast'], ONE_KEY, 'list', '1.0.0', 'Remove and get the first elements in a list'),
  command('rpop', -2, ['write', 'fast'], ONE_KEY, 'list', '1.0.0', 'Remove and get the last elements in a list'),
  command('llen', 2, ['readonly', 'fast'], ONE_KEY, 'list', '1.0.0', 'Get the length of a list'),
  command('lrange', 4, ['readonly'], ONE_KEY, 'list', '1.0.0', 'Get a range of elements from a list'),
  command('lindex', 3, ['readonly'], ONE_KEY, 'list', '1.0.0', 'Get an element from a list by its index'),
  command('lset', 4, ['write', 'denyoom'], ONE_KEY, 'list', '1.0.0', 'Set the value of an element in a list by its index'),
  command('lrem', 4, ['write'], ONE_KEY, 'list', '1.0.0', 'Remove elements from a list'),
  command('ltrim', 4, ['write'], ONE_KEY, 'list', '1.0.0', 'Trim a list to the specified range'),
  command('linsert', 5, ['write', 'denyoom'], ONE_KEY, 'list', '2.2.0', 'Insert an element before or after another element in a list'),
  command('lpos', -3, ['readonly'], ONE_KEY, 'list', '6.0.6', 'Return the index of matching elements on a list'),
  command('lmove', 5, ['write', 'denyoom'], [1, 2, 1], 'list', '6.2.0', 'Pop an element from a list, push it to another list and return it'),
  command('rpoplpush', 3, ['write', 'denyoom'], [1, 2, 1], 'list', '1.2.0', 'Remove the last element in a list, prepend it to another list and return it'),
  command('lmpop', -4, ['write', 'movablekeys'], NO_KEYS, 'list', '7.0.0', 'Pop elements from a list'),
  command('blpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], 'list', '2.0.0', 'Remove and get the first element in a list, or block until one is available'),
  command('brpop', -3, ['write', 'noscript', 'blocking'], [1, -2, 1], 'list', '2.0.0', 'Remove and get the last element in a list, or block until one is available'),
  command('blmove', 6, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], 'list', '6.2.0', 'Pop an element from a list, push it to another list and return it; or block until one is available'),
  command('brpoplpush', 4, ['write', 'denyoom', 'noscript', 'blocking'], [1, 2, 1], 'list', '2.2.0', 'Pop an element from a list, push it to another list and return it; or block until one is available'),
  command('blmpop', -5, ['write', 'blocking', 'movablekeys'], NO_KEYS, 'list', '7.0.0', 'Pop elements from a list, or block until one is available'),

  // Sorted sets (typed items: store/typed/zset.ts; server/resp-zset-commands.ts)
  command('zadd', -4, ['write', 'denyoom', 'fast'], ONE_KEY, 'sorted-set', '1.2.0', 'Add one or more members to a sorted set, or update its score if it already exists'),
  command('zincrby', 4, ['write', 'denyoom', 'fast'], ONE_KEY, 'sorted-set', '1.2.0', 'Increment the score of a member in a sorted set'),
  command('zrem', -3, ['write', 'fast'], ONE_KEY, 'sorted-set', '1.2.0', 'Remove one or more members from a sorted set'),
  command('zscore', 3, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '1.2.0', 'Get the score associated with the given member in a sorted set'),
  command('zmscore', -3, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '6.2.0', 'Get the score associated with the given members in a sorted set'),
  command('zcard', 2, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '1.2.0', 'Get the number of members in a sorted set'),
  command('zcount', 4, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '2.0.0', 'Count the members in a sorted set with scores within the given values'),
  command('zlexcount', 4, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '2.8.9', 'Count the number of members in a sorted set between a given lexicographical range'),
  command('zrange', -4, ['readonly'], ONE_KEY, 'sorted-set', '1.2.0', 'Return a range of members in a sorted set'),
  command('zrevrange', -4, ['readonly'], ONE_KEY, 'sorted-set', '1.2.0', 'Return a range of members in a sorted set, by index, with scores ordered from high to low'),
  command('zrangebyscore', -4, ['readonly'], ONE_KEY, 'sorted-set', '1.0.5', 'Return a range of members in a sorted set, by score'),
  command('zrevrangebyscore', -4, ['readonly'], ONE_KEY, 'sorted-set', '2.2.0', 'Return a range of members in a sorted set, by score, with scores ordered from high to low'),
  command('zrangebylex', -4, ['readonly'], ONE_KEY, 'sorted-set', '2.8.9', 'Return a range of members in a sorted set, by lexicographical range'),
  command('zrevrangebylex', -4, ['readonly'], ONE_KEY, 'sorted-set', '2.8.9', 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.'),
  command('zrank', -3, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '2.0.0', 'Determine the index of a member in a sorted set'),
  command('zrevrank', -3, ['readonly', 'fast'], ONE_KEY, 'sorted-set', '2.0.0', 'Determine the index of a member in a sorted set, with scores ordered from high to low'),
  command('zremrangebyrank', 4, ['write'], ONE_KEY, 'sorted-set', '2.0.0', 'Remove all members in a sorted set within the given indexes'),
  command('zremrangebyscore', 4, ['write'], ONE_KEY, 'sorted-set', '1.2.0', 'Remove all members in a sorted set within the given scores'),
  command('zremrangebylex', 4, ['write'], ONE_KEY, 'sorted-set', '2.8.9', 'Remove all members in a sorted set between the given lexicographical range'),
  command('zpopmin', -2, ['write', 'fast'], ONE_KEY, 'sorted-set', '5.0.0', 'Remove and return members with the lowest scores in a sorted set'),
  command('zpopmax', -2, ['write', 'fast'], ONE_KEY, 'sorted-set', '5.0.0', 'Remove and return members with the highest scores in a sorted set'),
  command('zmpop', -4, ['write', 'movablekeys'], NO_KEYS, 'sorted-set', '7.0.0', 'Remove and return members with scores in a sorted set'),
  command('zrandmember', -2, ['readonly'], ONE_KEY, 'sorted-set', '6.2.0', 'Get one or multiple random elements from a sorted set'),
  command('zscan', -3, ['readonly'], ONE_KEY, 'sorted-set', '2.8.0', 'Incrementally iterate sorted sets elements and associated scores'),
  command('zunion', -3, ['readonly', 'movablekeys'], NO_KEYS, 'sorted-set', '6.2.0', 'Add multiple sorted sets'),
  command('zinter', -3, ['readonly', 'movablekeys'], NO_KEYS, 'sorted-set', '6.2.0', 'Intersect multiple sorted sets'),
  command('zdiff', -3, ['readonly', 'movablekeys'], NO_KEYS, 'sorted-set', '6.2.0', 'Subtract multiple sorted sets'),
  command('zintercard', -3, ['readonly', 'movablekeys'], NO_KEYS, 'sorted-set', '7.0.0', 'Intersect multiple sorted sets and return the cardinality of the result'),
  command('zunionstore', -4, ['write', 'denyoom', 'movablekeys'], ONE_KEY, 'sorted-set', '2.0.0', 'Add multiple sorted sets and store the resulting sorted set in a new key'),
  command('zinterstore', -4, ['write', 'denyoom', 'movablekeys'], ONE_KEY, 'sorted-set', '2.0.0', 'Intersect multiple sorted sets and store the resulting sorted set in a new key'),
  command('zdiffstore', -4, ['write', 'denyoom', 'movablekeys'], ONE_KEY, 'sorted-set', '6.2.0', 'Subtract multiple sorted sets and store the resulting sorted set in a new key'),
  command('zrangestore', -5, ['write', 'denyoom'], [1, 2, 1], 'sorted-set', '6.2.0', 'Store a range of members from sorted set into another key'),
  command('bzpopmin', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], 'sorted-set', '5.0.0', 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available'),
  command('bzpopmax', -3, ['write', 'noscript', 'blocking', 'fast'], [1, -2, 1], 'sorted-set', '5.0.0', 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available'),
  command('bzmpop', -5, ['write', 'blocking', 'movablekeys'], NO_KEYS, 'sorted-set', '7.0.0', 'Remove and return members with scores in a sorted set or block until one is available'),

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
  // Keyspace (resp-keyspace-commands.ts)
  command('scan', -2, ['readonly'], NO_KEYS, 'generic', '2.8.0', 'Iterates over the key names in the database.'),
  command('keys', 2, ['readonly'], NO_KEYS, 'generic', '1.0.0', 'Returns all key names that match a pattern.'),
  command('randomkey', 1, ['readonly'], NO_KEYS, 'generic', '1.0.0', 'Returns a random key name from the database.'),
  command('rename', 3, ['write'], [1, 2, 1], 'generic', '1.0.0', 'Renames a key and overwrites the destination.'),
  command('renamenx', 3, ['write', 'fast'], [1, 2, 1], 'generic', '1.0.0', "Renames a key only when the target key name doesn't exist."),
  command('copy', -3, ['write', 'denyoom'], [1, 2, 1], 'generic', '6.2.0', 'Copies the value of a key to a new key.'),
  command('move', 3, ['write', 'fast'], ONE_KEY, 'generic', '1.0.0', 'Moves a key to another database.'),
  command('object', -2, [], NO_KEYS, 'generic', '2.2.3', 'A container for object introspection commands.', [
    command('object|encoding', 3, ['readonly'], [2, 2, 1], 'generic', '2.2.3', 'Returns the internal encoding of a Redis object.'),
    command('object|freq', 3, ['readonly'], [2, 2, 1], 'generic', '4.0.0', 'Returns the logarithmic access frequency counter of a Redis object.'),
    command('object|idletime', 3, ['readonly'], [2, 2, 1], 'generic', '2.2.3', 'Returns the time since the last access to a Redis object.'),
    command('object|refcount', 3, ['readonly'], [2, 2, 1], 'generic', '2.2.3', 'Returns the reference count of a value of a key.'),
    command('object|help', 2, LOADING_STALE, NO_KEYS, 'generic', '6.2.0', 'Returns helpful text about the different subcommands.'),
  ]),
  command('msetnx', -3, ['write', 'denyoom'], [1, -1, 2], 'string', '1.0.1', "Atomically modifies the string values of one or more keys only when all keys don't exist."),
];

const BY_NAME = new Map<string, RespCommandSpec>(RESP_COMMANDS.map((c) => [c.name, c]));

/** The command named `name` (any case), or undefined. */
export function findCommand(name: string): RespCommandSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** ASCII-only lower case: the only letters command names have (no latin1 letter lower-cases into ASCII). */
const foldByte = (byte: number): number => (byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte);

function foldedHash(bytes: Uint8Array): number {
  let hash = bytes.length;
  for (let i = 0; i < bytes.length; i++) hash = (Math.imul(hash, 31) + foldByte(bytes[i]!)) | 0;
  return hash;
}

/** Commands by the hash of their lower-case name; collisions are told apart by comparing the bytes. */
const BY_NAME_HASH = new Map<number, { name: Uint8Array; spec: RespCommandSpec }[]>();
for (const spec of RESP_COMMANDS) {
  const name = Buffer.from(spec.name, 'latin1');
  const hash = foldedHash(name);
  BY_NAME_HASH.set(hash, [...(BY_NAME_HASH.get(hash) ?? []), { name, spec }]);
}

/**
 * findCommand for a name still in bytes (a request's first argument), without making a
 * string of it: every command goes through here.
 */
export function findCommandByBytes(name: Uint8Array): RespCommandSpec | undefined {
  const candidates = BY_NAME_HASH.get(foldedHash(name));
  if (candidates === undefined) return undefined;
  next: for (const candidate of candidates) {
    const known = candidate.name;
    if (known.length !== name.length) continue;
    for (let i = 0; i < known.length; i++) if (foldByte(name[i]!) !== known[i]) continue next;
    return candidate.spec;
  }
  return undefined;
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

/** Every ACL category, in the order Redis's ACL CAT lists them. */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

/** Command groups whose commands carry the group's ACL category (Redis gives each command its data type's category). */
const GROUP_CATEGORIES: Readonly<Record<string, string>> = {
  string: '@string',
  generic: '@keyspace',
  hash: '@hash',
  list: '@list',
  set: '@set',
  'sorted-set': '@sortedset',
  sorted_set: '@sortedset',
  hyperloglog: '@hyperloglog',
  bitmap: '@bitmap',
  geo: '@geo',
  stream: '@stream',
  connection: '@connection',
  scripting: '@scripting',
  pubsub: '@pubsub',
  transactions: '@transaction',
};

/**
 * Categories Redis lists for a command beyond what its group and flags imply
 * (its command JSON's acl_categories), by command name; a parent's entry
 * covers its subcommands. Names the table does not serve are harmless here.
 */
const EXTRA_ACL_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  flushall: ['@keyspace', '@dangerous'],
  flushdb: ['@keyspace', '@dangerous'],
  dbsize: ['@keyspace'],
  keys: ['@keyspace', '@dangerous'],
  sort: ['@dangerous'],
  info: ['@dangerous'],
  command: ['@connection'],
  readonly: ['@connection'],
  readwrite: ['@connection'],
};

/**
 * Redis's ACL categories for a command: its group's category, the ones its
 * flags imply (Redis's setImplicitACLCategories: write, readonly, admin →
 * admin + dangerous, pubsub, fast, blocking, else slow), and any extras above.
 */
export function aclCategories(spec: RespCommandSpec): string[] {
  const categories = new Set<string>();
  const fromGroup = GROUP_CATEGORIES[spec.group];
  if (fromGroup !== undefined) categories.add(fromGroup);
  if (spec.flags.includes('readonly')) categories.add('@read');
  if (spec.flags.includes('write')) categories.add('@write');
  if (spec.flags.includes('admin')) categories.add('@admin').add('@dangerous');
  if (spec.flags.includes('pubsub')) categories.add('@pubsub');
  categories.add(spec.flags.includes('fast') ? '@fast' : '@slow');
  if (spec.flags.includes('blocking')) categories.add('@blocking');
  const bar = spec.name.indexOf('|');
  for (const extra of EXTRA_ACL_CATEGORIES[bar < 0 ? spec.name : spec.name.slice(0, bar)] ?? []) categories.add(extra);
  return [...categories];
}
