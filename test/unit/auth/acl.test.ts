/**
 * The ACL model on its own: file parsing (Redis's syntax and errors), rule
 * application in order, key / channel patterns, password digests, the
 * categories the RESP command table yields, and reload keeping old users on
 * a bad file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, AclError, parseAclFile, splitArgs, type AclCatalogue } from '../../../src/auth/acl';
import { globMatchBytes } from '../../../src/protocol/resp/glob';
import { respAclCatalogue } from '../../../src/server/resp-auth';

const CATALOGUE: AclCatalogue = {
  categories: ['read', 'write', 'string', 'keyspace', 'admin', 'dangerous', 'fast', 'slow', 'connection'],
  commands: [
    { name: 'get', categories: ['read', 'string', 'fast'] },
    { name: 'set', categories: ['write', 'string', 'slow'] },
    { name: 'del', categories: ['write', 'keyspace', 'slow'] },
    { name: 'flushall', categories: ['write', 'keyspace', 'slow', 'dangerous'] },
    { name: 'client|list', categories: ['admin', 'dangerous', 'slow', 'connection'] },
    { name: 'client|id', categories: ['slow', 'connection'] },
    { name: 'ping', categories: ['fast', 'connection'] },
  ],
};

const hex = (text: string): string => createHash('sha256').update(text).digest('hex');
const key = (text: string): Buffer => Buffer.from(text);

function parse(text: string) {
  return parseAclFile(text, CATALOGUE, 'users.acl');
}

function parseError(text: string): string {
  try {
    parse(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AclError);
    return (err as Error).message;
  }
  throw new Error('expected an AclError');
}

describe('parseAclFile', () => {
  it('reads users, skipping blank lines and comments, and adds Redis\'s default user when the file has none', () => {
    const users = parse('# app users\n\nuser alice on >secret ~app:* +@read\n');
    expect([...users.keys()].sort()).toEqual(['alice', 'default']);
    const defaultUser = users.get('default')!;
    expect(defaultUser.describe()).toBe('user default on nopass ~* &* +@all');
    expect(defaultUser.unrestricted).toBe(true);
  });

  it('applies rules in order, as ACL SETUSER does', () => {
    const alice = parse('user alice on >pw ~* +@all -@dangerous +flushall -del').get('alice')!;
    expect(['get', 'set', 'flushall', 'client|id', 'ping'].every((c) => alice.mayRun(c))).toBe(true);
    expect(alice.mayRun('del')).toBe(false);
    expect(alice.mayRun('client|list')).toBe(false);
    const bob = parse('user bob on nopass ~* -del +@all').get('bob')!;
    expect(bob.mayRun('del')).toBe(true);
  });

  it('lets +command cover its subcommands and +command|sub only that one', () => {
    const users = parse('user a on nopass +client\nuser b on nopass +client|id');
    expect(users.get('a')!.mayRun('client|list')).toBe(true);
    expect(users.get('b')!.mayRun('client|id')).toBe(true);
    expect(users.get('b')!.mayRun('client|list')).toBe(false);
  });

  it('starts a user off, with no password, commands, keys or channels', () => {
    const user = parse('user nobody').get('nobody')!;
    expect(user.enabled).toBe(false);
    expect(user.mayRun('get')).toBe(false);
    expect(user.mayAccessKey(key('x'), globMatchBytes)).toBe(false);
    expect(user.mayAccessChannel(key('x'), globMatchBytes)).toBe(false);
    expect(user.passwordMatches(key(''))).toBe(false);
    expect(user.describe()).toBe('user nobody off resetchannels -@all');
  });

  it('checks passwords as SHA-256 digests: >plain, #digest, <remove, nopass, resetpass', () => {
    const users = parse(`user a on >one #${hex('two')}\nuser b on >x nopass\nuser c on >x resetpass\nuser d on >one >two <one`);
    const a = users.get('a')!;
    expect(a.passwordMatches(key('one'))).toBe(true);
    expect(a.passwordMatches(key('two'))).toBe(true);
    expect(a.passwordMatches(key('three'))).toBe(false);
    expect(a.describe()).toBe(`user a on #${hex('one')} #${hex('two')} resetchannels -@all`);
    expect(users.get('b')!.passwordMatches(key('anything'))).toBe(true);
    expect(users.get('c')!.passwordMatches(key('x'))).toBe(false);
    expect(users.get('d')!.passwordMatches(key('one'))).toBe(false);
    expect(users.get('d')!.passwordMatches(key('two'))).toBe(true);
  });

  it('matches key patterns with Redis globs; allkeys and resetkeys', () => {
    const users = parse('user a on nopass ~app:* ~cache:[ab]?\nuser b on nopass ~x allkeys\nuser c on nopass allkeys resetkeys ~y');
    const a = users.get('a')!;
    expect(a.mayAccessKey(key('app:1'), globMatchBytes)).toBe(true);
    expect(a.mayAccessKey(key('cache:a1'), globMatchBytes)).toBe(true);
    expect(a.mayAccessKey(key('cache:c1'), globMatchBytes)).toBe(false);
    expect(a.mayAccessKey(key('other'), globMatchBytes)).toBe(false);
    expect(users.get('b')!.mayAccessKey(key('anything'), globMatchBytes)).toBe(true);
    expect(users.get('c')!.keysDescription()).toBe('~y');
  });

  it('matches channels by glob, and PSUBSCRIBE patterns literally, as Redis does', () => {
    const user = parse('user a on nopass &news.*').get('a')!;
    expect(user.mayAccessChannel(key('news.sport'), globMatchBytes)).toBe(true);
    expect(user.mayAccessChannel(key('chat'), globMatchBytes)).toBe(false);
    expect(user.mayAccessChannelPattern(key('news.*'))).toBe(true);
    expect(user.mayAccessChannelPattern(key('news.s*'))).toBe(false);
    expect(parse('user b on nopass allchannels').get('b')!.mayAccessChannelPattern(key('any*'))).toBe(true);
  });

  it('describes users the way ACL LIST prints them, keeping rule order and dropping superseded rules', () => {
    const user = parse('user alice on >apw ~app:* -@all +get +set +client|list -get +get').get('alice')!;
    expect(user.describe()).toBe(`user alice on #${hex('apw')} ~app:* resetchannels -@all +set +client|list +get`);
    expect(parse('user carol on nopass ~* &news.* +@all -flushall').get('carol')!.describe()).toBe(
      'user carol on nopass ~* resetchannels &news.* +@all -flushall',
    );
  });

  it.each([
    ['get a', 'users.acl:1: should start with user keyword'],
    ['user', 'users.acl:1: missing user name'],
    ['user a on\nuser a off', "users.acl:2: duplicate user 'a' found"],
    ['user a +nosuch', "users.acl:1: Error in user declaration 'a', rule '+nosuch': Unknown command or category name in ACL"],
    ['user a +@nosuch', "users.acl:1: Error in user declaration 'a', rule '+@nosuch': Unknown command or category name in ACL"],
    ['user a #abc', "users.acl:1: Error in user declaration 'a', rule '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"],
    ['user a bogus', "users.acl:1: Error in user declaration 'a', rule 'bogus': Syntax error"],
    ['user a (+get ~x)', "users.acl:1: Error in user declaration 'a', rule '(+get': selectors are not supported"],
    ['user a %R~x', "users.acl:1: Error in user declaration 'a', rule '%R~x': read/write key permissions (%R~ %W~) are not supported; use ~<pattern>"],
    ['user a "on', 'users.acl:1: unbalanced quotes in acl line'],
  ])('refuses %j: %s', (text, message) => {
    expect(parseError(text)).toBe(message);
  });

  it('never shows a password rule in an error', () => {
    const message = parseError('user a on >hunter2 <hunter3');
    expect(message).not.toContain('hunter');
    expect(message).toContain('<password rule>');
  });
});

describe('splitArgs', () => {
  it("splits like Redis's sdssplitargs: quotes, escapes, and a quote that must end a word", () => {
    expect(splitArgs('user a  on ">with space" \'it\\\'s\'')).toEqual(['user', 'a', 'on', '>with space', "it's"]);
    expect(splitArgs('">\\x41\\n"')).toEqual(['>A\n']);
    expect(splitArgs('"a"b')).toBeNull();
    expect(splitArgs("'open")).toBeNull();
  });
});

describe('AccessControl', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'acl-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is off without --requirepass or --acl-file: the default user is nopass with every permission', () => {
    const control = new AccessControl({ requirePass: null, aclFile: null }, CATALOGUE);
    expect(control.enabled).toBe(false);
    expect(control.defaultUser.nopass).toBe(true);
    expect(control.authenticate('default', key('whatever'))).toBe(control.defaultUser);
  });

  it('gives the default user the --requirepass password', () => {
    const control = new AccessControl({ requirePass: 's3cret', aclFile: null }, CATALOGUE);
    expect(control.enabled).toBe(true);
    expect(control.authenticate('default', key('s3cret'))).toBe(control.defaultUser);
    expect(control.authenticate('default', key('wrong'))).toBeNull();
    expect(control.authenticate('nobody', key('s3cret'))).toBeNull();
    expect(control.defaultUser.describe()).toBe(`user default on #${hex('s3cret')} ~* &* +@all`);
  });

  it('refuses disabled users even with the right password', () => {
    const file = path.join(dir, 'off.acl');
    fs.writeFileSync(file, 'user bob off >pw +@all ~*\n');
    const control = new AccessControl({ requirePass: null, aclFile: file }, CATALOGUE);
    control.reload();
    expect(control.authenticate('bob', key('pw'))).toBeNull();
  });

  it('reloads: new users replace old ones (marked replaced); a bad file keeps the old users', () => {
    const file = path.join(dir, 'users.acl');
    fs.writeFileSync(file, 'user app on >one ~* +@all\n');
    const control = new AccessControl({ requirePass: null, aclFile: file }, CATALOGUE);
    control.reload();
    const before = control.get('app')!;
    fs.writeFileSync(file, 'user app on >two ~* +@read\n');
    control.reload();
    expect(before.replaced).toBe(true);
    expect(control.authenticate('app', key('one'))).toBeNull();
    expect(control.authenticate('app', key('two'))!.mayRun('set')).toBe(false);
    fs.writeFileSync(file, 'user app on >three +nosuch\n');
    expect(() => control.reload()).toThrow(/users\.acl:1: .*Unknown command/);
    expect(control.authenticate('app', key('two'))).not.toBeNull();
    fs.rmSync(file);
    expect(() => control.reload()).toThrow(`cannot read ACL file ${file}: ENOENT`);
    expect(control.authenticate('app', key('two'))).not.toBeNull();
  });
});

describe('respAclCatalogue (categories from the RESP command table)', () => {
  const catalogue = respAclCatalogue();
  const categoriesOf = (name: string): readonly string[] => catalogue.commands.find((c) => c.name === name)!.categories;

  it("derives Redis's categories from group and flags", () => {
    expect([...categoriesOf('get')].sort()).toEqual(['fast', 'read', 'string']);
    expect([...categoriesOf('set')].sort()).toEqual(['slow', 'string', 'write']);
    expect([...categoriesOf('del')].sort()).toEqual(['keyspace', 'slow', 'write']);
    expect([...categoriesOf('flushall')].sort()).toEqual(['dangerous', 'keyspace', 'slow', 'write']);
    expect([...categoriesOf('client|list')].sort()).toEqual(['admin', 'connection', 'dangerous', 'slow']);
    expect([...categoriesOf('auth')].sort()).toEqual(['connection', 'fast']);
    expect([...categoriesOf('publish')].sort()).toEqual(['fast', 'pubsub']);
    expect([...categoriesOf('multi')].sort()).toEqual(['fast', 'transaction']);
    expect([...categoriesOf('acl|list')].sort()).toEqual(['admin', 'dangerous', 'slow']);
  });

  it('lists runnable containers (COMMAND) but not those that need a subcommand (CLIENT)', () => {
    const names = catalogue.commands.map((c) => c.name);
    expect(names).toContain('command');
    expect(names).toContain('command|info');
    expect(names).not.toContain('client');
  });

  it('gives every command at least @fast or @slow, so +@all = +@fast +@slow', () => {
    for (const c of catalogue.commands) expect(c.categories.includes('fast') !== c.categories.includes('slow')).toBe(true);
  });

  it('knows every category Redis 7 lists in ACL CAT', () => {
    expect(catalogue.categories).toEqual([
      'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
      'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
    ]);
  });
});
