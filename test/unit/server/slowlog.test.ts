import { ReplyQueue } from '../../../src/server/reply-queue';
import {
  CommandTimer,
  describeRespCommand,
  describeTextRequest,
  SlowLog,
  slowlogStats,
  truncateArgs,
  turnClock,
  type SlowlogClient,
} from '../../../src/server/slowlog';

const CLIENT: SlowlogClient = { addr: '127.0.0.1:5000', name: Buffer.from('worker-1') };
const args = (...words: string[]): Buffer[] => words.map((w) => Buffer.from(w));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('truncateArgs (Redis slowlog.c rules)', () => {
  it('keeps up to 32 arguments as they are', () => {
    const input = Array.from({ length: 32 }, (_, i) => Buffer.from(`a${i}`));
    expect(truncateArgs(input).map(String)).toEqual(input.map(String));
  });

  it('past 32 arguments keeps 31 and says how many more there were', () => {
    const input = Array.from({ length: 40 }, (_, i) => Buffer.from(`a${i}`));
    const out = truncateArgs(input).map(String);
    expect(out).toHaveLength(32);
    expect(out.slice(0, 31)).toEqual(input.slice(0, 31).map(String));
    expect(out[31]).toBe('... (9 more arguments)');
  });

  it('cuts an argument over 128 bytes after 128 bytes and says how many more', () => {
    const long = Buffer.alloc(200, 'x');
    const [cut] = truncateArgs([long]);
    expect(cut!.toString()).toBe('x'.repeat(128) + '... (72 more bytes)');
    expect(truncateArgs([Buffer.alloc(128, 'y')])[0]!.toString()).toBe('y'.repeat(128));
  });

  it('copies the bytes, so the entry keeps no request buffer alive', () => {
    const input = Buffer.from('key');
    const [copy] = truncateArgs([input]);
    input[0] = 0x7a;
    expect(copy!.toString()).toBe('key');
  });
});

describe('SlowLog', () => {
  it('logs commands at or over the threshold, newest first, ids never reused', () => {
    const log = new SlowLog(1000, 10);
    log.consider(0.999, () => args('get', 'fast'), CLIENT);
    log.consider(1.0, () => args('get', 'edge'), CLIENT);
    log.consider(5, () => args('get', 'slow'), CLIENT);
    expect(log.length).toBe(2);
    const [newest, oldest] = log.newest(10);
    expect(newest!.args.map(String)).toEqual(['get', 'slow']);
    expect(newest!.durationUs).toBe(5000);
    expect(newest!.id).toBe(1);
    expect(oldest!.id).toBe(0);
    expect(newest!.client).toBe('127.0.0.1:5000');
    expect(newest!.name).toBe('worker-1');
    log.reset();
    log.consider(2, () => args('x'), CLIENT);
    expect(log.newest(-1)[0]!.id).toBe(2);
  });

  it('is off with a negative threshold and logs everything at 0', () => {
    const off = new SlowLog(-1, 10);
    off.consider(1e6, () => args('x'), CLIENT);
    expect(off.length).toBe(0);
    const all = new SlowLog(0, 10);
    all.consider(0, () => args('x'), CLIENT);
    expect(all.length).toBe(1);
  });

  it('keeps at most maxLen entries, dropping the oldest, also when maxLen shrinks', () => {
    const log = new SlowLog(0, 3);
    for (let i = 0; i < 5; i++) log.consider(1, () => args(`c${i}`), CLIENT);
    expect(log.newest(-1).map((e) => e.args[0]!.toString())).toEqual(['c4', 'c3', 'c2']);
    log.maxLen = 1;
    expect(log.newest(-1).map((e) => e.args[0]!.toString())).toEqual(['c4']);
    log.maxLen = 0;
    log.consider(1, () => args('never'), CLIENT);
    expect(log.length).toBe(0);
    expect(log.totalLogged).toBe(5);
  });

  it('renders `stats slowlog` with escaped arguments', () => {
    const log = new SlowLog(0, 10);
    log.consider(0.25, () => [Buffer.from('set'), Buffer.from('a b\\c\n')], { addr: '10.0.0.1:1', name: null });
    expect(slowlogStats(log)).toEqual([
      ['slowlog_threshold_us', 0],
      ['slowlog_max_len', 10],
      ['slowlog_len', 1],
      ['slowlog_total', 1],
      ['slowlog:0:time', expect.any(Number)],
      ['slowlog:0:duration_us', 250],
      ['slowlog:0:command', 'set a\\x20b\\x5cc\\x0a'],
      ['slowlog:0:client', '10.0.0.1:1'],
      ['slowlog:0:name', ''],
    ]);
  });
});

describe('describe functions', () => {
  it('show memcached text commands as their tokens, a value as its length', () => {
    expect(
      describeTextRequest({ kind: 'storage', command: 'cas', key: Buffer.from('k'), flags: 3, exptime: 10, value: Buffer.alloc(5), casHigh: 1, casLow: 2, noreply: false }).map(String),
    ).toEqual(['cas', 'k', '3', '10', '5', String(2 ** 32 + 2)]);
    expect(describeTextRequest({ kind: 'retrieval', command: 'gat', keys: [Buffer.from('a'), Buffer.from('b')], exptime: 7 }).map(String)).toEqual([
      'gat',
      '7',
      'a',
      'b',
    ]);
  });

  it('redact AUTH and HELLO AUTH secrets as Redis does', () => {
    expect(describeRespCommand(args('AUTH', 'user', 'secret')).map(String)).toEqual(['AUTH', '(redacted)', '(redacted)']);
    expect(describeRespCommand(args('HELLO', '3', 'AUTH', 'u', 'p', 'SETNAME', 'n')).map(String)).toEqual([
      'HELLO',
      '3',
      'AUTH',
      '(redacted)',
      '(redacted)',
      'SETNAME',
      'n',
    ]);
    expect(describeRespCommand(args('GET', 'k')).map(String)).toEqual(['GET', 'k']);
  });
});

describe('turnClock', () => {
  it('reads the clock once per synchronous run', async () => {
    const first = turnClock();
    const busyUntil = performance.now() + 3;
    while (performance.now() < busyUntil);
    expect(turnClock()).toBe(first);
    await Promise.resolve();
    await sleep(1);
    expect(turnClock()).toBeGreaterThan(first);
  });
});

describe('CommandTimer through a ReplyQueue', () => {
  function queueWithTimer(log: SlowLog, trace: string[] | null = null): { queue: ReplyQueue; timer: CommandTimer<Buffer[]>; written: Buffer[] } {
    const written: Buffer[] = [];
    const queue = new ReplyQueue({ writeReply: (chunk) => written.push(chunk), claimOutput: () => -1, outputBuffer: Buffer.alloc(0), closeAfterReplies: () => {} });
    const timer = new CommandTimer<Buffer[]>(log, (c) => c, CLIENT, trace === null ? null : (d, client, text) => trace.push(`${d}${client} ${text}`));
    queue.commandTimer = timer;
    return { queue, timer, written };
  }

  it('times a command from dispatch until its slot completes', async () => {
    const log = new SlowLog(10_000, 10);
    const { queue, timer } = queueWithTimer(log);
    timer.begin(args('GET', 'slow'));
    const slot = queue.reserve();
    await sleep(25);
    queue.complete(slot, Buffer.from('$1\r\nx\r\n'));
    timer.begin(args('GET', 'fast'));
    const fast = queue.reserve();
    await Promise.resolve();
    await sleep(0);
    queue.complete(fast, Buffer.from('$1\r\ny\r\n'));
    const entries = log.newest(-1);
    expect(entries.map((e) => e.args.map(String))).toEqual([['GET', 'slow']]);
    expect(entries[0]!.durationUs).toBeGreaterThanOrEqual(20_000);
    expect(entries[0]!.durationUs).toBeLessThan(2_000_000);
  });

  it('logs a reply written at once as 0 µs when the threshold is 0, and nothing when the slow log is off', () => {
    const log = new SlowLog(0, 10);
    const { queue, timer, written } = queueWithTimer(log);
    timer.begin(args('PING'));
    queue.immediate(Buffer.from('+PONG\r\n'));
    expect(written.map(String)).toEqual(['+PONG\r\n']);
    expect(log.newest(-1).map((e) => [e.args.map(String), e.durationUs])).toEqual([[['PING'], 0]]);
    log.thresholdUs = -1;
    timer.begin(args('PING'));
    queue.immediate(Buffer.from('+PONG\r\n'));
    expect(log.length).toBe(1);
  });

  it('does not blame a later unrelated reply (a pub/sub message) on a command that had no reply', async () => {
    const log = new SlowLog(0, 10);
    const { queue, timer } = queueWithTimer(log);
    timer.begin(args('SET', 'k', 'v', 'noreply-like'));
    await sleep(2);
    queue.immediate(Buffer.from('>3\r\n...'));
    expect(log.length).toBe(0);
  });

  it('traces each command and the first line of its reply (-vv)', () => {
    const trace: string[] = [];
    const { queue, timer } = queueWithTimer(new SlowLog(-1, 10), trace);
    timer.begin(args('get', 'k'));
    const slot = queue.reserve();
    queue.complete(slot, [Buffer.from('VALUE k 0 1\r\nx\r\nEND\r\n')]);
    expect(trace).toEqual(['<127.0.0.1:5000 get k', '>127.0.0.1:5000 VALUE k 0 1']);
  });
});
