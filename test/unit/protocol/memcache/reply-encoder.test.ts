import { renderSingleHit, RetrievalReplyBuilder, u64ToDecimal } from '../../../../src/protocol/memcache/reply-encoder';

describe('reply encoder', () => {
  describe('decimal writing', () => {
    it('renders 64-bit CAS values beyond 2^53', () => {
      expect(u64ToDecimal(0xffffffff, 0xffffffff)).toBe('18446744073709551615');
      expect(u64ToDecimal(0, 42)).toBe('42');
      expect(u64ToDecimal(0x1fffff, 0xffffffff)).toBe(String(2 ** 53 - 1));
    });
  });

  describe('renderSingleHit', () => {
    it('renders one VALUE and END, with and without CAS', () => {
      const data = Buffer.from('__hello__');
      expect(renderSingleHit(Buffer.from('k'), 42, data, 2, 5, 0, 0, false).toString()).toBe('VALUE k 42 5\r\nhello\r\nEND\r\n');
      expect(renderSingleHit(Buffer.from('k'), 0, data, 0, 0, 1, 0, true).toString()).toBe('VALUE k 0 0 4294967296\r\n\r\nEND\r\n');
    });
  });

  describe('RetrievalReplyBuilder', () => {
    const keys = ['a', 'bb', 'ccc', 'dddd'].map((k) => Buffer.from(k));

    it('renders hits in key order whatever order they arrive in, skipping misses', () => {
      const b = new RetrievalReplyBuilder(keys, false);
      const data = Buffer.from('..xyz..hello..');
      b.addHit(2, 4294967295, data, 7, 5, 0, 0);
      b.addHit(0, 0, data, 2, 3, 0, 0);
      expect(b.render().toString('latin1')).toBe('VALUE a 0 3\r\nxyz\r\nVALUE ccc 4294967295 5\r\nhello\r\nEND\r\n');
    });

    it('adds CAS for gets/gats', () => {
      const b = new RetrievalReplyBuilder(keys.slice(0, 2), true);
      b.addHit(1, 3, Buffer.from('v'), 0, 1, 0xffffffff, 0xffffffff);
      b.addHit(0, 0, Buffer.from(''), 0, 0, 0, 5);
      expect(b.render().toString('latin1')).toBe('VALUE a 0 0 5\r\n\r\nVALUE bb 3 1 18446744073709551615\r\nv\r\nEND\r\n');
    });

    it('is just END when nothing hit', () => {
      expect(new RetrievalReplyBuilder(keys, false).render().toString()).toBe('END\r\n');
    });

    it('grows its arena for large values and keeps bytes intact', () => {
      const big = Buffer.alloc(300_000);
      for (let i = 0; i < big.length; i++) big[i] = i & 0xff;
      const b = new RetrievalReplyBuilder(keys, false);
      b.addHit(3, 1, big, 0, big.length, 0, 0);
      b.addHit(1, 2, big, 10, 100_000, 0, 0);
      const out = b.render();
      const head1 = 'VALUE bb 2 100000\r\n';
      expect(out.toString('latin1', 0, head1.length)).toBe(head1);
      expect(out.subarray(head1.length, head1.length + 100_000).equals(big.subarray(10, 100_010))).toBe(true);
      const at2 = head1.length + 100_000 + 2;
      const head2 = 'VALUE dddd 1 300000\r\n';
      expect(out.toString('latin1', at2, at2 + head2.length)).toBe(head2);
      expect(out.subarray(at2 + head2.length, at2 + head2.length + 300_000).equals(big)).toBe(true);
      expect(out.subarray(out.length - 7).toString()).toBe('\r\nEND\r\n');
    });
  });
});
