/**
 * The `memcached` npm client (3rd-Eden) against the real daemon: the commands a
 * memcached user's application sends, through an unmodified client library.
 */
import Memcached from 'memcached';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

let daemon: RunningDaemon;
let client: Memcached;

function call<T>(fn: (cb: (err: unknown, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result))));
}

beforeAll(async () => {
  daemon = await startDaemon(['-t', '2']);
  client = new Memcached(`127.0.0.1:${daemon.port}`, { retries: 0, timeout: 2000, poolSize: 4 });
});

afterAll(async () => {
  client.end();
  await daemon.stop();
});

describe('memcached npm client', () => {
  it('sets and gets strings, numbers kept as text, and binary buffers', async () => {
    expect(await call<boolean>((cb) => client.set('greeting', 'hello world', 0, cb))).toBe(true);
    expect(await call((cb) => client.get('greeting', cb))).toBe('hello world');
    const binary = Buffer.from([0, 1, 2, 13, 10, 255, 128]);
    await call((cb) => client.set('binary', binary, 0, cb));
    const back = await call<Buffer>((cb) => client.get('binary', cb));
    expect(Buffer.compare(Buffer.from(back), binary)).toBe(0);
    expect(await call((cb) => client.get('no-such-key', cb))).toBeUndefined();
  });

  it('gets and cas: a stale cas fails, a fresh one stores', async () => {
    await call((cb) => client.set('cas-key', 'v1', 0, cb));
    const first = await call<{ cas: string }>((cb) => client.gets('cas-key', cb));
    expect(first.cas).toMatch(/^\d+$/);
    expect(await call((cb) => client.cas('cas-key', 'v2', first.cas, 0, cb))).toBe(true);
    expect(await call((cb) => client.cas('cas-key', 'v3', first.cas, 0, cb))).toBe(false);
    expect(await call((cb) => client.get('cas-key', cb))).toBe('v2');
  });

  it('incr and decr count, floor at zero, and miss on absent keys', async () => {
    await call((cb) => client.set('counter', '10', 0, cb));
    expect(await call((cb) => client.incr('counter', 5, cb))).toBe(15);
    expect(await call((cb) => client.decr('counter', 20, cb))).toBe(0);
    expect(await call((cb) => client.incr('absent-counter', 1, cb))).toBe(false);
  });

  it('add, replace, append and prepend follow memcached rules', async () => {
    await call((cb) => client.del('ar', cb)).catch(() => undefined);
    expect(await call((cb) => client.add('ar', 'base', 0, cb))).toBe(true);
    await expect(call((cb) => client.add('ar', 'again', 0, cb))).rejects.toBeDefined();
    expect(await call((cb) => client.replace('ar', 'mid', 0, cb))).toBe(true);
    expect(await call((cb) => client.append('ar', '-end', cb))).toBe(true);
    expect(await call((cb) => client.prepend('ar', 'start-', cb))).toBe(true);
    expect(await call((cb) => client.get('ar', cb))).toBe('start-mid-end');
  });

  it('touch and delete', async () => {
    await call((cb) => client.set('touchy', 'x', 100, cb));
    expect(await call((cb) => client.touch('touchy', 1000, cb as never))).toBe(true);
    expect(await call((cb) => client.del('touchy', cb))).toBe(true);
    expect(await call((cb) => client.get('touchy', cb))).toBeUndefined();
  });

  it('multi-get returns every present key across shards', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `multi:${i}`);
    for (const k of keys.slice(0, 40)) await call((cb) => client.set(k, `value-of-${k}`, 0, cb));
    const got = await call<Record<string, string>>((cb) => client.getMulti(keys, cb));
    expect(Object.keys(got).sort()).toEqual(keys.slice(0, 40).sort());
    for (const k of keys.slice(0, 40)) expect(got[k]).toBe(`value-of-${k}`);
  });

  it('reports a memcached-shaped version and stats', async () => {
    const version = await call<{ version: string }[]>((cb) => client.version(cb as never));
    expect(version[0]!.version).toMatch(/^\d+\.\d+\.\d+$/);
    const stats = await call<Record<string, unknown>[]>((cb) => client.stats(cb as never));
    expect(Number(stats[0]!.curr_items)).toBeGreaterThan(0);
    expect(Number(stats[0]!.threads)).toBe(2);
  });
});
