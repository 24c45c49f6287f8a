import {
  renderMetaArithmeticDone,
  renderMetaArithmeticFailed,
  renderMetaDebug,
  renderMetaDelete,
  renderMetaGetHit,
  renderMetaGetMiss,
  renderMetaSet,
  type MetaItemFacts,
} from '../../../../src/protocol/memcache/meta-reply';
import { DEFAULT_TEXT_PARSER_LIMITS, MemcacheTextParser } from '../../../../src/protocol/memcache/text-parser';
import type { MetaRequest } from '../../../../src/protocol/memcache/request';

/** Meta reply rendering, from requests as the parser builds them. Lines as memcached 1.6.18 writes them. */
function request(line: string): MetaRequest {
  let out: MetaRequest | null = null;
  const parser = new MemcacheTextParser({ onRequest: (r) => (out = r as MetaRequest), onError: (e) => { throw new Error(String(e.reply)); } }, DEFAULT_TEXT_PARSER_LIMITS);
  parser.push(Buffer.from(line, 'latin1'));
  if (out === null) throw new Error('no request');
  return out;
}

const item = (over: Partial<MetaItemFacts> = {}): MetaItemFacts => ({
  clientFlags: 0,
  casHigh: 0,
  casLow: 77,
  valueSize: 2,
  ttlSeconds: -1,
  idleSeconds: 3,
  hitBefore: false,
  won: false,
  stale: false,
  winTokenSent: false,
  ...over,
});

const text = (b: Buffer | null) => (b === null ? null : b.toString('latin1'));

describe('meta replies', () => {
  it('renders an mg hit with return flags in request order, then Z X W', () => {
    const r = request('mg Zm9v b t Oo1 c k f h l s v\r\n');
    const out = renderMetaGetHit(r, item({ clientFlags: 5, hitBefore: true, stale: true, winTokenSent: true, won: false, casHigh: 1, casLow: 0 }), Buffer.from('hi'));
    expect(text(out)).toBe('VA 2 t-1 Oo1 c4294967296 kZm9v b f5 h1 l3 s2 Z X\r\nhi\r\n');
  });

  it('renders HD without v, and W for a win', () => {
    expect(text(renderMetaGetHit(request('mg foo\r\n'), item({ won: true }), null))).toBe('HD W\r\n');
  });

  it('renders an mg miss with only O and k, or nothing under q', () => {
    expect(text(renderMetaGetMiss(request('mg foo s k v Ox\r\n')))).toBe('EN kfoo Ox\r\n');
    expect(renderMetaGetMiss(request('mg foo q k\r\n'))).toBeNull();
  });

  it('renders ms codes with O, k and c; q hides only HD; c is 0 when nothing was stored', () => {
    expect(text(renderMetaSet(request('ms foo 1 c Oa k\r\nx\r\n'), 'HD', 0, 9))).toBe('HD c9 Oa kfoo\r\n');
    expect(text(renderMetaSet(request('ms foo 1 c q\r\nx\r\n'), 'NS', 0, 0))).toBe('NS c0\r\n');
    expect(renderMetaSet(request('ms foo 1 q\r\nx\r\n'), 'HD', 0, 1)).toBeNull();
  });

  it('renders md codes; q hides only HD', () => {
    expect(text(renderMetaDelete(request('md foo k Oz\r\n'), 'EX'))).toBe('EX kfoo Oz\r\n');
    expect(renderMetaDelete(request('md foo q\r\n'), 'HD')).toBeNull();
    expect(text(renderMetaDelete(request('md foo q\r\n'), 'NF'))).toBe('NF\r\n');
  });

  it('renders ma with the number after v, hides a change under q but not a creation', () => {
    const r = request('ma n v t c k\r\n');
    expect(text(renderMetaArithmeticDone(r, Buffer.from('12'), item({ ttlSeconds: 30, casLow: 5 }), false))).toBe('VA 2 t30 c5 kn\r\n12\r\n');
    expect(renderMetaArithmeticDone(request('ma n q\r\n'), Buffer.from('1'), item(), false)).toBeNull();
    expect(text(renderMetaArithmeticDone(request('ma n q N0\r\n'), Buffer.from('0'), item(), true))).toBe('HD\r\n');
    expect(text(renderMetaArithmeticFailed(request('ma n q Oa\r\n'), 'NF'))).toBe('NF Oa\r\n');
  });

  it('renders me with exp as 1.6.18 prints it: -1, or minus the seconds left', () => {
    const facts = { ttlSeconds: -1, idleSeconds: 0, casHigh: 0, casLow: 3, fetched: false, slabClassId: 1, itemSize: 64 };
    expect(text(renderMetaDebug(request('me foo\r\n'), facts))).toBe('ME foo exp=-1 la=0 cas=3 fetch=no cls=1 size=64\r\n');
    expect(text(renderMetaDebug(request('me Zm9v b\r\n'), { ...facts, ttlSeconds: 100, fetched: true }))).toBe('ME Zm9v exp=-100 la=0 cas=3 fetch=yes cls=1 size=64\r\n');
  });
});
