/**
 * The body of a shard worker: take request batches from the request ring,
 * execute them, put reply batches on the reply ring. Spins briefly before
 * sleeping (a wake-up costs far more than a short spin) and runs background
 * expiry slices when idle or when one is due. Batches larger than half a ring
 * arrive (and leave) over a MessagePort, announced by an in-ring marker so
 * order is kept.
 *
 * Test builds only: with SHARDCACHE_TEST_FAULTS=1 in the environment, a request
 * for a key `__shardcache_fault__:<throw|oom|hang|exit>` makes this shard fail
 * that way, so tests can prove a broken shard is replaced (shard-faults.test.ts).
 * Without the variable the hook is one constant-false test per batch.
 */
import type { MessagePort } from 'node:worker_threads';
import { RequestBatchReader } from './batch-codec';
import type { ShardExecutor } from './execute';
import { RING_OUT_OF_BAND, receiveOutOfBand, SharedRing } from './shared-ring';

export interface ShardLoopOptions {
  requestRing: SharedRing;
  replyRing: SharedRing;
  oversizePort: MessagePort;
  executor: ShardExecutor;
  crawlerIntervalMs: number;
  crawlerSliceChunks: number;
}

const SPINS_BEFORE_SLEEP = 200;

/** Read once at start; production never sets it (see the module comment). */
const TEST_FAULTS = process.env['SHARDCACHE_TEST_FAULTS'] === '1';
const TEST_FAULT_PREFIX = '__shardcache_fault__:';

export function runShardLoop(o: ShardLoopOptions): never {
  let lastCrawl = Date.now();
  for (;;) {
    let message = o.requestRing.read();
    for (let spins = 0; message === null && spins < SPINS_BEFORE_SLEEP; spins++) message = o.requestRing.read();
    if (message === null) {
      const now = Date.now();
      if (now - lastCrawl >= o.crawlerIntervalMs) {
        o.executor.crawl(o.crawlerSliceChunks, now);
        lastCrawl = now;
      }
      o.requestRing.waitForData(o.crawlerIntervalMs);
      continue;
    }
    const batch = message === RING_OUT_OF_BAND ? receiveOutOfBand(o.oversizePort) : message;
    if (TEST_FAULTS) TEST_injectFaults(batch);
    const now = Date.now();
    const reply = o.executor.executeBatch(batch, now);
    o.requestRing.release();
    if (reply.length > o.replyRing.maxInlinePayload) {
      const copy = reply.slice().buffer;
      o.oversizePort.postMessage(copy, [copy]);
      o.replyRing.writeBlocking(null);
    } else {
      o.replyRing.writeBlocking(reply);
    }
    // Under constant load the idle branch never runs: crawl when a slice is due.
    if (now - lastCrawl >= o.crawlerIntervalMs) {
      o.executor.crawl(o.crawlerSliceChunks, now);
      lastCrawl = now;
    }
  }
}

/** Test builds only: fails the way a request key asks (see the module comment). */
function TEST_injectFaults(batch: Uint8Array): void {
  const reader = new RequestBatchReader(batch);
  while (reader.read()) {
    const key = Buffer.from(batch.buffer, batch.byteOffset + reader.keyOffset, reader.keyLength).toString('latin1');
    if (!key.startsWith(TEST_FAULT_PREFIX)) continue;
    const fault = key.slice(TEST_FAULT_PREFIX.length);
    if (fault === 'throw') throw new Error('test fault: a shard threw');
    if (fault === 'exit') process.exit(3);
    if (fault === 'hang') for (;;);
    if (fault === 'oom') {
      // Live objects until the worker's heap limit (resourceLimits) stops it.
      const hoard: number[][] = [];
      for (;;) hoard.push(new Array<number>(1 << 16).fill(hoard.length));
    }
  }
}
