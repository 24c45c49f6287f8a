/**
 * memcached's ascii authentication (-Y <file>) against the daemon: the golden
 * transcript recorded from Debian's memcached 1.6.18 started with -Y
 * (test/fixtures/memcached/ascii-auth-cases.json), plus the auth counters,
 * a pipelined login, and that no credential reaches the log.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ASCII_AUTH_CASES_PATH, ASCII_AUTH_FILE_TEXT, loadGoldenCases, replayOverSockets, stepMatches } from '../../fixtures/memcached/meta-cases';
import { startDaemon, type RunningDaemon } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';

let daemon: RunningDaemon;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shardcache-auth-'));
  const authFile = join(dir, 'auth');
  writeFileSync(authFile, ASCII_AUTH_FILE_TEXT, { mode: 0o600 });
  daemon = await startDaemon(['-t', '2', '-Y', authFile, '-vv']);
});
afterAll(async () => {
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function loggedIn(): Promise<RawClient> {
  const client = await RawClient.connect(daemon.port);
  expect(await client.request('set x 0 0 12\r\nalice secret\r\n')).toBe('STORED\r\n');
  return client;
}

async function authStats(): Promise<{ cmds: number; errors: number }> {
  const client = await loggedIn();
  try {
    const stats = await client.request('stats\r\n', 'END\r\n');
    const read = (name: string) => Number(new RegExp(`STAT ${name} (\\d+)`).exec(stats)?.[1]);
    return { cmds: read('auth_cmds'), errors: read('auth_errors') };
  } finally {
    client.close();
  }
}

describe('ascii auth: golden transcript from memcached 1.6.18 -Y', () => {
  const cases = loadGoldenCases(ASCII_AUTH_CASES_PATH);

  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { replies, closed } = await replayOverSockets(daemon.port, c);
    c.steps.forEach((step, i) => {
      if (!stepMatches(step, replies[i]!)) expect(replies[i]!.toString('latin1')).toBe(step.expect.toString('latin1'));
    });
    expect(closed).toBe(c.closes);
  });
});

describe('ascii auth', () => {
  it('counts every login attempt in auth_cmds and the failed ones in auth_errors', async () => {
    const before = await authStats(); // its own login counts once
    const client = await RawClient.connect(daemon.port);
    try {
      expect(await client.request('set x 0 0 12\r\nalice wrongg\r\n')).toBe('CLIENT_ERROR authentication failure\r\n');
      expect(await client.request('set x 0 0 10\r\neve secret\r\n')).toBe('CLIENT_ERROR authentication failure\r\n');
      // Not an attempt: no user and password to check.
      expect(await client.request('set x 0 0 5\r\nalice\r\n')).toBe('CLIENT_ERROR bad authentication token format\r\n');
      expect(await client.request('set x 0 0 11\r\nbob hunter2\r\n')).toBe('STORED\r\n');
    } finally {
      client.close();
    }
    const after = await authStats();
    expect(after.cmds - before.cmds).toBe(1 + 3);
    expect(after.errors - before.errors).toBe(2);
  });

  it('serves commands pipelined after a login in the same write (as memcached does)', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      const expected = 'STORED\r\nEND\r\nSTORED\r\nVALUE pipelined 0 1\r\nx\r\nEND\r\n';
      const reply = await client.requestExpecting('set x 0 0 12\r\nalice secret\r\nget pipelined\r\nset pipelined 0 0 1\r\nx\r\nget pipelined\r\n', expected);
      expect(reply).toBe(expected);
    } finally {
      client.close();
    }
  });

  it('reads a login payload that arrives one byte at a time', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      for (const byte of 'set x 0 0 11\r\nbob hunter2\r\n') client.send(byte);
      expect((await client.readUntil((r) => r.length >= 8)).toString('latin1')).toBe('STORED\r\n');
      expect(await client.request('mn\r\n')).toBe('MN\r\n');
    } finally {
      client.close();
    }
  });

  it('refuses a login payload larger than any auth line without holding it, and stays usable', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      const big = 5 * 1024 * 1024;
      client.send(`set x 0 0 ${big}\r\n`);
      client.send(Buffer.alloc(big, 'a'));
      expect(await client.request('\r\n')).toBe('CLIENT_ERROR bad authentication token format\r\n');
      expect(await client.request('set x 0 0 12\r\nalice secret\r\n')).toBe('STORED\r\n');
    } finally {
      client.close();
    }
  });

  it('answers a flood of unauthenticated lines in full, holding input while replies back up', async () => {
    const client = await RawClient.connect(daemon.port);
    try {
      const lines = 200_000; // 6 MB of replies: over the per-connection unsent-output bound
      const reply = 'CLIENT_ERROR unauthenticated\r\n';
      client.send(Buffer.alloc(lines, '\n'));
      const received = await client.readUntil((r) => r.length >= lines * reply.length, 30000);
      expect(received.length).toBe(lines * reply.length);
      expect(received.subarray(received.length - reply.length).toString('latin1')).toBe(reply);
      expect(await client.request('set x 0 0 12\r\nalice secret\r\n')).toBe('STORED\r\n');
    } finally {
      client.close();
    }
  });

  it('never writes a user name or password to the log, even at -vv', () => {
    const log = daemon.stderr();
    for (const secret of ['secret', 'hunter2', 'wrongg', 'alice', 'eve ']) expect(log).not.toContain(secret);
  });
});
