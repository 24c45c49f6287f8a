/**
 * Redis list commands on the RESP port. The semantics live in
 * `store/typed/list.ts` and run in the shard that owns the key; this module
 * sends them through resp-typed.ts.
 *
 * LMOVE / RPOPLPUSH (and BLMOVE / BRPOPLPUSH, resp-blocking.ts, through
 * `moveElement`): with source = destination it is one op (`__lmove`). Otherwise,
 * holding the exclusive gate (no other connection dispatches, and this session
 * holds back its own next commands): read the source's end element and check the
 * destination's type in one turn; then push the element onto the destination and,
 * once that push is known to have succeeded (a list may be refused for the item
 * size limit), pop it from the source. Redis's order of checks is kept: a missing
 * source answers nil before the destination's type is looked at.
 *
 * May import `src/protocol/resp`, the router and `src/server`; not sockets,
 * shards or the store.
 */
import type { RespHandler, RespSession } from './resp-session';
import { renderTypedReply, runTyped, submitGroup, submitTyped, typedKey, type TypedReply } from './resp-typed';

const ERR_SYNTAX = 'ERR syntax error';
const LEFT = Buffer.from('left');
const RIGHT = Buffer.from('right');

/** LEFT → true (head), RIGHT → false, anything else → null. */
export function listEndIsHead(arg: Buffer): boolean | null {
  const word = arg.toString('latin1').toLowerCase();
  if (word === 'left') return true;
  if (word === 'right') return false;
  return null;
}

/**
 * Moves one element from an end of `source` to an end of `destination` (stored
 * keys) with LMOVE's semantics; `done` gets the moved element (bulk), null when
 * the source is empty or missing, or an error (WRONGTYPE, item too large).
 */
export function moveElement(
  session: RespSession,
  source: Buffer,
  destination: Buffer,
  fromHead: boolean,
  toHead: boolean,
  done: (reply: TypedReply) => void,
): void {
  if (source.equals(destination)) {
    submitTyped(session, source, '__lmove', [fromHead ? LEFT : RIGHT, toHead ? LEFT : RIGHT], true, done);
    return;
  }
  session.beginExclusive();
  const peek = { key: source, name: 'lindex', args: [Buffer.from(fromHead ? '0' : '-1')], write: false };
  const check = { key: destination, name: '__listcheck', args: [], write: false };
  submitGroup(session, [peek, check], ([element, destinationType]) => {
    if (element!.kind !== 'bulk') {
      done(element!);
      return session.endExclusive();
    }
    if (destinationType!.kind === 'error') {
      done(destinationType!);
      return session.endExclusive();
    }
    const value = element!.value;
    submitTyped(session, destination, toHead ? 'lpush' : 'rpush', [value], true, (pushed) => {
      if (pushed.kind === 'error') {
        done(pushed);
        return session.endExclusive();
      }
      submitTyped(session, source, fromHead ? 'lpop' : 'rpop', [], true, () => {});
      done({ kind: 'bulk', value });
      session.endExclusive();
    });
  });
}

function lmoveHandler(session: RespSession, sourceArg: Buffer, destinationArg: Buffer, fromHead: boolean, toHead: boolean): void {
  const source = typedKey(session, sourceArg);
  const destination = typedKey(session, destinationArg);
  if (source === null || destination === null) return;
  const version = session.protocolVersion;
  const slot = session.reserve();
  moveElement(session, source, destination, fromHead, toHead, (reply) => session.complete(slot, renderTypedReply(reply, version)));
}

const lmove: RespHandler = (session, args) => {
  const fromHead = listEndIsHead(args[3]!);
  const toHead = listEndIsHead(args[4]!);
  if (fromHead === null || toHead === null) return session.replyError(ERR_SYNTAX);
  lmoveHandler(session, args[1]!, args[2]!, fromHead, toHead);
};

const rpoplpush: RespHandler = (session, args) => lmoveHandler(session, args[1]!, args[2]!, false, true);

function single(name: string, write: boolean): RespHandler {
  return (session, args) => runTyped(session, args[1]!, name, args.slice(2), write);
}

export const LIST_HANDLERS: Record<string, RespHandler> = {
  lpush: single('lpush', true),
  rpush: single('rpush', true),
  lpushx: single('lpushx', true),
  rpushx: single('rpushx', true),
  lpop: single('lpop', true),
  rpop: single('rpop', true),
  llen: single('llen', false),
  lrange: single('lrange', false),
  lindex: single('lindex', false),
  lset: single('lset', true),
  lrem: single('lrem', true),
  ltrim: single('ltrim', true),
  linsert: single('linsert', true),
  lpos: single('lpos', false),
  lmove,
  rpoplpush,
};
