/**
 * The long double emulation behind INCRBYFLOAT, against answers Debian's
 * redis-server 7.0 gave for the same INCRBYFLOAT calls.
 */
import { addLongDouble, formatLongDouble, parseLongDouble } from '../../../src/store/long-double';

/** What INCRBYFLOAT answers for a stored `value` and an `increment`. */
function incrByFloat(value: string, increment: string): string {
  const a = parseLongDouble(value);
  const b = parseLongDouble(increment);
  if (a === null || b === null) return 'not a valid float';
  const sum = addLongDouble(a, b);
  return sum === null || sum.infinite ? 'NaN or Infinity' : formatLongDouble(sum);
}

describe('long double INCRBYFLOAT arithmetic', () => {
  it.each([
    ['0', '0.1', '0.1'],
    ['0.1', '0.2', '0.3'],
    ['10.5', '0.1', '10.6'],
    ['3', '5.0e3', '5003'],
    ['5003', '0x10', '5019'],
    ['9.5', '0x1p3', '17.5'],
    ['-1', '1', '0'],
    ['0', '-0.0', '0'],
    ['0', '1e-20', '0'],
    ['0', '3.0', '3'],
    ['3', '.5', '3.5'],
    ['3.5', '5.', '8.5'],
    ['8.5', '+1', '9.5'],
    ['9.5', '1e-4940', '9.5'],
    ['9.5', '1e-4950', '9.5'],
  ])('%s + %s = %s', (value, increment, expected) => {
    expect(incrByFloat(value, increment)).toBe(expected);
  });

  it('prints huge values in full, as %.17Lf does', () => {
    expect(incrByFloat('0', '1e300').slice(0, 40)).toBe('1000000000000000000008997324079559193870');
    expect(incrByFloat('0', '1e300')).toHaveLength(301);
    expect(incrByFloat('0', '1.5e4931').slice(0, 84)).toBe('150000000000000000000902842408194583698575666138179967216067756202879952922991308361');
    expect(incrByFloat('1e4932', '1').slice(0, 41)).toBe('10000000000000000000060189493879638913238');
    expect(incrByFloat('1e4931', '1e4931').slice(0, 20)).toBe('20000000000000000000');
  });

  it('refuses what string2ld refuses and reports infinite results', () => {
    for (const bad of [' 1', '1 ', 'nan', '-nan', '', 'abc', '1e5000', '1e-5000', '0x', '.', 'e5', '1e', '1.2.3', 'x'.repeat(6000)]) {
      expect([bad, incrByFloat('1', bad)]).toEqual([bad, 'not a valid float']);
    }
    expect(incrByFloat('1', 'inf')).toBe('NaN or Infinity');
    expect(incrByFloat('1', '-Infinity')).toBe('NaN or Infinity');
    expect(incrByFloat('1.1e4932', '1.1e4932')).toBe('NaN or Infinity');
  });
});
