/**
 * Fuzz inputs for the live-daemon fuzzer (bench/fuzz.ts) and the byte-level
 * mutations shared with the parser property tests (test/fuzz/): generators
 * of valid memcached text/meta, memcached binary and RESP requests from a
 * seeded PRNG, and mutations (bit flips, truncations, inserted CR/LF/NUL,
 * absurd lengths and numbers, absurd 32-bit words, duplicated and deleted
 * ranges) that turn them into the malformed input a hostile or broken client
 * sends.
 *
 * Generators never emit commands that change the daemon for everyone beyond
 * data (no CONFIG, CLIENT, ACL, AUTH, SHUTDOWN, DEBUG): the clean clients'
 * replies must stay checkable. flush_all / FLUSHALL are kept, rarely: a
 * clean client treats a miss as allowed.
 * May import only node built-ins and bench/lib.
 */
import { prng } from './prng';

export type Random = () => number;
export { prng };

/** Decimal texts that break naive number parsing: overflow, sign, the edges of i32/u32/u64, big-but-legal lengths. */
export const ABSURD_NUMBERS = [
  '99999999999999999999999999',
  '18446744073709551615',
  '18446744073709551616',
  '9223372036854775808',
  '4294967295',
  '4294967296',
  '2147483647',
  '2147483648',
  '2147483646',
  '1000000',
  '65537',
  '-1',
  '-2147483649',
  '0',
  '00000000000000000000000001',
  '1e9',
  '0x10',
  '',
] as const;

/** 32-bit words that break naive binary length handling. */
export const ABSURD_WORDS = [0xffffffff, 0x7fffffff, 0x80000000, 0x0000ffff, 0x00010000, 0x00100001, 0] as const;

/** Byte strings worth inserting anywhere: line ends, NUL, protocol sigils, a binary magic. */
export const INSERTS = ['\r', '\n', '\0', '\r\n', ' ', '\r\r\n', '\n\n', '*', '$', '\x80', 'get ', 'noreply'] as const;

export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: number }
  | { kind: 'number'; at: number; number: number }
  | { kind: 'word'; at: number; word: number }
  | { kind: 'duplicate'; at: number; length: number }
  | { kind: 'delete'; at: number; length: number };

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Applies one mutation; positions wrap modulo the input length, so every mutation lands somewhere. */
export function applyMutation(input: Buffer, m: Mutation): Buffer {
  if (input.length === 0) return m.kind === 'insert' ? Buffer.from(INSERTS[m.text % INSERTS.length]!, 'latin1') : input;
  const at = m.at % input.length;
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(input);
      out[at] = out[at]! ^ (1 << (m.bit & 7));
      return out;
    }
    case 'byte': {
      const out = Buffer.from(input);
      out[at] = m.value & 0xff;
      return out;
    }
    case 'truncate':
      return input.subarray(0, at);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), Buffer.from(INSERTS[m.text % INSERTS.length]!, 'latin1'), input.subarray(at)]);
    case 'number': {
      // Replace the digit run at or after `at` (a length, a flag, a delta) with an absurd number.
      let s = at;
      while (s < input.length && !isDigit(input[s])) s++;
      if (s === input.length) s = at;
      let e = s;
      while (e < input.length && isDigit(input[e])) e++;
      return Buffer.concat([input.subarray(0, s), Buffer.from(ABSURD_NUMBERS[m.number % ABSURD_NUMBERS.length]!, 'latin1'), input.subarray(e)]);
    }
    case 'word': {
      const out = Buffer.from(input);
      const word = ABSURD_WORDS[m.word % ABSURD_WORDS.length]!;
      for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = (word >>> (24 - 8 * i)) & 0xff;
      return out;
    }
    case 'duplicate':
      return Buffer.concat([input.subarray(0, at), input.subarray(at, at + m.length), input.subarray(at)]);
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.length)]);
  }
}

export function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let out = input;
  for (const m of mutations) out = applyMutation(out, m);
  return out;
}

const MUTATION_KINDS = ['flip', 'byte', 'truncate', 'insert', 'number', 'word', 'duplicate', 'delete'] as const;

export function randomMutation(rand: Random): Mutation {
  const at = Math.floor(rand() * 1e9);
  const small = (n: number): number => Math.floor(rand() * n);
  switch (MUTATION_KINDS[small(MUTATION_KINDS.length)]!) {
    case 'flip': return { kind: 'flip', at, bit: small(8) };
    case 'byte': return { kind: 'byte', at, value: small(256) };
    case 'truncate': return { kind: 'truncate', at };
    case 'insert': return { kind: 'insert', at, text: small(INSERTS.length) };
    case 'number': return { kind: 'number', at, number: small(ABSURD_NUMBERS.length) };
    case 'word': return { kind: 'word', at, word: small(ABSURD_WORDS.length) };
    case 'duplicate': return { kind: 'duplicate', at, length: 1 + small(64) };
    case 'delete': return { kind: 'delete', at, length: 1 + small(16) };
  }
}

export type FuzzProtocol = 'text' | 'binary' | 'resp';

function pick<T>(rand: Random, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function int(rand: Random, max: number): number {
  return Math.floor(rand() * max);
}

/** Fuzz keys: a small space so fuzz sets and gets meet; never the clean clients' nonce prefix. */
function fuzzKey(rand: Random): string {
  return `fz:${int(rand, 500)}`;
}

function randomBytes(rand: Random, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = int(rand, 256);
  return out;
}

function value(rand: Random): Buffer {
  if (rand() < 0.97) return randomBytes(rand, int(rand, 200));
  // Occasionally large (past the 64 KiB line and chunk sizes): a random pattern, repeated.
  const pattern = randomBytes(rand, 16);
  const out = Buffer.allocUnsafe(int(rand, 300_000));
  for (let i = 0; i < out.length; i += 16) pattern.copy(out, i, 0, Math.min(16, out.length - i));
  return out;
}

const crlf = Buffer.from('\r\n');

export function textRequest(rand: Random): Buffer {
  const key = fuzzKey(rand);
  const r = rand();
  if (r < 0.25) {
    const v = value(rand);
    const command = pick(rand, ['set', 'add', 'replace', 'append', 'prepend', 'cas']);
    const cas = command === 'cas' ? ` ${int(rand, 1e6)}` : '';
    const noreply = rand() < 0.2 ? ' noreply' : '';
    return Buffer.concat([Buffer.from(`${command} ${key} ${int(rand, 65536)} ${int(rand, 100)} ${v.length}${cas}${noreply}\r\n`), v, crlf]);
  }
  if (r < 0.45) {
    const keys = Array.from({ length: 1 + int(rand, 8) }, () => fuzzKey(rand));
    return Buffer.from(`${pick(rand, ['get', 'gets'])} ${keys.join(' ')}\r\n`);
  }
  if (r < 0.5) return Buffer.from(`${pick(rand, ['gat', 'gats'])} ${int(rand, 100)} ${key}\r\n`);
  if (r < 0.55) return Buffer.from(`${pick(rand, ['incr', 'decr'])} ${key} ${int(rand, 1000)}\r\n`);
  if (r < 0.6) return Buffer.from(`delete ${key}${rand() < 0.2 ? ' noreply' : ''}\r\n`);
  if (r < 0.63) return Buffer.from(`touch ${key} ${int(rand, 100)}\r\n`);
  if (r < 0.7) {
    const flags = ['v', 'k', 't', 'c', 'f', 's', 'q', 'T30', 'N10', 'O77', 'h', 'l'].filter(() => rand() < 0.3);
    return Buffer.from(`mg ${key}${flags.map((f) => ` ${f}`).join('')}\r\n`);
  }
  if (r < 0.8) {
    const v = value(rand);
    const flags = ['T60', 'F7', 'q', 'c', 'k', 'O1', 'MS', 'MA', 'I'].filter(() => rand() < 0.25);
    return Buffer.concat([Buffer.from(`ms ${key} ${v.length}${flags.map((f) => ` ${f}`).join('')}\r\n`), v, crlf]);
  }
  if (r < 0.85) return Buffer.from(`md ${key}${rand() < 0.3 ? ' q' : ''}${rand() < 0.3 ? ' I' : ''}\r\n`);
  if (r < 0.9) return Buffer.from(`ma ${key}${rand() < 0.5 ? ' N0 J5' : ''}${rand() < 0.3 ? ' D7' : ''}${rand() < 0.3 ? ' MD' : ''} v\r\n`);
  if (r < 0.93) return Buffer.from(pick(rand, ['mn\r\n', 'version\r\n', 'stats\r\n', 'stats slabs\r\n', 'verbosity 1\r\n', 'me fz:1\r\n']));
  // Rare, or the clean clients would see only misses.
  if (r < 0.935) return Buffer.from(rand() < 0.002 ? 'flush_all\r\n' : 'flush_all bogus\r\n');
  // Random words: unknown commands, HTTP-looking lines.
  return Buffer.from(`${pick(rand, ['GET / HTTP/1.1', 'bogus', 'm', 'mz x', 'gets', 'cas k 0 0 1', 'incr', 'get'])}\r\n`);
}

function binaryPacket(opcode: number, key: Buffer, extras: Buffer, v: Buffer, opaque: number): Buffer {
  const header = Buffer.alloc(24);
  header[0] = 0x80;
  header[1] = opcode;
  header.writeUInt16BE(key.length, 2);
  header[4] = extras.length;
  header.writeUInt32BE(extras.length + key.length + v.length, 8);
  header.writeUInt32BE(opaque >>> 0, 12);
  return Buffer.concat([header, extras, key, v]);
}

export function binaryRequest(rand: Random): Buffer {
  const key = Buffer.from(fuzzKey(rand));
  const opaque = int(rand, 2 ** 32);
  const empty = Buffer.alloc(0);
  const r = rand();
  if (r < 0.3) return binaryPacket(pick(rand, [0x01, 0x11, 0x02, 0x03]), key, randomBytes(rand, 8), value(rand), opaque);
  if (r < 0.55) return binaryPacket(pick(rand, [0x00, 0x09, 0x0c, 0x0d]), key, empty, empty, opaque);
  if (r < 0.62) return binaryPacket(pick(rand, [0x0e, 0x0f]), key, empty, value(rand), opaque);
  if (r < 0.7) return binaryPacket(pick(rand, [0x05, 0x06]), key, randomBytes(rand, 20), empty, opaque);
  if (r < 0.76) return binaryPacket(pick(rand, [0x1c, 0x1d, 0x23]), key, randomBytes(rand, 4), empty, opaque);
  if (r < 0.82) return binaryPacket(pick(rand, [0x04, 0x14]), key, empty, empty, opaque);
  if (r < 0.92) return binaryPacket(pick(rand, [0x0a, 0x0b, 0x10, 0x20]), empty, empty, empty, opaque);
  // Unknown opcodes and odd shapes.
  return binaryPacket(int(rand, 256), rand() < 0.5 ? key : empty, randomBytes(rand, pick(rand, [0, 4, 8, 20])), randomBytes(rand, int(rand, 40)), opaque);
}

function multibulk(args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a) : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, crlf);
  }
  return Buffer.concat(parts);
}

export function respRequest(rand: Random): Buffer {
  const key = fuzzKey(rand);
  const r = rand();
  let args: (string | Buffer)[];
  if (r < 0.25) args = ['SET', key, value(rand), ...(rand() < 0.2 ? ['EX', String(1 + int(rand, 100))] : [])];
  else if (r < 0.45) args = ['GET', key];
  else if (r < 0.52) args = ['MGET', ...Array.from({ length: 1 + int(rand, 8) }, () => fuzzKey(rand))];
  else if (r < 0.57) args = ['MSET', key, value(rand), fuzzKey(rand), value(rand)];
  else if (r < 0.62) args = [pick(rand, ['INCR', 'DECR', 'DEL', 'EXISTS', 'TTL', 'TYPE', 'STRLEN']), key];
  else if (r < 0.66) args = ['APPEND', key, value(rand)];
  else if (r < 0.7) args = ['INCRBY', key, String(int(rand, 1000))];
  else if (r < 0.74) args = ['GETRANGE', key, String(int(rand, 10)), String(int(rand, 100) - 50)];
  else if (r < 0.78) args = [pick(rand, ['HSET', 'LPUSH', 'SADD', 'ZADD']), `${key}:t`, String(int(rand, 9)), 'x'];
  else if (r < 0.82) args = [pick(rand, ['PING', 'ECHO', 'DBSIZE', 'TIME', 'COMMAND', 'INFO']), ...(rand() < 0.5 ? ['x'] : [])];
  else if (r < 0.85) args = ['MULTI'];
  else if (r < 0.88) args = ['EXEC'];
  else if (r < 0.885) args = rand() < 0.002 ? ['FLUSHALL'] : ['FLUSHALL', 'bogus'];
  else if (r < 0.9) args = [pick(rand, ['SUBSCRIBE', 'UNSUBSCRIBE', 'PUBLISH']), 'ch', ...(rand() < 0.5 ? ['m'] : [])];
  else args = [pick(rand, ['BOGUS', 'get', 'Set', '', 'hello', 'HELLO', 'RESET']), ...(rand() < 0.5 ? [key] : [])];
  if (rand() < 0.15) {
    // Inline form, as telnet and redis-cli send it.
    return Buffer.from(`${args.map((a) => (typeof a === 'string' ? a : 'v')).join(' ')}\r\n`);
  }
  return multibulk(args);
}

export function request(protocol: FuzzProtocol, rand: Random): Buffer {
  return protocol === 'text' ? textRequest(rand) : protocol === 'binary' ? binaryRequest(rand) : respRequest(rand);
}

/** A request, mutated with probability `mutateRate` (1–4 mutations). */
export function fuzzInput(protocol: FuzzProtocol, rand: Random, mutateRate: number): Buffer {
  const valid = request(protocol, rand);
  if (rand() >= mutateRate) return valid;
  const n = 1 + int(rand, 4);
  const mutations: Mutation[] = [];
  for (let i = 0; i < n; i++) mutations.push(randomMutation(rand));
  return mutate(valid, mutations);
}
