/**
 * The body of a shard worker: take request batches from the request ring,
 * execute them, put reply batches on the reply ring. Spins briefly before
 * sleeping (a wake-up costs far more than a short spin) and runs background
 * expiry slices when idle or when one is due. Batches larger than half a ring
 * arrive (and leave) over a MessagePort, announced by an in-ring marker so
 * order is kept.
 */
import type { MessagePort } from 'node:worker_threads';
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
