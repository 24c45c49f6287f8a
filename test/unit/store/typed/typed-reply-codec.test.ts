import { encodeTypedReply, decodeTypedReply } from '../../../../src/store/typed/typed-reply-codec';
import type { TypedReply } from '../../../../src/store/typed/typed-command';

describe('typed reply codec', () => {
  it('round-trips every node kind, nested', () => {
    const tree: TypedReply = {
      kind: 'array',
      items: [
        { kind: 'integer', value: -5 },
        { kind: 'integer', value: 9223372036854775807n },
        { kind: 'bulk', value: new Uint8Array([0, 1, 255]) },
        { kind: 'null' },
        { kind: 'nullArray' },
        { kind: 'simple', value: 'OK' },
        { kind: 'error', message: 'ERR ünïcode' },
        { kind: 'double', value: -1.5e300 },
        { kind: 'set', items: [{ kind: 'bulk', value: new Uint8Array() }] },
        { kind: 'map', entries: [[{ kind: 'bulk', value: new Uint8Array([65]) }, { kind: 'array', items: [] }]] },
      ],
    };
    const bytes = encodeTypedReply(tree);
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 3);
    expect(decodeTypedReply(padded, 3, bytes.length)).toEqual(tree);
  });
});
