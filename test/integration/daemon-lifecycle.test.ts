/**
 * The daemon as an operator meets it: flags rejected with a reason, the
 * connection limit enforced at accept, a unix socket, and a SIGTERM that
 * answers what was asked and exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MAIN_JS, startDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

describe('command line', () => {
  it('exits non-zero with a one-line reason naming the flag', () => {
    const run = spawnSync(process.execPath, [MAIN_JS, '--max-item-size', '3z'], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('--max-item-size');
  });

  it('prints help that names memcached flags, and the version', () => {
    const help = spawnSync(process.execPath, [MAIN_JS, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of ['-p, --port', '-m, --memory-limit', '-c, --conn-limit', '-t, --threads', '-I, --max-item-size']) {
      expect(help.stdout).toContain(flag);
    }
    const version = spawnSync(process.execPath, [MAIN_JS, '--version'], { encoding: 'utf8' });
    expect(version.stdout).toMatch(/^shardcache \d+\.\d+\.\d+/);
  });
});

describe('connection limit (-c)', () => {
  it('answers "ERROR Too many open connections" and closes, as memcached does', async () => {
    const daemon = await startDaemon(['-c', '3', '-t', '1']);
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(daemon.port)));
    for (const c of clients) expect(await c.request('version\r\n')).toMatch(/^VERSION /);
    const extra = await RawClient.connect(daemon.port);
    const reply = await extra.readUntil(() => false, 1000);
    expect(reply.toString()).toBe('ERROR Too many open connections\r\n');
    expect(extra.closed).toBe(true);
    clients[0]!.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await RawClient.connect(daemon.port);
    expect(await again.request('version\r\n')).toMatch(/^VERSION /);
    expect(await again.request('stats\r\n', 'END\r\n')).toMatch(/STAT rejected_connections 1\r\n/);
    for (const c of [...clients, again]) c.close();
    await daemon.stop();
  });
});

describe('unix socket (-s)', () => {
  it('serves on the socket with the requested mode', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-'));
    const socketPath = path.join(dir, 'cache.sock');
    // -s turns TCP off (as in memcached), so wait for the socket file rather than a port.
    const child = spawn(process.execPath, [MAIN_JS, '-s', socketPath, '-a', '0770', '-t', '1'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !fs.existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 50));
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o770);
    const socket = net.connect(socketPath);
    const reply = await new Promise<string>((resolve) => {
      let out = '';
      socket.on('data', (d) => {
        out += d.toString();
        if (out.endsWith('END\r\n')) resolve(out);
      });
      socket.write('set u 0 0 2\r\nhi\r\nget u\r\n');
    });
    expect(reply).toBe('STORED\r\nVALUE u 0 2\r\nhi\r\nEND\r\n');
    socket.destroy();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('SIGTERM', () => {
  it('answers requests already sent, then exits 0 within a second with many idle connections', async () => {
    const daemon = await startDaemon(['-t', '2']);
    const idle = await Promise.all(Array.from({ length: 200 }, () => RawClient.connect(daemon.port)));
    const busy = await RawClient.connect(daemon.port);
    let requests = '';
    for (let i = 0; i < 500; i++) requests += `set k${i} 0 0 1\r\nx\r\n`;
    busy.send(requests);
    const started = Date.now();
    const exit = daemon.stop('SIGTERM');
    const replies = await busy.readUntil((r) => r.length >= 500 * 8, 3000);
    expect(await exit).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
    // Everything read before the signal was answered (the rest was never read).
    expect(replies.toString()).toMatch(/^(STORED\r\n)*$/);
    for (const c of idle) expect(c.closed || (await c.readFor(200), c.closed)).toBe(true);
  });
});

describe('backpressure', () => {
  it('stops reading from a client that never reads its replies, and others are served', async () => {
    const daemon = await startDaemon(['-t', '2', '-m', '64']);
    const setup = await RawClient.connect(daemon.port);
    expect(await setup.request(`set big 0 0 100000\r\n${'v'.repeat(100000)}\r\n`)).toBe('STORED\r\n');
    // A client that asks for ~400 MB of replies and reads none of them.
    const greedy = net.connect(daemon.port, '127.0.0.1');
    greedy.pause();
    await new Promise((r) => greedy.once('connect', r));
    const ask = Buffer.from('get big\r\n'.repeat(4000));
    for (let i = 0; i < 1; i++) greedy.write(ask);
    await new Promise((r) => setTimeout(r, 1500));
    const status = fs.readFileSync(`/proc/${daemon.process.pid}/status`, 'utf8');
    const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    expect(rssMb).toBeLessThan(300);
    expect(await setup.request('get nothing\r\n', 'END\r\n')).toBe('END\r\n');
    greedy.destroy();
    setup.close();
    await daemon.stop();
  });
});
