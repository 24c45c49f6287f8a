/**
 * Randomized differential test: ~50k operations against the Store and a plain Map model of
 * memcached semantics (budget large enough that nothing is evicted), with a fixed seed.
 */
import { StoreMode, StoreStatus } from '../../../src/store/types';
import { HEADER_SIZE } from '../../../src/store/item-layout';
import { NOW, bytes, makeStore, prng, resultCas } from './helpers';
import { hashBytes } from '../../../src/util/hash';

const U64 = 1n << 64n;
const U64_MAX = U64 - 1n;

interface ModelItem {
  value: string;
  flags: number;
  exp: number;
  cas: bigint;
}

function modelParse(s: string): bigint | null {
  const m = /^[\t\n\v\f\r ]*([+-]?)(\d+)(?:[\t\n\v\f\r ][\s\S]*)?$/.exec(s);
  if (m === null) return null;
  let v = BigInt(m[2]!);
  if (v > U64_MAX) return null;
  if (m[1] === '-' && v !== 0n) {
    v = U64 - v;
    if (v >= 1n << 63n) return null;
  }
  return v;
}

describe('Store vs Map model', () => {
  it('agrees over 50k random operations', () => {
    const rand = prng(0xc0ffee);
    const int = (n: number): number => Math.floor(rand() * n);
    const pageSize = 256 * 1024;
    const s = makeStore({ pageSize, pages: 1024, hashPowerInitial: 4, shardCount: 3, shardIndex: 1 });
    const model = new Map<string, ModelItem>();
    let now = NOW;
    let flushDeadline = 0;
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}:${'x'.repeat(i % 40)}`);
    const alphabet = '0123456789 ab-+\r';

    const randomValue = (): string => {
      const r = rand();
      if (r < 0.3) return String(BigInt(int(1e9)) * BigInt(int(1e9) + 1) + BigInt(int(1000)));
      if (r < 0.4) return String(int(100));
      if (r < 0.5) return ''.padEnd(int(20), '9');
      let v = '';
      const len = int(200);
      for (let i = 0; i < len; i++) v += alphabet[int(alphabet.length)];
      return r < 0.9 ? v : v.repeat(1 + int(100));
    };
    const randomExp = (): number => {
      const r = rand();
      if (r < 0.6) return 0;
      if (r < 0.65) return now - 1 - int(1000);
      return now + 1 + int(5000);
    };
    const live = (k: string): ModelItem | undefined => {
      const it = model.get(k);
      if (it === undefined) return undefined;
      if (it.exp !== 0 && it.exp <= now) {
        model.delete(k);
        return undefined;
      }
      return it;
    };
    const readValue = (): string => {
      const r = s.result;
      return Buffer.from(r.valueBytes.subarray(r.valueOffset, r.valueOffset + r.valueLength)).toString('latin1');
    };

    const ops = 50_000;
    for (let op = 0; op < ops; op++) {
      now += int(10) === 0 ? int(100) : 0;
      if (flushDeadline !== 0 && now >= flushDeadline) {
        model.clear();
        flushDeadline = 0;
      }
      const k = keys[int(keys.length)]!;
      const kb = bytes(k);
      const hash = hashBytes(kb, 0, kb.length);
      const r = rand();
      const ctx = `op ${op} key ${k}`;
      if (r < 0.3) {
        const status = s.get(kb, 0, kb.length, hash, now);
        const it = live(k);
        expect([ctx, status]).toEqual([ctx, it ? StoreStatus.Ok : StoreStatus.NotFound]);
        if (it) expect([ctx, readValue(), s.result.clientFlags, resultCas(s)]).toEqual([ctx, it.value, it.flags, it.cas]);
      } else if (r < 0.6) {
        const modes = [StoreMode.Set, StoreMode.Set, StoreMode.Add, StoreMode.Replace, StoreMode.Append, StoreMode.Prepend, StoreMode.Cas];
        const mode = modes[int(modes.length)]!;
        const it = live(k);
        const value = mode === StoreMode.Append || mode === StoreMode.Prepend ? randomValue().slice(0, 300) : randomValue();
        const flags = int(2) === 0 ? 0 : int(0x100000000);
        const exp = randomExp();
        let cas = 0n;
        if (mode === StoreMode.Cas) cas = it && int(3) !== 0 ? it.cas : BigInt(int(1000));
        const status = s.store(mode, kb, 0, kb.length, hash, bytes(value), 0, value.length, flags, exp, Number(cas >> 32n), Number(cas & 0xffffffffn), now);
        let expected: StoreStatus;
        let next: ModelItem | undefined;
        switch (mode) {
          case StoreMode.Set:
            expected = StoreStatus.Stored;
            next = { value, flags, exp, cas: 0n };
            break;
          case StoreMode.Add:
            expected = it ? StoreStatus.NotStored : StoreStatus.Stored;
            if (!it) next = { value, flags, exp, cas: 0n };
            break;
          case StoreMode.Replace:
            expected = it ? StoreStatus.Stored : StoreStatus.NotStored;
            if (it) next = { value, flags, exp, cas: 0n };
            break;
          case StoreMode.Cas:
            expected = !it ? StoreStatus.NotFound : it.cas === cas ? StoreStatus.Stored : StoreStatus.Exists;
            if (expected === StoreStatus.Stored) next = { value, flags, exp, cas: 0n };
            break;
          default: {
            const combined = it ? (mode === StoreMode.Append ? it.value + value : value + it.value) : '';
            if (!it) expected = StoreStatus.NotStored;
            else if (HEADER_SIZE + kb.length + combined.length > pageSize) expected = StoreStatus.NotStored;
            else {
              expected = StoreStatus.Stored;
              next = { value: combined, flags: it.flags, exp: it.exp, cas: 0n };
            }
          }
        }
        expect([ctx, mode, status]).toEqual([ctx, mode, expected]);
        if (next) {
          next.cas = resultCas(s);
          if (it) expect(next.cas).toBeGreaterThan(it.cas);
          model.set(k, next);
        }
      } else if (r < 0.7) {
        const incr = int(2) === 0;
        const delta = int(4) === 0 ? (BigInt(int(1e9)) * BigInt(int(1e9)) * BigInt(int(1e3))) % U64 : BigInt(int(1000));
        const status = s.incrDecr(kb, 0, kb.length, hash, incr, delta, now);
        const it = live(k);
        if (!it) {
          expect([ctx, status]).toEqual([ctx, StoreStatus.NotFound]);
        } else {
          const v = modelParse(it.value);
          if (v === null) {
            expect([ctx, it.value, status]).toEqual([ctx, it.value, StoreStatus.NonNumeric]);
          } else {
            const nv = incr ? (v + delta) % U64 : v > delta ? v - delta : 0n;
            const digits = nv.toString();
            expect([ctx, status, readValue()]).toEqual([ctx, StoreStatus.Ok, digits]);
            it.value = digits.length <= it.value.length ? digits.padEnd(it.value.length, ' ') : digits;
            const cas = resultCas(s);
            expect(cas).toBeGreaterThan(it.cas);
            it.cas = cas;
          }
        }
      } else if (r < 0.75) {
        const status = s.delete(kb, 0, kb.length, hash, now);
        const it = live(k);
        expect([ctx, status]).toEqual([ctx, it ? StoreStatus.Ok : StoreStatus.NotFound]);
        model.delete(k);
      } else if (r < 0.88) {
        const exp = randomExp();
        const gat = int(2) === 0;
        const status = gat ? s.getAndTouch(kb, 0, kb.length, hash, exp, now) : s.touch(kb, 0, kb.length, hash, exp, now);
        const it = live(k);
        expect([ctx, status]).toEqual([ctx, it ? StoreStatus.Ok : StoreStatus.NotFound]);
        if (it) {
          if (gat) expect([ctx, readValue(), resultCas(s)]).toEqual([ctx, it.value, it.cas]);
          it.exp = exp;
        }
      } else if (r < 0.9996) {
        s.crawlExpired(1 + int(200), now);
      } else if (r < 0.9998) {
        s.flushAll(now, now);
        model.clear();
        flushDeadline = 0;
      } else {
        const deadline = now + int(3000);
        s.flushAll(deadline, now);
        if (deadline <= now) {
          model.clear();
          flushDeadline = 0;
        } else {
          flushDeadline = deadline;
        }
      }
      if (op % 2500 === 0) s.checkInvariants();
    }
    s.checkInvariants();
    const st = s.stats();
    expect(st.evictions).toBe(0);
    expect(st.slab_classes.reduce((n, c) => n + c.outofmemory, 0)).toBe(0);
    // Everything the model holds is readable at the end.
    for (const [k, it] of model) {
      if (it.exp !== 0 && it.exp <= now) continue;
      const kb = bytes(k);
      expect(s.get(kb, 0, kb.length, hashBytes(kb, 0, kb.length), now)).toBe(StoreStatus.Ok);
      expect(readValue()).toBe(it.value);
    }
  });
});
