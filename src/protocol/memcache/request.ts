/**
 * Requests of the memcached text protocol (classic commands), as the text
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
  /** Seconds (or a unix time, by the exptime rules); 0 = now. */
  delay: number;
  noreply: boolean;
}

export interface StatsRequest {
  kind: 'stats';
  /** Sub-command tokens after `stats`, e.g. ['settings'] or ['cachedump', '1', '10']; empty for plain `stats`. */
  args: string[];
}

export interface VersionRequest { kind: 'version' }
export interface VerbosityRequest { kind: 'verbosity'; level: number; noreply: boolean }
export interface QuitRequest { kind: 'quit' }
export interface ShutdownRequest { kind: 'shutdown'; graceful: boolean }

export type MemcacheTextRequest =
  | RetrievalRequest
  | StorageRequest
  | DeleteRequest
  | ArithmeticRequest
  | TouchRequest
  | FlushAllRequest
  | StatsRequest
  | VersionRequest
  | VerbosityRequest
  | QuitRequest
  | ShutdownRequest;

/**
 * What the parser reports for bad input. `reply` is the exact line to send
 * (without CRLF), e.g. `ERROR`, `CLIENT_ERROR bad command line format`,
 * `SERVER_ERROR object too large for cache`; `close` is true when memcached
 * would close the connection after it (or without any reply: then `reply` is null).
 */
export interface ParseErrorEvent {
  reply: string | null;
  close: boolean;
}

export interface TextParserLimits {
  /** -I: values larger than this are refused (and their bytes swallowed). */
  maxItemSize: number;
  /** Longest command line without `\n` before the connection is closed (memcached: 2048). */
  maxLineLength: number;
  /** Our own bound on get/gets/gat/gats lines, which memcached leaves unbounded. */
  maxRetrievalLineLength: number;
  /** Our own bound on keys in one retrieval command. */
  maxKeysPerRetrieval: number;
}

export interface TextParserHandlers {
  onRequest(request: MemcacheTextRequest): void;
  onError(event: ParseErrorEvent): void;
}
