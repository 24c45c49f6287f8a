/**
 * Feeds one input to a push parser every way (whole, byte by byte, seeded
 * random splits) and checks the invariants every parser owes the daemon:
 * no exception escapes `push`, each input finishes within a time budget
 * (a loop that never ends shows as a jest timeout), what the parser holds and
 * the largest Buffer it allocates stay within twice the bytes fed plus a
 * constant, every event is one the protocol may report (`checkEvent`), and
 * the events are the same however the bytes were split.
 *
 * Protocol-neutral: imports nothing from src/.
 */
import { AllocationProbe, heldBound, PER_INPUT_BUDGET_MS, plain, splitWays } from './fuzz-support';

export interface FuzzedParser {
  push(chunk: Buffer): void;
  readonly bufferedBytes: number;
}

export interface FuzzTarget<E> {
  create(events: E[]): FuzzedParser;
  /** Throws if `event` is not something this protocol may report. */
  checkEvent(event: E): void;
}

export class InvariantError extends Error {}

/** Feeds `chunks` to a fresh parser, checking memory after every push; returns its events. */
export function feedChecked<E>(target: FuzzTarget<E>, chunks: readonly Buffer[], probe: AllocationProbe, way: string): E[] {
  const events: E[] = [];
  const parser = target.create(events);
  let fed = 0;
  const started = Date.now();
  for (const chunk of chunks) {
    fed += chunk.length;
    probe.largest = 0;
    try {
      probe.during(() => parser.push(chunk));
    } catch (err) {
      throw new InvariantError(`${way}: push threw ${(err as Error).stack ?? String(err)}`);
    }
    if (probe.largest > heldBound(fed)) {
      throw new InvariantError(`${way}: allocated ${probe.largest} bytes at once after ${fed} bytes fed`);
    }
    if (parser.bufferedBytes > heldBound(fed)) {
      throw new InvariantError(`${way}: holds ${parser.bufferedBytes} bytes after ${fed} bytes fed`);
    }
  }
  const elapsed = Date.now() - started;
  if (elapsed > PER_INPUT_BUDGET_MS) throw new InvariantError(`${way}: took ${elapsed} ms for ${fed} bytes`);
  for (const event of events) target.checkEvent(event);
  return events;
}

/**
 * Runs `bytes` every way and requires identical events; returns them as plain
 * values (Buffers as latin1 text) for the caller's own expectations.
 */
export function checkAllWays<E>(target: FuzzTarget<E>, bytes: Buffer, seed: number, probe: AllocationProbe): unknown[] {
  let reference: unknown[] | null = null;
  for (const { name, chunks } of splitWays(bytes, seed)) {
    const events = plain(feedChecked(target, chunks, probe, name)) as unknown[];
    if (reference === null) {
      reference = events;
      continue;
    }
    expect({ way: name, events }).toEqual({ way: name, events: reference });
  }
  return reference ?? [];
}
