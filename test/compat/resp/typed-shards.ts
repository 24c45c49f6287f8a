/** Picks keys that the daemon's router puts on given shards, so multi-key tests really cross shards. */
import { HashRing } from '../../../src/router/hash-ring';
import { hashBytes } from '../../../src/util/hash';

export function shardOf(key: string, shardCount: number): number {
  const bytes = Buffer.from(key);
  return new HashRing(shardCount).shardFor(hashBytes(bytes, 0, bytes.length));
}

/** `count` keys named `${prefix}:<n>`, alternating between shards 0 and 1 of a 2-shard daemon. */
export function keysOnShards(prefix: string, count: number, shardCount = 2): string[] {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n++) {
    const key = `${prefix}:${n}`;
    if (shardOf(key, shardCount) === keys.length % shardCount) keys.push(key);
  }
  return keys;
}
