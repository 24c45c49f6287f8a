/**
 * Micro-benchmark of the memcached text parser alone (no socket, no store):
 * 1M pipelined commands per scenario, pushed in 64 KiB chunks as a socket
 * would deliver them. Prints ns/command and commands/s.
 *   npx tsc -p tsconfig.build.json && node dist/bench/text-parser.bench.js [commands]
 */

import { DEFAULT_TEXT_PARSER_LIMITS, MemcacheTextParser } from '../src/protocol/memcache/text-parser';
import type { MemcacheTextRequest, ParseErrorEvent } from '../src/protocol/memcache/request';

const COMMANDS = Number(process.argv[2] ?? 1_000_000);
const CHUNK = 64 * 1024;

interface Scenario {
  name: string;
  line: (i: number) => string;
}

const VALUE_32 = 'v'.repeat(32);
const VALUE_4K = 'w'.repeat(4096);

const SCENARIOS: Scenario[] = [
  { name: 'get key:NNNNN', line: (i) => `get key:${String(i % 100000).padStart(5, '0')}\r\n` },
  { name: 'set key 0 0 32 + 32 B', line: (i) => `set key:${String(i % 100000).padStart(5, '0')} 0 0 32\r\n${VALUE_32}\r\n` },
  { name: 'get with 10 keys', line: (i) => `get ${Array.from({ length: 10 }, (_, k) => `key:${(i + k) % 100000}`).join(' ')}\r\n` },
  { name: 'set 4 KiB value', line: (i) => `set key:${i % 100000} 1 300 4096\r\n${VALUE_4K}\r\n` },
  { name: 'incr key 1 noreply', line: (i) => `incr counter:${i % 1000} 1 noreply\r\n` },
];

function chunks(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < buf.length; pos += CHUNK) out.push(buf.subarray(pos, Math.min(buf.length, pos + CHUNK)));
  return out;
}

function run(input: Buffer[]): { requests: number; errors: number; ms: number } {
  let requests = 0;
  let errors = 0;
  const parser = new MemcacheTextParser(
    {
      onRequest: (_r: MemcacheTextRequest) => {
        requests++;
      },
      onError: (_e: ParseErrorEvent) => {
        errors++;
      },
    },
    DEFAULT_TEXT_PARSER_LIMITS,
  );
  const t0 = process.hrtime.bigint();
  for (const c of input) parser.push(c);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { requests, errors, ms };
}

function main(): void {
  console.log(`memcache text parser, ${COMMANDS.toLocaleString('en-US')} commands per scenario, ${CHUNK / 1024} KiB chunks, node ${process.version}`);
  for (const s of SCENARIOS) {
    const count = s.name.includes('4 KiB') ? Math.min(COMMANDS, 100_000) : COMMANDS;
    const bytes = Buffer.concat(Array.from({ length: count }, (_, i) => Buffer.from(s.line(i), 'latin1')));
    const input = chunks(bytes);
    run(input); // warm up the JIT
    let best = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++) {
      const r = run(input);
      if (r.requests !== count || r.errors !== 0) throw new Error(`${s.name}: ${r.requests} requests, ${r.errors} errors`);
      best = Math.min(best, r.ms);
    }
    const ns = (best * 1e6) / count;
    const mbps = bytes.length / 1024 / 1024 / (best / 1000);
    console.log(
      `${s.name.padEnd(24)} ${ns.toFixed(1).padStart(7)} ns/command  ${(count / (best / 1000) / 1e6).toFixed(2).padStart(6)} M commands/s  ${mbps.toFixed(0).padStart(5)} MiB/s  (${count.toLocaleString('en-US')} commands, best of 3)`,
    );
  }
}

main();
