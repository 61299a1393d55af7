/**
 * Normalised organisation names for automatic site matching: case, punctuation, whitespace, "&" vs
 * "and", and trailing legal suffixes (LLC, L.L.C., Inc, Ltd, Pty, ...) do not distinguish clients.
 * Anything else does: an ambiguous or missing match leaves the alias unmapped, never guessed.
 */
const LEGAL_SUFFIXES = new Set([
  'llc', 'inc', 'incorporated', 'ltd', 'limited', 'pty', 'plc', 'corp', 'corporation', 'co', 'company',
  'gmbh', 'llp', 'lp', 'pllc', 'pc', 'sa', 'srl', 'bv', 'ag', 'nv',
]);

export function normalizeOrgName(name: string): string {
  const words = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/&/gu, ' and ')
    // Dots and apostrophes join letters ("L.L.C." -> "llc", "O'Brien" -> "obrien"); other punctuation separates words.
    .replace(/[.'’`]/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '');
  while (words.length > 1 && LEGAL_SUFFIXES.has(words[words.length - 1] as string)) words.pop();
  return words.join(' ');
}
