/**
 * STYLE §8.10: every parser case runs the same bytes three ways: as one
 * buffer, byte by byte, and in seeded random splits. `feedThreeWays` runs a
 * fresh decoder per way, asserts the event lists are identical, and returns
 * them. Protocol-neutral: any push decoder fits `DecoderFactory`.
 */

export interface PushDecoder {
  push(chunk: Buffer): void;
}

/** Builds a fresh decoder that appends what it reports to `events`. */
export type DecoderFactory<E> = (events: E[]) => PushDecoder;

import { mulberry32 } from '../../helpers/prng';

export { mulberry32 };

/** Cuts `bytes` into chunks of 1..maxChunk bytes chosen by `seed`. Each chunk is a copy, like a fresh socket read. */
export function randomSplits(bytes: Buffer, seed: number, maxChunk: number): Buffer[] {
  const rand = mulberry32(seed);
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < bytes.length; ) {
    const n = Math.min(bytes.length - pos, 1 + Math.floor(rand() * maxChunk));
    chunks.push(Buffer.from(bytes.subarray(pos, pos + n)));
    pos += n;
  }
  return chunks;
}

export interface FeedOptions {
  /** Seeds for the random-split runs (each also picks its own chunk-size bound). */
  seeds?: number[];
  /** Skip the byte-by-byte run for inputs longer than this (multi-MB values). */
  byteByByteLimit?: number;
}

export function feedChunks<E>(factory: DecoderFactory<E>, chunks: Buffer[]): E[] {
  const events: E[] = [];
  const decoder = factory(events);
  for (const c of chunks) decoder.push(c);
  return events;
}

export function feedThreeWays<E>(factory: DecoderFactory<E>, bytes: Buffer | string, options: FeedOptions = {}): E[] {
  const input = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  const seeds = options.seeds ?? [1, 2, 3];
  const whole = feedChunks(factory, [Buffer.from(input)]);
  if (input.length <= (options.byteByByteLimit ?? 1 << 16)) {
    const single: Buffer[] = [];
    for (let i = 0; i < input.length; i++) single.push(Buffer.from(input.subarray(i, i + 1)));
    expect({ way: 'byte by byte', events: feedChunks(factory, single) }).toEqual({ way: 'byte by byte', events: whole });
  }
  for (const seed of seeds) {
    const maxChunk = [3, 17, 1500, 70000][seed % 4]!;
    const events = feedChunks(factory, randomSplits(input, seed, maxChunk));
    expect({ way: `random splits, seed ${seed}`, events }).toEqual({ way: `random splits, seed ${seed}`, events: whole });
  }
  return whole;
}
