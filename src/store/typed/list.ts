/**
 * Redis lists: the value codec and the list commands as pure functions over it.
 *
 * Encoding (all of it inside one item's value bytes):
 * ```
 * u32 count (little endian)
 * entry*  = varint(length) | element bytes | backward-varint(length)
 * ```
 * Every entry carries its length at both ends (as Redis's listpack does), so the
 * list can be walked from either end: LPOP/RPOP/LINDEX -1 read only the entries
 * they touch, and a push or pop builds the new value with one copy of the
 * untouched bytes instead of decoding every element. Elements below 128 bytes cost
 * two bytes of overhead.
 *
 * The backward varint is the forward one written in reverse byte order: the byte
 * just before an entry's end holds the low 7 bits, and its top bit says whether
 * another byte precedes it.
 *
 * Internal helpers for the cross-key commands (LMOVE, BLMOVE, RPOPLPUSH) start
 * with `__`: `__lmove` (pop from one end of this key and push the element onto
 * the other end of the same key: LMOVE with source = destination) and
 * `__listcheck` (answers 1 if the key is a list or missing: the executor's type
 * check does the work, so a destination of the wrong type is refused before
 * anything is popped).
 *
 * May import only `typed-command.ts`, `item-layout.ts` constants and other
 * files of `store/typed`: nothing of sockets, RESP bytes or the router.
 */
import { ITEM_TYPE_LIST } from '../item-layout';
import {
  array,
  bulk,
  definitionsOf,
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  errorReply,
  integer,
  nullArrayReply,
  nullReply,
  ok,
  type TypedCommandDefinition,
  type TypedCommandResult,
  type TypedReply,
} from './typed-command';
import { varintSize } from './bytes';

const HEADER_BYTES = 4;
const ERR_NO_SUCH_KEY = 'ERR no such key';
const ERR_INDEX_OUT_OF_RANGE = 'ERR index out of range';
const ERR_MUST_BE_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_COUNT_NEGATIVE = "ERR COUNT can't be negative";
const ERR_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";

// ---- integer arguments (Redis's string2ll rules) ----

const INT64_MIN = -9223372036854775808n;
const INT64_MAX = 9223372036854775807n;

/**
 * A signed 64-bit decimal as Redis accepts it (no sign '+', no leading zeros, no
 * spaces, "-0" refused), or null. Returned as bigint: callers clamp as they need.
 */
export function parseInt64(arg: Uint8Array): bigint | null {
  const length = arg.length;
  if (length === 0 || length > 20) return null;
  let at = 0;
  if (arg[0] === 0x2d) {
    if (length === 1) return null;
    at = 1;
  }
  if (arg[at] === 0x30) return length === 1 ? 0n : null;
  let value = 0n;
  for (; at < length; at++) {
    const digit = arg[at]! - 0x30;
    if (digit < 0 || digit > 9) return null;
    value = value * 10n + BigInt(digit);
  }
  if (arg[0] === 0x2d) value = -value;
  return value < INT64_MIN || value > INT64_MAX ? null : value;
}

/** An int64 argument as a number (indexes: clamping beyond ±2^53 changes nothing), or null. */
export function parseIndex(arg: Uint8Array): number | null {
  const value = parseInt64(arg);
  if (value === null) return null;
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}

/** ASCII-case-insensitive comparison of an argument with a lower-case keyword. */
export function isKeyword(arg: Uint8Array, lowerCaseWord: string): boolean {
  if (arg.length !== lowerCaseWord.length) return false;
  for (let i = 0; i < arg.length; i++) {
    let c = arg[i]!;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lowerCaseWord.charCodeAt(i)) return false;
  }
  return true;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- codec ----

/** Bytes one element takes in the encoding. */
export function entrySize(elementLength: number): number {
  return 2 * varintSize(elementLength) + elementLength;
}

function writeEntry(out: Uint8Array, at: number, element: Uint8Array): number {
  const length = element.length;
  let value = length;
  while (value >= 0x80) {
    out[at++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[at++] = value;
  out.set(element, at);
  at += length;
  // The same groups, most significant first: read backwards they come out low first.
  const size = varintSize(length);
  for (let group = size - 1; group >= 0; group--) {
    const bits = Math.floor(length / 0x80 ** group) % 0x80;
    out[at++] = group === size - 1 ? bits : bits | 0x80;
  }
  return at;
}

/** Element `start` and end of an entry beginning at `at`. */
function readForward(bytes: Uint8Array, at: number): { start: number; end: number; next: number } {
  let length = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at++]!;
    length += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 0x80;
  }
  return { start: at, end: at + length, next: at + length + varintSize(length) };
}

/** Element bounds and start of the entry ending at `end`. */
function readBackward(bytes: Uint8Array, end: number): { start: number; end: number; entryStart: number } {
  let length = 0;
  let scale = 1;
  let at = end;
  for (;;) {
    const b = bytes[--at]!;
    length += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 0x80;
  }
  const size = varintSize(length);
  const elementEnd = end - size;
  const elementStart = elementEnd - length;
  return { start: elementStart, end: elementEnd, entryStart: elementStart - size };
}

function countOf(bytes: Uint8Array): number {
  return (bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16)) + bytes[3]! * 0x1000000;
}

function writeCount(out: Uint8Array, count: number): void {
  out[0] = count & 0xff;
  out[1] = (count >>> 8) & 0xff;
  out[2] = (count >>> 16) & 0xff;
  out[3] = (count >>> 24) & 0xff;
}

/** Encodes elements, in order, as a list value. */
export function encodeList(elements: readonly Uint8Array[]): Uint8Array {
  let size = HEADER_BYTES;
  for (const e of elements) size += entrySize(e.length);
  const out = new Uint8Array(size);
  writeCount(out, elements.length);
  let at = HEADER_BYTES;
  for (const e of elements) at = writeEntry(out, at, e);
  return out;
}

/** Every element, as views into `bytes`. */
export function decodeList(bytes: Uint8Array): Uint8Array[] {
  const count = countOf(bytes);
  const elements: Uint8Array[] = [];
  let at = HEADER_BYTES;
  // The length check only guards against bytes this module did not write.
  for (let i = 0; i < count && at < bytes.length; i++) {
    const entry = readForward(bytes, at);
    if (entry.next > bytes.length) break;
    elements.push(bytes.subarray(entry.start, entry.end));
    at = entry.next;
  }
  return elements;
}

export function listLength(bytes: Uint8Array | null): number {
  return bytes === null ? 0 : countOf(bytes);
}

/** `current` with `elements` pushed one by one at the head (LPUSH order: the last ends up first) or the tail. */
export function pushElements(current: Uint8Array | null, elements: readonly Uint8Array[], head: boolean): Uint8Array {
  const oldBody = current === null ? new Uint8Array(0) : current.subarray(HEADER_BYTES);
  const oldCount = listLength(current);
  let added = 0;
  for (const e of elements) added += entrySize(e.length);
  const out = new Uint8Array(HEADER_BYTES + oldBody.length + added);
  writeCount(out, oldCount + elements.length);
  let at = HEADER_BYTES;
  if (head) {
    for (let i = elements.length - 1; i >= 0; i--) at = writeEntry(out, at, elements[i]!);
    out.set(oldBody, at);
  } else {
    out.set(oldBody, at);
    at += oldBody.length;
    for (const e of elements) at = writeEntry(out, at, e);
  }
  return out;
}

/**
 * Removes up to `count` elements from one end. Returns copies of the removed
 * elements (in pop order) and the rest of the list (null when it is empty).
 */
export function popElements(current: Uint8Array, count: number, head: boolean): { popped: Uint8Array[]; rest: Uint8Array | null } {
  const total = countOf(current);
  const take = Math.min(count, total);
  const popped: Uint8Array[] = [];
  if (take === total) {
    const all = decodeList(current);
    if (!head) all.reverse();
    for (const e of all) popped.push(e.slice());
    return { popped, rest: null };
  }
  let cutStart: number;
  let cutEnd: number;
  if (head) {
    let at = HEADER_BYTES;
    for (let i = 0; i < take; i++) {
      const entry = readForward(current, at);
      popped.push(current.slice(entry.start, entry.end));
      at = entry.next;
    }
    cutStart = HEADER_BYTES;
    cutEnd = at;
  } else {
    let end = current.length;
    for (let i = 0; i < take; i++) {
      const entry = readBackward(current, end);
      popped.push(current.slice(entry.start, entry.end));
      end = entry.entryStart;
    }
    cutStart = end;
    cutEnd = current.length;
  }
  const rest = new Uint8Array(current.length - (cutEnd - cutStart));
  writeCount(rest, total - take);
  rest.set(current.subarray(HEADER_BYTES, cutStart), HEADER_BYTES);
  rest.set(current.subarray(cutEnd), HEADER_BYTES + (cutStart - HEADER_BYTES));
  return { popped, rest };
}

/** The element at a non-negative index (a view), walking from the nearer end; null when out of range. */
export function elementAt(current: Uint8Array, index: number): Uint8Array | null {
  const total = countOf(current);
  if (index < 0 || index >= total) return null;
  if (index <= total / 2) {
    let at = HEADER_BYTES;
    for (let i = 0; ; i++) {
      const entry = readForward(current, at);
      if (i === index) return current.subarray(entry.start, entry.end);
      at = entry.next;
    }
  }
  let end = current.length;
  for (let i = total - 1; ; i--) {
    const entry = readBackward(current, end);
    if (i === index) return current.subarray(entry.start, entry.end);
    end = entry.entryStart;
  }
}

/** Redis's start/stop normalisation (LRANGE, LTRIM): an inclusive [from, to] range, or null when empty. */
function normaliseRange(start: number, stop: number, length: number): [number, number] | null {
  if (start < 0) start = Math.max(0, length + start);
  if (stop < 0) stop = length + stop;
  if (start > stop || start >= length) return null;
  return [start, Math.min(stop, length - 1)];
}

// ---- commands ----

type Args = readonly Uint8Array[];

const unchanged = (reply: TypedReply): TypedCommandResult => ({ reply });
const error = (message: string): TypedCommandResult => ({ reply: errorReply(message) });

function push(head: boolean, onlyIfExists: boolean) {
  return (current: Uint8Array | null, args: Args): TypedCommandResult => {
    if (current === null && onlyIfExists) return unchanged(integer(0));
    const next = pushElements(current, args, head);
    return { reply: integer(countOf(next)), next };
  };
}

function pop(head: boolean) {
  return (current: Uint8Array | null, args: Args): TypedCommandResult => {
    if (args.length > 1) return error(ERR_SYNTAX);
    const withCount = args.length === 1;
    let count = 1;
    if (withCount) {
      const parsed = parseInt64(args[0]!);
      // Redis gives this one text for a non-number too.
      if (parsed === null || parsed < 0n) return error(ERR_MUST_BE_POSITIVE);
      count = parsed > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(parsed);
    }
    if (current === null) return unchanged(withCount ? nullArrayReply : nullReply);
    if (withCount && count === 0) return unchanged(array([]));
    const { popped, rest } = popElements(current, count, head);
    const reply = withCount ? array(popped.map(bulk)) : bulk(popped[0]!);
    return { reply, next: rest };
  };
}

function lrange(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const start = parseIndex(args[0]!);
  const stop = parseIndex(args[1]!);
  if (start === null || stop === null) return error(ERR_NOT_INTEGER);
  if (current === null) return unchanged(array([]));
  const range = normaliseRange(start, stop, countOf(current));
  if (range === null) return unchanged(array([]));
  const items: TypedReply[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i <= range[1]; i++) {
    const entry = readForward(current, at);
    if (i >= range[0]) items.push(bulk(current.slice(entry.start, entry.end)));
    at = entry.next;
  }
  return unchanged(array(items));
}

function lindex(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 1) return error(ERR_SYNTAX);
  const index = parseIndex(args[0]!);
  if (index === null) return error(ERR_NOT_INTEGER);
  if (current === null) return unchanged(nullReply);
  const at = index < 0 ? countOf(current) + index : index;
  const element = elementAt(current, at);
  return unchanged(element === null ? nullReply : bulk(element.slice()));
}

function lset(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const index = parseIndex(args[0]!);
  if (index === null) return error(ERR_NOT_INTEGER);
  if (current === null) return error(ERR_NO_SUCH_KEY);
  const elements = decodeList(current);
  const at = index < 0 ? elements.length + index : index;
  if (at < 0 || at >= elements.length) return error(ERR_INDEX_OUT_OF_RANGE);
  elements[at] = args[1]!;
  return { reply: ok, next: encodeList(elements) };
}

function lrem(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const count = parseIndex(args[0]!);
  if (count === null) return error(ERR_NOT_INTEGER);
  if (current === null) return unchanged(integer(0));
  const target = args[1]!;
  const elements = decodeList(current);
  const limit = count === 0 ? Infinity : Math.abs(count);
  const removed = new Set<number>();
  if (count >= 0) {
    for (let i = 0; i < elements.length && removed.size < limit; i++) if (bytesEqual(elements[i]!, target)) removed.add(i);
  } else {
    for (let i = elements.length - 1; i >= 0 && removed.size < limit; i--) if (bytesEqual(elements[i]!, target)) removed.add(i);
  }
  if (removed.size === 0) return unchanged(integer(0));
  const kept = elements.filter((_, i) => !removed.has(i));
  return { reply: integer(removed.size), next: kept.length === 0 ? null : encodeList(kept) };
}

function ltrim(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const start = parseIndex(args[0]!);
  const stop = parseIndex(args[1]!);
  if (start === null || stop === null) return error(ERR_NOT_INTEGER);
  if (current === null) return unchanged(ok);
  const elements = decodeList(current);
  const range = normaliseRange(start, stop, elements.length);
  if (range === null) return { reply: ok, next: null };
  if (range[0] === 0 && range[1] === elements.length - 1) return unchanged(ok);
  return { reply: ok, next: encodeList(elements.slice(range[0], range[1] + 1)) };
}

function linsert(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 3) return error(ERR_SYNTAX);
  const where = args[0]!;
  const after = isKeyword(where, 'after');
  if (!after && !isKeyword(where, 'before')) return error(ERR_SYNTAX);
  if (current === null) return unchanged(integer(0));
  const elements = decodeList(current);
  const pivot = args[1]!;
  const at = elements.findIndex((e) => bytesEqual(e, pivot));
  if (at < 0) return unchanged(integer(-1));
  elements.splice(after ? at + 1 : at, 0, args[2]!);
  return { reply: integer(elements.length), next: encodeList(elements) };
}

function lpos(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length < 1) return error(ERR_SYNTAX);
  const target = args[0]!;
  let rank = 1;
  let count: number | null = null;
  let maxLength = 0;
  for (let i = 1; i < args.length; i += 2) {
    const option = args[i]!;
    const value = args[i + 1];
    if (value === undefined) return error(ERR_SYNTAX);
    const isRank = isKeyword(option, 'rank');
    const isCount = isKeyword(option, 'count');
    const isMaxLength = isKeyword(option, 'maxlen');
    if (!isRank && !isCount && !isMaxLength) return error(ERR_SYNTAX);
    const parsed = parseInt64(value);
    if (parsed === null) return error(ERR_NOT_INTEGER);
    if (isRank) {
      if (parsed === 0n) return error(ERR_RANK_ZERO);
      // Redis 7.0 negates the rank in place: -2^63 stays negative and then behaves as -1.
      rank = parsed === INT64_MIN ? -1 : clampToSafe(parsed);
    } else if (isCount) {
      if (parsed < 0n) return error(ERR_COUNT_NEGATIVE);
      count = clampToSafe(parsed);
    } else {
      if (parsed < 0n) return error(ERR_MAXLEN_NEGATIVE);
      maxLength = clampToSafe(parsed);
    }
  }
  if (current === null) return unchanged(count === null ? nullReply : array([]));
  const elements = decodeList(current);
  const wanted = count === null ? 1 : count === 0 ? Infinity : count;
  const step = rank > 0 ? 1 : -1;
  let skip = Math.abs(rank) - 1;
  const found: number[] = [];
  let examined = 0;
  for (let i = step > 0 ? 0 : elements.length - 1; i >= 0 && i < elements.length; i += step) {
    if (maxLength !== 0 && examined++ >= maxLength) break;
    if (!bytesEqual(elements[i]!, target)) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    found.push(i);
    if (found.length >= wanted) break;
  }
  if (count === null) return unchanged(found.length === 0 ? nullReply : integer(found[0]!));
  return unchanged(array(found.map((i) => integer(i))));
}

function clampToSafe(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (value < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(value);
}

/**
 * `__lmove <from left|right> <to left|right>`: LMOVE with source = destination (one
 * key, so one shard op). Reply: the moved element, or null when the list is missing.
 */
function sameKeyMove(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const fromHead = endIsHead(args[0]!);
  const toHead = endIsHead(args[1]!);
  if (fromHead === null || toHead === null) return error(ERR_SYNTAX);
  if (current === null) return unchanged(nullReply);
  const { popped, rest } = popElements(current, 1, fromHead);
  const element = popped[0]!;
  return { reply: bulk(element), next: pushElements(rest, [element], toHead) };
}

/** LEFT → true, RIGHT → false, else null. */
export function endIsHead(arg: Uint8Array): boolean | null {
  if (isKeyword(arg, 'left')) return true;
  if (isKeyword(arg, 'right')) return false;
  return null;
}

const definition = definitionsOf(ITEM_TYPE_LIST);

export const LIST_COMMANDS: readonly TypedCommandDefinition[] = [
  definition('lpush', true, push(true, false)),
  definition('rpush', true, push(false, false)),
  definition('lpushx', true, push(true, true)),
  definition('rpushx', true, push(false, true)),
  definition('lpop', true, pop(true)),
  definition('rpop', true, pop(false)),
  definition('llen', false, (current) => unchanged(integer(listLength(current)))),
  definition('lrange', false, lrange),
  definition('lindex', false, lindex),
  definition('lset', true, lset),
  definition('lrem', true, lrem),
  definition('ltrim', true, ltrim),
  definition('linsert', true, linsert),
  definition('lpos', false, lpos),
  definition('__lmove', true, sameKeyMove),
  definition('__listcheck', false, () => unchanged(integer(1))),
];
