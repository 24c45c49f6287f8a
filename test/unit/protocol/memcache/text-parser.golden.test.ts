import { loadMemcachedEdgeCases, replyMatches } from '../../../fixtures/memcached/edge-cases';
import { randomSplits } from '../feed-three-ways';
import { ReferenceSession } from './reference-session';

/**
 * Replays the golden transcript recorded from memcached 1.6.18 through the
 * parser and a Map-backed reference session: the bytes the parser makes us
 * send (and whether it closes) must be exactly memcached's, however the
 * input is split.
 */
describe('MemcacheTextParser', () => {
  describe('golden transcript from memcached 1.6.18', () => {
    const cases = loadMemcachedEdgeCases();

    it('has at least 60 cases with unique names', () => {
      expect(cases.length).toBeGreaterThanOrEqual(60);
      expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    });

    function replay(chunks: Buffer[]): { reply: Buffer; closed: boolean } {
      const session = new ReferenceSession();
      for (const c of chunks) session.push(c);
      return { reply: session.reply(), closed: session.closed };
    }

    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const splits: Buffer[][] = [[c.send], randomSplits(c.send, 7, 5), randomSplits(c.send, 8, 4000)];
      if (c.send.length <= 4096) splits.push([...c.send].map((b) => Buffer.from([b])));
      for (const chunks of splits) {
        const { reply, closed } = replay(chunks);
        if (!replyMatches(c, reply)) expect(reply.toString('latin1')).toBe(c.expect.toString('latin1'));
        expect(closed).toBe(c.closes);
      }
    });
  });
});
