import { RING_OUT_OF_BAND, SharedRing } from '../../../src/shard/shared-ring';

function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i) & 0xff;
  return bytes;
}

describe('SharedRing', () => {
  it('delivers messages in order with their exact bytes', () => {
    const ring = new SharedRing(4096);
    const consumer = new SharedRing(ring.buffer);
    for (let i = 0; i < 5; i++) expect(ring.tryWrite(payload(10 + i * 7, i))).toBe(true);
    for (let i = 0; i < 5; i++) {
      const m = consumer.read();
      expect(m).toEqual(payload(10 + i * 7, i));
      consumer.release();
    }
    expect(consumer.read()).toBeNull();
  });

  it('wraps around the end of the buffer many times without corrupting messages', () => {
    const ring = new SharedRing(1024);
    let written = 0;
    let read = 0;
    for (let round = 0; round < 5000; round++) {
      const size = (round * 37) % 300;
      while (!ring.tryWrite(payload(size, written))) {
        const m = ring.read();
        expect(m).not.toBeNull();
        expect(m).toEqual(payload((read * 37) % 300, read));
        ring.release();
        read++;
      }
      written++;
    }
    for (let m = ring.read(); m !== null; m = ring.read()) {
      expect(m).toEqual(payload((read * 37) % 300, read));
      ring.release();
      read++;
    }
    expect(read).toBe(written);
  });

  it('refuses a message when full and accepts it after the consumer releases', () => {
    const ring = new SharedRing(1024);
    expect(ring.tryWrite(payload(500, 1))).toBe(true);
    expect(ring.tryWrite(payload(500, 2))).toBe(true);
    expect(ring.tryWrite(payload(100, 3))).toBe(false);
    ring.read();
    ring.release();
    expect(ring.tryWrite(payload(100, 3))).toBe(true);
  });

  it('keeps an out-of-band marker in order', () => {
    const ring = new SharedRing(1024);
    ring.tryWrite(payload(3, 1));
    ring.tryWriteOutOfBandMarker();
    ring.tryWrite(payload(4, 2));
    expect(ring.read()).toEqual(payload(3, 1));
    ring.release();
    expect(ring.read()).toBe(RING_OUT_OF_BAND);
    ring.release();
    expect(ring.read()).toEqual(payload(4, 2));
    ring.release();
    expect(ring.read()).toBeNull();
  });

  it('wakes an async waiter when data arrives', async () => {
    const ring = new SharedRing(1024);
    const wait = ring.waitForDataAsync();
    expect(wait).not.toBeNull();
    setTimeout(() => ring.tryWrite(payload(8, 9)), 20);
    await wait;
    expect(ring.read()).toEqual(payload(8, 9));
  });

  it('rejects a capacity that is not a power of two', () => {
    expect(() => new SharedRing(1000)).toThrow(RangeError);
  });
});
