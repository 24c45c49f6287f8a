/**
 * A shard worker killed mid-load is replaced: its in-flight requests get
 * SERVER_ERROR, the daemon keeps serving, other shards keep their data.
 * Runs the compiled daemon in-process (workers load dist/ JavaScript).
 */
import { freePort } from '../helpers/daemon';
import { startInProcessDaemon } from '../helpers/in-process-daemon';
import { RawClient } from '../helpers/raw-client';

describe('shard worker restart', () => {
  it('keeps serving after a worker dies under load', async () => {
    const { daemon, warnings: logged } = await startInProcessDaemon({ port: await freePort() });
    const port = daemon.addresses[0]!.port;
    const c = await RawClient.connect(port);
    try {

    // Keys on each shard, so we can tell which data survives.
    const keysByShard: string[][] = [[], []];
    for (let i = 0; keysByShard[0]!.length < 20 || keysByShard[1]!.length < 20; i++) {
      const key = `k${i}`;
      keysByShard[daemon.router.shardIndexFor(Buffer.from(key))]!.push(key);
      expect(await c.request(`set ${key} 0 0 1\r\nx\r\n`)).toBe('STORED\r\n');
    }

    // Load on shard 0 while it is killed: every reply is either the answer or SERVER_ERROR.
    let load = '';
    for (let i = 0; i < 2000; i++) load += `get ${keysByShard[0]![i % 20]}\r\n`;
    c.send(load);
    await daemon.pool.TEST_killShard(0);
    const replies = (await c.readUntil((r) => r.toString().split('\r\n').filter((l) => l === 'END' || l.startsWith('SERVER_ERROR')).length >= 2000, 10000)).toString();
    const lines = replies.split('\r\n').filter((l) => l === 'END' || l.startsWith('SERVER_ERROR'));
    expect(lines.length).toBe(2000);

    // The daemon still serves at once (shard 0 may still be restarting: requests wait for it,
    // and each reply lands on its own request); shard 1 kept its data; shard 0 restarted empty.
    expect(await c.request(`get ${keysByShard[1]![0]}\r\n`, 'END\r\n')).toBe(`VALUE ${keysByShard[1]![0]} 0 1\r\nx\r\nEND\r\n`);
    expect(await c.request(`set ${keysByShard[0]![0]} 0 0 1\r\ny\r\n`)).toBe('STORED\r\n');
    expect(await c.request(`get ${keysByShard[0]![0]}\r\n`, 'END\r\n')).toBe(`VALUE ${keysByShard[0]![0]} 0 1\r\ny\r\nEND\r\n`);
    expect(await c.request('stats\r\n', 'END\r\n')).toMatch(/STAT shard_restarts 1\r\n/);
    expect(logged.some((m) => m.includes('shard 0 exited'))).toBe(true);
    } finally {
      // Workers run in this process: a failed assertion must not leave them keeping jest alive.
      c.close();
      await daemon.stop();
    }
  });
});
