/**
 * 50 concurrent connections, each pipelining mixed commands on its own keys;
 * every reply must be exactly what the command sequence implies, in order.
 */
import crypto from 'node:crypto';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
beforeAll(async () => {
  daemon = await startDaemon(['-t', '4']);
});
afterAll(async () => {
  await daemon.stop();
});

/** A deterministic script per connection and the replies it must produce. */
function script(conn: number, steps: number): { send: string; expect: string } {
  let seed = conn * 7919 + 1;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
  const model = new Map<string, string>();
  let send = '';
  let expect = '';
  for (let i = 0; i < steps; i++) {
    const key = `c${conn}:k${Math.floor(rand() * 20)}`;
    const r = rand();
    if (r < 0.35) {
      const value = `val-${conn}-${i}-${'x'.repeat(Math.floor(rand() * 50))}`;
      send += `set ${key} ${i} 0 ${value.length}\r\n${value}\r\n`;
      expect += 'STORED\r\n';
      model.set(key, `${i} ${value}`);
    } else if (r < 0.75) {
      const other = `c${conn}:k${Math.floor(rand() * 20)}`;
      send += `get ${key} ${other}\r\n`;
      for (const k of [key, other]) {
        const v = model.get(k);
        if (v !== undefined) {
          const [flags, ...rest] = v.split(' ');
          const data = rest.join(' ');
          expect += `VALUE ${k} ${flags} ${data.length}\r\n${data}\r\n`;
        }
      }
      expect += 'END\r\n';
    } else if (r < 0.85) {
      send += `delete ${key}\r\n`;
      expect += model.delete(key) ? 'DELETED\r\n' : 'NOT_FOUND\r\n';
    } else {
      const counter = `c${conn}:n`;
      if (!model.has(counter)) {
        send += `set ${counter} 0 0 1\r\n0\r\n`;
        expect += 'STORED\r\n';
        model.set(counter, '0 0');
      }
      const next = Number(model.get(counter)!.split(' ')[1]) + 3;
      send += `incr ${counter} 3\r\n`;
      expect += `${next}\r\n`;
      model.set(counter, `0 ${next}`);
    }
  }
  return { send, expect };
}

describe('pipelining across 50 connections', () => {
  it('every connection gets exactly its replies, in order', async () => {
    const connections = await Promise.all(Array.from({ length: 50 }, () => RawClient.connect(daemon.port)));
    const results = await Promise.all(
      connections.map(async (client, conn) => {
        const { send, expect: expected } = script(conn, 400);
        // Send in uneven slices so commands straddle TCP writes.
        for (let at = 0; at < send.length; at += 997) client.send(send.slice(at, at + 997));
        const reply = await client.readUntil((r) => r.length >= expected.length, 20000);
        client.close();
        return { reply: reply.toString('latin1'), expected };
      }),
    );
    for (const { reply, expected } of results) {
      const digest = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
      expect(digest(reply)).toBe(digest(expected));
    }
  });
});
