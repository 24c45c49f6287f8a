/**
 * `npm run fuzz [-- --seconds 300 --seed 1]`: the live-daemon fuzzer
 * (bench/lib/fuzz-live.ts) against shardcache from dist/, with its memcached
 * and RESP ports: mutated requests over many connections while clean clients
 * verify every reply. Prints what was sent, the errors seen by type, the clean
 * clients' ops and failures, and RSS; exits 1 if the daemon died or stopped
 * answering, a clean client saw a wrong or misframed reply, or RSS passed
 * --max-rss.
 *   node dist/bench/fuzz.js [--seconds 300] [--seed 1] [--connections 32]
 *     [--mutate 0.7] [--memory 64] [--threads 2] [--max-rss 1024]
 */
import { formatLiveFuzz, runLiveFuzz, startFuzzDaemon, stopFuzzDaemon, type LiveFuzzResult } from './lib/fuzz-live';

interface Args {
  seconds: number;
  seed: number;
  connections: number;
  mutateRate: number;
  memoryMb: number;
  threads: number;
  maxRssMb: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { seconds: 300, seed: 1, connections: 32, mutateRate: 0.7, memoryMb: 64, threads: 2, maxRssMb: 1024 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a non-negative number`);
      return v;
    };
    if (a === '--seconds') args.seconds = num();
    else if (a === '--seed') args.seed = num();
    else if (a === '--connections') args.connections = Math.max(1, Math.floor(num()));
    else if (a === '--mutate') args.mutateRate = Math.min(1, num());
    else if (a === '--memory') args.memoryMb = num();
    else if (a === '--threads') args.threads = Math.max(1, Math.floor(num()));
    else if (a === '--max-rss') args.maxRssMb = num();
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

/** The invariants a run must keep; empty when it passed. */
export function liveFuzzViolations(r: LiveFuzzResult, maxRssMb: number): string[] {
  const out: string[] = [];
  if (r.death !== null) out.push(`daemon died: ${r.death}`);
  if (!r.answeringAfter) out.push('daemon not answering after the run');
  for (const [name, s] of Object.entries(r.clean)) {
    if (s.failures > 0) out.push(`clean ${name} client: ${s.failures} failures`);
    if (s.ops === 0) out.push(`clean ${name} client made no progress`);
  }
  if (r.rssMaxBytes > maxRssMb * 1048576) out.push(`RSS reached ${(r.rssMaxBytes / 1048576).toFixed(0)} MiB (bound ${maxRssMb} MiB)`);
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const daemon = await startFuzzDaemon(['-m', String(args.memoryMb), '-t', String(args.threads)]);
  console.log(`shardcache pid ${daemon.pid}: memcached port ${daemon.memcachePort}, RESP port ${daemon.redisPort}; seed ${args.seed}, ${args.seconds} s, ${args.connections} fuzz connections`);
  let result: LiveFuzzResult;
  try {
    result = await runLiveFuzz(daemon, {
      seconds: args.seconds,
      seed: args.seed,
      connections: args.connections,
      mutateRate: args.mutateRate,
      onProgress: (line) => console.log(line),
    });
  } finally {
    await stopFuzzDaemon(daemon);
  }
  console.log(formatLiveFuzz(result));
  const violations = liveFuzzViolations(result, args.maxRssMb);
  for (const v of violations) console.log(`VIOLATION: ${v}`);
  console.log(violations.length === 0 ? 'PASS' : 'FAIL');
  process.exitCode = violations.length === 0 ? 0 : 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
