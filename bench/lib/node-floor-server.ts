/**
 * The "Node floor": the least a cache server written for Node must do per request, as a
 * yardstick for what shardcache's design costs on top. One thread, one `Map` of values,
 * sockets through node's `net` as shardcache uses them (no delay, one write per socket
 * per read), replies rendered into a shared output slab as shardcache renders its hits.
 * No worker hop, no slabs, no expiry, no limits, no error handling worth the name: it
 * understands only what the bench sends — memcached text `get <key>` and
 * `set <key> <flags> <exptime> <bytes>` on one port, RESP `GET`/`SET` (and `*0` for
 * anything else, which is what redis-benchmark's `CONFIG GET` probes get) on another.
 * It is a measuring instrument for bench/run.ts, never a server to deploy.
 *
 *   node dist/bench/lib/node-floor-server.js <memcached port> <resp port>   (127.0.0.1)
 */
import net from 'node:net';

const CR = 13;
const LF = 10;
const SPACE = 32;
const SLAB_BYTES = 64 * 1024;

const values = new Map<string, Buffer>();

let slab = Buffer.allocUnsafe(SLAB_BYTES);
let slabUsed = 0;
/** Where the replies of the read being served start in `slab`; parts in slabs filled meanwhile wait in `filled`. */
let replyStart = 0;
const filled: Buffer[] = [];

/** Room for `bytes` more in the current slab; a full slab is replaced (views of it may still be queued on sockets). */
function reserve(bytes: number): void {
  if (slabUsed + bytes <= slab.length) return;
  if (slabUsed > replyStart) filled.push(slab.subarray(replyStart, slabUsed));
  slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, bytes));
  slabUsed = 0;
  replyStart = 0;
}

function put(text: string): void {
  slabUsed += slab.write(text, slabUsed, 'latin1');
}

function putBytes(source: Uint8Array, start: number, end: number): void {
  for (let i = start; i < end; i++) slab[slabUsed++] = source[i]!;
}

function readDecimal(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + (buf[i]! - 48);
  return n;
}

/** Answers every complete memcached text request in buf; returns where the incomplete rest starts. */
function serveText(buf: Buffer): number {
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf(LF, pos);
    if (eol < 0) return pos;
    const lineEnd = buf[eol - 1] === CR ? eol - 1 : eol;
    if (buf[pos] === 0x67) {
      // get <key>
      const key = buf.toString('latin1', pos + 4, lineEnd);
      const value = values.get(key);
      if (value === undefined) {
        reserve(5);
        put('END\r\n');
      } else {
        reserve(key.length + value.length + 40);
        put(`VALUE ${key} 0 ${value.length}\r\n`);
        putBytes(value, 0, value.length);
        put('\r\nEND\r\n');
      }
      pos = eol + 1;
    } else if (buf[pos] === 0x73) {
      // set <key> <flags> <exptime> <bytes>
      const keyEnd = buf.indexOf(SPACE, pos + 4);
      const bytesStart = buf.lastIndexOf(SPACE, lineEnd) + 1;
      const length = readDecimal(buf, bytesStart, lineEnd);
      if (buf.length < eol + 1 + length + 2) return pos;
      values.set(buf.toString('latin1', pos + 4, keyEnd), Buffer.from(buf.subarray(eol + 1, eol + 1 + length)));
      reserve(8);
      put('STORED\r\n');
      pos = eol + 1 + length + 2;
    } else {
      reserve(7);
      put('ERROR\r\n');
      pos = eol + 1;
    }
  }
  return pos;
}

/** Reads one RESP array of bulk strings at buf[pos..] into starts/ends; returns the position after it, or -1 when incomplete. */
function readRespArray(buf: Buffer, pos: number, starts: number[], ends: number[]): number {
  let eol = buf.indexOf(LF, pos);
  if (eol < 0) return -1;
  const count = readDecimal(buf, pos + 1, eol - 1);
  let p = eol + 1;
  starts.length = 0;
  ends.length = 0;
  for (let i = 0; i < count; i++) {
    eol = buf.indexOf(LF, p);
    if (eol < 0) return -1;
    const length = readDecimal(buf, p + 1, eol - 1);
    p = eol + 1;
    if (p + length + 2 > buf.length) return -1;
    starts.push(p);
    ends.push(p + length);
    p += length + 2;
  }
  return p;
}

const argStarts: number[] = [];
const argEnds: number[] = [];

function serveResp(buf: Buffer): number {
  let pos = 0;
  while (pos < buf.length) {
    const next = readRespArray(buf, pos, argStarts, argEnds);
    if (next < 0) return pos;
    pos = next;
    const command = argStarts.length > 0 ? buf[argStarts[0]!]! | 0x20 : 0;
    if (command === 0x67 && argStarts.length === 2) {
      const value = values.get(buf.toString('latin1', argStarts[1]!, argEnds[1]!));
      if (value === undefined) {
        reserve(5);
        put('$-1\r\n');
      } else {
        reserve(value.length + 16);
        put(`$${value.length}\r\n`);
        putBytes(value, 0, value.length);
        put('\r\n');
      }
    } else if (command === 0x73 && argStarts.length === 3) {
      values.set(buf.toString('latin1', argStarts[1]!, argEnds[1]!), Buffer.from(buf.subarray(argStarts[2]!, argEnds[2]!)));
      reserve(5);
      put('+OK\r\n');
    } else {
      reserve(4);
      put('*0\r\n');
    }
  }
  return pos;
}

function listen(port: number, serve: (buf: Buffer) => number): void {
  net
    .createServer({ noDelay: true }, (socket) => {
      let rest: Buffer | null = null;
      socket.on('data', (chunk: Buffer) => {
        const buf = rest === null ? chunk : Buffer.concat([rest, chunk]);
        replyStart = slabUsed;
        const done = serve(buf);
        rest = done < buf.length ? Buffer.from(buf.subarray(done)) : null;
        for (const part of filled) socket.write(part);
        filled.length = 0;
        if (slabUsed > replyStart) socket.write(slab.subarray(replyStart, slabUsed));
      });
      socket.on('error', () => socket.destroy());
    })
    .listen(port, '127.0.0.1');
}

const [textPort, respPort] = process.argv.slice(2).map(Number);
if (!textPort || !respPort) {
  process.stderr.write('usage: node-floor-server.js <memcached port> <resp port>\n');
  process.exit(2);
}
listen(textPort, serveText);
listen(respPort, serveResp);
