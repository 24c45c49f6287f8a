/**
 * `npm run bench`: shardcache side by side with Debian's memcached (-t 2, same
 * -m) on 127.0.0.1, driven by the same load generator, alternating A B A B
 * over several rounds; prints medians, ratios, server CPU µs per op, and RSS
 * per item at 1M items. Writes the table to bench/results/<date>.md.
 *   node dist/bench/run.js [--seconds 5] [--rounds 3] [--connections 50] [--skip-memory]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { primeKeys, runLoad, type LoadResult } from './lib/loadgen';
import {
  cpuSeconds,
  memcachedVersion,
  rssBytes,
  startMemcached,
  startShardcache,
  stopServer,
  type ServerUnderTest,
} from './lib/servers';

interface Args {
  seconds: number;
  rounds: number;
  connections: number;
  skipMemory: boolean;
  memoryItems: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 5, rounds: 3, connections: 50, skipMemory: false, memoryItems: 1_000_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seconds') args.seconds = Number(argv[++i]);
    else if (a === '--rounds') args.rounds = Number(argv[++i]);
    else if (a === '--connections') args.connections = Number(argv[++i]);
    else if (a === '--memory-items') args.memoryItems = Number(argv[++i]);
    else if (a === '--skip-memory') args.skipMemory = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

interface Scenario {
  name: string;
  pipeline: number;
  getRatio: number;
  valueSize: number;
  keySpace: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'get:set 10:1, 32 B, pipeline 1', pipeline: 1, getRatio: 10 / 11, valueSize: 32, keySpace: 100_000 },
  { name: 'get:set 10:1, 32 B, pipeline 16', pipeline: 16, getRatio: 10 / 11, valueSize: 32, keySpace: 100_000 },
];

interface Measured extends LoadResult {
  cpuUsPerOp: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(server: ServerUnderTest, scenario: Scenario, args: Args): Promise<Measured> {
  const cpuBefore = cpuSeconds(server.pid);
  const result = await runLoad({
    host: '127.0.0.1',
    port: server.port,
    connections: args.connections,
    pipeline: scenario.pipeline,
    seconds: args.seconds,
    getRatio: scenario.getRatio,
    valueSize: scenario.valueSize,
    keySpace: scenario.keySpace,
    threads: 1,
    seed: 42,
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return { ...result, cpuUsPerOp: result.ops > 0 ? (cpu * 1e6) / result.ops : 0 };
}

async function throughput(args: Args, lines: string[]): Promise<void> {
  const shardcache = await startShardcache(['-m', '1024']);
  const memcached = await startMemcached(['-t', '2', '-m', '1024']);
  const servers = [shardcache, ...(memcached === null ? [] : [memcached])];
  try {
    for (const s of servers) await primeKeys('127.0.0.1', s.port, 100_000, 32);
    lines.push(
      '| scenario | server | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/op | errors |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
    );
    const ratios: string[] = [];
    for (const scenario of SCENARIOS) {
      const results = new Map<string, Measured[]>();
      for (let round = 0; round < args.rounds; round++) {
        for (const s of servers) {
          const r = await measure(s, scenario, args);
          results.set(s.name, [...(results.get(s.name) ?? []), r]);
          process.stderr.write(`  ${scenario.name} round ${round + 1} ${s.name}: ${r.opsPerSec} ops/s p99 ${r.p99us} µs cpu ${r.cpuUsPerOp.toFixed(1)} µs/op\n`);
        }
      }
      const medians = new Map<string, Record<string, number>>();
      for (const [name, rs] of results) {
        const m = {
          ops: median(rs.map((r) => r.opsPerSec)),
          p50: median(rs.map((r) => r.p50us)),
          p99: median(rs.map((r) => r.p99us)),
          p999: median(rs.map((r) => r.p999us)),
          cpu: median(rs.map((r) => r.cpuUsPerOp)),
          errors: rs.reduce((n, r) => n + r.errors, 0),
        };
        medians.set(name, m);
        lines.push(`| ${scenario.name} | ${name} | ${Math.round(m.ops)} | ${m.p50} | ${m.p99} | ${m.p999} | ${m.cpu.toFixed(1)} | ${m.errors} |`);
      }
      const a = medians.get('shardcache');
      const b = medians.get('memcached');
      if (a !== undefined && b !== undefined) {
        ratios.push(
          `| ${scenario.name} | ${(a.ops! / b.ops!).toFixed(2)}× | ${(a.p99! / b.p99!).toFixed(2)}× | ${(a.cpu! / b.cpu!).toFixed(2)}× |`,
        );
      }
    }
    if (ratios.length > 0) {
      lines.push('', '| scenario | ops/s shardcache/memcached | p99 ratio | CPU/op ratio |', '|---|---:|---:|---:|', ...ratios);
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }
}

async function memoryPerItem(args: Args, lines: string[]): Promise<void> {
  const shardcache = await startShardcache(['-m', '1024']);
  const memcached = await startMemcached(['-t', '2', '-m', '1024']);
  const servers = [shardcache, ...(memcached === null ? [] : [memcached])];
  lines.push('', `| memory at ${args.memoryItems} items (14 B keys, 100 B values) | RSS delta | bytes per item |`, '|---|---:|---:|');
  try {
    for (const s of servers) {
      const before = rssBytes(s.pid);
      await primeKeys('127.0.0.1', s.port, args.memoryItems, 100);
      await new Promise((r) => setTimeout(r, 500));
      const delta = rssBytes(s.pid) - before;
      lines.push(`| ${s.name} | ${(delta / 1048576).toFixed(1)} MiB | ${(delta / args.memoryItems).toFixed(1)} |`);
    }
  } finally {
    for (const s of servers) await stopServer(s);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const lines: string[] = [
    `# shardcache bench ${new Date().toISOString()}`,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${memcachedVersion()}.`,
    `Load: our generator (bench/lib/loadgen.ts), 1 client thread, ${args.connections} connections, ${args.seconds} s per run, ${args.rounds} alternating rounds, medians; shardcache with default threads (${os.availableParallelism()}), memcached -t 2; both -m 1024.`,
    '',
  ];
  await throughput(args, lines);
  if (!args.skipMemory) await memoryPerItem(args, lines);
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${new Date().toISOString().slice(0, 10)}.md`), text);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
