import { countRegisters, encodeDense, HLL_REGISTERS, murmurHash64A, registersOf } from '../../../../src/store/typed/hll';
import { b, plain, TypedKey } from './typed-harness';

describe('HyperLogLog', () => {
  it('hashes with MurmurHash64A as Redis (seed 0xadc83b19)', () => {
    // Register and run length of "a", "b", "foo" checked through PFCOUNT parity with redis-server in the compat test;
    // here: the hash is deterministic, 64-bit and sensitive to every byte and the tail length.
    const h1 = murmurHash64A(b('hello'));
    expect(h1).toBe(murmurHash64A(b('hello')));
    expect(h1 < 1n << 64n).toBe(true);
    expect(murmurHash64A(b('hellp'))).not.toBe(h1);
    expect(murmurHash64A(b('12345678'))).not.toBe(murmurHash64A(b('123456789')));
  });

  it('dense encoding round-trips every register value at every bit offset', () => {
    const registers = new Uint8Array(HLL_REGISTERS);
    for (let r = 0; r < HLL_REGISTERS; r++) registers[r] = (r * 7) % 64;
    const encoded = encodeDense(registers);
    expect(encoded.length).toBe(16 + 12288);
    expect(Buffer.from(encoded.subarray(0, 4)).toString()).toBe('HYLL');
    expect(Buffer.from(registersOf(encoded)!).equals(Buffer.from(registers))).toBe(true);
  });

  it('reads the sparse form Redis writes', () => {
    // "HYLL", sparse, then XZERO 16000, VAL(3)x2, ZERO 64 ... to 16384 registers.
    const header = [0x48, 0x59, 0x4c, 0x4c, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];
    const xzero = 16000 - 1;
    const ops = [0x40 | (xzero >> 8), xzero & 0xff, 0x80 | ((3 - 1) << 2) | (2 - 1)];
    let left = HLL_REGISTERS - 16002;
    while (left > 0) {
      const run = Math.min(64, left);
      ops.push(run - 1);
      left -= run;
    }
    const registers = registersOf(new Uint8Array([...header, ...ops]))!;
    expect(registers[15999]).toBe(0);
    expect(registers[16000]).toBe(3);
    expect(registers[16001]).toBe(3);
    expect(registers[16002]).toBe(0);
  });

  it('refuses strings that are not an HLL', () => {
    const k = new TypedKey();
    k.value = b('hello');
    expect(plain(k.run('pfadd', 'a'))).toEqual({ error: 'WRONGTYPE Key is not a valid HyperLogLog string value.' });
    expect(plain(k.run('pfcount'))).toEqual({ error: 'WRONGTYPE Key is not a valid HyperLogLog string value.' });
    k.value = b('HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00short');
    expect(plain(k.run('pfcount'))).toEqual({ error: 'WRONGTYPE Key is not a valid HyperLogLog string value.' });
  });

  it('PFADD reports changes; an empty PFADD creates the key', () => {
    const k = new TypedKey();
    expect(plain(k.run('pfadd'))).toBe(1);
    expect(plain(k.run('pfadd'))).toBe(0);
    expect(plain(k.run('pfadd', 'a', 'b'))).toBe(1);
    expect(plain(k.run('pfadd', 'a', 'b'))).toBe(0);
    expect(plain(k.run('pfcount'))).toBe(2);
  });

  it('counts within the 0.81% standard error (3 sigma) over a range of cardinalities', () => {
    for (const n of [1000, 10_000, 100_000]) {
      const k = new TypedKey();
      const batch: string[] = [];
      for (let i = 0; i < n; i++) {
        batch.push(`element:${i}`);
        if (batch.length === 1000) k.run('pfadd', ...batch.splice(0));
      }
      const count = plain(k.run('pfcount')) as number;
      expect(Math.abs(count - n) / n).toBeLessThan(3 * 0.0081);
    }
  });

  it('merge is a register-wise maximum (union count)', () => {
    const a = new TypedKey();
    const c = new TypedKey();
    a.run('pfadd', ...Array.from({ length: 500 }, (_, i) => `x${i}`));
    c.run('pfadd', ...Array.from({ length: 500 }, (_, i) => `x${i + 250}`));
    const union = registersOf(c.value)!;
    expect(plain(a.run('__pfmerge', union))).toBe('OK');
    const merged = countRegisters(registersOf(a.value)!);
    expect(Math.abs(merged - 750) / 750).toBeLessThan(0.03);
    expect(plain(a.run('__pfcountregs', union))).toBe(countRegisters(union));
  });
});
