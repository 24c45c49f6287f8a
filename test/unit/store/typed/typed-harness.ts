/** Runs registered typed commands as the shard would (value threaded through), for the unit tests of TYPES-A's modules. */
import '../../../../src/store/typed/index';
import { typedCommand, type TypedReply } from '../../../../src/store/typed/typed-command';
import { mulberry32 } from '../../../helpers/prng';

export const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** A key's value kept between commands, and a seeded random source. */
export class TypedKey {
  value: Uint8Array | null = null;
  private readonly random: () => number;

  constructor(seed = 1) {
    this.random = mulberry32(seed);
  }

  run(name: string, ...args: (string | Uint8Array)[]): TypedReply {
    const definition = typedCommand(name);
    if (definition === undefined) throw new Error(`no typed command ${name}`);
    const result = definition.run(this.value, args.map((a) => (typeof a === 'string' ? b(a) : a)), {
      nowMs: 1_700_000_000_000,
      random: this.random,
    });
    if (result.next !== undefined) this.value = result.next === null ? null : result.next.slice();
    return result.reply;
  }
}

/** A reply as plain JS for toEqual: bulk → string, integer → number, map → [k, v] pairs. */
export function plain(reply: TypedReply): unknown {
  switch (reply.kind) {
    case 'bulk':
      return Buffer.from(reply.value).toString('latin1');
    case 'integer':
      return Number(reply.value);
    case 'null':
    case 'nullArray':
      return null;
    case 'simple':
      return reply.value;
    case 'error':
      return { error: reply.message };
    case 'double':
      return reply.value;
    case 'array':
    case 'set':
      return reply.items.map(plain);
    case 'map':
      return reply.entries.map(([k, v]) => [plain(k), plain(v)]);
  }
}
