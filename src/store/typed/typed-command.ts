/**
 * The typed-value contract: how a Redis collection command (hash, list, set, sorted set,
 * HyperLogLog) runs inside a shard. A type module in `store/typed/<type>.ts` registers
 * definitions here; the shard's generic executor (`shard/execute-typed.ts`) reads the key's
 * item, checks its type byte, calls `run` with a view of the value, writes `next` back and
 * returns the reply encoded with `typed-reply-codec.ts`. The session renders that neutral
 * reply tree as RESP2 or RESP3.
 *
 * May import only `store/item-layout.ts` constants: nothing of sockets, RESP bytes, the
 * router or the shard transport.
 */

export interface TypedCommandContext {
  /** Unix ms of the batch being executed. */
  readonly nowMs: number;
  /** Uniform in [0, 1): SPOP, SRANDMEMBER, HRANDFIELD. */
  random(): number;
}

/** Neutral reply tree (rendered to RESP2/RESP3 by the session; RESP2 flattens maps and turns doubles into bulk strings as Redis does). */
export type TypedReply =
  | { kind: 'integer'; value: number | bigint }
  | { kind: 'bulk'; value: Uint8Array }
  | { kind: 'null' }
  | { kind: 'simple'; value: string }
  /** message as Redis words it, e.g. 'ERR value is not an integer or out of range' */
  | { kind: 'error'; message: string }
  | { kind: 'double'; value: number }
  | { kind: 'array'; items: TypedReply[] }
  | { kind: 'nullArray' }
  | { kind: 'map'; entries: [TypedReply, TypedReply][] }
  | { kind: 'set'; items: TypedReply[] };

export interface TypedCommandResult {
  reply: TypedReply;
  /** undefined = value unchanged; null = delete the key (empty collection); bytes = the new encoded value */
  next?: Uint8Array | null;
  /** The type `next` is written with; default: the definition's itemType (needed by ITEM_TYPE_ANY helpers like `__store`). */
  nextItemType?: number;
  /** With `next`: the written item's absolute expiry (unix ms, 0 = never) instead of keeping the old one (a *STORE destination loses its TTL). */
  nextExpiresAtMs?: number;
}

/** itemType of internal helpers that accept a key of any type (no WRONGTYPE check; `current` is null for a missing key only). */
export const ITEM_TYPE_ANY = -1;

export interface TypedCommandDefinition {
  /** lower-case; internal helper commands start with '__' */
  readonly name: string;
  /** ITEM_TYPE_* this command operates on; mismatching existing item => WRONGTYPE reply (the generic executor does that) */
  readonly itemType: number;
  readonly write: boolean;
  /**
   * `current` is the key's value bytes (null when the key is missing or expired): a VIEW
   * into the store that is valid only during this call, so copy whatever you keep.
   * `args` exclude the command name and the key. Must not throw on any client input.
   */
  run(current: Uint8Array | null, args: readonly Uint8Array[], context: TypedCommandContext): TypedCommandResult;
}

const registry = new Map<string, TypedCommandDefinition>();

/** A maker of one type's command definitions: `definitionsOf(ITEM_TYPE_LIST)('lpush', true, run)`. */
export function definitionsOf(
  itemType: number,
): (name: string, write: boolean, run: TypedCommandDefinition['run']) => TypedCommandDefinition {
  return (name, write, run) => ({ name, itemType, write, run });
}

/** Called once per type module at load time (see `index.ts`); a duplicate name is a programming error. */
export function registerTypedCommands(definitions: readonly TypedCommandDefinition[]): void {
  for (const definition of definitions) {
    if (registry.has(definition.name)) throw new Error(`typed command ${definition.name} registered twice`);
    registry.set(definition.name, definition);
  }
}

export function typedCommand(name: string): TypedCommandDefinition | undefined {
  return registry.get(name);
}

// Reply constructors. Type modules build replies only through these, so the tree stays
// small and uniform.

export const nullReply: TypedReply = { kind: 'null' };
export const nullArrayReply: TypedReply = { kind: 'nullArray' };
export const ok: TypedReply = { kind: 'simple', value: 'OK' };

export function integer(value: number | bigint): TypedReply {
  return { kind: 'integer', value };
}

export function bulk(value: Uint8Array): TypedReply {
  return { kind: 'bulk', value };
}

/** A bulk reply of a string's UTF-8 bytes (numbers rendered as Redis renders them). */
export function bulkText(text: string): TypedReply {
  return { kind: 'bulk', value: new TextEncoder().encode(text) };
}

export function simpleReply(value: string): TypedReply {
  return { kind: 'simple', value };
}

export function errorReply(message: string): TypedReply {
  return { kind: 'error', message };
}

export function doubleReply(value: number): TypedReply {
  return { kind: 'double', value };
}

export function array(items: TypedReply[]): TypedReply {
  return { kind: 'array', items };
}

export function mapReply(entries: [TypedReply, TypedReply][]): TypedReply {
  return { kind: 'map', entries };
}

export function setReply(items: TypedReply[]): TypedReply {
  return { kind: 'set', items };
}

/** Common Redis error texts shared by several type modules. */
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_SYNTAX = 'ERR syntax error';
/** The executor's answer when `next` would not fit in one item (`-I`). */
export const ERR_TOO_LARGE = 'ERR value too large for the item size limit';

export function wrongArity(commandName: string): TypedReply {
  return errorReply(`ERR wrong number of arguments for '${commandName}' command`);
}
