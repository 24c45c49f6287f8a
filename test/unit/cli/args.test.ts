import { OPTIONS, OPTION_NAMES, buildArgsParser, normalizeArgv, parseArgs, type OptionSpec } from '../../../src/cli/args';
import { ConfigError, codes } from '../../../src/errors';

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('OPTIONS', () => {
  it('gives every option memcached has a distinct one-letter short name', () => {
    const shorts = OPTION_NAMES.flatMap((name) => (OPTIONS[name] as OptionSpec).short ?? []);
    expect(new Set(shorts).size).toBe(shorts.length);
    for (const short of shorts) expect(short).toMatch(/^[A-Za-z]$/);
  });

  it("uses memcached's letters for memcached's long names", () => {
    const expected: Record<string, string> = {
      port: 'p',
      listen: 'l',
      'unix-socket': 's',
      'unix-mask': 'a',
      'memory-limit': 'm',
      'conn-limit': 'c',
      threads: 't',
      'max-item-size': 'I',
      'slab-growth-factor': 'f',
      'slab-min-size': 'n',
      verbose: 'v',
      'enable-shutdown': 'A',
      'enable-sasl': 'S',
      'auth-file': 'Y',
      'udp-port': 'U',
      'prefix-delimiter': 'D',
      help: 'h',
      version: 'V',
    };
    const withShort = OPTION_NAMES.filter((name) => (OPTIONS[name] as OptionSpec).short !== undefined);
    expect(Object.fromEntries(withShort.map((name) => [name, (OPTIONS[name] as OptionSpec).short]))).toEqual(expected);
    // Options of our own (no memcached letter) have long names only.
    expect(OPTION_NAMES.filter((name) => !withShort.includes(name))).toEqual(['idle-timeout', 'shutdown-timeout', 'redis-port', 'admin-port', 'tls-port', 'tls-redis-port', 'tls-cert', 'tls-key', 'tls-ca', 'cluster-nodes', 'cluster-file', 'cluster-dns', 'cluster-dns-interval', 'redis-cluster', 'slowlog-threshold-us', 'slowlog-max-len', 'hotkeys', 'log-format', 'requirepass', 'acl-file', 'unsafe-no-auth', 'shard-timeout', 'max-output-buffer', 'max-keys-per-get', 'proto-max-bulk-len', 'max-multibulk-len']);
  });
});

describe('normalizeArgv', () => {
  it('passes long options with = through unchanged', () => {
    expect(normalizeArgv(['--port=11311', '--enable-shutdown'])).toEqual(['--port=11311', '--enable-shutdown']);
  });

  it('joins a long option and its value from the next word', () => {
    expect(normalizeArgv(['--port', '11311'])).toEqual(['--port=11311']);
  });

  it('takes the next word as the value whatever it looks like, as getopt does', () => {
    expect(normalizeArgv(['-p', '-1'])).toEqual(['--port=-1']);
    expect(normalizeArgv(['--listen', '--port'])).toEqual(['--listen=--port']);
  });

  it('reads a value attached to a short option (-p11311, -I2m, -l127.0.0.1)', () => {
    expect(normalizeArgv(['-p11311', '-I2m', '-l127.0.0.1'])).toEqual([
      '--port=11311',
      '--max-item-size=2m',
      '--listen=127.0.0.1',
    ]);
  });

  it('accepts -p=11311 as yargs does', () => {
    expect(normalizeArgv(['-p=11311'])).toEqual(['--port=11311']);
  });

  it('expands clusters of switches and ends a cluster at an option that takes a value', () => {
    expect(normalizeArgv(['-vvA'])).toEqual(['--verbose', '--verbose', '--enable-shutdown']);
    expect(normalizeArgv(['-vvp', '11311'])).toEqual(['--verbose', '--verbose', '--port=11311']);
    expect(normalizeArgv(['-vp11311'])).toEqual(['--verbose', '--port=11311']);
  });

  it('stops at --', () => {
    expect(normalizeArgv(['-v', '--'])).toEqual(['--verbose']);
  });

  describe('rejects', () => {
    it.each([
      [['--bogus'], 'SC_ERR_CONFIG_UNKNOWN_FLAG', '--bogus: unknown option (see shardcache --help)'],
      [['--bogus=1'], 'SC_ERR_CONFIG_UNKNOWN_FLAG', '--bogus: unknown option (see shardcache --help)'],
      [['-x'], 'SC_ERR_CONFIG_UNKNOWN_FLAG', '-x: unknown option (see shardcache --help)'],
      [['-vx'], 'SC_ERR_CONFIG_UNKNOWN_FLAG', '-x: unknown option (see shardcache --help)'],
      [['--unixSocket=/tmp/s'], 'SC_ERR_CONFIG_UNKNOWN_FLAG', '--unixSocket: unknown option (see shardcache --help)'],
      [['-p'], 'SC_ERR_CONFIG_MISSING_VALUE', '--port: requires a value'],
      [['--port'], 'SC_ERR_CONFIG_MISSING_VALUE', '--port: requires a value'],
      [['-vvm'], 'SC_ERR_CONFIG_MISSING_VALUE', '--memory-limit: requires a value'],
      [['--enable-shutdown=yes'], 'SC_ERR_CONFIG_UNEXPECTED_VALUE', '--enable-shutdown: takes no value'],
      [['--verbose=2'], 'SC_ERR_CONFIG_UNEXPECTED_VALUE', '--verbose: takes no value'],
      [
        ['11211'],
        'SC_ERR_CONFIG_UNEXPECTED_ARGUMENT',
        '"11211": unexpected argument (shardcache takes options only; see shardcache --help)',
      ],
      [
        ['-v', '--', 'extra'],
        'SC_ERR_CONFIG_UNEXPECTED_ARGUMENT',
        '"extra": unexpected argument (shardcache takes options only; see shardcache --help)',
      ],
      [['-'], 'SC_ERR_CONFIG_UNEXPECTED_ARGUMENT', '"-": unexpected argument (shardcache takes options only; see shardcache --help)'],
    ])('%j with %s', (argv, code, message) => {
      const err = thrown(() => normalizeArgv(argv));
      expect(err.code).toBe(code);
      expect(err.message).toBe(message);
    });
  });
});

describe('parseArgs', () => {
  it('returns nothing for an empty command line', () => {
    expect(parseArgs([])).toEqual({ values: {}, enableShutdown: false, enableSasl: false, redisCluster: false, verbose: 0, help: false, version: false });
  });

  it('keeps every value as typed text, repeated ones in order', () => {
    const args = parseArgs(['-p', '1', '--port=2', '-l', 'a', '-l', 'b', '-m', '2g']);
    expect(args.values).toEqual({ port: ['1', '2'], listen: ['a', 'b'], 'memory-limit': ['2g'] });
  });

  it('counts -v, -vv, -vvv and -v -v', () => {
    expect(parseArgs(['-v']).verbose).toBe(1);
    expect(parseArgs(['-vv']).verbose).toBe(2);
    expect(parseArgs(['-vvv']).verbose).toBe(3);
    expect(parseArgs(['-v', '--verbose']).verbose).toBe(2);
  });

  it('reads -A, -h, -V and their long names', () => {
    expect(parseArgs(['-A', '-h', '-V'])).toMatchObject({ enableShutdown: true, help: true, version: true });
    expect(parseArgs(['--enable-shutdown', '--help', '--version'])).toMatchObject({
      enableShutdown: true,
      help: true,
      version: true,
    });
  });

  it('does not read process.argv or exit', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      parseArgs(['--help']);
      parseArgs(['--version']);
      expect(exit).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
    }
  });
});

describe('buildArgsParser', () => {
  it('is strict: an unknown option throws a ConfigError instead of printing', () => {
    const err = thrown(() => buildArgsParser().parseSync(['--nope']));
    expect(err.code).toBe(codes.SC_ERR_CONFIG_INVALID.code);
    expect(err.message).toMatch(/Unknown argument: nope/);
  });

  it('knows every option by its long and short name', () => {
    const parsed = buildArgsParser().parseSync(['--port=1', '-t', '2']) as Record<string, unknown>;
    expect(parsed['port']).toBe('1');
    expect(parsed['threads']).toBe('2');
  });
});
