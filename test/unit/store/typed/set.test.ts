import { plain, TypedKey } from './typed-harness';

const sorted = (v: unknown): string[] => [...(v as string[])].sort();

describe('set typed commands', () => {
  it('SADD / SREM count changes; the key goes away when empty', () => {
    const s = new TypedKey();
    expect(plain(s.run('sadd', 'a', 'b', 'a'))).toBe(2);
    expect(plain(s.run('sadd', 'a'))).toBe(0);
    expect(s.run('smembers').kind).toBe('set');
    expect(sorted(plain(s.run('smembers')))).toEqual(['a', 'b']);
    expect(plain(s.run('scard'))).toBe(2);
    expect(plain(s.run('srem', 'a', 'zz'))).toBe(1);
    expect(plain(s.run('srem', 'b'))).toBe(1);
    expect(s.value).toBeNull();
    expect(plain(s.run('scard'))).toBe(0);
  });

  it('SISMEMBER / SMISMEMBER', () => {
    const s = new TypedKey();
    s.run('sadd', 'x', 'y');
    expect(plain(s.run('sismember', 'x'))).toBe(1);
    expect(plain(s.run('sismember', 'q'))).toBe(0);
    expect(plain(s.run('smismember', 'q', 'y', 'x'))).toEqual([0, 1, 1]);
  });

  it('SPOP removes what it returns; count must be positive', () => {
    const s = new TypedKey(3);
    expect(plain(s.run('spop'))).toBeNull();
    expect(plain(s.run('spop', '2'))).toEqual([]);
    s.run('sadd', 'a', 'b', 'c', 'd');
    const one = plain(s.run('spop')) as string;
    expect(plain(s.run('sismember', one))).toBe(0);
    const popped = s.run('spop', '2');
    expect(popped.kind).toBe('set');
    expect(plain(s.run('scard'))).toBe(1);
    expect(plain(s.run('spop', '-1'))).toEqual({ error: 'ERR value is out of range, must be positive' });
    expect(plain(s.run('spop', 'x'))).toEqual({ error: 'ERR value is out of range, must be positive' });
    expect(plain(s.run('spop', '1', '2'))).toEqual({ error: 'ERR syntax error' });
    s.run('spop', '5');
    expect(s.value).toBeNull();
  });

  it('SRANDMEMBER: distinct for positive counts, repeats for negative', () => {
    const s = new TypedKey(5);
    s.run('sadd', 'a', 'b', 'c');
    expect(new Set(plain(s.run('srandmember', '2')) as string[]).size).toBe(2);
    expect(sorted(plain(s.run('srandmember', '9')))).toEqual(['a', 'b', 'c']);
    expect((plain(s.run('srandmember', '-7')) as string[]).length).toBe(7);
    expect(plain(s.run('scard'))).toBe(3);
    expect(plain(s.run('srandmember', 'x'))).toEqual({ error: 'ERR value is not an integer or out of range' });
  });

  it('SSCAN returns every member at cursor 0', () => {
    const s = new TypedKey();
    s.run('sadd', 'a', 'b');
    expect(plain(s.run('sscan', '0'))).toEqual(['0', ['a', 'b']]);
    expect(plain(s.run('sscan', '-1'))).toEqual({ error: 'ERR invalid cursor' });
  });

  it('__sstore replaces the value (empty = delete) and resets the expiry', () => {
    const s = new TypedKey();
    s.run('sadd', 'old');
    expect(plain(s.run('__sstore', 'x', 'y', 'x'))).toBe(2);
    expect(sorted(plain(s.run('smembers')))).toEqual(['x', 'y']);
    expect(plain(s.run('__sstore'))).toBe(0);
    expect(s.value).toBeNull();
  });
});

describe('random picks', () => {
  it('refuses a negative count too large to answer instead of blocking the shard', () => {
    const s = new TypedKey();
    s.run('sadd', 'a');
    const reply = plain(s.run('srandmember', '-9223372036854775807')) as { error: string };
    expect(reply.error).toMatch(/^ERR value is out of range/);
    const h = new TypedKey();
    h.run('hset', 'f', 'v');
    expect((plain(h.run('hrandfield', '-9223372036854775807')) as { error: string }).error).toMatch(/^ERR value is out of range/);
  });
});

describe('set membership without decoding', () => {
  it('matches whole members only', () => {
    const s = new TypedKey();
    s.run('sadd', 'abc', '', 'ab');
    expect(plain(s.run('sismember', 'ab'))).toBe(1);
    expect(plain(s.run('sismember', ''))).toBe(1);
    expect(plain(s.run('sismember', 'a'))).toBe(0);
    expect(plain(s.run('sismember', 'abcd'))).toBe(0);
  });
});
