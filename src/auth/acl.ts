/**
 * Redis ACL users for the RESP port: the ACL file syntax (a subset of Redis
 * 7's `user <name> <rule>...` lines), the rules as Redis applies them, and the
 * checks a command must pass (command allowed, key patterns, channel patterns).
 *
 * Which commands exist and which categories (`@read`, `@admin`, ...) they
 * belong to is not known here: the caller passes an `AclCatalogue` built from
 * the RESP command table, so commands added to the table later are covered by
 * `+@category` rules without touching this file.
 *
 * Passwords are kept only as SHA-256 digests and compared in constant time;
 * no error message or description ever contains a password (rules starting
 * with `>` or `<` are never echoed).
 *
 * May import node built-ins only (no protocol, server or store modules).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One command or subcommand the daemon serves, as ACL rules see it. */
export interface AclCommand {
  /** Lower-case full name: `get`, `client|list`. */
  readonly name: string;
  /** Category names without `@` (`read`, `fast`, `string`, ...). */
  readonly categories: readonly string[];
}

export interface AclCatalogue {
  /** Every runnable command and subcommand (a container that runs alone, such as `command`, is listed too). */
  readonly commands: readonly AclCommand[];
  /** Every category name ACL CAT lists, without `@`, in Redis's order. */
  readonly categories: readonly string[];
}

export class AclError extends Error {}

/** Redis's glob over bytes; injected so this module stays free of protocol imports. */
export type GlobMatcher = (pattern: Uint8Array, text: Uint8Array) => boolean;

const DIGEST_HEX = /^[0-9a-f]{64}$/;

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** A user, built rule by rule by `applyRule`; never changed once loaded (a reload builds new objects). */
export class AclUser {
  enabled = false;
  nopass = false;
  /** SHA-256 digests of the passwords (Redis keeps the same and shows them as `#<hex>`). */
  readonly passwords: Buffer[] = [];
  readonly allowed = new Set<string>();
  /** The command rules as given after compaction, for ACL LIST / GETUSER (`+@all -flushall`). */
  commandRules: string[] = [];
  keyPatterns: Buffer[] = [];
  allKeys = false;
  channelPatterns: Buffer[] = [];
  allChannels = false;
  /** Set when every command, key and channel is allowed: the session skips all checks. */
  unrestricted = false;
  /** Set on the old object when a reload replaced or removed this user. */
  replaced = false;

  constructor(readonly name: string) {}

  /** True when `password` is one of this user's (or the user is nopass). Constant time over the stored digests. */
  passwordMatches(password: Uint8Array): boolean {
    const given = sha256(password);
    let match = false;
    for (const digest of this.passwords) if (timingSafeEqual(digest, given)) match = true;
    return match || this.nopass;
  }

  mayRun(commandName: string): boolean {
    return this.allowed.has(commandName);
  }

  mayAccessKey(key: Uint8Array, glob: GlobMatcher): boolean {
    if (this.allKeys) return true;
    for (const pattern of this.keyPatterns) if (glob(pattern, key)) return true;
    return false;
  }

  /** PUBLISH / SUBSCRIBE: the channel must match a pattern. */
  mayAccessChannel(channel: Uint8Array, glob: GlobMatcher): boolean {
    if (this.allChannels) return true;
    for (const pattern of this.channelPatterns) if (glob(pattern, channel)) return true;
    return false;
  }

  /** PSUBSCRIBE: Redis requires the pattern to be literally one of the user's patterns. */
  mayAccessChannelPattern(pattern: Uint8Array): boolean {
    if (this.allChannels) return true;
    return this.channelPatterns.some((p) => Buffer.compare(p, pattern) === 0);
  }

  /** The rules that rebuild this user, as ACL LIST shows them (`user alice on #… ~app:* resetchannels -@all +get`). */
  describe(): string {
    return `user ${this.name} ${this.flagWords().join(' ')} ${this.passwordWords().join(' ')}${this.patternWords()} ${this.commandRules.join(' ')}`
      .replace(/ {2,}/g, ' ')
      .trim();
  }

  flagWords(): string[] {
    const flags = [this.enabled ? 'on' : 'off'];
    if (this.nopass) flags.push('nopass');
    return flags;
  }

  passwordWords(): string[] {
    return this.nopass ? [] : this.passwords.map((d) => `#${d.toString('hex')}`);
  }

  keysDescription(): string {
    if (this.allKeys) return '~*';
    return this.keyPatterns.map((p) => `~${p.toString('latin1')}`).join(' ');
  }

  channelsDescription(): string {
    if (this.allChannels) return '&*';
    return this.channelPatterns.map((p) => `&${p.toString('latin1')}`).join(' ');
  }

  private patternWords(): string {
    const keys = this.keysDescription();
    const channels = this.channelsDescription();
    return ` ${keys} ${this.allChannels ? channels : `resetchannels ${channels}`}`;
  }
}

/**
 * Applies one rule to `user`, as `ACL SETUSER` would. Throws AclError with
 * Redis's wording (`Unknown command`, ...) on a rule it cannot apply.
 */
export function applyRule(user: AclUser, rule: string, catalogue: AclCatalogue): void {
  const lower = rule.toLowerCase();
  if (lower === 'on') user.enabled = true;
  else if (lower === 'off') user.enabled = false;
  else if (lower === 'nopass') {
    user.nopass = true;
    user.passwords.length = 0;
  } else if (lower === 'resetpass') {
    user.nopass = false;
    user.passwords.length = 0;
  } else if (rule.startsWith('>')) addPassword(user, sha256(Buffer.from(rule.slice(1), 'utf8')));
  else if (rule.startsWith('<')) removePassword(user, sha256(Buffer.from(rule.slice(1), 'utf8')));
  else if (rule.startsWith('#')) addPassword(user, parseDigest(rule.slice(1)));
  else if (rule.startsWith('!')) removePassword(user, parseDigest(rule.slice(1)));
  else if (lower === 'allkeys' || rule === '~*') {
    user.allKeys = true;
    user.keyPatterns = [];
  } else if (lower === 'resetkeys') {
    user.allKeys = false;
    user.keyPatterns = [];
  } else if (rule.startsWith('~')) {
    if (!user.allKeys) user.keyPatterns.push(Buffer.from(rule.slice(1), 'utf8'));
  } else if (rule.startsWith('%')) {
    throw new AclError('read/write key permissions (%R~ %W~) are not supported; use ~<pattern>');
  } else if (lower === 'allchannels' || rule === '&*') {
    user.allChannels = true;
    user.channelPatterns = [];
  } else if (lower === 'resetchannels') {
    user.allChannels = false;
    user.channelPatterns = [];
  } else if (rule.startsWith('&')) {
    if (!user.allChannels) user.channelPatterns.push(Buffer.from(rule.slice(1), 'utf8'));
  } else if (lower === 'allcommands') applyCommandRule(user, '+@all', catalogue);
  else if (lower === 'nocommands') applyCommandRule(user, '-@all', catalogue);
  else if (rule.startsWith('+') || rule.startsWith('-')) applyCommandRule(user, rule, catalogue);
  else if (lower === 'reset') {
    for (const r of ['resetpass', 'resetkeys', 'resetchannels', 'off', '-@all']) applyRule(user, r, catalogue);
  } else if (rule.startsWith('(') || lower === 'clearselectors') {
    throw new AclError('selectors are not supported');
  } else {
    throw new AclError('Syntax error');
  }
  user.unrestricted = user.allKeys && user.allChannels && user.allowed.size === catalogue.commands.length;
}

function addPassword(user: AclUser, digest: Buffer): void {
  user.nopass = false;
  if (!user.passwords.some((d) => d.equals(digest))) user.passwords.push(digest);
}

function removePassword(user: AclUser, digest: Buffer): void {
  const at = user.passwords.findIndex((d) => d.equals(digest));
  if (at < 0) throw new AclError('The password you are trying to remove from the user does not exist');
  user.passwords.splice(at, 1);
}

function parseDigest(hex: string): Buffer {
  if (!DIGEST_HEX.test(hex)) {
    throw new AclError('The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters');
  }
  return Buffer.from(hex, 'hex');
}

function applyCommandRule(user: AclUser, rule: string, catalogue: AclCatalogue): void {
  const add = rule.startsWith('+');
  const target = rule.slice(1).toLowerCase();
  let names: string[];
  if (target.startsWith('@')) {
    const category = target.slice(1);
    if (category !== 'all' && !catalogue.categories.includes(category)) throw new AclError('Unknown command or category name in ACL');
    names = catalogue.commands.filter((c) => category === 'all' || c.categories.includes(category)).map((c) => c.name);
    if (category === 'all') user.commandRules = [];
  } else {
    // `+client` covers every CLIENT subcommand; `+client|list` just that one.
    names = catalogue.commands.filter((c) => c.name === target || (!target.includes('|') && c.name.startsWith(`${target}|`))).map((c) => c.name);
    if (names.length === 0) throw new AclError('Unknown command or category name in ACL');
  }
  for (const name of names) {
    if (add) user.allowed.add(name);
    else user.allowed.delete(name);
  }
  // Drop an earlier identical or opposite rule for the same target: it no longer says anything.
  user.commandRules = user.commandRules.filter((r) => r.slice(1).toLowerCase() !== target);
  user.commandRules.push(`${add ? '+' : '-'}${target}`);
}

/** A user Redis would create with `ACL SETUSER name`: off, no password, no commands, keys or channels. */
export function newUser(name: string): AclUser {
  const user = new AclUser(name);
  user.commandRules = ['-@all'];
  return user;
}

/** Redis's default user when nothing configures it: `on nopass ~* &* +@all`; with a password, `on #<digest> ~* &* +@all`. */
export function defaultUser(catalogue: AclCatalogue, password: string | null): AclUser {
  const user = newUser('default');
  for (const rule of ['on', 'nopass', 'allkeys', 'allchannels', '+@all']) applyRule(user, rule, catalogue);
  if (password !== null) addPassword(user, sha256(Buffer.from(password, 'utf8')));
  return user;
}

/**
 * Splits a line the way Redis's sdssplitargs does for the ACL file: spaces
 * separate words; "double quotes" take \" \\ \n \t \xHH escapes; 'single quotes' take \'.
 * Returns null on an unbalanced quote.
 */
export function splitArgs(line: string): string[] | null {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        const c = line[i]!;
        if (c === '\\' && i + 1 < line.length) {
          const next = line[i + 1]!;
          const hex = /^x([0-9a-fA-F]{2})/.exec(line.slice(i + 1));
          if (hex !== null) {
            word += String.fromCharCode(parseInt(hex[1]!, 16));
            i += 4;
            continue;
          }
          word += next === 'n' ? '\n' : next === 'r' ? '\r' : next === 't' ? '\t' : next;
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          word += c;
          i++;
        }
      }
    } else if (line[i] === "'") {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '\\' && line[i + 1] === "'") {
          word += "'";
          i += 2;
        } else if (line[i] === "'") {
          i++;
          break;
        } else {
          word += line[i++]!;
        }
      }
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) word += line[i++]!;
      words.push(word);
      continue;
    }
    // A closing quote must be followed by a space or the end (Redis's rule).
    if (i < line.length && !/\s/.test(line[i]!)) return null;
    words.push(word);
  }
  return words;
}

/** A rule quoted in an error message, unless it holds a password. */
function shown(rule: string): string {
  return rule.startsWith('>') || rule.startsWith('<') ? '<password rule>' : `'${rule}'`;
}

/**
 * Parses ACL file text. Blank lines and `#` comments are skipped; every other
 * line is `user <name> <rules...>`, each user at most once. A `default` user
 * the file does not define is Redis's `on nopass ~* &* +@all`.
 * @throws AclError naming the line (never its password).
 */
export function parseAclFile(text: string, catalogue: AclCatalogue, origin = 'ACL file'): Map<string, AclUser> {
  const users = new Map<string, AclUser>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const where = `${origin}:${i + 1}`;
    const trimmed = lines[i]!.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const words = splitArgs(trimmed);
    if (words === null) throw new AclError(`${where}: unbalanced quotes in acl line`);
    if (words[0] !== 'user') throw new AclError(`${where}: should start with user keyword`);
    if (words.length < 2) throw new AclError(`${where}: missing user name`);
    const name = words[1]!;
    if (/[\s\x00-\x1f]/.test(name) || name === '') throw new AclError(`${where}: invalid user name`);
    if (users.has(name)) throw new AclError(`${where}: duplicate user '${name}' found`);
    const user = newUser(name);
    for (const rule of words.slice(2)) {
      try {
        applyRule(user, rule, catalogue);
      } catch (err) {
        throw new AclError(`${where}: Error in user declaration '${name}', rule ${shown(rule)}: ${(err as Error).message}`);
      }
    }
    users.set(name, user);
  }
  if (!users.has('default')) users.set('default', defaultUser(catalogue, null));
  return users;
}

/** Where the users come from: `--requirepass` (the default user's password) or `--acl-file`. */
export interface AclSource {
  readonly requirePass: string | null;
  readonly aclFile: string | null;
}

/**
 * The daemon's users. Without --requirepass and --acl-file, authentication is
 * off: the default user is nopass with every permission, as in Redis, and
 * `enabled` is false so sessions skip every check. `reload()` (SIGHUP, ACL
 * LOAD) swaps the users atomically and marks the old objects `replaced`, so a
 * connection picks up its user's new rules at its next command.
 */
export class AccessControl {
  private users: Map<string, AclUser>;
  /** Counters for INFO (Redis's acl_access_denied_*). */
  deniedAuth = 0;
  deniedCommand = 0;
  deniedKey = 0;
  deniedChannel = 0;

  constructor(
    private readonly source: AclSource,
    readonly catalogue: AclCatalogue,
  ) {
    this.users = new Map([['default', defaultUser(catalogue, source.requirePass)]]);
  }

  /** True when any authentication is configured (the session must check every command). */
  get enabled(): boolean {
    return this.source.requirePass !== null || this.source.aclFile !== null;
  }

  get aclFile(): string | null {
    return this.source.aclFile;
  }

  /**
   * Reads the ACL file (when configured) and replaces the users. On any error
   * the old users stay and AclError says why.
   */
  reload(): void {
    const path = this.source.aclFile;
    if (path === null) return;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new AclError(`cannot read ACL file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const next = parseAclFile(text, this.catalogue, path);
    const previous = this.users;
    this.users = next;
    for (const user of previous.values()) user.replaced = true;
  }

  get(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  /** Users sorted by name (ACL USERS / LIST order). */
  list(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The default user, which new connections start as when it is on and nopass. */
  get defaultUser(): AclUser {
    return this.users.get('default')!;
  }

  /**
   * The user `name` if it is enabled and `password` is its password, else
   * null. Always hashes and compares, so timing does not tell which users exist.
   */
  authenticate(name: string, password: Uint8Array): AclUser | null {
    const user = this.users.get(name);
    const matches = (user ?? PROBE_USER).passwordMatches(password);
    return user !== undefined && user.enabled && matches ? user : null;
  }
}

/** Compared against when the user does not exist, to keep the work the same. */
const PROBE_USER = (() => {
  const probe = new AclUser('');
  probe.passwords.push(sha256(Buffer.from('shardcache-probe')));
  return probe;
})();
