/**
 * Redis's glob matching (`stringmatchlen` in util.c), byte for byte: PSUBSCRIBE
 * and PUBSUB CHANNELS use it case sensitively, CONFIG GET case insensitively.
 *
 * The rules, including Redis's quirks, which clients can observe:
 * - `*` any run of bytes, `?` one byte, `\x` the byte x literally;
 * - `[set]`, `[^set]`, ranges `[a-z]` (ends may be given in either order),
 *   `\x` inside a set; a set the pattern ends inside matches as if closed;
 *   `[a-]` is the range from `a` to `]` (Redis reads any `x-y`, even `y` = `]`);
 * - an empty text matches no pattern (not even `*`): Redis's loop never runs;
 * - nesting deeper than 1000 `*`s fails the match, as Redis protects itself.
 *
 * May import nothing.
 */

const MAX_NESTING = 1000;

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

class Matcher {
  /** Set when the tail after a `*` matched nowhere: longer matches of earlier `*`s cannot help. */
  private skipLongerMatches = false;

  constructor(
    private readonly pattern: Uint8Array,
    private readonly text: Uint8Array,
    private readonly nocase: boolean,
  ) {}

  /** Byte of the pattern, or 0 past its end (Redis reads the string's NUL terminator there). */
  private patternByte(i: number): number {
    return i < this.pattern.length ? this.pattern[i]! : 0;
  }

  private same(a: number, b: number): boolean {
    return this.nocase ? lower(a) === lower(b) : a === b;
  }

  match(pi: number, ti: number, nesting: number): boolean {
    if (nesting > MAX_NESTING) return false;
    const pattern = this.pattern;
    const text = this.text;
    while (pi < pattern.length && ti < text.length) {
      const c = pattern[pi]!;
      if (c === 0x2a /* * */) {
        while (pi < pattern.length && this.patternByte(pi + 1) === 0x2a) pi++;
        if (pi === pattern.length - 1) return true;
        for (; ti < text.length; ti++) {
          if (this.match(pi + 1, ti, nesting + 1)) return true;
          if (this.skipLongerMatches) return false;
        }
        this.skipLongerMatches = true;
        return false;
      } else if (c === 0x3f /* ? */) {
        ti++;
      } else if (c === 0x5b /* [ */) {
        pi++;
        const negate = this.patternByte(pi) === 0x5e; /* ^ */
        if (negate) pi++;
        let found = false;
        const t = text[ti]!;
        for (;;) {
          const remaining = pattern.length - pi;
          const p = this.patternByte(pi);
          if (p === 0x5c /* \ */ && remaining >= 2) {
            pi++;
            if (pattern[pi] === t) found = true;
          } else if (p === 0x5d /* ] */ && remaining > 0) {
            break;
          } else if (remaining <= 0) {
            // The set runs to the end of the pattern: step back so the step below lands on the end.
            pi--;
            break;
          } else if (remaining >= 3 && pattern[pi + 1] === 0x2d /* - */) {
            let start = pattern[pi]!;
            let end = pattern[pi + 2]!;
            if (start > end) [start, end] = [end, start];
            const ch = this.nocase ? lower(t) : t;
            if (this.nocase) {
              start = lower(start);
              end = lower(end);
            }
            pi += 2;
            if (ch >= start && ch <= end) found = true;
          } else if (this.same(p, t)) {
            found = true;
          }
          pi++;
        }
        if (found === negate) return false;
        ti++;
      } else {
        let literal = c;
        if (c === 0x5c /* \ */ && pattern.length - pi >= 2) literal = pattern[++pi]!;
        if (!this.same(literal, text[ti]!)) return false;
        ti++;
      }
      pi++;
      if (ti === text.length) {
        while (this.patternByte(pi) === 0x2a && pi < pattern.length) pi++;
        break;
      }
    }
    return pi >= pattern.length && ti === text.length;
  }
}

/** Redis's `stringmatchlen(pattern, text, nocase)`. */
export function globMatchBytes(pattern: Uint8Array, text: Uint8Array, nocase = false): boolean {
  return new Matcher(pattern, text, nocase).match(0, 0, 0);
}

/** Case-insensitive match of latin1 strings (CONFIG GET parameter names). */
export function globMatches(pattern: string, text: string): boolean {
  return globMatchBytes(Buffer.from(pattern, 'latin1'), Buffer.from(text, 'latin1'), true);
}
