/**
 * Micro-bench of the main ⇄ shard hop alone (no sockets, no store): round
 * trips per second and ops per second for batches of 1/16/256 ops, with 1 and
 * 8 batches in flight, over (a) postMessage with a transferred ArrayBuffer,
 * (b) SharedArrayBuffer slot rings with Atomics.wait / Atomics.waitAsync,
 * (c) piscina (one pool per shard, one task per batch).
 *   npm run build && node dist/bench/transport.bench.js [seconds-per-case]
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';

const OP_BYTES = 32;
const SLOTS = 16;
const SLOT_BYTES = 256 * OP_BYTES;
const WORKER = path.join(__dirname, 'transport-echo.worker.js');
const SECONDS = Number(process.argv[2] ?? 1.5);
/** Main-thread spins before Atomics.waitAsync. A server's event loop cannot spin, so 0 is the realistic case. */
const MAIN_SPIN_CHOICES = [0, 200];

interface Result {
  transport: string;
  opsPerBatch: number;
  inFlight: number;
  roundTripsPerSec: number;
  opsPerSec: number;
  usPerRoundTrip: number;
}

/** run() performs round trips, calling tick() after each; tick() says whether to send another. */
async function measure(transport: string, opsPerBatch: number, inFlight: number, run: (tick: () => boolean) => Promise<void>): Promise<Result> {
  let trips = 0;
  const deadline = Date.now() + SECONDS * 1000;
  const start = process.hrtime.bigint();
  await run(() => {
    trips++;
    return Date.now() < deadline;
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    transport,
    opsPerBatch,
    inFlight,
    roundTripsPerSec: Math.round(trips / seconds),
    opsPerSec: Math.round((trips * opsPerBatch) / seconds),
    usPerRoundTrip: Number(((seconds * 1e6) / trips).toFixed(1)),
  };
}

async function viaPostMessage(opsPerBatch: number, inFlight: number): Promise<Result> {
  const worker = new Worker(WORKER, { workerData: { mode: 'message' } });
  await new Promise((r) => worker.once('online', r));
  const result = await measure('postMessage', opsPerBatch, inFlight, (tick) => {
    return new Promise<void>((resolve) => {
      let outstanding = inFlight;
      worker.on('message', () => {
        if (tick()) {
          const b = new ArrayBuffer(opsPerBatch * OP_BYTES);
          worker.postMessage(b, [b]);
        } else if (--outstanding === 0) {
          resolve();
        }
      });
      for (let i = 0; i < inFlight; i++) {
        const b = new ArrayBuffer(opsPerBatch * OP_BYTES);
        worker.postMessage(b, [b]);
      }
    });
  });
  await worker.terminate();
  return result;
}

async function viaSharedRings(opsPerBatch: number, inFlight: number, mainSpins: number): Promise<Result> {
  const requestRing = new SharedArrayBuffer(SLOTS * 8 + SLOTS * SLOT_BYTES);
  const replyRing = new SharedArrayBuffer(SLOTS * 8 + SLOTS * SLOT_BYTES);
  const reqState = new Int32Array(requestRing, 0, SLOTS * 2);
  const reqData = new Uint8Array(requestRing, SLOTS * 8);
  const repState = new Int32Array(replyRing, 0, SLOTS * 2);
  const worker = new Worker(WORKER, { workerData: { mode: 'sab', requestRing, replyRing, slots: SLOTS, slotBytes: SLOT_BYTES } });
  await new Promise((r) => worker.once('online', r));
  const batch = new Uint8Array(opsPerBatch * OP_BYTES);
  let sendSeq = 0;
  let recvSeq = 0;
  const send = (): void => {
    const slot = sendSeq % SLOTS;
    reqData.set(batch, slot * SLOT_BYTES);
    Atomics.store(reqState, slot * 2 + 1, batch.length);
    Atomics.store(reqState, slot * 2, 1);
    Atomics.notify(reqState, slot * 2);
    sendSeq++;
  };
  const result = await measure(`SAB rings, main spins ${mainSpins}`, opsPerBatch, inFlight, async (tick) => {
    for (let i = 0; i < inFlight; i++) send();
    let outstanding = inFlight;
    while (outstanding > 0) {
      const slot = recvSeq % SLOTS;
      let spins = 0;
      while (Atomics.load(repState, slot * 2) !== 1) {
        if (++spins < mainSpins) continue;
        const waited = Atomics.waitAsync(repState, slot * 2, 0);
        if (waited.async) await waited.value;
      }
      Atomics.store(repState, slot * 2, 0);
      Atomics.notify(repState, slot * 2);
      recvSeq++;
      if (tick()) send();
      else outstanding--;
    }
  });
  // Tell the worker to stop, then wait for its exit.
  const slot = sendSeq % SLOTS;
  Atomics.store(reqState, slot * 2 + 1, -1);
  Atomics.store(reqState, slot * 2, 1);
  Atomics.notify(reqState, slot * 2);
  await worker.terminate();
  return result;
}

async function viaPiscina(opsPerBatch: number, inFlight: number): Promise<Result> {
  const pool = new Piscina({ filename: WORKER, minThreads: 1, maxThreads: 1, workerData: { mode: 'piscina' } });
  const one = async (): Promise<void> => {
    const b = new ArrayBuffer(opsPerBatch * OP_BYTES);
    await pool.run(b, { transferList: [b] });
  };
  await one();
  const result = await measure('piscina', opsPerBatch, inFlight, async (tick) => {
    const lane = async (): Promise<void> => {
      do await one();
      while (tick());
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  });
  await pool.destroy();
  return result;
}

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const inFlight of [1, 8]) {
    for (const ops of [1, 16, 256]) {
      results.push(await viaPostMessage(ops, inFlight));
      for (const spins of MAIN_SPIN_CHOICES) results.push(await viaSharedRings(ops, inFlight, spins));
      results.push(await viaPiscina(ops, inFlight));
    }
  }
  console.log(`transport micro-bench, ${SECONDS}s per case, node ${process.version}`);
  console.log('| transport | ops/batch | in flight | round trips/s | µs/round trip | ops/s |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.transport} | ${r.opsPerBatch} | ${r.inFlight} | ${r.roundTripsPerSec} | ${r.usPerRoundTrip} | ${r.opsPerSec} |`);
  }
}

void main();
