/**
 * What the binary push parser hands to the session: one event per request
 * packet, in order, with the raw extras and readers for each opcode's extras.
 * A packet the parser could not accept carries a `fault` saying how memcached
 * answers it; the session still sees it in order (authentication is checked
 * between the framing check and the others, as memcached does).
 * May import only `protocol/common` and `util`.
 */
import type { BinaryOpcodeSpec } from './opcodes';

/**
 * - 'bad-magic': not a request packet; memcached closes without a word.
 * - 'bad-frame': key + extras longer than the body; "Unknown command", then close.
 * - 'invalid': wrong extras/key/body for the opcode or a key over 250 bytes; "Invalid arguments", then close.
 * - 'unknown-command': an opcode memcached 1.6.18 does not serve; answered, the body skipped.
 * - 'too-large': the value is longer than the parser's bound; answered E2BIG, its bytes skipped unread.
 */
export type BinaryFault = 'bad-magic' | 'bad-frame' | 'invalid' | 'unknown-command' | 'too-large';

export interface BinaryRequest {
  opcode: number;
  /** null for unknown opcodes. */
  spec: BinaryOpcodeSpec | null;
  opaque: number;
  /** The request's 64-bit CAS, as two unsigned halves (0/0 = none). */
  casHigh: number;
  casLow: number;
  extras: Buffer;
  key: Buffer;
  /** The value bytes; empty when the opcode takes none, or on a fault. */
  value: Buffer;
  /** The value length the header declared (for 'too-large': what was skipped). */
  declaredValueLength: number;
  fault: BinaryFault | null;
}

export interface BinaryParserHandlers {
  onRequest(request: BinaryRequest): void;
}

export interface BinaryParserLimits {
  /** Values longer than this are refused (E2BIG) and skipped without buffering: -I. */
  maxValueLength: number;
}

/** Set/Add/Replace extras: flags(4) + expiration(4). */
export function readStoreExtras(extras: Buffer): { flags: number; exptime: number } {
  return { flags: extras.readUInt32BE(0), exptime: extras.readUInt32BE(4) };
}

/**
 * An expiration field as memcached reads it: a `time_t` from a u32, so every
 * value counts as positive (no "negative = expired" in the binary protocol).
 */
export function readExptimeExtras(extras: Buffer, offset = 0): number {
  return extras.readUInt32BE(offset);
}

/** The incr/decr expiration that means "do not create a missing key". */
export const ARITHMETIC_NO_CREATE = 0xffffffff;

/** Increment/Decrement extras: delta(8) + initial(8) + expiration(4). */
export function readArithmeticExtras(extras: Buffer): { delta: bigint; initial: bigint; exptime: number } {
  return { delta: extras.readBigUInt64BE(0), initial: extras.readBigUInt64BE(8), exptime: extras.readUInt32BE(16) };
}

/** Flush: an optional delay(4). */
export function readFlushDelay(extras: Buffer): number {
  return extras.length === 4 ? extras.readUInt32BE(0) : 0;
}
