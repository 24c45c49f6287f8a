/**
 * Redis sets as typed items (ITEM_TYPE_SET). The value is a length-prefixed list (`bytes.ts`) of
 * the members in insertion order (Redis orders an intset numerically and a hashtable at random;
 * clients must not rely on either). Every command decodes the whole value: O(size), bounded by
 * the item size limit.
 *
 * The multi-key commands (SINTER, SUNION, SDIFF, their STORE forms, SINTERCARD, SMOVE) are
 * composed by the session from these single-key ones (`smembers` to read, `__sstore` to write a
 * destination), see `server/resp-set-commands.ts`.
 *
 * May import only `typed-command.ts`, `bytes.ts`, `hash.ts` (shared random / scan rules) and
 * `item-layout.ts` constants.
 */
import { ITEM_TYPE_ANY } from './typed-command';
import { ITEM_TYPE_SET } from '../item-layout';
import { byteListCount, bytesKey, decodeByteList, encodeByteList, findInByteList, parseInt64, randomIndex } from './bytes';
import { checkScanArgs, pickRandom, tooManyPicks } from './hash';
import {
  array,
  bulk,
  bulkText,
  ERR_NOT_INTEGER,
  ERR_SYNTAX,
  errorReply,
  integer,
  nullReply,
  setReply,
  type TypedCommandDefinition,
  type TypedCommandResult,
  type TypedReply,
} from './typed-command';

type Members = Map<string, Uint8Array>;

export function decodeSet(bytes: Uint8Array | null): Members {
  const members: Members = new Map();
  if (bytes === null) return members;
  for (const member of decodeByteList(bytes)) members.set(bytesKey(member), member);
  return members;
}

export function encodeSet(members: Members): Uint8Array | null {
  return members.size === 0 ? null : encodeByteList([...members.values()]);
}

function setCommand(name: string, write: boolean, run: TypedCommandDefinition['run']): TypedCommandDefinition {
  return { name, itemType: ITEM_TYPE_SET, write, run };
}

const reply = (r: TypedReply, next?: Uint8Array | null): TypedCommandResult => (next === undefined ? { reply: r } : { reply: r, next });

const ERR_NOT_POSITIVE = 'ERR value is out of range, must be positive';

const sadd = setCommand('sadd', true, (current, args) => {
  const members = decodeSet(current);
  let added = 0;
  for (const m of args) {
    const key = bytesKey(m);
    if (members.has(key)) continue;
    members.set(key, m.slice());
    added++;
  }
  return added === 0 ? reply(integer(0)) : reply(integer(added), encodeSet(members));
});

const srem = setCommand('srem', true, (current, args) => {
  if (current === null) return reply(integer(0));
  const members = decodeSet(current);
  let removed = 0;
  for (const m of args) if (members.delete(bytesKey(m))) removed++;
  return removed === 0 ? reply(integer(0)) : reply(integer(removed), encodeSet(members));
});

const smembers = setCommand('smembers', false, (current) => reply(setReply([...decodeSet(current).values()].map(bulk))));
const scard = setCommand('scard', false, (current) => reply(integer(current === null ? 0 : byteListCount(current))));
const sismember = setCommand('sismember', false, (current, args) =>
  reply(integer(current !== null && findInByteList(current, args[0]!, 1) !== null ? 1 : 0)),
);

const smismember = setCommand('smismember', false, (current, args) => {
  const members = decodeSet(current);
  return reply(array(args.map((m) => integer(members.has(bytesKey(m)) ? 1 : 0))));
});

/** SPOP key [count]: without count one member or null; with count up to count distinct members. */
const spop = setCommand('spop', true, (current, args, context) => {
  if (args.length > 1) return reply(errorReply(ERR_SYNTAX));
  const members = decodeSet(current);
  const all = [...members.values()];
  if (args.length === 0) {
    if (all.length === 0) return reply(nullReply);
    const picked = all[randomIndex(() => context.random(), all.length)]!;
    members.delete(bytesKey(picked));
    return reply(bulk(picked), encodeSet(members));
  }
  const count = parseInt64(args[0]!);
  if (count === null || count < 0n) return reply(errorReply(ERR_NOT_POSITIVE));
  const picked = pickRandom(all, count, () => context.random());
  if (picked.length === 0) return reply(setReply([]));
  for (const m of picked) members.delete(bytesKey(m));
  return reply(setReply(picked.map(bulk)), encodeSet(members));
});

/** SRANDMEMBER key [count]: Redis's count rules (negative = repeats allowed). */
const srandmember = setCommand('srandmember', false, (current, args, context) => {
  if (args.length > 1) return reply(errorReply(ERR_SYNTAX));
  const all = [...decodeSet(current).values()];
  if (args.length === 0) return reply(all.length === 0 ? nullReply : bulk(all[randomIndex(() => context.random(), all.length)]!));
  const count = parseInt64(args[0]!);
  if (count === null) return reply(errorReply(ERR_NOT_INTEGER));
  if (count === -(1n << 63n)) {
    return reply(errorReply('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
  }
  const refused = tooManyPicks(count);
  if (refused !== null) return reply(errorReply(refused));
  return reply(array(pickRandom(all, count, () => context.random()).map(bulk)));
});

/** SSCAN key cursor [MATCH p] [COUNT n]: everything at cursor 0 (MATCH is applied by the session). */
const sscan = setCommand('sscan', false, (current, args) => {
  const error = checkScanArgs(args);
  if (error !== null) return reply(errorReply(error));
  return reply(array([bulkText('0'), array([...decodeSet(current).values()].map(bulk))]));
});

/**
 * Internal: replaces the key (of any type, as a *STORE destination) with a set of `args`, or
 * deletes it when `args` is empty; the key loses its expiry. Replies the new size.
 */
const sstore: TypedCommandDefinition = {
  name: '__sstore',
  itemType: ITEM_TYPE_ANY,
  write: true,
  run(_current, args) {
    const members: Members = new Map();
    for (const m of args) members.set(bytesKey(m), m.slice());
    return { reply: integer(members.size), next: encodeSet(members), nextItemType: ITEM_TYPE_SET, nextExpiresAtMs: 0 };
  },
};

export const SET_COMMANDS: readonly TypedCommandDefinition[] = [
  sadd,
  srem,
  smembers,
  scard,
  sismember,
  smismember,
  spop,
  srandmember,
  sscan,
  sstore,
];
