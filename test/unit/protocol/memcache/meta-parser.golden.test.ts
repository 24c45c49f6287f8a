import { loadGoldenCases, META_CASES_PATH, stepMatches, withCasFrom, type GoldenCase } from '../../../fixtures/memcached/meta-cases';
import { randomSplits } from '../feed-three-ways';
import { ReferenceSession, ReferenceStore } from './reference-session';

/**
 * Replays the meta-command golden transcript (recorded from memcached 1.6.18,
 * plus the hand-written E / md x cases) through the text parser and the
 * Map-backed reference session: every step's reply must be memcached's,
 * whether the bytes arrive whole, byte by byte or in seeded random splits.
 */
type Split = (bytes: Buffer, seed: number) => Buffer[];

const WHOLE: Split = (bytes) => [bytes];
const BYTE_BY_BYTE: Split = (bytes) => [...bytes].map((b) => Buffer.from([b]));
const RANDOM_SMALL: Split = (bytes, seed) => randomSplits(bytes, seed, 5);
const RANDOM_LARGE: Split = (bytes, seed) => randomSplits(bytes, seed + 1, 4000);

function replay(c: GoldenCase, split: Split): { replies: Buffer[]; closed: boolean } {
  // memcached's CAS counter is far along when a case runs, so `C1` is an old CAS there too.
  const store = new ReferenceStore(1000n);
  const sessions = new Map<number, ReferenceSession>();
  const replies: Buffer[] = [];
  let soFar = '';
  let closed = false;
  c.steps.forEach((step, i) => {
    let session = sessions.get(step.conn);
    if (session === undefined) {
      session = new ReferenceSession(undefined, store);
      sessions.set(step.conn, session);
    }
    const before = session.out.length;
    for (const chunk of split(withCasFrom(step.send, soFar), i + 11)) session.push(chunk);
    const reply = Buffer.concat(session.out.slice(before));
    soFar += reply.toString('latin1');
    replies.push(reply);
    closed = session.closed;
  });
  return { replies, closed };
}

describe('MemcacheTextParser meta commands', () => {
  const cases = loadGoldenCases(META_CASES_PATH);

  it('has cases with unique names, most of them recorded', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(cases.filter((c) => c.handWritten === null).length).toBeGreaterThanOrEqual(190);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const total = c.steps.reduce((n, s) => n + s.send.length, 0);
    const splits = total <= 4096 ? [WHOLE, BYTE_BY_BYTE, RANDOM_SMALL, RANDOM_LARGE] : [WHOLE, RANDOM_LARGE];
    for (const split of splits) {
      const { replies, closed } = replay(c, split);
      c.steps.forEach((step, i) => {
        if (!stepMatches(step, replies[i]!)) expect(replies[i]!.toString('latin1')).toBe(step.expectPattern?.source ?? step.expect.toString('latin1'));
      });
      expect(closed).toBe(c.closes);
    }
  });
});
