/**
 * Echo shard for bench/transport.bench.ts: answers each request batch with a
 * reply batch of 24 bytes per op (a reply record header), over the transport
 * named in workerData. Also the piscina task function (default export).
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

const OP_BYTES = 32;
const REPLY_BYTES = 24;

export function makeReply(request: ArrayBuffer): ArrayBuffer {
  const ops = Math.max(1, Math.floor(request.byteLength / OP_BYTES));
  return new ArrayBuffer(ops * REPLY_BYTES);
}

export default function piscinaTask(request: ArrayBuffer): ArrayBuffer {
  return makeReply(request);
}

interface EchoData {
  mode: 'message' | 'sab' | 'piscina';
  requestRing?: SharedArrayBuffer;
  replyRing?: SharedArrayBuffer;
  slots?: number;
  slotBytes?: number;
}

const data = (workerData ?? {}) as EchoData;

if (!isMainThread && data.mode === 'message') {
  parentPort!.on('message', (request: ArrayBuffer) => {
    const reply = makeReply(request);
    parentPort!.postMessage(reply, [reply]);
  });
}

if (!isMainThread && data.mode === 'sab') {
  const slots = data.slots!;
  const slotBytes = data.slotBytes!;
  const reqState = new Int32Array(data.requestRing!, 0, slots * 2);
  const repState = new Int32Array(data.replyRing!, 0, slots * 2);
  const repData = new Uint8Array(data.replyRing!, slots * 8);
  let next = 0;
  for (;;) {
    const slot = next % slots;
    // Spin briefly before sleeping: the wake-up is the expensive part.
    let spins = 0;
    while (Atomics.load(reqState, slot * 2) !== 1) {
      if (++spins < 2000) continue;
      Atomics.wait(reqState, slot * 2, 0, 1000);
    }
    if (Atomics.load(reqState, slot * 2 + 1) < 0) break; // shutdown marker
    const ops = Math.max(1, Math.floor(Atomics.load(reqState, slot * 2 + 1) / OP_BYTES));
    Atomics.store(reqState, slot * 2, 0);
    while (Atomics.load(repState, slot * 2) !== 0) Atomics.wait(repState, slot * 2, 1, 1000);
    repData.fill(0, slot * slotBytes, slot * slotBytes + ops * REPLY_BYTES);
    Atomics.store(repState, slot * 2 + 1, ops * REPLY_BYTES);
    Atomics.store(repState, slot * 2, 1);
    Atomics.notify(repState, slot * 2);
    next++;
  }
}
