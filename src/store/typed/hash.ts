/**
 * Redis hashes as typed items (ITEM_TYPE_HASH). The value is a length-prefixed list
 * (`bytes.ts`) of field, value, field, value ... in insertion order, which is the order
 * HGETALL / HKEYS report, as Redis does for a listpack-encoded hash. Every command decodes the
 * whole value and writes a new one: O(size of the hash), which the item size limit bounds.
 *
 * HSCAN returns the whole hash at cursor 0 (what Redis does for small hashes); its MATCH filter
 * is applied by the session, which owns the glob matcher. HRANDFIELD WITHVALUES replies flat
 * (field, value, ...); the session pairs it up for RESP3.
 *
 * May import only `typed-command.ts`, `bytes.ts`, the store's pure number modules and
 * `item-layout.ts` constants.
 */
import { ITEM_TYPE_HASH } from '../item-layout';
import { addLongDouble, formatLongDouble, parseLongDouble } from '../long-double';
import { byteListCount, bytesKey, decodeByteList, encodeByteList, findInByteList, latin1Text, parseInt64, randomIndex, textBytes } from './bytes';
import {
  array,
  bulk,
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  errorReply,
  integer,
  mapReply,
  nullReply,
  ok,
  wrongArity,
  type TypedCommandDefinition,
  type TypedCommandResult,
  type TypedReply,
} from './typed-command';

type Fields = Map<string, { field: Uint8Array; value: Uint8Array }>;

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export function decodeHash(bytes: Uint8Array | null): Fields {
  const fields: Fields = new Map();
  if (bytes === null) return fields;
  const items = decodeByteList(bytes);
  for (let i = 0; i + 1 < items.length; i += 2) fields.set(bytesKey(items[i]!), { field: items[i]!, value: items[i + 1]! });
  return fields;
}

export function encodeHash(fields: Fields): Uint8Array | null {
  if (fields.size === 0) return null;
  const items: Uint8Array[] = [];
  for (const { field, value } of fields.values()) items.push(field, value);
  return encodeByteList(items);
}

function hashCommand(name: string, write: boolean, run: TypedCommandDefinition['run']): TypedCommandDefinition {
  return { name, itemType: ITEM_TYPE_HASH, write, run };
}

const reply = (r: TypedReply, next?: Uint8Array | null): TypedCommandResult => (next === undefined ? { reply: r } : { reply: r, next });

function setFields(name: string, answer: (added: number) => TypedReply): TypedCommandDefinition {
  return hashCommand(name, true, (current, args) => {
    if (args.length === 0 || args.length % 2 !== 0) return reply(wrongArity(name));
    const fields = decodeHash(current);
    let added = 0;
    for (let i = 0; i < args.length; i += 2) {
      const key = bytesKey(args[i]!);
      if (!fields.has(key)) added++;
      fields.set(key, { field: args[i]!.slice(), value: args[i + 1]!.slice() });
    }
    return reply(answer(added), encodeHash(fields));
  });
}

const hsetnx = hashCommand('hsetnx', true, (current, args) => {
  const fields = decodeHash(current);
  const key = bytesKey(args[0]!);
  if (fields.has(key)) return reply(integer(0));
  fields.set(key, { field: args[0]!.slice(), value: args[1]!.slice() });
  return reply(integer(1), encodeHash(fields));
});

/** A field's value (copied) without decoding the whole hash: the common read. */
function fieldValue(current: Uint8Array | null, field: Uint8Array): Uint8Array | null {
  return current === null ? null : findInByteList(current, field, 2);
}

const hget = hashCommand('hget', false, (current, args) => {
  const value = fieldValue(current, args[0]!);
  return reply(value === null ? nullReply : bulk(value));
});

const hmget = hashCommand('hmget', false, (current, args) => {
  const fields = decodeHash(current);
  return reply(array(args.map((f) => {
    const entry = fields.get(bytesKey(f));
    return entry === undefined ? nullReply : bulk(entry.value);
  })));
});

const hgetall = hashCommand('hgetall', false, (current) => {
  const entries: [TypedReply, TypedReply][] = [];
  for (const { field, value } of decodeHash(current).values()) entries.push([bulk(field), bulk(value)]);
  return reply(mapReply(entries));
});

const hkeys = hashCommand('hkeys', false, (current) => reply(array([...decodeHash(current).values()].map((e) => bulk(e.field)))));
const hvals = hashCommand('hvals', false, (current) => reply(array([...decodeHash(current).values()].map((e) => bulk(e.value)))));
const hlen = hashCommand('hlen', false, (current) => reply(integer(current === null ? 0 : byteListCount(current) / 2)));

const hexists = hashCommand('hexists', false, (current, args) => reply(integer(fieldValue(current, args[0]!) === null ? 0 : 1)));

const hstrlen = hashCommand('hstrlen', false, (current, args) => reply(integer(fieldValue(current, args[0]!)?.length ?? 0)));

const hdel = hashCommand('hdel', true, (current, args) => {
  if (current === null) return reply(integer(0));
  const fields = decodeHash(current);
  let removed = 0;
  for (const f of args) if (fields.delete(bytesKey(f))) removed++;
  return removed === 0 ? reply(integer(0)) : reply(integer(removed), encodeHash(fields));
});

const hincrby = hashCommand('hincrby', true, (current, args) => {
  const delta = parseInt64(args[1]!);
  if (delta === null) return reply(errorReply(ERR_NOT_INTEGER));
  const fields = decodeHash(current);
  const key = bytesKey(args[0]!);
  const entry = fields.get(key);
  let value = 0n;
  if (entry !== undefined) {
    const parsed = parseInt64(entry.value);
    if (parsed === null) return reply(errorReply('ERR hash value is not an integer'));
    value = parsed;
  }
  const sum = value + delta;
  if (sum > I64_MAX || sum < I64_MIN) return reply(errorReply('ERR increment or decrement would overflow'));
  fields.set(key, { field: entry?.field ?? args[0]!.slice(), value: textBytes(sum.toString()) });
  return reply(integer(sum), encodeHash(fields));
});

/** Redis's HINCRBYFLOAT: long double arithmetic printed as Redis prints it (like INCRBYFLOAT). */
const hincrbyfloat = hashCommand('hincrbyfloat', true, (current, args) => {
  const delta = parseLongDouble(latin1Text(args[1]!));
  if (delta === null) return reply(errorReply(ERR_NOT_FLOAT));
  if (delta.infinite) return reply(errorReply('ERR value is NaN or Infinity'));
  const fields = decodeHash(current);
  const key = bytesKey(args[0]!);
  const entry = fields.get(key);
  let value = parseLongDouble('0')!;
  if (entry !== undefined) {
    const parsed = parseLongDouble(latin1Text(entry.value));
    if (parsed === null) return reply(errorReply('ERR hash value is not a float'));
    value = parsed;
  }
  const sum = addLongDouble(value, delta);
  if (sum === null || sum.infinite) return reply(errorReply('ERR increment would produce NaN or Infinity'));
  const text = textBytes(formatLongDouble(sum));
  fields.set(key, { field: entry?.field ?? args[0]!.slice(), value: text });
  return reply(bulk(text), encodeHash(fields));
});

/** HSCAN key cursor [MATCH p] [COUNT n]: everything at once, next cursor 0 (MATCH is the session's). */
const hscan = hashCommand('hscan', false, (current, args) => {
  const error = checkScanArgs(args);
  if (error !== null) return reply(errorReply(error));
  const items: TypedReply[] = [];
  for (const { field, value } of decodeHash(current).values()) items.push(bulk(field), bulk(value));
  return reply(array([bulk(textBytes('0')), array(items)]));
});

/** Redis's checks of SCAN-family arguments (cursor, MATCH, COUNT), or null when they are fine. */
export function checkScanArgs(args: readonly Uint8Array[]): string | null {
  const cursor = latin1Text(args[0]!);
  if (!/^\d+$/.test(cursor) || BigInt(cursor) > 0xffffffffffffffffn) return 'ERR invalid cursor';
  for (let i = 1; i < args.length; i += 2) {
    const option = latin1Text(args[i]!).toLowerCase();
    if (i + 1 >= args.length) return ERR_SYNTAX;
    if (option === 'count') {
      const count = parseInt64(args[i + 1]!);
      if (count === null) return ERR_NOT_INTEGER;
      if (count < 1n) return ERR_SYNTAX;
    } else if (option !== 'match') return ERR_SYNTAX;
  }
  return null;
}

/** HRANDFIELD key [count [WITHVALUES]] with Redis's count rules (negative = repeats allowed). */
const hrandfield = hashCommand('hrandfield', false, (current, args, context) => {
  const fields = [...decodeHash(current).values()];
  if (args.length === 0) {
    return reply(fields.length === 0 ? nullReply : bulk(fields[randomIndex(() => context.random(), fields.length)]!.field));
  }
  if (args.length > 2) return reply(errorReply(ERR_SYNTAX));
  const count = parseInt64(args[0]!);
  if (count === null) return reply(errorReply(ERR_NOT_INTEGER));
  const withValues = args.length === 2;
  if (withValues && latin1Text(args[1]!).toLowerCase() !== 'withvalues') return reply(errorReply(ERR_SYNTAX));
  if (count === I64_MIN || (withValues && count < -(I64_MAX / 2n))) {
    return reply(errorReply('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
  }
  const refused = tooManyPicks(count);
  if (refused !== null) return reply(errorReply(refused));
  const picked = pickRandom(fields, count, () => context.random());
  const items: TypedReply[] = [];
  for (const entry of picked) {
    items.push(bulk(entry.field));
    if (withValues) items.push(bulk(entry.value));
  }
  return reply(array(items));
});

/**
 * Most repeated picks one HRANDFIELD / SRANDMEMBER may ask for (ours, not Redis's): above it
 * the command is refused with ERR_TOO_MANY_PICKS rather than blocking the shard.
 */
export const MAX_RANDOM_PICKS = 1 << 24;
export const ERR_TOO_MANY_PICKS = `ERR value is out of range, a negative count may ask for at most ${MAX_RANDOM_PICKS} elements`;

/** The refusal for a negative count beyond MAX_RANDOM_PICKS, or null. */
export function tooManyPicks(count: bigint): string | null {
  return count < -BigInt(MAX_RANDOM_PICKS) ? ERR_TOO_MANY_PICKS : null;
}

/**
 * Redis's SRANDMEMBER / HRANDFIELD / ZRANDMEMBER count rules: count >= 0 gives distinct items
 * (all of them when count >= size), count < 0 gives |count| picks that may repeat.
 */
export function pickRandom<T>(items: readonly T[], count: bigint, random: () => number): T[] {
  if (items.length === 0 || count === 0n) return [];
  if (count < 0n) {
    // Redis would try to send all of them; a shard thread must not loop for hours (see MAX_RANDOM_PICKS).
    if (-count > BigInt(MAX_RANDOM_PICKS)) return [];
    const picks: T[] = [];
    const n = Number(-count);
    for (let i = 0; i < n; i++) picks.push(items[randomIndex(random, items.length)]!);
    return picks;
  }
  if (count >= BigInt(items.length)) return [...items];
  // Partial Fisher-Yates: the first `count` slots end up a uniform sample.
  const pool = [...items];
  const n = Number(count);
  for (let i = 0; i < n; i++) {
    const j = i + randomIndex(random, pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

export const HASH_COMMANDS: readonly TypedCommandDefinition[] = [
  setFields('hset', (added) => integer(added)),
  setFields('hmset', () => ok),
  hsetnx,
  hget,
  hmget,
  hgetall,
  hkeys,
  hvals,
  hlen,
  hexists,
  hstrlen,
  hdel,
  hincrby,
  hincrbyfloat,
  hscan,
  hrandfield,
];
