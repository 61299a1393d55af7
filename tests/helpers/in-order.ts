import { describe } from 'vitest';

/**
 * A narrative: each test builds on what the tests before it left (day 1, then day 2; a close, then
 * what the closed month refuses). Its name says so, and it keeps its order when vitest shuffles the
 * tests of every file (vitest.config.ts), as it does on every run to prove all other tests stand alone.
 */
export function inOrder(name: string, body: () => void): void {
  describe(`${name} (in order: each test builds on the ones before)`, { shuffle: false }, body);
}
