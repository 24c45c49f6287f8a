/**
 * The memcached binary protocol's constants: header layout, opcodes with the
 * packet shape memcached 1.6.18 accepts for each (`dispatch_bin_command` in
 * proto_bin.c), response statuses and the message bodies memcached puts in
 * error responses. A table, so the parser and the session switch on a spec
 * instead of scattering opcode numbers.
 * May import only `protocol/common` and `util`.
 */

export const BINARY_HEADER_LENGTH = 24;
export const BINARY_REQUEST_MAGIC = 0x80;
export const BINARY_RESPONSE_MAGIC = 0x81;
/** memcached's KEY_MAX_LENGTH: the binary header allows 16-bit keys, the store does not. */
export const BINARY_KEY_MAX_LENGTH = 250;

export const BinaryStatus = {
  Ok: 0x00,
  KeyNotFound: 0x01,
  KeyExists: 0x02,
  TooLarge: 0x03,
  InvalidArguments: 0x04,
  NotStored: 0x05,
  NonNumeric: 0x06,
  AuthError: 0x20,
  AuthContinue: 0x21,
  UnknownCommand: 0x81,
  OutOfMemory: 0x82,
} as const;
export type BinaryStatus = (typeof BinaryStatus)[keyof typeof BinaryStatus];

/** The bodies of memcached's error responses (`write_bin_error`), byte for byte. */
export const BINARY_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  [BinaryStatus.KeyNotFound]: 'Not found',
  [BinaryStatus.KeyExists]: 'Data exists for key.',
  [BinaryStatus.TooLarge]: 'Too large.',
  [BinaryStatus.InvalidArguments]: 'Invalid arguments',
  [BinaryStatus.NotStored]: 'Not stored.',
  [BinaryStatus.NonNumeric]: 'Non-numeric server-side value for incr or decr',
  [BinaryStatus.AuthError]: 'Auth failure.',
  [BinaryStatus.UnknownCommand]: 'Unknown command',
  [BinaryStatus.OutOfMemory]: 'Out of memory',
};

/** What a command does; quiet variants share the kind of their loud twin. */
export type BinaryCommandKind =
  | 'get'
  | 'touch'
  | 'store'
  | 'append'
  | 'delete'
  | 'arithmetic'
  | 'quit'
  | 'flush'
  | 'noop'
  | 'version'
  | 'stat'
  | 'sasl-list-mechs'
  | 'sasl-auth'
  | 'sasl-step'
  | 'config-get';

export interface BinaryOpcodeSpec {
  readonly name: string;
  readonly kind: BinaryCommandKind;
  /** Quiet: success (and a get miss) sends nothing; failures still answer. */
  readonly quiet: boolean;
  /** get/gat variants that echo the key in the response. */
  readonly returnsKey: boolean;
  /** Extras lengths accepted. */
  readonly extras: readonly number[];
  readonly key: 'none' | 'required' | 'optional';
  /**
   * 'none': body must be exactly extras + key. 'data': the rest of the body is
   * the value (stored, or SASL data). 'ignored': memcached does not check the
   * rest of the body; we skip it rather than read it as the next header.
   */
  readonly value: 'none' | 'data' | 'ignored';
  /** incr vs decr, add vs set... the router op the session maps it to. */
  readonly variant?: 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'incr' | 'decr';
}

const NO_BODY = { extras: [0], key: 'none', value: 'none' } as const;

function spec(name: string, kind: BinaryCommandKind, shape: Pick<BinaryOpcodeSpec, 'extras' | 'key' | 'value'>, extra: Partial<BinaryOpcodeSpec> = {}): BinaryOpcodeSpec {
  return { name, kind, quiet: false, returnsKey: false, ...shape, ...extra };
}

const GET_SHAPE = { extras: [0], key: 'required', value: 'none' } as const;
const TOUCH_SHAPE = { extras: [4], key: 'required', value: 'ignored' } as const;
const STORE_SHAPE = { extras: [8], key: 'required', value: 'data' } as const;
const APPEND_SHAPE = { extras: [0], key: 'required', value: 'data' } as const;
const DELETE_SHAPE = { extras: [0], key: 'required', value: 'none' } as const;
const ARITHMETIC_SHAPE = { extras: [20], key: 'required', value: 'none' } as const;
const FLUSH_SHAPE = { extras: [0, 4], key: 'none', value: 'none' } as const;
const SASL_SHAPE = { extras: [0], key: 'required', value: 'data' } as const;

/**
 * Opcodes memcached 1.6.18 serves, plus ElastiCache's config get (0x60, key
 * `cluster`). Anything else (verbosity 0x1b, config set 0x64, the range
 * commands) is answered "Unknown command", as memcached does.
 */
export const BINARY_OPCODES: ReadonlyMap<number, BinaryOpcodeSpec> = new Map<number, BinaryOpcodeSpec>([
  [0x00, spec('get', 'get', GET_SHAPE)],
  [0x09, spec('getq', 'get', GET_SHAPE, { quiet: true })],
  [0x0c, spec('getk', 'get', GET_SHAPE, { returnsKey: true })],
  [0x0d, spec('getkq', 'get', GET_SHAPE, { returnsKey: true, quiet: true })],
  [0x1c, spec('touch', 'touch', TOUCH_SHAPE)],
  [0x1d, spec('gat', 'get', TOUCH_SHAPE)],
  [0x1e, spec('gatq', 'get', TOUCH_SHAPE, { quiet: true })],
  [0x23, spec('gatk', 'get', TOUCH_SHAPE, { returnsKey: true })],
  [0x24, spec('gatkq', 'get', TOUCH_SHAPE, { returnsKey: true, quiet: true })],
  [0x01, spec('set', 'store', STORE_SHAPE, { variant: 'set' })],
  [0x11, spec('setq', 'store', STORE_SHAPE, { variant: 'set', quiet: true })],
  [0x02, spec('add', 'store', STORE_SHAPE, { variant: 'add' })],
  [0x12, spec('addq', 'store', STORE_SHAPE, { variant: 'add', quiet: true })],
  [0x03, spec('replace', 'store', STORE_SHAPE, { variant: 'replace' })],
  [0x13, spec('replaceq', 'store', STORE_SHAPE, { variant: 'replace', quiet: true })],
  [0x0e, spec('append', 'append', APPEND_SHAPE, { variant: 'append' })],
  [0x19, spec('appendq', 'append', APPEND_SHAPE, { variant: 'append', quiet: true })],
  [0x0f, spec('prepend', 'append', APPEND_SHAPE, { variant: 'prepend' })],
  [0x1a, spec('prependq', 'append', APPEND_SHAPE, { variant: 'prepend', quiet: true })],
  [0x04, spec('delete', 'delete', DELETE_SHAPE)],
  [0x14, spec('deleteq', 'delete', DELETE_SHAPE, { quiet: true })],
  [0x05, spec('increment', 'arithmetic', ARITHMETIC_SHAPE, { variant: 'incr' })],
  [0x15, spec('incrementq', 'arithmetic', ARITHMETIC_SHAPE, { variant: 'incr', quiet: true })],
  [0x06, spec('decrement', 'arithmetic', ARITHMETIC_SHAPE, { variant: 'decr' })],
  [0x16, spec('decrementq', 'arithmetic', ARITHMETIC_SHAPE, { variant: 'decr', quiet: true })],
  [0x07, spec('quit', 'quit', NO_BODY)],
  [0x17, spec('quitq', 'quit', NO_BODY, { quiet: true })],
  [0x08, spec('flush', 'flush', FLUSH_SHAPE)],
  [0x18, spec('flushq', 'flush', FLUSH_SHAPE, { quiet: true })],
  [0x0a, spec('noop', 'noop', NO_BODY)],
  [0x0b, spec('version', 'version', NO_BODY)],
  [0x10, spec('stat', 'stat', { extras: [0], key: 'optional', value: 'ignored' })],
  [0x20, spec('sasl-list-mechs', 'sasl-list-mechs', NO_BODY)],
  [0x21, spec('sasl-auth', 'sasl-auth', SASL_SHAPE)],
  [0x22, spec('sasl-step', 'sasl-step', SASL_SHAPE)],
  [0x60, spec('config-get', 'config-get', { extras: [0], key: 'optional', value: 'ignored' })],
]);
