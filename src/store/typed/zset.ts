/**
 * Redis sorted sets: the value codec and the sorted-set commands as pure functions.
 *
 * Encoding (one item's value bytes), entries in Redis's order (score, then member
 * bytes):
 * ```
 * u32 count (little endian)
 * entry* = f64 score (little endian) | varint(member length) | member bytes
 * ```
 * A command decodes the entries as views (no copies), works on the arrays and
 * encodes the result once. Collections are bounded by the item size (`-I`), so a
 * linear member lookup costs no more than the copy every write makes anyway.
 *
 * Replies with (member, score) pairs are built in RESP3's shape (an array of
 * two-element arrays, as Redis 7 sends ZRANGE ... WITHSCORES over RESP3); the RESP
 * layer flattens them for RESP2, where Redis sends one flat array.
 *
 * Internal helpers for the cross-key commands (all take encoded values as
 * arguments, so the main thread only moves opaque bytes between shards):
 * - `__zraw`: the key's encoded value (bulk) or null; the executor's type check
 *   refuses other types.
 * - `__zrangeraw <ZRANGESTORE options>`: ZRANGESTORE's selection from this key,
 *   as an encoded value (bulk; an empty set is encoded with count 0).
 * - `__zcheck <command> <numkeys> <key>... [options]`: OK or the error Redis gives
 *   those arguments of ZUNION / ZINTERSTORE / ... (sent with the reads; the
 *   session puts a source's WRONGTYPE before an option error, since Redis reads
 *   the keys before it parses the options); any key type.
 * - `__zcombine [set <i> <n> <member>...]... <command> <numkeys> <key>...
 *   [options] <value>...`: ZUNION / ZINTER / ZDIFF / ZINTERCARD over the given
 *   values (one per key, an empty argument for a missing key); ignores the key
 *   it runs on. A plain set among the sources (Redis reads its members with
 *   score 1) comes first as `set <i> <n>` and its n members (as SMEMBERS gave
 *   them), its value being empty: the session reads each source with both
 *   `__zraw` and `smembers`, and only the one matching its type answers.
 * - `__zstore <same arguments as __zcombine>` or `__zstore value <encoded>`:
 *   replaces this key, whatever its type, with the result (deleting it when
 *   empty; no TTL, as Redis's *STORE commands) and replies with its size.
 *
 * May import only `typed-command.ts`, `item-layout.ts` constants and other files
 * of `store/typed`: nothing of sockets, RESP bytes or the router.
 */
import { ITEM_TYPE_ZSET } from '../item-layout';
import { bytesEqual, isKeyword, parseIndex, parseInt64 } from './list';
import {
  array,
  bulk,
  definitionsOf,
  doubleReply,
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  errorReply,
  integer,
  ITEM_TYPE_ANY,
  nullArrayReply,
  nullReply,
  type TypedCommandDefinition,
  type TypedCommandResult,
  type TypedReply,
  wrongArity,
} from './typed-command';
import { varintSize } from './bytes';

const HEADER_BYTES = 4;

export const ZsetErrors = {
  MIN_MAX_NOT_FLOAT: 'ERR min or max is not a float',
  MIN_MAX_NOT_LEX: 'ERR min or max not valid string range item',
  XX_AND_NX: 'ERR XX and NX options at the same time are not compatible',
  GT_LT_NX: 'ERR GT, LT, and/or NX options at the same time are not compatible',
  INCR_SINGLE_PAIR: 'ERR INCR option supports a single increment-element pair',
  NAN_SCORE: 'ERR resulting score is not a number (NaN)',
  MUST_BE_POSITIVE: 'ERR value is out of range, must be positive',
  LIMIT_ONLY_BY: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
  WITHSCORES_BYLEX: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX',
  WEIGHT_NOT_FLOAT: 'ERR weight value is not a float',
  LIMIT_NEGATIVE: "ERR LIMIT can't be negative",
  INVALID_CURSOR: 'ERR invalid cursor',
} as const;

// ---- codec ----

/** A decoded sorted set: parallel arrays in order; members are views into the value (or argument) bytes. */
export interface Zset {
  members: Uint8Array[];
  scores: number[];
}

/** The entries of a value as views. Bytes that end early (never written by this module) give the entries read so far. */
export function decodeZset(bytes: Uint8Array | null): Zset {
  const members: Uint8Array[] = [];
  const scores: number[] = [];
  if (bytes === null || bytes.length < HEADER_BYTES) return { members, scores };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  let at = HEADER_BYTES;
  for (let i = 0; i < count && at + 9 <= bytes.length; i++) {
    const score = view.getFloat64(at, true);
    at += 8;
    let length = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++]!;
      length += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 0x80;
    }
    if (at + length > bytes.length) break;
    members.push(bytes.subarray(at, at + length));
    scores.push(score);
    at += length;
  }
  return { members, scores };
}

/** Encodes entries already in order. */
export function encodeZset(zset: Zset, from = 0, to = zset.members.length): Uint8Array {
  let size = HEADER_BYTES;
  for (let i = from; i < to; i++) size += 8 + varintSize(zset.members[i]!.length) + zset.members[i]!.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, to - from, true);
  let at = HEADER_BYTES;
  for (let i = from; i < to; i++) {
    view.setFloat64(at, zset.scores[i]!, true);
    at += 8;
    const member = zset.members[i]!;
    let value = member.length;
    while (value >= 0x80) {
      out[at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    out[at++] = value;
    out.set(member, at);
    at += member.length;
  }
  return out;
}

/** The value to store: null (delete the key) when empty. */
function stored(zset: Zset): Uint8Array | null {
  return zset.members.length === 0 ? null : encodeZset(zset);
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Redis's order: by score, then by member bytes. */
function compareEntries(scoreA: number, memberA: Uint8Array, scoreB: number, memberB: Uint8Array): number {
  if (scoreA !== scoreB) return scoreA < scoreB ? -1 : 1;
  return compareBytes(memberA, memberB);
}

function indexOfMember(zset: Zset, member: Uint8Array): number {
  const members = zset.members;
  for (let i = 0; i < members.length; i++) if (bytesEqual(members[i]!, member)) return i;
  return -1;
}

/** Where (score, member) belongs (binary search: entries are in order). */
function insertionPoint(zset: Zset, score: number, member: Uint8Array): number {
  let low = 0;
  let high = zset.members.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareEntries(zset.scores[mid]!, zset.members[mid]!, score, member) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function removeAt(zset: Zset, index: number): void {
  zset.members.splice(index, 1);
  zset.scores.splice(index, 1);
}

function insert(zset: Zset, score: number, member: Uint8Array): void {
  // Redis 7.0 keeps small sets as text, where -0 comes back as 0.
  if (score === 0) score = 0;
  const at = insertionPoint(zset, score, member);
  zset.members.splice(at, 0, member);
  zset.scores.splice(at, 0, score);
}

/** Builds a set from unordered entries (last score of a repeated member wins). */
function fromEntries(entries: Map<string, { member: Uint8Array; score: number }>): Zset {
  const list = [...entries.values()].sort((a, b) => compareEntries(a.score, a.member, b.score, b.member));
  return { members: list.map((e) => e.member), scores: list.map((e) => e.score) };
}

function memberId(member: Uint8Array): string {
  let id = '';
  for (let i = 0; i < member.length; i++) id += String.fromCharCode(member[i]!);
  return id;
}

// ---- numbers ----

const DECIMAL_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/;
const INFINITY_WORD = /^([+-]?)(inf|infinity)$/i;

/**
 * A double as Redis reads one (strtod over the whole argument): decimal, hex
 * (`0x10`), `inf` / `infinity` in any case with a sign; not NaN, no spaces, and not
 * a finite number that overflows or underflows to zero. Null when refused.
 */
export function parseDouble(arg: Uint8Array): number | null {
  if (arg.length === 0 || arg.length > 400) return null;
  const text = memberId(arg);
  const infinity = INFINITY_WORD.exec(text);
  if (infinity !== null) return infinity[1] === '-' ? -Infinity : Infinity;
  let value: number;
  if (DECIMAL_FLOAT.test(text)) {
    value = Number(text);
    if (!Number.isFinite(value)) return null;
    if (value === 0 && /[1-9]/.test(text.replace(/[eE].*$/, ''))) return null;
    return value;
  }
  const hex = HEX_FLOAT.exec(text);
  if (hex === null || hex[2]! + hex[3]! === '') return null;
  value = parseInt(hex[2]! || '0', 16);
  for (let i = 0; i < hex[3]!.length; i++) value += parseInt(hex[3]![i]!, 16) / 16 ** (i + 1);
  if (hex[4] !== undefined) value *= 2 ** Number(hex[4]);
  if (!Number.isFinite(value)) return null;
  return hex[1] === '-' ? -value : value;
}

/** A score bound: `(x` exclusive, `x` inclusive, `-inf`/`+inf`. */
interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

function parseScoreBound(arg: Uint8Array): { value: number; exclusive: boolean } | null {
  const exclusive = arg[0] === 0x28;
  const value = parseDouble(exclusive ? arg.subarray(1) : arg);
  return value === null ? null : { value, exclusive };
}

export function parseScoreRange(minArg: Uint8Array, maxArg: Uint8Array): ScoreRange | null {
  const min = parseScoreBound(minArg);
  const max = parseScoreBound(maxArg);
  if (min === null || max === null) return null;
  return { min: min.value, max: max.value, minExclusive: min.exclusive, maxExclusive: max.exclusive };
}

function aboveMin(score: number, range: ScoreRange): boolean {
  return range.minExclusive ? score > range.min : score >= range.min;
}

function belowMax(score: number, range: ScoreRange): boolean {
  return range.maxExclusive ? score < range.max : score <= range.max;
}

/** A lex bound: `-` / `+` (every member is above / below), `[x` inclusive, `(x` exclusive. */
type LexBound = { kind: 'minusInfinity' } | { kind: 'plusInfinity' } | { kind: 'value'; value: Uint8Array; exclusive: boolean };

interface LexRange {
  min: LexBound;
  max: LexBound;
}

function parseLexBound(arg: Uint8Array): LexBound | null {
  if (arg.length === 1 && arg[0] === 0x2d) return { kind: 'minusInfinity' };
  if (arg.length === 1 && arg[0] === 0x2b) return { kind: 'plusInfinity' };
  if (arg[0] === 0x28) return { kind: 'value', value: arg.subarray(1), exclusive: true };
  if (arg[0] === 0x5b) return { kind: 'value', value: arg.subarray(1), exclusive: false };
  return null;
}

export function parseLexRange(minArg: Uint8Array, maxArg: Uint8Array): LexRange | null {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  return min === null || max === null ? null : { min, max };
}

function lexAboveMin(member: Uint8Array, bound: LexBound): boolean {
  if (bound.kind === 'minusInfinity') return true;
  if (bound.kind === 'plusInfinity') return false;
  const c = compareBytes(member, bound.value);
  return bound.exclusive ? c > 0 : c >= 0;
}

function lexBelowMax(member: Uint8Array, bound: LexBound): boolean {
  if (bound.kind === 'plusInfinity') return true;
  if (bound.kind === 'minusInfinity') return false;
  const c = compareBytes(member, bound.value);
  return bound.exclusive ? c < 0 : c <= 0;
}

// ---- replies ----

type Args = readonly Uint8Array[];

const unchanged = (reply: TypedReply): TypedCommandResult => ({ reply });
const error = (message: string): TypedCommandResult => ({ reply: errorReply(message) });

/** Members (copied out of the value) with their scores as pairs, or members alone. */
function membersReply(zset: Zset, indexes: readonly number[], withScores: boolean): TypedReply {
  const items: TypedReply[] = [];
  for (const i of indexes) {
    const member = bulk(zset.members[i]!.slice());
    items.push(withScores ? array([member, doubleReply(zset.scores[i]!)]) : member);
  }
  return array(items);
}

// ---- ZADD / ZINCRBY / ZREM ----

function zadd(current: Uint8Array | null, args: Args): TypedCommandResult {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = false;
  let at = 0;
  for (; at < args.length; at++) {
    const a = args[at]!;
    if (isKeyword(a, 'nx')) nx = true;
    else if (isKeyword(a, 'xx')) xx = true;
    else if (isKeyword(a, 'gt')) gt = true;
    else if (isKeyword(a, 'lt')) lt = true;
    else if (isKeyword(a, 'ch')) ch = true;
    else if (isKeyword(a, 'incr')) incr = true;
    else break;
  }
  const pairCount = (args.length - at) / 2;
  if (pairCount === 0 || !Number.isInteger(pairCount)) return error(ERR_SYNTAX);
  if (nx && xx) return error(ZsetErrors.XX_AND_NX);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return error(ZsetErrors.GT_LT_NX);
  if (incr && pairCount > 1) return error(ZsetErrors.INCR_SINGLE_PAIR);
  const scores: number[] = [];
  for (let i = at; i < args.length; i += 2) {
    const score = parseDouble(args[i]!);
    if (score === null) return error(ERR_NOT_FLOAT);
    scores.push(score);
  }
  const zset = decodeZset(current);
  let added = 0;
  let updated = 0;
  let incrResult: number | null = null;
  for (let p = 0; p < pairCount; p++) {
    const member = args[at + 2 * p + 1]!;
    let score = scores[p]!;
    const existing = indexOfMember(zset, member);
    if (existing < 0) {
      if (xx) continue;
      if (incr && Number.isNaN(score)) return error(ZsetErrors.NAN_SCORE);
      insert(zset, score, member);
      added++;
      incrResult = score;
      continue;
    }
    if (nx) continue;
    const old = zset.scores[existing]!;
    if (incr) {
      score = old + score;
      if (Number.isNaN(score)) return error(ZsetErrors.NAN_SCORE);
    }
    if ((gt && score <= old) || (lt && score >= old)) continue;
    incrResult = score;
    if (score === old) continue;
    const memberBytes = zset.members[existing]!;
    removeAt(zset, existing);
    insert(zset, score, memberBytes);
    updated++;
  }
  const changed = added + updated > 0;
  const reply = incr ? (incrResult === null ? nullReply : doubleReply(incrResult)) : integer(ch ? added + updated : added);
  return changed ? { reply, next: encodeZset(zset) } : unchanged(reply);
}

function zincrby(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const increment = parseDouble(args[0]!);
  if (increment === null) return error(ERR_NOT_FLOAT);
  const zset = decodeZset(current);
  const member = args[1]!;
  const existing = indexOfMember(zset, member);
  let score = increment;
  if (existing >= 0) {
    score = zset.scores[existing]! + increment;
    if (Number.isNaN(score)) return error(ZsetErrors.NAN_SCORE);
    removeAt(zset, existing);
  }
  insert(zset, score, member);
  return { reply: doubleReply(score), next: encodeZset(zset) };
}

function zrem(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (current === null) return unchanged(integer(0));
  const zset = decodeZset(current);
  let removed = 0;
  for (const member of args) {
    const i = indexOfMember(zset, member);
    if (i < 0) continue;
    removeAt(zset, i);
    removed++;
  }
  return removed === 0 ? unchanged(integer(0)) : { reply: integer(removed), next: stored(zset) };
}

// ---- single-member reads ----

function zscore(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 1) return error(ERR_SYNTAX);
  if (current === null) return unchanged(nullReply);
  const zset = decodeZset(current);
  const i = indexOfMember(zset, args[0]!);
  return unchanged(i < 0 ? nullReply : doubleReply(zset.scores[i]!));
}

function zmscore(current: Uint8Array | null, args: Args): TypedCommandResult {
  const zset = decodeZset(current);
  return unchanged(
    array(
      args.map((member) => {
        const i = indexOfMember(zset, member);
        return i < 0 ? nullReply : doubleReply(zset.scores[i]!);
      }),
    ),
  );
}

/** ZRANK / ZREVRANK, with Redis 7.2's WITHSCORE ([rank, score]; a missing member is then a null array). */
function rank(reverse: boolean) {
  return (current: Uint8Array | null, args: Args): TypedCommandResult => {
    if (args.length < 1 || args.length > 2) return unchanged(wrongArity(reverse ? 'zrevrank' : 'zrank'));
    const withScore = args.length === 2;
    if (withScore && !isKeyword(args[1]!, 'withscore')) return error(ERR_SYNTAX);
    const missing = withScore ? nullArrayReply : nullReply;
    if (current === null) return unchanged(missing);
    const zset = decodeZset(current);
    const i = indexOfMember(zset, args[0]!);
    if (i < 0) return unchanged(missing);
    const position = reverse ? zset.members.length - 1 - i : i;
    return unchanged(withScore ? array([integer(position), doubleReply(zset.scores[i]!)]) : integer(position));
  };
}

// ---- ranges ----

/** Indexes (in the set's order) from a score range. */
function indexesByScore(zset: Zset, range: ScoreRange): number[] {
  const out: number[] = [];
  for (let i = 0; i < zset.scores.length; i++) {
    const s = zset.scores[i]!;
    if (aboveMin(s, range) && belowMax(s, range)) out.push(i);
  }
  return out;
}

function indexesByLex(zset: Zset, range: LexRange): number[] {
  const out: number[] = [];
  for (let i = 0; i < zset.members.length; i++) {
    const m = zset.members[i]!;
    if (lexAboveMin(m, range.min) && lexBelowMax(m, range.max)) out.push(i);
  }
  return out;
}

/** Redis's start/stop normalisation: inclusive [from, to], or null when empty. */
function rankRange(start: number, stop: number, length: number): [number, number] | null {
  if (start < 0) start = Math.max(0, length + start);
  if (stop < 0) stop = length + stop;
  if (start > stop || start >= length) return null;
  return [start, Math.min(stop, length - 1)];
}

type RangeKind = 'rank' | 'score' | 'lex';

/** A parsed ZRANGE-family request. */
interface RangeRequest {
  kind: RangeKind;
  reverse: boolean;
  withScores: boolean;
  /** LIMIT offset count (count < 0 = all). */
  offset: number;
  count: number;
  hasLimit: boolean;
  /** The two bounds as given, in the order min, max (REV forms already swapped back). */
  minArg: Uint8Array;
  maxArg: Uint8Array;
}

/**
 * Parses `min max [options]` of the ZRANGE family. `flavour` fixes the kind for the
 * legacy commands (ZRANGEBYSCORE ...) and says which options each accepts; `store`
 * is ZRANGESTORE (no WITHSCORES).
 */
function parseRange(args: Args, flavour: { kind: RangeKind | null; reverse: boolean; store: boolean }): RangeRequest | string {
  if (args.length < 2) return ERR_SYNTAX;
  let kind: RangeKind = flavour.kind ?? 'rank';
  let reverse = flavour.reverse;
  let withScores = false;
  let hasLimit = false;
  let offset = 0;
  let count = -1;
  const modern = flavour.kind === null;
  for (let i = 2; i < args.length; i++) {
    const a = args[i]!;
    const remaining = args.length - i - 1;
    if (!flavour.store && isKeyword(a, 'withscores')) withScores = true;
    else if (isKeyword(a, 'limit') && remaining >= 2) {
      const o = parseIndex(args[i + 1]!);
      const c = parseIndex(args[i + 2]!);
      if (o === null || c === null) return ERR_NOT_INTEGER;
      offset = o;
      count = c;
      hasLimit = true;
      i += 2;
    } else if (modern && isKeyword(a, 'byscore')) kind = 'score';
    else if (modern && isKeyword(a, 'bylex')) kind = 'lex';
    else if (modern && isKeyword(a, 'rev')) reverse = true;
    else return ERR_SYNTAX;
  }
  if (hasLimit && kind === 'rank') return ZsetErrors.LIMIT_ONLY_BY;
  if (withScores && kind === 'lex') return ZsetErrors.WITHSCORES_BYLEX;
  // The REV forms take max before min.
  const swap = reverse && kind !== 'rank';
  return {
    kind,
    reverse,
    withScores,
    offset,
    count,
    hasLimit,
    minArg: swap ? args[1]! : args[0]!,
    maxArg: swap ? args[0]! : args[1]!,
  };
}

/** The selected indexes in reply order, or an error text. */
function selectRange(current: Uint8Array | null, request: RangeRequest): { zset: Zset; indexes: number[] } | string {
  let indexes: number[];
  let zset: Zset;
  if (request.kind === 'rank') {
    const start = parseIndex(request.minArg);
    const stop = parseIndex(request.maxArg);
    if (start === null || stop === null) return ERR_NOT_INTEGER;
    zset = decodeZset(current);
    const length = zset.members.length;
    const range = rankRange(start, stop, length);
    indexes = [];
    if (range !== null) {
      for (let r = range[0]; r <= range[1]; r++) indexes.push(request.reverse ? length - 1 - r : r);
    }
    return { zset, indexes };
  }
  if (request.kind === 'score') {
    const range = parseScoreRange(request.minArg, request.maxArg);
    if (range === null) return ZsetErrors.MIN_MAX_NOT_FLOAT;
    zset = decodeZset(current);
    indexes = indexesByScore(zset, range);
  } else {
    const range = parseLexRange(request.minArg, request.maxArg);
    if (range === null) return ZsetErrors.MIN_MAX_NOT_LEX;
    zset = decodeZset(current);
    indexes = indexesByLex(zset, range);
  }
  if (request.reverse) indexes.reverse();
  if (request.hasLimit) {
    if (request.offset < 0) indexes = [];
    else indexes = indexes.slice(request.offset, request.count < 0 ? undefined : request.offset + request.count);
  }
  return { zset, indexes };
}

function rangeCommand(flavour: { kind: RangeKind | null; reverse: boolean }) {
  return (current: Uint8Array | null, args: Args): TypedCommandResult => {
    const request = parseRange(args, { ...flavour, store: false });
    if (typeof request === 'string') return error(request);
    const selected = selectRange(current, request);
    if (typeof selected === 'string') return error(selected);
    return unchanged(membersReply(selected.zset, selected.indexes, request.withScores));
  };
}

/** ZRANGESTORE's selection, encoded (count 0 when empty): the destination's new value. */
function rangeRaw(current: Uint8Array | null, args: Args): TypedCommandResult {
  const request = parseRange(args, { kind: null, reverse: false, store: true });
  if (typeof request === 'string') return error(request);
  const selected = selectRange(current, request);
  if (typeof selected === 'string') return error(selected);
  const { zset, indexes } = selected;
  const sorted = [...indexes].sort((a, b) => a - b);
  const result: Zset = { members: sorted.map((i) => zset.members[i]!), scores: sorted.map((i) => zset.scores[i]!) };
  return unchanged(bulk(encodeZset(result)));
}

function zcount(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const range = parseScoreRange(args[0]!, args[1]!);
  if (range === null) return error(ZsetErrors.MIN_MAX_NOT_FLOAT);
  return unchanged(integer(indexesByScore(decodeZset(current), range).length));
}

function zlexcount(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const range = parseLexRange(args[0]!, args[1]!);
  if (range === null) return error(ZsetErrors.MIN_MAX_NOT_LEX);
  return unchanged(integer(indexesByLex(decodeZset(current), range).length));
}

function removeIndexes(zset: Zset, indexes: readonly number[]): TypedCommandResult {
  if (indexes.length === 0) return unchanged(integer(0));
  const drop = new Set(indexes);
  const kept: Zset = { members: [], scores: [] };
  for (let i = 0; i < zset.members.length; i++) {
    if (drop.has(i)) continue;
    kept.members.push(zset.members[i]!);
    kept.scores.push(zset.scores[i]!);
  }
  return { reply: integer(indexes.length), next: stored(kept) };
}

function zremrangebyrank(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const start = parseIndex(args[0]!);
  const stop = parseIndex(args[1]!);
  if (start === null || stop === null) return error(ERR_NOT_INTEGER);
  const zset = decodeZset(current);
  const range = rankRange(start, stop, zset.members.length);
  const indexes: number[] = [];
  if (range !== null) for (let i = range[0]; i <= range[1]; i++) indexes.push(i);
  return removeIndexes(zset, indexes);
}

function zremrangebyscore(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const range = parseScoreRange(args[0]!, args[1]!);
  if (range === null) return error(ZsetErrors.MIN_MAX_NOT_FLOAT);
  const zset = decodeZset(current);
  return removeIndexes(zset, indexesByScore(zset, range));
}

function zremrangebylex(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length !== 2) return error(ERR_SYNTAX);
  const range = parseLexRange(args[0]!, args[1]!);
  if (range === null) return error(ZsetErrors.MIN_MAX_NOT_LEX);
  const zset = decodeZset(current);
  return removeIndexes(zset, indexesByLex(zset, range));
}

// ---- pops, random members, scan ----

function zpop(max: boolean) {
  return (current: Uint8Array | null, args: Args): TypedCommandResult => {
    if (args.length > 1) return error(ERR_SYNTAX);
    const withCount = args.length === 1;
    let count = 1;
    if (withCount) {
      const parsed = parseInt64(args[0]!);
      // Redis gives this one text for a non-number too.
      if (parsed === null || parsed < 0n) return error(ZsetErrors.MUST_BE_POSITIVE);
      count = parsed > 1000000000n ? 1000000000 : Number(parsed);
    }
    if (current === null || count === 0) return unchanged(array([]));
    const zset = decodeZset(current);
    const take = Math.min(count, zset.members.length);
    const indexes: number[] = [];
    for (let i = 0; i < take; i++) indexes.push(max ? zset.members.length - 1 - i : i);
    const popped = membersReply(zset, indexes, true);
    // Without a count Redis sends one flat [member, score]; with one, pairs.
    const reply = withCount ? popped : (popped as { items: TypedReply[] }).items[0]!;
    const rest: Zset = max
      ? { members: zset.members.slice(0, zset.members.length - take), scores: zset.scores.slice(0, zset.members.length - take) }
      : { members: zset.members.slice(take), scores: zset.scores.slice(take) };
    return { reply, next: stored(rest) };
  };
}

function zrandmember(current: Uint8Array | null, args: Args, context: { random(): number }): TypedCommandResult {
  if (args.length > 2) return error(ERR_SYNTAX);
  if (args.length === 0) {
    if (current === null) return unchanged(nullReply);
    const zset = decodeZset(current);
    return unchanged(bulk(zset.members[Math.floor(context.random() * zset.members.length)]!.slice()));
  }
  const parsed = parseInt64(args[0]!);
  if (parsed === null) return error(ERR_NOT_INTEGER);
  const withScores = args.length === 2;
  if (withScores && !isKeyword(args[1]!, 'withscores')) return error(ERR_SYNTAX);
  if (current === null || parsed === 0n) return unchanged(array([]));
  const zset = decodeZset(current);
  const size = zset.members.length;
  const indexes: number[] = [];
  if (parsed < 0n) {
    // Repeats allowed: |count| independent draws.
    const draws = parsed < -100000000n ? 100000000 : Number(-parsed);
    for (let i = 0; i < draws; i++) indexes.push(Math.floor(context.random() * size));
  } else if (parsed >= BigInt(size)) {
    for (let i = 0; i < size; i++) indexes.push(i);
  } else {
    // Distinct members: a partial Fisher-Yates shuffle.
    const pool = Array.from({ length: size }, (_, i) => i);
    const wanted = Number(parsed);
    for (let i = 0; i < wanted; i++) {
      const j = i + Math.floor(context.random() * (size - i));
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      indexes.push(pool[i]!);
    }
  }
  return unchanged(membersReply(zset, indexes, withScores));
}

/**
 * ZSCAN: every matching member in one call, cursor 0. SCAN's guarantees allow
 * that (Redis does the same for small sets), and a set is bounded by the item size.
 */
function zscan(current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length < 1) return error(ERR_SYNTAX);
  const cursor = args[0]!;
  if (!/^\d+$/.test(memberId(cursor)) || BigInt(memberId(cursor)) > 0xffffffffffffffffn) return error(ZsetErrors.INVALID_CURSOR);
  if (current === null) return unchanged(array([bulk(new Uint8Array([0x30])), array([])]));
  let pattern: Uint8Array | null = null;
  for (let i = 1; i < args.length; i += 2) {
    const option = args[i]!;
    const value = args[i + 1];
    if (value === undefined) return error(ERR_SYNTAX);
    if (isKeyword(option, 'match')) {
      pattern = value;
    } else if (isKeyword(option, 'count')) {
      const count = parseInt64(value);
      if (count === null) return error(ERR_NOT_INTEGER);
      if (count < 1n) return error(ERR_SYNTAX);
    } else {
      return error(ERR_SYNTAX);
    }
  }
  const zset = decodeZset(current);
  const items: TypedReply[] = [];
  for (let i = 0; i < zset.members.length; i++) {
    const member = zset.members[i]!;
    if (pattern !== null && !globMatch(pattern, member)) continue;
    items.push(bulk(member.slice()), bulk(new TextEncoder().encode(formatScanScore(zset.scores[i]!))));
  }
  return unchanged(array([bulk(new Uint8Array([0x30])), array(items)]));
}

/**
 * ZSCAN's score text: Redis 7.0 keeps small sets' scores as listpack text, where an
 * integral score below 2^62 is an integer, printed as such (`1e17` → 100000000000000000).
 */
function formatScanScore(score: number): string {
  if (Number.isInteger(score) && Math.abs(score) <= 2 ** 62) return BigInt(score).toString();
  return formatScore(score);
}

/**
 * A score as Redis 7.0 prints every double (`%.17g`, inf / -inf by name): ZSCAN's
 * scores, and the RESP layer's RESP2 rendering of doubles. (Redis 7.2 switched to the
 * shortest round-trip digits; Debian's 7.0 is the reference here.)
 */
export function formatScore(score: number): string {
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  if (Number.isNaN(score)) return 'nan';
  if (score === 0) return Object.is(score, -0) ? '-0' : '0';
  const [mantissa, exponentText] = score.toExponential(16).split('e') as [string, string];
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 17) {
    const digits = trimFraction(mantissa);
    return `${digits}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trimFraction(score.toFixed(16 - exponent));
}

/** %g drops trailing zeros of the fraction, and the point when nothing is left. */
function trimFraction(text: string): string {
  if (!text.includes('.')) return text;
  return text.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * Redis's glob (`stringmatchlen`): `*`, `?`, `[set]` / `[^set]` with ranges, `\x`.
 * Case sensitive. (The RESP layer has its own copy for PSUBSCRIBE; the store may
 * not import it.)
 */
export function globMatch(pattern: Uint8Array, text: Uint8Array, p = 0, t = 0, depth = 0): boolean {
  if (depth > 1000) return false;
  while (p < pattern.length) {
    const c = pattern[p]!;
    if (c === 0x2a) {
      while (p + 1 < pattern.length && pattern[p + 1] === 0x2a) p++;
      if (p + 1 === pattern.length) return true;
      for (let from = t; from <= text.length; from++) if (globMatch(pattern, text, p + 1, from, depth + 1)) return true;
      return false;
    }
    if (t >= text.length) return false;
    if (c === 0x3f) {
      p++;
      t++;
      continue;
    }
    if (c === 0x5b) {
      p++;
      const negate = pattern[p] === 0x5e;
      if (negate) p++;
      let matched = false;
      while (p < pattern.length && pattern[p] !== 0x5d) {
        if (pattern[p] === 0x5c && p + 1 < pattern.length) {
          p++;
          if (pattern[p] === text[t]) matched = true;
        } else if (p + 2 < pattern.length && pattern[p + 1] === 0x2d) {
          let low = pattern[p]!;
          let high = pattern[p + 2]!;
          if (low > high) [low, high] = [high, low];
          if (text[t]! >= low && text[t]! <= high) matched = true;
          p += 2;
        } else if (pattern[p] === text[t]) {
          matched = true;
        }
        p++;
      }
      if (p < pattern.length) p++;
      if (matched === negate) return false;
      t++;
      continue;
    }
    if (c === 0x5c && p + 1 < pattern.length) p++;
    if (pattern[p] !== text[t]) return false;
    p++;
    t++;
  }
  return t === text.length;
}

// ---- ZUNION / ZINTER / ZDIFF over encoded values ----

export type CombineOperation = 'union' | 'inter' | 'diff' | 'intercard';
export type Aggregate = 'sum' | 'min' | 'max';

/** Redis's aggregation; NaN (inf + -inf) counts as 0, as in Redis. */
function aggregate(kind: Aggregate, a: number, b: number): number {
  let result: number;
  if (kind === 'sum') result = a + b;
  else if (kind === 'min') result = a < b ? a : b;
  else result = a > b ? a : b;
  return Number.isNaN(result) ? 0 : result;
}

function weighted(score: number, weight: number): number {
  const result = score * weight;
  return Number.isNaN(result) ? 0 : result;
}

/** The combined set of `sources` (null = missing key). For diff, weights are ignored (as in Redis). */
export function combine(operation: CombineOperation, kind: Aggregate, weights: readonly number[], sources: readonly (Uint8Array | null)[]): Zset {
  return combineDecoded(operation, kind, weights, sources.map((s) => decodeZset(s)));
}

function combineDecoded(operation: CombineOperation, kind: Aggregate, weights: readonly number[], sets: readonly Zset[]): Zset {
  const result = new Map<string, { member: Uint8Array; score: number }>();
  if (operation === 'union') {
    sets.forEach((set, s) => {
      for (let i = 0; i < set.members.length; i++) {
        const id = memberId(set.members[i]!);
        const score = weighted(set.scores[i]!, weights[s]!);
        const entry = result.get(id);
        if (entry === undefined) result.set(id, { member: set.members[i]!, score });
        else entry.score = aggregate(kind, entry.score, score);
      }
    });
    return fromEntries(result);
  }
  if (operation === 'diff') {
    const first = sets[0]!;
    const others = sets.slice(1).map((set) => new Set(set.members.map(memberId)));
    const kept: Zset = { members: [], scores: [] };
    for (let i = 0; i < first.members.length; i++) {
      const id = memberId(first.members[i]!);
      if (others.some((o) => o.has(id))) continue;
      kept.members.push(first.members[i]!);
      kept.scores.push(first.scores[i]!);
    }
    return kept;
  }
  // inter / intercard: start from the smallest set, as Redis does.
  const lookups = sets.map((set) => {
    const map = new Map<string, number>();
    for (let i = 0; i < set.members.length; i++) map.set(memberId(set.members[i]!), set.scores[i]!);
    return map;
  });
  let smallest = 0;
  sets.forEach((set, s) => {
    if (set.members.length < sets[smallest]!.members.length) smallest = s;
  });
  const base = sets[smallest]!;
  for (let i = 0; i < base.members.length; i++) {
    const id = memberId(base.members[i]!);
    let score = 0;
    let inAll = true;
    for (let s = 0; s < sets.length; s++) {
      const found = lookups[s]!.get(id);
      if (found === undefined) {
        inAll = false;
        break;
      }
      const w = weighted(found, weights[s]!);
      score = s === 0 ? w : aggregate(kind, score, w);
    }
    if (inAll) result.set(id, { member: base.members[i]!, score });
  }
  return fromEntries(result);
}

/** What each client command combines and which options it takes (Redis's zunionInterDiffGenericCommand). */
const COMBINE_COMMANDS: Readonly<Record<string, { operation: CombineOperation; weightsAndAggregate: boolean; withScores: boolean; limit: boolean }>> = {
  zunion: { operation: 'union', weightsAndAggregate: true, withScores: true, limit: false },
  zinter: { operation: 'inter', weightsAndAggregate: true, withScores: true, limit: false },
  zdiff: { operation: 'diff', weightsAndAggregate: false, withScores: true, limit: false },
  zintercard: { operation: 'intercard', weightsAndAggregate: false, withScores: false, limit: true },
  zunionstore: { operation: 'union', weightsAndAggregate: true, withScores: false, limit: false },
  zinterstore: { operation: 'inter', weightsAndAggregate: true, withScores: false, limit: false },
  zdiffstore: { operation: 'diff', weightsAndAggregate: false, withScores: false, limit: false },
};

export interface CombineRequest {
  operation: CombineOperation;
  keys: Uint8Array[];
  weights: number[];
  aggregate: Aggregate;
  withScores: boolean;
  limit: number;
}

/**
 * Parses a client's `numkeys key... [WEIGHTS w...] [AGGREGATE SUM|MIN|MAX]
 * [WITHSCORES] [LIMIT n]` for `commandName` (zunion, zinterstore, ...; `args`
 * start at numkeys) with Redis's checks and error texts, or returns the error.
 */
export function parseCombineRequest(commandName: string, args: Args): CombineRequest | string {
  const options = COMBINE_COMMANDS[commandName];
  if (options === undefined || args.length === 0) return ERR_SYNTAX;
  const numKeys = parseInt64(args[0]!);
  if (numKeys === null) return ERR_NOT_INTEGER;
  if (numKeys < 1n) return `ERR at least 1 input key is needed for '${commandName}' command`;
  if (numKeys > BigInt(args.length - 1)) return ERR_SYNTAX;
  const n = Number(numKeys);
  const weights = new Array<number>(n).fill(1);
  let kind: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  for (let i = 1 + n; i < args.length; i++) {
    const a = args[i]!;
    const remaining = args.length - i - 1;
    if (options.weightsAndAggregate && isKeyword(a, 'weights') && remaining >= n) {
      for (let w = 0; w < n; w++) {
        const weight = parseDouble(args[i + 1 + w]!);
        if (weight === null) return ZsetErrors.WEIGHT_NOT_FLOAT;
        weights[w] = weight;
      }
      i += n;
    } else if (options.weightsAndAggregate && isKeyword(a, 'aggregate') && remaining >= 1) {
      const value = args[++i]!;
      if (isKeyword(value, 'sum')) kind = 'sum';
      else if (isKeyword(value, 'min')) kind = 'min';
      else if (isKeyword(value, 'max')) kind = 'max';
      else return ERR_SYNTAX;
    } else if (options.withScores && isKeyword(a, 'withscores')) {
      withScores = true;
    } else if (options.limit && isKeyword(a, 'limit') && remaining >= 1) {
      const parsed = parseInt64(args[++i]!);
      // Redis gives this one text for a non-number too.
      if (parsed === null || parsed < 0n) return ZsetErrors.LIMIT_NEGATIVE;
      limit = parsed > 1000000000000n ? 1000000000000 : Number(parsed);
    } else {
      return ERR_SYNTAX;
    }
  }
  return { operation: options.operation, keys: args.slice(1, 1 + n), weights, aggregate: kind, withScores, limit };
}

/**
 * The internal form `[set <i> <n> <member>...]... <command> <numkeys> <key>...
 * [options] <value>...`: plain-set sources by key index with their members,
 * then the client's arguments from numkeys on, then one encoded value per key
 * (an empty argument for a missing key or a plain set).
 */
function parseInternalCombine(args: Args): { request: CombineRequest; sources: Zset[] } | string {
  const plainSets = new Map<number, Zset>();
  let at = 0;
  while (at + 2 < args.length && isKeyword(args[at]!, 'set')) {
    const index = parseInt64(args[at + 1]!);
    const count = parseInt64(args[at + 2]!);
    if (index === null || count === null || index < 0n || count < 0n || count > BigInt(args.length - at - 3)) return ERR_SYNTAX;
    // Every member scores 1, so Redis's order is the members' byte order.
    const members = args.slice(at + 3, at + 3 + Number(count)).sort(compareBytes);
    plainSets.set(Number(index), { members, scores: members.map(() => 1) });
    at += 3 + Number(count);
  }
  const rest = args.slice(at);
  if (rest.length < 2) return ERR_SYNTAX;
  const numKeys = parseInt64(rest[1]!);
  if (numKeys === null || numKeys < 1n || numKeys > BigInt(rest.length)) return ERR_SYNTAX;
  const n = Number(numKeys);
  const request = parseCombineRequest(memberId(rest[0]!), rest.slice(1, rest.length - n));
  if (typeof request === 'string') return request;
  const values = rest.slice(rest.length - n);
  const sources = values.map((v, i) => plainSets.get(i) ?? decodeZset(v.length === 0 ? null : v));
  return { request, sources };
}

/** `__zcheck <command> <numkeys> ...`: OK, or the error the client's arguments deserve (before any key is read). */
function checkCommand(_current: Uint8Array | null, args: Args): TypedCommandResult {
  if (args.length < 1) return error(ERR_SYNTAX);
  const request = parseCombineRequest(memberId(args[0]!), args.slice(1));
  return unchanged(typeof request === 'string' ? errorReply(request) : { kind: 'simple', value: 'OK' });
}

function combineCommand(_current: Uint8Array | null, args: Args): TypedCommandResult {
  const parsed = parseInternalCombine(args);
  if (typeof parsed === 'string') return error(parsed);
  const { request, sources } = parsed;
  const result = combineDecoded(request.operation, request.aggregate, request.weights, sources);
  if (request.operation === 'intercard') {
    const size = result.members.length;
    return unchanged(integer(request.limit > 0 ? Math.min(request.limit, size) : size));
  }
  const all = result.members.map((_, i) => i);
  return unchanged(membersReply(result, all, request.withScores));
}

/** Replaces this key with a combination or with given encoded bytes (`value <bytes>`); replies with the new size. */
function storeCommand(_current: Uint8Array | null, args: Args): TypedCommandResult {
  let result: Zset;
  if (args.length === 2 && isKeyword(args[0]!, 'value')) {
    result = decodeZset(args[1]!);
  } else {
    const parsed = parseInternalCombine(args);
    if (typeof parsed === 'string') return error(parsed);
    result = combineDecoded(parsed.request.operation, parsed.request.aggregate, parsed.request.weights, parsed.sources);
  }
  // A *STORE destination is overwritten whatever its type, and loses its TTL.
  return { reply: integer(result.members.length), next: stored(result), nextItemType: ITEM_TYPE_ZSET, nextExpiresAtMs: 0 };
}

// ---- registry ----

const definition = definitionsOf(ITEM_TYPE_ZSET);

export const ZSET_COMMANDS: readonly TypedCommandDefinition[] = [
  definition('zadd', true, zadd),
  definition('zincrby', true, zincrby),
  definition('zrem', true, zrem),
  definition('zscore', false, zscore),
  definition('zmscore', false, zmscore),
  definition('zcard', false, (current) => unchanged(integer(decodeZsetCount(current)))),
  definition('zcount', false, zcount),
  definition('zlexcount', false, zlexcount),
  definition('zrange', false, rangeCommand({ kind: null, reverse: false })),
  definition('zrevrange', false, rangeCommand({ kind: 'rank', reverse: true })),
  definition('zrangebyscore', false, rangeCommand({ kind: 'score', reverse: false })),
  definition('zrevrangebyscore', false, rangeCommand({ kind: 'score', reverse: true })),
  definition('zrangebylex', false, rangeCommand({ kind: 'lex', reverse: false })),
  definition('zrevrangebylex', false, rangeCommand({ kind: 'lex', reverse: true })),
  definition('zrank', false, rank(false)),
  definition('zrevrank', false, rank(true)),
  definition('zremrangebyrank', true, zremrangebyrank),
  definition('zremrangebyscore', true, zremrangebyscore),
  definition('zremrangebylex', true, zremrangebylex),
  definition('zpopmin', true, zpop(false)),
  definition('zpopmax', true, zpop(true)),
  definition('zrandmember', false, zrandmember),
  definition('zscan', false, zscan),
  definition('__zraw', false, (current) => unchanged(current === null ? nullReply : bulk(current.slice()))),
  definition('__zrangeraw', false, rangeRaw),
  { name: '__zcheck', itemType: ITEM_TYPE_ANY, write: false, run: checkCommand },
  { name: '__zcombine', itemType: ITEM_TYPE_ANY, write: false, run: combineCommand },
  { name: '__zstore', itemType: ITEM_TYPE_ANY, write: true, run: storeCommand },
];

function decodeZsetCount(current: Uint8Array | null): number {
  if (current === null) return 0;
  return new DataView(current.buffer, current.byteOffset, current.byteLength).getUint32(0, true);
}
