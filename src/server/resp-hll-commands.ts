/**
 * Redis HyperLogLog commands (`store/typed/hll.ts` holds the format and the estimator).
 * PFADD and one-key PFCOUNT are one typed command. PFCOUNT of several keys reads every key's
 * registers in one turn (atomic together), takes the register-wise maximum here and has a shard
 * count the union (`__pfcountregs`). PFMERGE reads the sources' registers and merges them into
 * the destination in its shard (`__pfmerge`), under the exclusive gate (`readThenWrite`).
 *
 * May import `src/protocol/resp` and `src/server`; not sockets, shards or the store.
 */
import { typedHandler } from './resp-hash-commands';
import type { RespHandler } from './resp-session';
import { readThenWrite, renderTypedReply, submitGroup, submitTyped, typedKeys, type TypedOp, type TypedReply } from './resp-typed';

const REGISTERS = 16384;

const readRegisters = (key: Buffer): TypedOp => ({ key, name: '__pfregisters', args: [], write: false });

/** Register-wise maximum of `__pfregisters` replies (missing keys are null), or the first error. */
function unionOf(replies: readonly TypedReply[]): Uint8Array | TypedReply {
  const union = new Uint8Array(REGISTERS);
  for (const reply of replies) {
    if (reply.kind === 'error') return reply;
    if (reply.kind !== 'bulk') continue;
    const registers = reply.value;
    for (let r = 0; r < REGISTERS; r++) if (registers[r]! > union[r]!) union[r] = registers[r]!;
  }
  return union;
}

const singleKeyCount = typedHandler('pfcount', false);

const pfcount: RespHandler = (session, args) => {
  if (args.length === 2) return singleKeyCount(session, args);
  const keys = typedKeys(session, args.slice(1));
  if (keys === null) return;
  const slot = session.reserve();
  const version = session.protocolVersion;
  submitGroup(session, keys.map(readRegisters), (replies) => {
    const union = unionOf(replies);
    if (!(union instanceof Uint8Array)) return session.complete(slot, renderTypedReply(union, version));
    // The count needs no state: any shard can do it, so the first key's answers.
    submitTyped(session, keys[0]!, '__pfcountregs', [union], false, (count) => session.complete(slot, renderTypedReply(count, version)));
  });
};

const pfmerge: RespHandler = (session, args) => {
  const keys = typedKeys(session, args.slice(1));
  if (keys === null) return;
  const [destination, ...sources] = keys;
  readThenWrite(session, sources.map(readRegisters), (replies) => {
    const union = unionOf(replies);
    if (!(union instanceof Uint8Array)) return union;
    return {
      writes: [{ key: destination!, name: '__pfmerge', args: [union], write: true }],
      reply: ([merged]) => merged!,
    };
  });
};

export const HLL_HANDLERS: Record<string, RespHandler> = {
  pfadd: typedHandler('pfadd', true),
  pfcount,
  pfmerge,
};
