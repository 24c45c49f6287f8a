/**
 * WATCH on the main thread: which sessions watch which stored keys, and the
 * marking of their transactions as dirty when one of those keys is written.
 *
 * The main thread is the only sequencer of shard work, so a write noted here
 * when it is *submitted* is ordered exactly as the shards will run it: a
 * write submitted before EXEC dirties the transaction; one submitted after
 * it cannot affect it. Writes are noted when submitted, not when they
 * succeed, so a write that changes nothing (SETNX on an existing key, DEL of
 * a missing key) also dirties watchers (Redis only counts real changes).
 *
 * Keys are stored keys (with resp-keyspace's database prefix), so one
 * registry serves every database and the memcached protocols, which reach
 * it through `noteKeyWritten` / `noteFlush`. The registry is per process:
 * two daemons in one process (tests) may only see extra dirtying, never less.
 *
 * May import nothing.
 */

/** What the registry needs from a watching session. */
export interface Watcher {
  /** Set once a watched key was written (or the store flushed) since WATCH. */
  watchDirty: boolean;
}

/** latin1 of the stored key → sessions watching it. */
const watchersByKey = new Map<string, Set<Watcher>>();
/** Each watcher's keys, so UNWATCH / EXEC / close drop them without a scan. */
const keysByWatcher = new Map<Watcher, Set<string>>();

function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export function watchKey(watcher: Watcher, storedKey: Uint8Array): void {
  const id = keyId(storedKey);
  let watchers = watchersByKey.get(id);
  if (watchers === undefined) {
    watchers = new Set();
    watchersByKey.set(id, watchers);
  }
  watchers.add(watcher);
  let keys = keysByWatcher.get(watcher);
  if (keys === undefined) {
    keys = new Set();
    keysByWatcher.set(watcher, keys);
  }
  keys.add(id);
}

/** Forgets every key of `watcher` and clears its dirty mark (UNWATCH, EXEC, DISCARD, RESET, close). */
export function unwatchAll(watcher: Watcher): void {
  watcher.watchDirty = false;
  const keys = keysByWatcher.get(watcher);
  if (keys === undefined) return;
  keysByWatcher.delete(watcher);
  for (const id of keys) {
    const watchers = watchersByKey.get(id);
    if (watchers === undefined) continue;
    watchers.delete(watcher);
    if (watchers.size === 0) watchersByKey.delete(id);
  }
}

/** Number of keys `watcher` watches (CLIENT LIST `watch=`). */
export function watchedKeyCount(watcher: Watcher): number {
  return keysByWatcher.get(watcher)?.size ?? 0;
}

/**
 * The other listener of the write fan-out: blocking pops (resp-blocking.ts) set it
 * while a client is parked and clear it when none is, so with nobody blocked a
 * write pays one null check here.
 */
let keyWriteListener: ((storedKey: Uint8Array) => void) | null = null;

export function setKeyWriteListener(listener: ((storedKey: Uint8Array) => void) | null): void {
  keyWriteListener = listener;
}

/**
 * A write to `storedKey` was submitted to the shards. Call it for every
 * write, from any protocol, before or as the op is queued. O(1) when nothing
 * is watched.
 */
export function noteKeyWritten(storedKey: Uint8Array): void {
  if (keyWriteListener !== null) keyWriteListener(storedKey);
  if (watchersByKey.size === 0) return;
  const watchers = watchersByKey.get(keyId(storedKey));
  if (watchers === undefined) return;
  for (const watcher of watchers) watcher.watchDirty = true;
}

/** The whole store was flushed (flush_all, FLUSHDB, FLUSHALL): every watcher is dirty, as in Redis. */
export function noteFlush(): void {
  if (keysByWatcher.size === 0) return;
  for (const watcher of keysByWatcher.keys()) watcher.watchDirty = true;
}
