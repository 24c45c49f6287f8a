/**
 * Whether the front thread's V8 heap stays in its good state under pipelined
 * load. For each young-generation size (`--max-semi-space-size`, MB), fresh
 * daemons each take `--seconds` of get:set 9:1 (32 B, 100k primed keys, 50
 * connections, pipeline 16), alternating sizes run by run, with V8's
 * `--trace-gc` on. The GCs of the load window are counted per isolate from
 * those lines: the front thread is the isolate that logs first (it loads the
 * modules before any shard worker exists), the others are shard workers. In
 * the good state a 4 s run has about one mark-compact, in the bad one a dozen,
 * and throughput drops by about a quarter (docs/ARCHITECTURE.md, "Launch flag").
 *   node dist/bench/gc-stability.js [--runs 5] [--semi 4,8,16] [--seconds 4] [--pipeline 16]
 */
import { cpuSeconds, shardcacheNodeFlags, startShardcache, stopServer } from './lib/servers';
import { median } from './lib/histogram';
import { getSetMix, primeKeys, runLoad } from './lib/loadgen';

interface Args {
  runs: number;
  semiSpaces: number[];
  seconds: number;
  pipeline: number;
}

/** A run whose front thread mark-compacts at least this often in the load window is in the bad state. */
const BAD_STATE_MARKS = 5;

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 5, semiSpaces: [4, 8, 16], seconds: 4, pipeline: 16 };
  for (let i = 0; i < argv.length; i += 2) {
    const text = argv[i + 1] ?? '';
    if (argv[i] === '--semi') args.semiSpaces = text.split(',').map(Number);
    else if (argv[i] === '--runs') args.runs = Number(text);
    else if (argv[i] === '--seconds') args.seconds = Number(text);
    else if (argv[i] === '--pipeline') args.pipeline = Number(text);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  const numbers = [args.runs, args.seconds, args.pipeline, ...args.semiSpaces];
  if (numbers.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error('every option takes positive integers');
  return args;
}

/** GC lines per isolate, from V8's --trace-gc output: `[pid:0xisolate]   123 ms: Scavenge …`. */
class GcLog {
  /** Isolates in order of their first line. */
  readonly isolates: string[] = [];
  private readonly counts = new Map<string, { marks: number; scavenges: number }>();
  private partial = '';
  private counting = false;

  feed(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('latin1')).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^\[\d+:(0x[0-9a-f]+)\]\s+[\d.]+ ms: (Scavenge|Mark-Compact|Mark-sweep)/.exec(line);
      if (m === null) continue;
      if (!this.counts.has(m[1]!)) {
        this.isolates.push(m[1]!);
        this.counts.set(m[1]!, { marks: 0, scavenges: 0 });
      }
      if (!this.counting) continue;
      const c = this.counts.get(m[1]!)!;
      if (m[2] === 'Scavenge') c.scavenges++;
      else c.marks++;
    }
  }

  /** Counts only from now on (the load window). */
  startCounting(): void {
    this.counting = true;
  }

  of(isolate: string | undefined): { marks: number; scavenges: number } {
    return (isolate === undefined ? undefined : this.counts.get(isolate)) ?? { marks: 0, scavenges: 0 };
  }
}

interface RunResult {
  semiSpaceMb: number;
  opsPerSec: number;
  cpuUsPerOp: number;
  frontMarks: number;
  frontScavenges: number;
  workerMarks: number;
}

async function oneRun(semiSpaceMb: number, args: Args): Promise<RunResult> {
  const shipped = shardcacheNodeFlags().filter((f) => !f.startsWith('--max-semi-space-size'));
  const server = await startShardcache(['-m', '1024'], false, [...shipped, `--max-semi-space-size=${semiSpaceMb}`, '--trace-gc'], true);
  const gc = new GcLog();
  server.process.stdout!.on('data', (chunk: Buffer) => gc.feed(chunk));
  try {
    await primeKeys('127.0.0.1', server.port, 100_000, 32);
    gc.startCounting();
    const cpuBefore = cpuSeconds(server.pid);
    const load = await runLoad(getSetMix(server.port, args.pipeline, args.seconds));
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    if (load.errors > 0) throw new Error(`${load.errors} errors (${load.firstError})`);
    const front = gc.of(gc.isolates[0]);
    const workerMarks = gc.isolates.slice(1).reduce((sum, isolate) => sum + gc.of(isolate).marks, 0);
    return {
      semiSpaceMb,
      opsPerSec: load.opsPerSec,
      cpuUsPerOp: (cpu * 1e6) / load.ops,
      frontMarks: front.marks,
      frontScavenges: front.scavenges,
      workerMarks,
    };
  } finally {
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(`shipped node flags: ${shardcacheNodeFlags().join(' ')}`);
  console.log(`${args.runs} runs per size, ${args.seconds} s of get:set 9:1 at pipeline ${args.pipeline}, sizes alternating\n`);
  const results: RunResult[] = [];
  console.log('| semi-space | run | ops/s | server CPU µs/op | front thread: mark-compacts | scavenges | workers: mark-compacts |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  for (let run = 1; run <= args.runs; run++) {
    for (const semi of args.semiSpaces) {
      const r = await oneRun(semi, args);
      results.push(r);
      console.log(`| ${semi} MB | ${run} | ${Math.round(r.opsPerSec)} | ${r.cpuUsPerOp.toFixed(2)} | ${r.frontMarks} | ${r.frontScavenges} | ${r.workerMarks} |`);
    }
  }
  console.log(`\n| semi-space | runs in the bad state (≥ ${BAD_STATE_MARKS} front-thread mark-compacts) | median ops/s | median CPU µs/op |`);
  console.log('|---:|---:|---:|---:|');
  for (const semi of args.semiSpaces) {
    const rs = results.filter((r) => r.semiSpaceMb === semi);
    const bad = rs.filter((r) => r.frontMarks >= BAD_STATE_MARKS).length;
    console.log(`| ${semi} MB | ${bad} of ${rs.length} | ${Math.round(median(rs.map((r) => r.opsPerSec)))} | ${median(rs.map((r) => r.cpuUsPerOp)).toFixed(2)} |`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
