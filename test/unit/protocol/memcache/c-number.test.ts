import { parseCInt32, parseCUint32, parseCUint64, parseCUint64Split } from '../../../../src/protocol/memcache/c-number';

const b = (s: string) => Buffer.from(s, 'latin1');
const u32 = (s: string) => parseCUint32(b(s), 0, s.length);
const i32 = (s: string) => parseCInt32(b(s), 0, s.length);
const u64 = (s: string) => parseCUint64(b(s), 0, s.length);

describe('c-number (memcached safe_strto* on 64-bit glibc)', () => {
  describe('parseCUint32 (flags, verbosity)', () => {
    it.each([
      ['0', 0], ['42', 42], ['007', 7], ['+3', 3], ['-0', 0], ['4294967295', 4294967295],
      ['4294967296', 0], ['4294967301', 5], ['18446744073709551615', 4294967295],
      ['\t5', 5], ['5\t', 5], ['5\u000bjunk', 5], ['-18446744073709551615', 1],
    ])('reads %j as %d', (text, value) => {
      expect(u32(text)).toBe(value);
    });

    it.each(['', '-', '+', 'abc', '1a', '0x1', '-1', '-4294967295', '18446744073709551616', '1.5', ' '])('refuses %j', (text) => {
      expect(u32(text)).toBe(-1);
    });

    it('reads only [start, end) of a larger buffer', () => {
      expect(parseCUint32(b('x123y'), 1, 4)).toBe(123);
    });
  });

  describe('parseCInt32 (exptime, bytes)', () => {
    it.each([
      ['0', 0], ['-1', -1], ['+7', 7], ['2147483647', 2147483647], ['2147483648', -2147483648],
      ['4294967296', 0], ['4294967297', 1], ['8589934592', 0], ['-2147483649', 2147483647],
      ['9223372036854775807', -1], ['-9223372036854775808', 0], ['1\tjunk', 1],
    ])('reads %j as %d', (text, value) => {
      expect(i32(text)).toBe(value);
    });

    it.each(['', 'abc', '1x', '9223372036854775808', '-9223372036854775809', '99999999999999999999'])('refuses %j', (text) => {
      expect(i32(text)).toBeNaN();
    });
  });

  describe('parseCUint64 (delta, cas)', () => {
    it.each([
      ['0', 0n], ['18446744073709551615', 18446744073709551615n], ['00000000000000000000000001', 1n],
      ['-0', 0n], ['-18446744073709551615', 1n], ['-9223372036854775809', 9223372036854775807n], ['+2', 2n],
    ])('reads %j as %s', (text, value) => {
      expect(u64(text)).toBe(value);
    });

    it.each(['-1', '-9223372036854775807', '-9223372036854775808', '18446744073709551616', 'abc', '1x', ''])('refuses %j', (text) => {
      expect(u64(text)).toBeNull();
    });

    it('splits into 32-bit halves on the fast and the slow path', () => {
      const out = { high: -1, low: -1 };
      expect(parseCUint64Split(b('4294967297'), 0, 10, out)).toBe(true);
      expect(out).toEqual({ high: 1, low: 1 });
      expect(parseCUint64Split(b('18446744073709551614'), 0, 20, out)).toBe(true);
      expect(out).toEqual({ high: 4294967295, low: 4294967294 });
      expect(parseCUint64Split(b('x'), 0, 1, out)).toBe(false);
    });
  });
});
