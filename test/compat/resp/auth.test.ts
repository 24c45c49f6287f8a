/**
 * Redis authentication on the Redis port, against the compiled daemon: one
 * started with --requirepass, one with --acl-file. Raw RESP for the exact
 * error texts (Redis 7.2's wording), ioredis and node-redis (`redis` v6) with
 * both clients' password and username+password options, NOPERM for commands,
 * keys and channels, ACL WHOAMI / LIST / USERS / CAT / GETUSER / DRYRUN,
 * CLIENT LIST user=, INFO counters, and redis-cli --user/--pass.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { createClient, type RedisClientType } from 'redis';
import { RawClient } from '../../helpers/raw-client';
import { exchange, startRespDaemon, type RespDaemon } from './resp-daemon';

const run = promisify(execFile);
const haveCli = spawnSync('sh', ['-c', 'command -v redis-cli']).status === 0;

const ACL = [
  'user default on >x ~* &* +@all',
  'user alice on >apw ~app:* -@all +get +set +mget +multi +exec +client|list +acl|whoami',
  'user bob off >bpw ~* +@all',
  'user carol on nopass ~* resetchannels &news.* +@all -flushall',
  'user reader on >rpw allkeys allchannels +@read +@connection -@dangerous',
].join('\n');

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** RESP request bytes for one command. */
function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

let dir: string;
let withPassword: RespDaemon;
let withAcl: RespDaemon;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resp-auth-'));
  fs.writeFileSync(path.join(dir, 'users.acl'), `${ACL}\n`);
  [withPassword, withAcl] = await Promise.all([
    startRespDaemon(['-t', '1', '--requirepass', 's3cret']),
    startRespDaemon(['-t', '1', '--acl-file', path.join(dir, 'users.acl')]),
  ]);
});

afterAll(async () => {
  await Promise.all([withPassword?.stop(), withAcl?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('--requirepass, raw RESP', () => {
  let client: RawClient;
  beforeEach(async () => {
    client = await RawClient.connect(withPassword.redisPort);
  });
  afterEach(() => client.close());

  it('answers NOAUTH before AUTH, but unknown-command and arity errors first, as Redis 7 does', async () => {
    expect(await exchange(client, command('GET', 'a'))).toBe('-NOAUTH Authentication required.\r\n');
    expect(await exchange(client, command('PING'))).toBe('-NOAUTH Authentication required.\r\n');
    expect(await exchange(client, command('NOSUCH'))).toBe("-ERR unknown command 'NOSUCH', with args beginning with: \r\n");
    expect(await exchange(client, command('GET'))).toBe("-ERR wrong number of arguments for 'get' command\r\n");
  });

  it('refuses a wrong password with WRONGPASS and accepts the right one, plain or as the default user', async () => {
    expect(await exchange(client, command('AUTH', 'nope'))).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await exchange(client, command('AUTH', 'default', 'nope'))).toBe(
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
    expect(await exchange(client, command('AUTH', 's3cret'))).toBe('+OK\r\n');
    expect(await exchange(client, command('SET', 'k', 'v'))).toBe('+OK\r\n');
    // A failed AUTH later leaves the earlier login in place.
    expect(await exchange(client, command('AUTH', 'nope'))).toMatch(/^-WRONGPASS/);
    expect(await exchange(client, command('GET', 'k'))).toBe('$1\r\nv\r\n');
    expect(await exchange(client, command('AUTH', 'default', 's3cret'))).toBe('+OK\r\n');
    expect(await exchange(client, command('ACL', 'WHOAMI'))).toBe('$7\r\ndefault\r\n');
  });

  it('needs HELLO AUTH before HELLO, and lets QUIT and RESET run unauthenticated', async () => {
    expect(await exchange(client, command('HELLO', '3'))).toBe(
      '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n',
    );
    expect(await exchange(client, command('HELLO', '3', 'AUTH', 'default', 'nope'))).toMatch(/^-WRONGPASS/);
    expect(await exchange(client, command('HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'me'))).toMatch(/^%7\r\n/);
    expect(await exchange(client, command('CLIENT', 'GETNAME'))).toBe('$2\r\nme\r\n');
    // RESET logs out (the default user needs a password).
    expect(await exchange(client, command('RESET'))).toBe('+RESET\r\n');
    expect(await exchange(client, command('GET', 'k'))).toBe('-NOAUTH Authentication required.\r\n');
    expect(await exchange(client, command('QUIT'))).toBe('+OK\r\n');
  });

  it('fails a MULTI with a NOAUTH command inside, as a refused command does', async () => {
    expect(await exchange(client, command('AUTH', 's3cret'))).toBe('+OK\r\n');
    expect(await exchange(client, command('RESET'))).toBe('+RESET\r\n');
    expect(await exchange(client, command('MULTI'))).toBe('-NOAUTH Authentication required.\r\n');
  });
});

describe('without authentication configured', () => {
  it("keeps Redis's answers: AUTH <password> is a configuration mistake, AUTH default <any> is fine", async () => {
    const open = await startRespDaemon(['-t', '1']);
    const client = await RawClient.connect(open.redisPort);
    try {
      expect(await exchange(client, command('AUTH', 'x'))).toBe(
        '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
      );
      expect(await exchange(client, command('AUTH', 'default', 'x'))).toBe('+OK\r\n');
      expect(await exchange(client, command('AUTH', 'alice', 'x'))).toMatch(/^-WRONGPASS/);
      expect(await exchange(client, command('ACL', 'LIST'))).toBe('*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n');
    } finally {
      client.close();
      await open.stop();
    }
  });
});

describe('--acl-file, raw RESP', () => {
  let client: RawClient;
  beforeEach(async () => {
    client = await RawClient.connect(withAcl.redisPort);
  });
  afterEach(() => client.close());

  it('refuses a disabled user and an unknown one with the same WRONGPASS', async () => {
    expect(await exchange(client, command('AUTH', 'bob', 'bpw'))).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
    expect(await exchange(client, command('AUTH', 'nobody', 'x'))).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
  });

  it('answers NOPERM for a command, a subcommand, a key and a channel', async () => {
    expect(await exchange(client, command('AUTH', 'alice', 'apw'))).toBe('+OK\r\n');
    expect(await exchange(client, command('SET', 'app:1', 'v'))).toBe('+OK\r\n');
    expect(await exchange(client, command('DEL', 'app:1'))).toBe("-NOPERM User alice has no permissions to run the 'del' command\r\n");
    expect(await exchange(client, command('CLIENT', 'INFO'))).toBe(
      "-NOPERM User alice has no permissions to run the 'client|info' command\r\n",
    );
    expect(await exchange(client, command('GET', 'other'))).toBe('-NOPERM No permissions to access a key\r\n');
    // Every key argument is checked.
    expect(await exchange(client, command('MGET', 'app:1', 'app:2', 'secret'))).toBe('-NOPERM No permissions to access a key\r\n');
    expect(await exchange(client, command('MGET', 'app:1', 'app:2'))).toBe('*2\r\n$1\r\nv\r\n$-1\r\n');
    // AUTH is no_auth: every user may run it, whatever its rules (alice has -@all).
    expect(await exchange(client, command('AUTH', 'carol', 'anything'))).toBe('+OK\r\n');
    expect(await exchange(client, command('PUBLISH', 'chat', 'hi'))).toBe('-NOPERM No permissions to access a channel\r\n');
    expect(await exchange(client, command('PUBLISH', 'news.sport', 'hi'))).toBe(':0\r\n');
    expect(await exchange(client, command('FLUSHALL'))).toBe("-NOPERM User carol has no permissions to run the 'flushall' command\r\n");
  });

  it('aborts EXEC when a queued command was refused with NOPERM', async () => {
    expect(await exchange(client, command('AUTH', 'alice', 'apw'))).toBe('+OK\r\n');
    expect(await exchange(client, command('MULTI'))).toBe('+OK\r\n');
    expect(await exchange(client, command('SET', 'app:t', '1'))).toBe('+QUEUED\r\n');
    expect(await exchange(client, command('SET', 'elsewhere', '1'))).toBe('-NOPERM No permissions to access a key\r\n');
    expect(await exchange(client, command('EXEC'))).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
  });

  it('answers ACL WHOAMI, USERS, LIST, CAT, GETUSER and DRYRUN', async () => {
    expect(await exchange(client, command('AUTH', 'x'))).toBe('+OK\r\n');
    expect(await exchange(client, command('ACL', 'WHOAMI'))).toBe('$7\r\ndefault\r\n');
    expect(await exchange(client, command('ACL', 'USERS'))).toBe('*5\r\n$5\r\nalice\r\n$3\r\nbob\r\n$5\r\ncarol\r\n$7\r\ndefault\r\n$6\r\nreader\r\n');
    const list = await exchange(client, command('ACL', 'LIST'));
    expect(list).toContain(`user alice on #${hex('apw')} ~app:* resetchannels -@all +get +set +mget +multi +exec +client|list +acl|whoami\r\n`);
    expect(list).toContain(`user bob off #${hex('bpw')} ~* resetchannels +@all\r\n`);
    expect(list).toContain('user carol on nopass ~* resetchannels &news.* +@all -flushall\r\n');
    expect(list).not.toContain('apw');
    const categories = await exchange(client, command('ACL', 'CAT'));
    expect(categories).toMatch(/^\*21\r\n\$8\r\nkeyspace\r\n\$4\r\nread\r\n/);
    expect(await exchange(client, command('ACL', 'CAT', 'nosuch'))).toBe("-ERR Unknown category 'nosuch'\r\n");
    const strings = await exchange(client, command('ACL', 'CAT', 'string'));
    expect(strings).toContain('$3\r\nget\r\n');
    expect(strings).not.toContain('$3\r\ndel\r\n');
    expect(await exchange(client, command('ACL', 'GETUSER', 'nobody'))).toBe('$-1\r\n');
    expect(await exchange(client, command('ACL', 'GETUSER', 'alice'))).toBe(
      `*12\r\n$5\r\nflags\r\n*1\r\n$2\r\non\r\n$9\r\npasswords\r\n*1\r\n$64\r\n${hex('apw')}\r\n` +
        '$8\r\ncommands\r\n$59\r\n-@all +get +set +mget +multi +exec +client|list +acl|whoami\r\n' +
        '$4\r\nkeys\r\n$6\r\n~app:*\r\n$8\r\nchannels\r\n$0\r\n\r\n$9\r\nselectors\r\n*0\r\n',
    );
    expect(await exchange(client, command('ACL', 'DRYRUN', 'alice', 'get', 'app:1'))).toBe('+OK\r\n');
    expect(await exchange(client, command('ACL', 'DRYRUN', 'alice', 'get', 'foo'))).toBe(
      "$53\r\nUser alice has no permissions to access the 'foo' key\r\n",
    );
    expect(await exchange(client, command('ACL', 'DRYRUN', 'alice', 'del', 'x'))).toBe(
      "$54\r\nUser alice has no permissions to run the 'del' command\r\n",
    );
    expect(await exchange(client, command('ACL', 'DRYRUN', 'nobody', 'get', 'x'))).toBe("-ERR User 'nobody' not found\r\n");
    expect(await exchange(client, command('ACL', 'DRYRUN', 'alice', 'nosuch', 'x'))).toBe("-ERR Command 'nosuch' not found\r\n");
    expect(await exchange(client, command('ACL', 'DRYRUN', 'alice', 'client', 'nosuch'))).toBe("-ERR Command 'client' not found\r\n");
    expect(await exchange(client, command('ACL', 'DRYRUN', 'alice', 'client', 'list'))).toBe('+OK\r\n');
    expect(await exchange(client, command('ACL', 'CAT', 'a', 'b'))).toBe(
      "-ERR unknown subcommand or wrong number of arguments for 'CAT'. Try ACL HELP.\r\n",
    );
  });

  it('shows user= in CLIENT LIST, kills by USER, and counts refusals in INFO', async () => {
    expect(await exchange(client, command('AUTH', 'alice', 'apw'))).toBe('+OK\r\n');
    expect(await exchange(client, command('GET', 'forbidden'))).toMatch(/^-NOPERM/);
    const listing = await exchange(client, command('CLIENT', 'LIST'));
    expect(listing).toMatch(/ cmd=client\|list user=alice /);
    const admin = await RawClient.connect(withAcl.redisPort);
    try {
      expect(await exchange(admin, command('AUTH', 'wrong', 'wrong'))).toMatch(/^-WRONGPASS/);
      expect(await exchange(admin, command('AUTH', 'x'))).toBe('+OK\r\n');
      const info = await exchange(admin, command('INFO', 'stats'));
      expect(Number(/acl_access_denied_auth:(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(1);
      expect(Number(/acl_access_denied_key:(\d+)/.exec(info)![1])).toBeGreaterThanOrEqual(1);
      expect(info).toMatch(/acl_access_denied_cmd:\d+\r\n/);
      expect(await exchange(admin, command('CLIENT', 'KILL', 'USER', 'nobody'))).toBe("-ERR No such user 'nobody'\r\n");
      // memcached's `stats` counts Redis logins too (auth_cmds / auth_errors).
      const memcached = await RawClient.connect(withAcl.port);
      try {
        const stats = await memcached.request('stats\r\n', 'END\r\n');
        expect(Number(/STAT auth_cmds (\d+)/.exec(stats)![1])).toBeGreaterThanOrEqual(2);
        expect(Number(/STAT auth_errors (\d+)/.exec(stats)![1])).toBeGreaterThanOrEqual(1);
      } finally {
        memcached.close();
      }
      expect(await exchange(admin, command('CLIENT', 'KILL', 'USER', 'alice'))).toBe(':1\r\n');
    } finally {
      admin.close();
    }
  });
});

describe('ioredis', () => {
  const options = { host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true };

  it('connects with `password` (AUTH <password>)', async () => {
    const redis = new Redis({ ...options, port: withPassword.redisPort, password: 's3cret' });
    try {
      await redis.connect();
      expect(await redis.set('io:1', 'v')).toBe('OK');
      expect(await redis.call('ACL', 'WHOAMI')).toBe('default');
    } finally {
      redis.disconnect();
    }
  });

  it('connects with `username` and `password` (AUTH <user> <password>) and sees NOPERM as errors', async () => {
    const redis = new Redis({ ...options, port: withAcl.redisPort, username: 'alice', password: 'apw' });
    try {
      await redis.connect();
      expect(await redis.set('app:io', 'v')).toBe('OK');
      expect(await redis.get('app:io')).toBe('v');
      await expect(redis.get('elsewhere')).rejects.toThrow('NOPERM No permissions to access a key');
      await expect(redis.del('app:io')).rejects.toThrow("NOPERM User alice has no permissions to run the 'del' command");
      expect(await redis.call('ACL', 'WHOAMI')).toBe('alice');
    } finally {
      redis.disconnect();
    }
  });

  it('fails to connect with a wrong password', async () => {
    const redis = new Redis({ ...options, port: withAcl.redisPort, username: 'alice', password: 'wrong' });
    const errors: Error[] = [];
    redis.on('error', (err: Error) => errors.push(err));
    try {
      await redis.connect().catch((err: Error) => errors.push(err));
      await expect(redis.get('app:x')).rejects.toThrow();
      expect(errors.map((e) => e.message).join('\n')).toContain('WRONGPASS invalid username-password pair or user is disabled.');
    } finally {
      redis.disconnect();
    }
  });

  it("fails to connect without a password: its HELLO gets Redis's NOAUTH", async () => {
    const redis = new Redis({ ...options, port: withPassword.redisPort });
    const errors: Error[] = [];
    redis.on('error', (err: Error) => errors.push(err));
    try {
      await redis.connect().catch((err: Error) => errors.push(err));
      expect(errors.map((e) => e.message).join('\n')).toContain('NOAUTH HELLO must be called with the client already authenticated');
    } finally {
      redis.disconnect();
    }
  });
});

describe.each([2, 3] as const)('node-redis, RESP %i', (protocol) => {
  const connect = async (port: number, auth: { username?: string; password: string }): Promise<RedisClientType> => {
    const client = createClient({
      socket: { port, host: '127.0.0.1', reconnectStrategy: false },
      RESP: protocol,
      ...auth,
    }) as unknown as RedisClientType;
    client.on('error', () => {});
    await client.connect();
    return client;
  };

  it('connects with `password`', async () => {
    const client = await connect(withPassword.redisPort, { password: 's3cret' });
    try {
      expect(await client.set('nr:1', 'v')).toBe('OK');
      expect(await client.aclWhoAmI()).toBe('default');
    } finally {
      client.destroy();
    }
  });

  it('connects with `username` and `password` and gets NOPERM for a key and a command', async () => {
    const client = await connect(withAcl.redisPort, { username: 'reader', password: 'rpw' });
    try {
      expect(await client.get('anything')).toBeNull();
      await expect(client.set('anything', 'v')).rejects.toThrow("NOPERM User reader has no permissions to run the 'set' command");
      await expect(client.aclUsers()).rejects.toThrow("NOPERM User reader has no permissions to run the 'acl|users' command");
    } finally {
      client.destroy();
    }
  });

  it('refuses a wrong password', async () => {
    await expect(connect(withAcl.redisPort, { username: 'reader', password: 'wrong' })).rejects.toThrow(
      'WRONGPASS invalid username-password pair or user is disabled.',
    );
  });

  it('answers ACL LIST and USERS to the default user', async () => {
    const client = await connect(withAcl.redisPort, { username: 'default', password: 'x' });
    try {
      expect(await client.aclUsers()).toEqual(['alice', 'bob', 'carol', 'default', 'reader']);
      expect(await client.aclList()).toContain('user carol on nopass ~* resetchannels &news.* +@all -flushall');
    } finally {
      client.destroy();
    }
  });
});

(haveCli ? describe : describe.skip)('redis-cli', () => {
  const cli = async (port: number, ...args: string[]): Promise<string> => {
    const { stdout } = await run('redis-cli', ['-p', String(port), '-h', '127.0.0.1', '--no-auth-warning', ...args], { timeout: 10000 });
    return stdout;
  };

  it('logs in with --user/--pass and with -a', async () => {
    expect(await cli(withAcl.redisPort, '--user', 'alice', '--pass', 'apw', 'ACL', 'WHOAMI')).toBe('alice\n');
    expect(await cli(withAcl.redisPort, '--user', 'alice', '--pass', 'apw', 'GET', 'nope')).toBe('NOPERM No permissions to access a key\n\n');
    expect(await cli(withPassword.redisPort, '-a', 's3cret', 'PING')).toBe('PONG\n');
    expect(await cli(withPassword.redisPort, 'PING')).toBe('NOAUTH Authentication required.\n\n');
  });
});
