/**
 * Redis's error replies, word for word (checked against redis-server 7.0):
 * clients match on these texts (ioredis and node-redis surface them, scripts
 * grep them), so they live in one place. Each starts with its error code.
 *
 * May import nothing outside `src/protocol/resp`.
 */

export const RespErrors = {
  SYNTAX: 'ERR syntax error',
  NOT_AN_INTEGER: 'ERR value is not an integer or out of range',
  DB_INDEX_OUT_OF_RANGE: 'ERR DB index is out of range',
  NOPROTO: 'NOPROTO unsupported protocol version',
  HELLO_VERSION_NOT_INTEGER: 'ERR Protocol version is not an integer or out of range',
  AUTH_WITHOUT_PASSWORD:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  WRONGPASS: 'WRONGPASS invalid username-password pair or user is disabled.',
  CLIENT_NAME_INVALID: 'ERR Client names cannot contain spaces, newlines or special characters.',
  NO_SUCH_CLIENT: 'ERR No such client',
  CLIENT_ID_NOT_POSITIVE: 'ERR client-id should be greater than 0',
  INVALID_CLIENT_ID: 'ERR Invalid client ID',
  SLOWLOG_COUNT: 'ERR count should be greater than or equal to -1',
  /** What Redis answers when a string would pass proto-max-bulk-len; ours is bounded by the max item size. */
  STRING_TOO_LONG: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  OOM: "OOM command not allowed when used memory > 'maxmemory'.",
  /** Ours (Redis has no shards): a shard worker died with the request. */
  SHARD_FAILED: 'ERR shard restarted, request lost',
} as const;

/**
 * Redis quotes at most 128 bytes of the name and of the arguments together
 * (`'a' 'b' ` each followed by a space); bytes are shown as sent.
 */
export function unknownCommandError(name: Buffer, args: readonly Buffer[]): string {
  let shown = '';
  for (let i = 0; i < args.length && shown.length < 128; i++) {
    shown += `'${args[i]!.toString('latin1').slice(0, 128 - shown.length)}' `;
  }
  return `ERR unknown command '${name.toString('latin1').slice(0, 128)}', with args beginning with: ${shown}`;
}

/** `fullName` is lower case, `parent|sub` for subcommands (Redis 7). */
export function wrongArityError(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

/** `subcommand` as sent; `parent` as Redis prints it (upper case). */
export function unknownSubcommandError(subcommand: Buffer, parent: string): string {
  return `ERR unknown subcommand '${subcommand.toString('latin1').slice(0, 128)}'. Try ${parent.toUpperCase()} HELP.`;
}

export function invalidExpireTimeError(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}

export function helloOptionError(option: Buffer): string {
  return `ERR Syntax error in HELLO option '${option.toString('latin1')}'`;
}

export function configSetFailedError(parameter: string, reason: string): string {
  return `ERR CONFIG SET failed (possibly related to argument '${parameter}') - ${reason}`;
}

export function configSetUnknownError(parameter: Buffer): string {
  return `ERR Unknown option or number of arguments for CONFIG SET - '${parameter.toString('latin1')}'`;
}
