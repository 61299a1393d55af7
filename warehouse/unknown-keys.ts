/**
 * Misspelled configuration keys (`WAREHOUSE_TIMEZOME`) would otherwise be ignored silently, leaving
 * the default in force: each unknown key with a warehouse prefix is named with its closest known key.
 */
import type { PresentKey } from './config.js';

/** Levenshtein distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/** The known key nearest to `key`, when near enough to be what was meant (a third of its length at most). */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined;
}

/** One line per unknown key: where it was set and what was probably meant. */
export function unknownKeyWarnings(present: readonly PresentKey[], known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const { key, from } of present) {
    if (knownSet.has(key) || seen.has(key)) continue;
    seen.add(key);
    const guess = closestKey(key, known);
    out.push(guess
      ? `unknown key ${key}: did you mean ${guess}? (set in ${from}; ignored)`
      : `unknown key ${key}: the warehouse reads no such key (set in ${from}; ignored; the keys are listed in the README, Configure)`);
  }
  return out;
}
