import { CLASS_SIZE_BASE } from '../../../src/store/item-layout';
import { MAX_SLAB_CLASSES, classForSize, computeChunkSizes } from '../../../src/store/slab-classes';

describe('computeChunkSizes', () => {
  it('matches memcached 1.6 default classes for their 48-byte header, -n 48, -f 1.25', () => {
    const sizes = computeChunkSizes(CLASS_SIZE_BASE, 1024 * 1024, 48, 1.25);
    expect(sizes.slice(0, 12)).toEqual([96, 120, 152, 192, 240, 304, 384, 480, 600, 752, 944, 1184]);
    expect(sizes.at(-1)).toBe(1024 * 1024);
    expect(sizes.at(-2)!).toBeLessThanOrEqual((1024 * 1024) / 1.25);
    for (let i = 1; i < sizes.length; i++) {
      expect(sizes[i]! % 8).toBe(0);
      expect(sizes[i]!).toBeGreaterThan(sizes[i - 1]!);
    }
  });

  it('caps the number of classes at 63, the last being the page', () => {
    const sizes = computeChunkSizes(CLASS_SIZE_BASE, 64 * 1024 * 1024, 0, 1.05);
    expect(sizes).toHaveLength(MAX_SLAB_CLASSES);
    expect(sizes.at(-1)).toBe(64 * 1024 * 1024);
  });

  it('rounds the smallest class up to 8', () => {
    expect(computeChunkSizes(CLASS_SIZE_BASE, 4096, 5, 2)[0]).toBe(56);
  });

  it('rejects bad arguments', () => {
    expect(() => computeChunkSizes(CLASS_SIZE_BASE, 1001, 48, 1.25)).toThrow(TypeError);
    expect(() => computeChunkSizes(CLASS_SIZE_BASE, 1024, 48, 0.9)).toThrow(TypeError);
    expect(() => computeChunkSizes(CLASS_SIZE_BASE, 64, 48, 1.25)).toThrow(TypeError);
  });
});

describe('classForSize', () => {
  const sizes = Int32Array.from(computeChunkSizes(CLASS_SIZE_BASE, 1024 * 1024, 48, 1.25));
  it('picks the smallest class that fits', () => {
    expect(classForSize(sizes, 1)).toBe(0);
    expect(classForSize(sizes, 96)).toBe(0);
    expect(classForSize(sizes, 97)).toBe(1);
    expect(classForSize(sizes, 162)).toBe(3);
    expect(classForSize(sizes, 1024 * 1024)).toBe(sizes.length - 1);
    expect(classForSize(sizes, 1024 * 1024 + 1)).toBe(-1);
    for (let total = 1; total < 20000; total += 37) {
      const c = classForSize(sizes, total);
      expect(sizes[c]!).toBeGreaterThanOrEqual(total);
      if (c > 0) expect(sizes[c - 1]!).toBeLessThan(total);
    }
  });
});
