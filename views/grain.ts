/**
 * A bi view's grain, machine-readable: the `-- grain: col, col` line under the comment that says
 * "one row per …" in words, so the documentation and tests/views/grain.test.ts read one fact.
 * `-- grain: (one row)` declares a view of at most one row (an empty key).
 */
const GRAIN_LINE = /^--\s*grain:\s*(.*?)\s*$/mu;
const ONE_ROW = '(one row)';

/** The declared key columns, [] for a one-row view, null when the file declares no grain. */
export function declaredGrain(sql: string): string[] | null {
  const match = GRAIN_LINE.exec(sql);
  if (!match) return null;
  const text = match[1] as string;
  if (text === ONE_ROW) return [];
  return text.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
}
