/**
 * How many single-character edits turn one name into the other: insertions, deletions, substitutions
 * and swaps of two adjacent characters (the optimal string alignment distance), so that `plgu` is one
 * edit from `plug`, as a typing slip is.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic programme: the one before the last, the last, and the current one.
  let beforeLast: number[] = [];
  let last = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(last[j]! + 1, current[j - 1]! + 1, last[j - 1]! + substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        current[j] = Math.min(current[j]!, beforeLast[j - 2]! + 1);
      }
    }
    beforeLast = last;
    last = current;
  }
  return last[b.length]!;
}

/** Suggestions never stray further than this: beyond three edits a name is another name. */
const maxSuggestionDistance = (name: string): number => Math.min(3, Math.max(1, Math.floor(name.length / 3)));

const maxSuggestions = 5;

/**
 * The known names that `name` may be a slip for: those within a few edits (one for a short name, up to
 * three for a long one), closest first, then by name, at most five.
 */
export function closestNames(name: string, known: Iterable<string>): string[] {
  const limit = maxSuggestionDistance(name);
  const close: { candidate: string; distance: number }[] = [];
  for (const candidate of new Set(known)) {
    if (candidate === name || Math.abs(candidate.length - name.length) > limit) continue;
    const distance = editDistance(name, candidate);
    if (distance <= limit) close.push({ candidate, distance });
  }
  return close
    .sort((a, b) => a.distance - b.distance || (a.candidate < b.candidate ? -1 : 1))
    .slice(0, maxSuggestions)
    .map(({ candidate }) => candidate);
}
