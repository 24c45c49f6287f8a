/** Shared helpers for the store unit tests: string-keyed wrappers over the byte-level Store API. */
import { LocalPageBudget, Store } from '../../../src/store/store';
import { StoreMode, StoreStatus } from '../../../src/store/types';
import type { StoreConfig } from '../../../src/store/types';
import { hashBytes } from '../../../src/util/hash';

export const NOW = 1_700_000_000_000;
export const KIB = 1024;
export const MIB = 1024 * 1024;

export interface TestStoreOptions extends Partial<Omit<StoreConfig, 'pageBudget'>> {
  /** Page budget in pages (default: 64 MiB worth). */
  pages?: number;
}

export function makeStore(options: TestStoreOptions = {}): Store {
  const pageSize = options.pageSize ?? MIB;
  const pages = options.pages ?? Math.floor((64 * MIB) / pageSize);
  return new Store({
    pageSize,
    slabMinSize: options.slabMinSize ?? 48,
    growthFactor: options.growthFactor ?? 1.25,
    memoryLimitBytes: options.memoryLimitBytes ?? pages * pageSize,
    shardIndex: options.shardIndex ?? 0,
    shardCount: options.shardCount ?? 1,
    hashPowerInitial: options.hashPowerInitial,
    pageBudget: new LocalPageBudget(pages),
  });
}

export function bytes(s: string | Uint8Array): Uint8Array {
  return typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
}

export interface SetOptions {
  flags?: number;
  exp?: number;
  cas?: bigint;
  now?: number;
}

export function casHalves(cas: bigint): [number, number] {
  return [Number((cas >> 32n) & 0xffffffffn), Number(cas & 0xffffffffn)];
}

export function storeOp(store: Store, mode: StoreMode, key: string | Uint8Array, value: string | Uint8Array, o: SetOptions = {}): StoreStatus {
  const k = bytes(key);
  const v = bytes(value);
  const [casHigh, casLow] = casHalves(o.cas ?? 0n);
  return store.store(mode, k, 0, k.length, hashBytes(k, 0, k.length), v, 0, v.length, o.flags ?? 0, o.exp ?? 0, casHigh, casLow, o.now ?? NOW);
}

export const set = (s: Store, k: string | Uint8Array, v: string | Uint8Array, o?: SetOptions): StoreStatus =>
  storeOp(s, StoreMode.Set, k, v, o);

export interface Hit {
  value: string;
  flags: number;
  cas: bigint;
}

/** The last result's CAS as one bigint. */
export function resultCas(store: Store): bigint {
  return (BigInt(store.result.casHigh) << 32n) | BigInt(store.result.casLow);
}

function hit(store: Store): Hit {
  const r = store.result;
  return {
    value: Buffer.from(r.valueBytes.subarray(r.valueOffset, r.valueOffset + r.valueLength)).toString('latin1'),
    flags: r.clientFlags,
    cas: resultCas(store),
  };
}

export function get(store: Store, key: string | Uint8Array, now = NOW): Hit | null {
  const k = bytes(key);
  const status = store.get(k, 0, k.length, hashBytes(k, 0, k.length), now);
  if (status === StoreStatus.NotFound) return null;
  expect(status).toBe(StoreStatus.Ok);
  return hit(store);
}

export function getValue(store: Store, key: string | Uint8Array, now = NOW): string | null {
  return get(store, key, now)?.value ?? null;
}

export function gat(store: Store, key: string, exp: number, now = NOW): Hit | null {
  const k = bytes(key);
  const status = store.getAndTouch(k, 0, k.length, hashBytes(k, 0, k.length), exp, now);
  if (status === StoreStatus.NotFound) return null;
  expect(status).toBe(StoreStatus.Ok);
  return hit(store);
}

export function del(store: Store, key: string, now = NOW): StoreStatus {
  const k = bytes(key);
  return store.delete(k, 0, k.length, hashBytes(k, 0, k.length), now);
}

export function touch(store: Store, key: string, exp: number, now = NOW): StoreStatus {
  const k = bytes(key);
  return store.touch(k, 0, k.length, hashBytes(k, 0, k.length), exp, now);
}

/** incr/decr: the status and, on Ok, the digits the result points at. */
export function incrDecr(store: Store, key: string, incr: boolean, delta: bigint, now = NOW): { status: StoreStatus; value?: string } {
  const k = bytes(key);
  const status = store.incrDecr(k, 0, k.length, hashBytes(k, 0, k.length), incr, delta, now);
  if (status !== StoreStatus.Ok) return { status };
  return { status, value: hit(store).value };
}

/** Deterministic PRNG (mulberry32). */
export { mulberry32 as prng } from '../../helpers/prng';
