/** The command table: arity rules, lookups, key positions, error texts, strict integers, glob. */
import { arityAccepts, findCommand, findCommandByBytes, findSubcommand, keyArguments, RESP_COMMANDS } from '../../../../src/protocol/resp/command-table';
import { globMatches } from '../../../../src/protocol/resp/glob';
import { unknownCommandError, unknownSubcommandError, wrongArityError } from '../../../../src/protocol/resp/errors';
import { parseStrictInt64, parseStrictSmallInt } from '../../../../src/protocol/resp/strict-integer';

test('arity: positive is exact, negative is a minimum', () => {
  expect(arityAccepts(2, 2)).toBe(true);
  expect(arityAccepts(2, 3)).toBe(false);
  expect(arityAccepts(-3, 3)).toBe(true);
  expect(arityAccepts(-3, 9)).toBe(true);
  expect(arityAccepts(-3, 2)).toBe(false);
});

test('lookup by bytes finds what lookup by name finds, in any case', () => {
  for (const spec of RESP_COMMANDS) {
    for (const spelling of [spec.name, spec.name.toUpperCase(), spec.name.replace(/^./, (c) => c.toUpperCase())]) {
      expect(findCommandByBytes(Buffer.from(spelling, 'latin1'))).toBe(spec);
    }
  }
  for (const unknown of ['', 'gett', 'ge', 'g\u00c9t', 'get\u0000', 'GET ', 'hello|world', 'client|list', '\u00ff\u00ff\u00ff']) {
    expect(findCommandByBytes(Buffer.from(unknown, 'latin1'))).toBe(findCommand(unknown));
  }
});

test('lookups ignore case; subcommands have Redis 7 full names', () => {
  expect(findCommand('GeT')?.name).toBe('get');
  expect(findCommand('incr')?.name).toBe('incr');
  expect(findCommand('swapdb')).toBeUndefined();
  const client = findCommand('CLIENT')!;
  expect(findSubcommand(client, 'SetName')?.name).toBe('client|setname');
  expect(findSubcommand(client, 'nope')).toBeUndefined();
});

test('names are unique and lower case; key positions are consistent', () => {
  const names = RESP_COMMANDS.map((c) => c.name);
  expect(new Set(names).size).toBe(names.length);
  for (const c of RESP_COMMANDS) {
    expect(c.name).toBe(c.name.toLowerCase());
    if (c.firstKey === 0) expect([c.lastKey, c.keyStep]).toEqual([0, 0]);
    else expect(c.keyStep).toBeGreaterThan(0);
  }
});

test('error texts are Redis 7 texts', () => {
  expect(unknownCommandError(Buffer.from('FOO'), [Buffer.from('a'), Buffer.from('b')])).toBe(
    "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ",
  );
  expect(unknownCommandError(Buffer.from('x'), [])).toBe("ERR unknown command 'x', with args beginning with: ");
  // At most 128 characters of quoted arguments.
  const long = unknownCommandError(Buffer.from('x'), [Buffer.alloc(200, 'a'), Buffer.from('b')]);
  expect(long).toBe(`ERR unknown command 'x', with args beginning with: '${'a'.repeat(128)}' `);
  expect(wrongArityError('client|setname')).toBe("ERR wrong number of arguments for 'client|setname' command");
  expect(unknownSubcommandError(Buffer.from('FOO'), 'client')).toBe("ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
});

test.each([
  ['0', 0n],
  ['-1', -1n],
  ['123456789012345', 123456789012345n],
  ['9223372036854775807', 9223372036854775807n],
  ['-9223372036854775808', -9223372036854775808n],
  ['9223372036854775808', null],
  ['-0', null],
  ['01', null],
  ['+1', null],
  [' 1', null],
  ['1 ', null],
  ['', null],
  ['-', null],
  ['1e3', null],
  ['-123456789012345', -123456789012345n],
  ['1234567890123456', 1234567890123456n],
  ['-00', null],
  ['1-', null],
  ['12:', null],
])('strict integer %j', (text, value) => {
  const bytes = Buffer.from(text);
  expect(parseStrictInt64(bytes, 0, bytes.length)).toBe(value);
  // The number form (lengths and counts) accepts and refuses exactly the same strings, also mid-buffer.
  const framed = Buffer.from(`$${text}\r\n`);
  expect(parseStrictSmallInt(framed, 1, framed.length - 2)).toBe(value === null ? null : Number(value));
});

test('key arguments from first / last / step', () => {
  const args = (line: string) => line.split(' ');
  expect(keyArguments(findCommand('get')!, args('GET a'))).toEqual(['a']);
  expect(keyArguments(findCommand('mset')!, args('MSET a 1 b 2'))).toEqual(['a', 'b']);
  expect(keyArguments(findCommand('del')!, args('DEL a b c'))).toEqual(['a', 'b', 'c']);
  expect(keyArguments(findCommand('ping')!, args('PING x'))).toEqual([]);
});

test.each([
  ['*', 'maxmemory', true],
  ['MAX*', 'maxmemory', true],
  ['hash-max-*-entries', 'hash-max-listpack-entries', true],
  ['hash-max-*-entries', 'hash-max-listpack-value', false],
  ['maxmemory?policy', 'maxmemory-policy', true],
  ['[ab]ppendonly', 'appendonly', true],
  ['[^a]ppendonly', 'appendonly', false],
  ['[a-c]ppendonly', 'appendonly', true],
  ['save\\*', 'save*', true],
  ['save\\*', 'saves', false],
  ['save', 'savex', false],
  ['', '', true],
])('glob %j matches %j: %s', (pattern, text, expected) => {
  expect(globMatches(pattern, text)).toBe(expected);
});
