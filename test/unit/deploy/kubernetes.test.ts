/**
 * The Kubernetes manifests parse, and have what the deployment story relies on:
 * the daemon's args are valid shardcache flags, probes hit /readyz and /healthz,
 * the cache is sized from the memory limit, discovery polls the headless
 * Service's SRV name, a PodDisruptionBudget and a drain window exist, and the
 * sidecar shares its socket directory with the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../../src/config/load';

// Manifests are untyped YAML: walk them loosely and let the assertions check the shape.
type Doc = Record<string, any>;

const DIR = path.join(__dirname, '..', '..', '..', 'deploy', 'kubernetes');
/** No cgroup: `--memory-limit auto` resolves the same on every machine. */
const NO_CGROUP = { SHARDCACHE_CGROUP_ROOT: '/nonexistent', SHARDCACHE_PROC_SELF_CGROUP: '/nonexistent' };

function load(file: string): Doc[] {
  const docs = parseAllDocuments(fs.readFileSync(path.join(DIR, file), 'utf8'));
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs.map((d) => d.toJS() as Doc);
}

function byKind(docs: Doc[], kind: string): Doc[] {
  return docs.filter((d) => d['kind'] === kind);
}

/** The container's args as the daemon would see them (the kubelet expands $(VAR) from env). */
function expandedArgs(container: Doc, env: Record<string, string>): string[] {
  return (container['args'] as string[]).map((a) => a.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? ''));
}

describe('deploy/kubernetes/cluster.yaml', () => {
  const docs = load('cluster.yaml');
  const [statefulSet] = byKind(docs, 'StatefulSet');
  const pod = statefulSet!['spec']['template']['spec'];
  const container = (pod['containers'] as Doc[]).find((c) => c['name'] === 'shardcache')!;
  const headless = byKind(docs, 'Service').find((s) => s['spec']['clusterIP'] === 'None')!;

  it('runs valid shardcache flags: auto memory, admin port, SRV discovery of the headless Service', () => {
    const args = expandedArgs(container, { POD_NAMESPACE: 'cache' });
    const config = loadConfig(args, NO_CGROUP);
    expect(config.adminPort).toBe(9150);
    expect(config.redisPort).toBe(6379);
    expect(config.listen).toEqual(['0.0.0.0']);
    expect(args).toEqual(expect.arrayContaining(['--memory-limit', 'auto']));
    const portName = (headless['spec']['ports'] as Doc[]).find((p) => p['port'] === 11211)!['name'];
    expect(config.cluster).toEqual({
      kind: 'dns',
      name: `_${portName}._tcp.${headless['metadata']['name']}.cache.svc.cluster.local`,
      intervalSeconds: 5,
    });
    expect(statefulSet!['spec']['serviceName']).toBe(headless['metadata']['name']);
  });

  it('sets a memory limit for auto sizing, probes on the admin port, and a drain window', () => {
    expect(container['resources']['limits']['memory']).toMatch(/^\d+(Mi|Gi)$/);
    const admin = (container['ports'] as Doc[]).find((p) => p['containerPort'] === 9150)!['name'];
    expect(container['readinessProbe']['httpGet']).toEqual({ path: '/readyz', port: admin });
    expect(container['livenessProbe']['httpGet']).toEqual({ path: '/healthz', port: admin });
    expect(container['lifecycle']['preStop']).toBeDefined();
    expect(pod['terminationGracePeriodSeconds']).toBeGreaterThanOrEqual(10);
    expect(pod['securityContext']['runAsNonRoot']).toBe(true);
  });

  it('has a PodDisruptionBudget over the same pods, and only ready pods in discovery', () => {
    const [pdb] = byKind(docs, 'PodDisruptionBudget');
    expect(pdb!['spec']['selector']).toEqual(statefulSet!['spec']['selector']);
    expect(pdb!['spec']['maxUnavailable']).toBe(1);
    expect(headless['spec']['publishNotReadyAddresses']).toBe(false);
    expect(headless['spec']['selector']).toEqual(statefulSet!['spec']['selector']['matchLabels']);
  });
});

describe('deploy/kubernetes/sidecar.yaml', () => {
  const [deployment] = byKind(load('sidecar.yaml'), 'Deployment');
  const pod = deployment!['spec']['template']['spec'];
  const containers = pod['containers'] as Doc[];
  const cache = containers.find((c) => c['name'] === 'shardcache')!;
  const app = containers.find((c) => c['name'] !== 'shardcache')!;

  it('serves memcached on a unix socket in an emptyDir both containers mount', () => {
    const config = loadConfig(expandedArgs(cache, {}), NO_CGROUP);
    expect(config.unixSocket).not.toBeNull();
    expect(config.port).toBe(0);
    expect(config.listen).toEqual(['127.0.0.1']);
    const volume = (pod['volumes'] as Doc[]).find((v) => v['emptyDir'] !== undefined)!['name'];
    const mountOf = (c: Doc): string => (c['volumeMounts'] as Doc[]).find((m) => m['name'] === volume)!['mountPath'];
    expect(path.dirname(config.unixSocket!)).toBe(mountOf(cache));
    expect(mountOf(app)).toBe(mountOf(cache));
    const socketEnv = (app['env'] as Doc[]).find((e) => e['name'] === 'MEMCACHED_SOCKET')!['value'];
    expect(socketEnv).toBe(config.unixSocket);
  });

  it('probes the loopback admin port from inside the container', () => {
    expect(cache['readinessProbe']['exec']['command'].join(' ')).toContain('127.0.0.1:9150/readyz');
    expect(cache['livenessProbe']['exec']['command'].join(' ')).toContain('127.0.0.1:9150/healthz');
    expect(cache['resources']['limits']['memory']).toMatch(/^\d+(Mi|Gi)$/);
  });
});
