/**
 * Redis's 16 logical databases on one store. Database 0 is the keyspace the
 * memcached protocols see: its keys are stored as sent. A key of database
 * N ≠ 0 is stored as `\n`, N, key: a memcached text client cannot spell a key
 * containing '\n' (it ends the command line), so those keys stay out of its
 * reach. A database-0 key that itself starts with '\n' is stored as `\n`, 0,
 * key, so no two (database, key) pairs share a stored key.
 *
 * Every RESP command goes through `storedKey`: the mapping lives only here.
 * May import nothing.
 */

export const DATABASE_COUNT = 16;

const DATABASE_MARKER = 0x0a;

/**
 * Longest Redis key we accept: the store keeps key lengths in 16 bits, and
 * the database prefix takes two bytes. (memcached's own keys stop at 250.)
 */
export const MAX_REDIS_KEY_LENGTH = 0xffff - 2;

export function storedKey(database: number, key: Buffer): Buffer {
  if (database === 0 && (key.length === 0 || key[0] !== DATABASE_MARKER)) return key;
  const stored = Buffer.allocUnsafe(key.length + 2);
  stored[0] = DATABASE_MARKER;
  stored[1] = database;
  stored.set(key, 2);
  return stored;
}
