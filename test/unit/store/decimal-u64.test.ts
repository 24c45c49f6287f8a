import { DecimalU64 } from '../../../src/store/decimal-u64';

function parse(s: string): bigint | null {
  const d = new DecimalU64();
  const b = Buffer.from(s, 'latin1');
  if (!d.parse(b, 0, b.length)) return null;
  return d.isBig ? d.big : BigInt(d.small);
}

describe('DecimalU64.parse (memcached safe_strtoull)', () => {
  it.each([
    ['0', 0n],
    ['42', 42n],
    ['42 ', 42n],
    ['42\r\n', 42n],
    ['\t 42', 42n],
    ['+42', 42n],
    ['-0', 0n],
    ['9007199254740991', 9007199254740991n],
    ['9007199254740993', 9007199254740993n],
    ['18446744073709551615', 18446744073709551615n],
    ['000000000000000000000000000018446744073709551615', 18446744073709551615n],
    ['-18446744073709551615', 1n],
    ['-9223372036854775809', 9223372036854775807n],
  ])('accepts %j', (s, v) => expect(parse(s)).toBe(v));

  it.each(['', ' ', '-', '+', 'x', '4x', '4.5', '-1', '-9223372036854775808', '18446744073709551616', '99999999999999999999999', '1'.repeat(100_000)])(
    'rejects %j',
    (s) => expect(parse(s)).toBeNull(),
  );

  it('parses inside a larger buffer', () => {
    const d = new DecimalU64();
    const b = Buffer.from('xx123yy');
    expect(d.parse(b, 2, 3)).toBe(true);
    expect(d.small).toBe(123);
  });
});
