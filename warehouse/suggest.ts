/** "Did you mean …?" for a mistyped verb, option or name: the closest choice by edit distance, if close enough. */

/** Levenshtein distance (insert, delete, substitute each cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(substitute, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The choices a typo most likely meant, best first (case-insensitive): those within a third of the
 * word's length (at least 2 edits, so "staus" finds "status" but "frobnicate" finds nothing), and
 * those the word is the start of ("exc" → "exceptions").
 */
export function closest(word: string, choices: readonly string[], limit = 3): string[] {
  const wanted = word.toLowerCase();
  const allowed = Math.max(2, Math.floor(wanted.length / 3));
  return choices
    .map((choice) => {
      const lower = choice.toLowerCase();
      const distance = lower.startsWith(wanted) && wanted.length >= 2 ? 0.5 : editDistance(wanted, lower);
      return { choice, distance };
    })
    .filter(({ choice, distance }) => distance <= allowed && choice.toLowerCase() !== wanted)
    .sort((x, y) => x.distance - y.distance || x.choice.localeCompare(y.choice))
    .slice(0, limit)
    .map(({ choice }) => choice);
}

/** " Did you mean "x"?" (with a leading space), or "" when nothing is close. */
export function didYouMean(word: string, choices: readonly string[], quote = (c: string) => `"${c}"`): string {
  const near = closest(word, choices);
  return near.length === 0 ? '' : `Did you mean ${near.map(quote).join(' or ')}?`;
}

