/**
 * Property tests for the memcached binary parser (memcache-binary/parser.ts),
 * seeded (FUZZ_SEED). Valid packet streams parse to exactly the generated
 * packets however split; mutated streams (flipped bytes, absurd 32-bit
 * lengths written over header fields, truncations, inserted bytes) report only
 * the parser's fault kinds, the same events however split, and never make the
 * parser hold or allocate more than the bytes fed allow — whatever the header's
 * body length says.
 */
import fc from 'fast-check';
import { MemcacheBinaryParser } from '../../src/protocol/memcache-binary/parser';
import type { BinaryRequest } from '../../src/protocol/memcache-binary/request';
import { AllocationProbe, fuzzParameters, keyArbitrary, mutate, mutationsArbitrary, valueArbitrary } from './fuzz-support';
import { checkAllWays, feedChecked, type FuzzTarget } from './parser-harness';

const FAULTS = new Set([null, 'bad-magic', 'bad-frame', 'invalid', 'unknown-command', 'too-large']);

function target(maxValueLength: number): FuzzTarget<BinaryRequest> {
  return {
    create: (events) => new MemcacheBinaryParser({ onRequest: (r) => events.push(r) }, { maxValueLength }),
    checkEvent(r) {
      if (!FAULTS.has(r.fault)) throw new Error(`unknown fault ${String(r.fault)}`);
      if (r.value.length > maxValueLength) throw new Error('value over the limit delivered');
      if (r.key.length > 250) throw new Error('key over 250 bytes delivered');
      if (r.fault === null && r.spec === null) throw new Error('unknown opcode without a fault');
    },
  };
}

function packet(opcode: number, key: Buffer, extras: Buffer, value: Buffer, opaque: number): Buffer {
  const header = Buffer.alloc(24);
  header[0] = 0x80;
  header[1] = opcode;
  header.writeUInt16BE(key.length, 2);
  header[4] = extras.length;
  header.writeUInt32BE(extras.length + key.length + value.length, 8);
  header.writeUInt32BE(opaque, 12);
  return Buffer.concat([header, extras, key, value]);
}

interface Generated {
  bytes: Buffer;
  expected: { op: string; key: string; value: string; opaque: number };
}

const u32 = fc.nat({ max: 0xffffffff });
const extrasOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));

const packetArbitrary: fc.Arbitrary<Generated> = fc
  .record({
    kind: fc.constantFrom(
      ['get', 0x00, 0, false], ['getkq', 0x0d, 0, false], ['set', 0x01, 8, true], ['addq', 0x12, 8, true],
      ['append', 0x0e, 0, true], ['delete', 0x04, 0, false], ['increment', 0x05, 20, false], ['touch', 0x1c, 4, false],
      ['gat', 0x1d, 4, false],
    ) as fc.Arbitrary<[string, number, number, boolean]>,
    key: keyArbitrary,
    value: valueArbitrary,
    extras: extrasOf(20),
    opaque: u32,
  })
  .map(({ kind: [name, opcode, extrasLength, takesValue], key, value, extras, opaque }) => {
    const v = takesValue ? value : Buffer.alloc(0);
    return {
      bytes: packet(opcode, Buffer.from(key, 'latin1'), extras.subarray(0, extrasLength), v, opaque),
      expected: { op: name, key, value: v.toString('latin1'), opaque },
    };
  });

const bodylessArbitrary: fc.Arbitrary<Generated> = fc
  .record({ kind: fc.constantFrom(['noop', 0x0a], ['version', 0x0b]) as fc.Arbitrary<[string, number]>, opaque: u32 })
  .map(({ kind: [name, opcode], opaque }) => ({
    bytes: packet(opcode, Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), opaque),
    expected: { op: name, key: '', value: '', opaque },
  }));

const streamArbitrary = fc.array(fc.oneof(packetArbitrary, bodylessArbitrary), { minLength: 1, maxLength: 10 });

function summary(r: unknown): unknown {
  const q = r as { spec: { name: string } | null; opcode: number; key: string; value: string; opaque: number; fault: unknown };
  return q.fault === null ? { op: q.spec?.name ?? q.opcode, key: q.key, value: q.value, opaque: q.opaque } : { fault: q.fault };
}

describe('memcached binary parser under fuzzing', () => {
  const probe = new AllocationProbe();
  beforeAll(() => probe.install());
  afterAll(() => probe.uninstall());

  test('valid packet streams parse to exactly the generated packets, however split', () => {
    fc.assert(
      fc.property(streamArbitrary, fc.integer(), (packets, splitSeed) => {
        const events = checkAllWays(target(4096), Buffer.concat(packets.map((p) => p.bytes)), splitSeed, probe);
        expect(events.map(summary)).toEqual(packets.map((p) => p.expected));
      }),
      fuzzParameters(),
    );
  });

  test('mutated streams: no throw, only known faults, bounded memory, same events however split', () => {
    fc.assert(
      fc.property(streamArbitrary, mutationsArbitrary, fc.integer(), (packets, mutations, splitSeed) => {
        const bytes = mutate(Buffer.concat(packets.map((p) => p.bytes)), mutations);
        checkAllWays(target(4096), bytes, splitSeed, probe);
        checkAllWays(target(1024 * 1024), bytes, splitSeed, probe);
      }),
      fuzzParameters(600),
    );
  });

  test('headers with absurd lengths: nothing is allocated from the declared body length', () => {
    const header = fc
      .record({
        opcode: fc.oneof(fc.constantFrom(0x00, 0x01, 0x0e, 0x21, 0x10, 0x60), fc.integer({ min: 0, max: 255 })),
        keyLength: fc.oneof(fc.constantFrom(0, 1, 250, 251, 0xffff), fc.nat({ max: 0xffff })),
        extrasLength: fc.oneof(fc.constantFrom(0, 4, 8, 20, 255), fc.nat({ max: 255 })),
        bodyLength: fc.oneof(fc.constantFrom(0xffffffff, 0x7fffffff, 1 << 20, (1 << 20) + 1), u32),
        tail: fc.uint8Array({ maxLength: 600 }),
      })
      .map(({ opcode, keyLength, extrasLength, bodyLength, tail }) => {
        const h = Buffer.alloc(24);
        h[0] = 0x80;
        h[1] = opcode;
        h.writeUInt16BE(keyLength, 2);
        h[4] = extrasLength;
        h.writeUInt32BE(bodyLength, 8);
        return Buffer.concat([h, Buffer.from(tail)]);
      });
    fc.assert(
      fc.property(header, fc.integer(), (bytes, splitSeed) => {
        checkAllWays(target(1024 * 1024), bytes, splitSeed, probe);
      }),
      fuzzParameters(),
    );
  });

  test('a set declaring 1 MiB with 10 bytes sent holds about 10 bytes', () => {
    const key = Buffer.from('k');
    const header = packet(0x01, key, Buffer.alloc(8), Buffer.alloc(0), 7);
    header.writeUInt32BE(8 + 1 + 1024 * 1024, 8);
    const events = feedChecked(target(1024 * 1024), [header, Buffer.alloc(10)], probe, 'two chunks');
    expect(events).toEqual([]);
  });
});
