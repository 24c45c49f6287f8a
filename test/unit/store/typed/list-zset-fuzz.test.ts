/**
 * Every list and sorted-set command (internal helpers included) fed random
 * arguments on random values: `run` never throws (the contract: it must not, on
 * any client input), read-only commands never change the value, and whatever a
 * write leaves decodes back consistently (list length = its element count, a
 * sorted set stays in Redis's order). Seeded, so a failure reproduces.
 */
import fc from 'fast-check';
import { decodeList, encodeList, LIST_COMMANDS, listLength } from '../../../../src/store/typed/list';
import type { TypedCommandDefinition } from '../../../../src/store/typed/typed-command';
import { compareBytes, decodeZset, encodeZset, ZSET_COMMANDS } from '../../../../src/store/typed/zset';

const WORDS = [
  '0', '1', '-1', '2', '10', '-100', '1.5', '(1', '(2.5', '[a', '(b', '-', '+', 'inf', '-inf', '+inf', 'nan', 'x', '', 'a', 'b', 'c',
  'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'RANK', 'COUNT', 'MAXLEN', 'NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'WITHSCORES', 'WITHSCORE',
  'LIMIT', 'BYSCORE', 'BYLEX', 'REV', 'MATCH', 'a*', 'WEIGHTS', 'AGGREGATE', 'SUM', 'MIN', 'MAX', 'value', 'zunion', 'zintercard',
  '9223372036854775807', '-9223372036854775808', '99999999999999999999',
];

const argument = fc.oneof(
  fc.constantFrom(...WORDS).map((w) => new Uint8Array(Buffer.from(w))),
  fc.uint8Array({ maxLength: 12 }),
);
const listValue = fc.option(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 30 }).map(encodeList), { nil: null });
const zsetValue = fc.option(
  fc
    .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { minLength: 1 })
    .chain((members) =>
      fc.array(fc.constantFrom(-Infinity, -1.5, 0, 1, 2, 2, 3.25, Infinity), { minLength: members.length, maxLength: members.length }).map((scores) => {
        const entries = members.map((m, i) => ({ member: new Uint8Array(Buffer.from(m)), score: scores[i]! }));
        entries.sort((x, y) => (x.score !== y.score ? x.score - y.score : compareBytes(x.member, y.member)));
        return encodeZset({ members: entries.map((e) => e.member), scores: entries.map((e) => e.score) });
      }),
    ),
  { nil: null },
);

function checkCommands(definitions: readonly TypedCommandDefinition[], value: fc.Arbitrary<Uint8Array | null>, validate: (next: Uint8Array) => void): void {
  fc.assert(
    fc.property(fc.constantFrom(...definitions), value, fc.array(argument, { maxLength: 8 }), (definition, current, args) => {
      const before = current === null ? null : current.slice();
      const result = definition.run(current, args, { nowMs: 0, random: () => 0.5 });
      expect(result.reply).toBeDefined();
      if (before !== null) expect(current).toEqual(before);
      if (!definition.write) expect(result.next).toBeUndefined();
      if (result.next !== undefined && result.next !== null) validate(result.next);
    }),
    { seed: 20261122, numRuns: 4000 },
  );
}

describe('typed list and zset commands on random input', () => {
  it('list commands never throw and leave decodable lists', () => {
    checkCommands(LIST_COMMANDS, listValue, (next) => {
      const elements = decodeList(next);
      expect(elements.length).toBe(listLength(next));
      expect(encodeList(elements)).toEqual(next);
    });
  });

  it('zset commands never throw and leave sets in Redis order', () => {
    checkCommands(ZSET_COMMANDS, zsetValue, (next) => {
      const zset = decodeZset(next);
      expect(encodeZset(zset)).toEqual(next);
      for (let i = 1; i < zset.members.length; i++) {
        const a = zset.scores[i - 1]!;
        const b = zset.scores[i]!;
        expect(a < b || (a === b && compareBytes(zset.members[i - 1]!, zset.members[i]!) < 0)).toBe(true);
      }
    });
  });
});
