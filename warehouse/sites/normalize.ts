/**
 * Normalised organisation names for automatic site matching: case, accents, punctuation, whitespace,
 * "&" vs "and", dotted or spaced initials ("L.L.C.", "L L C", "A.B.C.") and trailing legal suffixes
 * (LLC, Inc, Ltd, Pty, ...) do not distinguish clients. Anything else does, abbreviations included
 * ("Intl" is not "International": "St" could be Saint or Street): an ambiguous or missing match
 * leaves the alias unmapped and reported, never guessed.
 */
const LEGAL_SUFFIXES = new Set([
  'llc', 'inc', 'incorporated', 'ltd', 'limited', 'pty', 'plc', 'corp', 'corporation', 'co', 'company',
  'gmbh', 'llp', 'lp', 'pllc', 'pc', 'sa', 'srl', 'bv', 'ag', 'nv',
]);

export function normalizeOrgName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/gu, ' and ')
    // Dots and apostrophes join letters ("L.L.C." -> "llc", "O'Brien" -> "obrien"); other punctuation separates words.
    .replace(/[.'’`]/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  const joined = joinInitials(words);
  while (joined.length > 1 && LEGAL_SUFFIXES.has(joined[joined.length - 1] as string)) joined.pop();
  return joined.join(' ');
}

/** Runs of single letters are initials spelled with spaces: "l l c" -> "llc", "a b c dental" -> "abc dental". */
function joinInitials(words: string[]): string[] {
  const out: string[] = [];
  let run = '';
  for (const word of words) {
    if (word.length === 1 && /\p{L}/u.test(word)) {
      run += word;
      continue;
    }
    if (run !== '') out.push(run);
    run = '';
    out.push(word);
  }
  if (run !== '') out.push(run);
  return out;
}
