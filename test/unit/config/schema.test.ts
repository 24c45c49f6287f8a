import {
  ITEM_SIZE_RULE,
  MEMORY_LIMIT_RULE,
  formatSize,
  parseGrowthFactor,
  parseListen,
  parseSize,
  parseUnixMask,
} from '../../../src/config/schema';

const value = <T>(parsed: { ok: true; value: T } | { ok: false; reason: string }): T => {
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value;
};

describe('parseSize', () => {
  it('reads a bare number in the rule unit and k/m/g suffixes in any case', () => {
    expect(value(parseSize('64', MEMORY_LIMIT_RULE))).toBe(64 * 2 ** 20);
    expect(value(parseSize('64', { ...ITEM_SIZE_RULE, min: 1 }))).toBe(64);
    expect(value(parseSize('3k', ITEM_SIZE_RULE))).toBe(3072);
    expect(value(parseSize('3K', ITEM_SIZE_RULE))).toBe(3072);
    expect(value(parseSize('1g', MEMORY_LIMIT_RULE))).toBe(2 ** 30);
  });

  it.each(['', 'k', '-1k', '1.5m', '1 m', '1mb', '0x10', '1e3', '1t'])('rejects %j', (text) => {
    expect(parseSize(text, MEMORY_LIMIT_RULE).ok).toBe(false);
  });

  it('rejects digits too long to be a size without losing precision silently', () => {
    expect(parseSize('9'.repeat(40), MEMORY_LIMIT_RULE)).toEqual({
      ok: false,
      reason: `"${'9'.repeat(40)}" is out of range (2k to 1024g)`,
    });
  });
});

describe('formatSize', () => {
  it.each([
    [0, '0'],
    [1024, '1k'],
    [1536 * 1024, '1536k'],
    [2 ** 20, '1m'],
    [3 * 2 ** 30, '3g'],
    [1500, '1500 bytes'],
  ])('%d → %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('parseUnixMask', () => {
  it.each([
    ['700', 0o700],
    ['0700', 0o700],
    ['0o755', 0o755],
    ['0', 0],
    ['777', 0o777],
  ])('%s → %o', (text, mask) => {
    expect(value(parseUnixMask(text))).toBe(mask);
  });
});

describe('parseGrowthFactor', () => {
  it.each([['1.25', 1.25], ['2', 2], ['1.01', 1.01]])('%s → %d', (text, factor) => {
    expect(value(parseGrowthFactor(text))).toBe(factor);
  });
  it.each(['1', '0.99', '-2', '1e1', 'Infinity', '.5', ''])('rejects %j', (text) => {
    expect(parseGrowthFactor(text).ok).toBe(false);
  });
});

describe('parseListen', () => {
  it('accepts IPv4, IPv6 (bare or bracketed) and host names', () => {
    expect(value(parseListen('0.0.0.0, ::, [fe80::1], localhost, cache-1.example.com.'))).toEqual([
      '0.0.0.0',
      '::',
      'fe80::1',
      'localhost',
      'cache-1.example.com.',
    ]);
  });
  it.each(['', ' ', '-bad', 'bad-', 'a..b', 'under_score', '1.2.3', '[::1]:11211', 'host:1'])('rejects %j', (text) => {
    expect(parseListen(text).ok).toBe(false);
  });
});
