/**
 * Starts the compiled daemon (dist/src/main.js, built by `npm test` before
 * jest) as a child process on a free loopback port, and stops it by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** SHARDCACHE_DIST points the tests at another build output (e.g. a private build while others edit src/). */
export const DIST_DIR = process.env['SHARDCACHE_DIST'] ?? path.join(__dirname, '..', '..', 'dist');
export const MAIN_JS = path.join(DIST_DIR, 'src', 'main.js');

export interface RunningDaemon {
  port: number;
  process: ChildProcess;
  /** Everything the daemon wrote to stderr so far. */
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts on 127.0.0.1:`port`; fails if `child` exits first or after `timeoutMs`. */
export async function waitForPort(port: number, child: ChildProcess | null = null, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child !== null && child.exitCode !== null) throw new Error(`daemon exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`daemon did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDaemon(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunningDaemon> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS, '-p', String(port), '-l', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForPort(port, child, 15000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${stderr}`);
  }
  return {
    port,
    process: child,
    stderr: () => stderr,
    stop: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
        child.kill(signal);
      }),
  };
}
