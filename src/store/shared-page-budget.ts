/**
 * Page budgets: how many pages of `pageSize` bytes a shard's store may claim.
 * `SharedPageBudget` makes `-m` one limit for the whole daemon: every shard
 * claims pages from one counter in a SharedArrayBuffer, with a
 * compare-exchange loop so the limit holds exactly across threads.
 * May import only `./types`.
 */

import type { PageBudget } from './types';

/**
 * Layout of the shared Int32Array: slot 0 = pages claimed by all shards,
 * slot 1 + i = pages held by shard i (so a dead shard's pages can be given back).
 */
export class SharedPageBudget implements PageBudget {
  readonly #shared: Int32Array;
  readonly #slot: number;
  readonly #maxPages: number;

  constructor(shared: Int32Array, shardIndex: number, maxPages: number) {
    // toString tag rather than instanceof: the array may come from another realm (vm context, worker).
    if (Object.prototype.toString.call(shared.buffer) !== '[object SharedArrayBuffer]') {
      throw new TypeError('SharedPageBudget needs an Int32Array over a SharedArrayBuffer');
    }
    if (!Number.isInteger(shardIndex) || shardIndex < 0 || 1 + shardIndex >= shared.length) {
      throw new RangeError(`shardIndex ${shardIndex} out of range for ${shared.length - 1} shards`);
    }
    if (!Number.isInteger(maxPages) || maxPages < 0 || maxPages > 0x7fffffff) {
      throw new RangeError(`maxPages must be an integer in [0, 2^31), got ${maxPages}`);
    }
    this.#shared = shared;
    this.#slot = 1 + shardIndex;
    this.#maxPages = maxPages;
  }

  /** One slot for the total plus one per shard. */
  static createSharedArray(shardCount: number): Int32Array {
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new RangeError(`shardCount must be a positive integer, got ${shardCount}`);
    }
    return new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (1 + shardCount)));
  }

  /**
   * Give back every page a (dead) shard held. Only call when that shard can no
   * longer acquire: its slot is zeroed and its pages subtracted from the total.
   * Returns the number of pages released.
   */
  static releaseShard(shared: Int32Array, shardIndex: number): number {
    const pages = Atomics.exchange(shared, 1 + shardIndex, 0);
    if (pages !== 0) Atomics.sub(shared, 0, pages);
    return pages;
  }

  /** Pages claimed by all shards together. */
  static totalClaimed(shared: Int32Array): number {
    return Atomics.load(shared, 0);
  }

  tryAcquire(): boolean {
    const shared = this.#shared;
    for (;;) {
      const claimed = Atomics.load(shared, 0);
      if (claimed >= this.#maxPages) return false;
      // Retry only when another shard won the race for this exact count.
      if (Atomics.compareExchange(shared, 0, claimed, claimed + 1) === claimed) {
        Atomics.add(shared, this.#slot, 1);
        return true;
      }
    }
  }

  get heldByThisShard(): number {
    return Atomics.load(this.#shared, this.#slot);
  }

  get maxPages(): number {
    return this.#maxPages;
  }
}

/** Single-store budget for tests and `--shards 0`. */
export class LocalPageBudget implements PageBudget {
  #held = 0;
  readonly #maxPages: number;

  constructor(maxPages: number) {
    if (!Number.isInteger(maxPages) || maxPages < 0) {
      throw new RangeError(`maxPages must be a non-negative integer, got ${maxPages}`);
    }
    this.#maxPages = maxPages;
  }

  tryAcquire(): boolean {
    if (this.#held >= this.#maxPages) return false;
    this.#held++;
    return true;
  }

  get heldByThisShard(): number {
    return this.#held;
  }

  get maxPages(): number {
    return this.#maxPages;
  }
}
