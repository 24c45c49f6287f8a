/**
 * The protocol-neutral item ops end to end: Router → ShardClient → batch codec (args block) →
 * executor → store → reply with the item info block, read back through the accessors in
 * router/item-ops.ts. Shards run in-process (jest cannot load TypeScript workers).
 */
import {
  OpCode,
  replyCas,
  replyCreated,
  replyHasValue,
  replyHitBefore,
  replyIdleSeconds,
  replyItemSize,
  replySlabClassId,
  replyStale,
  replyTtlSeconds,
  replyValue,
  replyValueSize,
  replyWinTokenSent,
  replyWon,
  Router,
  StoreStatus,
  WriteMode,
  type ArithmeticRequest,
  type ItemDeleteRequest,
  type ItemReadRequest,
  type ItemWriteRequest,
  type ReplySink,
  type ShardReply,
} from '../../../src/router/router';
import { ShardPool } from '../../../src/shard/shard-pool';

interface Decoded {
  tag: number;
  status: number;
  hasInfo: boolean;
  value: string | null;
  flags: number;
  cas: bigint;
  ttl: number;
  idle: number;
  size: number;
  valueSize: number;
  slabClass: number;
  hitBefore: boolean;
  won: boolean;
  stale: boolean;
  winTokenSent: boolean;
  created: boolean;
}

class Collector implements ReplySink {
  readonly replies = new Map<number, Decoded>();
  onShardReply(tag: number, reply: ShardReply): void {
    this.replies.set(tag, {
      tag,
      status: reply.status,
      hasInfo: reply.hasItemInfo,
      value: replyHasValue(reply) ? Buffer.from(replyValue(reply)).toString('latin1') : null,
      flags: reply.clientFlags,
      cas: replyCas(reply),
      ttl: reply.hasItemInfo ? replyTtlSeconds(reply) : 0,
      idle: reply.hasItemInfo ? replyIdleSeconds(reply) : 0,
      size: reply.hasItemInfo ? replyItemSize(reply) : 0,
      valueSize: reply.hasItemInfo ? replyValueSize(reply) : 0,
      slabClass: reply.hasItemInfo ? replySlabClassId(reply) : 0,
      hitBefore: replyHitBefore(reply),
      won: replyWon(reply),
      stale: replyStale(reply),
      winTokenSent: replyWinTokenSent(reply),
      created: replyCreated(reply),
    });
  }
  get(tag: number): Decoded {
    const r = this.replies.get(tag);
    if (r === undefined) throw new Error(`no reply for tag ${tag}`);
    return r;
  }
}

/** In-process shards answer through setImmediate hops: wait check phases, not time (see router-in-process.test.ts). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};
const key = (s: string) => Buffer.from(s);

function readRequest(o: Partial<ItemReadRequest> = {}): ItemReadRequest {
  return { wantValue: true, noBump: false, touchExpiresAtMs: null, vivifyExpiresAtMs: null, recacheBelowSeconds: null, compareCas: 0n, newCas: 0n, ...o };
}

function writeRequest(value: string, o: Partial<ItemWriteRequest> = {}): ItemWriteRequest {
  return { mode: WriteMode.Set, value: Buffer.from(value), clientFlags: 0, expiresAtMs: 0, compareCas: 0n, newCas: 0n, invalidate: false, vivifyExpiresAtMs: null, ...o };
}

function deleteRequest(o: Partial<ItemDeleteRequest> = {}): ItemDeleteRequest {
  return { compareCas: 0n, newCas: 0n, invalidate: false, invalidateExpiresAtMs: null, dropValueKeepItem: false, ...o };
}

function arithmeticRequest(o: Partial<ArithmeticRequest> = {}): ArithmeticRequest {
  return { incr: true, delta: 1n, initial: 0n, vivifyExpiresAtMs: null, compareCas: 0n, newCas: 0n, touchExpiresAtMs: null, ...o };
}

describe('Router item ops with in-process shards', () => {
  let pool: ShardPool;
  let router: Router;
  let sink: Collector;

  beforeEach(() => {
    pool = new ShardPool({ shardCount: 3, memoryLimitBytes: 8 << 20, pageSize: 1 << 20, slabMinSize: 48, growthFactor: 1.25, mode: 'in-process' });
    router = new Router(pool.shards);
    sink = new Collector();
  });
  afterEach(() => pool.close());

  it('writes and reads with every metadata field a meta reply prints', async () => {
    router.writeItem(key('a'), writeRequest('hi', { clientFlags: 5, expiresAtMs: Date.now() + 100_000 }), sink, 1);
    router.readItem(key('a'), readRequest(), sink, 2);
    router.readItem(key('a'), readRequest({ wantValue: false }), sink, 3);
    router.itemInfo(key('a'), sink, 4);
    router.readItem(key('missing'), readRequest(), sink, 5);
    await settle();
    const stored = sink.get(1);
    expect(stored).toMatchObject({ status: StoreStatus.Stored, hasInfo: true, value: null, valueSize: 2, ttl: 100 });
    expect(stored.cas).toBeGreaterThan(0n);
    expect(sink.get(2)).toMatchObject({ status: StoreStatus.Ok, value: 'hi', flags: 5, cas: stored.cas, hitBefore: false, idle: 0, valueSize: 2 });
    expect(sink.get(3)).toMatchObject({ status: StoreStatus.Ok, value: null, hitBefore: true, valueSize: 2 });
    // memcached 1.6.18 prints `me a` for this item as: exp=… la=0 cas=… fetch=yes cls=1 size=66
    expect(sink.get(4)).toMatchObject({ status: StoreStatus.Ok, value: null, hitBefore: true, slabClass: 1, size: 66, ttl: 100 });
    expect(sink.get(5)).toMatchObject({ status: StoreStatus.NotFound, hasInfo: false, value: null });
  });

  it('reports memcached item sizes without a flags suffix when the flags are 0', async () => {
    router.writeItem(key('b'), writeRequest('hi'), sink, 1);
    router.itemInfo(key('b'), sink, 2);
    await settle();
    expect(sink.get(2)).toMatchObject({ size: 62, ttl: -1 });
  });

  it('hands out W once for a vivified miss, then Z; a stale item gives X W then X Z', async () => {
    router.readItem(key('v'), readRequest({ vivifyExpiresAtMs: Date.now() + 30_000 }), sink, 1);
    router.readItem(key('v'), readRequest({ vivifyExpiresAtMs: Date.now() + 30_000 }), sink, 2);
    router.writeItem(key('s'), writeRequest('old'), sink, 3);
    router.deleteItem(key('s'), deleteRequest({ invalidate: true, invalidateExpiresAtMs: Date.now() + 30_000 }), sink, 4);
    router.readItem(key('s'), readRequest(), sink, 5);
    router.readItem(key('s'), readRequest(), sink, 6);
    await settle();
    expect(sink.get(1)).toMatchObject({ status: StoreStatus.Ok, value: '', ttl: 30, won: true, winTokenSent: false, created: true });
    expect(sink.get(2)).toMatchObject({ status: StoreStatus.Ok, won: false, winTokenSent: true, created: false });
    expect(sink.get(4)).toMatchObject({ status: StoreStatus.Ok, stale: true });
    expect(sink.get(4).cas).toBeGreaterThan(sink.get(3).cas);
    expect(sink.get(5)).toMatchObject({ value: 'old', stale: true, won: true, winTokenSent: false, ttl: 30 });
    expect(sink.get(6)).toMatchObject({ value: 'old', stale: true, won: false, winTokenSent: true });
  });

  it('carries 64-bit CAS values both ways: explicit new CAS, compare CAS, value suppressed on match', async () => {
    const explicit = (0xabcdefn << 32n) | 0x12345678n;
    router.writeItem(key('c'), writeRequest('v1', { newCas: explicit }), sink, 1);
    router.readItem(key('c'), readRequest({ compareCas: explicit }), sink, 2);
    router.writeItem(key('c'), writeRequest('v2', { compareCas: explicit + 1n }), sink, 3);
    router.writeItem(key('c'), writeRequest('v2', { compareCas: explicit }), sink, 4);
    router.readItem(key('c'), readRequest({ compareCas: explicit }), sink, 5);
    await settle();
    expect(sink.get(1).cas).toBe(explicit);
    expect(sink.get(2)).toMatchObject({ status: StoreStatus.Ok, value: null, cas: explicit, valueSize: 2 });
    expect(sink.get(3).status).toBe(StoreStatus.Exists);
    expect(sink.get(4).status).toBe(StoreStatus.Stored);
    expect(sink.get(5)).toMatchObject({ value: 'v2' });
  });

  it('binary-style writes: CAS on a missing key is NotFound, append with a CAS on a missing key NotStored', async () => {
    router.writeItem(key('m'), writeRequest('x', { compareCas: 5n }), sink, 1);
    router.writeItem(key('m'), writeRequest('x', { mode: WriteMode.Replace, compareCas: 5n }), sink, 2);
    router.writeItem(key('m'), writeRequest('x', { mode: WriteMode.Append, compareCas: 5n }), sink, 3);
    router.deleteItem(key('m'), deleteRequest({ compareCas: 5n }), sink, 4);
    await settle();
    expect([1, 2, 3, 4].map((t) => sink.get(t).status)).toEqual([StoreStatus.NotFound, StoreStatus.NotFound, StoreStatus.NotStored, StoreStatus.NotFound]);
  });

  it('deletes with a CAS, and drops the value while keeping the item (md x)', async () => {
    router.writeItem(key('d'), writeRequest('value', { clientFlags: 3 }), sink, 1);
    router.deleteItem(key('d'), deleteRequest({ compareCas: 1n << 60n }), sink, 2);
    router.deleteItem(key('d'), deleteRequest({ dropValueKeepItem: true }), sink, 3);
    router.readItem(key('d'), readRequest(), sink, 4);
    router.deleteItem(key('d'), deleteRequest(), sink, 5);
    router.readItem(key('d'), readRequest(), sink, 6);
    await settle();
    expect(sink.get(2).status).toBe(StoreStatus.Exists);
    expect(sink.get(3)).toMatchObject({ status: StoreStatus.Ok, cas: sink.get(1).cas, flags: 0, valueSize: 0 });
    expect(sink.get(4)).toMatchObject({ value: '', flags: 0, cas: sink.get(1).cas });
    expect(sink.get(5)).toMatchObject({ status: StoreStatus.Ok, hasInfo: false });
    expect(sink.get(6).status).toBe(StoreStatus.NotFound);
  });

  it('arithmetic with 64-bit delta and initial value, vivify, CAS and touch', async () => {
    const initial = (1n << 63n) + 7n;
    router.arithmetic(key('n'), arithmeticRequest(), sink, 1);
    router.arithmetic(key('n'), arithmeticRequest({ initial, vivifyExpiresAtMs: 0 }), sink, 2);
    router.arithmetic(key('n'), arithmeticRequest({ delta: 1n << 40n }), sink, 3);
    router.arithmetic(key('n'), arithmeticRequest({ compareCas: 1n }), sink, 4);
    router.arithmetic(key('n'), arithmeticRequest({ incr: false, delta: (1n << 64n) - 1n, touchExpiresAtMs: Date.now() + 50_000 }), sink, 5);
    router.writeItem(key('t'), writeRequest('text'), sink, 6);
    router.arithmetic(key('t'), arithmeticRequest(), sink, 7);
    await settle();
    expect(sink.get(1)).toMatchObject({ status: StoreStatus.NotFound, hasInfo: false });
    expect(sink.get(2)).toMatchObject({ status: StoreStatus.Ok, value: initial.toString(), flags: 0, ttl: -1, created: true });
    expect(sink.get(3)).toMatchObject({ status: StoreStatus.Ok, value: (initial + (1n << 40n)).toString(), created: false });
    expect(sink.get(3).cas).toBeGreaterThan(sink.get(2).cas);
    expect(sink.get(4).status).toBe(StoreStatus.Exists);
    expect(sink.get(5)).toMatchObject({ status: StoreStatus.Ok, value: '0', ttl: 50 });
    expect(sink.get(7).status).toBe(StoreStatus.NonNumeric);
  });

  it('interleaves item ops with the classic ops on the same keys, in submission order', async () => {
    const classic = new Collector();
    router.store(OpCode.Set, key('x'), Buffer.from('1'), 9, 0, 0, 0, classic, 1);
    router.arithmetic(key('x'), arithmeticRequest({ delta: 41n }), sink, 2);
    router.get(key('x'), classic, 3);
    router.deleteItem(key('x'), deleteRequest({ invalidate: true }), sink, 4);
    router.get(key('x'), classic, 5);
    router.readItem(key('x'), readRequest(), sink, 6);
    await settle();
    expect(sink.get(2).value).toBe('42');
    expect(classic.get(3)).toMatchObject({ status: StoreStatus.Ok, hasInfo: false, flags: 9 });
    expect(classic.get(5)).toMatchObject({ status: StoreStatus.Ok, hasInfo: false });
    expect(sink.get(6)).toMatchObject({ value: '42', flags: 9, stale: true, won: true });
  });

  it('fails pending item ops when the pool closes', async () => {
    router.readItem(key('x'), readRequest(), sink, 1);
    await pool.close();
    expect(sink.get(1)).toMatchObject({ status: 255, hasInfo: false });
  });
});
