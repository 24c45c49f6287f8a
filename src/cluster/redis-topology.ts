/**
 * Redis Cluster's view of the same membership that `config get cluster`
 * serves: 16384 hash slots (CRC16 of the key, or of its `{hash tag}`) split
 * evenly over the sorted node list, a 40-hex node id per node that every node
 * computes the same way, and the text of CLUSTER NODES / CLUSTER INFO. Pure
 * functions; the RESP session renders and routes with them.
 */
import { createHash } from 'node:crypto';
import type { ClusterNode } from './cluster-node';

export const SLOT_COUNT = 16384;

/** CRC16-CCITT (XMODEM: poly 0x1021, init 0), the checksum Redis Cluster hashes keys with. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** The key's slot: only the part inside the first `{...}` counts when it is non-empty. */
export function keySlot(key: Uint8Array): number {
  const open = key.indexOf(0x7b /* { */);
  if (open !== -1) {
    const close = key.indexOf(0x7d /* } */, open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) % SLOT_COUNT;
  }
  return crc16(key) % SLOT_COUNT;
}

export interface SlotRange {
  readonly start: number;
  readonly end: number;
}

export interface TopologyNode extends ClusterNode {
  /** 40 hex characters, the same on every node: derived from host:port. */
  readonly id: string;
  readonly slots: SlotRange;
  /** Where the node serves RESP: its memcached `port` plus the offset every member shares. */
  readonly redisPort: number;
}

export function nodeId(node: ClusterNode): string {
  return createHash('sha1').update(`${node.host}:${node.port}`).digest('hex');
}

/**
 * Node i of n (sorted) owns slots [⌊i·16384/n⌋, ⌊(i+1)·16384/n⌋ − 1]. The
 * membership lists memcached ports; every member serves RESP at the same
 * `redisPortOffset` from its memcached port, so no second list is needed.
 */
export function topology(nodes: readonly ClusterNode[], redisPortOffset = 0): TopologyNode[] {
  const n = nodes.length;
  return nodes.map((node, i) => ({
    ...node,
    id: nodeId(node),
    slots: { start: Math.floor((i * SLOT_COUNT) / n), end: Math.floor(((i + 1) * SLOT_COUNT) / n) - 1 },
    redisPort: node.port + redisPortOffset,
  }));
}

/** The node owning `slot` (the topology covers every slot). */
export function ownerOf(nodes: readonly TopologyNode[], slot: number): TopologyNode {
  let lo = 0;
  let hi = nodes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nodes[mid]!.slots.end < slot) lo = mid + 1;
    else hi = mid;
  }
  return nodes[lo]!;
}

/** What clients dial: the IP when known (as Redis announces), else the host name. */
export function endpointOf(node: ClusterNode): string {
  return node.ip !== '' ? node.ip : node.host;
}

/**
 * CLUSTER NODES: one line per node, `myself,master` for the node whose id is
 * `selfId`; the bus port is the data (RESP) port + 10000 as in Redis.
 */
export function clusterNodesText(nodes: readonly TopologyNode[], selfId: string | null, epoch: number): string {
  return nodes
    .map((n) => {
      const flags = n.id === selfId ? 'myself,master' : 'master';
      return `${n.id} ${endpointOf(n)}:${n.redisPort}@${n.redisPort + 10000},${n.host} ${flags} - 0 0 ${epoch} connected ${n.slots.start}-${n.slots.end}\n`;
    })
    .join('');
}

/** CLUSTER INFO: Redis 7.0's fields in its order (7.0 lists no cluster_enabled here; INFO does). */
export function clusterInfoText(nodes: readonly TopologyNode[], epoch: number): string {
  const fields: [string, string | number][] = [
    ['cluster_state', 'ok'],
    ['cluster_slots_assigned', SLOT_COUNT],
    ['cluster_slots_ok', SLOT_COUNT],
    ['cluster_slots_pfail', 0],
    ['cluster_slots_fail', 0],
    ['cluster_known_nodes', nodes.length],
    ['cluster_size', nodes.length],
    ['cluster_current_epoch', epoch],
    ['cluster_my_epoch', epoch],
    // No cluster bus: nothing is exchanged between nodes.
    ['cluster_stats_messages_sent', 0],
    ['cluster_stats_messages_received', 0],
    ['total_cluster_links_buffer_limit_exceeded', 0],
  ];
  return fields.map(([k, v]) => `${k}:${v}\r\n`).join('');
}
