/**
 * The memcached text-protocol command table: name → request kind and token
 * counts, as dispatched by memcached 1.6 `process_command_ascii` (proto_text.c).
 * The text parser looks names up here; nothing else switches on command names.
 * May import only `protocol/common`, `util` and the memcache request types.
 */

import type { MemcacheTextRequest, RetrievalCommand, StorageCommand } from './request';

/** memcached KEY_MAX_LENGTH: longer keys get `CLIENT_ERROR bad command line format`. */
export const MEMCACHE_KEY_MAX_LENGTH = 250;

/** memcached MAX_TOKENS - 1: the tokenizer's view ends after this many tokens (matters only for the `HTTP/` check). */
export const MEMCACHE_MAX_TOKENS = 23;

export interface TextCommandSpec {
  /** Meta commands (`m?`) are not in this table: meta-parser.ts handles them. */
  readonly kind: Exclude<MemcacheTextRequest['kind'], 'meta'>;
  /** Tokens after the command name; outside [minArgs, maxArgs] memcached replies `ERROR`. */
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The `command` field of retrieval/storage/arithmetic requests (bget is a get). */
  readonly command?: RetrievalCommand | StorageCommand | 'incr' | 'decr';
  /** gat/gats: the first argument is an exptime. */
  readonly touch?: boolean;
  /** cas: a `<cas unique>` argument follows `<bytes>`. */
  readonly cas?: boolean;
}

const ANY = Number.POSITIVE_INFINITY;

export const MEMCACHE_TEXT_COMMANDS = {
  get: { kind: 'retrieval', minArgs: 1, maxArgs: ANY, command: 'get' },
  gets: { kind: 'retrieval', minArgs: 1, maxArgs: ANY, command: 'gets' },
  /** Ancient "binary get", still accepted by memcached as a plain get. */
  bget: { kind: 'retrieval', minArgs: 1, maxArgs: ANY, command: 'get' },
  gat: { kind: 'retrieval', minArgs: 1, maxArgs: ANY, command: 'gat', touch: true },
  gats: { kind: 'retrieval', minArgs: 1, maxArgs: ANY, command: 'gats', touch: true },
  set: { kind: 'storage', minArgs: 4, maxArgs: 5, command: 'set' },
  add: { kind: 'storage', minArgs: 4, maxArgs: 5, command: 'add' },
  replace: { kind: 'storage', minArgs: 4, maxArgs: 5, command: 'replace' },
  append: { kind: 'storage', minArgs: 4, maxArgs: 5, command: 'append' },
  prepend: { kind: 'storage', minArgs: 4, maxArgs: 5, command: 'prepend' },
  cas: { kind: 'storage', minArgs: 5, maxArgs: 6, command: 'cas', cas: true },
  delete: { kind: 'delete', minArgs: 1, maxArgs: 3 },
  incr: { kind: 'arithmetic', minArgs: 2, maxArgs: 3, command: 'incr' },
  decr: { kind: 'arithmetic', minArgs: 2, maxArgs: 3, command: 'decr' },
  touch: { kind: 'touch', minArgs: 2, maxArgs: 3 },
  flush_all: { kind: 'flush_all', minArgs: 0, maxArgs: 2 },
  stats: { kind: 'stats', minArgs: 0, maxArgs: ANY },
  version: { kind: 'version', minArgs: 0, maxArgs: ANY },
  verbosity: { kind: 'verbosity', minArgs: 1, maxArgs: 2 },
  quit: { kind: 'quit', minArgs: 0, maxArgs: ANY },
  shutdown: { kind: 'shutdown', minArgs: 0, maxArgs: ANY },
  /** ElastiCache's auto-discovery: `config get cluster` (not a memcached command). */
  config: { kind: 'config', minArgs: 1, maxArgs: ANY },
} as const satisfies Record<string, TextCommandSpec>;

export type MemcacheTextCommandName = keyof typeof MEMCACHE_TEXT_COMMANDS;

/** Longest name in the table: longer command tokens are not even decoded. */
export const MEMCACHE_COMMAND_NAME_MAX_LENGTH = Math.max(...Object.keys(MEMCACHE_TEXT_COMMANDS).map((n) => n.length));

/**
 * memcached dispatches on the first letter before comparing names, and an
 * unknown name under one of these letters is a plain `ERROR`; only names that
 * fall through to the final branch get the "last token starts with HTTP/ →
 * close silently" check. (Two-letter `m?` names are meta commands, tried first.)
 */
export const MEMCACHE_FIRST_LETTER_DISPATCH = new Set<number>([...'gsacitd'].map((c) => c.charCodeAt(0)));
