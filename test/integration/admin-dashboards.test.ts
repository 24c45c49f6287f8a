/**
 * The Grafana dashboard and the alert rules in deploy/ against a live daemon:
 * every metric name their PromQL uses must be served at /metrics, and the
 * scrape itself must pass `promtool check metrics` (when promtool is installed).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startDaemon, type RunningDaemon } from '../helpers/daemon';
import { RawClient } from '../helpers/raw-client';

const ROOT = path.join(__dirname, '..', '..');
const DASHBOARD = path.join(ROOT, 'deploy', 'grafana', 'shardcache.json');
const ALERTS = path.join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p)) ?? null;

/** Series Prometheus makes itself for every target; no exporter serves them. */
const SCRAPE_SERIES = new Set(['up']);

/** PromQL words that look like identifiers but are not metric names. */
const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers left after removing
 * strings, label matchers, ranges, grouping label lists and Grafana variables,
 * that are not keywords and not called as functions.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/(?<![\w.:])[a-zA-Z_:][a-zA-Z0-9_:]*(?![\w:])(?!\s*\()/g)) {
    if (!PROMQL_KEYWORDS.has(m[0])) names.add(m[0]);
  }
  return [...names];
}

/** Every PromQL expression of the dashboard (panel targets, and the metric of label_values() variables). */
function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
    panels: { targets?: { expr: string }[] }[];
    templating: { list: { query?: unknown }[] };
  };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'object' && variable.query !== null ? (variable.query as { query: string }).query : variable.query;
    const m = typeof query === 'string' ? /^label_values\(\s*(.+?)\s*,\s*\w+\s*\)$/.exec(query) : null;
    if (m !== null) exprs.push(m[1]!);
  }
  return exprs;
}

/** The `expr:` of every rule in alerts.yml, single-line or block (`|`) form. */
function alertExpressions(): string[] {
  const lines = fs.readFileSync(ALERTS, 'utf8').split('\n');
  const exprs: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)expr:\s*(.*)$/.exec(lines[i]!);
    if (m === null) continue;
    if (m[2] !== '|' && m[2] !== '>') {
      exprs.push(m[2]!);
      continue;
    }
    const block: string[] = [];
    while (i + 1 < lines.length && (lines[i + 1]!.trim() === '' || lines[i + 1]!.search(/\S/) > m[1]!.length)) block.push(lines[++i]!);
    exprs.push(block.join('\n'));
  }
  return exprs;
}

/** Metric families a Prometheus text exposition declares, with the series names a histogram or summary adds. */
function servedNames(exposition: string): Set<string> {
  const served = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    served.add(m[1]!);
    if (m[2] === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.add(m[1]! + suffix);
    if (m[2] === 'summary') for (const suffix of ['_sum', '_count']) served.add(m[1]! + suffix);
  }
  return served;
}

function promtool(args: string[], stdin: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(PROMTOOL!, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, output: `${stdout}${stderr}` });
    });
    child.stdin!.end(stdin);
  });
}

describe('metricNames', () => {
  it('finds selectors, and skips functions, keywords, labels, ranges, strings and variables', () => {
    expect(
      metricNames(
        'sum by (instance, le) (rate(memcached_commands_total{instance=~"$instance",command="get"}[$__rate_interval])) / ignoring(x) group_left(y) memcached_up offset 1h > bool 0.8 and histogram_quantile(0.99, x_bucket[5m:1m]) unless absent(a_b)',
      ).sort(),
    ).toEqual(['a_b', 'memcached_commands_total', 'memcached_up', 'x_bucket']);
    expect(metricNames('1e3 * 2.5 + foo:bar_total')).toEqual(['foo:bar_total']);
    expect(metricNames('sum(x) without (shard) / on (instance) y')).toEqual(['x', 'y']);
  });
});

describe('dashboards and alerts against a live /metrics', () => {
  let daemon: RunningDaemon;
  let admin: string;
  let exposition = '';

  beforeAll(async () => {
    const adminPort = await freePort();
    daemon = await startDaemon(['--admin-port', String(adminPort), '-t', '2']);
    admin = `http://127.0.0.1:${adminPort}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${admin}/readyz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Some traffic, so the labelled families (per slab class, per command) have series too.
    const client = await RawClient.connect(daemon.port);
    try {
      for (let i = 0; i < 50; i++) await client.requestExpecting(`set k${i} 0 0 ${10 + i * 40}\r\n${'x'.repeat(10 + i * 40)}\r\n`, 'STORED\r\n');
      await client.request('get k1 k2 nope\r\n', 'END\r\n');
    } finally {
      client.close();
    }
    const response = await fetch(`${admin}/metrics`);
    expect(response.status).toBe(200);
    exposition = await response.text();
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
  });

  it('serves every metric the Grafana dashboard queries', () => {
    const served = servedNames(exposition);
    const used = [...new Set(dashboardExpressions().flatMap(metricNames))].sort();
    expect(used.length).toBeGreaterThanOrEqual(20);
    expect(used.filter((name) => !served.has(name))).toEqual([]);
  });

  it('serves every metric the alert rules use (besides the scrape\'s own `up`)', () => {
    const served = servedNames(exposition);
    const exprs = alertExpressions();
    expect(exprs).toHaveLength(8);
    const used = [...new Set(exprs.flatMap(metricNames))].sort();
    expect(used).toContain('up');
    expect(used.filter((name) => !served.has(name) && !SCRAPE_SERIES.has(name))).toEqual([]);
  });

  if (PROMTOOL === null) {
    it.skip('promtool check metrics: promtool is not installed (apt-get install prometheus)', () => {});
  } else {
    it('passes promtool check metrics (names, types, help, suffixes)', async () => {
      const result = await promtool(['check', 'metrics'], exposition);
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    });
  }
});
