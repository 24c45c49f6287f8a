/**
 * A cluster member as auto-discovery clients see it (`host|ip|port`), the
 * parsers for the ways users name members, and ElastiCache's exact
 * `config get cluster` payload. Pure functions: no I/O, no sockets.
 */

export interface ClusterNode {
  /** Host name (ElastiCache's CNAME field; always present). */
  readonly host: string;
  /** IP address clients connect to when present; '' when unknown (the pipes stay: `host||port`). */
  readonly ip: string;
  readonly port: number;
}

export class ClusterNodeSyntaxError extends Error {}

const HOST = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_.])?$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function parsePortText(text: string, where: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new ClusterNodeSyntaxError(`${where}: ${JSON.stringify(text)} is not a port (1 to 65535)`);
  }
  return Number(text);
}

function checkHost(host: string, where: string): void {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (!HOST.test(bare) && !bare.includes(':')) throw new ClusterNodeSyntaxError(`${where}: ${JSON.stringify(host)} is not a host name or address`);
}

/** True when `host` is an IP literal (then it is its own IP). */
export function isIpLiteral(host: string): boolean {
  return IPV4.test(host) || host.includes(':');
}

/**
 * `host:port`, `[v6]:port`, or ElastiCache's `host|ip|port` (ip may be
 * empty). An IP literal given as the host is also its IP.
 */
export function parseClusterNode(text: string, where = 'node', defaultPort?: number): ClusterNode {
  const t = text.trim();
  if (t.includes('|')) {
    const parts = t.split('|');
    if (parts.length !== 3) throw new ClusterNodeSyntaxError(`${where}: ${JSON.stringify(t)} is not host|ip|port`);
    const [host, ip, port] = parts as [string, string, string];
    checkHost(host, where);
    if (ip !== '') checkHost(ip, where);
    return { host, ip, port: parsePortText(port, where) };
  }
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  let host: string;
  let portText: string | undefined;
  if (v6 !== null) {
    host = v6[1]!;
    portText = v6[2];
  } else {
    const colon = t.lastIndexOf(':');
    host = colon === -1 ? t : t.slice(0, colon);
    portText = colon === -1 ? undefined : t.slice(colon + 1);
  }
  if (host === '') throw new ClusterNodeSyntaxError(`${where}: ${JSON.stringify(t)} has no host`);
  checkHost(host, where);
  if (portText === undefined && defaultPort === undefined) throw new ClusterNodeSyntaxError(`${where}: ${JSON.stringify(t)} has no :port`);
  const port = portText === undefined ? defaultPort! : parsePortText(portText, where);
  return { host, ip: isIpLiteral(host) ? host : '', port };
}

/** A comma list of nodes (--cluster-nodes). */
export function parseClusterNodeList(text: string, defaultPort?: number): ClusterNode[] {
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new ClusterNodeSyntaxError('the node list is empty');
  return items.map((item, i) => parseClusterNode(item, `node ${i + 1}`, defaultPort));
}

/** A --cluster-file: one node per line; blank lines and `#` comments skipped. */
export function parseClusterFile(text: string, defaultPort?: number): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.replace(/#.*/, '').trim();
    if (t !== '') nodes.push(parseClusterNode(t, `line ${i + 1}`, defaultPort));
  });
  return nodes;
}

/** Sorted by host name, then port (ElastiCache lists nodes alphabetically), duplicates removed. */
export function normalizeNodes(nodes: readonly ClusterNode[]): ClusterNode[] {
  const byKey = new Map<string, ClusterNode>();
  for (const n of nodes) {
    const key = `${n.host}|${n.port}`;
    const seen = byKey.get(key);
    // Keep the entry that knows its IP.
    if (seen === undefined || (seen.ip === '' && n.ip !== '')) byKey.set(key, n);
  }
  return [...byKey.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
}

/** `<version>\n<host>|<ip>|<port> <host>|<ip>|<port>\n`: what `config get cluster` carries. */
export function clusterConfigPayload(version: number, nodes: readonly ClusterNode[]): string {
  return `${version}\n${nodes.map((n) => `${n.host}|${n.ip}|${n.port}`).join(' ')}\n`;
}

/** The text-protocol reply to `config get cluster`, sent in one write. */
export function configGetClusterReply(version: number, nodes: readonly ClusterNode[]): Buffer {
  const payload = Buffer.from(clusterConfigPayload(version, nodes), 'utf8');
  return Buffer.concat([Buffer.from(`CONFIG cluster 0 ${payload.length}\r\n`), payload, Buffer.from('\r\nEND\r\n')]);
}

/** The legacy reply: `get AmazonElastiCache:cluster` answered as an item with the same payload. */
export function legacyClusterGetReply(version: number, nodes: readonly ClusterNode[]): Buffer {
  const payload = Buffer.from(clusterConfigPayload(version, nodes), 'utf8');
  return Buffer.concat([Buffer.from(`VALUE AmazonElastiCache:cluster 0 ${payload.length}\r\n`), payload, Buffer.from('\r\nEND\r\n')]);
}

export const LEGACY_CLUSTER_KEY = 'AmazonElastiCache:cluster';
