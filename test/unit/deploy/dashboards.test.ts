/**
 * deploy/grafana/shardcache.json and deploy/prometheus/alerts.yml, without a
 * daemon: the dashboard's structure, every PromQL expression in it parsed by
 * promtool (as recording rules), the alert rules checked and unit-tested by
 * promtool. test/integration/admin-dashboards.test.ts checks the metric names
 * against a live /metrics.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..', '..');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'shardcache.json');
const ALERTS = path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const ALERT_TESTS = path.join(ROOT, 'deploy', 'prometheus', 'alerts.test.yml');
const PROMETHEUS_CONFIG = path.join(ROOT, 'deploy', 'prometheus', 'prometheus.yml');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p)) ?? null;

interface Target {
  refId: string;
  expr: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: { unit?: string } };
}

const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown }[] };
};
const graphPanels = dashboard.panels.filter((p) => p.type !== 'row');

function run(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, output: `${stdout}${stderr}` });
    });
  });
}

/** Grafana's variables replaced by what Prometheus would get, so promtool can parse the expression. */
function withVariablesResolved(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '5m').replace(/\$instance|\$\{instance\}/g, '.*');
}

describe('Grafana dashboard', () => {
  it('has a stable uid, a data source variable and an instance variable', () => {
    expect(dashboard.uid).toBe('shardcache');
    const variables = dashboard.templating.list.map((v) => [v.name, v.type]);
    expect(variables).toEqual([
      ['datasource', 'datasource'],
      ['instance', 'query'],
    ]);
  });

  it('gives every panel a unique id and a place on the 24-column grid without overlaps', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const taken = new Set<string>();
    for (const p of dashboard.panels) {
      expect([p.title, p.gridPos.x + p.gridPos.w <= 24]).toEqual([p.title, true]);
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect([p.title, `${x},${y}`, taken.has(`${x},${y}`)]).toEqual([p.title, `${x},${y}`, false]);
          taken.add(`${x},${y}`);
        }
      }
    }
  });

  it('queries the data source variable from every panel and target', () => {
    for (const p of graphPanels) {
      expect([p.title, p.datasource]).toEqual([p.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect([p.title, (p.targets ?? []).length > 0]).toEqual([p.title, true]);
      for (const t of p.targets ?? []) {
        expect([p.title, t.datasource?.uid]).toEqual([p.title, '${datasource}']);
        expect([p.title, t.expr]).toEqual([p.title, expect.stringContaining('instance=~"$instance"')]);
      }
    }
  });

  it('has the panels the runbook names', () => {
    const titles = graphPanels.map((p) => p.title);
    for (const title of [
      'Hit ratio',
      'Ops/s by command',
      'Evictions/s',
      'Memory vs limit',
      'Connections vs limit',
      'Ops/s by shard',
      'GC pause histogram',
      'Event-loop lag',
    ]) {
      expect(titles).toContain(title);
    }
  });

  (PROMTOOL === null ? it.skip : it)('has only PromQL that promtool parses (each expression checked as a recording rule)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-dashboard-'));
    try {
      const rules = graphPanels.flatMap((p) =>
        (p.targets ?? []).map((t) => `      - record: dashboard:panel_${p.id}_${t.refId}\n        expr: ${JSON.stringify(withVariablesResolved(t.expr))}\n`),
      );
      expect(rules.length).toBeGreaterThan(20);
      const file = path.join(dir, 'dashboard-rules.yml');
      fs.writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('')}`);
      const result = await run(PROMTOOL!, ['check', 'rules', file]);
      expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(result.code).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Prometheus alert rules', () => {
  const text = fs.readFileSync(ALERTS, 'utf8');

  it('covers daemon down, a shard not answering, eviction storms, hit-ratio drops, memory and connections near their limits', () => {
    const alerts = [...text.matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    expect(alerts).toEqual([
      'ShardcacheDown',
      'ShardcacheShardNotAnswering',
      'ShardcacheShardRestarted',
      'ShardcacheEvictionStorm',
      'ShardcacheHitRatioDrop',
      'ShardcacheMemoryHigh',
      'ShardcacheConnectionsNearLimit',
      'ShardcacheConnectionsRejected',
    ]);
    // Every alert carries a severity and says what is wrong.
    expect(text.match(/^\s*severity: (?:critical|warning|info)$/gm)).toHaveLength(alerts.length);
    expect(text.match(/^\s*summary: /gm)).toHaveLength(alerts.length);
    expect(text.match(/^\s*description: /gm)).toHaveLength(alerts.length);
  });

  if (PROMTOOL === null) {
    it.skip('promtool check rules / test rules: promtool is not installed (apt-get install prometheus)', () => {});
  } else {
    it('passes promtool check rules', async () => {
      const result = await run(PROMTOOL, ['check', 'rules', ALERTS]);
      expect(result.output).toContain('SUCCESS: 8 rules found');
      expect(result.code).toBe(0);
    });

    it('fires each alert on the series in alerts.test.yml, and only there (promtool test rules)', async () => {
      const result = await run(PROMTOOL, ['test', 'rules', ALERT_TESTS]);
      expect(result.output).toMatch(/SUCCESS/);
      expect(result.output).not.toMatch(/FAILED/);
      expect(result.code).toBe(0);
    });

    it('ships a scrape configuration promtool accepts, in both its static and its (commented) Kubernetes form', async () => {
      const plain = await run(PROMTOOL, ['check', 'config', PROMETHEUS_CONFIG]);
      expect(plain.output).toMatch(/SUCCESS: .*prometheus\.yml is valid/);
      expect(plain.code).toBe(0);
      expect(fs.readFileSync(PROMETHEUS_CONFIG, 'utf8')).toMatch(/^ {2}- job_name: shardcache$/m);

      // The Kubernetes job replaces the static one: uncomment it in a copy beside alerts.yml.
      const lines = fs.readFileSync(PROMETHEUS_CONFIG, 'utf8').split('\n');
      const staticJob = lines.indexOf('  - job_name: shardcache');
      const kubernetesJob = lines.indexOf('  # - job_name: shardcache');
      expect([staticJob, kubernetesJob].every((i) => i > 0)).toBe(true);
      const uncommented = lines.slice(kubernetesJob).filter((l) => l.startsWith('  # ')).map((l) => `  ${l.slice(4)}`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardcache-prometheus-'));
      try {
        fs.copyFileSync(ALERTS, path.join(dir, 'alerts.yml'));
        fs.writeFileSync(path.join(dir, 'prometheus.yml'), [...lines.slice(0, staticJob), ...uncommented, ''].join('\n'));
        const kubernetes = await run(PROMTOOL, ['check', 'config', path.join(dir, 'prometheus.yml')]);
        expect(kubernetes.output).toMatch(/SUCCESS: .*prometheus\.yml is valid/);
        expect(kubernetes.code).toBe(0);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
