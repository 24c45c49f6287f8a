/**
 * The exclusive gate over real sockets: while one connection holds it, no
 * other connection dispatches; they resume, in order, when it is released or
 * its holder disconnects. A line session stands in for a protocol: `acquire`,
 * `release`, anything else is echoed back as dispatched.
 */
import * as net from 'node:net';
import { Connection, DEFAULT_CONNECTION_LIMITS, type DispatchGate, type ProtocolSession } from '../../../src/server/connection';
import type { ReplyQueue } from '../../../src/server/reply-queue';
import type { ServerContext } from '../../../src/server/server-context';

class LineSession implements ProtocolSession {
  private readonly waiting: string[] = [];
  private partial = '';

  constructor(
    private readonly queue: ReplyQueue,
    private readonly gate: DispatchGate,
  ) {}

  get hasDeferred(): boolean {
    return this.waiting.length > 0;
  }

  push(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('latin1')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.waiting.push(line);
    this.resume();
  }

  resume(): void {
    while (this.waiting.length > 0 && this.gate.mayDispatch()) this.run(this.waiting.shift()!);
  }

  private run(line: string): void {
    if (line === 'acquire') this.gate.acquireExclusive();
    if (line === 'release') this.gate.releaseExclusive();
    this.queue.immediate(Buffer.from(`${line}\n`));
  }
}

const context = { stats: { bytesRead: 0, bytesWritten: 0, connYields: 0 } } as unknown as ServerContext;

let server: net.Server;
let port = 0;
const clients: net.Socket[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => {
    new Connection(socket, context, DEFAULT_CONNECTION_LIMITS, (_first, queue, gate) => new LineSession(queue, gate), () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface LineClient {
  socket: net.Socket;
  lines: string[];
  send(text: string): void;
  waitFor(count: number, ms?: number): Promise<string[]>;
}

async function connect(): Promise<LineClient> {
  const socket = net.connect(port, '127.0.0.1');
  clients.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  const lines: string[] = [];
  let buffered = '';
  socket.on('data', (d) => {
    const parts = (buffered + d.toString()).split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  return {
    socket,
    lines,
    send: (text) => socket.write(text),
    waitFor: async (count, ms = 2000) => {
      const deadline = Date.now() + ms;
      while (lines.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      return lines.slice();
    },
  };
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('other connections wait while the gate is held and resume in order on release', async () => {
  const holder = await connect();
  const first = await connect();
  const second = await connect();
  holder.send('acquire\n');
  expect(await holder.waitFor(1)).toEqual(['acquire']);

  first.send('a1\na2\n');
  await pause(20);
  second.send('b1\n');
  holder.send('mine\n');
  expect(await holder.waitFor(2)).toEqual(['acquire', 'mine']);
  await pause(100);
  expect(first.lines).toEqual([]);
  expect(second.lines).toEqual([]);

  holder.send('release\n');
  expect(await first.waitFor(2)).toEqual(['a1', 'a2']);
  expect(await second.waitFor(1)).toEqual(['b1']);
});

test('the gate is re-entrant: it opens only at the last release', async () => {
  const holder = await connect();
  const other = await connect();
  holder.send('acquire\nacquire\nrelease\n');
  expect(await holder.waitFor(3)).toEqual(['acquire', 'acquire', 'release']);
  other.send('x\n');
  await pause(100);
  expect(other.lines).toEqual([]);
  holder.send('release\n');
  expect(await other.waitFor(1)).toEqual(['x']);
});

test('a holder that disconnects releases the gate', async () => {
  const holder = await connect();
  const other = await connect();
  holder.send('acquire\n');
  await holder.waitFor(1);
  other.send('y\n');
  await pause(50);
  expect(other.lines).toEqual([]);
  holder.socket.destroy();
  expect(await other.waitFor(1)).toEqual(['y']);
});
