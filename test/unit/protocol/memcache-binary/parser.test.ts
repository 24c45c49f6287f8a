/**
 * The binary push parser on its own: framing, per-opcode shape checks, the
 * faults memcached answers, and bounded memory for values and bodies it must
 * not buffer. Every multi-packet input is fed whole, byte by byte and in
 * seeded random splits (feedThreeWays).
 */
import { encodeRequest, type RequestSpec } from '../../../fixtures/memcached-binary/binary-packets';
import { MemcacheBinaryParser } from '../../../../src/protocol/memcache-binary/parser';
import type { BinaryRequest } from '../../../../src/protocol/memcache-binary/request';
import { readArithmeticExtras, readFlushDelay, readStoreExtras } from '../../../../src/protocol/memcache-binary/request';
import { feedThreeWays, mulberry32 } from '../feed-three-ways';

const LIMIT = 1000;

function parser(events: BinaryRequest[], maxValueLength = LIMIT): MemcacheBinaryParser {
  return new MemcacheBinaryParser({ onRequest: (r) => events.push(r) }, { maxValueLength });
}

function packets(...specs: RequestSpec[]): Buffer {
  return Buffer.concat(specs.map((s) => encodeRequest(s)));
}

/** The fields a test cares about, with buffers as text. */
function summary(r: BinaryRequest) {
  return {
    op: r.spec?.name ?? r.opcode,
    opaque: r.opaque,
    fault: r.fault,
    key: r.key.toString('latin1'),
    value: r.value.toString('latin1'),
  };
}

function parse(bytes: Buffer, maxValueLength = LIMIT) {
  return feedThreeWays<BinaryRequest>((events) => parser(events, maxValueLength), bytes).map(summary);
}

describe('MemcacheBinaryParser', () => {
  describe('well-formed packets', () => {
    it('reports a pipeline of packets in order with keys, values and opaques', () => {
      const bytes = packets(
        { op: 'set', key: 'k', ext: [[4, 7], [4, 60]], value: 'hello', opaque: 1 },
        { op: 'getkq', key: 'k', opaque: 2 },
        { op: 'append', key: 'k', value: '!', opaque: 3 },
        { op: 'noop', opaque: 4 },
      );
      expect(parse(bytes)).toEqual([
        { op: 'set', opaque: 1, fault: null, key: 'k', value: 'hello' },
        { op: 'getkq', opaque: 2, fault: null, key: 'k', value: '' },
        { op: 'append', opaque: 3, fault: null, key: 'k', value: '!' },
        { op: 'noop', opaque: 4, fault: null, key: '', value: '' },
      ]);
    });

    it('keeps the request CAS as two 32-bit halves', () => {
      const events: BinaryRequest[] = [];
      parser(events).push(encodeRequest({ op: 'delete', key: 'k', cas: '0x123456789abcdef0' }));
      expect([events[0]!.casHigh, events[0]!.casLow]).toEqual([0x12345678, 0x9abcdef0]);
    });

    it('decodes set, arithmetic and flush extras', () => {
      const events: BinaryRequest[] = [];
      const p = parser(events);
      p.push(encodeRequest({ op: 'set', key: 'k', ext: [[4, 0xdeadbeef], [4, 100]], value: 'v' }));
      p.push(encodeRequest({ op: 'increment', key: 'n', ext: [[8, '18446744073709551615'], [8, '42'], [4, 0xffffffff]] }));
      p.push(encodeRequest({ op: 'flush', ext: [[4, 30]] }));
      p.push(encodeRequest({ op: 'flush' }));
      expect(readStoreExtras(events[0]!.extras)).toEqual({ flags: 0xdeadbeef, exptime: 100 });
      expect(readArithmeticExtras(events[1]!.extras)).toEqual({ delta: 2n ** 64n - 1n, initial: 42n, exptime: 0xffffffff });
      expect(readFlushDelay(events[2]!.extras)).toBe(30);
      expect(readFlushDelay(events[3]!.extras)).toBe(0);
    });

    it('accepts a value of exactly the limit and a key of 250 bytes', () => {
      const key = 'k'.repeat(250);
      const value = 'v'.repeat(LIMIT);
      const [event] = parse(packets({ op: 'set', key, ext: [[4, 0], [4, 0]], value }));
      expect(event).toEqual({ op: 'set', opaque: 0, fault: null, key, value });
    });

    it('skips the bytes after the key of a stat or touch instead of reading them as a header', () => {
      const bytes = packets(
        { op: 'stat', key: 'items', bodylen: 5 + 3 },
        { raw: '787878' },
        { op: 'touch', key: 'k', ext: [[4, 10]], bodylen: 4 + 1 + 2 },
        { raw: '7979' },
        { op: 'noop', opaque: 9 },
      );
      expect(parse(bytes).map((e) => [e.op, e.fault])).toEqual([
        ['stat', null],
        ['touch', null],
        ['noop', null],
      ]);
    });
  });

  describe('faults', () => {
    it('closes on a bad magic and ignores everything after it', () => {
      const bytes = packets({ op: 'noop', opaque: 1 }, { op: 'get', key: 'k', magic: 0x81, opaque: 2 }, { op: 'noop', opaque: 3 });
      expect(parse(bytes).map((e) => [e.opaque, e.fault])).toEqual([
        [1, null],
        [2, 'bad-magic'],
      ]);
    });

    it('treats a text command as a bad magic', () => {
      const events: BinaryRequest[] = [];
      const p = parser(events);
      p.push(Buffer.from('get k\r\nget k\r\nget k\r\nget k\r\n'));
      expect(events.map((e) => e.fault)).toEqual(['bad-magic']);
      expect(p.closed).toBe(true);
    });

    it('reports key + extras longer than the body as a bad frame and closes', () => {
      const bytes = packets({ op: 'get', key: 'key', bodylen: 2 }, { op: 'noop' });
      expect(parse(bytes).map((e) => e.fault)).toEqual(['bad-frame']);
    });

    it.each([
      ['get with extras', { op: 'get', key: 'k', ext: [[4, 0]] }],
      ['get without key', { op: 'get' }],
      ['get with value', { op: 'get', key: 'k', value: 'v' }],
      ['set with 4 bytes of extras', { op: 'set', key: 'k', ext: [[4, 0]], value: 'v' }],
      ['increment with 8 bytes of extras', { op: 'increment', key: 'k', ext: [[8, '1']] }],
      ['flush with a key', { op: 'flush', key: 'k' }],
      ['noop with a body', { op: 'noop', value: 'x' }],
      ['gat without extras', { op: 'gat', key: 'k' }],
      ['key of 251 bytes', { op: 'get', keyRepeat: { repeat: 'k', count: 251 } }],
      ['unknown opcode with a key of 251 bytes', { op: 0x40, keyRepeat: { repeat: 'k', count: 251 } }],
    ] as [string, RequestSpec][])('%s is invalid and closes', (_name, spec) => {
      expect(parse(packets(spec, { op: 'noop' })).map((e) => e.fault)).toEqual(['invalid']);
    });

    it('answers an unknown opcode, skips its body and goes on', () => {
      const bytes = packets({ op: 0x1b, ext: [[4, 1]], opaque: 1 }, { op: 0x64, key: 'cluster', value: 'xyz', opaque: 2 }, { op: 'noop', opaque: 3 });
      expect(parse(bytes).map((e) => [e.op, e.opaque, e.fault])).toEqual([
        [0x1b, 1, 'unknown-command'],
        [0x64, 2, 'unknown-command'],
        ['noop', 3, null],
      ]);
    });

    it("reads ElastiCache's config get (0x60) with its key, skipping any body after it", () => {
      const bytes = packets({ op: 0x60, key: 'cluster', opaque: 1 }, { op: 0x60, key: 'cluster', value: 'xyz', opaque: 2 }, { op: 'noop', opaque: 3 });
      expect(parse(bytes).map((e) => [e.op, e.opaque, e.fault, e.key])).toEqual([
        ['config-get', 1, null, 'cluster'],
        ['config-get', 2, null, 'cluster'],
        ['noop', 3, null, ''],
      ]);
    });

    it('refuses a value over the limit as soon as its key arrived, then skips it', () => {
      const bytes = packets({ op: 'setq', key: 'big', ext: [[4, 0], [4, 0]], valueRepeat: { repeat: 'x', count: LIMIT + 1 }, opaque: 1 }, { op: 'get', key: 'big', opaque: 2 });
      expect(parse(bytes)).toEqual([
        { op: 'setq', opaque: 1, fault: 'too-large', key: 'big', value: '' },
        { op: 'get', opaque: 2, fault: null, key: 'big', value: '' },
      ]);
    });
  });

  describe('memory', () => {
    it('does not buffer the bytes of a refused value, however long', () => {
      const events: BinaryRequest[] = [];
      const p = parser(events);
      const declared = 0xffffffff;
      p.push(encodeRequest({ op: 'set', key: 'k', ext: [[4, 0], [4, 0]], bodylen: declared }));
      expect(events.map((e) => [e.fault, e.declaredValueLength])).toEqual([['too-large', declared - 9]]);
      const chunk = Buffer.alloc(64 * 1024, 0x78);
      for (let i = 0; i < 64; i++) {
        p.push(chunk);
        expect(p.bufferedBytes).toBe(0);
      }
      expect(events).toHaveLength(1);
    });

    it('holds no more than what arrived of a value still coming', () => {
      const events: BinaryRequest[] = [];
      const p = parser(events, 10_000_000);
      p.push(encodeRequest({ op: 'set', key: 'k', ext: [[4, 0], [4, 0]], bodylen: 9 + 5_000_000 }));
      p.push(Buffer.alloc(1000, 0x61));
      expect(p.bufferedBytes).toBe(1000);
      expect(events).toHaveLength(0);
    });

    it('closes on a get declaring an absurd body instead of waiting for it', () => {
      const events: BinaryRequest[] = [];
      const p = parser(events);
      p.push(encodeRequest({ op: 'get', key: 'k', bodylen: 0xffffffff }));
      expect(events.map((e) => e.fault)).toEqual(['invalid']);
      expect(p.closed).toBe(true);
    });
  });

  describe('random input', () => {
    /** Packets with random opcodes, lengths and bodies (seeded), some with a wrong magic. */
    function randomStream(seed: number): Buffer {
      const rand = mulberry32(seed);
      const parts: Buffer[] = [];
      for (let i = 0; i < 200; i++) {
        const keyLength = Math.floor(rand() * 40);
        const extrasLength = [0, 4, 8, 20, 3][Math.floor(rand() * 5)]!;
        const valueLength = Math.floor(rand() * 50);
        const header = Buffer.alloc(24);
        header[0] = rand() < 0.02 ? 0x42 : 0x80;
        header[1] = Math.floor(rand() * 0x30);
        header.writeUInt16BE(keyLength, 2);
        header[4] = extrasLength;
        // Mostly consistent body lengths, sometimes too short or far too long.
        const r = rand();
        const bodyLength = r < 0.9 ? extrasLength + keyLength + valueLength : r < 0.95 ? Math.floor(rand() * 10) : 0xffffff00;
        header.writeUInt32BE(bodyLength, 8);
        header.writeUInt32BE(i, 12);
        const body = Buffer.alloc(Math.min(bodyLength, extrasLength + keyLength + valueLength));
        for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
        parts.push(header, body);
      }
      return Buffer.concat(parts);
    }

    it.each([11, 12, 13, 14, 15])('never throws and reports the same packets however split (seed %i)', (seed) => {
      const events = feedThreeWays<ReturnType<typeof summary>>((out) => new MemcacheBinaryParser({ onRequest: (r) => out.push(summary(r)) }, { maxValueLength: 30 }), randomStream(seed));
      expect(events.length).toBeGreaterThan(0);
    });

    it('never holds more than one packet prefix or value', () => {
      for (let seed = 20; seed < 30; seed++) {
        const p = parser([], 30);
        const bytes = randomStream(seed);
        for (let at = 0; at < bytes.length; at += 7) {
          p.push(bytes.subarray(at, at + 7));
          // One stage at a time: a header (24), extras + key (here at most 20 + 39), or a value within the limit (30).
          expect(p.bufferedBytes).toBeLessThanOrEqual(Math.max(24, 20 + 39, 30));
        }
      }
    });
  });
});
