/**
 * No Docker engine runs these tests, so they check what can be checked without
 * one: the HEALTHCHECK script really asks the admin port's /healthz, and the
 * image runs the compiled entry point as `node` on 0.0.0.0:11211.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { validate } from 'dockerfile-utils';
import net from 'node:net';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const DOCKERFILE = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
/** Instructions with line continuations joined. */
const INSTRUCTIONS = DOCKERFILE.replace(/\\\n\s*/g, ' ')
  .split('\n')
  .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'));

function instruction(keyword: string): string[] {
  return INSTRUCTIONS.filter((line) => line.startsWith(`${keyword} `)).map((line) => line.slice(keyword.length + 1).trim());
}

function healthcheckArgv(): string[] {
  const [healthcheck] = instruction('HEALTHCHECK');
  const json = /\bCMD (\[.*\])$/.exec(healthcheck!)![1]!;
  return JSON.parse(json) as string[];
}

/** Runs the HEALTHCHECK command with the admin port at `port` and resolves with its exit code. */
function runHealthcheck(port: number): Promise<number> {
  const [command, ...args] = healthcheckArgv();
  expect(command).toBe('node');
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, SHARDCACHE_ADMIN_PORT: String(port) }, timeout: 10_000 }, (err) => {
      resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : -1);
    });
  });
}

async function withHttpServer(status: number, fn: (port: number, paths: string[]) => Promise<void>): Promise<void> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(status).end('x\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as net.AddressInfo).port, paths);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('Dockerfile', () => {
  it('passes the Dockerfile validator of the VS Code Docker tools (dockerfile-utils), which does catch mistakes', () => {
    const problems = validate(DOCKERFILE).map((p) => `line ${p.range.start.line + 1}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(validate('FROM node:22\nEXPOSE abc\nHEALTHCHECK --interval=xs CMD true\n')).toHaveLength(2);
  });

  it('builds in one stage and runs in another, both node:22 slim', () => {
    expect(instruction('FROM')).toEqual(['node:22-bookworm-slim AS build', 'node:22-bookworm-slim AS runtime']);
    expect(DOCKERFILE).toMatch(/RUN npm ci\b/);
    expect(DOCKERFILE).toMatch(/npm run build/);
    expect(DOCKERFILE).toMatch(/npm prune --omit=dev/);
  });

  it('runs the compiled entry point as the non-root node user on 0.0.0.0:11211, admin on 9150, cache sized from the container', () => {
    expect(instruction('USER')).toEqual(['node']);
    expect(instruction('EXPOSE')).toEqual(['11211 9150']);
    expect(instruction('STOPSIGNAL')).toEqual(['SIGTERM']);
    // Same node flags as `npm start`, then the compiled entry point.
    const startScript = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(JSON.parse(instruction('ENTRYPOINT')[0]!)).toEqual(startScript.split(' '));
    expect(startScript.split(' ').at(-1)).toBe('dist/src/main.js');
    expect(JSON.parse(instruction('CMD')[0]!)).toEqual(['-l', '0.0.0.0']);
    expect(instruction('ENV')).toEqual(
      expect.arrayContaining(['SHARDCACHE_LISTEN=0.0.0.0', 'SHARDCACHE_MEMORY_LIMIT=auto', 'SHARDCACHE_ADMIN_PORT=9150']),
    );
    expect(fs.existsSync(path.join(ROOT, 'src', 'main.ts'))).toBe(true);
  });

  describe('HEALTHCHECK', () => {
    it('asks /healthz on the admin port and succeeds on 200', async () => {
      await withHttpServer(200, async (port, paths) => {
        expect(await runHealthcheck(port)).toBe(0);
        expect(paths).toEqual(['/healthz']);
      });
    });

    it('fails on 503 (a shard not answering)', async () => {
      await withHttpServer(503, async (port) => expect(await runHealthcheck(port)).toBe(1));
    });

    it('fails when nothing listens', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      await new Promise((resolve) => server.close(resolve));
      expect(await runHealthcheck(port)).toBe(1);
    });
  });
});
