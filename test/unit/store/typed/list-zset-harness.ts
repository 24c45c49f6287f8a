/**
 * Runs typed commands the way the shard's generic executor does (type check,
 * `run` on a view, write back `next`) over an in-memory keyspace, and renders
 * replies as RESP2 clients see them (doubles as strings, pairs flattened, errors
 * as "-..." strings), so they compare with replies recorded from redis-server.
 * SET / DEL / EXISTS / FLUSHALL / TYPE are emulated for the scripts' setup lines.
 */
import { ITEM_TYPE_LIST, ITEM_TYPE_STRING, ITEM_TYPE_ZSET } from '../../../../src/store/item-layout';
import { typedCommand } from '../../../../src/store/typed/index';
import { ITEM_TYPE_ANY, type TypedReply } from '../../../../src/store/typed/typed-command';
import { formatScore } from '../../../../src/store/typed/zset';
import { mulberry32 } from '../../../helpers/prng';

interface StoredValue {
  type: number;
  bytes: Uint8Array;
}

const WRONGTYPE = '-WRONGTYPE Operation against a key holding the wrong kind of value';

/** RESP2's view of a reply. */
export function resp2(reply: TypedReply): unknown {
  switch (reply.kind) {
    case 'integer':
      return Number(reply.value);
    case 'bulk':
      return Buffer.from(reply.value).toString('latin1');
    case 'null':
    case 'nullArray':
      return null;
    case 'simple':
      return reply.value;
    case 'error':
      return `-${reply.message}`;
    case 'double':
      return formatScore(reply.value);
    case 'array':
    case 'set': {
      const items = reply.items.map(resp2);
      // Pairs (WITHSCORES) are nested in RESP3 and flat in RESP2.
      const pairs = reply.items.length > 0 && reply.items.every((i) => i.kind === 'array' && i.items.length === 2 && i.items[0]!.kind === 'bulk');
      return pairs ? (items as unknown[][]).flat() : items;
    }
    case 'map':
      return reply.entries.flatMap(([k, v]) => [resp2(k), resp2(v)]);
  }
}

export class TypedKeyspace {
  readonly keys = new Map<string, StoredValue>();
  private readonly random = mulberry32(7);

  run(line: readonly string[]): unknown {
    const name = line[0]!.toLowerCase();
    const key = line[1];
    switch (name) {
      case 'flushall':
        this.keys.clear();
        return 'OK';
      case 'set':
        this.keys.set(key!, { type: ITEM_TYPE_STRING, bytes: Buffer.from(line[2]!) });
        return 'OK';
      case 'del':
        return line.slice(1).filter((k) => this.keys.delete(k)).length;
      case 'exists':
        return line.slice(1).filter((k) => this.keys.has(k)).length;
    }
    const definition = typedCommand(name);
    if (definition === undefined || key === undefined) throw new Error(`no typed command ${name}`);
    const stored = this.keys.get(key);
    if (stored !== undefined && definition.itemType !== ITEM_TYPE_ANY && stored.type !== definition.itemType) return WRONGTYPE;
    // A view into a bigger buffer, as the store hands out.
    let current: Uint8Array | null = null;
    if (stored !== undefined) {
      const backing = new Uint8Array(stored.bytes.length + 16);
      backing.set(stored.bytes, 8);
      current = backing.subarray(8, 8 + stored.bytes.length);
    }
    const args = line.slice(2).map((a) => new Uint8Array(Buffer.from(a, 'latin1')));
    const result = definition.run(current, args, { nowMs: Date.now(), random: this.random });
    if (!definition.write && result.next !== undefined) throw new Error(`${name} is read-only but changed the value`);
    if (result.next === null) this.keys.delete(key);
    else if (result.next !== undefined) this.keys.set(key, { type: result.nextItemType ?? definition.itemType, bytes: result.next.slice() });
    return resp2(result.reply);
  }
}

/**
 * Runs `cases` in order, skipping lines Redis refused for arity: the session refuses
 * them before any typed command runs. Random replies (ZRANDMEMBER with a count) are
 * compared by their length only; the unit tests check their members separately.
 */
export function runScript(cases: readonly [string[], unknown][]): { actual: unknown[]; expected: unknown[] } {
  const keyspace = new TypedKeyspace();
  const actual: unknown[] = [];
  const expected: unknown[] = [];
  for (const [line, reply] of cases) {
    if (typeof reply === 'string' && reply.startsWith('-ERR wrong number of arguments')) continue;
    const got = keyspace.run(line);
    const random = line[0]!.toLowerCase() === 'zrandmember' && Array.isArray(reply) && reply.length > 0;
    actual.push([line.join(' '), random && Array.isArray(got) ? got.length : got]);
    expected.push([line.join(' '), random ? reply.length : reply]);
  }
  return { actual, expected };
}

export { ITEM_TYPE_LIST, ITEM_TYPE_ZSET };
