/**
 * The memcached port's protocol detection: a first byte of 0x80 (the binary
 * request magic) means the binary protocol, anything else the text protocol.
 * With SASL on (-S) memcached binds the port to the binary protocol only
 * ("You cannot allow the ASCII protocol while using SASL"), so a text client
 * is read as a binary packet with a bad magic and closed: we close it too.
 * With only an ascii auth file (-Y) memcached binds the port to the text
 * protocol ("You cannot allow the BINARY protocol while using ascii
 * authentication tokens"): a binary client is closed, or it would skip the login.
 */
import type { SessionFactory } from './connection';
import { MemcacheBinarySession } from './memcache-binary-session';
import { MemcacheTextSession } from './memcache-text-session';

const BINARY_REQUEST_MAGIC = 0x80;

export const memcacheSessionFactory: SessionFactory = (firstChunk, queue, gate, context, peer) => {
  if (firstChunk[0] === BINARY_REQUEST_MAGIC) {
    if (context.credentials !== null && !context.config.enableSasl) return null;
    return new MemcacheBinarySession(queue, gate, context, { maxItemSize: context.config.maxItemSize }, peer);
  }
  if (context.config.enableSasl) return null;
  return new MemcacheTextSession(queue, gate, context, {
    maxItemSize: context.config.maxItemSize,
    maxLineLength: 2048,
    // Our own bounds where memcached has none: a 100k-key multi-get of short keys fits.
    maxRetrievalLineLength: 2 * 1024 * 1024,
    maxKeysPerRetrieval: 100_000,
  }, peer);
};
