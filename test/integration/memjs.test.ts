/**
 * memjs (a binary-protocol client) against the daemon over real sockets:
 * every data command it offers, stats, a 500 KB value, binary-safe values,
 * SASL PLAIN with -S -Y (right password, wrong password, no credentials), and
 * the port without SASL but with an ascii auth file (-Y), where binary is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import memjs from 'memjs';
import { encodeRequest, decodeResponses, type RequestSpec } from '../fixtures/memcached-binary/binary-packets';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

const quietLogger = { log: () => {} };

function client(port: number, credentials: { username?: string; password?: string } = {}): memjs.Client {
  return memjs.Client.create(`127.0.0.1:${port}`, { retries: 0, timeout: 2, conntimeout: 2, logger: quietLogger, ...credentials });
}

/** Sends a hand-built packet through memjs's own connection (for what memjs has no helper for). */
function perform(c: memjs.Client, spec: RequestSpec): Promise<{ header: { status: number }; val: Buffer }> {
  return new Promise((resolve, reject) => c.perform('', encodeRequest(spec), spec.opaque!, (err, res) => (err ? reject(err) : resolve(res as never))));
}

function statsOf(c: memjs.Client, key = ''): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, _server: string, stats: Record<string, string> | null) => (err ? reject(err) : resolve(stats ?? {}));
    if (key === '') c.stats(done);
    else c.statsWithKey(key, done);
  });
}

describe('memjs without SASL', () => {
  let daemon: RunningDaemon;
  let mc: memjs.Client;

  beforeAll(async () => {
    daemon = await startDaemon(['-t', '2']);
    mc = client(daemon.port);
  });
  afterAll(async () => {
    mc.close();
    await daemon.stop();
  });
  beforeEach(async () => {
    await mc.flush();
  });

  it('sets and gets, with flags kept', async () => {
    expect(await mc.set('greeting', 'hello')).toBe(true);
    const { value, flags } = await mc.get('greeting');
    expect(value?.toString()).toBe('hello');
    expect(flags?.readUInt32BE(0)).toBe(0);
    expect((await mc.get('missing')).value).toBeNull();
  });

  it('adds only missing keys and replaces only existing ones', async () => {
    expect(await mc.add('k', 'first')).toBe(true);
    expect(await mc.add('k', 'second')).toBe(false);
    expect(await mc.replace('k', 'third')).toBe(true);
    expect(await mc.replace('nope', 'x')).toBe(false);
    expect((await mc.get('k')).value?.toString()).toBe('third');
  });

  it('deletes', async () => {
    await mc.set('k', 'v');
    expect(await mc.delete('k')).toBe(true);
    expect(await mc.delete('k')).toBe(false);
    expect((await mc.get('k')).value).toBeNull();
  });

  it('increments and decrements, creating the initial value on a miss', async () => {
    expect(await mc.increment('n', 5, { initial: 10 })).toEqual({ success: true, value: 10 });
    expect(await mc.increment('n', 5, {})).toEqual({ success: true, value: 15 });
    expect(await mc.decrement('n', 20, {})).toEqual({ success: true, value: 0 });
    await mc.set('text', 'abc');
    // memjs reports an error status other than "not found" as a rejection.
    await expect(mc.increment('text', 1, {})).rejects.toThrow(/non-numeric/);
  });

  it('appends and prepends', async () => {
    await mc.set('k', 'mid');
    expect(await mc.append('k', '>')).toBe(true);
    expect((await mc.get('k')).value?.toString()).toBe('mid>');
    // memjs 1.3.2's prepend() sends the append opcode (0x0e): send a real prepend through perform.
    const response = await perform(mc, { op: 'prepend', key: 'k', value: '<', opaque: 78 });
    expect(response.header.status).toBe(0);
    expect((await mc.get('k')).value?.toString()).toBe('<mid>');
    await expect(mc.append('nope', 'x')).rejects.toThrow(/not stored/i);
  });

  it('touches', async () => {
    await mc.set('k', 'v');
    expect(await mc.touch('k', 100)).toBe(true);
    expect(await mc.touch('nope', 100)).toBe(false);
  });

  it('flushes', async () => {
    await mc.set('k', 'v');
    expect(Object.values(await mc.flush())).toEqual([true]);
    expect((await mc.get('k')).value).toBeNull();
  });

  it('reads stats and stats settings', async () => {
    await mc.set('k', 'v');
    const stats = await statsOf(mc);
    expect(stats['version']).toBe('1.6.18');
    expect(Number(stats['total_items'])).toBeGreaterThanOrEqual(1);
    expect(Number(stats['cmd_set'])).toBeGreaterThan(0);
    const settings = await statsOf(mc, 'settings');
    expect(Number(settings['item_size_max'])).toBe(1024 * 1024);
  });

  it('answers version (memjs has no helper: sent through perform)', async () => {
    const response = await perform(mc, { op: 'version', opaque: 77 });
    expect(response.header.status).toBe(0);
    expect(response.val.toString()).toBe('1.6.18');
  });

  it('stores and returns a 500 KB value intact', async () => {
    const big = Buffer.alloc(500 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
    expect(await mc.set('big', big)).toBe(true);
    expect((await mc.get('big')).value?.equals(big)).toBe(true);
  });

  it('is binary-safe: all 256 byte values in a value', async () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const twice = Buffer.concat([all, all.reverse()]);
    expect(await mc.set('bytes', twice)).toBe(true);
    expect((await mc.get('bytes')).value?.equals(twice)).toBe(true);
  });
});

describe('memjs with SASL PLAIN (-S -Y)', () => {
  let daemon: RunningDaemon;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shardcache-sasl-'));
    const file = path.join(dir, 'users');
    writeFileSync(file, 'alice:wonder land\nbob:builder\n');
    daemon = await startDaemon(['-t', '2', '-S', '-Y', file]);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('serves an authenticated client and counts the attempt', async () => {
    const mc = client(daemon.port, { username: 'alice', password: 'wonder land' });
    try {
      expect(await mc.set('k', 'secret value')).toBe(true);
      expect((await mc.get('k')).value?.toString()).toBe('secret value');
      const stats = await statsOf(mc);
      expect(Number(stats['auth_cmds'])).toBeGreaterThanOrEqual(1);
    } finally {
      mc.close();
    }
  });

  it('refuses a wrong password', async () => {
    const mc = client(daemon.port, { username: 'bob', password: 'wrong' });
    let outcome = 'answered';
    try {
      await mc.get('k');
    } catch {
      // memjs rejects with its message string lost (it passes a string to its error path).
      outcome = 'refused';
    } finally {
      mc.close();
    }
    expect(outcome).toBe('refused');
  });

  it('refuses commands before authentication with an auth error, then closes', async () => {
    const raw = await RawClient.connect(daemon.port);
    raw.send(encodeRequest({ op: 'get', key: 'k', opaque: 5 }));
    const reply = await raw.readUntil(() => raw.closed, 3000);
    expect(raw.closed).toBe(true);
    const [packet] = decodeResponses(reply).packets;
    expect([packet?.status, packet?.opaque, packet?.value.toString()]).toEqual([0x20, 5, 'Auth failure.']);
  });

  it('counts failures in auth_errors', async () => {
    const raw = await RawClient.connect(daemon.port);
    raw.send(encodeRequest({ op: 'sasl-auth', key: 'PLAIN', value: '\0bob\0nope', opaque: 1 }));
    raw.send(encodeRequest({ op: 'sasl-auth', key: 'PLAIN', value: '\0bob\0builder', opaque: 2 }));
    raw.send(encodeRequest({ op: 'stat', opaque: 3 }));
    const reply = await raw.readUntil((r) => {
      const packets = decodeResponses(r).packets;
      return packets.length > 2 && packets[packets.length - 1]!.key.length === 0;
    });
    raw.close();
    const packets = decodeResponses(reply).packets;
    expect(packets[0]).toMatchObject({ opaque: 1, status: 0x20 });
    expect([packets[1]!.opaque, packets[1]!.status, packets[1]!.value.toString()]).toEqual([2, 0, 'Authenticated']);
    const stats = new Map(packets.slice(2).map((p) => [p.key.toString(), p.value.toString()]));
    expect(Number(stats.get('auth_errors'))).toBeGreaterThanOrEqual(1);
    expect(Number(stats.get('auth_cmds'))).toBeGreaterThanOrEqual(2);
  });

  it('lists PLAIN, answers version before login, and refuses SASL step and other mechanisms', async () => {
    const raw = await RawClient.connect(daemon.port);
    raw.send(
      Buffer.concat([
        encodeRequest({ op: 'sasl-list-mechs', opaque: 1 }),
        encodeRequest({ op: 'version', opaque: 2 }),
        encodeRequest({ op: 'sasl-step', key: 'PLAIN', value: '\0bob\0builder', opaque: 3 }),
        encodeRequest({ op: 'sasl-auth', key: 'CRAM-MD5', value: 'bob', opaque: 4 }),
        encodeRequest({ op: 'sasl-auth', key: 'PLAIN', value: 'bob\0bob\0builder', opaque: 5 }),
        encodeRequest({ op: 'sasl-auth', key: 'PLAIN', value: 'eve\0bob\0builder', opaque: 6 }),
        // The failed attempt above logged the connection out again, as in memcached.
        encodeRequest({ op: 'get', key: 'k', opaque: 7 }),
      ]),
    );
    const reply = await raw.readUntil(() => raw.closed, 3000);
    const packets = decodeResponses(reply).packets.map((p) => [p.opaque, p.status, p.value.toString()]);
    expect(packets).toEqual([
      [1, 0, 'PLAIN'],
      [2, 0, '1.6.18'],
      [3, 0x20, 'Auth failure.'],
      [4, 0x20, 'Auth failure.'],
      [5, 0, 'Authenticated'],
      [6, 0x20, 'Auth failure.'],
      [7, 0x20, 'Auth failure.'],
    ]);
    expect(raw.closed).toBe(true);
  });

  it('closes a text-protocol connection, as memcached binds -S to the binary protocol', async () => {
    const raw = await RawClient.connect(daemon.port);
    raw.send('version\r\n');
    const reply = await raw.readUntil(() => raw.closed, 3000);
    expect(raw.closed).toBe(true);
    expect(reply.length).toBe(0);
  });

  it('never writes credentials to its log', () => {
    expect(daemon.stderr()).not.toMatch(/wonder land|builder|nope/);
  });
});

describe('binary protocol with only an ascii auth file (-Y, no -S)', () => {
  let daemon: RunningDaemon;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shardcache-ascii-auth-'));
    const file = path.join(dir, 'users');
    writeFileSync(file, 'carol:pw\n');
    daemon = await startDaemon(['-t', '2', '-Y', file]);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('closes a binary connection, which memcached does not serve next to ascii auth (it would skip the login)', async () => {
    const raw = await RawClient.connect(daemon.port);
    raw.send(encodeRequest({ op: 'get', key: 'k', opaque: 1 }));
    const reply = await raw.readUntil(() => raw.closed, 3000);
    expect(raw.closed).toBe(true);
    expect(reply.length).toBe(0);
  });
});
