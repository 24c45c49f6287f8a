import { ReplyBatchReader, ReplyBatchWriter, RequestBatchReader, RequestBatchWriter } from '../../../src/shard/batch-codec';

describe('batch codec', () => {
  it('round-trips request records, including empty and large values', () => {
    const w = new RequestBatchWriter(64);
    const big = new Uint8Array(200_000).fill(7);
    w.append(3, Buffer.from('alpha'), 123, Buffer.from('value'), 0xffffffff, 1.5e12, 1, 2);
    w.append(1, Buffer.from('b'), 0xdeadbeef, null, 0, 0, 0, 0);
    w.append(3, Buffer.from('big'), 5, big, 9, 0, 0xffffffff, 0x7fffffff);
    const batch = w.finish().slice();
    const r = new RequestBatchReader(batch);
    expect(r.count).toBe(3);
    expect(r.read()).toBe(true);
    expect([r.opCode, r.hash, r.clientFlags, r.expiresAtMs, r.argLow, r.argHigh]).toEqual([3, 123, 0xffffffff, 1.5e12, 1, 2]);
    expect(Buffer.from(r.bytes.subarray(r.keyOffset, r.keyOffset + r.keyLength)).toString()).toBe('alpha');
    expect(Buffer.from(r.bytes.subarray(r.valueOffset, r.valueOffset + r.valueLength)).toString()).toBe('value');
    expect(r.read()).toBe(true);
    expect([r.opCode, r.hash, r.valueLength]).toEqual([1, 0xdeadbeef, 0]);
    expect(r.read()).toBe(true);
    expect(r.valueLength).toBe(200_000);
    expect(r.bytes.subarray(r.valueOffset, r.valueOffset + r.valueLength)).toEqual(big);
    expect([r.argLow, r.argHigh]).toEqual([0xffffffff, 0x7fffffff]);
    expect(r.read()).toBe(false);
  });

  it('reads a batch that sits at an offset inside a larger buffer (a ring view)', () => {
    const w = new ReplyBatchWriter();
    w.append(0, 42, 7, 8, Buffer.from('xyz'), 0, 3);
    w.appendStatus(4);
    const bytes = w.finish();
    const host = new Uint8Array(bytes.length + 16);
    host.set(bytes, 16);
    const r = new ReplyBatchReader();
    r.reset(host.subarray(16));
    expect(r.count).toBe(2);
    expect(r.read()).toBe(true);
    expect([r.status, r.clientFlags, r.casLow, r.casHigh]).toEqual([0, 42, 7, 8]);
    expect(r.copyValue().toString()).toBe('xyz');
    expect(r.read()).toBe(true);
    expect(r.status).toBe(4);
    expect(r.read()).toBe(false);
  });

  it('a truncated batch stops the reader instead of reading past the end', () => {
    const w = new RequestBatchWriter();
    w.append(3, Buffer.from('k'), 1, Buffer.alloc(100), 0, 0, 0, 0);
    const r = new RequestBatchReader(w.finish().slice(0, 60));
    expect(r.read()).toBe(false);
  });
});
