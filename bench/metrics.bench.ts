/**
 * Micro-benchmark of what the /metrics histograms cost per command and per
 * batch (no socket, no shard): ns per call of
 *   - the typed-array recording (bucket index + two array writes), alone and
 *     with the command-name → label lookup;
 *   - a command through CommandTimer + ReplyQueue (begin, reserve, complete)
 *     with the histograms on and off, with the slow log at its default (on,
 *     10 ms: the timing is paid already) and off: the difference is what a
 *     command pays for its latency histogram;
 *   - the per-batch recording (ops bucket, round trip with two clock reads);
 *   - for comparison, prom-client's Histogram.observe() with labels, and the
 *     clocks a finer per-command timing would need (performance.now(),
 *     process.hrtime.bigint()).
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/metrics.bench.js [calls]
 */

import { Histogram, Registry } from 'prom-client';
import { CommandLatency } from '../src/server/command-latency';
import { ReplyQueue } from '../src/server/reply-queue';
import { CommandTimer, SlowLog, type LatencyRecorder } from '../src/server/slowlog';
import { BATCH_OPS_BOUNDS, BucketHistogram, LATENCY_BOUNDS_SECONDS, batchOpsBucket, latencyBucket } from '../src/util/bucket-histogram';

const CALLS = Number(process.argv[2] ?? 5_000_000);
const ROUNDS = 5;

/** Durations in ms, log-uniform from 1 µs to 100 ms, so the bucket search takes every path. */
const DURATIONS_MS = Float64Array.from({ length: 4096 }, (_, i) => 10 ** (-3 + 5 * (((i * 2654435761) >>> 0) / 2 ** 32)));
/** Command names as the sessions pass them (the tables' own strings). */
const NAMES = ['get', 'set', 'get', 'get', 'mget', 'incr', 'get', 'set', 'hgetall', 'ping', 'get', 'nosuch'];
const MASK = DURATIONS_MS.length - 1;

/** Runs `body(calls)` ROUNDS times; returns the best ns per call (the least disturbed round). */
function measure(name: string, body: (calls: number) => void, calls = CALLS): number {
  body(Math.min(calls, 200_000)); // warm-up: let V8 optimise before timing
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    body(calls);
    const ns = Number(process.hrtime.bigint() - start) / calls;
    best = Math.min(best, ns);
  }
  console.log(`${name.padEnd(64)} ${best.toFixed(1).padStart(7)} ns/call`);
  return best;
}

function main(): void {
  console.log(`node ${process.version}, ${CALLS.toLocaleString('en')} calls per round, best of ${ROUNDS} rounds`);

  const latency = new CommandLatency();
  const resp = latency.resp;
  const label = resp.labelOf('get');
  measure('latency record: bucket search + count + sum', (calls) => {
    for (let i = 0; i < calls; i++) resp.record(label, DURATIONS_MS[i & MASK]!);
  });
  measure('latency record with the name -> label lookup', (calls) => {
    for (let i = 0; i < calls; i++) resp.record(resp.labelOf(NAMES[i % NAMES.length]!), DURATIONS_MS[i & MASK]!);
  });

  const batchOps = new BucketHistogram(BATCH_OPS_BOUNDS);
  measure('batch ops record (clz32 bucket + count + sum)', (calls) => {
    for (let i = 0; i < calls; i++) {
      const ops = (i & 255) + 1;
      batchOps.add(0, batchOpsBucket(ops), ops);
    }
  });
  const roundTrip = new BucketHistogram(LATENCY_BOUNDS_SECONDS);
  measure('round trip record per batch (2 x performance.now() + record)', (calls) => {
    for (let i = 0; i < calls; i++) {
      const sent = performance.now();
      const ms = performance.now() - sent;
      roundTrip.add(0, latencyBucket(ms), ms);
    }
  });

  const registry = new Registry();
  const promHistogram = new Histogram({
    name: 'bench_seconds',
    help: 'bench',
    labelNames: ['protocol', 'command'],
    buckets: [...LATENCY_BOUNDS_SECONDS],
    registers: [registry],
  });
  measure('prom-client Histogram.observe({protocol, command}, s)', (calls) => {
    for (let i = 0; i < calls; i++) promHistogram.observe({ protocol: 'resp', command: NAMES[i % NAMES.length]! }, DURATIONS_MS[i & MASK]! / 1000);
  }, Math.min(CALLS, 1_000_000));

  let sink = 0;
  measure('performance.now()', (calls) => {
    for (let i = 0; i < calls; i++) sink += performance.now();
  });
  measure('process.hrtime.bigint()', (calls) => {
    let last = 0n;
    for (let i = 0; i < calls; i++) last = process.hrtime.bigint();
    sink += Number(last & 1n);
  });

  // A command's whole timing path: begin, the reply slot, its completion.
  const command = [Buffer.from('GET'), Buffer.from('key')];
  const reply = Buffer.from('$1\r\nx\r\n');
  const timed = (recorder: LatencyRecorder | null, slowlogThresholdUs: number) => {
    const queue = new ReplyQueue({ writeReply: () => {}, claimOutput: () => -1, outputBuffer: Buffer.alloc(0), closeAfterReplies: () => {} });
    const timer = new CommandTimer<Buffer[]>(new SlowLog(slowlogThresholdUs, 128), (c) => c, { addr: '', name: null }, null, recorder);
    queue.commandTimer = timer;
    return (calls: number) => {
      for (let i = 0; i < calls; i++) {
        timer.begin(command, NAMES[i % NAMES.length]!);
        queue.complete(queue.reserve(), reply);
      }
    };
  };
  const commandCalls = Math.min(CALLS, 2_000_000);
  // The default: slow log on at 10 ms (nothing that fast is logged), so commands are timed anyway.
  const defaultOff = measure('command, slow log 10 ms (default), histograms off', timed(null, 10_000), commandCalls);
  const defaultOn = measure('command, slow log 10 ms (default), histograms on', timed(latency.resp, 10_000), commandCalls);
  const bareOff = measure('command, slow log off, histograms off', timed(null, -1), commandCalls);
  const bareOn = measure('command, slow log off, histograms on', timed(latency.resp, -1), commandCalls);
  console.log(`${'=> histogram cost per command, slow log at its default'.padEnd(64)} ${(defaultOn - defaultOff).toFixed(1).padStart(7)} ns`);
  console.log(`${'=> histogram cost per command, slow log off (timing included)'.padEnd(64)} ${(bareOn - bareOff).toFixed(1).padStart(7)} ns`);
  if (sink === 42) console.log('');
}

main();
