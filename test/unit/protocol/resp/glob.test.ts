/**
 * Redis's stringmatchlen rules, case-sensitive as PSUBSCRIBE uses them, with
 * the quirks clients can observe. (The differential test compares hundreds of
 * random patterns against redis-server itself through PUBSUB CHANNELS.)
 */
import { globMatchBytes } from '../../../../src/protocol/resp/glob';

const match = (pattern: string, text: string, nocase = false): boolean =>
  globMatchBytes(Buffer.from(pattern, 'latin1'), Buffer.from(text, 'latin1'), nocase);

describe('globMatchBytes', () => {
  test.each([
    // wildcards
    ['news.*', 'news.sport', true],
    ['news.*', 'news.', true],
    ['news.*', 'news', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h**llo', 'heeeello', true],
    ['*a*b*c*', 'xaxbxcx', true],
    ['*a*b*c*', 'xaxcxbx', false],
    // sets, negated sets and ranges
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true],
    ['h[a-b]llo', 'hcllo', false],
    // escapes, outside and inside sets
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[\\]]', ']', true],
    ['[\\^a]', '^', true],
    ['a\\', 'a\\', true],
    // case sensitive unless asked
    ['NEWS', 'news', false],
  ])('%j vs %j → %s', (pattern, text, expected) => {
    expect(match(pattern, text)).toBe(expected);
  });

  test.each([
    // An empty text matches nothing but the empty pattern: Redis's loop never runs.
    ['*', '', false],
    ['', '', true],
    ['', 'a', false],
    // A set the pattern ends inside matches as if it were closed there.
    ['[ab', 'a', true],
    ['[ab', 'c', false],
    // `x-]` is a range ending at ']' (Redis reads any x-y): `[a-]` is ']'..'a', so '_' but not 'b' or '-'.
    ['[a-]', '_', true],
    ['[a-]', 'b', false],
    ['[a-]', '-', false],
    // `[]` and `[^]` are sets without members.
    ['[]', 'a', false],
    ['[^]', 'a', true],
    // A trailing backslash is a literal backslash.
    ['\\', '\\', true],
  ])('quirk: %j vs %j → %s', (pattern, text, expected) => {
    expect(match(pattern, text)).toBe(expected);
  });

  test('nocase folds ASCII letters in literals and ranges, not bytes above 0x7f', () => {
    expect(match('NEWS.*', 'news.x', true)).toBe(true);
    expect(match('[A-C]x', 'bx', true)).toBe(true);
    expect(match('\xc9', '\xe9', true)).toBe(false);
  });

  test('matches binary channel names byte for byte', () => {
    expect(globMatchBytes(Buffer.from([0x2a, 0x00]), Buffer.from([0xff, 0x00]))).toBe(true);
    expect(globMatchBytes(Buffer.from([0x3f]), Buffer.from([0x00]))).toBe(true);
  });

  test('a pathological pattern fails fast instead of backtracking forever', () => {
    const pattern = `${'a*'.repeat(30)}b`;
    const text = 'a'.repeat(60);
    const started = Date.now();
    expect(match(pattern, text)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('nesting past 1000 stars fails the match, as Redis limits it (checked against redis-server 7.0)', () => {
    // The last star matches the rest without recursing: n stars nest n - 1 deep.
    expect(match('a*'.repeat(1001), 'a'.repeat(1001))).toBe(true);
    expect(match('a*'.repeat(1002), 'a'.repeat(1002))).toBe(false);
  });
});
