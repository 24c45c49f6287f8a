/**
 * Protected mode: the daemon refuses to start on a non-loopback address when
 * a protocol it serves there has no authentication, exits non-zero saying so
 * and how to fix it, and starts with --unsafe-no-auth (or its environment
 * switch) or with authentication configured. The Docker image and the
 * Kubernetes manifests must pass the check as shipped.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig, parseCommandLine } from '../../src/config/load';
import { isLoopbackAddress, protectedModeViolation } from '../../src/config/protected-mode';
import { ConfigError, EX_USAGE } from '../../src/errors';
import { freePort, MAIN_JS, waitForPort } from '../helpers/daemon';

const ROOT = path.join(__dirname, '..', '..');
const NO_CGROUP = { SHARDCACHE_CGROUP_ROOT: '/nonexistent', SHARDCACHE_PROC_SELF_CGROUP: '/nonexistent' };

function refusal(argv: string[], env: NodeJS.ProcessEnv = {}): string | null {
  try {
    parseCommandLine(argv, env);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(EX_USAGE);
    return (err as Error).message;
  }
}

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost'])('%s is loopback', (host) => {
    expect(isLoopbackAddress(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::ffff:10.0.0.1', 'cache.example.com'])('%s is not', (host) => {
    expect(isLoopbackAddress(host)).toBe(false);
  });
});

describe('protected mode (parseCommandLine)', () => {
  it('starts on loopback (the default), and on a unix socket, with no authentication', () => {
    expect(refusal([])).toBeNull();
    expect(refusal(['-l', '127.0.0.1,::1', '--redis-port', '6379'])).toBeNull();
    expect(refusal(['-l', '0.0.0.0', '-s', '/tmp/x.sock'])).toBeNull();
  });

  it('refuses a non-loopback listener without auth, naming the address, the open ports and the fixes', () => {
    const message = refusal(['-l', '0.0.0.0', '--redis-port', '6379']);
    expect(message).toBe(
      '--listen: protected mode: refusing to listen on 0.0.0.0 (not loopback) with no authentication on the ' +
        'memcached port 11211 (no --auth-file/-Y) and the Redis port 6379 (no --requirepass or --acl-file). ' +
        'Either configure authentication (memcached: --auth-file, with --enable-sasl for the binary protocol; ' +
        'Redis: --requirepass or --acl-file), or listen on 127.0.0.1, ::1 or a unix socket (-s) only, or, if only ' +
        'trusted clients can reach this network, pass --unsafe-no-auth (SHARDCACHE_UNSAFE_NO_AUTH=1)',
    );
  });

  it('checks each protocol: memcached auth alone leaves an open Redis port refused, and the other way round', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protected-'));
    try {
      const authFile = path.join(dir, 'auth');
      fs.writeFileSync(authFile, 'u:p\n');
      expect(refusal(['-l', '10.0.0.1', '-Y', authFile])).toBeNull();
      expect(refusal(['-l', '10.0.0.1', '-Y', authFile, '--redis-port', '6379'])).toMatch(/no authentication on the Redis port 6379 /);
      expect(refusal(['-l', '10.0.0.1', '-p', '0', '--redis-port', '6379', '--requirepass', 'pw'])).toBeNull();
      expect(refusal(['-l', '10.0.0.1', '--redis-port', '6379', '--requirepass', 'pw'])).toMatch(/on the memcached port 11211 \(no --auth-file\/-Y\)\. /);
      expect(refusal(['-l', '127.0.0.1,10.0.0.1', '-Y', authFile, '--redis-port', '6379', '--acl-file', authFile])).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts with --unsafe-no-auth or SHARDCACHE_UNSAFE_NO_AUTH=1, and SHARDCACHE_UNSAFE_NO_AUTH=0 keeps protection', () => {
    expect(refusal(['-l', '0.0.0.0', '--unsafe-no-auth'])).toBeNull();
    expect(refusal(['-l', '0.0.0.0'], { SHARDCACHE_UNSAFE_NO_AUTH: '1' })).toBeNull();
    expect(refusal(['-l', '0.0.0.0'], { SHARDCACHE_UNSAFE_NO_AUTH: '0' })).toMatch(/^--listen: protected mode/);
  });

  it('is not loadConfig\'s business (tools read any configuration), and refuses --requirepass with --acl-file', () => {
    expect(loadConfig(['-l', '0.0.0.0'], {}).listen).toEqual(['0.0.0.0']);
    expect(() => loadConfig(['--requirepass', 'a', '--acl-file', '/x'], {})).toThrow(/^--requirepass: choose one/);
    expect(() => loadConfig(['--requirepass', ''], {})).toThrow('--requirepass: the password is empty (omit the option for no password)');
  });
});

describe('what ships passes protected mode', () => {
  it('the Docker image: 0.0.0.0 from CMD and ENV, with SHARDCACHE_UNSAFE_NO_AUTH=1 said in the Dockerfile', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const env = Object.fromEntries(
      [...dockerfile.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!] as const),
    );
    expect(env['SHARDCACHE_UNSAFE_NO_AUTH']).toBe('1');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(protectedModeViolation(loadConfig(cmd, { ...env, ...NO_CGROUP }))).toBeNull();
    // Without the switch the same image would be refused.
    const { SHARDCACHE_UNSAFE_NO_AUTH: _, ...withoutSwitch } = env;
    expect(protectedModeViolation(loadConfig(cmd, { ...withoutSwitch, ...NO_CGROUP }))).toMatch(/^protected mode/);
  });

  it.each(['cluster.yaml', 'sidecar.yaml'])('deploy/kubernetes/%s', (file) => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(ROOT, 'deploy', 'kubernetes', file), 'utf8')).map((d) => d.toJS());
    const containers = docs.flatMap((d) => d?.spec?.template?.spec?.containers ?? []) as { name: string; args?: string[] }[];
    const cache = containers.find((c) => c.name === 'shardcache')!;
    const args = cache.args!.map((a) => a.replace(/\$\((\w+)\)/g, 'cache'));
    expect(protectedModeViolation(loadConfig(args, NO_CGROUP))).toBeNull();
  });
});

describe('the daemon', () => {
  function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it('exits 64 with the message when protected mode refuses', async () => {
    const port = await freePort();
    const { code, stderr } = await run(['-p', String(port), '-l', '0.0.0.0', '-t', '1'], { SHARDCACHE_UNSAFE_NO_AUTH: '' });
    expect(code).toBe(EX_USAGE);
    expect(stderr).toMatch(/^shardcache: --listen: protected mode: refusing to listen on 0\.0\.0\.0 \(not loopback\)/);
    expect(stderr).toContain('--unsafe-no-auth');
  });

  it('starts on 0.0.0.0 with --unsafe-no-auth', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN_JS, '-p', String(port), '-l', '0.0.0.0', '-t', '1', '--unsafe-no-auth'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      await waitForPort(port, child, 15000);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('exits non-zero naming the line when the ACL file is bad, and never prints a password', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protected-acl-'));
    try {
      const file = path.join(dir, 'users.acl');
      fs.writeFileSync(file, 'user default on >hunter2 ~* +@all\nuser app on >hunter3 +nosuchcommand\n');
      const port = await freePort();
      const { code, stderr } = await run(['-p', String(port), '-t', '1', '--redis-port', String(await freePort()), '--acl-file', file]);
      expect(code).not.toBe(0);
      expect(stderr).toContain(`${file}:2: Error in user declaration 'app', rule '+nosuchcommand': Unknown command or category name in ACL`);
      expect(stderr).not.toContain('hunter');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
