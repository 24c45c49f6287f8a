/**
 * The item-op extensions of the batch contract (messages.ts): the args block at the start of the
 * request value area, and the item info block between reply header and value. The classic
 * records must keep their exact sizes.
 */
import {
  emptyItemOpArgs,
  ReplyBatchReader,
  ReplyBatchWriter,
  RequestBatchReader,
  RequestBatchWriter,
} from '../../../src/shard/batch-codec';
import { BATCH_HEADER_BYTES, ITEM_ARGS_BYTES, ITEM_INFO_BYTES, OpCode, REPLY_HEADER_BYTES, REQUEST_HEADER_BYTES } from '../../../src/shard/messages';

describe('item op records', () => {
  it('round-trips the args block and the payload behind it, interleaved with classic records', () => {
    const w = new RequestBatchWriter(64);
    const args = emptyItemOpArgs();
    Object.assign(args, {
      options: 0x1ff,
      mode: 4,
      secondExpiresAtMs: 1.7e12 + 0.5,
      newCasLow: 0xffffffff,
      newCasHigh: 0x80000001,
      deltaLow: 1,
      deltaHigh: 2,
      initialLow: 3,
      initialHigh: 0xfffffffe,
      recacheBelowSeconds: 30,
    });
    w.append(OpCode.Get, Buffer.from('classic'), 7, null, 0, 0, 0, 0);
    w.appendItemOp(OpCode.ItemWrite, Buffer.from('key'), 99, args, Buffer.from('payload'), 0xfeedface, 1.8e12, 0x11111111, 0x22222222);
    w.appendItemOp(OpCode.ItemInfo, Buffer.from('k2'), 5, emptyItemOpArgs(), null, 0, 0, 0, 0);
    const r = new RequestBatchReader(w.finish().slice());
    expect(r.count).toBe(3);
    expect(r.read()).toBe(true);
    expect([r.opCode, r.valueLength]).toEqual([OpCode.Get, 0]);
    expect(r.read()).toBe(true);
    expect([r.opCode, r.hash, r.clientFlags, r.expiresAtMs, r.argLow, r.argHigh]).toEqual([OpCode.ItemWrite, 99, 0xfeedface, 1.8e12, 0x11111111, 0x22222222]);
    expect(Buffer.from(r.bytes.subarray(r.keyOffset, r.keyOffset + r.keyLength)).toString()).toBe('key');
    const decoded = emptyItemOpArgs();
    expect(r.readItemArgs(decoded)).toBe(true);
    expect(decoded).toEqual(args);
    expect(Buffer.from(r.bytes.subarray(r.valueOffset, r.valueOffset + r.valueLength)).toString()).toBe('payload');
    expect(r.read()).toBe(true);
    expect(r.readItemArgs(decoded)).toBe(true);
    expect(decoded).toEqual(emptyItemOpArgs());
    expect(r.valueLength).toBe(0);
    expect(r.read()).toBe(false);
  });

  it('refuses an item op record too short to hold the args block', () => {
    const w = new RequestBatchWriter();
    w.append(OpCode.ItemRead, Buffer.from('k'), 1, Buffer.alloc(ITEM_ARGS_BYTES - 1), 0, 0, 0, 0);
    const r = new RequestBatchReader(w.finish().slice());
    expect(r.read()).toBe(true);
    expect(r.readItemArgs(emptyItemOpArgs())).toBe(false);
  });

  it('round-trips the item info block; classic replies after it read without one', () => {
    const w = new ReplyBatchWriter();
    w.appendWithItemInfo(0, 5, 0xdeadbeef, 0x7, -1, 0, 12, 66, 2, 3, 0x1f, Buffer.from('..hi..'), 2, 2);
    w.append(0, 9, 1, 2, Buffer.from('classic'), 0, 7);
    w.appendWithItemInfo(4, 0, 0, 0, 123456, 1_790_000_000_123.5, 0, 0, 0, 0, 0, null, 0, 0);
    const r = new ReplyBatchReader();
    r.reset(w.finish().slice());
    expect(r.read()).toBe(true);
    expect([r.status, r.clientFlags, r.casLow, r.casHigh, r.hasItemInfo]).toEqual([0, 5, 0xdeadbeef, 7, true]);
    expect([r.itemTtlSeconds, r.itemExpiresAtMs, r.itemIdleSeconds, r.itemSize, r.itemValueSize, r.itemSlabClassId, r.itemInfoBits]).toEqual([-1, 0, 12, 66, 2, 3, 0x1f]);
    expect(r.copyValue().toString()).toBe('hi');
    expect(r.read()).toBe(true);
    expect([r.hasItemInfo, r.clientFlags]).toEqual([false, 9]);
    expect(r.copyValue().toString()).toBe('classic');
    expect(r.read()).toBe(true);
    expect([r.status, r.hasItemInfo, r.itemTtlSeconds, r.itemExpiresAtMs, r.valueLength]).toEqual([4, true, 123456, 1_790_000_000_123.5, 0]);
    expect(r.read()).toBe(false);
  });

  it('a reused reply buffer never lets old value bytes pass for an item info flag (regression)', () => {
    const w = new ReplyBatchWriter();
    w.append(0, 0, 0, 0, new Uint8Array(64).fill(0xff), 0, 64);
    w.finish();
    w.reset();
    w.appendStatus(4);
    w.append(0, 1, 2, 3, null, 0, 0);
    const r = new ReplyBatchReader();
    r.reset(w.finish().slice());
    expect(r.read()).toBe(true);
    expect([r.status, r.hasItemInfo]).toEqual([4, false]);
    expect(r.read()).toBe(true);
    expect([r.status, r.hasItemInfo, r.valueLength]).toEqual([0, false, 0]);
  });

  it('stops at a truncated item info block instead of reading past the end', () => {
    const w = new ReplyBatchWriter();
    w.appendWithItemInfo(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0);
    const r = new ReplyBatchReader();
    r.reset(w.finish().slice(0, BATCH_HEADER_BYTES + REPLY_HEADER_BYTES + ITEM_INFO_BYTES - 8));
    expect(r.read()).toBe(false);
  });

  it('leaves the classic record sizes unchanged', () => {
    const requests = new RequestBatchWriter();
    requests.append(OpCode.Set, Buffer.from('k'), 1, Buffer.from('v'), 0, 0, 0, 0);
    expect(requests.finish().length).toBe(BATCH_HEADER_BYTES + REQUEST_HEADER_BYTES + 8);
    const replies = new ReplyBatchWriter();
    replies.appendStatus(1);
    expect(replies.finish().length).toBe(BATCH_HEADER_BYTES + REPLY_HEADER_BYTES);
    const itemReplies = new ReplyBatchWriter();
    itemReplies.appendWithItemInfo(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0, 0);
    expect(itemReplies.finish().length).toBe(BATCH_HEADER_BYTES + REPLY_HEADER_BYTES + ITEM_INFO_BYTES);
  });
});
