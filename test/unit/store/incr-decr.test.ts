import { StoreMode, StoreStatus } from '../../../src/store/types';
import { HEADER_SIZE } from '../../../src/store/item-layout';
import { NOW, get, getValue, incrDecr, makeStore, resultCas, set, storeOp } from './helpers';

const U64_MAX = (1n << 64n) - 1n;

describe('Store.incrDecr', () => {
  it('NotFound when missing or expired', () => {
    const s = makeStore();
    expect(incrDecr(s, 'n', true, 1n).status).toBe(StoreStatus.NotFound);
    set(s, 'n', '5', { exp: NOW + 10 });
    expect(incrDecr(s, 'n', true, 1n, NOW + 10).status).toBe(StoreStatus.NotFound);
  });

  it('increments and decrements', () => {
    const s = makeStore();
    set(s, 'n', '10', { flags: 77, exp: NOW + 1000 });
    expect(incrDecr(s, 'n', true, 5n)).toEqual({ status: StoreStatus.Ok, value: '15' });
    expect(incrDecr(s, 'n', false, 3n)).toEqual({ status: StoreStatus.Ok, value: '12' });
    expect(get(s, 'n')).toMatchObject({ value: '12', flags: 77 });
    expect(get(s, 'n', NOW + 1000)).toBeNull();
    s.checkInvariants();
  });

  it('gives a new CAS on every incr/decr and reports it', () => {
    const s = makeStore();
    set(s, 'n', '1');
    const c0 = resultCas(s);
    incrDecr(s, 'n', true, 1n);
    const c1 = resultCas(s);
    expect(c1).toBeGreaterThan(c0);
    expect(get(s, 'n')!.cas).toBe(c1);
    incrDecr(s, 'n', true, 100n); // reallocates (longer)
    const c2 = resultCas(s);
    expect(c2).toBeGreaterThan(c1);
    expect(get(s, 'n')!.cas).toBe(c2);
  });

  it('decr floors at 0', () => {
    const s = makeStore();
    set(s, 'n', '5');
    expect(incrDecr(s, 'n', false, 6n).value).toBe('0');
    expect(incrDecr(s, 'n', false, U64_MAX).value).toBe('0');
  });

  it('incr wraps modulo 2^64', () => {
    const s = makeStore();
    set(s, 'n', U64_MAX.toString());
    expect(incrDecr(s, 'n', true, 1n).value).toBe('0');
    set(s, 'n', (U64_MAX - 1n).toString());
    expect(incrDecr(s, 'n', true, 3n).value).toBe('1');
    set(s, 'n', '5');
    expect(incrDecr(s, 'n', true, U64_MAX).value).toBe('4');
  });

  it('handles values around 2^53 exactly', () => {
    const s = makeStore();
    set(s, 'n', '9007199254740991');
    expect(incrDecr(s, 'n', true, 1n).value).toBe('9007199254740992');
    expect(incrDecr(s, 'n', true, 1n).value).toBe('9007199254740993');
    expect(incrDecr(s, 'n', false, 2n).value).toBe('9007199254740991');
    set(s, 'n', '18446744073709551000');
    expect(incrDecr(s, 'n', false, 1000n).value).toBe('18446744073709550000');
    expect(incrDecr(s, 'n', true, 9007199254740993n).value).toBe('9007199254739377');
  });

  it('decr to a shorter number updates in place, padded with spaces (memcached quirk)', () => {
    const s = makeStore();
    set(s, 'n', '10');
    expect(incrDecr(s, 'n', false, 1n).value).toBe('9');
    expect(getValue(s, 'n')).toBe('9 ');
    expect(incrDecr(s, 'n', true, 1n).value).toBe('10');
    expect(getValue(s, 'n')).toBe('10');
    set(s, 'm', '1000');
    incrDecr(s, 'm', false, 995n);
    expect(getValue(s, 'm')).toBe('5   ');
    expect(s.stats().bytes).toBe(2 * HEADER_SIZE + (1 + 2) + (1 + 4));
    s.checkInvariants();
  });

  it('a padded value still parses; growth beyond the old length reallocates', () => {
    const s = makeStore();
    set(s, 'n', '99', { flags: 4, exp: NOW + 5000 });
    const before = s.stats().total_items;
    expect(incrDecr(s, 'n', true, 1n).value).toBe('100');
    expect(get(s, 'n')).toMatchObject({ value: '100', flags: 4 });
    expect(getValue(s, 'n', NOW + 5000)).toBeNull();
    expect(s.stats().total_items).toBe(before + 1);
    set(s, 'p', '9 ');
    expect(incrDecr(s, 'p', true, 991n).value).toBe('1000');
    expect(getValue(s, 'p')).toBe('1000');
    s.checkInvariants();
  });

  it('moves to the next class when the digits no longer fit the chunk', () => {
    const s = makeStore();
    // header + flags word + key + 19 digits = 96 bytes: exactly fills class 1
    const key = 'k'.repeat(96 - HEADER_SIZE - 4 - 19);
    set(s, key, '1000000000000000000', { flags: 6, exp: NOW + 100 });
    expect(s.stats().slab_classes[0]!.used_chunks).toBe(1);
    expect(incrDecr(s, key, true, 9000000000000000000n).value).toBe('10000000000000000000');
    const st = s.stats();
    expect(st.slab_classes[0]!.used_chunks).toBe(0);
    expect(st.slab_classes[1]!.used_chunks).toBe(1);
    expect(get(s, key)).toMatchObject({ value: '10000000000000000000', flags: 6 });
    expect(getValue(s, key, NOW + 100)).toBeNull();
    s.checkInvariants();
  });

  it('NoMemory when the grown item needs a page the budget cannot give', () => {
    const s = makeStore({ pages: 1, pageSize: 64 * 1024 });
    const key = 'k'.repeat(96 - HEADER_SIZE - 19); // exactly fills class 1
    set(s, key, '1000000000000000000');
    expect(incrDecr(s, key, true, 9000000000000000000n).status).toBe(StoreStatus.NoMemory);
    expect(getValue(s, key)).toBe('1000000000000000000');
    s.checkInvariants();
  });

  describe('NonNumeric', () => {
    const cases: Array<[string, string]> = [
      ['empty', ''],
      ['letters', 'abc'],
      ['digits then letters', '12abc'],
      ['too large', '18446744073709551616'],
      ['way too large', '9'.repeat(1000)],
      ['negative', '-1'],
      ['lone sign', '-'],
      ['spaces only', '   '],
      ['decimal point', '1.5'],
    ];
    for (const [name, value] of cases) {
      it(name, () => {
        const s = makeStore();
        set(s, 'n', value);
        expect(incrDecr(s, 'n', true, 1n).status).toBe(StoreStatus.NonNumeric);
        expect(incrDecr(s, 'n', false, 1n).status).toBe(StoreStatus.NonNumeric);
        expect(getValue(s, 'n')).toBe(value);
      });
    }
  });

  describe('accepts what strtoull accepts', () => {
    const cases: Array<[string, string, string]> = [
      ['trailing space', '7 ', '8'],
      ['trailing text after whitespace', '7 apples', '8'],
      ['trailing CRLF', '7\r\n', '8'],
      ['leading whitespace', '  7', '8'],
      ['plus sign', '+7', '8'],
      ['minus zero', '-0', '1'],
      ['leading zeros', '0000000000000000000000000042', '43'],
      ['max', '18446744073709551614', '18446744073709551615'],
    ];
    for (const [name, value, expected] of cases) {
      it(name, () => {
        const s = makeStore();
        set(s, 'n', value);
        expect(incrDecr(s, 'n', true, 1n)).toEqual({ status: StoreStatus.Ok, value: expected });
      });
    }
  });

  it('does not change the value on a non-numeric error nor the CAS', () => {
    const s = makeStore();
    set(s, 'n', 'x');
    const cas = resultCas(s);
    incrDecr(s, 'n', true, 1n);
    expect(get(s, 'n')!.cas).toBe(cas);
  });

  it('works on values written by append', () => {
    const s = makeStore();
    set(s, 'n', '1');
    storeOp(s, StoreMode.Append, 'n', '0');
    expect(incrDecr(s, 'n', true, 1n).value).toBe('11');
  });
});
