/** Byte helpers the reply encoders build on: the loop and set paths copy the same bytes. */
import { copyBytes, decimalDigits, writeAscii, writeDecimal } from '../../../src/util/bytes';
import { bulkReply } from '../../../src/protocol/resp/reply-encoder';

test.each([0, 1, 47, 48, 49, 200])('copyBytes copies %i bytes from mid-source to mid-target, nothing else', (length) => {
  const source = Buffer.from(Array.from({ length: length + 20 }, (_, i) => (i * 7 + 1) & 0xff));
  const target = Buffer.alloc(length + 10, 0xee);
  copyBytes(target, 5, source, 3, 3 + length);
  expect(target.subarray(5, 5 + length)).toEqual(source.subarray(3, 3 + length));
  expect([...target.subarray(0, 5), ...target.subarray(5 + length)].every((b) => b === 0xee)).toBe(true);
});

test.each([0, 7, 9, 10, 99, 100, 123456789, 4294967295, 2 ** 53 - 1])('writeDecimal writes %d exactly, nothing around it', (n) => {
  const out = Buffer.alloc(20, 0x2e);
  const end = writeDecimal(out, 1, n);
  expect(end - 1).toBe(decimalDigits(n));
  expect(out.toString('latin1', 1, end)).toBe(String(n));
  expect(out[0]).toBe(0x2e);
  expect(out[end]).toBe(0x2e);
});

test('writeAscii', () => {
  const out = Buffer.alloc(8);
  expect(writeAscii(out, 1, Buffer.from('END'))).toBe(4);
  expect(out.subarray(1, 4).toString()).toBe('END');
});

test.each([0, 1, 9, 10, 47, 48, 100, 1000])('bulkReply of %i bytes is $<len>\\r\\n<bytes>\\r\\n', (length) => {
  const value = Buffer.alloc(length + 4, 'v');
  value.write('ab', length + 2);
  expect(bulkReply(value, 2, 2 + length).toString('latin1')).toBe(`$${length}\r\n${value.subarray(2, 2 + length).toString('latin1')}\r\n`);
});
