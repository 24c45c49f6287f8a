/**
 * Feeds the request bytes of every golden case recorded from memcached 1.6.18
 * (test/fixtures/memcached-binary/binary-cases.json) to the binary parser
 * whole, byte by byte and in seeded random splits, and checks the events
 * against what memcached answered: every response belongs, in order, to a
 * packet the parser reported (same opcode and opaque), every fault the parser
 * reports got memcached's status for it, and the parser closes exactly where
 * memcached closed.
 */
import { caseRequestBytes, loadBinaryCases } from '../../../fixtures/memcached-binary/binary-cases';
import { MemcacheBinaryParser } from '../../../../src/protocol/memcache-binary/parser';
import { BinaryStatus } from '../../../../src/protocol/memcache-binary/opcodes';
import type { BinaryRequest } from '../../../../src/protocol/memcache-binary/request';
import { createHash } from 'node:crypto';
import { feedThreeWays } from '../feed-three-ways';

const MAX_ITEM_SIZE = 1024 * 1024;

const FAULT_STATUS: Record<string, number> = {
  'bad-frame': BinaryStatus.UnknownCommand,
  invalid: BinaryStatus.InvalidArguments,
  'unknown-command': BinaryStatus.UnknownCommand,
  'too-large': BinaryStatus.TooLarge,
};

/** An event with its bytes digested, so comparing the three ways stays cheap for 1 MiB values. */
interface ParsedPacket {
  opcode: number;
  opaque: number;
  fault: BinaryRequest['fault'];
  quit: boolean;
  extras: string;
  key: string;
  valueSha1: string;
}

function digest(r: BinaryRequest): ParsedPacket {
  return {
    opcode: r.opcode,
    opaque: r.opaque,
    fault: r.fault,
    quit: r.spec?.kind === 'quit',
    extras: r.extras.toString('hex'),
    key: r.key.toString('hex'),
    valueSha1: createHash('sha1').update(r.value).digest('hex'),
  };
}

function parse(bytes: Buffer): ParsedPacket[] {
  return feedThreeWays<ParsedPacket>(
    (events) => new MemcacheBinaryParser({ onRequest: (r) => events.push(digest(r)) }, { maxValueLength: MAX_ITEM_SIZE }),
    bytes,
    { byteByByteLimit: 4096 },
  );
}

function closesConversation(r: ParsedPacket): boolean {
  return r.fault === 'bad-magic' || r.fault === 'bad-frame' || r.fault === 'invalid' || r.quit;
}

describe('MemcacheBinaryParser against memcached 1.6.18 golden cases', () => {
  const cases = loadBinaryCases();

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const events = parse(caseRequestBytes(c));
    const responses = c.expect.flat();

    // Every response answers a reported packet, in order (a stat may answer with several).
    let at = -1;
    for (const response of responses) {
      const current = events[at];
      if (current !== undefined && current.opcode === response.op && current.opaque === response.opaque) continue;
      at = events.findIndex((e, i) => i > at && e.opcode === response.op && e.opaque === response.opaque);
      expect({ response, matched: at >= 0 }).toEqual({ response, matched: true });
    }

    // A fault the parser reports got memcached's status for it.
    for (const event of events) {
      if (event.fault === null || event.fault === 'bad-magic') continue;
      const response = responses.find((r) => r.opaque === event.opaque && r.op === event.opcode);
      expect({ fault: event.fault, status: response?.status }).toEqual({ fault: event.fault, status: FAULT_STATUS[event.fault] });
    }

    expect(events.some(closesConversation)).toBe(c.closes);
  });
});
