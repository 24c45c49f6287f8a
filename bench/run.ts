/**
 * `npm run bench`: shardcache side by side with Debian's memcached (-t 2, same
 * -m) and redis-server (no persistence) on 127.0.0.1, as named presets
 * (`--list`, `--scenario a,b`): throughput presets driven by our load
 * generator (memcached text or RESP), memaslap (text, binary) and redis-benchmark,
 * alternating A B A B over several rounds, printing medians, ratios
 * shardcache/memcached and server CPU µs per op; memory presets (RSS per item
 * at 1M and 5M items, `stats bytes` vs RSS, a multi-get storm); tail latency
 * with 10k vs 5M items resident; the Node floor (node-floor-p1: the same pipeline-1
 * load on a one-thread Node server with no worker hop, CPU split into user and kernel,
 * main thread apart). Writes bench/results/<name>.md and a PNG
 * chart of the ratios.
 *   node dist/bench/run.js [--quick] [--seconds 4] [--rounds 3] [--connections 50]
 *                          [--scenario a,b] [--list] [--skip-memory] [--memory-items N]
 *                          [--big-items N] [--out NAME]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeRatioChart, type RatioBar } from './lib/chart';
import { median } from './lib/histogram';
import { multiGetStorm, primeKeys, runLoad, type LoadOptions, type LoadResult } from './lib/loadgen';
import { memaslapArgs, memaslapBinary, runMemaslap } from './lib/memaslap';
import { redisBenchmarkArgs, redisBenchmarkBinary, runRedisBenchmark } from './lib/redis-benchmark';
import {
  cpuSeconds,
  cpuSplit,
  memcachedVersion,
  redisVersion,
  rssBytes,
  rssSampler,
  serverStats,
  shardcacheNodeFlags,
  startMemcached,
  startNodeFloor,
  startRedis,
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
  bigItems: number;
  stormKeys: number;
  storms: number;
  scenarios: string[] | null;
  list: boolean;
  quick: boolean;
  out: string | null;
  /** Extra flags for shardcache in every group (e.g. `-t 1` to compare shard counts). */
  shardcacheArgs: string[];
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const args: Args = {
    seconds: quick ? 2 : 4,
    rounds: quick ? 1 : 3,
    connections: 50,
    skipMemory: false,
    memoryItems: 1_000_000,
    bigItems: quick ? 1_000_000 : 5_000_000,
    stormKeys: 100_000,
    storms: 3,
    scenarios: null,
    list: false,
    quick,
    out: null,
    shardcacheArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v <= 0) throw new Error(`${a} needs a positive number`);
      return v;
    };
    if (a === '--seconds') args.seconds = num();
    else if (a === '--rounds') args.rounds = num();
    else if (a === '--connections') args.connections = num();
    else if (a === '--memory-items') args.memoryItems = num();
    else if (a === '--big-items') args.bigItems = num();
    else if (a === '--storm-keys') args.stormKeys = num();
    else if (a === '--storms') args.storms = num();
    else if (a === '--skip-memory') args.skipMemory = true;
    else if (a === '--quick') args.quick = true;
    else if (a === '--list') args.list = true;
    else if (a === '--out') args.out = argv[++i] ?? null;
    else if (a === '--shardcache-args') args.shardcacheArgs = (argv[++i] ?? '').split(' ').filter((s) => s !== '');
    else if (a === '--scenario' || a === '--scenarios') args.scenarios = (argv[++i] ?? '').split(',').filter((s) => s !== '');
    else throw new Error(`unknown argument ${a} (see --list and bench/README.md)`);
  }
  return args;
}

/**
 * Servers started for a group of presets: extra args for each. The peer is
 * memcached (-t 2) unless `redis` is given: then it is redis-server and the
 * load goes to shardcache's RESP port.
 */
interface ServerGroup {
  id: string;
  shardcache: string[];
  memcached?: string[];
  redis?: string[];
}

const GROUPS = {
  default: { id: 'default', shardcache: ['-m', '1024'], memcached: ['-t', '2', '-m', '1024'] },
  conns: { id: 'conns', shardcache: ['-m', '1024', '-c', '2048'], memcached: ['-t', '2', '-m', '1024', '-c', '2048'] },
  m64: { id: 'm64', shardcache: ['-m', '64'], memcached: ['-t', '2', '-m', '64'] },
  memaslap: { id: 'memaslap', shardcache: ['-m', '1024'], memcached: ['-t', '2', '-m', '1024'] },
  resp: { id: 'resp', shardcache: ['-m', '1024'], redis: ['--maxmemory', '1gb', '--maxmemory-policy', 'allkeys-lru'] },
} satisfies Record<string, ServerGroup>;

interface LoadScenario {
  kind: 'loadgen';
  id: string;
  /** Table label. The first two are quoted elsewhere: keep them as they are. */
  name: string;
  description: string;
  group: ServerGroup;
  /** Keys written before the rounds so that gets hit (null: none). */
  prime: { count: number; valueSize: number } | null;
  load: Omit<LoadOptions, 'host' | 'port' | 'seconds' | 'threads' | 'seed' | 'connections'> & { connections?: number };
}

interface MemaslapScenario {
  kind: 'memaslap';
  id: string;
  name: string;
  description: string;
  group: ServerGroup;
  binary: boolean;
}

interface RedisBenchmarkScenario {
  kind: 'redis-benchmark';
  id: string;
  name: string;
  description: string;
  group: ServerGroup;
  pipeline: number;
  /** Requests per test (set, then get) in a full run; --quick uses a quarter. */
  requests: number;
}

type ThroughputScenario = LoadScenario | MemaslapScenario | RedisBenchmarkScenario;

interface PhaseScenario {
  kind: 'memory' | 'storm' | 'memory-big' | 'tail' | 'floor';
  id: string;
  name: string;
  description: string;
}

type Scenario = ThroughputScenario | PhaseScenario;

const PRIME_32 = { count: 100_000, valueSize: 32 };
const PRIME_1K = { count: 100_000, valueSize: 1024 };

/** In run order (presets sharing a server group run on the same two servers). */
const SCENARIOS: Scenario[] = [
  {
    kind: 'loadgen',
    id: 'mix10-32b-p1',
    name: 'get:set 10:1, 32 B, pipeline 1',
    description: 'get:set 10:1, 32 B values, 100k primed keys, uniform, pipeline 1 (the original preset)',
    group: GROUPS.default,
    prime: PRIME_32,
    load: { pipeline: 1, getRatio: 10 / 11, valueSize: 32, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'mix10-32b-p16',
    name: 'get:set 10:1, 32 B, pipeline 16',
    description: 'same at pipeline 16 (the original preset)',
    group: GROUPS.default,
    prime: PRIME_32,
    load: { pipeline: 16, getRatio: 10 / 11, valueSize: 32, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'mix9-32b-p1',
    name: 'get:set 9:1, 32 B, pipeline 1',
    description: 'get:set 9:1, 32 B values, 100k primed keys, uniform, pipeline 1 (a target)',
    group: GROUPS.default,
    prime: PRIME_32,
    load: { pipeline: 1, getRatio: 0.9, valueSize: 32, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'mix9-32b-p16',
    name: 'get:set 9:1, 32 B, pipeline 16',
    description: 'same at pipeline 16 (a target)',
    group: GROUPS.default,
    prime: PRIME_32,
    load: { pipeline: 16, getRatio: 0.9, valueSize: 32, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'multiget-100',
    name: 'multi-get 100 keys, 32 B, pipeline 1',
    description: 'every request `get k1 … k100` (uniform keys out of 100k primed, 32 B), pipeline 1; ops = requests',
    group: GROUPS.default,
    prime: PRIME_32,
    load: { pipeline: 1, getRatio: 1, valueSize: 32, keySpace: 100_000, keysPerGet: 100 },
  },
  {
    kind: 'loadgen',
    id: 'zipf-p16',
    name: 'get:set 9:1, 32 B, Zipf 0.99, pipeline 16',
    description: 'get:set 9:1, 32 B, keys Zipf-distributed (s = 0.99, seeded) over 100k primed keys, pipeline 16',
    group: GROUPS.default,
    prime: PRIME_32,
    load: { pipeline: 16, getRatio: 0.9, valueSize: 32, keySpace: 100_000, keyDistribution: 'zipf', zipfS: 0.99 },
  },
  {
    kind: 'loadgen',
    id: 'mix9-1k-p1',
    name: 'get:set 9:1, 1 KB, pipeline 1',
    description: 'get:set 9:1, 1 KB values, 100k keys primed with 1 KB, pipeline 1',
    group: GROUPS.default,
    prime: PRIME_1K,
    load: { pipeline: 1, getRatio: 0.9, valueSize: 1024, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'mix9-1k-p16',
    name: 'get:set 9:1, 1 KB, pipeline 16',
    description: 'same at pipeline 16',
    group: GROUPS.default,
    prime: PRIME_1K,
    load: { pipeline: 16, getRatio: 0.9, valueSize: 1024, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'idle-1000',
    name: '1,000 conns (950 idle), get:set 9:1, 32 B, pipeline 1',
    description: '950 connections opened first and left silent + 50 active at pipeline 1, get:set 9:1, 32 B; both servers -c 2048',
    group: GROUPS.conns,
    prime: PRIME_32,
    load: { pipeline: 1, getRatio: 0.9, valueSize: 32, keySpace: 100_000, connections: 50, idleConnections: 950 },
  },
  {
    kind: 'loadgen',
    id: 'set-evict-1k',
    name: '100% set, 1 KB, -m 64 (evicting), pipeline 16',
    description: 'only sets of 1 KB values over 1M keys with both servers at -m 64, so every run evicts; evictions from `stats`',
    group: GROUPS.m64,
    prime: null,
    load: { pipeline: 16, getRatio: 0, valueSize: 1024, keySpace: 1_000_000 },
  },
  {
    kind: 'memaslap',
    id: 'memaslap',
    name: 'memaslap -T 1 -c 50 -X 32 (get:set 9:1)',
    description: 'Debian memaslap (memcaslap) -T 1 -c 50 -t <seconds>s -X 32, its default get:set 9:1, text protocol; its TPS line',
    group: GROUPS.memaslap,
    binary: false,
  },
  {
    kind: 'memaslap',
    id: 'memaslap-binary',
    name: 'memaslap -B (binary protocol) -T 1 -c 50 -X 32',
    description: 'the same with -B: the memcached binary protocol',
    group: GROUPS.memaslap,
    binary: true,
  },
  {
    kind: 'loadgen',
    id: 'resp-mix9-32b-p1',
    name: 'RESP GET:SET 9:1, 32 B, pipeline 1 (vs redis-server)',
    description: 'our generator speaking RESP to shardcache --redis-port and to redis-server: GET:SET 9:1, 32 B, 100k primed keys, pipeline 1',
    group: GROUPS.resp,
    prime: PRIME_32,
    load: { protocol: 'resp', pipeline: 1, getRatio: 0.9, valueSize: 32, keySpace: 100_000 },
  },
  {
    kind: 'loadgen',
    id: 'resp-mix9-32b-p16',
    name: 'RESP GET:SET 9:1, 32 B, pipeline 16 (vs redis-server)',
    description: 'same at pipeline 16 (a target: ≥ 1× redis-server)',
    group: GROUPS.resp,
    prime: PRIME_32,
    load: { protocol: 'resp', pipeline: 16, getRatio: 0.9, valueSize: 32, keySpace: 100_000 },
  },
  {
    kind: 'redis-benchmark',
    id: 'redis-benchmark-p1',
    name: 'redis-benchmark -t set,get -P 1',
    description: 'Debian redis-benchmark -t set,get -P 1 -c 50 -d 32 -r 100000 -n 100000 against both; set and get rps summed as ops/requests',
    group: GROUPS.resp,
    pipeline: 1,
    requests: 100_000,
  },
  {
    kind: 'redis-benchmark',
    id: 'redis-benchmark-p16',
    name: 'redis-benchmark -t set,get -P 16',
    description: 'the same with -P 16 -n 1000000 (a target: ≥ 1× redis-server)',
    group: GROUPS.resp,
    pipeline: 16,
    requests: 1_000_000,
  },
  {
    kind: 'floor',
    id: 'node-floor-p1',
    name: 'Node floor at pipeline 1',
    description:
      "mix9-32b-p1's load on memcached, shardcache and a one-thread Node server with a Map and no worker hop (bench/lib/node-floor-server.ts): ops/s and user/kernel CPU per op, front thread apart",
  },
  {
    kind: 'memory',
    id: 'memory-1m',
    name: 'memory at 1M items',
    description: 'RSS delta per item after 1M sets (14 B keys, 100 B values) on fresh servers (-m 1024), and RSS ÷ `stats bytes`',
  },
  {
    kind: 'storm',
    id: 'storm',
    name: 'multi-get storm',
    description: 'RSS before, peak during and after 3 storms of one connection sending `get` with 100k keys (100 B values, all hits)',
  },
  {
    kind: 'memory-big',
    id: 'memory-5m',
    name: 'memory at 5M items',
    description: 'RSS delta per item after 5M sets (14 B keys, 100 B values; servers -m 2048) and RSS ÷ `stats bytes`',
  },
  {
    kind: 'tail',
    id: 'tail-latency',
    name: 'tail latency vs data size',
    description: 'get-only, pipeline 1, 50 conns, uniform keys: p50/p99/p99.9 with 10k items resident vs 5M (same servers, -m 2048)',
  },
];

interface Measured extends LoadResult {
  cpuUsPerOp: number;
  /** The load generator's own CPU per op (this process): what the client takes from the cores it shares with the server. */
  clientCpuUsPerOp: number;
  evictions: number;
}

interface Summary {
  ops: number;
  p50: number;
  p99: number;
  p999: number;
  cpu: number;
  errors: number;
  notes: string;
}

const MiB = 1048576;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (text: string): void => void process.stderr.write(`${text}\n`);

function human(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(Math.round(n));
}

/** --shardcache-args, appended to every group's shardcache flags (set once in main). */
let extraShardcacheArgs: string[] = [];

async function startPair(group: ServerGroup): Promise<ServerUnderTest[]> {
  const resp = group.redis !== undefined;
  const shardcache = await startShardcache([...group.shardcache, ...extraShardcacheArgs], resp);
  const peer = resp ? await startRedis(group.redis!) : await startMemcached(group.memcached ?? []);
  return [shardcache, ...(peer === null ? [] : [peer])];
}

async function stopAll(servers: ServerUnderTest[]): Promise<void> {
  for (const s of servers) await stopServer(s);
}

async function evictionCount(server: ServerUnderTest): Promise<number> {
  return server.statsPort === null ? 0 : Number((await serverStats(server.statsPort)).evictions ?? 0);
}

async function measureLoad(server: ServerUnderTest, scenario: LoadScenario, args: Args): Promise<Measured> {
  const evictionsBefore = await evictionCount(server);
  const cpuBefore = cpuSeconds(server.pid);
  const clientCpuBefore = cpuSeconds(process.pid);
  const result = await runLoad({
    host: '127.0.0.1',
    port: server.port,
    connections: args.connections,
    seconds: args.seconds,
    threads: 1,
    seed: 42,
    ...scenario.load,
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const clientCpu = cpuSeconds(process.pid) - clientCpuBefore;
  const evictions = (await evictionCount(server)) - evictionsBefore;
  const perOp = (seconds: number): number => (result.ops > 0 ? (seconds * 1e6) / result.ops : 0);
  return { ...result, cpuUsPerOp: perOp(cpu), clientCpuUsPerOp: perOp(clientCpu), evictions };
}

function summarizeLoad(scenario: LoadScenario, rs: Measured[]): Summary {
  const notes: string[] = [];
  const gets = rs.reduce((n, r) => n + r.hits + r.misses, 0);
  if (gets > 0) {
    const keysPerGet = scenario.load.keysPerGet ?? 1;
    const values = rs.reduce((n, r) => n + r.values, 0);
    notes.push(`key hits ${((100 * values) / (gets * keysPerGet)).toFixed(1)}%`);
    if (keysPerGet > 1) notes.push(`${human(median(rs.map((r) => r.values / r.seconds)))} keys/s`);
  }
  notes.push(`client CPU ${median(rs.map((r) => r.clientCpuUsPerOp)).toFixed(1)} µs/op`);
  if (scenario.load.idleConnections !== undefined) notes.push(`${Math.min(...rs.map((r) => r.idleOpen))} idle open`);
  const evictions = median(rs.map((r) => r.evictions));
  if (evictions > 0 || scenario.load.getRatio === 0) notes.push(`evictions ${human(evictions)}/run`);
  const firstError = rs.find((r) => r.firstError !== '')?.firstError;
  if (firstError !== undefined) notes.push(`first error reply: \`${firstError.replace(/[`|]/g, ' ')}\``);
  return {
    ops: median(rs.map((r) => r.opsPerSec)),
    p50: median(rs.map((r) => r.p50us)),
    p99: median(rs.map((r) => r.p99us)),
    p999: median(rs.map((r) => r.p999us)),
    cpu: median(rs.map((r) => r.cpuUsPerOp)),
    errors: rs.reduce((n, r) => n + r.errors, 0),
    notes: notes.join(', '),
  };
}

interface MemaslapMeasured {
  opsPerSec: number;
  cpuUsPerOp: number;
  getMisses: number;
}

async function measureMemaslap(server: ServerUnderTest, scenario: MemaslapScenario, args: Args): Promise<MemaslapMeasured> {
  const cpuBefore = cpuSeconds(server.pid);
  const r = await runMemaslap({
    port: server.port,
    seconds: Math.round(args.seconds),
    threads: 1,
    concurrency: args.connections,
    valueSize: 32,
    binary: scenario.binary,
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  return { opsPerSec: r.opsPerSec, cpuUsPerOp: r.ops > 0 ? (cpu * 1e6) / r.ops : 0, getMisses: r.getMisses };
}

interface RedisBenchmarkMeasured {
  /** Requests of both tests ÷ the sum of their durations (requests / rps). */
  opsPerSec: number;
  setRps: number;
  getRps: number;
  p99us: number;
  cpuUsPerOp: number;
}

async function measureRedisBenchmark(server: ServerUnderTest, scenario: RedisBenchmarkScenario, args: Args): Promise<RedisBenchmarkMeasured> {
  const requests = args.quick ? Math.round(scenario.requests / 4) : scenario.requests;
  const cpuBefore = cpuSeconds(server.pid);
  const rows = await runRedisBenchmark({
    port: server.port,
    pipeline: scenario.pipeline,
    clients: args.connections,
    valueSize: 32,
    keySpace: 100_000,
    requests,
    timeoutSeconds: 180,
  });
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const set = rows.find((r) => r.test === 'SET');
  const get = rows.find((r) => r.test === 'GET');
  const seconds = rows.reduce((t, r) => t + requests / r.rps, 0);
  return {
    opsPerSec: (requests * rows.length) / seconds,
    setRps: set?.rps ?? 0,
    getRps: get?.rps ?? 0,
    p99us: Math.round(Math.max(...rows.map((r) => r.p99ms * 1000))),
    cpuUsPerOp: (cpu * 1e6) / (requests * rows.length),
  };
}

interface Report {
  lines: string[];
  throughputRows: string[];
  ratioRows: string[];
  bars: RatioBar[];
  skipped: string[];
}

function recordRatios(report: Report, scenario: { name: string }, summaries: Map<string, Summary>): void {
  const a = summaries.get('shardcache');
  const peer = [...summaries.keys()].find((name) => name !== 'shardcache');
  if (a === undefined || peer === undefined) return;
  const b = summaries.get(peer);
  if (b === undefined || b.ops === 0) return;
  const p99 = a.p99 > 0 && b.p99 > 0 ? `${(a.p99 / b.p99).toFixed(2)}×` : '–';
  report.ratioRows.push(`| ${scenario.name} | ${peer} | ${(a.ops / b.ops).toFixed(2)}× | ${p99} | ${(a.cpu / b.cpu).toFixed(2)}× |`);
  // Presets against redis-server say so in their name or are redis-benchmark ones; the others are vs memcached.
  const named = peer === 'memcached' || scenario.name.includes(peer) || scenario.name.startsWith('redis-benchmark');
  report.bars.push({ scenario: named ? scenario.name : `${scenario.name} (vs ${peer})`, ratio: a.ops / b.ops });
}

async function runThroughputGroup(scenarios: ThroughputScenario[], args: Args, report: Report): Promise<void> {
  const group = scenarios[0]!.group;
  const servers = await startPair(group);
  const primed = new Map<string, string>();
  try {
    for (const scenario of scenarios) {
      if (scenario.kind === 'memaslap' && memaslapBinary() === null) {
        const why = `${scenario.id}: skipped, memaslap is not installed (apt-get install libmemcached-tools provides /usr/bin/memcaslap)`;
        report.skipped.push(why);
        log(`  ${why}`);
        continue;
      }
      if (scenario.kind === 'redis-benchmark' && redisBenchmarkBinary() === null) {
        const why = `${scenario.id}: skipped, redis-benchmark is not installed (apt-get install redis-tools)`;
        report.skipped.push(why);
        log(`  ${why}`);
        continue;
      }
      if (scenario.kind !== 'loadgen' && servers.length < 2) {
        const why = `${scenario.id}: no peer server installed (apt-get install memcached redis-server); shardcache alone`;
        report.skipped.push(why);
      }
      if (scenario.kind === 'loadgen' && scenario.prime !== null) {
        const key = JSON.stringify(scenario.prime);
        for (const s of servers) {
          if (primed.get(s.name) === key) continue;
          await primeKeys('127.0.0.1', s.port, scenario.prime.count, scenario.prime.valueSize, 0, scenario.load.protocol);
          primed.set(s.name, key);
        }
      }
      const summaries = new Map<string, Summary>();
      if (scenario.kind === 'loadgen') {
        const results = new Map<string, Measured[]>();
        for (let round = 0; round < args.rounds; round++) {
          for (const s of servers) {
            const r = await measureLoad(s, scenario, args);
            results.set(s.name, [...(results.get(s.name) ?? []), r]);
            log(
              `  ${scenario.id} round ${round + 1} ${s.name}: ${r.opsPerSec} ops/s p99 ${r.p99us} µs cpu ${r.cpuUsPerOp.toFixed(1)} µs/op client cpu ${r.clientCpuUsPerOp.toFixed(1)} µs/op errors ${r.errors}`,
            );
          }
        }
        for (const [name, rs] of results) summaries.set(name, summarizeLoad(scenario, rs));
      } else if (scenario.kind === 'redis-benchmark') {
        const results = new Map<string, RedisBenchmarkMeasured[]>();
        for (let round = 0; round < args.rounds; round++) {
          for (const s of servers) {
            const r = await measureRedisBenchmark(s, scenario, args);
            results.set(s.name, [...(results.get(s.name) ?? []), r]);
            log(`  ${scenario.id} round ${round + 1} ${s.name}: SET ${Math.round(r.setRps)} GET ${Math.round(r.getRps)} rps cpu ${r.cpuUsPerOp.toFixed(2)} µs/op`);
          }
        }
        for (const [name, rs] of results) {
          summaries.set(name, {
            ops: median(rs.map((r) => r.opsPerSec)),
            p50: 0,
            p99: median(rs.map((r) => r.p99us)),
            p999: 0,
            cpu: median(rs.map((r) => r.cpuUsPerOp)),
            errors: 0,
            notes: `SET ${human(median(rs.map((r) => r.setRps)))} rps, GET ${human(median(rs.map((r) => r.getRps)))} rps; p99 = worse of the two`,
          });
        }
      } else {
        const results = new Map<string, MemaslapMeasured[]>();
        for (let round = 0; round < args.rounds; round++) {
          for (const s of servers) {
            const r = await measureMemaslap(s, scenario, args);
            results.set(s.name, [...(results.get(s.name) ?? []), r]);
            log(`  ${scenario.id} round ${round + 1} ${s.name}: ${r.opsPerSec} TPS cpu ${r.cpuUsPerOp.toFixed(1)} µs/op`);
          }
        }
        for (const [name, rs] of results) {
          summaries.set(name, {
            ops: median(rs.map((r) => r.opsPerSec)),
            p50: 0,
            p99: 0,
            p999: 0,
            cpu: median(rs.map((r) => r.cpuUsPerOp)),
            errors: 0,
            notes: `memaslap TPS; get misses ${rs.reduce((n, r) => n + r.getMisses, 0)}`,
          });
        }
      }
      for (const [name, m] of summaries) {
        const lat = (v: number): string => (v === 0 && scenario.kind !== 'loadgen' ? '–' : String(v));
        report.throughputRows.push(
          `| ${scenario.name} | ${name} | ${Math.round(m.ops)} | ${lat(m.p50)} | ${lat(m.p99)} | ${lat(m.p999)} | ${m.cpu.toFixed(1)} | ${m.errors} | ${m.notes} |`,
        );
      }
      recordRatios(report, scenario, summaries);
    }
  } finally {
    await stopAll(servers);
  }
}

interface FloorRun {
  opsPerSec: number;
  user: number;
  system: number;
  /** The main thread's user and system CPU per op (node servers; null for memcached). */
  mainUser: number | null;
  mainSystem: number | null;
  client: number;
  errors: number;
  /** Gets that found their key, of all gets. */
  hitRatio: number;
}

/**
 * node-floor-p1: what a thread hop costs at pipeline 1. The same load on memcached, shardcache and
 * the one-thread Node floor server, alternating; CPU per op split into user and kernel time, with
 * the node servers' main (socket) thread apart, so the floor's main thread and shardcache's front
 * thread compare like for like and the rest of shardcache's CPU is its shard workers'.
 */
async function floorPhase(args: Args, report: Report): Promise<void> {
  const load = SCENARIOS.find((s): s is LoadScenario => s.id === 'mix9-32b-p1')!;
  const servers: ServerUnderTest[] = [await startShardcache([...GROUPS.default.shardcache, ...extraShardcacheArgs])];
  const memcached = await startMemcached(GROUPS.default.memcached);
  if (memcached !== null) servers.push(memcached);
  servers.push(await startNodeFloor());
  try {
    for (const s of servers) await primeKeys('127.0.0.1', s.port, load.prime!.count, load.prime!.valueSize);
    const runs = new Map<string, FloorRun[]>();
    for (let round = 0; round < args.rounds; round++) {
      for (const s of servers) {
        const node = s.name !== 'memcached';
        const before = cpuSplit(s.pid);
        const mainBefore = node ? cpuSplit(s.pid, s.pid) : null;
        const r = await measureLoad(s, load, args);
        const after = cpuSplit(s.pid);
        const mainAfter = node ? cpuSplit(s.pid, s.pid) : null;
        const perOp = (seconds: number): number => (r.ops > 0 ? (seconds * 1e6) / r.ops : 0);
        const run: FloorRun = {
          opsPerSec: r.opsPerSec,
          user: perOp(after.user - before.user),
          system: perOp(after.system - before.system),
          mainUser: mainBefore === null ? null : perOp(mainAfter!.user - mainBefore.user),
          mainSystem: mainBefore === null ? null : perOp(mainAfter!.system - mainBefore.system),
          client: r.clientCpuUsPerOp,
          errors: r.errors,
          hitRatio: r.hits + r.misses > 0 ? r.hits / (r.hits + r.misses) : 0,
        };
        runs.set(s.name, [...(runs.get(s.name) ?? []), run]);
        log(`  node-floor-p1 round ${round + 1} ${s.name}: ${r.opsPerSec} ops/s user ${run.user.toFixed(2)} kernel ${run.system.toFixed(2)} µs/op errors ${r.errors}`);
      }
    }
    const med = (rs: FloorRun[], pick: (r: FloorRun) => number | null): number | null => {
      const v = rs.map(pick);
      return v.some((x) => x === null) ? null : median(v as number[]);
    };
    const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(2));
    const peerOps = memcached === null ? null : median(runs.get('memcached')!.map((r) => r.opsPerSec));
    report.lines.push(
      '',
      `| ${load.name}: the cost of the thread hop | ops/s | ÷ memcached | server user µs/op | server kernel µs/op | main thread user / kernel µs/op | other threads user / kernel µs/op | client CPU µs/op | key hits | errors |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of servers) {
      const rs = runs.get(s.name)!;
      const ops = median(rs.map((r) => r.opsPerSec));
      const user = med(rs, (r) => r.user)!;
      const system = med(rs, (r) => r.system)!;
      const mainUser = med(rs, (r) => r.mainUser);
      const mainSystem = med(rs, (r) => r.mainSystem);
      const rest = mainUser === null ? '–' : `${fmt(med(rs, (r) => r.user - r.mainUser!))} / ${fmt(med(rs, (r) => r.system - r.mainSystem!))}`;
      report.lines.push(
        `| ${s.name} | ${Math.round(ops)} | ${peerOps === null ? '–' : `${(ops / peerOps).toFixed(2)}×`} | ${fmt(user)} | ${fmt(system)} | ${mainUser === null ? '–' : `${fmt(mainUser)} / ${fmt(mainSystem)}`} | ${rest} | ${fmt(med(rs, (r) => r.client))} | ${(100 * Math.min(...rs.map((r) => r.hitRatio))).toFixed(1)}% | ${rs.reduce((n, r) => n + r.errors, 0)} |`,
      );
    }
  } finally {
    await stopAll(servers);
  }
}

interface MemoryRow {
  name: string;
  items: number;
  delta: number;
  statsBytes: number;
  currItems: number;
  evictions: number;
}

function memoryTable(title: string, rows: MemoryRow[]): string[] {
  const out = [
    '',
    `| ${title} | RSS delta | bytes per item | stats bytes | RSS delta ÷ stats bytes | curr_items | evictions |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.name} | ${mib(r.delta)} | ${(r.delta / r.items).toFixed(1)} | ${mib(r.statsBytes)} | ${(r.delta / r.statsBytes).toFixed(2)} | ${r.currItems} | ${r.evictions} |`,
    );
  }
  const a = rows.find((r) => r.name === 'shardcache');
  const b = rows.find((r) => r.name === 'memcached');
  if (a !== undefined && b !== undefined) out.push(`| ratio shardcache/memcached | ${(a.delta / b.delta).toFixed(2)}× | ${(a.delta / a.items / (b.delta / b.items)).toFixed(2)}× | | | | |`);
  return out;
}

async function primeAndMeasure(s: ServerUnderTest, from: number, to: number): Promise<MemoryRow> {
  await sleep(500);
  const before = rssBytes(s.pid);
  await primeKeys('127.0.0.1', s.port, to, 100, from);
  await sleep(500);
  const delta = rssBytes(s.pid) - before;
  const st = await serverStats(s.port);
  return { name: s.name, items: to - from, delta, statsBytes: Number(st.bytes ?? 0), currItems: Number(st.curr_items ?? 0), evictions: Number(st.evictions ?? 0) };
}

/** memory-1m and storm: fresh servers at -m 1024. */
async function memoryPhase(doMemory: boolean, doStorm: boolean, args: Args, report: Report): Promise<void> {
  const servers = await startPair(GROUPS.default);
  try {
    const rows: MemoryRow[] = [];
    for (const s of servers) {
      if (doMemory) {
        rows.push(await primeAndMeasure(s, 0, args.memoryItems));
        log(`  memory-1m ${s.name}: ${(rows.at(-1)!.delta / args.memoryItems).toFixed(1)} B/item`);
      } else {
        await primeKeys('127.0.0.1', s.port, args.stormKeys, 100);
      }
    }
    if (doMemory) report.lines.push(...memoryTable(`memory at ${args.memoryItems} items (14 B keys, 100 B values)`, rows));
    if (!doStorm) return;
    report.lines.push(
      '',
      `| multi-get storm: ${args.storms} × \`get\` of ${args.stormKeys} keys, 1 connection | RSS before | RSS right after each storm | peak RSS during | RSS after (+0.5 s) | growth after − before | reply per storm | s per storm (median) | keys found |`,
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const s of servers) {
      await sleep(500);
      const before = rssBytes(s.pid);
      const sampler = rssSampler(s.pid);
      const storms = [];
      const rssAfterEach: number[] = [];
      for (let i = 0; i < args.storms; i++) {
        storms.push(await multiGetStorm('127.0.0.1', s.port, args.stormKeys));
        rssAfterEach.push(rssBytes(s.pid));
      }
      await sleep(500);
      const peak = sampler.stop();
      const after = rssBytes(s.pid);
      const found = storms.reduce((n, r) => n + r.values, 0);
      const errors = storms.reduce((n, r) => n + r.errors, 0);
      log(`  storm ${s.name}: RSS ${mib(before)} → peak ${mib(peak)} → ${mib(after)}`);
      report.lines.push(
        `| ${s.name} | ${mib(before)} | ${rssAfterEach.map((b) => (b / MiB).toFixed(0)).join(' / ')} MiB | ${mib(peak)} | ${mib(after)} | ${mib(after - before)} | ${mib(median(storms.map((r) => r.replyBytes)))} | ${median(storms.map((r) => r.seconds)).toFixed(2)} | ${found} of ${args.storms * args.stormKeys}${errors > 0 ? ` (${errors} errors)` : ''} |`,
      );
    }
  } finally {
    await stopAll(servers);
  }
}

interface TailRow {
  items: number;
  server: string;
  ops: number;
  p50: number;
  p99: number;
  p999: number;
  cpu: number;
  errors: number;
}

async function tailRounds(servers: ServerUnderTest[], items: number, args: Args): Promise<TailRow[]> {
  const results = new Map<string, Measured[]>();
  const scenario: LoadScenario = {
    kind: 'loadgen',
    id: 'tail',
    name: 'tail',
    description: '',
    group: GROUPS.default,
    prime: null,
    load: { pipeline: 1, getRatio: 1, valueSize: 100, keySpace: items },
  };
  for (let round = 0; round < args.rounds; round++) {
    for (const s of servers) {
      const r = await measureLoad(s, scenario, args);
      results.set(s.name, [...(results.get(s.name) ?? []), r]);
      log(`  tail-latency ${items} items round ${round + 1} ${s.name}: ${r.opsPerSec} ops/s p99 ${r.p99us} µs p99.9 ${r.p999us} µs`);
    }
  }
  return [...results].map(([server, rs]) => {
    const m = summarizeLoad(scenario, rs);
    return { items, server, ops: m.ops, p50: m.p50, p99: m.p99, p999: m.p999, cpu: m.cpu, errors: m.errors };
  });
}

/** memory-5m and tail-latency: fresh servers at -m 2048; 10k items, then up to bigItems. */
async function bigPhase(doMemory: boolean, doTail: boolean, args: Args, report: Report): Promise<void> {
  const small = 10_000;
  const big = Math.max(args.bigItems, small + 1);
  const servers = await startPair({ id: 'big', shardcache: ['-m', '2048'], memcached: ['-t', '2', '-m', '2048'] });
  try {
    for (const s of servers) await primeKeys('127.0.0.1', s.port, small, 100);
    const tail: TailRow[] = doTail ? await tailRounds(servers, small, args) : [];
    const rows: MemoryRow[] = [];
    for (const s of servers) {
      rows.push(await primeAndMeasure(s, small, big));
      log(`  memory-big ${s.name}: ${(rows.at(-1)!.delta / rows.at(-1)!.items).toFixed(1)} B/item at ${big} items`);
    }
    if (doMemory) {
      report.lines.push(
        ...memoryTable(`memory at ${big} items (14 B keys, 100 B values; delta from ${small} to ${big} items, -m 2048)`, rows),
      );
    }
    if (!doTail) return;
    tail.push(...(await tailRounds(servers, big, args)));
    report.lines.push(
      '',
      `| get latency vs items resident (pipeline 1, ${args.connections} conns, get only) | server | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/op | errors |`,
      '|---|---|---:|---:|---:|---:|---:|---:|',
      ...tail.map((t) => `| ${t.items} items | ${t.server} | ${Math.round(t.ops)} | ${t.p50} | ${t.p99} | ${t.p999} | ${t.cpu.toFixed(1)} | ${t.errors} |`),
      '',
      `| server | p99 at ${big} ÷ at ${small} | p99.9 at ${big} ÷ at ${small} |`,
      '|---|---:|---:|',
    );
    for (const s of servers) {
      const a = tail.find((t) => t.server === s.name && t.items === small)!;
      const b = tail.find((t) => t.server === s.name && t.items === big)!;
      report.lines.push(`| ${s.name} | ${(b.p99 / a.p99).toFixed(2)}× | ${(b.p999 / a.p999).toFixed(2)}× |`);
    }
  } finally {
    await stopAll(servers);
  }
}

function listScenarios(): string {
  const width = Math.max(...SCENARIOS.map((s) => s.id.length));
  return SCENARIOS.map((s) => `${s.id.padEnd(width)}  ${s.description}`).join('\n') + '\n';
}

function selectScenarios(args: Args): Scenario[] {
  const known = new Set(SCENARIOS.map((s) => s.id));
  for (const id of args.scenarios ?? []) if (!known.has(id)) throw new Error(`unknown scenario ${id}; --list shows them`);
  let chosen = args.scenarios === null ? SCENARIOS : SCENARIOS.filter((s) => args.scenarios!.includes(s.id));
  if (args.skipMemory) chosen = chosen.filter((s) => s.kind !== 'memory' && s.kind !== 'storm' && s.kind !== 'memory-big' && s.kind !== 'tail');
  return chosen;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    process.stdout.write(listScenarios());
    return;
  }
  const startedAt = Date.now();
  extraShardcacheArgs = args.shardcacheArgs;
  const chosen = selectScenarios(args);
  const date = new Date().toISOString().slice(0, 10);
  const outName = args.out ?? (args.quick ? `${date}-quick` : args.scenarios !== null || args.skipMemory ? `${date}-partial` : date);
  const memaslap = memaslapBinary();
  const report: Report = { lines: [], throughputRows: [], ratioRows: [], bars: [], skipped: [] };
  const header = [
    `# shardcache bench ${new Date().toISOString()}${args.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}; ${memcachedVersion()}; ${redisVersion()}; memaslap ${memaslap === null ? 'not installed' : memaslap}.`,
    `Load: our generator (bench/lib/loadgen.ts), 1 client thread, ${args.connections} active connections, ${args.seconds} s per run, ${args.rounds} alternating round(s) (shardcache, memcached, shardcache, …), medians; shardcache (node ${shardcacheNodeFlags().join(' ')} dist/src/main.js) with ${args.shardcacheArgs.length > 0 ? `extra flags \`${args.shardcacheArgs.join(' ')}\`` : `default threads (${Math.max(1, os.availableParallelism() - 1)} = CPUs − 1)`}, memcached -t 2; both -m 1024 unless the preset says otherwise. Presets: ${chosen.map((s) => s.id).join(', ')}.`,
    '',
  ];

  // Throughput presets, grouped by the servers they need (consecutive presets share them).
  const throughput = chosen.filter(
    (s): s is ThroughputScenario => s.kind === 'loadgen' || s.kind === 'memaslap' || s.kind === 'redis-benchmark',
  );
  const groups: ThroughputScenario[][] = [];
  for (const s of throughput) {
    const last = groups.at(-1);
    if (last !== undefined && last[0]!.group.id === s.group.id) last.push(s);
    else groups.push([s]);
  }
  for (const g of groups) await runThroughputGroup(g, args, report);
  if (report.throughputRows.length > 0) {
    report.lines.push(
      '| scenario | server | ops/s | p50 µs | p99 µs | p99.9 µs | server CPU µs/op | errors | notes |',
      '|---|---|---:|---:|---:|---:|---:|---:|---|',
      ...report.throughputRows,
    );
  }
  if (report.ratioRows.length > 0) {
    report.lines.push('', '| scenario | peer | ops/s shardcache/peer | p99 ratio | CPU/op ratio |', '|---|---|---:|---:|---:|', ...report.ratioRows);
  }

  const has = (id: string): boolean => chosen.some((s) => s.id === id);
  if (has('node-floor-p1')) await floorPhase(args, report);
  if (has('memory-1m') || has('storm')) await memoryPhase(has('memory-1m'), has('storm'), args, report);
  if (has('memory-5m') || has('tail-latency')) await bigPhase(has('memory-5m'), has('tail-latency'), args, report);

  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const pngPath = path.join(dir, `${outName}.png`);
  fs.mkdirSync(path.dirname(pngPath), { recursive: true });
  const chartSkipped = await writeRatioChart(
    report.bars,
    `shardcache ÷ peer (memcached -t 2, or redis-server where named), ops/s — ${date}${args.quick ? ' (quick)' : ''}`,
    `median of ${args.rounds} alternating round(s), ${args.seconds} s each, 127.0.0.1, ${os.cpus().length} cores shared by client and server; dashed line = 1×`,
    pngPath,
  );
  if (chartSkipped === null) report.lines.push('', `![ops/s ratios shardcache/peer](${path.basename(outName)}.png)`);
  else report.skipped.push(`chart: ${chartSkipped}`);
  if (has('redis-benchmark-p16') && redisBenchmarkBinary() !== null) {
    const cmd = redisBenchmarkArgs({ port: 0, pipeline: 16, clients: args.connections, valueSize: 32, keySpace: 100_000, requests: 1_000_000, timeoutSeconds: 0 });
    report.skipped.push(`redis-benchmark command: \`redis-benchmark ${cmd.join(' ').replace('-p 0', '-p <port>')}\``);
  }
  if (has('memaslap') && memaslap !== null) {
    const cmd = memaslapArgs({ port: 0, seconds: Math.round(args.seconds), threads: 1, concurrency: args.connections, valueSize: 32 }).join(' ');
    report.skipped.push(`memaslap command: \`${path.basename(memaslap)} ${cmd.replace('127.0.0.1:0', '127.0.0.1:<port>')}\``);
  }
  if (report.skipped.length > 0) report.lines.push('', ...report.skipped.map((s) => `- ${s}`));
  report.lines.push('', `Wall clock: ${((Date.now() - startedAt) / 1000).toFixed(0)} s.`);

  const text = [...header, ...report.lines].join('\n') + '\n';
  process.stdout.write(text);
  fs.writeFileSync(path.join(dir, `${outName}.md`), text);
  log(`wrote ${path.join(dir, `${outName}.md`)}${chartSkipped === null ? ` and ${pngPath}` : ''}`);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
