/**
 * Logs: --log-format text|json, memcached's -v levels (-vv traces client
 * commands and replies), and connection errors counted but logged at most
 * once per interval per kind.
 */
import { startDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';
import { formatLogLine, Logger, RateLimitedErrors } from '../../src/util/logger';

const waitFor = async (check: () => boolean, ms = 3000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

describe('log line formats', () => {
  it('text: time, level, message, then key=value fields (quoted when needed)', () => {
    expect(formatLogLine('text', '2026-01-01T00:00:00.000Z', 'warn', 'connection error: boom', { kind: 'ECONNRESET', note: 'two words' })).toBe(
      '2026-01-01T00:00:00.000Z warn connection error: boom kind=ECONNRESET note="two words"\n',
    );
  });

  it('json: one object per line with time, level, msg and the fields', () => {
    const line = formatLogLine('json', '2026-01-01T00:00:00.000Z', 'info', 'listening', { port: 11211 });
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ time: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'listening', port: 11211 });
  });
});

describe('RateLimitedErrors', () => {
  it('counts every error, logs each kind at most once per interval with the number suppressed', () => {
    const lines: string[] = [];
    let now = 0;
    const errors = new RateLimitedErrors('connection error', 10_000, () => now);
    errors.attach(new Logger(1, 'json', (line) => lines.push(line)));
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const pipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    for (let i = 0; i < 100; i++) errors.report(reset);
    errors.report(pipe);
    now = 9_999;
    errors.report(reset);
    now = 10_000;
    errors.report(reset);
    expect(errors.count).toBe(103);
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((l) => [l['msg'], l['kind'], l['suppressed']])).toEqual([
      ['connection error: read ECONNRESET', 'ECONNRESET', 0],
      ['connection error: write EPIPE', 'EPIPE', 0],
      ['connection error: read ECONNRESET', 'ECONNRESET', 100],
    ]);
  });

  it('only counts below -v', () => {
    const lines: string[] = [];
    const errors = new RateLimitedErrors('connection error', 10_000);
    errors.attach(new Logger(0, 'text', (line) => lines.push(line)));
    errors.report(new Error('x'));
    expect([errors.count, lines]).toEqual([1, []]);
  });
});

describe('daemon logs', () => {
  it('--log-format json writes one JSON object per line', async () => {
    const daemon = await startDaemon(['-t', '1', '-v', '--log-format', 'json']);
    try {
      await waitFor(() => daemon.stderr().includes('listening'));
      const lines = daemon.stderr().trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        expect(typeof parsed['time']).toBe('string');
        expect(['error', 'warn', 'info', 'debug']).toContain(parsed['level']);
        expect(typeof parsed['msg']).toBe('string');
      }
      expect(lines.some((l) => (JSON.parse(l) as { msg: string }).msg.startsWith('listening on tcp'))).toBe(true);
    } finally {
      await daemon.stop();
    }
  });

  it('-vv traces client commands and the first line of each reply; -v does not', async () => {
    const traced = await startDaemon(['-t', '1', '-vv']);
    const quiet = await startDaemon(['-t', '1', '-v']);
    try {
      for (const daemon of [traced, quiet]) {
        const client = await RawClient.connect(daemon.port);
        await client.requestExpecting('set logkey 0 0 2\r\nhi\r\n', 'STORED\r\n');
        await client.request('get logkey\r\n', 'END\r\n');
        client.close();
      }
      await waitFor(() => traced.stderr().includes('VALUE logkey'));
      const lines = traced.stderr().split('\n');
      expect(lines.some((l) => / debug <\S* set logkey 0 0 2$/.test(l))).toBe(true);
      expect(lines.some((l) => / debug >\S* STORED$/.test(l))).toBe(true);
      expect(lines.some((l) => / debug <\S* get logkey$/.test(l))).toBe(true);
      expect(lines.some((l) => / debug >\S* VALUE logkey 0 2$/.test(l))).toBe(true);
      expect(quiet.stderr()).not.toContain('logkey');
    } finally {
      await traced.stop();
      await quiet.stop();
    }
  });

  it('reports conn_errors in stats', async () => {
    const daemon = await startDaemon(['-t', '1']);
    const client = await RawClient.connect(daemon.port);
    try {
      expect(await client.request('stats\r\n', 'END\r\n')).toMatch(/\r\nSTAT conn_errors \d+\r\n/);
    } finally {
      client.close();
      await daemon.stop();
    }
  });
});
