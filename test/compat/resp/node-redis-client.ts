/**
 * A node-redis (the `redis` package) client for the compat tests: one
 * connection, no reconnects (a dropped connection must fail the test, not be
 * retried), on an empty database. May import only the `redis` package.
 */
import { createClient, type RedisClientType } from 'redis';

/** Connects to 127.0.0.1:`port` speaking RESP `protocol`, and flushes every database. */
export async function connectNodeRedis(port: number, protocol: 2 | 3): Promise<RedisClientType> {
  const client = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, RESP: protocol }) as unknown as RedisClientType;
  // Without a listener an 'error' event would be thrown from the emitter; the failed command already rejects.
  client.on('error', () => {});
  await client.connect();
  await client.flushAll();
  return client;
}
