/** RESP2 / RESP3 reply encoding, byte for byte (RESP3 types and their RESP2 downgrades as Redis sends them). */
import {
  bulkReply,
  encodeReply,
  errorReply,
  integerReply,
  nullArrayReply,
  nullReply,
  resp,
  type RespValue,
  type RespVersion,
} from '../../../../src/protocol/resp/reply-encoder';

const wire = (value: RespValue, version: RespVersion): string => encodeReply(value, version).toString('latin1');

describe.each([
  ['simple string', resp.simple('OK'), '+OK\r\n', '+OK\r\n'],
  ['error', resp.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['integer', resp.integer(-42), ':-42\r\n', ':-42\r\n'],
  ['64-bit integer', resp.integer(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['bulk string (bytes)', resp.bulk(Buffer.from([0, 0xff, 13, 10])), '$4\r\n\0\xff\r\n\r\n', '$4\r\n\0\xff\r\n\r\n'],
  ['bulk string (utf-8 text counts bytes)', resp.bulk('é'), '$2\r\n\xc3\xa9\r\n', '$2\r\n\xc3\xa9\r\n'],
  ['null', resp.null, '$-1\r\n', '_\r\n'],
  ['null array', resp.nullArray, '*-1\r\n', '_\r\n'],
  ['empty array', resp.array([]), '*0\r\n', '*0\r\n'],
  ['nested array', resp.array([resp.integer(1), resp.array([resp.bulk('a'), resp.null])]), '*2\r\n:1\r\n*2\r\n$1\r\na\r\n$-1\r\n', '*2\r\n:1\r\n*2\r\n$1\r\na\r\n_\r\n'],
  ['map', resp.record([['proto', resp.integer(3)]]), '*2\r\n$5\r\nproto\r\n:3\r\n', '%1\r\n$5\r\nproto\r\n:3\r\n'],
  ['set', resp.set([resp.simple('fast')]), '*1\r\n+fast\r\n', '~1\r\n+fast\r\n'],
  ['double', resp.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
  ['double inf', resp.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['double nan', resp.double(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
  ['boolean true', resp.boolean(true), ':1\r\n', '#t\r\n'],
  ['boolean false', resp.boolean(false), ':0\r\n', '#f\r\n'],
  ['big number', resp.bigNumber(3492890328409238509324850943850943825024385n), '$43\r\n3492890328409238509324850943850943825024385\r\n', '(3492890328409238509324850943850943825024385\r\n'],
  ['verbatim string', resp.verbatim('a:1\r\n'), '$5\r\na:1\r\n\r\n', '=9\r\ntxt:a:1\r\n\r\n'],
  ['push', resp.push([resp.bulk('message'), resp.bulk('ch')]), '*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n', '>2\r\n$7\r\nmessage\r\n$2\r\nch\r\n'],
])('%s', (_name, value, resp2, resp3) => {
  test('RESP2', () => expect(wire(value, 2)).toBe(resp2));
  test('RESP3', () => expect(wire(value, 3)).toBe(resp3));
});

describe('direct helpers', () => {
  test('bulkReply of a slice renders exactly that slice', () => {
    expect(bulkReply(Buffer.from('xxhelloxx'), 2, 7).toString()).toBe('$5\r\nhello\r\n');
    expect(bulkReply(Buffer.alloc(0)).toString()).toBe('$0\r\n\r\n');
  });

  test('integers, including cached small ones and bigints', () => {
    expect(integerReply(0).toString()).toBe(':0\r\n');
    expect(integerReply(63).toString()).toBe(':63\r\n');
    expect(integerReply(64).toString()).toBe(':64\r\n');
    expect(integerReply(-1).toString()).toBe(':-1\r\n');
    expect(integerReply(9223372036854775807n).toString()).toBe(':9223372036854775807\r\n');
  });

  test('nulls follow the protocol version', () => {
    expect(nullReply(2).toString()).toBe('$-1\r\n');
    expect(nullReply(3).toString()).toBe('_\r\n');
    expect(nullArrayReply(2).toString()).toBe('*-1\r\n');
    expect(nullArrayReply(3).toString()).toBe('_\r\n');
  });

  test('CR and LF in error texts become spaces (the reply stays one line)', () => {
    expect(errorReply("ERR unknown command 'a\r\nb'").toString()).toBe("-ERR unknown command 'a  b'\r\n");
  });
});
