/**
 * Pub/Sub and MULTI/EXEC/WATCH through real clients over real sockets:
 * ioredis and node-redis (RESP2, and RESP3 pushes), redis-cli, and raw
 * sockets where a client library would hide what is checked (output limits,
 * CLIENT KILL). The daemon runs two shards, and the transaction keys are
 * chosen to live on different shards, so EXEC's atomicity is across shards.
 */
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import Redis from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { HashRing } from '../../../src/router/hash-ring';
import { hashBytes } from '../../../src/util/hash';
import { RawClient } from '../../helpers/raw-client';
import { exchange, startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;
const open: Redis[] = [];

beforeAll(async () => {
  daemon = await startRespDaemon(['-t', '2']);
});

afterAll(async () => {
  await daemon.stop();
});

afterEach(async () => {
  // QUIT rather than disconnect(): ioredis's disconnect leaves a timer that keeps jest alive.
  await Promise.all(open.splice(0).map((c) => (c.status === 'end' ? undefined : c.quit().catch(() => c.disconnect()))));
});

function ioredis(): Redis {
  const client = new Redis({ port: daemon.redisPort, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0 });
  client.on('error', () => {});
  open.push(client);
  return client;
}

/** A key placed on `shard` of 2 by the router's own ring (Router.shardIndexFor). */
function keyOnShard(shard: number, prefix: string): string {
  const ring = new HashRing(2);
  for (let i = 0; ; i++) {
    const key = Buffer.from(`${prefix}${i}`);
    if (ring.shardFor(hashBytes(key, 0, key.length)) === shard) return key.toString();
  }
}

function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) return resolve();
      if (Date.now() > deadline) return reject(new Error('timed out'));
      setTimeout(check, 5);
    };
    check();
  });
}

describe('Pub/Sub with ioredis', () => {
  test('messages and pattern messages reach another connection, in publish order', async () => {
    const subscriber = ioredis();
    const publisher = ioredis();
    const received: string[] = [];
    subscriber.on('message', (channel: string, message: string) => received.push(`${channel}:${message}`));
    subscriber.on('pmessage', (pattern: string, channel: string, message: string) => received.push(`${pattern}|${channel}:${message}`));
    expect(await subscriber.subscribe('news', 'sport')).toBe(2);
    expect(await subscriber.psubscribe('we?ther')).toBe(3);
    expect(await publisher.publish('news', 'n1')).toBe(1);
    expect(await publisher.publish('weather', 'w1')).toBe(1);
    expect(await publisher.publish('nobody', 'x')).toBe(0);
    for (let i = 0; i < 200; i++) void publisher.publish('sport', `s${i}`);
    expect(await publisher.pubsub('NUMSUB', 'news', 'sport', 'nobody')).toEqual(['news', 1, 'sport', 1, 'nobody', 0]);
    expect(await publisher.pubsub('NUMPAT')).toBe(1);
    expect(((await publisher.pubsub('CHANNELS')) as string[]).sort()).toEqual(['news', 'sport']);
    await until(() => received.length === 202);
    expect(received.slice(0, 2)).toEqual(['news:n1', 'we?ther|weather:w1']);
    expect(received.slice(2)).toEqual(Array.from({ length: 200 }, (_, i) => `sport:s${i}`));

    await subscriber.unsubscribe('news');
    expect(await publisher.publish('news', 'gone')).toBe(0);
    // Named: ioredis 6 never settles an argument-less PUNSUBSCRIBE over RESP3 (against redis-server too).
    await subscriber.punsubscribe('we?ther');
    expect(await publisher.publish('weather', 'gone')).toBe(0);
    expect(await publisher.publish('sport', 'still')).toBe(1);
  });

  test('a subscriber that disconnects is dropped at once', async () => {
    const subscriber = ioredis();
    const publisher = ioredis();
    await subscriber.subscribe('leaving');
    expect(await publisher.publish('leaving', 'x')).toBe(1);
    subscriber.disconnect();
    await until(() => subscriber.status === 'end');
    // The close reaches the daemon a moment later.
    for (let i = 0; i < 100 && (await publisher.publish('leaving', 'x')) !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await publisher.pubsub('NUMSUB', 'leaving')).toEqual(['leaving', 0]);
  });
});

describe('Pub/Sub with node-redis', () => {
  test.each([2, 3] as const)('RESP %i: subscribe, pSubscribe, unsubscribe', async (protocol) => {
    const publisher = createClient({ socket: { port: daemon.redisPort, host: '127.0.0.1', reconnectStrategy: false }, RESP: protocol }) as unknown as RedisClientType;
    publisher.on('error', () => {});
    await publisher.connect();
    const subscriber = publisher.duplicate();
    subscriber.on('error', () => {});
    await subscriber.connect();
    try {
      const received: string[] = [];
      await subscriber.subscribe('alerts', (message, channel) => received.push(`${channel}:${message}`));
      await subscriber.pSubscribe('log.*', (message, channel) => received.push(`p ${channel}:${message}`));
      expect(await publisher.publish('alerts', 'a1')).toBe(1);
      expect(await publisher.publish('log.error', 'e1')).toBe(1);
      await until(() => received.length === 2);
      expect(received).toEqual(['alerts:a1', 'p log.error:e1']);
      if (protocol === 3) {
        // RESP3: a subscribed connection still runs ordinary commands; messages come as pushes.
        await subscriber.set('while-subscribed', 'yes');
        expect(await subscriber.get('while-subscribed')).toBe('yes');
        expect(await publisher.publish('alerts', 'a2')).toBe(1);
        await until(() => received.length === 3);
        expect(received[2]).toBe('alerts:a2');
      }
      await subscriber.unsubscribe('alerts');
      await subscriber.pUnsubscribe('log.*');
      expect(await publisher.publish('alerts', 'gone')).toBe(0);
      expect(await publisher.publish('log.error', 'gone')).toBe(0);
    } finally {
      subscriber.destroy();
      publisher.destroy();
    }
  });
});

describe('Pub/Sub with redis-cli', () => {
  const haveCli = spawnSync('sh', ['-c', 'command -v redis-cli']).status === 0;
  (haveCli ? test : test.skip)('redis-cli subscribe prints the messages', async () => {
    const cli = spawn('redis-cli', ['-p', String(daemon.redisPort), 'subscribe', 'cli-channel']);
    let output = '';
    cli.stdout.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await until(() => output.includes('cli-channel'));
      const publisher = ioredis();
      expect(await publisher.publish('cli-channel', 'hello from ioredis')).toBe(1);
      await until(() => output.includes('hello from ioredis'));
      expect(output).toContain('message\ncli-channel\nhello from ioredis');
    } finally {
      cli.kill('SIGTERM');
    }
  });
});

describe('output limit for subscribers that do not read', () => {
  test('a subscriber over the 32 MB hard limit is disconnected and counted', async () => {
    const subscriber = net.connect(daemon.redisPort, '127.0.0.1');
    let subscribed = false;
    let closed = false;
    subscriber.on('data', (d: Buffer) => {
      if (d.toString('latin1').includes('subscribe')) {
        subscribed = true;
        // From now on the client reads nothing: the daemon's output for it grows.
        subscriber.pause();
      }
    });
    subscriber.on('close', () => (closed = true));
    subscriber.on('error', () => {});
    subscriber.write('SUBSCRIBE firehose\r\n');
    await until(() => subscribed);
    const publisher = ioredis();
    const message = Buffer.alloc(1024 * 1024, 0x61);
    let delivered = 0;
    for (let i = 0; i < 80 && !closed; i++) {
      delivered += await publisher.publish('firehose', message);
      if ((await publisher.pubsub('NUMSUB', 'firehose'))[1] === 0) break;
    }
    // Subscribed until cut off; cut off well before 80 MB (kernel buffers take a few MB first).
    expect(delivered).toBeGreaterThan(32);
    expect(delivered).toBeLessThan(80);
    expect(await publisher.pubsub('NUMSUB', 'firehose')).toEqual(['firehose', 0]);
    const info = await publisher.info('stats');
    expect(info).toContain('client_output_buffer_limit_disconnections:1');
    subscriber.resume();
    await until(() => closed);
  });
});

describe('soft output limit', () => {
  test('a subscriber over the soft limit for longer than its seconds is cut off, not before', async () => {
    const admin = ioredis();
    // No hard limit: only the soft rule can cut this subscriber off.
    expect(await admin.config('SET', 'client-output-buffer-limit', 'pubsub 0 256kb 1')).toBe('OK');
    const subscriber = net.connect(daemon.redisPort, '127.0.0.1');
    let subscribed = false;
    let closedAt = 0;
    subscriber.on('data', (d: Buffer) => {
      if (d.toString('latin1').includes('subscribe')) {
        subscribed = true;
        subscriber.pause();
      }
    });
    subscriber.on('close', () => (closedAt = Date.now()));
    subscriber.on('error', () => {});
    try {
      subscriber.write('SUBSCRIBE slow\r\n');
      await until(() => subscribed);
      const message = Buffer.alloc(256 * 1024, 0x62);
      const startedAt = Date.now();
      let cutOffAt = 0;
      while (Date.now() - startedAt < 10000) {
        await admin.publish('slow', message);
        if ((await admin.pubsub('NUMSUB', 'slow'))[1] === 0) {
          cutOffAt = Date.now();
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(cutOffAt).toBeGreaterThan(0);
      // The backlog passed 256 KB early (kernel buffers fill in well under a second); the cut came a second later at the least.
      expect(cutOffAt - startedAt).toBeGreaterThanOrEqual(1000);
      subscriber.resume();
      await until(() => closedAt > 0);
    } finally {
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    }
  }, 20000);
});

describe('MULTI / EXEC with ioredis', () => {
  const a = keyOnShard(0, 'tx-a-');
  const b = keyOnShard(1, 'tx-b-');

  test('the two keys really are on different shards', () => {
    const ring = new HashRing(2);
    const shardOf = (k: string): number => ring.shardFor(hashBytes(Buffer.from(k), 0, Buffer.byteLength(k)));
    expect(shardOf(a)).toBe(0);
    expect(shardOf(b)).toBe(1);
  });

  test('EXEC runs the queued commands and replies with their results', async () => {
    const client = ioredis();
    expect(await client.multi().set(a, '1').set(b, '2').get(a).mget(a, b).exec()).toEqual([
      [null, 'OK'],
      [null, 'OK'],
      [null, '1'],
      [null, ['1', '2']],
    ]);
  });

  test('runtime errors are reported per command, the rest runs', async () => {
    const client = ioredis();
    const results = await client.multi().set(a, 'x').getrange(a, 'nope' as unknown as number, 1).set(b, 'y').exec();
    expect(results![0]).toEqual([null, 'OK']);
    expect((results![1]![0] as Error).message).toBe('ERR value is not an integer or out of range');
    expect(results![2]).toEqual([null, 'OK']);
    expect(await client.get(b)).toBe('y');
  });

  test('a command refused while queuing aborts EXEC (EXECABORT), nothing runs', async () => {
    const client = ioredis();
    await client.set(a, 'before');
    await expect(client.multi().set(a, 'after').call('get').exec()).rejects.toThrow(
      'EXECABORT Transaction discarded because of previous errors.',
    );
    expect(await client.get(a)).toBe('before');
  });

  test('DISCARD drops the queued commands', async () => {
    const client = ioredis();
    await client.set(a, 'kept');
    expect(await client.multi({ pipeline: false })).toBe('OK');
    expect(await client.set(a, 'dropped')).toBe('QUEUED');
    expect(await client.discard()).toBe('OK');
    expect(await client.get(a)).toBe('kept');
    await expect(client.exec()).rejects.toThrow('ERR EXEC without MULTI');
  });

  test('WATCH: a write from another connection makes EXEC return null', async () => {
    const watcher = ioredis();
    const other = ioredis();
    await watcher.set(a, '0');
    expect(await watcher.watch(a, b)).toBe('OK');
    await other.set(b, 'changed');
    expect(await watcher.multi().set(a, 'mine').exec()).toBeNull();
    expect(await watcher.get(a)).toBe('0');
  });

  test('WATCH: reads and writes to other keys leave the transaction alone', async () => {
    const watcher = ioredis();
    const other = ioredis();
    await watcher.watch(a);
    await other.get(a);
    await other.set(b, 'elsewhere');
    await other.select(3);
    await other.set(a, 'same name, other database');
    expect(await watcher.multi().set(a, 'mine').exec()).toEqual([[null, 'OK']]);
    expect(await watcher.get(a)).toBe('mine');
  });

  test('a reader never sees half a transaction across shards', async () => {
    const writer = ioredis();
    const reader = ioredis();
    await writer.mset(a, '0', b, '0');
    const rounds = 2000;
    let done = false;
    let reads = 0;
    const torn: string[] = [];
    const readLoop = (async () => {
      while (!done) {
        const results = await reader.pipeline().get(a).get(b).exec();
        const va = results![0]![1] as string;
        const vb = results![1]![1] as string;
        if (va !== vb) torn.push(`${va}/${vb}`);
        reads++;
      }
    })();
    const writes: Promise<unknown>[] = [];
    for (let i = 1; i <= rounds; i++) {
      writes.push(writer.multi().set(a, String(i)).set(b, String(i)).exec());
      // Keep a few transactions in flight so reads land between and inside them.
      if (i % 8 === 0) await Promise.all(writes.splice(0));
    }
    await Promise.all(writes);
    done = true;
    await readLoop;
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(50);
    expect(await reader.mget(a, b)).toEqual([String(rounds), String(rounds)]);
  }, 60000);
});

describe('client list and CLIENT KILL by peer address', () => {
  test('CLIENT LIST shows addr/laddr, pubsub and multi state; KILL ADDR and ID close; closed clients leave the list', async () => {
    const victim = await RawClient.connect(daemon.redisPort);
    const victimAddr = `127.0.0.1:${victim.socket.localPort}`;
    await exchange(victim, 'SUBSCRIBE x\r\n');
    const admin = await RawClient.connect(daemon.redisPort);
    const list = await exchange(admin, 'CLIENT LIST TYPE pubsub\r\n');
    expect(list).toContain(`addr=${victimAddr} laddr=127.0.0.1:${daemon.redisPort}`);
    expect(list).toMatch(/flags=P db=0 sub=1 psub=0/);

    expect(await exchange(admin, `CLIENT KILL ADDR ${victimAddr}\r\n`)).toBe(':1\r\n');
    await victim.readUntil(() => false, 2000).catch(() => undefined);
    expect(victim.closed).toBe(true);
    expect(await exchange(admin, `CLIENT KILL ${victimAddr}\r\n`)).toBe('-ERR No such client\r\n');

    const second = await RawClient.connect(daemon.redisPort);
    const id = (await exchange(second, 'MULTI\r\nCLIENT ID\r\n', 2)).includes('QUEUED');
    expect(id).toBe(true);
    const info = await exchange(admin, 'CLIENT LIST\r\n');
    const line = info.split('\n').find((l) => l.includes(`addr=127.0.0.1:${second.socket.localPort}`))!;
    expect(line).toMatch(/flags=x .* multi=1 /);
    const secondId = /id=(\d+)/.exec(line)![1];
    expect(await exchange(admin, `CLIENT KILL ID ${secondId}\r\n`)).toBe(':1\r\n');
    await second.readUntil(() => false, 2000).catch(() => undefined);
    expect(second.closed).toBe(true);

    const after = await exchange(admin, 'CLIENT LIST\r\n');
    expect(after).not.toContain(victimAddr);
    expect(after).not.toContain(`id=${secondId} `);
    admin.close();
  });
});
