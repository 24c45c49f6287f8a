/**
 * Shard worker entry: builds this shard's store from workerData and runs the
 * shard loop over the shared rings. All logic lives in src/shard and src/store.
 */
import { workerData } from 'node:worker_threads';
import { Store } from '../src/store/store';
import { SharedPageBudget } from '../src/store/shared-page-budget';
import { ShardExecutor } from '../src/shard/execute';
import type { ShardWorkerData } from '../src/shard/messages';
import { SharedRing } from '../src/shard/shared-ring';
import { runShardLoop } from '../src/shard/shard-worker-loop';

const data = workerData as ShardWorkerData;
const store = new Store({
  pageSize: data.pageSize,
  slabMinSize: data.slabMinSize,
  growthFactor: data.growthFactor,
  memoryLimitBytes: data.memoryLimitBytes,
  shardIndex: data.shardIndex,
  shardCount: data.shardCount,
  pageBudget: new SharedPageBudget(data.pageBudget, data.shardIndex, data.maxPages),
});

runShardLoop({
  requestRing: new SharedRing(data.requestRing),
  replyRing: new SharedRing(data.replyRing),
  oversizePort: data.oversizePort,
  executor: new ShardExecutor(store),
  crawlerIntervalMs: data.crawlerIntervalMs,
  crawlerSliceChunks: data.crawlerSliceChunks,
});
