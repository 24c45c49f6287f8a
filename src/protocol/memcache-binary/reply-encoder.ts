/**
 * Renders memcached binary protocol responses: the 24-byte header (magic
 * 0x81, the request's opcode and opaque echoed, datatype 0) then extras, key
 * and value, each response in one exactly sized buffer. Error responses carry
 * memcached's message text as the value, as `write_bin_error` does.
 * May import only `protocol/common` and `util`.
 */
import { BINARY_ERROR_MESSAGES, BINARY_HEADER_LENGTH, BINARY_RESPONSE_MAGIC, BinaryStatus } from './opcodes';

export interface ResponseHead {
  opcode: number;
  opaque: number;
}

const NO_BYTES = new Uint8Array(0);

function writeHeader(
  out: Buffer,
  head: ResponseHead,
  status: number,
  extrasLength: number,
  keyLength: number,
  bodyLength: number,
  casHigh: number,
  casLow: number,
): void {
  out[0] = BINARY_RESPONSE_MAGIC;
  out[1] = head.opcode;
  out.writeUInt16BE(keyLength, 2);
  out[4] = extrasLength;
  out[5] = 0;
  out.writeUInt16BE(status, 6);
  out.writeUInt32BE(bodyLength, 8);
  out.writeUInt32BE(head.opaque >>> 0, 12);
  out.writeUInt32BE(casHigh >>> 0, 16);
  out.writeUInt32BE(casLow >>> 0, 20);
}

/** A response with optional extras, key and value (value given as a slice of `valueBytes`). */
export function encodeResponse(
  head: ResponseHead,
  status: number,
  options: {
    casHigh?: number;
    casLow?: number;
    extras?: Uint8Array;
    key?: Uint8Array;
    valueBytes?: Uint8Array;
    valueOffset?: number;
    valueLength?: number;
  } = {},
): Buffer {
  const extras = options.extras ?? NO_BYTES;
  const key = options.key ?? NO_BYTES;
  const valueBytes = options.valueBytes ?? NO_BYTES;
  const valueOffset = options.valueOffset ?? 0;
  const valueLength = options.valueLength ?? valueBytes.length - valueOffset;
  const bodyLength = extras.length + key.length + valueLength;
  const out = Buffer.allocUnsafe(BINARY_HEADER_LENGTH + bodyLength);
  writeHeader(out, head, status, extras.length, key.length, bodyLength, options.casHigh ?? 0, options.casLow ?? 0);
  let at = BINARY_HEADER_LENGTH;
  out.set(extras, at);
  at += extras.length;
  out.set(key, at);
  at += key.length;
  out.set(valueBytes.subarray(valueOffset, valueOffset + valueLength), at);
  return out;
}

/** A bare success: header only, with the CAS memcached reports (0 when none). */
export function encodeSuccess(head: ResponseHead, casHigh = 0, casLow = 0): Buffer {
  return encodeResponse(head, BinaryStatus.Ok, { casHigh, casLow });
}

/** An error response whose body is memcached's message for `status`. */
export function encodeError(head: ResponseHead, status: number): Buffer {
  const message = BINARY_ERROR_MESSAGES[status] ?? '';
  return encodeResponse(head, status, { valueBytes: Buffer.from(message, 'latin1') });
}

/**
 * A get/gat hit: flags as 4 bytes of extras, the key when asked (GetK/GATK),
 * then the value (Touch passes a zero length: it answers flags and CAS only).
 */
export function encodeHit(
  head: ResponseHead,
  clientFlags: number,
  casHigh: number,
  casLow: number,
  key: Uint8Array | null,
  valueBytes: Uint8Array,
  valueOffset: number,
  valueLength: number,
): Buffer {
  const keyLength = key === null ? 0 : key.length;
  const bodyLength = 4 + keyLength + valueLength;
  const out = Buffer.allocUnsafe(BINARY_HEADER_LENGTH + bodyLength);
  writeHeader(out, head, BinaryStatus.Ok, 4, keyLength, bodyLength, casHigh, casLow);
  out.writeUInt32BE(clientFlags >>> 0, BINARY_HEADER_LENGTH);
  if (key !== null) out.set(key, BINARY_HEADER_LENGTH + 4);
  out.set(valueBytes.subarray(valueOffset, valueOffset + valueLength), BINARY_HEADER_LENGTH + 4 + keyLength);
  return out;
}

/** A GetK/GATK miss: the key echoed as the whole body, no "Not found" text (`write_bin_miss_response`). */
export function encodeKeyedMiss(head: ResponseHead, key: Uint8Array): Buffer {
  return encodeResponse(head, BinaryStatus.KeyNotFound, { key });
}

/** Incr/decr success: the new value as a big-endian u64 body, the item's CAS in the header. */
export function encodeCounter(head: ResponseHead, value: bigint, casHigh: number, casLow: number): Buffer {
  const body = Buffer.allocUnsafe(8);
  body.writeBigUInt64BE(value);
  return encodeResponse(head, BinaryStatus.Ok, { casHigh, casLow, valueBytes: body });
}

/** Stat: one packet per entry (key = name, value = text), ended by a packet with neither. */
export function encodeStats(head: ResponseHead, entries: readonly (readonly [string, string | number])[]): Buffer[] {
  const packets: Buffer[] = [];
  for (const [name, value] of entries) {
    packets.push(encodeResponse(head, BinaryStatus.Ok, { key: Buffer.from(name, 'latin1'), valueBytes: Buffer.from(String(value), 'latin1') }));
  }
  packets.push(encodeSuccess(head));
  return packets;
}
