import { plain, TypedKey } from './typed-harness';

describe('hash typed commands', () => {
  it('HSET counts new fields, keeps insertion order, HGETALL returns a map', () => {
    const h = new TypedKey();
    expect(plain(h.run('hset', 'a', '1', 'b', '2'))).toBe(2);
    expect(plain(h.run('hset', 'a', 'x', 'c', '3'))).toBe(1);
    expect(h.run('hgetall').kind).toBe('map');
    expect(plain(h.run('hgetall'))).toEqual([['a', 'x'], ['b', '2'], ['c', '3']]);
    expect(plain(h.run('hkeys'))).toEqual(['a', 'b', 'c']);
    expect(plain(h.run('hvals'))).toEqual(['x', '2', '3']);
    expect(plain(h.run('hlen'))).toBe(3);
  });

  it('refuses an odd field/value list with the command name in the arity error', () => {
    const h = new TypedKey();
    expect(plain(h.run('hset', 'a', '1', 'b'))).toEqual({ error: "ERR wrong number of arguments for 'hset' command" });
    expect(plain(h.run('hmset', 'a'))).toEqual({ error: "ERR wrong number of arguments for 'hmset' command" });
    expect(h.value).toBeNull();
  });

  it('HMSET replies OK; HGET / HMGET / HEXISTS / HSTRLEN read fields', () => {
    const h = new TypedKey();
    expect(plain(h.run('hmset', 'f', 'hello', 'g', ''))).toBe('OK');
    expect(plain(h.run('hget', 'f'))).toBe('hello');
    expect(plain(h.run('hget', 'zz'))).toBeNull();
    expect(plain(h.run('hmget', 'g', 'zz', 'f'))).toEqual(['', null, 'hello']);
    expect(plain(h.run('hexists', 'g'))).toBe(1);
    expect(plain(h.run('hexists', 'q'))).toBe(0);
    expect(plain(h.run('hstrlen', 'f'))).toBe(5);
    expect(plain(h.run('hstrlen', 'q'))).toBe(0);
  });

  it('is binary safe in fields and values', () => {
    const h = new TypedKey();
    const field = new Uint8Array([0, 255, 13, 10]);
    const value = new Uint8Array([1, 2, 0, 3]);
    h.run('hset', field, value);
    const reply = h.run('hget', field);
    expect(reply.kind === 'bulk' && Buffer.from(reply.value).equals(Buffer.from(value))).toBe(true);
  });

  it('HDEL removes fields and deletes the key when the hash empties', () => {
    const h = new TypedKey();
    h.run('hset', 'a', '1', 'b', '2');
    expect(plain(h.run('hdel', 'a', 'zz', 'a'))).toBe(1);
    expect(h.value).not.toBeNull();
    expect(plain(h.run('hdel', 'b'))).toBe(1);
    expect(h.value).toBeNull();
    expect(plain(h.run('hdel', 'b'))).toBe(0);
  });

  it('HSETNX sets only a missing field', () => {
    const h = new TypedKey();
    expect(plain(h.run('hsetnx', 'a', '1'))).toBe(1);
    expect(plain(h.run('hsetnx', 'a', '2'))).toBe(0);
    expect(plain(h.run('hget', 'a'))).toBe('1');
  });

  it('HINCRBY with Redis errors for bad increments, bad values and overflow', () => {
    const h = new TypedKey();
    expect(plain(h.run('hincrby', 'n', '5'))).toBe(5);
    expect(plain(h.run('hincrby', 'n', '-7'))).toBe(-2);
    expect(plain(h.run('hincrby', 'n', 'x'))).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect(plain(h.run('hincrby', 'n', '+1'))).toEqual({ error: 'ERR value is not an integer or out of range' });
    h.run('hset', 's', 'abc', 'big', '9223372036854775807');
    expect(plain(h.run('hincrby', 's', '1'))).toEqual({ error: 'ERR hash value is not an integer' });
    expect(plain(h.run('hincrby', 'big', '1'))).toEqual({ error: 'ERR increment or decrement would overflow' });
    const reply = h.run('hincrby', 'big', '0');
    expect(reply).toEqual({ kind: 'integer', value: 9223372036854775807n });
  });

  it('HINCRBYFLOAT prints as Redis and refuses what Redis refuses', () => {
    const h = new TypedKey();
    expect(plain(h.run('hincrbyfloat', 'f', '0.1'))).toBe('0.1');
    expect(plain(h.run('hincrbyfloat', 'f', '0.2'))).toBe('0.3');
    expect(plain(h.run('hincrbyfloat', 'f', '1e2'))).toBe('100.3');
    expect(plain(h.run('hget', 'f'))).toBe('100.3');
    expect(plain(h.run('hincrbyfloat', 'f', 'x'))).toEqual({ error: 'ERR value is not a valid float' });
    expect(plain(h.run('hincrbyfloat', 'f', 'inf'))).toEqual({ error: 'ERR value is NaN or Infinity' });
    h.run('hset', 's', 'abc');
    expect(plain(h.run('hincrbyfloat', 's', '1'))).toEqual({ error: 'ERR hash value is not a float' });
  });

  it('HSCAN returns every field at cursor 0 and checks its arguments as Redis', () => {
    const h = new TypedKey();
    h.run('hset', 'a', '1', 'b', '2');
    expect(plain(h.run('hscan', '0'))).toEqual(['0', ['a', '1', 'b', '2']]);
    expect(plain(h.run('hscan', '0', 'COUNT', '10', 'MATCH', '*'))).toEqual(['0', ['a', '1', 'b', '2']]);
    expect(plain(h.run('hscan', 'x'))).toEqual({ error: 'ERR invalid cursor' });
    expect(plain(h.run('hscan', '0', 'count', '0'))).toEqual({ error: 'ERR syntax error' });
    expect(plain(h.run('hscan', '0', 'count', 'x'))).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect(plain(h.run('hscan', '0', 'foo'))).toEqual({ error: 'ERR syntax error' });
  });

  it('HRANDFIELD follows Redis count rules', () => {
    const h = new TypedKey(7);
    expect(plain(h.run('hrandfield'))).toBeNull();
    expect(plain(h.run('hrandfield', '3'))).toEqual([]);
    h.run('hset', 'a', '1', 'b', '2', 'c', '3');
    expect(['a', 'b', 'c']).toContain(plain(h.run('hrandfield')));
    const two = plain(h.run('hrandfield', '2')) as string[];
    expect(new Set(two).size).toBe(2);
    expect((plain(h.run('hrandfield', '10')) as string[]).sort()).toEqual(['a', 'b', 'c']);
    expect((plain(h.run('hrandfield', '-10')) as string[]).length).toBe(10);
    const withValues = plain(h.run('hrandfield', '-4', 'WITHVALUES')) as string[];
    expect(withValues.length).toBe(8);
    for (let i = 0; i < 8; i += 2) expect(withValues[i + 1]).toBe({ a: '1', b: '2', c: '3' }[withValues[i]!]);
    expect(plain(h.run('hrandfield', 'x'))).toEqual({ error: 'ERR value is not an integer or out of range' });
    expect(plain(h.run('hrandfield', '1', 'withvaluesx'))).toEqual({ error: 'ERR syntax error' });
    expect(plain(h.run('hrandfield', '-9223372036854775808'))).toEqual({
      error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    });
  });
});

describe('hash reads without decoding', () => {
  it('finds fields by exact bytes, never a value that looks like the field, nor a prefix', () => {
    const h = new TypedKey();
    h.run('hset', 'ab', 'a', 'a', 'ab', 'abc', '');
    expect(plain(h.run('hget', 'a'))).toBe('ab');
    expect(plain(h.run('hget', 'ab'))).toBe('a');
    expect(plain(h.run('hget', 'abc'))).toBe('');
    expect(plain(h.run('hexists', 'abc'))).toBe(1);
    expect(plain(h.run('hget', 'b'))).toBeNull();
    expect(plain(h.run('hexists', ''))).toBe(0);
    expect(plain(h.run('hstrlen', 'ab'))).toBe(1);
    expect(plain(h.run('hlen'))).toBe(3);
  });
});
