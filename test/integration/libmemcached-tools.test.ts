/**
 * libmemcached's command-line tools (memccp, memccat, memcstat, memcflush)
 * speaking the binary protocol (--binary) to the daemon. Skipped, with the
 * reason printed, when the tools are not installed (Debian: libmemcached-tools).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';

const TOOLS = ['memccp', 'memccat', 'memcstat', 'memcflush'];

function findTool(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

const missing = TOOLS.filter((t) => findTool(t) === null);
if (missing.length > 0) {
  // eslint-disable-next-line no-console
  console.warn(`libmemcached-tools.test: skipped, not installed: ${missing.join(', ')} (apt-get install libmemcached-tools)`);
}
const describeWithTools = missing.length === 0 ? describe : describe.skip;

function run(tool: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { cwd, timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

describeWithTools('libmemcached tools over the binary protocol', () => {
  let daemon: RunningDaemon;
  let dir: string;
  let servers: string;

  beforeAll(async () => {
    daemon = await startDaemon(['-t', '2']);
    servers = `--servers=127.0.0.1:${daemon.port}`;
    dir = mkdtempSync(path.join(tmpdir(), 'shardcache-libmemcached-'));
    writeFileSync(path.join(dir, 'hello.txt'), 'file contents here');
    writeFileSync(path.join(dir, 'binary.bin'), Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)));
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('memccp stores files that memccat reads back', async () => {
    expect((await run('memccp', ['--binary', servers, 'hello.txt', 'binary.bin'], dir)).code).toBe(0);
    const text = await run('memccat', ['--binary', servers, 'hello.txt'], dir);
    // memccat ends each value with a newline of its own (it does so against memcached too).
    expect(text).toMatchObject({ code: 0, stdout: 'file contents here\n' });
    const binary = await new Promise<Buffer>((resolve, reject) =>
      execFile('memccat', ['--binary', servers, 'binary.bin'], { cwd: dir, encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    expect(binary.equals(Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i)), Buffer.from('\n')]))).toBe(true);
  });

  it('memccat fails on a missing key', async () => {
    expect((await run('memccat', ['--binary', servers, 'no-such-key'], dir)).code).not.toBe(0);
  });

  it('memcstat lists the server stats', async () => {
    const { code, stdout } = await run('memcstat', ['--binary', servers], dir);
    expect(code).toBe(0);
    expect(stdout).toContain(`Server: 127.0.0.1 (${daemon.port})`);
    expect(stdout).toMatch(/^\s+version: 1\.6\.18$/m);
    expect(stdout).toMatch(/^\s+curr_connections: \d+$/m);
  });

  it('memcflush empties the cache', async () => {
    expect((await run('memccp', ['--binary', servers, 'hello.txt'], dir)).code).toBe(0);
    expect((await run('memcflush', ['--binary', servers], dir)).code).toBe(0);
    expect((await run('memccat', ['--binary', servers, 'hello.txt'], dir)).code).not.toBe(0);
  });
});
