import { DEFAULT_TEXT_PARSER_LIMITS, MemcacheTextParser } from '../../../../src/protocol/memcache/text-parser';
import { decodeBase64Like, exceedsMemcachedItemSize } from '../../../../src/protocol/memcache/meta-parser';
import type { MemcacheTextRequest, MetaRequest, ParseErrorEvent, TextParserLimits } from '../../../../src/protocol/memcache/request';
import { feedThreeWays, type DecoderFactory } from '../feed-three-ways';

/**
 * The meta half of the text parser: what it hands the session for each meta
 * line (decoded values, flags, order) and which bytes it swallows, fed whole,
 * byte by byte and in seeded random splits. The wire replies are covered by
 * the golden transcript (meta-parser.golden.test.ts).
 */
type Event = { meta: Partial<Record<keyof MetaRequest, unknown>> } | { req: string } | { err: string | null; swallowedInto?: string };

function toEvent(r: MemcacheTextRequest): Event {
  if (r.kind !== 'meta') return { req: r.kind };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) out[k] = Buffer.isBuffer(v) ? v.toString('latin1') : v;
  return { meta: out };
}

function factory(limits: TextParserLimits): DecoderFactory<Event> {
  return (events) =>
    new MemcacheTextParser(
      {
        onRequest: (r) => events.push(toEvent(r)),
        onError: (e: ParseErrorEvent) => events.push({ err: e.reply }),
      },
      limits,
    );
}

function parse(input: string | Buffer, limits: Partial<TextParserLimits> = {}): Event[] {
  return feedThreeWays(factory({ ...DEFAULT_TEXT_PARSER_LIMITS, ...limits }), input);
}

function only(input: string): Record<string, unknown> {
  const events = parse(input);
  expect(events).toHaveLength(1);
  const first = events[0]!;
  if (!('meta' in first)) throw new Error(`expected a meta request, got ${JSON.stringify(first)}`);
  return first.meta;
}

describe('meta command parsing', () => {
  it('reads mg with no flags', () => {
    expect(only('mg foo\r\n')).toMatchObject({ command: 'mg', key: 'foo', order: '', quiet: false, returnValue: false, opaque: null });
  });

  it('keeps the flag order and the whole opaque token', () => {
    expect(only('mg foo s v Oab12 k q\r\n')).toMatchObject({ order: 'svOkq', opaque: 'Oab12', returnValue: true, quiet: true });
  });

  it('reads TTL, vivify and recache tokens as signed exptimes', () => {
    expect(only('mg foo T-1 N30 R5\r\n')).toMatchObject({ ttl: -1, vivifyTtl: 30, recacheTtl: 5 });
  });

  it('decodes a base64 key and remembers it was base64', () => {
    expect(only('mg AAEC/w== b v\r\n')).toMatchObject({ key: '\x00\x01\x02\xff', base64Key: true });
  });

  it('reads ms: length, flags, mode, CAS, then the data block by length', () => {
    expect(parse('ms foo 5 F7 T60 MA C123 I q\r\nab\r\nc\r\nmn\r\n')).toEqual([
      { meta: expect.objectContaining({ command: 'ms', key: 'foo', value: 'ab\r\nc', clientFlags: 7, ttl: 60, mode: 'A', compareCas: 123n, invalidate: true, quiet: true }) },
      { meta: expect.objectContaining({ command: 'mn' }) },
    ]);
  });

  it('reads ma delta, initial and a 64-bit CAS', () => {
    expect(only('ma n D18446744073709551615 J7 N0 MD C18446744073709551615\r\n')).toMatchObject({
      delta: 18446744073709551615n,
      initial: 7n,
      vivifyTtl: 0,
      mode: 'D',
      compareCas: 18446744073709551615n,
    });
  });

  it('reads E (explicit CAS) and md x from protocol.txt', () => {
    expect(only('md foo I x E42 T30\r\n')).toMatchObject({ invalidate: true, dropValue: true, newCas: 42n, ttl: 30 });
  });

  it('accepts P and L tokens and ignores them', () => {
    expect(only('mg foo P/path Lx v\r\n')).toMatchObject({ order: 'PLv', returnValue: true });
  });

  it('marks an over-long opaque on mg and ma for after execution, and refuses it on md at once', () => {
    const opaque = `O${'x'.repeat(32)}`;
    expect(only(`mg foo ${opaque}\r\n`)).toMatchObject({ errorAfterExecution: 'CLIENT_ERROR opaque token too long' });
    expect(only(`ma foo ${opaque}\r\n`)).toMatchObject({ errorAfterExecution: 'CLIENT_ERROR opaque token too long' });
    expect(parse(`md foo ${opaque}\r\n`)).toEqual([{ err: 'CLIENT_ERROR opaque token too long' }]);
  });

  it('swallows the data block of a refused ms, and not when the length is unknown', () => {
    expect(parse('ms foo 3 y\r\nget\r\nmn\r\n')).toEqual([{ err: 'CLIENT_ERROR invalid flag' }, { meta: expect.objectContaining({ command: 'mn' }) }]);
    expect(parse('ms foo x\r\nmn\r\n')).toEqual([{ err: 'CLIENT_ERROR bad command line format' }, { meta: expect.objectContaining({ command: 'mn' }) }]);
  });

  it('refuses a value too large by memcached item size rule before reading it, and names the key to unlink', () => {
    const limits = { maxItemSize: 1024 };
    const events: ParseErrorEvent[] = [];
    const parser = new MemcacheTextParser({ onRequest: () => undefined, onError: (e) => events.push(e) }, { ...DEFAULT_TEXT_PARSER_LIMITS, ...limits });
    parser.push(Buffer.from(`ms Zm9v 1000 b\r\n${'x'.repeat(1000)}\r\n`, 'latin1'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reply: 'SERVER_ERROR object too large for cache', code: 'too_large' });
    expect(events[0]!.unlinkKey?.toString()).toBe('foo');
    expect(parser.bufferedBytes).toBe(0);
  });

  it('holds nothing for a refused value however large its declared length', () => {
    const refused = new MemcacheTextParser({ onRequest: () => undefined, onError: () => undefined }, DEFAULT_TEXT_PARSER_LIMITS);
    refused.push(Buffer.from('ms foo 2000000000 F1\r\nab', 'latin1'));
    expect(refused.bufferedBytes).toBe(0);
  });

  it('answers the flag errors in memcached order', () => {
    expect(parse('mg foo v v\r\nmg foo y\r\nmg foo Tx\r\nmg foo Tx y\r\nmg foo Tx v v\r\nmg foo Fx\r\n')).toEqual([
      { err: 'CLIENT_ERROR duplicate flag' },
      { err: 'CLIENT_ERROR invalid flag' },
      { err: 'CLIENT_ERROR bad token in command line format' },
      { err: 'CLIENT_ERROR invalid flag' },
      { err: 'CLIENT_ERROR duplicate flag' },
      { err: 'CLIENT_ERROR bad command line format' },
    ]);
    expect(parse('md foo y\r\nma foo Dx\r\nma foo Mx\r\n')).toEqual([
      { err: 'CLIENT_ERROR invalid or duplicate flag' },
      { err: 'CLIENT_ERROR invalid or duplicate flag' },
      { err: 'CLIENT_ERROR invalid mode for ma M token' },
    ]);
  });

  it('counts tokens as memcached does: at most 17 flags', () => {
    const flags17 = 'v s f k t c h l u O1 P L q N1 R1 T1 b';
    expect(parse(`mg Zm9v ${flags17}\r\n`)[0]).toMatchObject({ meta: expect.objectContaining({ command: 'mg' }) });
    expect(parse(`mg Zm9v ${flags17} E1\r\n`)).toEqual([{ err: 'CLIENT_ERROR options flags are too long' }]);
    // Past memcached's 24-token tokenizer too.
    expect(parse(`md foo ${'q '.repeat(40)}\r\n`)).toEqual([{ err: 'CLIENT_ERROR options flags too long' }]);
  });

  it('answers mn with any arguments, and me only with a key', () => {
    expect(parse('mn a b c\r\nme\r\n')).toEqual([{ meta: expect.objectContaining({ command: 'mn' }) }, { err: 'CLIENT_ERROR bad command line format' }]);
    expect(only('me Zm9v b\r\n')).toMatchObject({ command: 'me', key: 'foo', base64Key: true });
    expect(only('me Zm9v x\r\n')).toMatchObject({ command: 'me', key: 'Zm9v', base64Key: false });
  });
});

describe('decodeBase64Like (memcached base64_decode)', () => {
  const decode = (s: string) => decodeBase64Like(Buffer.from(s, 'latin1'), 0, s.length)?.toString('latin1') ?? null;

  it('decodes padded base64', () => {
    expect(decode('Zm9v')).toBe('foo');
    expect(decode('Zm8=')).toBe('fo');
    expect(decode('Zg==')).toBe('f');
  });

  it('skips characters outside the alphabet and stops after a padded block', () => {
    expect(decode('Z!m9v')).toBe('foo');
    expect(decode('Zm8=Zm8=')).toBe('fo');
  });

  it('refuses what memcached refuses', () => {
    expect(decode('Zm9vYg')).toBeNull(); // not a multiple of 4
    expect(decode('A===')).toBeNull(); // three padding characters
    expect(decode('!!!!')).toBeNull(); // nothing left
    expect(decode('')).toBeNull();
  });
});

describe('exceedsMemcachedItemSize', () => {
  it('counts header, CAS, key, value, CRLF and flags as memcached does', () => {
    // 48 + 8 + 3 + 1 + 1048500 + 2 = 1048562
    expect(exceedsMemcachedItemSize(3, 1048500, 0, 1048562)).toBe(false);
    expect(exceedsMemcachedItemSize(3, 1048500, 0, 1048561)).toBe(true);
    expect(exceedsMemcachedItemSize(3, 1048500, 1, 1048562)).toBe(true);
  });
});
