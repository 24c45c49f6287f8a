/**
 * The bytes of a TypedReply as they cross from a shard to the main thread (the value of a
 * TypedCommand reply record). A tree of tagged nodes, little endian:
 *
 *   integer  1, i64        bulk    2, u32 length, bytes     null      3
 *   simple   4, u32 length, UTF-8  error   5, u32 length, UTF-8     double    6, f64
 *   array    7, u32 count, nodes   nullArray 8                      map       9, u32 pairs, key value ...
 *   set     10, u32 count, nodes
 *
 * Not RESP: the session renders the decoded tree as RESP2 or RESP3 (the protocol is a property
 * of the connection, not of the shard). May import only `typed-command.ts`.
 */
import type { TypedReply } from './typed-command';

const TAG_INTEGER = 1;
const TAG_BULK = 2;
const TAG_NULL = 3;
const TAG_SIMPLE = 4;
const TAG_ERROR = 5;
const TAG_DOUBLE = 6;
const TAG_ARRAY = 7;
const TAG_NULL_ARRAY = 8;
const TAG_MAP = 9;
const TAG_SET = 10;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function encodedSize(reply: TypedReply): number {
  switch (reply.kind) {
    case 'integer':
    case 'double':
      return 9;
    case 'bulk':
      return 5 + reply.value.length;
    case 'simple':
      return 5 + textEncoder.encode(reply.value).length;
    case 'error':
      return 5 + textEncoder.encode(reply.message).length;
    case 'null':
    case 'nullArray':
      return 1;
    case 'array':
    case 'set': {
      let size = 5;
      for (const item of reply.items) size += encodedSize(item);
      return size;
    }
    case 'map': {
      let size = 5;
      for (const [key, value] of reply.entries) size += encodedSize(key) + encodedSize(value);
      return size;
    }
  }
}

export function encodeTypedReply(reply: TypedReply): Uint8Array {
  const out = new Uint8Array(encodedSize(reply));
  const view = new DataView(out.buffer);
  let at = 0;
  const text = (tag: number, value: string): void => {
    const bytes = textEncoder.encode(value);
    view.setUint8(at, tag);
    view.setUint32(at + 1, bytes.length, true);
    out.set(bytes, at + 5);
    at += 5 + bytes.length;
  };
  const write = (node: TypedReply): void => {
    switch (node.kind) {
      case 'integer':
        view.setUint8(at, TAG_INTEGER);
        view.setBigInt64(at + 1, BigInt(node.value), true);
        at += 9;
        return;
      case 'double':
        view.setUint8(at, TAG_DOUBLE);
        view.setFloat64(at + 1, node.value, true);
        at += 9;
        return;
      case 'bulk':
        view.setUint8(at, TAG_BULK);
        view.setUint32(at + 1, node.value.length, true);
        out.set(node.value, at + 5);
        at += 5 + node.value.length;
        return;
      case 'simple':
        return text(TAG_SIMPLE, node.value);
      case 'error':
        return text(TAG_ERROR, node.message);
      case 'null':
        view.setUint8(at++, TAG_NULL);
        return;
      case 'nullArray':
        view.setUint8(at++, TAG_NULL_ARRAY);
        return;
      case 'array':
      case 'set':
        view.setUint8(at, node.kind === 'array' ? TAG_ARRAY : TAG_SET);
        view.setUint32(at + 1, node.items.length, true);
        at += 5;
        for (const item of node.items) write(item);
        return;
      case 'map':
        view.setUint8(at, TAG_MAP);
        view.setUint32(at + 1, node.entries.length, true);
        at += 5;
        for (const [key, value] of node.entries) {
          write(key);
          write(value);
        }
        return;
    }
  };
  write(reply);
  return out;
}

/**
 * The tree back from its bytes (a view into a reply batch: bulk values are copied). Throws on
 * bytes that are not an encoded reply: they only ever come from `encodeTypedReply`.
 */
export function decodeTypedReply(bytes: Uint8Array, offset: number, length: number): TypedReply {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, length);
  let at = 0;
  const slice = (n: number): Uint8Array => {
    if (at + n > length) throw new Error('truncated typed reply');
    const part = bytes.slice(offset + at, offset + at + n);
    at += n;
    return part;
  };
  const read = (): TypedReply => {
    const tag = view.getUint8(at++);
    switch (tag) {
      case TAG_INTEGER: {
        const value = view.getBigInt64(at, true);
        at += 8;
        return { kind: 'integer', value: value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value };
      }
      case TAG_DOUBLE: {
        const value = view.getFloat64(at, true);
        at += 8;
        return { kind: 'double', value };
      }
      case TAG_BULK: {
        const n = view.getUint32(at, true);
        at += 4;
        return { kind: 'bulk', value: slice(n) };
      }
      case TAG_SIMPLE:
      case TAG_ERROR: {
        const n = view.getUint32(at, true);
        at += 4;
        const value = textDecoder.decode(slice(n));
        return tag === TAG_SIMPLE ? { kind: 'simple', value } : { kind: 'error', message: value };
      }
      case TAG_NULL:
        return { kind: 'null' };
      case TAG_NULL_ARRAY:
        return { kind: 'nullArray' };
      case TAG_ARRAY:
      case TAG_SET: {
        const n = view.getUint32(at, true);
        at += 4;
        const items: TypedReply[] = [];
        for (let i = 0; i < n; i++) items.push(read());
        return tag === TAG_ARRAY ? { kind: 'array', items } : { kind: 'set', items };
      }
      case TAG_MAP: {
        const n = view.getUint32(at, true);
        at += 4;
        const entries: [TypedReply, TypedReply][] = [];
        for (let i = 0; i < n; i++) {
          const key = read();
          entries.push([key, read()]);
        }
        return { kind: 'map', entries };
      }
      default:
        throw new Error(`bad typed reply tag ${tag}`);
    }
  };
  return read();
}
