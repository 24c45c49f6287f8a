/**
 * Redis authentication and ACLs on the RESP port: AUTH, the AUTH part of
 * HELLO, the ACL subcommands, and `checkAccess`, the check the session runs
 * before dispatch in Redis's order (NOAUTH, then NOPERM for the command, its
 * keys, its channels). The users themselves (file syntax, rules, password
 * digests) live in src/auth/acl.ts; this file adapts them to the command table.
 *
 * When neither --requirepass nor --acl-file is given the session never calls
 * `checkAccess` (one boolean test per command): the default user is nopass
 * with every permission, as in Redis.
 *
 * Passwords are never logged or echoed. May import `src/auth`,
 * `src/protocol/resp` and `src/server` types; not sockets, shards or the store.
 */
import { AccessControl, AclError, type AclCatalogue, type AclCommand, type AclSource, type AclUser } from '../auth/acl';
import {
  ACL_CATEGORIES,
  aclCategories,
  arityAccepts,
  findCommand,
  findSubcommand,
  RESP_COMMANDS,
  type RespCommandSpec,
} from '../protocol/resp/command-table';
import { commandHasKeys, commandKeys } from '../protocol/resp/command-keys';
import { RespErrors, wrongArityError } from '../protocol/resp/errors';
import { globMatchBytes } from '../protocol/resp/glob';
import { OK_REPLY, resp, type RespValue } from '../protocol/resp/reply-encoder';
import type { RespHandler, RespSession } from './resp-session';

export const NOAUTH_ERROR = 'NOAUTH Authentication required.';
export const KEY_DENIED_ERROR = 'NOPERM No permissions to access a key';
export const CHANNEL_DENIED_ERROR = 'NOPERM No permissions to access a channel';
export const HELLO_NOAUTH_ERROR =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';

export function commandDeniedError(user: string, command: string): string {
  return `NOPERM User ${user} has no permissions to run the '${command}' command`;
}

/** What a connection knows about its login. RespSession implements it. */
export interface AuthState {
  /** The user the connection runs as (the default user until AUTH, as in Redis's CLIENT LIST). */
  user: AclUser;
  authenticated: boolean;
}

// ---- the command table as ACL rules see it ----

let catalogue: AclCatalogue | null = null;

/**
 * Every runnable command and subcommand with its categories, built once from
 * the command table (which is complete once the modules are loaded), so
 * commands added to the table are covered by category rules automatically.
 */
export function respAclCatalogue(): AclCatalogue {
  if (catalogue !== null) return catalogue;
  const commands: AclCommand[] = [];
  const entry = (spec: RespCommandSpec): AclCommand => ({ name: spec.name, categories: aclCategories(spec).map((c) => c.slice(1)) });
  for (const spec of RESP_COMMANDS) {
    // A container that runs without a subcommand (COMMAND) is a command of its own.
    if (spec.subcommands === undefined || arityAccepts(spec.arity, 1)) commands.push(entry(spec));
    for (const sub of spec.subcommands ?? []) commands.push(entry(sub));
  }
  catalogue = { commands, categories: ACL_CATEGORIES };
  return catalogue;
}

/** The daemon's users for `config` (missing fields, as in test configs, mean no authentication). */
export function createAccessControl(config: Partial<AclSource>): AccessControl {
  return new AccessControl({ requirePass: config.requirePass ?? null, aclFile: config.aclFile ?? null }, respAclCatalogue());
}

/** A new connection (and RESET): the default user, logged in only if it needs no password. */
export function initialAuthState(control: AccessControl): AuthState {
  const user = control.defaultUser;
  return { user, authenticated: user.enabled && user.nopass };
}

export function resetAuthentication(session: RespSession): void {
  const state = initialAuthState(session.state.accessControl);
  session.user = state.user;
  session.authenticated = state.authenticated;
}

/**
 * Logs the session in as `name`; false (and counted) when the user is
 * unknown, disabled or the password is wrong. A failed attempt leaves an
 * earlier login in place, as in Redis.
 */
export function authenticateSession(session: RespSession, name: Buffer, password: Buffer): boolean {
  const control = session.state.accessControl;
  session.context.stats.authCmds++;
  const user = control.authenticate(name.toString('utf8'), password);
  if (user === null) {
    control.deniedAuth++;
    session.context.stats.authErrors++;
    return false;
  }
  session.user = user;
  session.authenticated = true;
  return true;
}

// ---- the check before dispatch ----

/** Channel arguments of the pub/sub commands (the command table has no channel positions). */
const CHANNEL_COMMANDS: ReadonlyMap<string, 'one' | 'all' | 'patterns'> = new Map([
  ['publish', 'one'],
  ['spublish', 'one'],
  ['subscribe', 'all'],
  ['ssubscribe', 'all'],
  ['psubscribe', 'patterns'],
]);

type Denial = { kind: 'command' } | { kind: 'key'; key: Buffer } | { kind: 'channel'; channel: Buffer };

/** Why `user` may not run `spec` with `args` (args[0] is the command name), or null. */
function denial(user: AclUser, spec: RespCommandSpec, args: readonly Buffer[]): Denial | null {
  if (user.unrestricted) return null;
  // Redis lets every user run the no_auth commands (AUTH, HELLO, QUIT, RESET), whatever its rules say.
  if (!user.mayRun(spec.name) && !spec.flags.includes('no_auth')) return { kind: 'command' };
  if (commandHasKeys(spec)) {
    for (const key of commandKeys(spec, args)) if (!user.mayAccessKey(key, globMatchBytes)) return { kind: 'key', key };
  }
  const channels = CHANNEL_COMMANDS.get(spec.name);
  if (channels !== undefined) {
    const last = channels === 'one' ? Math.min(2, args.length) : args.length;
    for (let i = 1; i < last; i++) {
      const allowed = channels === 'patterns' ? user.mayAccessChannelPattern(args[i]!) : user.mayAccessChannel(args[i]!, globMatchBytes);
      if (!allowed) return { kind: 'channel', channel: args[i]! };
    }
  }
  return null;
}

/**
 * NOAUTH / NOPERM for the resolved command (a subcommand when it has one),
 * or null to run it. A user replaced by a reload is looked up again here, so
 * its new rules apply from this command on; a user the reload removed closes
 * the connection, as Redis does for a deleted user.
 */
export function checkAccess(session: RespSession, spec: RespCommandSpec, args: readonly Buffer[]): string | null {
  const control = session.state.accessControl;
  let user = session.user;
  if (user.replaced) {
    const current = control.get(user.name);
    if (current === undefined) {
      session.kill();
      return NOAUTH_ERROR;
    }
    session.user = user = current;
  }
  if (!session.authenticated) {
    return spec.flags.includes('no_auth') ? null : NOAUTH_ERROR;
  }
  const denied = denial(user, spec, args);
  if (denied === null) return null;
  switch (denied.kind) {
    case 'command':
      control.deniedCommand++;
      return commandDeniedError(user.name, spec.name);
    case 'key':
      control.deniedKey++;
      return KEY_DENIED_ERROR;
    case 'channel':
      control.deniedChannel++;
      return CHANNEL_DENIED_ERROR;
  }
}

/** INFO Stats fields (Redis's names). */
export function aclInfoFields(control: AccessControl): [string, number][] {
  return [
    ['acl_access_denied_auth', control.deniedAuth],
    ['acl_access_denied_cmd', control.deniedCommand],
    ['acl_access_denied_key', control.deniedKey],
    ['acl_access_denied_channel', control.deniedChannel],
  ];
}

// ---- AUTH ----

const auth: RespHandler = (session, args) => {
  if (args.length > 3) return session.replyError(RespErrors.SYNTAX);
  const control = session.state.accessControl;
  // Redis's hint for the common mistake of sending a password to a server that has none.
  if (args.length === 2 && control.defaultUser.nopass) return session.replyError(RespErrors.AUTH_WITHOUT_PASSWORD);
  const [name, password] = args.length === 2 ? [DEFAULT_USER_NAME, args[1]!] : [args[1]!, args[2]!];
  if (authenticateSession(session, name, password)) session.reply(OK_REPLY);
  else session.replyError(RespErrors.WRONGPASS);
};

const DEFAULT_USER_NAME = Buffer.from('default');

// ---- ACL ----

const aclWhoami: RespHandler = (session) => session.replyValue(resp.bulk(session.user.name));

const aclUsers: RespHandler = (session) =>
  session.replyValue(resp.array(session.state.accessControl.list().map((u) => resp.bulk(u.name))));

const aclList: RespHandler = (session) =>
  session.replyValue(resp.array(session.state.accessControl.list().map((u) => resp.bulk(u.describe()))));

const aclCat: RespHandler = (session, args) => {
  const cat = session.state.accessControl.catalogue;
  if (args.length > 3) {
    return session.replyError(`ERR unknown subcommand or wrong number of arguments for '${args[1]!.toString('latin1')}'. Try ACL HELP.`);
  }
  if (args.length === 2) return session.replyValue(resp.array(cat.categories.map((c) => resp.bulk(c))));
  const category = args[2]!.toString('latin1').toLowerCase();
  if (!cat.categories.includes(category)) return session.replyError(`ERR Unknown category '${args[2]!.toString('latin1')}'`);
  session.replyValue(resp.array(cat.commands.filter((c) => c.categories.includes(category)).map((c) => resp.bulk(c.name))));
};

const aclGetuser: RespHandler = (session, args) => {
  const user = session.state.accessControl.get(args[2]!.toString('utf8'));
  if (user === undefined) return session.replyNull();
  const value: RespValue = resp.record([
    ['flags', resp.set(user.flagWords().map((f) => resp.bulk(f)))],
    ['passwords', resp.array(user.passwordWords().map((p) => resp.bulk(p.slice(1))))],
    ['commands', resp.bulk(user.commandRules.join(' '))],
    ['keys', resp.bulk(user.keysDescription())],
    ['channels', resp.bulk(user.channelsDescription())],
    ['selectors', resp.array([])],
  ]);
  session.replyValue(value);
};

/** ACL DRYRUN user command [args]: Redis's verbose wording, as a bulk string; OK when allowed. */
const aclDryrun: RespHandler = (session, args) => {
  const userName = args[2]!.toString('utf8');
  const user = session.state.accessControl.get(userName);
  if (user === undefined) return session.replyError(`ERR User '${userName}' not found`);
  const commandLine = args.slice(3);
  const notFound = `ERR Command '${commandLine[0]!.toString('latin1')}' not found`;
  const top = findCommand(commandLine[0]!.toString('latin1'));
  if (top === undefined) return session.replyError(notFound);
  let spec: RespCommandSpec | undefined = top;
  if (top.subcommands !== undefined && commandLine.length > 1) spec = findSubcommand(top, commandLine[1]!.toString('latin1'));
  if (spec === undefined) return session.replyError(notFound);
  if (!arityAccepts(spec.arity, commandLine.length)) return session.replyError(wrongArityError(spec.name));
  const denied = denial(user, spec, commandLine);
  if (denied === null) return session.reply(OK_REPLY);
  const text =
    denied.kind === 'command'
      ? `User ${user.name} has no permissions to run the '${spec.name}' command`
      : denied.kind === 'key'
        ? `User ${user.name} has no permissions to access the '${denied.key.toString('latin1')}' key`
        : `User ${user.name} has no permissions to access the '${denied.channel.toString('latin1')}' channel`;
  session.replyValue(resp.bulk(text));
};

const aclLoad: RespHandler = (session) => {
  const control = session.state.accessControl;
  if (control.aclFile === null) {
    return session.replyError(
      'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
    );
  }
  try {
    control.reload();
  } catch (err) {
    if (!(err instanceof AclError)) throw err;
    return session.replyError(`ERR Error loading ACLs: ${err.message}`);
  }
  session.reply(OK_REPLY);
};

export const AUTH_HANDLERS: Record<string, RespHandler> = {
  auth,
  'acl|whoami': aclWhoami,
  'acl|users': aclUsers,
  'acl|list': aclList,
  'acl|cat': aclCat,
  'acl|getuser': aclGetuser,
  'acl|dryrun': aclDryrun,
  'acl|load': aclLoad,
};
