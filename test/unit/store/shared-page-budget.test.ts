import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ts from 'typescript';
import { LocalPageBudget, SharedPageBudget } from '../../../src/store/shared-page-budget';

describe('SharedPageBudget', () => {
  it('creates one slot for the total plus one per shard', () => {
    const shared = SharedPageBudget.createSharedArray(3);
    expect(shared.length).toBe(4);
    expect(Object.prototype.toString.call(shared.buffer)).toBe('[object SharedArrayBuffer]');
  });

  it('never hands out more than maxPages in total across shards', () => {
    const shared = SharedPageBudget.createSharedArray(2);
    const a = new SharedPageBudget(shared, 0, 5);
    const b = new SharedPageBudget(shared, 1, 5);
    let got = 0;
    for (let i = 0; i < 10; i++) {
      if (a.tryAcquire()) got++;
      if (b.tryAcquire()) got++;
    }
    expect(got).toBe(5);
    expect(a.heldByThisShard + b.heldByThisShard).toBe(5);
    expect(a.heldByThisShard).toBe(3);
    expect(SharedPageBudget.totalClaimed(shared)).toBe(5);
  });

  it('releaseShard gives a dead shard pages back to the others', () => {
    const shared = SharedPageBudget.createSharedArray(2);
    const a = new SharedPageBudget(shared, 0, 4);
    const b = new SharedPageBudget(shared, 1, 4);
    while (a.tryAcquire());
    expect(b.tryAcquire()).toBe(false);
    expect(SharedPageBudget.releaseShard(shared, 0)).toBe(4);
    expect(a.heldByThisShard).toBe(0);
    expect(SharedPageBudget.totalClaimed(shared)).toBe(0);
    expect(b.tryAcquire()).toBe(true);
    expect(SharedPageBudget.releaseShard(shared, 0)).toBe(0);
    expect(SharedPageBudget.totalClaimed(shared)).toBe(1);
  });

  it('a zero budget gives nothing', () => {
    const shared = SharedPageBudget.createSharedArray(1);
    expect(new SharedPageBudget(shared, 0, 0).tryAcquire()).toBe(false);
  });

  it('rejects a non-shared array and bad indexes', () => {
    expect(() => new SharedPageBudget(new Int32Array(2), 0, 1)).toThrow(TypeError);
    const shared = SharedPageBudget.createSharedArray(2);
    expect(() => new SharedPageBudget(shared, 2, 1)).toThrow(RangeError);
    expect(() => new SharedPageBudget(shared, -1, 1)).toThrow(RangeError);
    expect(() => SharedPageBudget.createSharedArray(0)).toThrow(RangeError);
  });

  it('is exact under contention from worker threads', async () => {
    // Jest does not transform worker code, so transpile the module and run it from source text.
    const source = readFileSync(join(__dirname, '../../../src/store/shared-page-budget.ts'), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const workerCode = `
      const { parentPort, workerData } = require('node:worker_threads');
      const module = { exports: {} };
      (function (module, exports) { ${js} })(module, module.exports);
      const { SharedPageBudget } = module.exports;
      const budget = new SharedPageBudget(workerData.shared, workerData.index, workerData.maxPages);
      Atomics.add(workerData.start, 0, 1);
      while (Atomics.load(workerData.start, 0) < workerData.workers) {} // start together
      let got = 0;
      while (budget.tryAcquire()) got++;
      parentPort.postMessage({ got, held: budget.heldByThisShard });
    `;
    const workers = 4;
    const maxPages = 200_000;
    const shared = SharedPageBudget.createSharedArray(workers);
    const start = new Int32Array(new SharedArrayBuffer(4));
    const results = await Promise.all(
      Array.from({ length: workers }, (_, index) => {
        const w = new Worker(workerCode, { eval: true, workerData: { shared, index, maxPages, start, workers } });
        return new Promise<{ got: number; held: number }>((resolve, reject) => {
          w.once('message', (m) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        });
      }),
    );
    const total = results.reduce((n, r) => n + r.got, 0);
    expect(total).toBe(maxPages);
    for (const [i, r] of results.entries()) {
      expect(r.held).toBe(r.got);
      expect(Atomics.load(shared, 1 + i)).toBe(r.got);
    }
    expect(SharedPageBudget.totalClaimed(shared)).toBe(maxPages);
  });
});

describe('LocalPageBudget', () => {
  it('counts up to its limit', () => {
    const b = new LocalPageBudget(2);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    expect(b.heldByThisShard).toBe(2);
  });
});
