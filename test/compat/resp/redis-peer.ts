/**
 * The reference side of the differential tests: Debian's real redis-server on
 * a free loopback port, without persistence (`--save '' --appendonly no`, so
 * it writes nothing to disk), next to our daemon with its Redis port on. A
 * suite calls `useRedisPeers(...)` once at top level: it starts both before
 * the suite and stops both after it (redis-server by its PID). When
 * redis-server is not installed it warns once, starts nothing, and
 * `available` is false so the suite can skip. A suite that needs Redis
 * started differently (cluster mode ...) passes extra redis-server options.
 * Also: a pipelined script of command lines, sent the same way to either
 * server, its replies split.
 *
 * May import only test helpers; nothing of src/ (the daemon runs from the
 * compiled build, as a child process).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from '../../helpers/daemon';
import { RawClient } from '../../helpers/raw-client';
import { countReplies, replyEnd, startRespDaemon, type RespDaemon } from './resp-daemon';

export const REDIS_SERVER_INSTALLED = spawnSync('sh', ['-c', 'command -v redis-server']).status === 0;

export interface RedisServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Options after the defaults (port, loopback, no persistence), e.g. `--cluster-enabled yes`. */
  args?: readonly string[];
  /** Working directory of redis-server (where a relative file option lands); the test's own by default. */
  cwd?: string;
}

/** Starts redis-server on a free port and resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const defaults = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child: ChildProcess = spawn('redis-server', [...defaults, ...(options.args ?? [])], {
    stdio: 'ignore',
    cwd: options.cwd,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
    await exited;
  };
  try {
    await waitForPort(port, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid!, stop };
}

export interface RedisPeers {
  /** False when redis-server is not installed: nothing was started, the suite's tests must skip. */
  readonly available: boolean;
  /** `describe` when redis-server is installed, `describe.skip` otherwise. */
  readonly describe: jest.Describe;
  /** `it` when redis-server is installed, `it.skip` otherwise: for a block that also holds tests without Redis, or calls `useRedisPeers` inside itself. */
  readonly it: jest.It;
  /** Our daemon's Redis port (read it inside a test: the daemon starts in beforeAll). */
  readonly oursPort: number;
  /** The real redis-server's port (read it inside a test). */
  readonly redisPort: number;
}

/**
 * Registers beforeAll/afterAll that start our daemon (with `daemonArgs`) and
 * redis-server (with `redisOptions`), and stop both. `suite` names the skipped
 * tests in the warning printed when redis-server is missing. Called inside a
 * `describe`, the servers live only for that block.
 */
export function useRedisPeers(suite: string, daemonArgs: string[] = [], redisOptions: RedisServerOptions = {}): RedisPeers {
  if (!REDIS_SERVER_INSTALLED) console.warn(`redis-server not installed: skipping ${suite}`);
  let ours: RespDaemon | null = null;
  let redis: RedisServer | null = null;

  beforeAll(async () => {
    if (!REDIS_SERVER_INSTALLED) return;
    ours = await startRespDaemon(daemonArgs);
    redis = await startRedisServer(redisOptions);
  });

  afterAll(async () => {
    await redis?.stop();
    await ours?.stop();
  });

  const started = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`${what} is not running (redis-server missing, or the suite's beforeAll failed)`);
    return value;
  };
  return {
    available: REDIS_SERVER_INSTALLED,
    describe: REDIS_SERVER_INSTALLED ? describe : describe.skip,
    it: REDIS_SERVER_INSTALLED ? it : it.skip,
    get oursPort() {
      return started(ours, 'our daemon').redisPort;
    },
    get redisPort() {
      return started(redis, 'redis-server').port;
    },
  };
}

/** Words as a RESP multibulk request. */
export function encodeCommand(words: readonly string[]): string {
  return `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
}

/** A command line as a RESP multibulk request: words split on spaces; `""` is an empty argument. */
export function encodeCommandLine(line: string): string {
  return encodeCommand(line.split(' ').map((w) => (w === '""' ? '' : w)));
}

/** A command as a line for `encodeCommandLine`, or as its words already split (arguments with spaces, built keys). */
export type ScriptCommand = string | readonly string[];

const encodeScriptCommand = (command: ScriptCommand): string => (typeof command === 'string' ? encodeCommandLine(command) : encodeCommand(command));

/**
 * Sends `lines` pipelined on one connection (in RESP3 after a HELLO 3 whose own
 * reply is dropped: it names the server) and returns every complete reply that
 * came back, in order, once there are `lines.length` of them or after
 * `timeoutMs` (a long script wants more). A server that answers too few or
 * too many shows in the count.
 */
export async function pipelinedReplies(port: number, lines: readonly ScriptCommand[], protocol: 2 | 3 = 2, timeoutMs = 5000): Promise<string[]> {
  const client = await RawClient.connect(port);
  try {
    if (protocol === 3) {
      client.send(encodeCommandLine('HELLO 3'));
      await client.readUntil((r) => countReplies(r) >= 1);
    }
    client.send(lines.map(encodeScriptCommand).join(''));
    const bytes = await client.readUntil((r) => countReplies(r) >= lines.length, timeoutMs);
    const replies: string[] = [];
    for (let at = 0; at < bytes.length; ) {
      const end = replyEnd(bytes, at);
      if (end < 0) break;
      replies.push(bytes.toString('latin1', at, end));
      at = end;
    }
    return replies;
  } finally {
    client.close();
  }
}
