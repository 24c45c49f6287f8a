/**
 * Response packets byte for byte: header fields, echoed opcode and opaque,
 * error bodies as memcached writes them, hit layouts, counters and stats.
 */
import {
  encodeCounter,
  encodeError,
  encodeHit,
  encodeKeyedMiss,
  encodeStats,
  encodeSuccess,
} from '../../../../src/protocol/memcache-binary/reply-encoder';
import { BinaryStatus } from '../../../../src/protocol/memcache-binary/opcodes';

const head = { opcode: 0x0c, opaque: 0xfedcba98 };

function hex(b: Buffer): string {
  return b.toString('hex');
}

describe('binary reply encoder', () => {
  it('writes a bare success header with the CAS', () => {
    expect(hex(encodeSuccess({ opcode: 0x01, opaque: 7 }, 0x01020304, 0x05060708))).toBe(
      '81010000' + '00000000' + '00000000' + '00000007' + '0102030405060708',
    );
  });

  it('writes error bodies as memcached does', () => {
    const out = encodeError({ opcode: 0x00, opaque: 1 }, BinaryStatus.KeyNotFound);
    expect(hex(out.subarray(0, 24))).toBe('81000000' + '00000001' + '00000009' + '00000001' + '0000000000000000');
    expect(out.subarray(24).toString()).toBe('Not found');
    expect(encodeError(head, BinaryStatus.NonNumeric).subarray(24).toString()).toBe('Non-numeric server-side value for incr or decr');
    expect(encodeError(head, BinaryStatus.UnknownCommand).readUInt16BE(6)).toBe(0x81);
  });

  it('lays a keyed hit out as flags, key, value', () => {
    const value = Buffer.from('..value..');
    const out = encodeHit(head, 0xdeadbeef, 0, 42, Buffer.from('key'), value, 2, 5);
    expect(out[4]).toBe(4); // extras length
    expect(out.readUInt16BE(2)).toBe(3); // key length
    expect(out.readUInt32BE(8)).toBe(4 + 3 + 5);
    expect(out.readUInt32BE(12)).toBe(0xfedcba98);
    expect(out.readBigUInt64BE(16)).toBe(42n);
    expect(hex(out.subarray(24, 28))).toBe('deadbeef');
    expect(out.subarray(28).toString()).toBe('keyvalue');
  });

  it('echoes only the key on a keyed miss', () => {
    const out = encodeKeyedMiss(head, Buffer.from('gone'));
    expect([out.readUInt16BE(6), out.readUInt16BE(2), out.readUInt32BE(8), out.subarray(24).toString()]).toEqual([1, 4, 4, 'gone']);
  });

  it('sends a counter as a big-endian u64', () => {
    const out = encodeCounter(head, 2n ** 64n - 1n, 0, 9);
    expect(hex(out.subarray(24))).toBe('ffffffffffffffff');
    expect(out.readBigUInt64BE(16)).toBe(9n);
  });

  it('sends stats as one packet per entry and an empty end packet', () => {
    const packets = encodeStats({ opcode: 0x10, opaque: 3 }, [
      ['pid', 12],
      ['version', '1.6.18'],
    ]);
    expect(packets.map((p) => [p.readUInt16BE(2), p.subarray(24).toString()])).toEqual([
      [3, 'pid12'],
      [7, 'version1.6.18'],
      [0, ''],
    ]);
  });
});
