/**
 * In-process checks of the WATCH registry and of EXEC's reply gathering
 * (no daemon). They belong in test/unit/server/ (not this helper's to edit):
 * the lead may move them there unchanged.
 */
import { ExecReplies } from '../../../src/server/resp-transaction';
import { noteFlush, noteKeyWritten, unwatchAll, watchedKeyCount, watchKey, type Watcher } from '../../../src/server/resp-watch';
import { storedKey } from '../../../src/server/resp-keyspace';

const key = (database: number, name: string): Buffer => storedKey(database, Buffer.from(name));

describe('WATCH registry', () => {
  let first: Watcher;
  let second: Watcher;

  beforeEach(() => {
    first = { watchDirty: false };
    second = { watchDirty: false };
  });

  afterEach(() => {
    unwatchAll(first);
    unwatchAll(second);
  });

  test('a write dirties exactly the watchers of that stored key', () => {
    watchKey(first, key(0, 'a'));
    watchKey(second, key(0, 'b'));
    noteKeyWritten(key(0, 'a'));
    expect(first.watchDirty).toBe(true);
    expect(second.watchDirty).toBe(false);
  });

  test('the same name in another database is another key', () => {
    watchKey(first, key(1, 'a'));
    noteKeyWritten(key(0, 'a'));
    noteKeyWritten(key(2, 'a'));
    expect(first.watchDirty).toBe(false);
    noteKeyWritten(key(1, 'a'));
    expect(first.watchDirty).toBe(true);
  });

  test('keys are compared as bytes, views into larger buffers included', () => {
    watchKey(first, Buffer.from([0xff, 0x00, 0x41]));
    const batch = Buffer.from([9, 9, 0xff, 0x00, 0x41, 9]);
    noteKeyWritten(batch.subarray(2, 5));
    expect(first.watchDirty).toBe(true);
  });

  test('UNWATCH forgets the keys and the dirty mark; later writes do not dirty', () => {
    watchKey(first, key(0, 'a'));
    watchKey(first, key(0, 'b'));
    expect(watchedKeyCount(first)).toBe(2);
    noteKeyWritten(key(0, 'a'));
    unwatchAll(first);
    expect(first.watchDirty).toBe(false);
    expect(watchedKeyCount(first)).toBe(0);
    noteKeyWritten(key(0, 'b'));
    expect(first.watchDirty).toBe(false);
  });

  test('a flush dirties every watcher', () => {
    watchKey(first, key(0, 'a'));
    watchKey(second, key(5, 'z'));
    noteFlush();
    expect(first.watchDirty && second.watchDirty).toBe(true);
  });
});

describe('ExecReplies', () => {
  test('replies leave in command order once all completed and sealed, whatever order shards answer in', () => {
    const delivered: string[][] = [];
    const gathered = new ExecReplies((outputs) => delivered.push(outputs.map((b) => b.toString())));
    const slow = gathered.reserve();
    gathered.immediate(Buffer.from('+QUICK\r\n'));
    const fast = gathered.reserve();
    gathered.complete(fast, Buffer.from(':2\r\n'));
    gathered.seal();
    expect(delivered).toEqual([]);
    gathered.complete(slow, Buffer.from(':1\r\n'));
    expect(delivered).toEqual([[':1\r\n', '+QUICK\r\n', ':2\r\n']]);
  });

  test('nothing is delivered before seal, even when every reply is in', () => {
    const delivered: Buffer[][] = [];
    const gathered = new ExecReplies((outputs) => delivered.push(outputs));
    gathered.immediate(Buffer.from('+OK\r\n'));
    expect(delivered).toEqual([]);
    gathered.seal();
    expect(delivered).toHaveLength(1);
  });
});
