/**
 * Router → ShardClient → batch codec → executor → store, with the shards run
 * in-process (jest cannot load TypeScript workers): protocol-neutral ops,
 * per-shard ordering, broadcast, and replies matched to requests by position.
 */
import { Router, OpCode, type ReplySink, type ShardReply } from '../../../src/router/router';
import { EARLY_SEND_OPS } from '../../../src/shard/shard-client';
import { ShardPool } from '../../../src/shard/shard-pool';
import { StoreStatus } from '../../../src/store/types';

interface Reply {
  tag: number;
  status: number;
  value: string;
  flags: number;
}

class Collector implements ReplySink {
  readonly replies: Reply[] = [];
  onShardReply(tag: number, reply: ShardReply): void {
    this.replies.push({ tag, status: reply.status, value: reply.copyValue().toString(), flags: reply.clientFlags });
  }
}

/**
 * In-process shards answer through setImmediate hops (flush, then reply): wait
 * a few check phases rather than a time, which a loaded machine can overrun
 * before the hops run (a timer due by then fires first in the next loop turn).
 */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('Router with in-process shards', () => {
  let pool: ShardPool;
  let router: Router;

  beforeEach(() => {
    pool = new ShardPool({ shardCount: 3, memoryLimitBytes: 8 << 20, pageSize: 1 << 20, slabMinSize: 48, growthFactor: 1.25, mode: 'in-process' });
    router = new Router(pool.shards);
  });
  afterEach(() => pool.close());

  it('stores and reads back keys spread over every shard, in submission order per shard', async () => {
    const sink = new Collector();
    const keys = Array.from({ length: 60 }, (_, i) => Buffer.from(`key-${i}`));
    keys.forEach((k, i) => router.store(OpCode.Set, k, Buffer.from(`v${i}`), i, 0, 0, 0, sink, i));
    keys.forEach((k, i) => router.get(k, sink, 100 + i));
    await settle();
    expect(new Set(keys.map((k) => router.shardIndexFor(k))).size).toBe(3);
    const gets = sink.replies.filter((r) => r.tag >= 100);
    expect(gets).toHaveLength(60);
    for (const r of gets) {
      expect(r.status).toBe(StoreStatus.Ok);
      expect(r.value).toBe(`v${r.tag - 100}`);
      expect(r.flags).toBe(r.tag - 100);
    }
  });

  it('broadcasts flush_all to every shard, after the writes queued before it', async () => {
    const sink = new Collector();
    router.store(OpCode.Set, Buffer.from('a'), Buffer.from('1'), 0, 0, 0, 0, sink, 0);
    router.broadcast(OpCode.FlushAll, Date.now(), sink);
    router.get(Buffer.from('a'), sink, 9);
    await settle();
    expect(sink.replies.filter((r) => r.tag < 3 && r.status === StoreStatus.Ok).length).toBeGreaterThanOrEqual(3);
    expect(sink.replies.find((r) => r.tag === 9)!.status).toBe(StoreStatus.NotFound);
  });

  it('carries a 64-bit incr delta and returns the decimal result', async () => {
    const sink = new Collector();
    router.store(OpCode.Set, Buffer.from('n'), Buffer.from('1'), 0, 0, 0, 0, sink, 0);
    router.incrDecr(true, Buffer.from('n'), (1n << 40n) + 5n, sink, 1);
    await settle();
    expect(sink.replies.find((r) => r.tag === 1)!.value).toBe(String((1n << 40n) + 6n));
  });

  it('sends a batch early once it holds EARLY_SEND_OPS ops, between requests; replies still arrive in submission order', async () => {
    const replies: Reply[] = [];
    /** One request: its own sink, as every session gives each request. */
    const request = (): ReplySink => ({
      onShardReply: (tag, reply) => replies.push({ tag, status: reply.status, value: reply.copyValue().toString(), flags: 0 }),
    });
    const key = Buffer.from('one-shard');
    const shard = pool.shards[router.shardIndexFor(key)]!;
    const sentBefore = shard.batchOps.countOf(0);
    const total = EARLY_SEND_OPS * 3 + 5;
    // One turn: without the early send this would be a single batch.
    router.store(OpCode.Set, key, Buffer.from('0'), 0, 0, 0, 0, request(), 0);
    for (let i = 1; i < total; i++) router.incrDecr(true, key, 1n, request(), i);
    expect(shard.batchOps.countOf(0) - sentBefore).toBe(3);
    await settle();
    expect(shard.batchOps.countOf(0) - sentBefore).toBe(4);
    expect(replies.map((r) => r.tag)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(replies.slice(1).map((r) => r.value)).toEqual(Array.from({ length: total - 1 }, (_, i) => String(i + 1)));
  });

  it('never splits one request (ops sharing a sink) across batches by the early send', async () => {
    const multiGet = new Collector();
    const key = Buffer.from('one-shard');
    const shard = pool.shards[router.shardIndexFor(key)]!;
    router.store(OpCode.Set, key, Buffer.from('v'), 0, 0, 0, 0, new Collector(), 0);
    await settle();
    const sentBefore = shard.batchOps.countOf(0);
    const opsBefore = shard.batchOps.sums[0]!;
    // `get k k k …` of 3 × EARLY_SEND_OPS keys: one sink, so one batch (and one reply budget).
    for (let i = 0; i < EARLY_SEND_OPS * 3; i++) router.get(key, multiGet, i);
    expect(shard.batchOps.countOf(0) - sentBefore).toBe(0);
    // The next request may start a new batch.
    router.get(key, new Collector(), 0);
    expect(shard.batchOps.countOf(0) - sentBefore).toBe(1);
    expect(shard.batchOps.sums[0]! - opsBefore).toBe(EARLY_SEND_OPS * 3);
    await settle();
    expect(multiGet.replies.map((r) => r.value)).toEqual(Array.from({ length: EARLY_SEND_OPS * 3 }, () => 'v'));
  });

  it('fails every pending op when the pool closes', async () => {
    const sink = new Collector();
    router.get(Buffer.from('x'), sink, 1);
    await pool.close();
    expect(sink.replies).toEqual([{ tag: 1, status: 255, value: '', flags: 0 }]);
  });
});
