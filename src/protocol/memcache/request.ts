/**
 * Requests of the memcached text protocol (classic and meta commands), as the text
 * parser hands them to the connection. Keys and values are Buffers sliced from
 * the bytes received (no string conversion on the data path). Numbers are
 * already validated; times are still in the client's terms (memcached exptime
 * rules are applied later, by the session, which knows the clock).
 * May import only `protocol/common` and `util`.
 */

export type RetrievalCommand = 'get' | 'gets' | 'gat' | 'gats';
export type StorageCommand = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

export interface RetrievalRequest {
  kind: 'retrieval';
  command: RetrievalCommand;
  /**
   * At least one key for get/gets; gat/gats may carry none (`gat 10` is valid:
   * memcached answers a bare `END`). Keys are at most 250 bytes.
   */
  keys: Buffer[];
  /** gat/gats only: the new exptime, as sent. */
  exptime: number;
}

export interface StorageRequest {
  kind: 'storage';
  command: StorageCommand;
  key: Buffer;
  /** Client flags, 32-bit unsigned. */
  flags: number;
  exptime: number;
  value: Buffer;
  /** cas only: the compare value as two unsigned 32-bit halves. */
  casHigh: number;
  casLow: number;
  noreply: boolean;
}

export interface DeleteRequest {
  kind: 'delete';
  key: Buffer;
  noreply: boolean;
}

export interface ArithmeticRequest {
  kind: 'arithmetic';
  command: 'incr' | 'decr';
  key: Buffer;
  /** 64-bit unsigned delta. */
  delta: bigint;
  noreply: boolean;
}

export interface TouchRequest {
  kind: 'touch';
  key: Buffer;
  exptime: number;
  noreply: boolean;
}

export interface FlushAllRequest {
  kind: 'flush_all';
  /** Seconds (or a unix time, by the exptime rules); 0 or negative = now (memcached: `flush_all -1` flushes at once). */
  delay: number;
  noreply: boolean;
}

export interface StatsRequest {
  kind: 'stats';
  /** Sub-command tokens after `stats` (bytes decoded as latin1), e.g. ['settings'] or ['cachedump', '1', '10']; empty for plain `stats`. */
  args: string[];
}

/** ElastiCache's `config <verb> <key>`; only `config get cluster` is answered. */
export interface ConfigRequest {
  kind: 'config';
  /** Tokens after `config`, latin1. */
  args: string[];
}

export interface VersionRequest { kind: 'version' }
export interface VerbosityRequest { kind: 'verbosity'; level: number; noreply: boolean }
export interface QuitRequest { kind: 'quit' }
export interface ShutdownRequest {
  kind: 'shutdown';
  graceful: boolean;
  /**
   * Set when the arguments are neither empty nor exactly `graceful`. memcached
   * then replies `CLIENT_ERROR invalid shutdown mode` if shutdown is enabled
   * (-A), and `ERROR: shutdown not enabled` (as for any shutdown) if it is not.
   */
  invalidMode?: boolean;
}

/** The meta commands: get, set, delete, arithmetic, no-op, debug. */
export type MetaCommand = 'mg' | 'ms' | 'md' | 'ma' | 'mn' | 'me';

/** A 64-bit CAS token from a meta flag (`C`, `E`), or null when the flag was not sent. */
export type MetaCas = bigint | null;

/**
 * One meta command, validated as memcached 1.6.18 validates it (see
 * meta-parser.ts). Times (`T`, `N`, `R`) are still exptimes in the client's
 * terms; the session applies the exptime rules.
 */
export interface MetaRequest {
  kind: 'meta';
  command: MetaCommand;
  /** The key as stored: base64-decoded when `base64Key`. Empty for `mn`. */
  key: Buffer;
  /** `b`: the key was sent in base64; `k` echoes it re-encoded, followed by ` b`. */
  base64Key: boolean;
  /**
   * First character of every flag token, in request order: the reply renders
   * its return flags (`k`, `O`, `c`, `s`, ...) in this order.
   */
  order: string;
  /** The whole `O` token (with its `O`), echoed verbatim; null when absent. */
  opaque: Buffer | null;
  /**
   * mg/ma only: the opaque token is over 32 bytes. memcached notices while it
   * renders the reply, after the item was read or changed, so the session
   * executes the command and then answers this error instead.
   */
  errorAfterExecution: string | null;
  /** `q`: suppress the nominal reply (EN for mg; HD for ms, md, ma). */
  quiet: boolean;
  /** `v`: return the value (mg, ma). */
  returnValue: boolean;
  /** `u`: do not bump, mark fetched or update the access time (mg). */
  noBump: boolean;
  /** `T`: new TTL (mg, ma: on a hit; ms: the item's; md: with `I` only). */
  ttl: number | null;
  /** `N`: vivify on a miss with this TTL (mg, ma; accepted and ignored by ms, as 1.6.18 does). */
  vivifyTtl: number | null;
  /** `R`: win the recache when the remaining TTL is below this (mg). */
  recacheTtl: number | null;
  /** `F`: client flags for ms (0 when absent). */
  clientFlags: number;
  /** `C`: compare CAS (ms, md, ma; accepted and ignored by mg, as 1.6.18 does). */
  compareCas: MetaCas;
  /** `E`: explicit new CAS (from protocol.txt; 1.6.18 refuses the flag). */
  newCas: MetaCas;
  /** `M`: the mode character (ms: E A P R S; ma: I + D -); null = default. */
  mode: string | null;
  /** `D` (ma): delta, default 1. */
  delta: bigint;
  /** `J` (ma): initial value on vivify, default 0. */
  initial: bigint;
  /** `I`: invalidate (md: mark stale; ms with `C`: accept an older CAS, mark stale). */
  invalidate: boolean;
  /** `x` (md): drop the value, keep the item (from protocol.txt; 1.6.18 refuses the flag). */
  dropValue: boolean;
  /** ms only: the data block. */
  value: Buffer | null;
}

export type MemcacheTextRequest =
  | MetaRequest
  | RetrievalRequest
  | StorageRequest
  | DeleteRequest
  | ArithmeticRequest
  | TouchRequest
  | FlushAllRequest
  | StatsRequest
  | ConfigRequest
  | VersionRequest
  | VerbosityRequest
  | QuitRequest
  | ShutdownRequest;

/** Why the parser refused a line; for metrics and tests (the wire text is `reply`). */
export type ParseErrorCode =
  /** `ERROR`: empty line, unknown (or one-letter, or upper-case) command name. */
  | 'unknown_command'
  /** `ERROR`: a known command with too few or too many tokens. */
  | 'wrong_arity'
  /** `CLIENT_ERROR bad command line format` (also the longer `delete` usage text): bad key length or number. */
  | 'bad_command_line'
  /** `CLIENT_ERROR invalid exptime argument` (touch, gat/gats, flush_all). */
  | 'invalid_exptime'
  /** `CLIENT_ERROR invalid numeric delta argument` (incr/decr). */
  | 'invalid_delta'
  /** `CLIENT_ERROR bad data chunk`: the data block was not followed by CRLF. */
  | 'bad_data_chunk'
  /** `SERVER_ERROR object too large for cache`: declared bytes > maxItemSize; the block is swallowed. */
  | 'too_large'
  /** No `\n` within the line limit: silent close (or our `CLIENT_ERROR line too long` + close for get/gets). */
  | 'line_too_long'
  /** Our own: more than maxKeysPerRetrieval keys (`CLIENT_ERROR too many keys`). */
  | 'too_many_keys'
  /** An unknown command whose last token starts `HTTP/`: memcached closes silently. */
  | 'http_request'
  /** A meta command memcached refuses (bad flag, token, key, opaque...): the reply says which. */
  | 'meta_invalid';

/**
 * What the parser reports for bad input. `reply` is the exact line to send
 * (without CRLF), e.g. `ERROR`, `CLIENT_ERROR bad command line format`,
 * `SERVER_ERROR object too large for cache`, or null when memcached sends
 * nothing: either the line ended in `noreply` (memcached suppresses most
 * errors then too), or it closes silently. `close` is true when memcached
 * would close the connection after the reply (if any); the parser ignores
 * every byte after such an event.
 */
export interface ParseErrorEvent {
  reply: string | null;
  close: boolean;
  code: ParseErrorCode;
  /** The command-table name (e.g. `set`, `bget`) when the command was recognised. */
  command?: string;
  /**
   * Side effect memcached performs although the command failed: a `set` whose
   * value is too large unlinks the key's current item ("avoid stale data"),
   * even under noreply. add/replace/append/prepend/cas leave it alone.
   */
  unlinkKey?: Buffer;
}

export interface TextParserLimits {
  /**
   * -I: values whose declared length is larger than this are refused (and their
   * bytes swallowed). memcached also counts the item header, key and flags
   * against -I; that finer check belongs to the store (StoreStatus.TooLarge).
   */
  maxItemSize: number;
  /** Longest command line without `\n` before the connection is closed (memcached: 2048). */
  maxLineLength: number;
  /**
   * Our own bound on long get/gets lines, which memcached leaves unbounded
   * (only lines starting `get `/`gets ` after at most 100 spaces: gat/gats
   * lines close at maxLineLength, as in memcached). Over it:
   * `CLIENT_ERROR line too long` and close.
   */
  maxRetrievalLineLength: number;
  /** Our own bound on keys in one get/gets/gat/gats command; over it: `CLIENT_ERROR too many keys` (connection stays open). */
  maxKeysPerRetrieval: number;
}

export interface TextParserHandlers {
  onRequest(request: MemcacheTextRequest): void;
  onError(event: ParseErrorEvent): void;
}
