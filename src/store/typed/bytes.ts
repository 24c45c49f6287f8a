/**
 * Byte helpers shared by the typed-value modules: the length-prefixed list encoding a hash or
 * a set is stored as, binary-safe map keys, and number text. May import only files of
 * `store/typed` and the store's pure number parsers.
 */
import { parseRedisInt64 } from '../decimal-i64';

const textEncoder = new TextEncoder();

/** A binary-safe Map key for some bytes (one char per byte). */
export function bytesKey(bytes: Uint8Array): string {
  let key = '';
  for (let i = 0; i < bytes.length; i += 4096) key += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return key;
}

export function textBytes(text: string): Uint8Array {
  return textEncoder.encode(text);
}

export function latin1Text(bytes: Uint8Array): string {
  return bytesKey(bytes);
}

/** Redis's strict int64 (string2ll), or null. */
export function parseInt64(bytes: Uint8Array): bigint | null {
  return parseRedisInt64(bytes, 0, bytes.length);
}

/** `u32 count` then `u32 length, bytes` per item, little endian. */
export function encodeByteList(items: readonly Uint8Array[]): Uint8Array {
  let size = 4;
  for (const item of items) size += 4 + item.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, items.length, true);
  let at = 4;
  for (const item of items) {
    view.setUint32(at, item.length, true);
    out.set(item, at + 4);
    at += 4 + item.length;
  }
  return out;
}

/**
 * The items of an `encodeByteList` value, copied out (the value is a store view that a write
 * may overwrite before the reply is encoded). Malformed bytes give the items read so far.
 */
export function decodeByteList(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length < 4) return [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  const items: Uint8Array[] = [];
  let at = 4;
  for (let i = 0; i < count && at + 4 <= bytes.length; i++) {
    const length = view.getUint32(at, true);
    if (at + 4 + length > bytes.length) break;
    items.push(bytes.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return items;
}

/**
 * Looks `target` up among the items at even positions (step 2: a hash's fields) or all
 * positions (step 1: a set's members) without decoding the list; returns a copy of the item
 * after the match (step 2: the field's value) or of the match itself (step 1), or null.
 */
export function findInByteList(bytes: Uint8Array, target: Uint8Array, step: 1 | 2): Uint8Array | null {
  if (bytes.length < 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(0, true);
  let at = 4;
  for (let i = 0; i + step - 1 < count && at + 4 <= bytes.length; i += step) {
    const length = view.getUint32(at, true);
    const start = at + 4;
    at = start + length;
    let equal = length === target.length && at <= bytes.length;
    for (let j = 0; equal && j < length; j++) equal = bytes[start + j] === target[j];
    if (step === 1) {
      if (equal) return bytes.slice(start, at);
      continue;
    }
    if (at + 4 > bytes.length) return null;
    const valueLength = view.getUint32(at, true);
    const valueStart = at + 4;
    at = valueStart + valueLength;
    if (equal) return at <= bytes.length ? bytes.slice(valueStart, at) : null;
  }
  return null;
}

/** Number of items of an `encodeByteList` value without decoding it. */
export function byteListCount(bytes: Uint8Array): number {
  return bytes.length < 4 ? 0 : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

/** A uniform integer in [0, n). */
export function randomIndex(random: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(random() * n));
}

/** Bytes a varint of `value` takes at 7 bits per byte (the list and sorted-set encodings write lengths that way). */
export function varintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}
