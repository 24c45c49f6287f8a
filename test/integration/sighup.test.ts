/**
 * SIGHUP reloads the Redis ACL file (--acl-file) and the memcached auth file
 * (-Y): new logins see the new passwords, an open connection keeps its user
 * but gets the user's new rules from its next command, a user removed from
 * the file loses its connections, and a broken file keeps the old users and
 * says why in the log (without its contents).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startDaemon, waitForPort, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** One reply: a line, or a bulk string's two lines (all these tests need). */
async function ask(client: RawClient, ...args: string[]): Promise<string> {
  client.send(command(...args));
  const out = await client.readUntil((r) => {
    const text = r.toString('latin1');
    return text.startsWith('$') && !text.startsWith('$-1') ? text.split('\r\n').length >= 3 : text.includes('\r\n');
  });
  return out.toString('latin1');
}

/** A new connection's AUTH reply (the connection is closed afterwards). */
async function tryAuth(port: number, user: string, password: string): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    return await ask(client, 'AUTH', user, password);
  } finally {
    client.close();
  }
}

/** Retries `probe` until it returns `expected` (SIGHUP is handled asynchronously). */
async function eventually(probe: () => Promise<string>, expected: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await probe();
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(last).toBe(expected);
}

/** memcached ascii login: a `set` whose data is `user password`. */
async function memcachedLogin(port: number, user: string, password: string): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    const payload = `${user} ${password}`;
    return (await client.request(`set auth 0 0 ${payload.length}\r\n${payload}\r\n`)).trim();
  } finally {
    client.close();
  }
}

let dir: string;
let aclFile: string;
let authFile: string;
let daemon: RunningDaemon;
let redisPort: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sighup-'));
  aclFile = path.join(dir, 'users.acl');
  authFile = path.join(dir, 'memcached.auth');
  fs.writeFileSync(aclFile, 'user default on >admin ~* &* +@all\nuser app on >one ~* &* +@all\nuser gone on >bye ~* +@all\n');
  fs.writeFileSync(authFile, 'mc:first\n');
  redisPort = await freePort();
  daemon = await startDaemon(['-t', '1', '-v', '--redis-port', String(redisPort), '--acl-file', aclFile, '-Y', authFile]);
  await waitForPort(redisPort, daemon.process);
});

afterAll(async () => {
  await daemon?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('reloads the ACL file: a new password for new logins, new rules for open connections, removed users disconnected', async () => {
  const app = await RawClient.connect(redisPort);
  const gone = await RawClient.connect(redisPort);
  try {
    expect(await ask(app, 'AUTH', 'app', 'one')).toBe('+OK\r\n');
    expect(await ask(app, 'SET', 'k', 'v')).toBe('+OK\r\n');
    expect(await ask(gone, 'AUTH', 'gone', 'bye')).toBe('+OK\r\n');

    fs.writeFileSync(aclFile, 'user default on >admin ~* &* +@all\nuser app on >two ~* &* -@all +get\n');
    daemon.process.kill('SIGHUP');
    await eventually(() => tryAuth(redisPort, 'app', 'two'), '+OK\r\n');
    expect(await tryAuth(redisPort, 'app', 'one')).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');

    // Still logged in as app, under app's new rules.
    expect(await ask(app, 'GET', 'k')).toBe('$1\r\nv\r\n');
    expect(await ask(app, 'SET', 'k', 'w')).toBe("-NOPERM User app has no permissions to run the 'set' command\r\n");
    // `gone` is no longer in the file: its connection is closed at its next command.
    gone.send(command('GET', 'k'));
    const after = await gone.readUntil(() => gone.closed, 5000);
    expect(gone.closed).toBe(true);
    expect(after.toString('latin1')).toBe('');
  } finally {
    app.close();
    gone.close();
  }
});

it('keeps the old users when the new file is broken, and logs why without the file contents', async () => {
  fs.writeFileSync(aclFile, 'user default on >admin ~* &* +@all\nuser app on >three +nosuchcommand\n');
  daemon.process.kill('SIGHUP');
  const deadline = Date.now() + 5000;
  while (!daemon.stderr().includes('ACL file reload failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(daemon.stderr()).toContain(
    `ACL file reload failed, keeping the previous users: ${aclFile}:2: Error in user declaration 'app', rule '+nosuchcommand'`,
  );
  expect(daemon.stderr()).not.toContain('three');
  expect(await tryAuth(redisPort, 'app', 'two')).toBe('+OK\r\n');
  expect(await tryAuth(redisPort, 'app', 'three')).toMatch(/^-WRONGPASS/);
});

it('reloads the ACL file on ACL LOAD too, and reports a broken one to the caller', async () => {
  const admin = await RawClient.connect(redisPort);
  try {
    expect(await ask(admin, 'AUTH', 'admin')).toBe('+OK\r\n');
    fs.writeFileSync(aclFile, 'user default on >admin ~* &* +@all\nuser app on >four ~* +@all\n');
    expect(await ask(admin, 'ACL', 'LOAD')).toBe('+OK\r\n');
    expect(await tryAuth(redisPort, 'app', 'four')).toBe('+OK\r\n');
    fs.writeFileSync(aclFile, 'user default on >admin ~* &* +@all\nuser app on >five +@nosuch\n');
    expect(await ask(admin, 'ACL', 'LOAD')).toBe(
      `-ERR Error loading ACLs: ${aclFile}:2: Error in user declaration 'app', rule '+@nosuch': Unknown command or category name in ACL\r\n`,
    );
    expect(await tryAuth(redisPort, 'app', 'four')).toBe('+OK\r\n');
  } finally {
    admin.close();
  }
});

it('reloads the memcached -Y auth file', async () => {
  expect(await memcachedLogin(daemon.port, 'mc', 'first')).toBe('STORED');
  fs.writeFileSync(authFile, 'mc:second\n');
  daemon.process.kill('SIGHUP');
  await eventually(() => memcachedLogin(daemon.port, 'mc', 'second'), 'STORED');
  expect(await memcachedLogin(daemon.port, 'mc', 'first')).toBe('CLIENT_ERROR authentication failure');
  // A broken file keeps the current credentials.
  fs.writeFileSync(authFile, 'no colon here\n');
  daemon.process.kill('SIGHUP');
  const deadline = Date.now() + 5000;
  while (!daemon.stderr().includes('auth file reload failed') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(daemon.stderr()).toContain('auth file reload failed, keeping the previous credentials');
  expect(await memcachedLogin(daemon.port, 'mc', 'second')).toBe('STORED');
});
