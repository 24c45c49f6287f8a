import fs from 'node:fs';
import { promises as dnsPromises } from 'node:dns';
import os from 'node:os';
import path from 'node:path';
import dns2 from 'dns2';
import type { ClusterNode } from '../../../src/cluster/cluster-node';
import { DnsSource, FileSource, Membership, type MembershipSource, type RefreshResult } from '../../../src/cluster/membership';

const SELF: ClusterNode = { host: 'self', ip: '127.0.0.1', port: 11211 };

/** A source whose next answers the test scripts. */
class ScriptedSource implements MembershipSource {
  readonly kind = 'static';
  next: RefreshResult = { ok: true, nodes: [] };
  async refresh(): Promise<RefreshResult> {
    return this.next;
  }
  watch(): void {}
  close(): void {}
}

const node = (host: string, port = 11211): ClusterNode => ({ host, ip: '10.0.0.1', port });

describe('Membership', () => {
  it('starts at version 1 and goes up by one only when the sorted list changes', async () => {
    const source = new ScriptedSource();
    const m = new Membership(source, [SELF], () => undefined);
    expect([m.version, m.nodes]).toEqual([1, [SELF]]);
    source.next = { ok: true, nodes: [node('b'), node('a')] };
    await m.refresh();
    expect(m.version).toBe(2);
    expect(m.nodes.map((n) => n.host)).toEqual(['a', 'b']);
    source.next = { ok: true, nodes: [node('a'), node('b'), node('a')] };
    await m.refresh();
    expect(m.version).toBe(2);
    source.next = { ok: true, nodes: [node('a'), node('b'), node('c')] };
    await m.refresh();
    expect(m.version).toBe(3);
  });

  it('keeps the last good list when the source fails or answers empty, warning once per change of state', async () => {
    const source = new ScriptedSource();
    const warnings: string[] = [];
    const m = new Membership(source, [SELF], (w) => warnings.push(w));
    source.next = { ok: true, nodes: [node('a')] };
    await m.refresh();
    source.next = { ok: false, reason: 'DNS x: ECONNREFUSED' };
    await m.refresh();
    await m.refresh();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ECONNREFUSED.*keeping the last good list of 1 node/);
    source.next = { ok: true, nodes: [] };
    await m.refresh();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatch(/empty answer/);
    expect(m.nodes.map((n) => n.host)).toEqual(['a']);
    expect(m.status()).toMatchObject({ version: 2, nodes: 1, failure: 'empty answer', failures: 3 });
    source.next = { ok: true, nodes: [node('a')] };
    await m.refresh();
    expect(m.status()).toMatchObject({ version: 2, failure: '' });
  });
});

describe('FileSource', () => {
  it('reloads when the file changes, keeps the list when it disappears', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-cluster-'));
    const file = path.join(dir, 'nodes');
    fs.writeFileSync(file, 'a|10.0.0.1|11211\n');
    const m = new Membership(new FileSource(file, 11211, 50), [SELF], () => undefined);
    try {
      await m.start();
      expect([m.version, m.nodes.map((n) => n.host)]).toEqual([2, ['a']]);
      fs.writeFileSync(file, 'a|10.0.0.1|11211\nb|10.0.0.2|11211\n');
      await waitFor(() => m.version === 3);
      expect(m.nodes.map((n) => n.host)).toEqual(['a', 'b']);
      fs.rmSync(file);
      await waitFor(() => m.status().failure !== '');
      expect(m.status().failure).toMatch(/ENOENT/);
      expect(m.nodes.map((n) => n.host)).toEqual(['a', 'b']);
    } finally {
      m.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DnsSource against a DNS server on 127.0.0.1', () => {
  const { Packet } = dns2;
  let failing = false;
  let members = ['10.1.0.1', '10.1.0.2'];
  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question!.name;
      if (failing) {
        response.header.rcode = 2; // SERVFAIL
        send(response);
        return;
      }
      const answer = (record: Record<string, unknown>): void => {
        response.answers.push({ name, class: Packet.CLASS.IN, ttl: 5, ...record } as never);
      };
      if (question!.type === Packet.TYPE.A && name === 'cache.ns.svc.cluster.local') {
        for (const address of members) answer({ type: Packet.TYPE.A, address });
      } else if (question!.type === Packet.TYPE.PTR && name.endsWith('.in-addr.arpa')) {
        const ip = name.replace('.in-addr.arpa', '').split('.').reverse().join('.');
        answer({ type: Packet.TYPE.PTR, domain: `pod-${ip.split('.').at(-1)}.cache.ns.svc.cluster.local` });
      } else if (question!.type === Packet.TYPE.SRV && name === '_memcache._tcp.cache.ns.svc.cluster.local') {
        answer({ type: Packet.TYPE.SRV, priority: 0, weight: 50, port: 11311, target: 'pod-0.cache.ns.svc.cluster.local' });
        answer({ type: Packet.TYPE.SRV, priority: 0, weight: 50, port: 11311, target: 'pod-1.cache.ns.svc.cluster.local' });
      } else if (question!.type === Packet.TYPE.A && name.startsWith('pod-')) {
        answer({ type: Packet.TYPE.A, address: name.startsWith('pod-0') ? '10.2.0.10' : '10.2.0.11' });
      } else {
        response.header.rcode = 3; // NXDOMAIN
      }
      send(response);
    },
  });
  let resolver: dnsPromises.Resolver;

  beforeAll(async () => {
    await server.listen({ udp: { port: 0, address: '127.0.0.1' } });
    const { udp } = server.addresses() as { udp: { port: number } };
    resolver = new dnsPromises.Resolver({ timeout: 300, tries: 1 });
    resolver.setServers([`127.0.0.1:${udp.port}`]);
  });
  afterAll(() => server.close());

  it('turns A records into members on our port, host names from reverse look-ups', async () => {
    const m = new Membership(new DnsSource('cache.ns.svc.cluster.local', 11211, 60_000, resolver), [SELF], () => undefined);
    await m.refresh();
    expect(m.nodes).toEqual([
      { host: 'pod-1.cache.ns.svc.cluster.local', ip: '10.1.0.1', port: 11211 },
      { host: 'pod-2.cache.ns.svc.cluster.local', ip: '10.1.0.2', port: 11211 },
    ]);
    expect(m.version).toBe(2);
    members = ['10.1.0.1', '10.1.0.2', '10.1.0.3'];
    await m.refresh();
    expect([m.version, m.nodes.length]).toEqual([3, 3]);
    members = ['10.1.0.1', '10.1.0.2'];
  });

  it('reads SRV answers: targets, their ports and addresses', async () => {
    const m = new Membership(new DnsSource('_memcache._tcp.cache.ns.svc.cluster.local', 11211, 60_000, resolver), [SELF], () => undefined);
    await m.refresh();
    expect(m.nodes).toEqual([
      { host: 'pod-0.cache.ns.svc.cluster.local', ip: '10.2.0.10', port: 11311 },
      { host: 'pod-1.cache.ns.svc.cluster.local', ip: '10.2.0.11', port: 11311 },
    ]);
  });

  it('keeps the last good list while the server fails, and an unknown name is an empty answer', async () => {
    const warnings: string[] = [];
    const m = new Membership(new DnsSource('cache.ns.svc.cluster.local', 11211, 60_000, resolver), [SELF], (w) => warnings.push(w));
    await m.refresh();
    failing = true;
    await m.refresh();
    failing = false;
    expect(m.nodes).toHaveLength(2);
    expect(m.status().failure).toMatch(/^DNS cache\.ns\.svc\.cluster\.local: /);
    expect(warnings).toHaveLength(1);
    const unknown = new Membership(new DnsSource('nothing.example', 11211, 60_000, resolver), [SELF], () => undefined);
    await unknown.refresh();
    expect(unknown.nodes).toEqual([SELF]);
    expect(unknown.status().failure).toBe('empty answer');
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
