/**
 * node-redis (the `redis` package, v6) against the Redis port, in both
 * protocol versions: with RESP 3 (its default) it connects with
 * `HELLO 3 SETNAME ...` and reads RESP3 maps, sets and nulls; with RESP 2 it
 * uses CLIENT SETNAME. Then CLIENT SETINFO and SELECT, commands, a
 * 1000-command pipeline and errors.
 */
import { createClient, type RedisClientType } from 'redis';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

let daemon: RespDaemon;

beforeAll(async () => {
  daemon = await startRespDaemon();
});

afterAll(async () => {
  await daemon.stop();
});

describe.each([3, 2] as const)('RESP %i', (protocol) => {
  let client: RedisClientType;

  beforeEach(async () => {
    client = createClient({
      socket: { port: daemon.redisPort, host: '127.0.0.1', reconnectStrategy: false },
      RESP: protocol,
      name: `node-redis-${protocol}`,
      database: 2,
    }) as unknown as RedisClientType;
    client.on('error', () => {});
    await client.connect();
    await client.flushAll();
  });

  afterEach(async () => {
    client.destroy();
  });

  test('the handshake set name, database, library info and protocol', async () => {
    expect(await client.clientGetName()).toBe(`node-redis-${protocol}`);
    const info = await client.clientInfo();
    expect(info.name).toBe(`node-redis-${protocol}`);
    expect(info.db).toBe(2);
    expect(info.resp).toBe(protocol);
    expect(info.libName).toBe('node-redis');
    const hello = (await client.hello()) as unknown as Record<string, unknown>;
    expect(hello).toMatchObject({ server: 'redis', version: '7.2.0', proto: protocol, mode: 'standalone', role: 'master' });
  });

  test('strings and keys', async () => {
    expect(await client.get('k')).toBeNull();
    expect(await client.set('k', 'v', { expiration: { type: 'EX', value: 100 } })).toBe('OK');
    expect(await client.set('k', 'w', { condition: 'NX' })).toBeNull();
    expect(await client.set('k', 'w', { GET: true } as never)).toBe('v');
    expect(await client.mSet([['a', '1'], ['b', '2']])).toBe('OK');
    expect(await client.mGet(['a', 'nope', 'b'])).toEqual(['1', null, '2']);
    expect(await client.setNX('a', 'x')).toBe(0);
    expect(await client.setEx('ex', 100, 'v')).toBe('OK');
    expect(await client.pSetEx('pex', 100000, 'v')).toBe('OK');
    expect(await client.append('a', '23')).toBe(3);
    expect(await client.strLen('a')).toBe(3);
    expect(await client.getDel('a')).toBe('123');
    expect(await client.exists(['a', 'b', 'k'])).toBe(2);
    expect(await client.touch(['b', 'k'])).toBe(2);
    expect(await client.expire('b', 100)).toBe(1);
    expect(await client.pExpire('nope', 100)).toBe(0);
    expect(await client.del(['b', 'k', 'nope'])).toBe(2);
    expect(await client.unlink('ex')).toBe(1);
    expect(await client.dbSize()).toBeGreaterThanOrEqual(1);
  });

  test('a pipeline of 1000 commands', async () => {
    const batch = client.multi();
    for (let i = 0; i < 500; i++) {
      batch.set(`p:${i}`, String(i));
      batch.get(`p:${i}`);
    }
    const replies = await batch.execAsPipeline();
    expect(replies).toHaveLength(1000);
    for (let i = 0; i < 500; i++) expect([replies[2 * i], replies[2 * i + 1]]).toEqual(['OK', String(i)]);
  });

  test('introspection replies parse', async () => {
    const config = await client.configGet('maxmemory*');
    expect(config).toMatchObject({ maxmemory: String(64 * 1024 * 1024), 'maxmemory-policy': expect.any(String) });
    expect(await client.ping()).toBe('PONG');
    expect(await client.echo('x')).toBe('x');
    expect(String(await client.info('persistence'))).toContain('loading:0');
    expect(await client.commandCount()).toBeGreaterThan(30);
    const [getInfo] = await client.commandInfo(['get']);
    expect(getInfo).toMatchObject({ name: 'get', arity: 2, firstKeyIndex: 1, lastKeyIndex: 1, step: 1 });
    const time = await client.time();
    expect(Math.abs(Number(time[0]) - Date.now() / 1000)).toBeLessThan(5);
  });

  test('errors reject with Redis text', async () => {
    await expect(client.sendCommand(['NOSUCH'])).rejects.toThrow("ERR unknown command 'NOSUCH', with args beginning with: ");
    await expect(client.sendCommand(['SET', 'k'])).rejects.toThrow("ERR wrong number of arguments for 'set' command");
    await expect(client.sendCommand(['SETEX', 'k', '0', 'v'])).rejects.toThrow("ERR invalid expire time in 'setex' command");
    // The connection is still usable.
    expect(await client.ping()).toBe('PONG');
  });
});
