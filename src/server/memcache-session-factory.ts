/**
 * The memcached port's protocol detection: a first byte of 0x80 (the binary
 * request magic) means the binary protocol, anything else the text protocol.
 */
import type { SessionFactory } from './connection';
import { MemcacheTextSession } from './memcache-text-session';

/** memcached binary protocol request magic; its sessions arrive with the binary-protocol issue. */
const BINARY_REQUEST_MAGIC = 0x80;

export const memcacheSessionFactory: SessionFactory = (firstChunk, queue, gate, context) => {
  // Binary protocol not served yet: close rather than answer in the wrong protocol.
  if (firstChunk[0] === BINARY_REQUEST_MAGIC) return null;
  return new MemcacheTextSession(queue, gate, context, {
    maxItemSize: context.config.maxItemSize,
    maxLineLength: 2048,
    // Our own bounds where memcached has none: a 100k-key multi-get of short keys fits.
    maxRetrievalLineLength: 2 * 1024 * 1024,
    maxKeysPerRetrieval: 100_000,
  });
};
