import { DEFAULT_TEXT_PARSER_LIMITS, MemcacheTextParser } from '../../../../src/protocol/memcache/text-parser';
import { MEMCACHE_TEXT_COMMANDS } from '../../../../src/protocol/memcache/commands';
import type { MemcacheTextRequest, ParseErrorEvent, TextParserLimits } from '../../../../src/protocol/memcache/request';
import { feedChunks, feedThreeWays, type DecoderFactory } from '../feed-three-ways';

/** Events with Buffers turned into latin1 strings, so expectations read like the wire. */
type Event = { req: Record<string, unknown> } | { err: Record<string, unknown> };

function normalise(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

function factory(limits: TextParserLimits = DEFAULT_TEXT_PARSER_LIMITS): DecoderFactory<Event> {
  return (events) =>
    new MemcacheTextParser(
      {
        onRequest: (r: MemcacheTextRequest) => events.push({ req: normalise(r) as Record<string, unknown> }),
        onError: (e: ParseErrorEvent) => events.push({ err: normalise(e) as Record<string, unknown> }),
      },
      limits,
    );
}

/** The events for `input`, asserted identical whole / byte by byte / in random splits. */
function parse(input: string | Buffer, limits?: Partial<TextParserLimits>): Event[] {
  return feedThreeWays(factory({ ...DEFAULT_TEXT_PARSER_LIMITS, ...limits }), input);
}

const req = (r: Record<string, unknown>): Event => ({ req: r });
const err = (reply: string | null, code: string, extra: Record<string, unknown> = {}): Event => ({ err: { reply, close: false, code, ...extra } });
const closeErr = (reply: string | null, code: string, extra: Record<string, unknown> = {}): Event => ({ err: { reply, close: true, code, ...extra } });
const ERROR = err('ERROR', 'unknown_command');
const arity = (command: string): Event => err('ERROR', 'wrong_arity', { command });
const badFormat = (command: string, noreply = false): Event =>
  err(noreply ? null : 'CLIENT_ERROR bad command line format', 'bad_command_line', { command });
const storage = (command: string, key: string, value: string, extra: Record<string, unknown> = {}): Event =>
  req({ kind: 'storage', command, key, flags: 0, exptime: 0, value, casHigh: 0, casLow: 0, noreply: false, ...extra });
const get = (...keys: string[]): Event => req({ kind: 'retrieval', command: 'get', keys, exptime: 0 });

const K250 = 'k'.repeat(250);
const K251 = 'k'.repeat(251);

describe('MemcacheTextParser', () => {
  describe('framing', () => {
    it('ends a line at CRLF', () => {
      expect(parse('get a\r\n')).toEqual([get('a')]);
    });

    it('accepts a bare LF as the line end', () => {
      expect(parse('get a\nget b\n')).toEqual([get('a'), get('b')]);
    });

    it('strips only one CR before the LF', () => {
      expect(parse('get a\r\r\n')).toEqual([get('a\r')]);
    });

    it('reports ERROR for an empty line, a lone CR line and a line of spaces', () => {
      expect(parse('\r\n\n\r\r\n   \r\n')).toEqual([ERROR, ERROR, ERROR, ERROR]);
    });

    it('splits tokens on runs of spaces and ignores leading and trailing spaces', () => {
      expect(parse('   get   a  b   \r\n')).toEqual([get('a', 'b')]);
    });

    it('treats a tab as part of a token, not a separator', () => {
      expect(parse('get\ta\r\nget a\tb\r\n')).toEqual([ERROR, get('a\tb')]);
    });

    it('ends the line at a NUL byte, as strlen() does in memcached', () => {
      expect(parse('get a\u0000 b c\r\nget\u0000 x\r\n')).toEqual([get('a'), arity('get')]);
    });

    it('keeps control characters and CR inside keys', () => {
      expect(parse('get a\u0001\rb\r\n')).toEqual([get('a\u0001\rb')]);
    });

    it('emits nothing until the line is complete', () => {
      expect(parse('get a')).toEqual([]);
    });

    it('gives keys as views of the pushed chunk when the line fits in it', () => {
      const chunk = Buffer.from('get abc\r\n');
      const keys: Buffer[] = [];
      new MemcacheTextParser({ onRequest: (r) => r.kind === 'retrieval' && keys.push(...r.keys), onError: () => {} }, DEFAULT_TEXT_PARSER_LIMITS).push(chunk);
      expect(keys[0]!.buffer).toBe(chunk.buffer);
    });
  });

  describe('command table', () => {
    it('recognises every command of the brief, plus ElastiCache config', () => {
      const names = Object.keys(MEMCACHE_TEXT_COMMANDS).sort();
      expect(names).toEqual(
        ['add', 'append', 'bget', 'cas', 'config', 'decr', 'delete', 'flush_all', 'gat', 'gats', 'get', 'gets', 'incr', 'prepend', 'quit', 'replace', 'set', 'shutdown', 'stats', 'touch', 'verbosity', 'version'].sort(),
      );
      expect(parse('config get cluster\r\n')).toEqual([{ req: { kind: 'config', args: ['get', 'cluster'] } }]);
    });

    it('is case-sensitive: GET is an unknown command', () => {
      expect(parse('GET a\r\nGet a\r\n')).toEqual([ERROR, ERROR]);
    });

    it('reports ERROR for unknown, one-letter, prefix and suffix names', () => {
      expect(parse('foo\r\ng\r\nge a\r\ngett a\r\nflush_all_now\r\n')).toEqual([ERROR, ERROR, ERROR, ERROR, ERROR]);
    });

    it('hands meta commands to the meta parser and answers ERROR for other two-letter m names', () => {
      const events = parse('mg a v\r\nmn\r\nmz a\r\nmgg a\r\n');
      expect(events.map((e) => ('req' in e ? e.req['command'] : e.err['reply']))).toEqual(['mg', 'mn', 'ERROR', 'ERROR']);
    });

    it('reads the data line after an unknown storage-like command as a command', () => {
      expect(parse('SET k 0 0 1\r\nget\r\n')).toEqual([ERROR, arity('get')]);
    });

    describe('HTTP requests', () => {
      it('closes silently on an unknown command whose last token starts with HTTP/', () => {
        expect(parse('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).toEqual([closeErr(null, 'http_request')]);
      });

      it('closes on HTTP/ as the only token', () => {
        expect(parse('HTTP/1.0\r\n')).toEqual([closeErr(null, 'http_request')]);
      });

      it('answers ERROR when the unknown name starts with a letter memcached dispatches on first (g s a c i d t)', () => {
        expect(parse('sfoo HTTP/1.1\r\ngfoo HTTP/1.1\r\n')).toEqual([ERROR, ERROR]);
      });

      it('answers ERROR for a one-letter name or an HTTP/ token that is not last', () => {
        expect(parse('G HTTP/1.1\r\nxfoo HTTP/1.1 z\r\n')).toEqual([ERROR, ERROR]);
      });

      it('looks at the 23rd token of a longer line, as memcached tokenize_command does', () => {
        const t21 = 'a b c d e f g h i j k l m n o p q r s t u';
        expect(parse(`xfoo ${t21} v w x y HTTP/1.1\r\n`)).toEqual([ERROR]);
        expect(parse(`xfoo ${t21} HTTP/1.1 more\r\n`)).toEqual([closeErr(null, 'http_request')]);
      });

      it('treats HTTP/ as a key for known commands', () => {
        expect(parse('get HTTP/1.1\r\n')).toEqual([get('HTTP/1.1')]);
      });
    });
  });

  describe('get / gets / bget', () => {
    it('parses one key', () => {
      expect(parse('gets a\r\n')).toEqual([req({ kind: 'retrieval', command: 'gets', keys: ['a'], exptime: 0 })]);
    });

    it('parses many keys, including more than memcached tokenizes at once (24)', () => {
      const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
      expect(parse(`get ${keys.join(' ')}\r\n`)).toEqual([get(...keys)]);
    });

    it('keeps duplicate keys', () => {
      expect(parse('get a a\r\n')).toEqual([get('a', 'a')]);
    });

    it('treats noreply as a key', () => {
      expect(parse('get a noreply\r\n')).toEqual([get('a', 'noreply')]);
    });

    it('maps bget to get', () => {
      expect(parse('bget a\r\n')).toEqual([get('a')]);
    });

    it('reports ERROR without a key', () => {
      expect(parse('get\r\nget \r\ngets\r\n')).toEqual([arity('get'), arity('get'), arity('gets')]);
    });

    it('accepts a 250-byte key and refuses the whole line for a 251-byte key', () => {
      expect(parse(`get ${K250}\r\nget a ${K251}\r\ngets ${'q'.repeat(300)}\r\n`)).toEqual([get(K250), badFormat('get'), badFormat('gets')]);
    });

    it('counts key length in bytes, not characters', () => {
      const key = Buffer.from('é'.repeat(126)); // 252 bytes
      expect(parse(Buffer.concat([Buffer.from('get '), key, Buffer.from('\r\n')]))).toEqual([badFormat('get')]);
    });
  });

  describe('gat / gats', () => {
    it('parses the exptime and the keys', () => {
      expect(parse('gat 100 a b\r\ngats -1 c\r\n')).toEqual([
        req({ kind: 'retrieval', command: 'gat', keys: ['a', 'b'], exptime: 100 }),
        req({ kind: 'retrieval', command: 'gats', keys: ['c'], exptime: -1 }),
      ]);
    });

    it('accepts an exptime without keys (memcached answers END)', () => {
      expect(parse('gat 0\r\n')).toEqual([req({ kind: 'retrieval', command: 'gat', keys: [], exptime: 0 })]);
    });

    it('reports ERROR without any token', () => {
      expect(parse('gat\r\n')).toEqual([arity('gat')]);
    });

    it('reports an invalid exptime', () => {
      const invalid = err('CLIENT_ERROR invalid exptime argument', 'invalid_exptime', { command: 'gat' });
      expect(parse('gat abc a\r\ngat 1x a\r\n')).toEqual([invalid, invalid]);
    });

    it('refuses a 251-byte key', () => {
      expect(parse(`gats 0 ${K251}\r\n`)).toEqual([badFormat('gats')]);
    });
  });

  describe('set / add / replace / append / prepend', () => {
    it.each(['set', 'add', 'replace', 'append', 'prepend'])('parses %s with its data block', (command) => {
      expect(parse(`${command} k 5 100 3\r\nabc\r\n`)).toEqual([storage(command, 'k', 'abc', { flags: 5, exptime: 100 })]);
    });

    it('returns nothing until the data block and its CRLF have arrived', () => {
      expect(parse('set k 0 0 3\r\nabc')).toEqual([]);
      expect(parse('set k 0 0 3\r\nabc\r')).toEqual([]);
    });

    it('reads the data block by length, so it may contain CRLF and look like commands', () => {
      expect(parse('set k 0 0 12\r\nget a\r\n\r\nx\r\n\r\nget b\r\n')).toEqual([storage('set', 'k', 'get a\r\n\r\nx\r\n'), get('b')]);
    });

    it('accepts a zero-length value', () => {
      expect(parse('set k 0 0 0\r\n\r\n')).toEqual([storage('set', 'k', '')]);
    });

    it('passes binary (non-UTF-8) values through untouched', () => {
      const value = Buffer.from([0, 0xff, 0x80, 0x0d, 0x0a, 0xc3, 0x28, 0xfe]);
      const events = parse(Buffer.concat([Buffer.from('set bin 0 0 8\r\n'), value, Buffer.from('\r\n')]));
      expect(events).toEqual([storage('set', 'bin', value.toString('latin1'))]);
    });

    it('gives the value as a view of the chunk when the block is in one chunk', () => {
      const chunk = Buffer.from('set k 0 0 3\r\nabc\r\n');
      let value: Buffer | undefined;
      new MemcacheTextParser({ onRequest: (r) => r.kind === 'storage' && (value = r.value), onError: () => {} }, DEFAULT_TEXT_PARSER_LIMITS).push(chunk);
      expect(value!.buffer).toBe(chunk.buffer);
    });

    it('assembles a value spanning chunks into one Buffer', () => {
      let value: Buffer | undefined;
      const p = new MemcacheTextParser({ onRequest: (r) => r.kind === 'storage' && (value = r.value), onError: () => {} }, DEFAULT_TEXT_PARSER_LIMITS);
      p.push(Buffer.from('set k 0 0 6\r\nabc'));
      expect(p.bufferedBytes).toBe(8);
      p.push(Buffer.from('def\r\n'));
      expect(value!.toString()).toBe('abcdef');
      expect(p.bufferedBytes).toBe(0);
    });

    it('recognises noreply only as the exact last token', () => {
      expect(parse('set k 0 0 1 noreply\r\na\r\nset k 0 0 1 norepl\r\nb\r\nset k 0 0 1 NOREPLY\r\nc\r\nset k 0 0 1 noreply\r\r\nd\r\n')).toEqual([
        storage('set', 'k', 'a', { noreply: true }),
        storage('set', 'k', 'b'),
        storage('set', 'k', 'c'),
        storage('set', 'k', 'd'),
      ]);
    });

    it('reports ERROR for too few or too many tokens, then reads the data line as a command', () => {
      expect(parse('set k 0 0\r\nget\r\nset k 0 0 1 noreply x\r\nfoo\r\nset k\r\n')).toEqual([arity('set'), arity('get'), arity('set'), ERROR, arity('set')]);
    });

    it('accepts a 250-byte key and refuses a 251-byte key without swallowing the data line', () => {
      expect(parse(`set ${K250} 0 0 1\r\na\r\nprepend ${K251} 0 0 1\r\nfoo\r\n`)).toEqual([storage('set', K250, 'a'), badFormat('prepend'), ERROR]);
    });

    it('silences its errors when the last token is noreply', () => {
      expect(parse(`set ${K251} 0 0 1 noreply\r\nfoo\r\nset k abc 0 1 noreply\r\n`)).toEqual([badFormat('set', true), ERROR, badFormat('set', true)]);
    });

    describe('numbers (read like memcached safe_strtoul / safe_strtol)', () => {
      it('takes flags up to 2^32-1 and keeps the low 32 bits above that', () => {
        expect(parse('set k 4294967295 0 0\r\n\r\nset k 4294967296 0 0\r\n\r\nset k 4294967301 0 0\r\n\r\n')).toEqual([
          storage('set', 'k', '', { flags: 4294967295 }),
          storage('set', 'k', '', { flags: 0 }),
          storage('set', 'k', '', { flags: 5 }),
        ]);
      });

      it('refuses negative, non-numeric, hex and out-of-range flags', () => {
        for (const flags of ['-1', 'abc', '0x1', '18446744073709551616', '-4294967295', '1a']) {
          expect(parse(`set k ${flags} 0 1\r\n`)).toEqual([badFormat('set')]);
        }
      });

      it('accepts a sign, leading zeros, -0 and C whitespace around the digits', () => {
        expect(parse('set k +3 0 001\r\na\r\nset k -0 0 \t1\u000b\r\nb\r\nset k 0 0 1\tjunk\r\nc\r\n')).toEqual([
          storage('set', 'k', 'a', { flags: 3 }),
          storage('set', 'k', 'b'),
          storage('set', 'k', 'c'),
        ]);
      });

      it('reads flags -(2^64-1) as 1, like strtoul', () => {
        expect(parse('set k -18446744073709551615 0 0\r\n\r\n')).toEqual([storage('set', 'k', '', { flags: 1 })]);
      });

      it('keeps the exptime as sent, wrapped to 32 bits', () => {
        expect(parse('set k 0 -1 0\r\n\r\nset k 0 4294967296 0\r\n\r\nset k 0 2147483648 0\r\n\r\n')).toEqual([
          storage('set', 'k', '', { exptime: -1 }),
          storage('set', 'k', '', { exptime: 0 }),
          storage('set', 'k', '', { exptime: -2147483648 }),
        ]);
      });

      it('refuses a non-numeric exptime with bad command line format (not invalid exptime)', () => {
        expect(parse('set k 0 abc 1\r\n')).toEqual([badFormat('set')]);
      });

      it('refuses negative, huge and malformed byte counts without swallowing', () => {
        for (const bytes of ['-1', 'abc', '1abc', '2147483647', '2147483646', '2147483648', '4294967295', '99999999999999999999']) {
          expect(parse(`set k 0 0 ${bytes}\r\nfoo\r\n`)).toEqual([badFormat('set'), ERROR]);
        }
      });

      it('wraps byte counts to 32 bits like memcached (4294967297 reads as 1)', () => {
        expect(parse('set k 0 0 4294967297\r\na\r\nset k 0 0 8589934592\r\n\r\n')).toEqual([storage('set', 'k', 'a'), storage('set', 'k', '')]);
      });
    });

    describe('data block errors', () => {
      const badChunk = (noreply = false) => err(noreply ? null : 'CLIENT_ERROR bad data chunk', 'bad_data_chunk', { command: 'set' });

      it('reports a bad data chunk when the block is too long, and parses what follows', () => {
        expect(parse('set k 0 0 3\r\nabcde\r\nget k\r\n')).toEqual([badChunk(), ERROR, get('k')]);
      });

      it('consumes exactly <bytes>+2 even when the block is too short, eating into the next line', () => {
        expect(parse('set k 0 0 5\r\nabc\r\nget k\r\nget k\r\n')).toEqual([badChunk(), ERROR, get('k')]);
      });

      it('refuses a block ended by a bare LF', () => {
        expect(parse('set k 0 0 1\r\na\nget k\r\n')).toEqual([badChunk(), ERROR]);
      });

      it('silences the bad data chunk under noreply', () => {
        expect(parse('set k 0 0 3 noreply\r\nabcde\r\n')).toEqual([badChunk(true), ERROR]);
      });
    });

    describe('values larger than maxItemSize', () => {
      const limits = { maxItemSize: 100 };
      const tooLarge = (command: string, extra: Record<string, unknown> = {}) =>
        err('SERVER_ERROR object too large for cache', 'too_large', { command, ...extra });

      it('accepts a value of exactly maxItemSize', () => {
        expect(parse(`set k 0 0 100\r\n${'x'.repeat(100)}\r\n`, limits)).toEqual([storage('set', 'k', 'x'.repeat(100))]);
      });

      it('reports too large at once and swallows <bytes>+2 without checking them', () => {
        expect(parse(`set k 0 0 101\r\n${'x'.repeat(103)}get k\r\n`, limits)).toEqual([tooLarge('set', { unlinkKey: 'k' }), get('k')]);
      });

      it('asks to unlink the old item only for set', () => {
        expect(parse(`add k 0 0 101\r\n${'x'.repeat(101)}\r\nreplace k 0 0 200\r\n${'y'.repeat(200)}\r\n`, limits)).toEqual([tooLarge('add'), tooLarge('replace')]);
      });

      it('silences the reply under noreply but still unlinks', () => {
        expect(parse(`set k 0 0 101 noreply\r\n${'x'.repeat(101)}\r\n`, limits)).toEqual([err(null, 'too_large', { command: 'set', unlinkKey: 'k' })]);
      });

      it('streams past a huge value across many chunks without buffering it', () => {
        const events: Event[] = [];
        const p = factory({ ...DEFAULT_TEXT_PARSER_LIMITS, maxItemSize: 1024 })(events) as MemcacheTextParser;
        p.push(Buffer.from('set big 0 0 5000000\r\nxx'));
        for (let i = 0; i < 1000; i++) {
          p.push(Buffer.alloc(5000, 'z'));
          expect(p.bufferedBytes).toBe(0);
        }
        p.push(Buffer.from('get big\r\n'));
        expect(events).toEqual([tooLarge('set', { unlinkKey: 'big' }), get('big')]);
      });

      it('gives the same events for a swallowed value in any split', () => {
        expect(parse(`set k 0 0 3000\r\n${'\r\n'.repeat(1501)}get a\r\n`, limits)).toEqual([tooLarge('set', { unlinkKey: 'k' }), get('a')]);
      });
    });
  });

  describe('cas', () => {
    it('splits the unique into 32-bit halves', () => {
      expect(parse('cas k 0 0 1 18446744073709551615\r\na\r\ncas k 0 0 1 4294967296 noreply\r\nb\r\ncas k 0 0 1 7\r\nc\r\n')).toEqual([
        storage('cas', 'k', 'a', { casHigh: 4294967295, casLow: 4294967295 }),
        storage('cas', 'k', 'b', { casHigh: 1, casLow: 0, noreply: true }),
        storage('cas', 'k', 'c', { casLow: 7 }),
      ]);
    });

    it('reads a 16-digit unique exactly', () => {
      expect(parse('cas k 0 0 0 9007199254740993\r\n\r\n')).toEqual([storage('cas', 'k', '', { casHigh: 2097152, casLow: 1 })]);
    });

    it('refuses a non-numeric, negative or 2^64 unique', () => {
      for (const unique of ['abc', '-1', '18446744073709551616']) expect(parse(`cas k 0 0 1 ${unique}\r\nfoo\r\n`)).toEqual([badFormat('cas'), ERROR]);
    });

    it('takes noreply in the unique slot as noreply, then refuses the unique silently', () => {
      expect(parse('cas k 0 0 1 noreply\r\nfoo\r\n')).toEqual([badFormat('cas', true), ERROR]);
    });

    it('reports ERROR for too few or too many tokens', () => {
      expect(parse('cas k 0 0 1\r\ncas k 0 0 1 5 noreply x\r\n')).toEqual([arity('cas'), arity('cas')]);
    });
  });

  describe('delete', () => {
    const usage = (noreply = false) =>
      err(noreply ? null : 'CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]', 'bad_command_line', { command: 'delete' });
    const del = (key: string, noreply = false) => req({ kind: 'delete', key, noreply });

    it('parses a key with optional noreply', () => {
      expect(parse('delete k\r\ndelete k noreply\r\n')).toEqual([del('k'), del('k', true)]);
    });

    it('accepts the legacy time argument only when it is exactly 0', () => {
      expect(parse('delete k 0\r\ndelete k 0 noreply\r\ndelete k 10\r\ndelete k 00\r\ndelete k 0\t\r\ndelete k 0 0\r\n')).toEqual([
        del('k'),
        del('k', true),
        usage(),
        usage(),
        usage(),
        usage(),
      ]);
    });

    it('silences the usage error when the last token is noreply', () => {
      expect(parse('delete k 10 noreply\r\ndelete k noreply noreply\r\ndelete k noreply x\r\n')).toEqual([usage(true), usage(true), usage()]);
    });

    it('takes a lone noreply as the key', () => {
      expect(parse('delete noreply\r\n')).toEqual([del('noreply')]);
    });

    it('reports ERROR without a key or with more than three arguments', () => {
      expect(parse('delete\r\ndelete k 0 noreply x\r\n')).toEqual([arity('delete'), arity('delete')]);
    });

    it('refuses a 251-byte key, silently under noreply', () => {
      expect(parse(`delete ${K251}\r\ndelete ${K251} noreply\r\n`)).toEqual([badFormat('delete'), badFormat('delete', true)]);
    });
  });

  describe('incr / decr', () => {
    const invalid = (command: string, noreply = false) =>
      err(noreply ? null : 'CLIENT_ERROR invalid numeric delta argument', 'invalid_delta', { command });

    it('parses a 64-bit delta as a bigint', () => {
      expect(parse('incr k 18446744073709551615\r\ndecr k 1 noreply\r\n')).toEqual([
        req({ kind: 'arithmetic', command: 'incr', key: 'k', delta: 18446744073709551615n, noreply: false }),
        req({ kind: 'arithmetic', command: 'decr', key: 'k', delta: 1n, noreply: true }),
      ]);
    });

    it('accepts +, -0, leading zeros, and strtoull wrap-around of -(2^64-1)', () => {
      expect(parse('incr k +2\r\nincr k -0\r\nincr k 00000000000000000000000001\r\nincr k -18446744073709551615\r\n').map((e) => ('req' in e ? e.req.delta : e))).toEqual([2n, 0n, 1n, 1n]);
    });

    it('refuses a negative, non-numeric, junk-suffixed or 2^64 delta', () => {
      expect(parse('incr k -1\r\ndecr k abc\r\nincr k 1x\r\nincr k 18446744073709551616\r\n')).toEqual([invalid('incr'), invalid('decr'), invalid('incr'), invalid('incr')]);
    });

    it('silences the invalid delta under noreply', () => {
      expect(parse('incr k abc noreply\r\n')).toEqual([invalid('incr', true)]);
    });

    it('ignores an extra token that is not noreply', () => {
      expect(parse('incr k 3 x\r\n')).toEqual([req({ kind: 'arithmetic', command: 'incr', key: 'k', delta: 3n, noreply: false })]);
    });

    it('reports ERROR for too few or too many tokens', () => {
      expect(parse('incr\r\nincr k\r\ndecr k 1 noreply x\r\n')).toEqual([arity('incr'), arity('incr'), arity('decr')]);
    });

    it('refuses a 251-byte key before looking at the delta', () => {
      expect(parse(`incr ${K251} abc\r\n`)).toEqual([badFormat('incr')]);
    });
  });

  describe('touch', () => {
    const invalid = (noreply = false) => err(noreply ? null : 'CLIENT_ERROR invalid exptime argument', 'invalid_exptime', { command: 'touch' });

    it('parses key, exptime and noreply', () => {
      expect(parse('touch k 10\r\ntouch k -1 noreply\r\ntouch k 10 x\r\n')).toEqual([
        req({ kind: 'touch', key: 'k', exptime: 10, noreply: false }),
        req({ kind: 'touch', key: 'k', exptime: -1, noreply: true }),
        req({ kind: 'touch', key: 'k', exptime: 10, noreply: false }),
      ]);
    });

    it('reports an invalid exptime, silently under noreply', () => {
      expect(parse('touch k abc\r\ntouch k abc noreply\r\n')).toEqual([invalid(), invalid(true)]);
    });

    it('reports ERROR for too few or too many tokens and refuses long keys', () => {
      expect(parse(`touch k\r\ntouch k 1 noreply x\r\ntouch ${K251} 1\r\n`)).toEqual([arity('touch'), arity('touch'), badFormat('touch')]);
    });
  });

  describe('flush_all', () => {
    const flush = (delay: number, noreply = false) => req({ kind: 'flush_all', delay, noreply });
    const invalid = (noreply = false) => err(noreply ? null : 'CLIENT_ERROR invalid exptime argument', 'invalid_exptime', { command: 'flush_all' });

    it('parses no delay, a delay, noreply and both', () => {
      expect(parse('flush_all\r\nflush_all 10\r\nflush_all noreply\r\nflush_all 0 noreply\r\nflush_all -1\r\n')).toEqual([
        flush(0),
        flush(10),
        flush(0, true),
        flush(0, true),
        flush(-1),
      ]);
    });

    it('ignores a second argument that is not noreply', () => {
      expect(parse('flush_all 5 junk\r\n')).toEqual([flush(5)]);
    });

    it('reports an invalid exptime for a non-numeric delay, including noreply in first place', () => {
      expect(parse('flush_all abc\r\nflush_all noreply 10\r\nflush_all noreply noreply\r\n')).toEqual([invalid(), invalid(), invalid(true)]);
    });

    it('reports ERROR for more than two arguments', () => {
      expect(parse('flush_all 0 noreply x\r\n')).toEqual([arity('flush_all')]);
    });
  });

  describe('verbosity', () => {
    const verbosity = (level: number, noreply = false) => req({ kind: 'verbosity', level, noreply });

    it('parses the level and noreply, ignoring a second argument', () => {
      expect(parse('verbosity 1\r\nverbosity 0 noreply\r\nverbosity 1 2\r\nverbosity 4294967296\r\n')).toEqual([
        verbosity(1),
        verbosity(0, true),
        verbosity(1),
        verbosity(0),
      ]);
    });

    it('refuses a non-numeric or negative level, silently when it is noreply itself', () => {
      expect(parse('verbosity abc\r\nverbosity -1\r\nverbosity noreply\r\n')).toEqual([badFormat('verbosity'), badFormat('verbosity'), badFormat('verbosity', true)]);
    });

    it('reports ERROR without a level or with three arguments', () => {
      expect(parse('verbosity\r\nverbosity 1 2 3\r\n')).toEqual([arity('verbosity'), arity('verbosity')]);
    });
  });

  describe('stats / version / quit / shutdown', () => {
    it('passes stats sub-command tokens as strings', () => {
      expect(parse('stats\r\nstats settings\r\nstats cachedump 1 10\r\n')).toEqual([
        req({ kind: 'stats', args: [] }),
        req({ kind: 'stats', args: ['settings'] }),
        req({ kind: 'stats', args: ['cachedump', '1', '10'] }),
      ]);
    });

    it('ignores tokens after version', () => {
      expect(parse('version\r\nversion foo bar\r\n')).toEqual([req({ kind: 'version' }), req({ kind: 'version' })]);
    });

    it('stops parsing after quit, whatever its arguments', () => {
      expect(parse('get a\r\nquit now\r\nget b\r\n')).toEqual([get('a'), req({ kind: 'quit' })]);
    });

    it('parses shutdown, shutdown graceful and flags other modes as invalid', () => {
      expect(parse('shutdown\r\nshutdown graceful\r\nshutdown x\r\nshutdown graceful x\r\n')).toEqual([
        req({ kind: 'shutdown', graceful: false }),
        req({ kind: 'shutdown', graceful: true }),
        req({ kind: 'shutdown', graceful: false, invalidMode: true }),
        req({ kind: 'shutdown', graceful: false, invalidMode: true }),
      ]);
    });
  });

  describe('limits', () => {
    const lineTooLong = closeErr(null, 'line_too_long');

    it('parses a line of exactly maxLineLength bytes before the LF', () => {
      expect(parse(`${'x'.repeat(2048)}\n`)).toEqual([ERROR]);
      expect(parse(`${'x'.repeat(2047)}\r\n`)).toEqual([ERROR]);
    });

    it('closes silently when more than maxLineLength bytes come without a LF', () => {
      expect(parse('x'.repeat(2049))).toEqual([lineTooLong]);
      expect(parse(`set ${'x'.repeat(2996)}\r\nget a\r\n`)).toEqual([lineTooLong]);
    });

    it('counts the CR: 2048 bytes plus CRLF is too long (memcached decides at byte 2049)', () => {
      expect(parse(`${'x'.repeat(2048)}\r\n`)).toEqual([lineTooLong]);
    });

    it('lets a long get/gets line through up to maxRetrievalLineLength', () => {
      const keys = Array.from({ length: 300 }, (_, i) => `key${String(i).padStart(7, '0')}`);
      expect(parse(`get ${keys.join(' ')}\r\n`)).toEqual([get(...keys)]);
      expect(parse(`  gets ${keys.join(' ')}\r\n`)).toEqual([req({ kind: 'retrieval', command: 'gets', keys, exptime: 0 })]);
    });

    it('closes a long get line preceded by more than 100 spaces, and long gat lines', () => {
      expect(parse(`${' '.repeat(101)}get ${'k '.repeat(1500)}\r\n`)).toEqual([lineTooLong]);
      expect(parse(`gat 0 ${'k '.repeat(1500)}\r\n`)).toEqual([lineTooLong]);
    });

    it('closes with CLIENT_ERROR line too long past maxRetrievalLineLength', () => {
      expect(parse(`get ${'k '.repeat(3000)}`, { maxRetrievalLineLength: 5000 })).toEqual([closeErr('CLIENT_ERROR line too long', 'line_too_long', { command: 'get' })]);
      expect(parse(`get ${'k '.repeat(3000)}\r\n`, { maxRetrievalLineLength: 5000 })).toEqual([closeErr('CLIENT_ERROR line too long', 'line_too_long', { command: 'get' })]);
    });

    it('refuses more than maxKeysPerRetrieval keys and keeps going', () => {
      const tooMany = err('CLIENT_ERROR too many keys', 'too_many_keys', { command: 'get' });
      expect(parse('get a b c d\r\nget a b c\r\ngat 0 a b c d\r\n', { maxKeysPerRetrieval: 3 })).toEqual([
        tooMany,
        get('a', 'b', 'c'),
        err('CLIENT_ERROR too many keys', 'too_many_keys', { command: 'gat' }),
      ]);
    });

    it('never buffers more than the line limit of a partial line', () => {
      const events: Event[] = [];
      const p = factory()(events) as MemcacheTextParser;
      for (let i = 0; i < 100 && !p.closed; i++) {
        p.push(Buffer.from('abcdefghijklmnopqrstuvwxy'));
        expect(p.bufferedBytes).toBeLessThanOrEqual(2048);
      }
      expect(p.closed).toBe(true);
      expect(p.bufferedBytes).toBe(0);
      expect(events).toEqual([lineTooLong]);
    });

    it('ignores every byte after a closing event', () => {
      const events: Event[] = [];
      const p = factory()(events) as MemcacheTextParser;
      p.push(Buffer.from('GET / HTTP/1.1\r\n'));
      p.push(Buffer.from('get a\r\n'));
      expect(events).toEqual([closeErr(null, 'http_request')]);
    });

    it('refuses limits that are not positive integers', () => {
      expect(() => new MemcacheTextParser({ onRequest: () => {}, onError: () => {} }, { ...DEFAULT_TEXT_PARSER_LIMITS, maxLineLength: 0 })).toThrow(TypeError);
      expect(() => new MemcacheTextParser({ onRequest: () => {}, onError: () => {} }, { ...DEFAULT_TEXT_PARSER_LIMITS, maxItemSize: 1.5 })).toThrow(TypeError);
    });
  });

  describe('pipelining', () => {
    it('parses 100 commands in one chunk in order', () => {
      let input = '';
      const expected: Event[] = [];
      for (let i = 0; i < 50; i++) {
        input += `set key:${i} ${i} 0 ${String(i).length}\r\n${i}\r\nget key:${i}\r\n`;
        expected.push(storage('set', `key:${i}`, String(i), { flags: i }), get(`key:${i}`));
      }
      expect(parse(input)).toEqual(expected);
    });

    it('mixes every kind of command and error in one stream', () => {
      const input = 'set a 0 0 1\r\n1\r\nincr a 5\r\ndelete b\r\nfoo\r\nget a b\r\ntouch a 0\r\nset c 0 0 1\r\nxy\r\nversion\r\nstats\r\n';
      expect(parse(input)).toEqual([
        storage('set', 'a', '1'),
        req({ kind: 'arithmetic', command: 'incr', key: 'a', delta: 5n, noreply: false }),
        req({ kind: 'delete', key: 'b', noreply: false }),
        ERROR,
        get('a', 'b'),
        req({ kind: 'touch', key: 'a', exptime: 0, noreply: false }),
        err('CLIENT_ERROR bad data chunk', 'bad_data_chunk', { command: 'set' }),
        ERROR,
        req({ kind: 'version' }),
        req({ kind: 'stats', args: [] }),
      ]);
    });

    it('gives identical events for 2000 random pipelines in random splits', () => {
      // Cheap fuzz: build streams from fragments, compare whole vs split parses.
      const fragments = ['get a b\r\n', 'set k 0 0 3\r\na\r\n\r\n', 'set k 0 0 3\r\nabcd\r\n', 'incr k 1\n', '\r\n', 'delete k 0 noreply\r\n', 'GET x\r\n', 'cas k 1 2 1 3\r\nz\r\n', 'gat 1 x\r\n', 'set k 0 0 200\r\n' + 'v'.repeat(202)];
      const f = factory({ ...DEFAULT_TEXT_PARSER_LIMITS, maxItemSize: 100 });
      let seed = 1;
      for (let round = 0; round < 2000; round++) {
        seed = (seed * 48271) % 2147483647;
        let s = '';
        for (let i = 0, x = seed; i < 8; i++, x = (x * 48271) % 2147483647) s += fragments[x % fragments.length];
        const bytes = Buffer.from(s, 'latin1');
        const whole = feedChunks(f, [bytes]);
        const cuts: Buffer[] = [];
        for (let pos = 0, x = seed; pos < bytes.length; x = (x * 48271) % 2147483647) {
          const n = 1 + (x % 9);
          cuts.push(bytes.subarray(pos, pos + n));
          pos += n;
        }
        expect(feedChunks(f, cuts)).toEqual(whole);
      }
    });
  });
});
