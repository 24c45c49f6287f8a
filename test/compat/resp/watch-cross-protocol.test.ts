/**
 * WATCH hears writes from every protocol: a key changed through the memcached
 * text, meta or binary protocols (or flush_all) between WATCH and EXEC makes
 * EXEC fail, as a write from another Redis client does.
 */
import Redis from 'ioredis';
import { RawClient } from '../../helpers/raw-client';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

describe('WATCH across protocols', () => {
  let daemon: RespDaemon;
  let redis: Redis;
  let memcache: RawClient;

  beforeAll(async () => {
    daemon = await startRespDaemon(['-t', '2']);
    redis = new Redis({ port: daemon.redisPort, host: '127.0.0.1', protocol: 2 } as never);
    memcache = await RawClient.connect(daemon.port);
  });
  afterAll(async () => {
    memcache.close();
    redis.disconnect();
    await daemon.stop();
  });

  async function watchedExec(key: string, between: () => Promise<void>): Promise<unknown> {
    await redis.watch(key);
    await between();
    return redis.multi().set(key, 'from-redis').exec();
  }

  it.each([
    ['a text set', (k: string) => memcache.requestExpecting(`set ${k} 0 0 1\r\nx\r\n`, 'STORED\r\n')],
    ['a meta set', (k: string) => memcache.requestExpecting(`ms ${k} 1\r\nx\r\n`, 'HD\r\n')],
    ['a text delete', (k: string) => memcache.request(`delete ${k}\r\n`)],
    ['a touch', (k: string) => memcache.request(`touch ${k} 100\r\n`)],
    ['an incr', (k: string) => memcache.request(`incr ${k} 1\r\n`)],
    ['flush_all', () => memcache.requestExpecting('flush_all\r\n', 'OK\r\n')],
  ])('EXEC fails after %s on the memcached port', async (_name, write) => {
    const key = `watched:${_name.replace(/\W/g, '')}`;
    await redis.set(key, '1');
    expect(await watchedExec(key, async () => void (await write(key)))).toBeNull();
  });

  it('EXEC runs when only a read happened in between', async () => {
    await redis.set('watched:read', '1');
    const result = await watchedExec('watched:read', async () => void (await memcache.request('get watched:read\r\n', 'END\r\n')));
    expect(result).toEqual([[null, 'OK']]);
  });
});
