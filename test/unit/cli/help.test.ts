import fs from 'node:fs';
import path from 'node:path';
import { OPTIONS, OPTION_NAMES, type OptionSpec } from '../../../src/cli/args';
import { formatHelp, formatVersion } from '../../../src/cli/help';
import { defaultThreads } from '../../../src/config/defaults';

const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

describe('formatHelp', () => {
  const help = formatHelp();
  const lines = help.trimEnd().split('\n');

  it.each(OPTION_NAMES)('lists --%s with its short name, on one row, as memcached does', (name) => {
    const short = (OPTIONS[name] as OptionSpec).short;
    const row = lines.find((line) => line.startsWith(short === undefined ? `    --${name}` : `-${short}, --${name}`));
    expect(row).toBeDefined();
  });

  it('shows the value placeholders memcached shows', () => {
    expect(help).toContain('-p, --port=<num>          TCP port to listen on (default: 11211)\n');
    expect(help).toContain('-s, --unix-socket=<file>  UNIX socket to listen on (disables network support)\n');
    expect(help).toContain('-n, --slab-min-size=<bytes> min space used for key+value+flags (default: 48)\n');
    expect(help).toContain('-A, --enable-shutdown     enable ascii "shutdown" command\n');
  });

  it('shows every default', () => {
    expect(help).toContain('(default: 11211)');
    expect(help).toContain('(default: 0, off)');
    expect(help).toContain('(default: 700)');
    expect(help).toContain('(default: 127.0.0.1)');
    expect(help).toContain('(default: 64)');
    expect(help).toContain('(default: 1024)');
    expect(help).toContain('(default: 1.25)');
    expect(help).toContain('(default: 48)');
    expect(help).toContain(`(default: ${defaultThreads()}, CPUs - 1, at least 1)`);
    expect(help).toContain('(default: 1m, min: 1k, max: 128m; at most half of -m)');
  });

  it("has memcached's -vv and -vvv rows", () => {
    expect(lines).toContain('-vv                       very verbose (also print client commands/responses)');
    expect(lines).toContain('-vvv                      extremely verbose (internal state transitions)');
  });

  it('says that UDP is not supported', () => {
    expect(help).toMatch(/UDP is not supported/);
  });

  it('explains the environment variables and the precedence', () => {
    expect(help).toContain('SHARDCACHE_<LONG_NAME>');
    expect(help).toContain('SHARDCACHE_MEMORY_LIMIT=1g');
    expect(help).toMatch(/command line win over the environment, which wins over defaults/);
  });

  it('starts with the name and version and fits in 80 columns', () => {
    expect(lines[0]).toBe(`shardcache ${PACKAGE_VERSION}`);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(help.endsWith('\n')).toBe(true);
  });

  it('aligns descriptions at column 26 unless the flags are longer', () => {
    for (const line of lines.filter((l) => l.startsWith('-'))) {
      const flags = /^-\w+(?:, --\S+)?/.exec(line)![0];
      if (flags.length < 26) expect(line.slice(flags.length, 26).trim()).toBe('');
    }
  });
});

describe('formatVersion', () => {
  it("prints package.json's version in memcached's -V format", () => {
    expect(formatVersion()).toBe(`shardcache ${PACKAGE_VERSION}\n`);
  });
});
