/**
 * What monitoring costs in throughput: the same load (get:set 9:1, 32 B,
 * 100k primed keys, 50 connections) against shardcache started three ways,
 * alternating over rounds — as shipped (hot keys on, no admin port), with
 * `--hotkeys off`, and with `--admin-port` (command latency histograms on)
 * while `/metrics` is scraped every second. Prints medians and the ratio to
 * the shipped default, plus server CPU µs per op.
 *   node dist/bench/observability-cost.js [--rounds 3] [--seconds 4] [--pipeline 16]
 */
import { cpuSeconds, freePort, startShardcache, stopServer } from './lib/servers';
import { median } from './lib/histogram';
import { getSetMix, primeKeys, runLoad } from './lib/loadgen';

interface Variant {
  name: string;
  args: (adminPort: number) => string[];
  scrape: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'as shipped (hot keys on, no admin port)', args: () => [], scrape: false },
  { name: '--hotkeys off', args: () => ['--hotkeys', 'off'], scrape: false },
  { name: '--admin-port, /metrics scraped every 1 s', args: (port) => ['--admin-port', String(port)], scrape: true },
];

function parseArgs(argv: string[]): { rounds: number; seconds: number; pipeline: number } {
  const args = { rounds: 3, seconds: 4, pipeline: 16 };
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--rounds') args.rounds = value;
    else if (argv[i] === '--seconds') args.seconds = value;
    else if (argv[i] === '--pipeline') args.pipeline = value;
    else throw new Error(`unknown argument ${argv[i]}`);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[i]} needs a positive number`);
    i++;
  }
  return args;
}

async function runVariant(variant: Variant, seconds: number, pipeline: number): Promise<{ opsPerSec: number; cpuUsPerOp: number; scrapes: number }> {
  const adminPort = await freePort();
  const server = await startShardcache(['-m', '1024', ...variant.args(adminPort)]);
  try {
    await primeKeys('127.0.0.1', server.port, 100_000, 32);
    let scrapes = 0;
    let scraping = variant.scrape;
    const scraper = (async () => {
      while (scraping) {
        const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`);
        await response.text();
        scrapes++;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    const cpuBefore = cpuSeconds(server.pid);
    const result = await runLoad(getSetMix(server.port, pipeline, seconds));
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    scraping = false;
    await scraper;
    if (result.errors > 0) throw new Error(`${variant.name}: ${result.errors} errors (${result.firstError})`);
    return { opsPerSec: result.opsPerSec, cpuUsPerOp: (cpu * 1e6) / result.ops, scrapes };
  } finally {
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const { rounds, seconds, pipeline } = parseArgs(process.argv.slice(2));
  const ops = VARIANTS.map(() => [] as number[]);
  const cpu = VARIANTS.map(() => [] as number[]);
  for (let round = 1; round <= rounds; round++) {
    for (let v = 0; v < VARIANTS.length; v++) {
      const r = await runVariant(VARIANTS[v]!, seconds, pipeline);
      ops[v]!.push(r.opsPerSec);
      cpu[v]!.push(r.cpuUsPerOp);
      const scraped = VARIANTS[v]!.scrape ? `, ${r.scrapes} scrapes` : '';
      console.error(`round ${round}: ${VARIANTS[v]!.name}: ${Math.round(r.opsPerSec)} ops/s, ${r.cpuUsPerOp.toFixed(2)} µs CPU/op${scraped}`);
    }
  }
  const base = median(ops[0]!);
  console.log(`\nget:set 9:1, 32 B, 100k keys, 50 connections, pipeline ${pipeline}; ${rounds} alternating rounds of ${seconds} s, medians\n`);
  console.log('| shardcache | ops/s | ÷ as shipped | server CPU µs/op |');
  console.log('|---|---:|---:|---:|');
  VARIANTS.forEach((variant, v) => {
    const m = median(ops[v]!);
    console.log(`| ${variant.name} | ${Math.round(m).toLocaleString('en-US')} | ${(m / base).toFixed(3)}× | ${median(cpu[v]!).toFixed(2)} |`);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
