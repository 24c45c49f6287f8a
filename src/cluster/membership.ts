/**
 * The cluster's member list as served by `config get cluster`: a version that
 * starts at 1 and goes up by one exactly when the (sorted) list changes, and a
 * source that refreshes it — a static list, a watched file, or DNS polling of
 * a Kubernetes headless Service. A failing source never empties the list: the
 * last good one stays, the failure is logged once per change of state and
 * shown in stats and metrics. Knows nothing of protocols.
 */
import { promises as dnsPromises } from 'node:dns';
import fs from 'node:fs';
import os from 'node:os';
import {
  clusterConfigPayload,
  isIpLiteral,
  normalizeNodes,
  parseClusterFile,
  type ClusterNode,
} from './cluster-node';

export type SourceKind = 'self' | 'static' | 'file' | 'dns';

export interface MembershipStatus {
  source: SourceKind;
  version: number;
  nodes: number;
  /** '' while the source is healthy, else the last failure (the last good list is still served). */
  failure: string;
  /** Refreshes attempted and failed since start. */
  refreshes: number;
  failures: number;
}

/** What a source yields per refresh: the nodes, or why it could not say. */
export type RefreshResult = { ok: true; nodes: ClusterNode[] } | { ok: false; reason: string };

export interface MembershipSource {
  readonly kind: SourceKind;
  refresh(): Promise<RefreshResult>;
  /** Calls `onChange` whenever the source may have changed (timer, file watch). */
  watch(onChange: () => void): void;
  close(): void;
}

export class Membership {
  private nodesNow: ClusterNode[];
  private versionNow = 1;
  private rendered: string;
  private failure = '';
  private refreshes = 0;
  private failures = 0;
  private refreshing: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly source: MembershipSource,
    /** Served until the source gives its first good list (never an empty list). */
    fallback: readonly ClusterNode[],
    private readonly warn: (message: string) => void,
    private readonly info: (message: string) => void = () => undefined,
  ) {
    this.nodesNow = normalizeNodes(fallback);
    this.rendered = this.key(this.nodesNow);
  }

  get version(): number {
    return this.versionNow;
  }

  get nodes(): readonly ClusterNode[] {
    return this.nodesNow;
  }

  status(): MembershipStatus {
    return {
      source: this.source.kind,
      version: this.versionNow,
      nodes: this.nodesNow.length,
      failure: this.failure,
      refreshes: this.refreshes,
      failures: this.failures,
    };
  }

  /** First refresh, then follow the source's changes. */
  async start(): Promise<void> {
    await this.refresh();
    this.source.watch(() => void this.refresh());
  }

  close(): void {
    this.source.close();
  }

  /** One refresh at a time; a change noticed meanwhile triggers one more. */
  refresh(): Promise<void> {
    if (this.refreshing !== null) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        await this.refreshOnce();
      } while (this.again);
      this.refreshing = null;
    })();
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    this.refreshes++;
    let result: RefreshResult;
    try {
      result = await this.source.refresh();
    } catch (err) {
      result = { ok: false, reason: (err as Error).message };
    }
    if (result.ok && result.nodes.length === 0) result = { ok: false, reason: 'empty answer' };
    if (!result.ok) {
      this.failures++;
      if (this.failure !== result.reason) {
        this.warn(`cluster ${this.source.kind} source failing (${result.reason}); keeping the last good list of ${this.nodesNow.length} node(s), version ${this.versionNow}`);
      }
      this.failure = result.reason;
      return;
    }
    if (this.failure !== '') this.info(`cluster ${this.source.kind} source recovered`);
    this.failure = '';
    const nodes = normalizeNodes(result.nodes);
    const key = this.key(nodes);
    if (key === this.rendered) return;
    this.nodesNow = nodes;
    this.rendered = key;
    this.versionNow++;
    this.info(`cluster membership version ${this.versionNow}: ${nodes.map((n) => `${n.host}:${n.port}`).join(' ')}`);
  }

  private key(nodes: readonly ClusterNode[]): string {
    return clusterConfigPayload(0, nodes);
  }
}

/** Fills in the IP of nodes named by host name (clients connect by IP when it is present). */
async function withIps(nodes: readonly ClusterNode[]): Promise<ClusterNode[]> {
  return Promise.all(
    nodes.map(async (n) => {
      if (n.ip !== '') return n;
      try {
        const { address } = await dnsPromises.lookup(n.host);
        return { ...n, ip: address };
      } catch {
        return n;
      }
    }),
  );
}

/** The node itself, when no source is configured. */
export class SelfSource implements MembershipSource {
  readonly kind = 'self';
  constructor(private readonly self: ClusterNode) {}
  async refresh(): Promise<RefreshResult> {
    return { ok: true, nodes: [this.self] };
  }
  watch(): void {}
  close(): void {}
}

/** --cluster-nodes: a fixed list; host names resolved to IPs once per refresh. */
export class StaticSource implements MembershipSource {
  readonly kind = 'static';
  constructor(private readonly nodes: readonly ClusterNode[]) {}
  async refresh(): Promise<RefreshResult> {
    return { ok: true, nodes: await withIps(this.nodes) };
  }
  watch(): void {}
  close(): void {}
}

/** --cluster-file: reloaded whenever the file changes (polled by stat, so renames and editors work). */
export class FileSource implements MembershipSource {
  readonly kind = 'file';
  private watching = false;

  constructor(
    private readonly path: string,
    private readonly defaultPort: number,
    private readonly pollMs = 1000,
  ) {}

  async refresh(): Promise<RefreshResult> {
    let text: string;
    try {
      text = await fs.promises.readFile(this.path, 'utf8');
    } catch (err) {
      return { ok: false, reason: `cannot read ${this.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    }
    try {
      return { ok: true, nodes: await withIps(parseClusterFile(text, this.defaultPort)) };
    } catch (err) {
      return { ok: false, reason: `${this.path}: ${(err as Error).message}` };
    }
  }

  watch(onChange: () => void): void {
    this.watching = true;
    fs.watchFile(this.path, { interval: this.pollMs, persistent: false }, () => onChange());
    // The watcher takes its baseline stat asynchronously: a change made between the first read
    // and that baseline would go unseen, so read once more after the baseline exists.
    setTimeout(() => {
      if (this.watching) onChange();
    }, this.pollMs * 2).unref();
  }

  close(): void {
    if (this.watching) fs.unwatchFile(this.path);
    this.watching = false;
  }
}

export interface DnsResolver {
  resolveSrv(name: string): Promise<{ name: string; port: number }[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  reverse(ip: string): Promise<string[]>;
}

/**
 * --cluster-dns: polls a Kubernetes headless Service. A name starting with `_`
 * is an SRV query (`_memcache._tcp.shardcache.ns.svc.cluster.local`): targets
 * and ports come from the answer, IPs from looking the targets up. Otherwise
 * the A and AAAA records are the members, on `port`; host names come from a
 * reverse lookup (StatefulSet pods have one), else the IP stands in.
 */
export class DnsSource implements MembershipSource {
  readonly kind = 'dns';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly name: string,
    private readonly port: number,
    private readonly intervalMs: number,
    private readonly resolver: DnsResolver = new dnsPromises.Resolver(),
  ) {}

  async refresh(): Promise<RefreshResult> {
    try {
      if (this.name.startsWith('_')) {
        const records = await this.resolver.resolveSrv(this.name);
        const nodes = await Promise.all(
          records.map(async (r) => ({ host: r.name.replace(/\.$/, ''), ip: await this.addressOf(r.name), port: r.port })),
        );
        return { ok: true, nodes };
      }
      const [v4, v6] = await Promise.all([
        this.resolver.resolve4(this.name).catch(noRecords),
        this.resolver.resolve6(this.name).catch(noRecords),
      ]);
      const nodes = await Promise.all(
        [...v4, ...v6].map(async (ip) => ({ host: await this.hostNameOf(ip), ip, port: this.port })),
      );
      return { ok: true, nodes };
    } catch (err) {
      return { ok: false, reason: `DNS ${this.name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
    }
  }

  watch(onChange: () => void): void {
    this.timer = setInterval(onChange, this.intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async addressOf(host: string): Promise<string> {
    if (isIpLiteral(host)) return host;
    const v4 = await this.resolver.resolve4(host).catch(noRecords);
    if (v4.length > 0) return v4[0]!;
    const v6 = await this.resolver.resolve6(host).catch(noRecords);
    return v6[0] ?? '';
  }

  private async hostNameOf(ip: string): Promise<string> {
    const names = await this.resolver.reverse(ip).catch(noRecords);
    return names[0]?.replace(/\.$/, '') ?? ip;
  }
}

/** "No such record" is an empty answer for one record type, not a failure of the look-up. */
function noRecords(err: NodeJS.ErrnoException): string[] {
  if (err.code === 'ENODATA' || err.code === 'ENOTFOUND') return [];
  throw err;
}

/**
 * How this node names itself: its host name, and the IP clients should use —
 * the listen address when it is a specific one, else the first external IPv4.
 */
export function selfNode(listen: readonly string[], port: number): ClusterNode {
  const specific = listen.find((a) => a !== '0.0.0.0' && a !== '::' && isIpLiteral(a));
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;
  const ip = specific ?? external ?? '127.0.0.1';
  return { host: ip.startsWith('127.') ? 'localhost' : os.hostname(), ip, port };
}
