import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { OPTIONS, type OptionSpec, type ValueOptionName } from '../../../src/cli/args';
import { formatHelp, formatVersion } from '../../../src/cli/help';
import type { Config } from '../../../src/config/config';
import { loadConfig, parseCommandLine } from '../../../src/config/load';
import { ConfigError, EX_USAGE } from '../../../src/errors';

const MIB = 1024 * 1024;
const NO_ENV: NodeJS.ProcessEnv = {};

const DEFAULT_CONFIG: Config = {
  port: 11211,
  idleTimeoutSeconds: 0,
  shutdownTimeoutSeconds: 10,
  redisPort: 0,
  adminPort: 0,
  cluster: { kind: 'self' },
  tls: null,
  listen: ['127.0.0.1'],
  unixSocket: null,
  unixMask: 0o700,
  memoryLimitNote: null,
  memoryLimitBytes: 64 * MIB,
  connLimit: 1024,
  threads: Math.min(256, Math.max(1, os.availableParallelism() - 1)),
  maxItemSize: 1 * MIB,
  growthFactor: 1.25,
  slabMinSize: 48,
  verbosity: 0,
  enableShutdown: false,
  enableSasl: false,
  redisCluster: false,
  authFile: null,
};

function configError(argv: string[], env: NodeJS.ProcessEnv = NO_ENV): ConfigError {
  try {
    loadConfig(argv, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe('loadConfig', () => {
  describe('defaults', () => {
    it("are memcached's, except listening on loopback and one shard per CPU", () => {
      expect(loadConfig([], NO_ENV)).toEqual(DEFAULT_CONFIG);
    });

    it('ignore environment variables that are empty or not ours', () => {
      expect(loadConfig([], { SHARDCACHE_PORT: '', SHARDCACHE_THREADS: '  ', PORT: '1', SHARDCACHE_HELP: '1' })).toEqual(
        DEFAULT_CONFIG,
      );
    });
  });

  it('returns a deeply frozen object', () => {
    const config = loadConfig(['-l', 'a.example,b.example'], NO_ENV);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.listen)).toBe(true);
  });

  describe('every option by short name, long name and environment variable', () => {
    // Two valid values each: `a` for the command line, `b` for the environment.
    const cases: [ValueOptionName, string, Partial<Config>, string, Partial<Config>][] = [
      ['port', '11311', { port: 11311 }, '11411', { port: 11411 }],
      ['udp-port', '0', {}, '00', {}],
      ['unix-socket', '/tmp/a.sock', { unixSocket: '/tmp/a.sock', port: 0 }, '/tmp/b.sock', { unixSocket: '/tmp/b.sock', port: 0 }],
      ['unix-mask', '0755', { unixMask: 0o755 }, '600', { unixMask: 0o600 }],
      ['listen', '0.0.0.0,::1', { listen: ['0.0.0.0', '::1'] }, 'localhost', { listen: ['localhost'] }],
      ['memory-limit', '128', { memoryLimitBytes: 128 * MIB }, '1g', { memoryLimitBytes: 1024 * MIB }],
      ['conn-limit', '10', { connLimit: 10 }, '20000', { connLimit: 20000 }],
      ['threads', '3', { threads: 3 }, '256', { threads: 256 }],
      ['max-item-size', '2m', { maxItemSize: 2 * MIB }, '512k', { maxItemSize: 512 * 1024 }],
      ['slab-growth-factor', '1.5', { growthFactor: 1.5 }, '2', { growthFactor: 2 }],
      ['slab-min-size', '96', { slabMinSize: 96 }, '1', { slabMinSize: 1 }],
    ];

    describe.each(cases)('--%s', (name, a, expectA, b, expectB) => {
      const short = `-${(OPTIONS[name] as OptionSpec).short}`;
      const envName = `SHARDCACHE_${name.toUpperCase().replace(/-/g, '_')}`;

      it(`as ${short} ${a}`, () => {
        expect(loadConfig([short, a], NO_ENV)).toEqual({ ...DEFAULT_CONFIG, ...expectA });
      });
      it(`as ${short}${a} (getopt style)`, () => {
        expect(loadConfig([`${short}${a}`], NO_ENV)).toEqual({ ...DEFAULT_CONFIG, ...expectA });
      });
      it(`as --${name}=${a}`, () => {
        expect(loadConfig([`--${name}=${a}`], NO_ENV)).toEqual({ ...DEFAULT_CONFIG, ...expectA });
      });
      it(`as --${name} ${a}`, () => {
        expect(loadConfig([`--${name}`, a], NO_ENV)).toEqual({ ...DEFAULT_CONFIG, ...expectA });
      });
      it(`as ${envName}=${b}`, () => {
        expect(loadConfig([], { [envName]: b })).toEqual({ ...DEFAULT_CONFIG, ...expectB });
      });
      it(`with the command line beating ${envName}`, () => {
        expect(loadConfig([short, a], { [envName]: b })).toEqual({ ...DEFAULT_CONFIG, ...expectA });
      });
    });

    describe('--enable-shutdown', () => {
      it.each([['-A'], ['--enable-shutdown']])('as %s', (flag) => {
        expect(loadConfig([flag], NO_ENV).enableShutdown).toBe(true);
      });
      it.each([
        ['1', true],
        ['true', true],
        ['YES', true],
        ['on', true],
        ['0', false],
        ['false', false],
        ['no', false],
        ['off', false],
      ])('as SHARDCACHE_ENABLE_SHUTDOWN=%s', (text, expected) => {
        expect(loadConfig([], { SHARDCACHE_ENABLE_SHUTDOWN: text }).enableShutdown).toBe(expected);
      });
      it('with -A beating SHARDCACHE_ENABLE_SHUTDOWN=0', () => {
        expect(loadConfig(['-A'], { SHARDCACHE_ENABLE_SHUTDOWN: '0' }).enableShutdown).toBe(true);
      });
    });

    describe('--verbose', () => {
      it.each([
        [['-v'], 1],
        [['-vv'], 2],
        [['-vvv'], 3],
        [['-v', '-v'], 2],
        [['--verbose', '--verbose', '--verbose'], 3],
        [['-vvvv'], 3],
      ])('%j gives verbosity %d', (argv, level) => {
        expect(loadConfig(argv, NO_ENV).verbosity).toBe(level);
      });
      it.each([['0', 0], ['2', 2], ['3', 3]])('as SHARDCACHE_VERBOSE=%s', (text, level) => {
        expect(loadConfig([], { SHARDCACHE_VERBOSE: text }).verbosity).toBe(level);
      });
      it('with -v beating SHARDCACHE_VERBOSE', () => {
        expect(loadConfig(['-v'], { SHARDCACHE_VERBOSE: '3' }).verbosity).toBe(1);
      });
    });
  });

  describe('precedence', () => {
    it('is command line, then environment, then default, option by option', () => {
      const config = loadConfig(['-p', '1000', '-t', '4'], {
        SHARDCACHE_PORT: '2000',
        SHARDCACHE_MEMORY_LIMIT: '256',
        SHARDCACHE_VERBOSE: '1',
      });
      expect(config).toEqual({ ...DEFAULT_CONFIG, port: 1000, threads: 4, memoryLimitBytes: 256 * MIB, verbosity: 1 });
    });

    it('lets the last of a repeated option win, as getopt does', () => {
      expect(loadConfig(['-p', '1', '-p', '2'], NO_ENV).port).toBe(2);
    });

    it('accumulates repeated -l, as memcached does, replacing SHARDCACHE_LISTEN', () => {
      expect(loadConfig(['-l', '10.0.0.1', '-l', '10.0.0.2,10.0.0.1'], { SHARDCACHE_LISTEN: '0.0.0.0' }).listen).toEqual([
        '10.0.0.1',
        '10.0.0.2',
      ]);
    });

    it('trims environment values', () => {
      expect(loadConfig([], { SHARDCACHE_PORT: ' 11311\n' }).port).toBe(11311);
    });
  });

  describe('sizes', () => {
    it.each([
      ['64', 64 * MIB],
      ['512k', 512 * 1024],
      ['512K', 512 * 1024],
      ['64m', 64 * MIB],
      ['2g', 2048 * MIB],
      ['2G', 2048 * MIB],
    ])('-m %s is %d bytes (a bare number is megabytes)', (text, bytes) => {
      expect(loadConfig(['-m', text, '-I', '1k'], NO_ENV).memoryLimitBytes).toBe(bytes);
    });

    it.each([
      ['1024', 1024],
      ['1k', 1024],
      ['4096', 4096],
      ['2M', 2 * MIB],
      ['128m', 128 * MIB],
    ])('-I %s is %d bytes (a bare number is bytes)', (text, bytes) => {
      expect(loadConfig(['-m', '1g', '-I', text], NO_ENV).maxItemSize).toBe(bytes);
    });
  });

  describe('the -I <= -m/2 rule', () => {
    it('accepts an item size of exactly half the memory limit', () => {
      expect(loadConfig(['-m', '2', '-I', '1m'], NO_ENV)).toMatchObject({ memoryLimitBytes: 2 * MIB, maxItemSize: MIB });
    });

    it("rejects more, with memcached's reason and both values", () => {
      const err = configError(['-m', '2', '-I', '1025k']);
      expect(err.code).toBe('SC_ERR_CONFIG_CONFLICT');
      expect(err.message).toBe(
        '--max-item-size: cannot set item size limit higher than 1/2 of memory max (--max-item-size 1025k, --memory-limit 2m)',
      );
    });

    it('applies to the default item size too', () => {
      expect(configError(['-m', '1']).message).toBe(
        '--max-item-size: cannot set item size limit higher than 1/2 of memory max (--max-item-size 1m, --memory-limit 1m)',
      );
    });

    it('names the environment variable that set the item size', () => {
      expect(configError(['-m', '1'], { SHARDCACHE_MAX_ITEM_SIZE: '1m' }).message).toMatch(
        /^--max-item-size \(from SHARDCACHE_MAX_ITEM_SIZE\): cannot set item size limit higher than 1\/2 of memory max/,
      );
    });
  });

  it('turns TCP off for a UNIX socket, as memcached does ("disables network support")', () => {
    expect(loadConfig(['-s', '/tmp/sc.sock', '-p', '11311'], NO_ENV)).toMatchObject({ port: 0, unixSocket: '/tmp/sc.sock' });
  });

  it('accepts IPv6 in brackets and drops duplicate addresses', () => {
    expect(loadConfig(['-l', '[::1], 127.0.0.1,::1'], NO_ENV).listen).toEqual(['::1', '127.0.0.1']);
  });

  describe('rejects, in one line naming the flag', () => {
    const long = '/tmp/' + 'x'.repeat(103);
    it.each([
      [['-p', 'abc'], '--port: "abc" is not a port number (0 to 65535)'],
      [['-p', '65536'], '--port: "65536" is not a port number (0 to 65535)'],
      [['-p', '-1'], '--port: "-1" is not a port number (0 to 65535)'],
      [['-p', ''], '--port: "" is not a port number (0 to 65535)'],
      [['-U', '11211'], '--udp-port: UDP is not supported; only 0 (off) is accepted, not "11211"'],
      [['--udp-port=x'], '--udp-port: UDP is not supported; only 0 (off) is accepted, not "x"'],
      [['-s', ''], '--unix-socket: "" is not a socket path'],
      [['-s', long], `--unix-socket: "${long}" is 108 bytes long; a UNIX socket path may be at most 107`],
      [['-a', '800'], '--unix-mask: "800" is not an octal mask (0 to 777, e.g. 700)'],
      [['-a', '1777'], '--unix-mask: "1777" is not an octal mask (0 to 777, e.g. 700)'],
      [['-a', 'rwx'], '--unix-mask: "rwx" is not an octal mask (0 to 777, e.g. 700)'],
      [['-l', 'a b'], '--listen: "a b" is not an address (use IP addresses or host names, comma separated)'],
      [['-l', '127.0.0.1,,::1'], '--listen: "" is not an address (use IP addresses or host names, comma separated)'],
      [['-l', '999.1.1.1'], '--listen: "999.1.1.1" is not an address (use IP addresses or host names, comma separated)'],
      [['-l', '127.0.0.1:11212'], '--listen: "127.0.0.1:11212": a port per address is not supported; use --port'],
      [
        ['-m', '3z'],
        '--memory-limit: "3z" is not a size (use megabytes, a number with a k/m/g suffix such as 512k or 2g, or auto, 2k to 1024g)',
      ],
      [['-m', '1.5g'], '--memory-limit: "1.5g" is not a size (use megabytes, a number with a k/m/g suffix such as 512k or 2g, or auto, 2k to 1024g)'],
      [['-m', '0'], '--memory-limit: "0" is out of range (2k to 1024g)'],
      [['-m', '2048g'], '--memory-limit: "2048g" is out of range (2k to 1024g)'],
      [['-c', '0'], '--conn-limit: "0" is out of range (1 to 2147483647)'],
      [['-c', 'many'], '--conn-limit: "many" is not a whole number (1 to 2147483647)'],
      [['-t', '0'], '--threads: "0" is out of range (1 to 256)'],
      [['-t', '257'], '--threads: "257" is out of range (1 to 256)'],
      [['-t', '2.5'], '--threads: "2.5" is not a whole number (1 to 256)'],
      [['-I', '3z'], '--max-item-size: "3z" is not a size (use a number with an optional k/m suffix, 1k to 128m)'],
      [['-I', '1g'], '--max-item-size: "1g" is not a size (use a number with an optional k/m suffix, 1k to 128m)'],
      [['-I', '1023'], '--max-item-size: "1023" is out of range (1k to 128m)'],
      [['-m', '1g', '-I', '129m'], '--max-item-size: "129m" is out of range (1k to 128m)'],
      [['-I', '1500'], '--max-item-size: 1500 bytes is not a multiple of 8 (slab chunks are 8-byte aligned)'],
      [['-f', '1'], '--slab-growth-factor: "1" must be greater than 1'],
      [['-f', '1.0'], '--slab-growth-factor: "1.0" must be greater than 1'],
      [['-f', '0.5'], '--slab-growth-factor: "0.5" must be greater than 1'],
      [['-f', 'fast'], '--slab-growth-factor: "fast" is not a number (a decimal greater than 1, e.g. 1.25)'],
      [['-n', '0'], '--slab-min-size: "0" is out of range (1 to 134217728)'],
      [['-n', '600', '-I', '1k'], '--slab-min-size: 600 is more than half of --max-item-size (1k)'],
      [['--bogus'], '--bogus: unknown option (see shardcache --help)'],
      [['-p'], '--port: requires a value'],
    ])('%j', (argv, message) => {
      const err = configError(argv);
      expect(err.message).toBe(message);
      expect(err.message).not.toMatch(/\n/);
      expect(err.exitCode).toBe(EX_USAGE);
    });

    it.each([
      ['SHARDCACHE_PORT', 'abc', '--port (from SHARDCACHE_PORT): "abc" is not a port number (0 to 65535)'],
      ['SHARDCACHE_UDP_PORT', '11211', '--udp-port (from SHARDCACHE_UDP_PORT): UDP is not supported; only 0 (off) is accepted, not "11211"'],
      ['SHARDCACHE_THREADS', '0', '--threads (from SHARDCACHE_THREADS): "0" is out of range (1 to 256)'],
      ['SHARDCACHE_VERBOSE', '4', '--verbose (from SHARDCACHE_VERBOSE): "4" is out of range (0 to 3)'],
      ['SHARDCACHE_VERBOSE', 'loud', '--verbose (from SHARDCACHE_VERBOSE): "loud" is not a whole number (0 to 3)'],
      [
        'SHARDCACHE_ENABLE_SHUTDOWN',
        'maybe',
        '--enable-shutdown (from SHARDCACHE_ENABLE_SHUTDOWN): "maybe" is not a boolean (use 1/0, true/false, yes/no or on/off)',
      ],
      ['SHARDCACHE_LISTEN', 'a\nb', '--listen (from SHARDCACHE_LISTEN): "a\\nb" is not an address (use IP addresses or host names, comma separated)'],
    ])('%s=%j', (name, value, message) => {
      const err = configError([], { [name]: value });
      expect(err.message).toBe(message);
      expect(err.source).toBe('env');
      expect(err.flag).toBe(message.split(/[ :]/)[0]);
    });

    it('carries the flag and where the value came from', () => {
      const err = configError(['--threads=0']);
      expect(err).toMatchObject({ flag: '--threads', source: 'argv', code: 'SC_ERR_CONFIG_INVALID', name: 'ConfigError' });
    });

    it('does not look at an invalid environment value that the command line overrides', () => {
      expect(loadConfig(['-p', '1'], { SHARDCACHE_PORT: 'abc' }).port).toBe(1);
    });
  });
});

describe('parseCommandLine', () => {
  it('returns the Config to run with', () => {
    expect(parseCommandLine(['-p', '11311'], NO_ENV)).toEqual({ action: 'run', config: { ...DEFAULT_CONFIG, port: 11311 } });
  });

  it.each([['-h'], ['--help']])('%s returns the help text', (flag) => {
    expect(parseCommandLine([flag], NO_ENV)).toEqual({ action: 'help', text: formatHelp() });
  });

  it.each([['-V'], ['--version']])('%s returns the version text', (flag) => {
    expect(parseCommandLine([flag], NO_ENV)).toEqual({ action: 'version', text: formatVersion() });
  });

  it('prefers help to version, and both to validating other values', () => {
    expect(parseCommandLine(['--version', '-h', '-p', 'abc'], { SHARDCACHE_THREADS: '0' }).action).toBe('help');
    expect(parseCommandLine(['-t', '0', '--version'], NO_ENV).action).toBe('version');
  });

  it('still rejects an unknown option next to --help', () => {
    expect(() => parseCommandLine(['--help', '--bogus'], NO_ENV)).toThrow('--bogus: unknown option (see shardcache --help)');
  });

  it('does not print or exit', () => {
    const write = jest.spyOn(process.stdout, 'write');
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      parseCommandLine(['--help'], NO_ENV);
      parseCommandLine(['--version'], NO_ENV);
      expect(write).not.toHaveBeenCalled();
      expect(exit).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
      exit.mockRestore();
    }
  });
});

describe('authentication flags', () => {
  it('-Y sets the auth file and -S turns SASL on', () => {
    const config = loadConfig(['-S', '-Y', '/etc/shardcache/auth'], NO_ENV);
    expect(config.enableSasl).toBe(true);
    expect(config.authFile).toBe('/etc/shardcache/auth');
  });

  it("takes memcached's MEMCACHED_SASL_PWDB when no auth file is given", () => {
    expect(loadConfig(['--enable-sasl'], { MEMCACHED_SASL_PWDB: '/run/pwdb' }).authFile).toBe('/run/pwdb');
  });

  it('refuses SASL without credentials', () => {
    expect(configError(['-S']).message).toMatch(/--enable-sasl.*--auth-file/);
  });
});

describe('cluster membership flags', () => {
  it('takes one source: a static list, a file, or DNS with its interval', () => {
    expect(loadConfig(['--cluster-nodes', 'a:11211, b|10.0.0.2|11211'], NO_ENV).cluster).toEqual({ kind: 'static', nodes: 'a:11211,b|10.0.0.2|11211' });
    expect(loadConfig(['--cluster-file', '/etc/shardcache/nodes'], NO_ENV).cluster).toEqual({ kind: 'file', path: '/etc/shardcache/nodes' });
    expect(loadConfig(['--cluster-dns', '_memcache._tcp.cache.ns.svc.cluster.local', '--cluster-dns-interval', '10'], NO_ENV).cluster).toEqual({
      kind: 'dns',
      name: '_memcache._tcp.cache.ns.svc.cluster.local',
      intervalSeconds: 10,
    });
    expect(loadConfig([], { SHARDCACHE_CLUSTER_DNS: 'cache.ns.svc' }).cluster).toEqual({ kind: 'dns', name: 'cache.ns.svc', intervalSeconds: 5 });
    expect(loadConfig([], NO_ENV).cluster).toEqual({ kind: 'self' });
  });

  it('refuses two sources, a bad node, a bad name', () => {
    expect(configError(['--cluster-nodes', 'a:1', '--cluster-file', '/x']).message).toMatch(/choose one membership source/);
    expect(configError(['--cluster-nodes', 'a:1,b']).message).toMatch(/--cluster-nodes.*"b" is not host:port/);
    expect(configError(['--cluster-nodes', 'a:99999']).message).toMatch(/--cluster-nodes/);
    expect(configError(['--cluster-dns', 'bad name']).message).toMatch(/--cluster-dns.*not a DNS name/);
    expect(configError(['--cluster-dns-interval', '0']).message).toMatch(/--cluster-dns-interval/);
  });

  it('turns Redis Cluster mode on with --redis-cluster or SHARDCACHE_REDIS_CLUSTER (off by default)', () => {
    expect(loadConfig([], NO_ENV).redisCluster).toBe(false);
    expect(loadConfig(['--redis-cluster'], NO_ENV).redisCluster).toBe(true);
    expect(loadConfig([], { SHARDCACHE_REDIS_CLUSTER: 'yes' }).redisCluster).toBe(true);
    expect(loadConfig([], { SHARDCACHE_REDIS_CLUSTER: '0' }).redisCluster).toBe(false);
    expect(loadConfig(['--redis-cluster'], { SHARDCACHE_REDIS_CLUSTER: '0' }).redisCluster).toBe(true);
    expect(configError([], { SHARDCACHE_REDIS_CLUSTER: 'maybe' }).message).toMatch(/--redis-cluster.*not a boolean/);
  });
});

describe('--memory-limit auto', () => {
  const MiB = 1024 * 1024;
  /** A fake cgroup tree: v2 memory.max at the root, or v1 memory.limit_in_bytes. */
  function cgroupRoot(files: Record<string, string>): NodeJS.ProcessEnv {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-cgroup-'));
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      fs.writeFileSync(path.join(root, name), text);
    }
    return { SHARDCACHE_CGROUP_ROOT: root, SHARDCACHE_PROC_SELF_CGROUP: path.join(root, 'no-such-file') };
  }

  it('sizes the cache from a cgroup v2 limit, leaving headroom for the process', () => {
    const config = loadConfig(['-m', 'auto'], cgroupRoot({ 'memory.max': String(1024 * MiB) }));
    // (1024 − 96) MiB ÷ 1.15, whole MiB.
    expect(config.memoryLimitBytes).toBe(806 * MiB);
    expect(config.memoryLimitNote).toMatch(/container limit 1g → cache 806m/);
  });

  it('reads cgroup v1 too, and falls back to the default without a limit', () => {
    expect(loadConfig(['--memory-limit', 'auto'], cgroupRoot({ 'memory/memory.limit_in_bytes': String(512 * MiB) })).memoryLimitBytes).toBe(361 * MiB);
    const unlimited = loadConfig(['-m', 'auto'], cgroupRoot({ 'memory/memory.limit_in_bytes': '9223372036854771712' }));
    expect(unlimited.memoryLimitBytes).toBe(64 * MiB);
    expect(unlimited.memoryLimitNote).toMatch(/no cgroup memory limit/);
  });

  it('refuses a limit that leaves no room for the cache', () => {
    expect(configError(['-m', 'auto'], cgroupRoot({ 'memory.max': String(97 * MiB) })).message).toMatch(/--memory-limit.*auto/);
  });
});

describe('TLS flags', () => {
  it('needs a certificate and a key for a TLS port, and a port for the files', () => {
    expect(loadConfig(['--tls-port', '11212', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'], NO_ENV).tls).toEqual({
      port: 11212,
      redisPort: 0,
      certFile: 'c.pem',
      keyFile: 'k.pem',
      caFile: null,
    });
    expect(loadConfig(['--tls-redis-port', '6380', '--tls-cert', 'c', '--tls-key', 'k', '--tls-ca', 'ca'], NO_ENV).tls).toMatchObject({ redisPort: 6380, caFile: 'ca' });
    expect(configError(['--tls-port', '11212', '--tls-cert', 'c.pem']).message).toMatch(/--tls-port: TLS needs --tls-cert <file> and --tls-key <file>/);
    expect(configError(['--tls-cert', 'c.pem']).message).toMatch(/--tls-cert: no TLS port/);
    expect(loadConfig([], NO_ENV).tls).toBeNull();
  });
});
