/**
 * The list commands of store/typed/list.ts, run the way the shard's executor runs
 * them (type check, `run`, write back `next`), against replies Debian's
 * redis-server 7.0 gave for the same command lines (recorded with RESP2, so
 * doubles are bulk strings and pairs are flat, and errors are "-" strings).
 * Lines Redis refused for arity are skipped: the session refuses them first.
 */
import { ITEM_TYPE_LIST, ITEM_TYPE_STRING } from '../../../../src/store/item-layout';
import { decodeList, encodeList, elementAt, entrySize, LIST_COMMANDS, popElements, pushElements } from '../../../../src/store/typed/list';
import { runScript } from './list-zset-harness';
import { LIST_CASES } from './list-cases';

describe('list codec', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const texts = (elements: Uint8Array[]) => elements.map((e) => new TextDecoder().decode(e));
  const sizes = [0, 1, 127, 128, 129, 16383, 16384, 16385, 70000];
  const elements = sizes.map((n, i) => bytes(String.fromCharCode(97 + i).repeat(n)));

  it('round-trips elements of every length-prefix size', () => {
    expect(texts(decodeList(encodeList(elements)))).toEqual(texts(elements));
  });

  it('costs two bytes per element below 128 bytes', () => {
    expect(entrySize(5)).toBe(7);
    expect(encodeList([bytes('abcde'), bytes('x')]).length).toBe(4 + 7 + 3);
  });

  it('walks from either end to the same element', () => {
    const value = encodeList(elements);
    for (let i = 0; i < elements.length; i++) expect(elementAt(value, i)!.length).toBe(sizes[i]);
    expect(elementAt(value, elements.length)).toBeNull();
  });

  it('pops from both ends without touching the middle', () => {
    const value = encodeList(elements);
    const left = popElements(value, 2, true);
    expect(left.popped.map((e) => e.length)).toEqual([0, 1]);
    const right = popElements(left.rest!, 3, false);
    expect(right.popped.map((e) => e.length)).toEqual([70000, 16385, 16384]);
    expect(decodeList(right.rest!).map((e) => e.length)).toEqual([127, 128, 129, 16383]);
    expect(popElements(right.rest!, 10, false).rest).toBeNull();
  });

  it('pushes at the head in LPUSH order and at the tail in order', () => {
    const start = pushElements(null, [bytes('a'), bytes('b')], true);
    expect(texts(decodeList(start))).toEqual(['b', 'a']);
    const more = pushElements(start, [bytes('y'.repeat(200)), bytes('z')], false);
    expect(texts(decodeList(more)).map((t) => t.slice(0, 2))).toEqual(['b', 'a', 'yy', 'z']);
  });
});

describe('list commands against redis-server 7.0 replies', () => {
  it('answers every recorded line as Redis did', () => {
    const { actual, expected } = runScript(LIST_CASES);
    expect(actual).toEqual(expected);
  });

  it('registers only list-typed definitions', () => {
    for (const d of LIST_COMMANDS) expect(d.itemType).toBe(ITEM_TYPE_LIST);
    expect(ITEM_TYPE_STRING).not.toBe(ITEM_TYPE_LIST);
  });
});
