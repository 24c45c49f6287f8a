/**
 * Redis's own tools against the Redis port: redis-cli (one-shot commands,
 * inline input on stdin, RESP3 with -3) and a bounded redis-benchmark run
 * (it sends CONFIG GET save / appendonly first). Skipped, with a message,
 * when the tools are not installed.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startRespDaemon, type RespDaemon } from './resp-daemon';

const run = promisify(execFile);

function installed(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

const haveCli = installed('redis-cli');
const haveBenchmark = installed('redis-benchmark');
if (!haveCli) console.warn('redis-cli not installed: skipping the redis-cli tests');
if (!haveBenchmark) console.warn('redis-benchmark not installed: skipping the redis-benchmark test');

let daemon: RespDaemon;

beforeAll(async () => {
  daemon = await startRespDaemon();
});

afterAll(async () => {
  await daemon.stop();
});

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(daemon.redisPort), '-h', '127.0.0.1', ...args], { timeout: 10000 });
  return stdout;
}

(haveCli ? test : test.skip)('redis-cli one-shot commands', async () => {
  expect(await cli('PING')).toBe('PONG\n');
  expect(await cli('SET', 'cli-key', 'hello world')).toBe('OK\n');
  expect(await cli('GET', 'cli-key')).toBe('hello world\n');
  expect(await cli('-n', '4', 'GET', 'cli-key')).toBe('\n');
  expect(await cli('MGET', 'cli-key', 'nope')).toBe('hello world\n\n');
  expect(await cli('NOSUCH', 'x')).toBe("ERR unknown command 'NOSUCH', with args beginning with: 'x' \n\n"); // redis-cli adds a blank line after errors
  expect(await cli('INFO', 'persistence')).toContain('loading:0');
  expect(await cli('-3', 'HELLO', '3')).toContain('\nproto 3\n');
});

(haveCli ? test : test.skip)('redis-cli reading commands from stdin (a pipeline)', async () => {
  const input = Array.from({ length: 200 }, (_, i) => `SET stdin:${i} v${i}\nGET stdin:${i}\n`).join('');
  const child = execFile('redis-cli', ['-p', String(daemon.redisPort), '-h', '127.0.0.1'], { timeout: 10000 });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin!.end(input);
  await new Promise((resolve) => child.on('close', resolve));
  const lines = out.trim().split('\n');
  expect(lines).toHaveLength(400);
  expect(lines[398]).toBe('OK');
  expect(lines[399]).toBe('v199');
});

(haveBenchmark ? test : test.skip)(
  'redis-benchmark -t set,get -n 20000 -P 16 completes',
  async () => {
    const { stdout, stderr } = await run(
      'redis-benchmark',
      ['-p', String(daemon.redisPort), '-h', '127.0.0.1', '-t', 'set,get', '-n', '20000', '-P', '16', '-q'],
      { timeout: 60000 },
    );
    expect(stderr).not.toMatch(/error/i);
    expect(stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(stdout).toMatch(/GET: [\d.]+ requests per second/);
  },
  70000,
);
