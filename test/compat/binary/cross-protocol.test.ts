/**
 * The binary protocol in the daemon beyond single golden exchanges: a text
 * and a binary connection see each other's writes and agree on CAS; a huge
 * declared value is refused before its bytes arrive and skipped as they
 * stream; a long pipeline comes back complete and in order through the
 * in-flight bound; stat groups arrive as one packet per stat and an empty end;
 * random packets on many connections do not bring the daemon down.
 */
import { decodeResponses, encodeRequest, type DecodedPacket, type RequestSpec } from '../../fixtures/memcached-binary/binary-packets';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { mulberry32 } from '../../helpers/prng';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
beforeAll(async () => {
  daemon = await startDaemon(['-t', '2']);
});
afterAll(async () => {
  await daemon.stop();
});

/** Sends packets and reads until `count` response packets arrived. */
async function exchange(client: RawClient, specs: RequestSpec[], count: number, timeoutMs = 10_000): Promise<DecodedPacket[]> {
  client.send(Buffer.concat(specs.map((s) => encodeRequest(s))));
  const bytes = await client.readUntil((r) => decodeResponses(r).packets.length >= count, timeoutMs);
  return decodeResponses(bytes).packets;
}

const setExtras = (flags: number, exptime = 0): [number, number][] => [
  [4, flags],
  [4, exptime],
];

describe('text and binary connections share the store', () => {
  it('a text write is read over binary with the same flags and CAS', async () => {
    const text = await RawClient.connect(daemon.port);
    const binary = await RawClient.connect(daemon.port);
    expect(await text.request('set shared1 42 0 5\r\nhello\r\n')).toBe('STORED\r\n');
    const gets = await text.request('gets shared1\r\n', 'END\r\n');
    const textCas = BigInt(/^VALUE shared1 42 5 (\d+)\r\n/.exec(gets)![1]!);
    const [hit] = await exchange(binary, [{ op: 'getk', key: 'shared1', opaque: 1 }], 1);
    expect([hit!.status, hit!.extras.readUInt32BE(0), hit!.key.toString(), hit!.value.toString(), hit!.cas]).toEqual([0, 42, 'shared1', 'hello', textCas]);
    text.close();
    binary.close();
  });

  it('a binary write is read over text, and a CAS from one protocol works in the other', async () => {
    const text = await RawClient.connect(daemon.port);
    const binary = await RawClient.connect(daemon.port);
    const [stored] = await exchange(binary, [{ op: 'set', key: 'shared2', ext: setExtras(7), value: 'from binary', opaque: 2 }], 1);
    expect(stored!.status).toBe(0);
    expect(await text.request('gets shared2\r\n', 'END\r\n')).toBe(`VALUE shared2 7 11 ${stored!.cas}\r\nfrom binary\r\nEND\r\n`);
    expect(await text.request(`cas shared2 8 0 9 ${stored!.cas}\r\nfrom text\r\n`)).toBe('STORED\r\n');
    const [stale] = await exchange(binary, [{ op: 'set', key: 'shared2', ext: setExtras(0), value: 'x', cas: `0x${stored!.cas.toString(16)}`, opaque: 3 }], 1);
    expect([stale!.status, stale!.value.toString()]).toEqual([0x02, 'Data exists for key.']);
    const [hit] = await exchange(binary, [{ op: 'get', key: 'shared2', opaque: 4 }], 1);
    expect([hit!.extras.readUInt32BE(0), hit!.value.toString()]).toEqual([8, 'from text']);
    text.close();
    binary.close();
  });

  it('binary incr with an initial value is visible to text incr', async () => {
    const text = await RawClient.connect(daemon.port);
    const binary = await RawClient.connect(daemon.port);
    const [created] = await exchange(binary, [{ op: 'increment', key: 'counter', ext: [[8, '1'], [8, '100'], [4, 0]], opaque: 5 }], 1);
    expect(created!.value.readBigUInt64BE(0)).toBe(100n);
    expect(await text.request('incr counter 5\r\n')).toBe('105\r\n');
    text.close();
    binary.close();
  });
});

describe('bounded memory and ordering', () => {
  it('refuses a 64 MB value before its bytes arrive, then skips them as they stream', async () => {
    const client = await RawClient.connect(daemon.port);
    const declared = 64 * 1024 * 1024;
    const header = encodeRequest({ op: 'set', key: 'huge', ext: setExtras(0), bodylen: 8 + 4 + declared, opaque: 9 });
    const [refused] = await exchange(client, [{ raw: header.toString('hex') }], 1);
    expect([refused!.opaque, refused!.status, refused!.value.toString()]).toEqual([9, 0x03, 'Too large.']);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 64; i++) client.send(chunk);
    const [miss] = await exchange(client, [{ op: 'get', key: 'huge', opaque: 10 }], 1, 20_000);
    expect([miss!.opaque, miss!.status]).toEqual([10, 0x01]);
    client.close();
  });

  it('answers a 5000-request pipeline completely and in order', async () => {
    const client = await RawClient.connect(daemon.port);
    await exchange(client, [{ op: 'set', key: 'p', ext: setExtras(0), value: 'v'.repeat(1000), opaque: 0 }], 1);
    const specs: RequestSpec[] = [];
    for (let i = 1; i <= 5000; i++) specs.push({ op: i % 2 === 0 ? 'getk' : 'getkq', key: i % 3 === 0 ? 'absent' : 'p', opaque: i });
    specs.push({ op: 'noop', opaque: 5001 });
    // Answered: every getk (hit or miss) and every getkq hit, then the noop.
    const expected = specs.filter((s) => s.op !== 'getkq' || s.key === 'p').map((s) => s.opaque);
    const packets = await exchange(client, specs, expected.length, 20_000);
    expect(packets.map((p) => p.opaque)).toEqual(expected);
    client.close();
  });
});

describe('stat', () => {
  it.each([[''], ['settings'], ['items'], ['slabs']])('"%s" answers one packet per stat, then an empty packet', async (group) => {
    const client = await RawClient.connect(daemon.port);
    await exchange(client, [{ op: 'set', key: 's', ext: setExtras(0), value: 'v', opaque: 1 }], 1);
    client.send(encodeRequest({ op: 'stat', key: group, opaque: 2 }));
    const bytes = await client.readUntil((r) => decodeResponses(r).packets.some((p) => p.key.length === 0 && p.opaque === 2));
    const packets = decodeResponses(bytes).packets;
    const last = packets[packets.length - 1]!;
    expect([last.key.length, last.value.length, last.status]).toEqual([0, 0, 0]);
    expect(packets.length).toBeGreaterThan(1);
    for (const p of packets) expect([p.opcode, p.opaque, p.status]).toEqual([0x10, 2, 0]);
    const names = packets.slice(0, -1).map((p) => p.key.toString());
    if (group === '') expect(names).toEqual(expect.arrayContaining(['pid', 'version', 'curr_items', 'auth_cmds']));
    if (group === 'settings') expect(names).toContain('item_size_max');
    client.close();
  });

  it('"reset" answers only the end packet', async () => {
    const client = await RawClient.connect(daemon.port);
    const [end] = await exchange(client, [{ op: 'stat', key: 'reset', opaque: 3 }], 1);
    expect([end!.opaque, end!.key.length, end!.value.length]).toEqual([3, 0, 0]);
    client.close();
  });
});

describe('garbage', () => {
  it('survives random binary packets on many connections and still answers', async () => {
    const rand = mulberry32(7);
    for (let c = 0; c < 20; c++) {
      const client = await RawClient.connect(daemon.port);
      const parts: Buffer[] = [];
      for (let i = 0; i < 50; i++) {
        const header = Buffer.alloc(24);
        header[0] = 0x80;
        header[1] = Math.floor(rand() * 0x70);
        const keyLength = Math.floor(rand() * 300);
        const extrasLength = [0, 4, 8, 20][Math.floor(rand() * 4)]!;
        const valueLength = Math.floor(rand() * 100);
        header.writeUInt16BE(keyLength, 2);
        header[4] = extrasLength;
        header.writeUInt32BE(extrasLength + keyLength + valueLength, 8);
        const body = Buffer.alloc(extrasLength + keyLength + valueLength);
        for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
        parts.push(header, body);
      }
      client.send(Buffer.concat(parts));
      await client.readFor(30);
      client.close();
    }
    const client = await RawClient.connect(daemon.port);
    const [noop] = await exchange(client, [{ op: 'noop', opaque: 99 }], 1);
    expect([noop!.opaque, noop!.status]).toEqual([99, 0]);
    client.close();
    expect(daemon.process.exitCode).toBeNull();
  });
});
