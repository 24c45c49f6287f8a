/**
 * Redis Cluster on the RESP port, over the membership `config get cluster`
 * serves: CLUSTER SLOTS / SHARDS / NODES / INFO / KEYSLOT / MYID, READONLY /
 * READWRITE, and the routing check the session applies before a keyed
 * command runs (MOVED for a slot another member owns, CROSSSLOT for keys in
 * several slots).
 *
 * The topology is the same whether --redis-cluster is on or off: the sorted
 * membership, slots split evenly (src/cluster/redis-topology.ts). The flag
 * only decides whether this node enforces it. Off, CLUSTER commands describe
 * the membership (a lone node owns every slot) and nothing redirects, so a
 * cluster client pointed at several unflagged daemons still finds each key
 * on its owner.
 *
 * Each member's RESP port is its memcached port plus this node's offset
 * (--redis-port − --port): one rule every member can apply alike.
 *
 * May import src/cluster (the topology, and how membership names this
 * node), src/protocol/resp and the RESP session's types; not node:net,
 * shards or the store.
 */
import { selfNode } from '../cluster/membership';
import type { ClusterNode } from '../cluster/cluster-node';
import {
  clusterInfoText,
  clusterNodesText,
  endpointOf,
  keySlot,
  nodeId,
  ownerOf,
  topology,
  type TopologyNode,
} from '../cluster/redis-topology';
import { commandKeys } from '../protocol/resp/command-keys';
import type { RespCommandSpec } from '../protocol/resp/command-table';
import { OK_REPLY, resp, type RespValue } from '../protocol/resp/reply-encoder';
import type { RespHandler } from './resp-session';
import { SLOT_KEYS_HANDLERS } from './resp-slot-keys';
import type { ServerContext } from './server-context';

export const CROSSSLOT_ERROR = "CROSSSLOT Keys in request don't hash to the same slot";
export const SELECT_IN_CLUSTER_ERROR = 'ERR SELECT is not allowed in cluster mode';

export function movedError(slot: number, owner: TopologyNode): string {
  return `MOVED ${slot} ${endpointOf(owner)}:${owner.redisPort}`;
}

export interface ClusterView {
  /** The membership version it was built from (CLUSTER's epochs). */
  readonly version: number;
  readonly nodes: readonly TopologyNode[];
  /** This node in `nodes`, or null when the membership does not list it (then it owns no slot). */
  readonly self: TopologyNode | null;
  /** This node's id, listed or not (CLUSTER MYID). */
  readonly selfId: string;
}

interface CachedView {
  readonly me: ClusterNode;
  view: ClusterView | null;
}

/** Rebuilt only when the membership version moves: the routing check runs on every keyed command. */
const views = new WeakMap<ServerContext, CachedView>();

export function clusterView(context: ServerContext): ClusterView {
  let cached = views.get(context);
  if (cached === undefined) {
    cached = { me: selfNode(context.config.listen, context.config.port), view: null };
    views.set(context, cached);
  }
  const membership = context.membership;
  if (cached.view?.version === membership.version) return cached.view;
  const offset = context.config.redisPort - context.config.port;
  const nodes = topology(membership.nodes, offset);
  const me = cached.me;
  // The membership may name this node by host name or by IP; the port tells members on one host apart.
  const self =
    nodes.find((n) => n.port === me.port && (n.ip === me.ip || n.host === me.host || n.host === me.ip)) ?? null;
  const selfId = self?.id ?? nodeId(me);
  cached.view = { version: membership.version, nodes, self, selfId };
  return cached.view;
}

/** The slot of a command's keys, CROSSSLOT when they span slots, null when it has no key. */
export function commandSlot(spec: RespCommandSpec, args: readonly Buffer[]): number | 'crossslot' | null {
  const keys = commandKeys(spec, args);
  if (keys.length === 0) return null;
  const slot = keySlot(keys[0]!);
  for (let i = 1; i < keys.length; i++) if (keySlot(keys[i]!) !== slot) return 'crossslot';
  return slot;
}

/** MOVED when another member owns `slot`, else null (the command runs here). */
export function redirectFor(context: ServerContext, slot: number): string | null {
  const view = clusterView(context);
  const owner = ownerOf(view.nodes, slot);
  return owner === view.self ? null : movedError(slot, owner);
}

function slotsEntry(node: TopologyNode): RespValue {
  return resp.array([
    resp.integer(node.slots.start),
    resp.integer(node.slots.end),
    resp.array([
      resp.bulk(endpointOf(node)),
      resp.integer(node.redisPort),
      resp.bulk(node.id),
      resp.map([[resp.bulk('hostname'), resp.bulk(node.host)]]),
    ]),
  ]);
}

function shardEntry(node: TopologyNode): RespValue {
  return resp.map([
    [resp.bulk('slots'), resp.array([resp.integer(node.slots.start), resp.integer(node.slots.end)])],
    [
      resp.bulk('nodes'),
      resp.array([
        resp.map([
          [resp.bulk('id'), resp.bulk(node.id)],
          [resp.bulk('port'), resp.integer(node.redisPort)],
          [resp.bulk('ip'), resp.bulk(node.ip)],
          [resp.bulk('endpoint'), resp.bulk(endpointOf(node))],
          [resp.bulk('hostname'), resp.bulk(node.host)],
          [resp.bulk('role'), resp.bulk('master')],
          [resp.bulk('replication-offset'), resp.integer(0)],
          [resp.bulk('health'), resp.bulk('online')],
        ]),
      ]),
    ],
  ]);
}

/** Redis answers READONLY/READWRITE only in cluster mode; standalone it refuses them. */
const readMode: RespHandler = (session) => {
  if (session.context.config.redisCluster) return session.reply(OK_REPLY);
  session.replyError('ERR This instance has cluster support disabled');
};

export const CLUSTER_HANDLERS: Record<string, RespHandler> = {
  readonly: readMode,
  readwrite: readMode,
  'cluster|slots': (session) => session.replyValue(resp.array(clusterView(session.context).nodes.map(slotsEntry))),
  'cluster|shards': (session) => session.replyValue(resp.array(clusterView(session.context).nodes.map(shardEntry))),
  'cluster|nodes': (session) => {
    const view = clusterView(session.context);
    session.replyValue(resp.verbatim(clusterNodesText(view.nodes, view.self?.id ?? null, view.version)));
  },
  'cluster|info': (session) => {
    const view = clusterView(session.context);
    session.replyValue(resp.verbatim(clusterInfoText(view.nodes, view.version)));
  },
  'cluster|keyslot': (session, args) => session.replyValue(resp.integer(keySlot(args[2]!))),
  'cluster|myid': (session) => session.replyValue(resp.bulk(clusterView(session.context).selfId)),
  ...SLOT_KEYS_HANDLERS,
};
