/**
 * Key extraction for COMMAND GETKEYS, ACL key checks and cluster slots: the
 * fixed-position path, and Redis 7.0's two rules for commands that give a key
 * count (key specs first, then the getkeys proc with atoi). Expected values
 * were read off redis-server 7.0.15; test/compat/resp/movable-keys.test.ts
 * compares the wire replies live.
 */
import { COUNTED_KEY_COMMANDS, commandHasKeys, commandKeys } from '../../../../src/protocol/resp/command-keys';
import { findCommand, RESP_COMMANDS } from '../../../../src/protocol/resp/command-table';

/** Words of a command line as Buffers; `""` is an empty argument. */
const line = (text: string): Buffer[] => text.split(' ').map((w) => Buffer.from(w === '""' ? '' : w, 'latin1'));

function keysOf(text: string): string[] {
  const args = line(text);
  return commandKeys(findCommand(args[0]!.toString())!, args).map((k) => k.toString('latin1'));
}

test('every movablekeys command in the table has a key layout, and nothing else does', () => {
  const movable = RESP_COMMANDS.filter((c) => c.flags.includes('movablekeys')).map((c) => c.name).sort();
  expect([...COUNTED_KEY_COMMANDS.keys()].sort()).toEqual(movable);
});

test('commands with fixed key positions keep them', () => {
  expect(keysOf('GET a')).toEqual(['a']);
  expect(keysOf('MSET a 1 b 2')).toEqual(['a', 'b']);
  expect(keysOf('LMOVE a b LEFT RIGHT')).toEqual(['a', 'b']);
  expect(keysOf('PING x')).toEqual([]);
});

test('blocking pops: the trailing timeout is not a key', () => {
  expect(keysOf('BLPOP a b 0')).toEqual(['a', 'b']);
  expect(keysOf('BRPOP a 1.5')).toEqual(['a']);
  expect(keysOf('BZPOPMIN a b c 0')).toEqual(['a', 'b', 'c']);
  expect(keysOf('BZPOPMAX a 0')).toEqual(['a']);
});

describe('commands that give a key count', () => {
  it('reads the count after the name, the destination or the timeout', () => {
    expect(keysOf('ZUNION 2 a b WITHSCORES')).toEqual(['a', 'b']);
    expect(keysOf('ZINTER 1 a AGGREGATE MIN')).toEqual(['a']);
    expect(keysOf('ZDIFF 3 a b c')).toEqual(['a', 'b', 'c']);
    expect(keysOf('ZINTERCARD 2 a b LIMIT 1')).toEqual(['a', 'b']);
    expect(keysOf('SINTERCARD 2 a b')).toEqual(['a', 'b']);
    expect(keysOf('LMPOP 2 a b LEFT COUNT 2')).toEqual(['a', 'b']);
    expect(keysOf('ZMPOP 1 a MIN')).toEqual(['a']);
    expect(keysOf('BLMPOP 0 2 a b LEFT')).toEqual(['a', 'b']);
    expect(keysOf('BZMPOP 1.5 1 a MAX')).toEqual(['a']);
  });

  it('puts a destination first when the count is a strict integer', () => {
    expect(keysOf('ZUNIONSTORE d 2 a b')).toEqual(['d', 'a', 'b']);
    expect(keysOf('ZINTERSTORE d 1 a WEIGHTS 2')).toEqual(['d', 'a']);
    expect(keysOf('ZDIFFSTORE d 2 a b')).toEqual(['d', 'a', 'b']);
  });

  it('falls back to atoi, destination last, when the count is not strict', () => {
    expect(keysOf('ZUNIONSTORE d 02 a b')).toEqual(['a', 'b', 'd']);
    expect(keysOf('ZUNIONSTORE d +2 a b')).toEqual(['a', 'b', 'd']);
    expect(keysOf('ZUNION 1x a b')).toEqual(['a']);
    const leadingSpace = [Buffer.from('ZUNION'), Buffer.from(' \t1'), Buffer.from('a'), Buffer.from('b')];
    expect(commandKeys(findCommand('zunion')!, leadingSpace).map(String)).toEqual(['a']);
  });

  it('cuts the count to a C int as Redis does', () => {
    // 4294967298 = 2^32 + 2: both rules see 2.
    expect(keysOf('ZUNION 4294967298 a b')).toEqual(['a', 'b']);
    expect(keysOf('ZUNIONSTORE d 4294967298 a b')).toEqual(['d', 'a', 'b']);
    expect(keysOf('ZUNIONSTORE d 04294967298 a b')).toEqual(['a', 'b', 'd']);
    // Beyond int64, strtol saturates to LONG_MAX, which is -1 as an int.
    expect(keysOf('ZUNION 99999999999999999999999 a')).toEqual([]);
    // A negative count that wraps to 1.
    expect(keysOf('ZUNION -4294967295 a')).toEqual(['a']);
  });

  it('finds no key when the count is zero, negative, too big or not a number', () => {
    for (const text of ['ZUNION 0 a', 'ZUNION -1 a', 'ZUNION 3 a b', 'ZUNION x a', 'ZUNIONSTORE d 0 a', 'ZUNIONSTORE d 2 a', 'BLMPOP 0 0 a LEFT', 'ZUNION "" a']) {
      expect(keysOf(text)).toEqual([]);
    }
  });

  it('tells which commands have keys at all (doesCommandHaveKeys)', () => {
    expect(commandHasKeys(findCommand('zunion')!)).toBe(true);
    expect(commandHasKeys(findCommand('get')!)).toBe(true);
    expect(commandHasKeys(findCommand('ping')!)).toBe(false);
  });
});
