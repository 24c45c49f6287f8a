/**
 * The generic typed path in one shard: TypedCommand records through ShardExecutor (type check,
 * write-back keeping the expiry, delete on empty, size limit) and the string ops' wrong-type flag.
 */
import { ReplyBatchReader, RequestBatchWriter } from '../../../../src/shard/batch-codec';
import { ShardExecutor } from '../../../../src/shard/execute';
import { OpCode } from '../../../../src/shard/messages';
import { encodeTypedArgs } from '../../../../src/shard/batch-codec';
import { ITEM_TYPE_HASH } from '../../../../src/store/item-layout';
import { StoreStatus } from '../../../../src/store/types';
import { decodeTypedReply } from '../../../../src/store/typed/typed-reply-codec';
import { hashBytes } from '../../../../src/util/hash';
import { makeStore, NOW } from '../helpers';
import { b, plain } from './typed-harness';

type Op = { typed: string; key: string; args?: (string | Uint8Array)[] } | { code: number; key: string; value?: string; expiresAtMs?: number };

function run(executor: ShardExecutor, ops: Op[], now = NOW): { status: number; wrongType: number; reply: unknown }[] {
  const writer = new RequestBatchWriter();
  for (const op of ops) {
    const key = b(op.key);
    const hash = hashBytes(key, 0, key.length);
    if ('typed' in op) {
      const args = (op.args ?? []).map((a) => (typeof a === 'string' ? b(a) : a));
      writer.append(OpCode.TypedCommand, key, hash, encodeTypedArgs(op.typed, args), 0, 0, 0, 0);
    } else {
      writer.append(op.code, key, hash, op.value === undefined ? null : b(op.value), 0, op.expiresAtMs ?? 0, 0, 0);
    }
  }
  const replyBytes = executor.executeBatch(writer.finish(), now).slice();
  const reader = new ReplyBatchReader();
  reader.reset(replyBytes);
  return ops.map((op) => {
    reader.read();
    const typed = 'typed' in op && reader.status === StoreStatus.Ok;
    return {
      status: reader.status,
      wrongType: reader.wrongType,
      reply: typed ? plain(decodeTypedReply(reader.bytes, reader.valueOffset, reader.valueLength)) : reader.copyValue().toString('latin1'),
    };
  });
}

describe('TypedCommand in the shard', () => {
  it('runs, writes back, and answers WRONGTYPE both ways', () => {
    const executor = new ShardExecutor(makeStore());
    const r = run(executor, [
      { typed: 'hset', key: 'h', args: ['f', 'v'] },
      { code: OpCode.Get, key: 'h' },
      { code: OpCode.Set, key: 's', value: 'str' },
      { typed: 'hget', key: 's', args: ['f'] },
      { typed: 'hget', key: 'h', args: ['f'] },
      { code: OpCode.Incr, key: 'h' },
      { code: OpCode.Append, key: 'h', value: 'x' },
    ]);
    expect(r[0]!.reply).toBe(1);
    expect(r[1]!.status).toBe(StoreStatus.NotFound);
    expect(r[1]!.wrongType).toBe(ITEM_TYPE_HASH);
    expect(r[3]!.reply).toEqual({ error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    expect(r[4]!.reply).toBe('v');
    expect(r[5]!.status).toBe(StoreStatus.NotFound);
    expect(r[5]!.wrongType).toBe(ITEM_TYPE_HASH);
    expect(r[6]!.status).toBe(StoreStatus.NotStored);
    expect(executor.counters.cmd_set).toBeGreaterThanOrEqual(2);
  });

  it('an unknown typed command fails the op, not the shard', () => {
    const executor = new ShardExecutor(makeStore());
    expect(run(executor, [{ typed: 'nope', key: 'k' }])[0]!.status).toBe(255);
  });

  it('keeps the expiry across writes; the item expires like any other', () => {
    const executor = new ShardExecutor(makeStore());
    run(executor, [{ typed: 'sadd', key: 's', args: ['a'] }, { code: OpCode.Touch, key: 's', expiresAtMs: NOW + 1000 }]);
    run(executor, [{ typed: 'sadd', key: 's', args: ['b'] }], NOW + 10);
    expect(run(executor, [{ typed: 'scard', key: 's' }], NOW + 500)[0]!.reply).toBe(2);
    expect(run(executor, [{ typed: 'scard', key: 's' }], NOW + 1001)[0]!.reply).toBe(0);
  });

  it('deletes the key when the collection empties', () => {
    const executor = new ShardExecutor(makeStore());
    run(executor, [{ typed: 'sadd', key: 's', args: ['a'] }, { typed: 'srem', key: 's', args: ['a'] }]);
    expect(run(executor, [{ code: OpCode.Get, key: 's' }])[0]!).toMatchObject({ status: StoreStatus.NotFound, wrongType: -1 });
  });

  it('refuses a collection over the item size limit and keeps the old value', () => {
    const executor = new ShardExecutor(makeStore({ pageSize: 64 * 1024, pages: 64 }));
    run(executor, [{ typed: 'hset', key: 'h', args: ['small', 'v'] }]);
    const big = 'x'.repeat(70 * 1024);
    const r = run(executor, [{ typed: 'hset', key: 'h', args: ['big', big] }, { typed: 'hlen', key: 'h' }]);
    expect(r[0]!.reply).toEqual({ error: 'ERR value too large for the item size limit' });
    expect(r[1]!.reply).toBe(1);
  });

  it('SET over a typed item makes it a string again (same slab class too)', () => {
    const executor = new ShardExecutor(makeStore());
    const r = run(executor, [
      { typed: 'sadd', key: 'k', args: ['a'] },
      { code: OpCode.Set, key: 'k', value: 'abcdefghijk' },
      { code: OpCode.Get, key: 'k' },
      { typed: 'scard', key: 'k' },
    ]);
    expect(r[2]!).toMatchObject({ status: StoreStatus.Ok, wrongType: -1, reply: 'abcdefghijk' });
    expect(r[3]!.reply).toEqual({ error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
  });
});
