/**
 * The Redis port's session factory: every connection speaks RESP (inline
 * commands included, as redis-cli and telnet send them). Fails at load if a
 * command in the table has no handler.
 *
 * May import the RESP session and command table only.
 */
import { RESP_COMMANDS } from '../protocol/resp/command-table';
import type { SessionFactory } from './connection';
import { missingHandlers, RespSession } from './resp-session';

/**
 * Bulk arguments may exceed the max item size by this much, so a value just
 * too large gets Redis's "string exceeds maximum allowed size" error instead
 * of a protocol error that closes the connection.
 */
const BULK_LENGTH_MARGIN = 64 * 1024;

const missing = missingHandlers(RESP_COMMANDS);
if (missing.length > 0) throw new Error(`RESP commands without a handler: ${missing.join(', ')}`);

export const respSessionFactory: SessionFactory = (_firstChunk, queue, gate, context, peer) => {
  const maxBulkLength = context.config.maxItemSize + BULK_LENGTH_MARGIN;
  return new RespSession(queue, gate, context, {
    maxBulkLength,
    maxArguments: 1024 * 1024,
    // Room for an MSET of a few max-size values; Redis's own query-buffer limit is 1 GB.
    maxRequestBytes: Math.max(64 * 1024 * 1024, 4 * maxBulkLength),
  }, peer);
};
