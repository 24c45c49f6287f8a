/**
 * Redis's glob matching (`stringmatchlen`), as CONFIG GET uses it (case
 * insensitive): `*`, `?`, `[set]`, `[^set]`, `[a-z]`, and a backslash to
 * take the next character literally.
 *
 * May import nothing.
 */

export function globMatches(pattern: string, text: string): boolean {
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  const match = (pi: number, ti: number): boolean => {
    while (pi < p.length) {
      const c = p[pi]!;
      if (c === '*') {
        while (p[pi + 1] === '*') pi++;
        if (pi + 1 === p.length) return true;
        for (let k = ti; k <= t.length; k++) if (match(pi + 1, k)) return true;
        return false;
      }
      if (ti >= t.length) return false;
      if (c === '?') {
        pi++;
        ti++;
        continue;
      }
      if (c === '[') {
        let j = pi + 1;
        const negate = p[j] === '^';
        if (negate) j++;
        let found = false;
        while (j < p.length && p[j] !== ']') {
          if (p[j] === '\\' && j + 1 < p.length) {
            if (p[j + 1] === t[ti]) found = true;
            j += 2;
          } else if (p[j + 2] !== undefined && p[j + 1] === '-' && p[j + 2] !== ']') {
            const [lo, hi] = p[j]! <= p[j + 2]! ? [p[j]!, p[j + 2]!] : [p[j + 2]!, p[j]!];
            if (t[ti]! >= lo && t[ti]! <= hi) found = true;
            j += 3;
          } else {
            if (p[j] === t[ti]) found = true;
            j++;
          }
        }
        if (found === negate) return false;
        pi = j + 1;
        ti++;
        continue;
      }
      const literal = c === '\\' && pi + 1 < p.length ? p[++pi]! : c;
      if (literal !== t[ti]) return false;
      pi++;
      ti++;
    }
    return ti === t.length;
  };
  return match(0, 0);
}
