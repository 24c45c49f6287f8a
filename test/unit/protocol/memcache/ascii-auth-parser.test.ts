import { AsciiAuthParser } from '../../../../src/protocol/memcache/ascii-auth-parser';
import { feedThreeWays, type DecoderFactory } from '../feed-three-ways';

/**
 * The ascii-auth decoder alone, fed whole, byte by byte and in seeded random
 * splits. Logins succeed for alice/secret. The wire behaviour against a real
 * memcached -Y is in test/compat/memcache/ascii-auth.test.ts.
 */
type Event = { reply: string } | { login: string; ok: boolean } | 'close' | { rest: string };

function factory(): DecoderFactory<Event> {
  return (events) => {
    const parser = new AsciiAuthParser({
      onReply: (line) => events.push({ reply: line }),
      onLogin: (user, password) => {
        const ok = user.toString() === 'alice' && password.toString() === 'secret';
        events.push({ login: `${user.toString('latin1')}/${password.toString('latin1')}`, ok });
        return ok;
      },
      onClose: () => events.push('close'),
    });
    // After login, what the parser did not use goes to the normal parser: record it.
    return {
      push(chunk: Buffer) {
        if (parser.loggedIn) return void events.push({ rest: chunk.toString('latin1') });
        const used = parser.push(chunk);
        if (used < chunk.length) events.push({ rest: chunk.subarray(used).toString('latin1') });
      },
    };
  };
}

/** Events with consecutive `rest` pieces joined, so every split compares equal. */
function parse(input: string | Buffer): Event[] {
  const joined: Event[] = [];
  const joinRest = (events: Event[]): Event[] => {
    const out: Event[] = [];
    for (const e of events) {
      const last = out[out.length - 1];
      if (typeof e === 'object' && 'rest' in e && last !== undefined && typeof last === 'object' && 'rest' in last) last.rest += e.rest;
      else out.push(typeof e === 'object' ? { ...e } : e);
    }
    return out;
  };
  const f = factory();
  const normalised: DecoderFactory<Event> = (events) => {
    const raw: Event[] = [];
    const decoder = f(raw);
    return {
      push(chunk: Buffer) {
        decoder.push(chunk);
        events.length = 0;
        events.push(...joinRest(raw));
      },
    };
  };
  joined.push(...feedThreeWays(normalised, input));
  return joined;
}

describe('AsciiAuthParser', () => {
  it('answers every non-login line with unauthenticated, one line at a time', () => {
    expect(parse('get foo\r\nversion\r\n\r\nquit\r\n')).toEqual([
      { reply: 'CLIENT_ERROR unauthenticated' },
      { reply: 'CLIENT_ERROR unauthenticated' },
      { reply: 'CLIENT_ERROR unauthenticated' },
      { reply: 'CLIENT_ERROR unauthenticated' },
    ]);
  });

  it('reads a data block only after a set line: other storage commands leave it as a line', () => {
    expect(parse('add k 0 0 5\r\nhello\r\n')).toEqual([{ reply: 'CLIENT_ERROR unauthenticated' }, { reply: 'CLIENT_ERROR unauthenticated' }]);
  });

  it('logs in with any key, then hands over the rest of the bytes', () => {
    expect(parse('set anykey 1 2 12\r\nalice secret\r\nget foo\r\n')).toEqual([{ login: 'alice/secret', ok: true }, { rest: 'get foo\r\n' }]);
  });

  it('stays unauthenticated after a failed login', () => {
    expect(parse('set x 0 0 12\r\nalice wrongg\r\nget foo\r\n')).toEqual([{ login: 'alice/wrongg', ok: false }, { reply: 'CLIENT_ERROR unauthenticated' }]);
  });

  it('checks the payload terminator and token count before any login', () => {
    expect(parse('set x 0 0 12\r\nalice secretXY\r\nset x 0 0 5\r\nalice\r\nset x 0 0 0\r\n\r\n')).toEqual([
      { reply: 'CLIENT_ERROR bad command line termination' },
      { reply: 'CLIENT_ERROR unauthenticated' },
      { reply: 'CLIENT_ERROR bad authentication token format' },
      { reply: 'CLIENT_ERROR bad authentication token format' },
    ]);
  });

  it('needs set, five tokens and a numeric length', () => {
    expect(parse('set x 0 0\r\nset x 0 0 -1\r\nset x 0 0 a\r\nsets x 0 0 1\r\n')).toEqual(Array(4).fill({ reply: 'CLIENT_ERROR unauthenticated' }));
  });

  it('closes on more than 2048 bytes without a newline, and then ignores everything', () => {
    expect(parse(`${'x'.repeat(2049)}\r\nset x 0 0 12\r\nalice secret\r\n`)).toEqual(['close']);
  });

  it('counts off a huge payload without keeping it', () => {
    const big = 100_000;
    expect(parse(Buffer.concat([Buffer.from(`set x 0 0 ${big}\r\n`), Buffer.alloc(big, 'a'), Buffer.from('\r\nset x 0 0 12\r\nalice secret\r\n')]))).toEqual([
      { reply: 'CLIENT_ERROR bad authentication token format' },
      { login: 'alice/secret', ok: true },
    ]);
  });
});
