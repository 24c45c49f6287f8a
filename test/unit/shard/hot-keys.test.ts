import { HOT_KEYS_CAPACITY, HOT_KEYS_HALF_LIFE_MS, HotKeys, SAMPLE_AFTER_OPS, PrefixOp, PrefixStats, ShardKeyStats } from '../../../src/shard/hot-keys';
import { OpCode } from '../../../src/shard/messages';
import { hashBytes } from '../../../src/util/hash';
import { mulberry32 } from '../../helpers/prng';

function countKey(hot: HotKeys, key: string, nowMs = 0): void {
  const bytes = Buffer.from(key, 'latin1');
  hot.count(bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length), nowMs);
}

describe('HotKeys', () => {
  it('finds a key that gets 20% of the ops among 100k keys', () => {
    const hot = new HotKeys();
    const random = mulberry32(7);
    const ops = 200_000;
    for (let i = 0; i < ops; i++) {
      if (random() < 0.2) countKey(hot, 'user:hot');
      else countKey(hot, `user:${Math.floor(random() * 100_000)}`);
    }
    const { keys, ops: counted } = hot.snapshot();
    // Past SAMPLE_AFTER_OPS one op in SAMPLE_EVERY is counted with that weight: the total is an estimate.
    expect(ops).toBeGreaterThan(SAMPLE_AFTER_OPS);
    expect(Math.abs(counted - ops) / ops).toBeLessThan(0.02);
    expect(keys[0]!.key).toBe('user:hot');
    const share = keys[0]!.count / counted;
    expect(share).toBeGreaterThan(0.19);
    expect(share).toBeLessThan(0.21);
    // The runner-up is background noise: far below the hot key.
    expect(keys[1]!.count).toBeLessThan(keys[0]!.count / 10);
  });

  it('keeps the Space-Saving bounds (count - error <= true count <= count) under churn', () => {
    const hot = new HotKeys();
    const random = mulberry32(42);
    const truth = new Map<string, number>();
    // Below SAMPLE_AFTER_OPS every op is counted, so the bounds are exact.
    const ops = 50_000;
    expect(ops).toBeLessThanOrEqual(SAMPLE_AFTER_OPS);
    for (let i = 0; i < ops; i++) {
      // Zipf-like: a few heavy keys, a long tail that keeps evicting counters.
      const r = random();
      const key = r < 0.5 ? `k${Math.floor(random() * 20)}` : `tail${Math.floor(random() * 20_000)}`;
      truth.set(key, (truth.get(key) ?? 0) + 1);
      countKey(hot, key);
    }
    const { keys } = hot.snapshot(HOT_KEYS_CAPACITY);
    expect(keys).toHaveLength(HOT_KEYS_CAPACITY);
    // The counters always add up to the ops counted.
    expect(keys.reduce((n, k) => n + k.count, 0)).toBe(ops);
    for (const k of keys) {
      const real = truth.get(k.key) ?? 0;
      expect(k.count).toBeGreaterThanOrEqual(real);
      expect(k.count - k.error).toBeLessThanOrEqual(real);
    }
    // Every key above ops / capacity is listed (the guarantee), and each key once.
    const listed = new Set(keys.map((k) => k.key));
    expect(listed.size).toBe(keys.length);
    for (const [key, n] of truth) if (n > ops / HOT_KEYS_CAPACITY) expect(listed).toContain(key);
  });

  it('halves the counts once a half-life has passed, keeping the order', () => {
    const hot = new HotKeys();
    for (let i = 0; i < 5000; i++) countKey(hot, i % 5 === 0 ? 'a' : `b${i % 3}`, 0);
    const before = hot.snapshot();
    // The clock is looked at every 4096 ops: count enough for one look after the half-life.
    for (let i = 0; i < 4096; i++) countKey(hot, 'c', HOT_KEYS_HALF_LIFE_MS);
    const after = hot.snapshot();
    expect(after.ops).toBeLessThan(before.ops + 4096);
    expect(after.keys.find((k) => k.key === 'a')!.count).toBeLessThan(before.keys.find((k) => k.key === 'a')!.count);
  });

  it('counts nothing while switched off, and starts over after reset', () => {
    const hot = new HotKeys();
    countKey(hot, 'x');
    hot.enabled = false;
    countKey(hot, 'y');
    expect(hot.snapshot()).toEqual({ keys: [{ key: 'x', count: 1, error: 0 }], ops: 1 });
    hot.enabled = true;
    hot.reset();
    countKey(hot, 'z');
    expect(hot.snapshot()).toEqual({ keys: [{ key: 'z', count: 1, error: 0 }], ops: 1 });
  });

  it('keeps at most 250 bytes of a long key for display', () => {
    const hot = new HotKeys();
    countKey(hot, 'k'.repeat(300));
    expect(hot.snapshot().keys[0]!.key).toBe('k'.repeat(250));
  });
});

describe('PrefixStats (memcached stats_prefix.c)', () => {
  const record = (p: PrefixStats, key: string, op: PrefixOp, hit = false): void => {
    const bytes = Buffer.from(key, 'latin1');
    p.record(bytes, 0, bytes.length, op, hit);
  };

  it('counts by the text before the first delimiter; keys without one are not counted', () => {
    const p = new PrefixStats(':'.charCodeAt(0));
    record(p, 'a:1', PrefixOp.Get, true);
    record(p, 'a:2:3', PrefixOp.Get, false);
    record(p, 'a:1', PrefixOp.Set);
    record(p, 'a:9', PrefixOp.Delete);
    record(p, ':lead', PrefixOp.Get, true);
    record(p, 'nocolon', PrefixOp.Get, true);
    expect(p.snapshot().map(({ firstSeen: _f, ...rest }) => rest)).toEqual([
      { prefix: 'a', get: 2, hit: 1, set: 1, del: 1 },
      { prefix: '', get: 1, hit: 1, set: 0, del: 0 },
    ]);
  });
});

describe('ShardKeyStats', () => {
  it('switches per-prefix recording on and off and keeps the counts for dump', () => {
    const stats = new ShardKeyStats();
    expect(stats.prefixes).toBeNull();
    const store = {} as never;
    stats.control(OpCode.KeyStatsControl, 1, ':'.charCodeAt(0), store, 0);
    const key = Buffer.from('a:1');
    stats.recordPrefix(OpCode.Get, key, 0, key.length, true);
    stats.recordPrefix(OpCode.Cas, key, 0, key.length, false);
    stats.recordPrefix(OpCode.Touch, key, 0, key.length, false);
    stats.control(OpCode.KeyStatsControl, 0, ':'.charCodeAt(0), store, 0);
    expect(stats.prefixes).toBeNull();
    const dump = JSON.parse(Buffer.from(stats.control(OpCode.PrefixStatsDump, 0, 0, store, 0)!).toString()) as { prefix: string; get: number; set: number }[];
    expect(dump.map((d) => [d.prefix, d.get, d.set])).toEqual([['a', 1, 1]]);
    stats.reset();
    expect(JSON.parse(Buffer.from(stats.control(OpCode.PrefixStatsDump, 0, 0, store, 0)!).toString())).toEqual([]);
  });

  it('stops counting hot keys when told to', () => {
    const stats = new ShardKeyStats();
    stats.control(OpCode.KeyStatsControl, 2, 0, {} as never, 0);
    const key = Buffer.from('k');
    stats.countKey(key, 0, 1, 1, 0);
    expect(stats.snapshot()).toEqual({ hot_keys: [], hot_keys_ops: 0 });
  });
});
