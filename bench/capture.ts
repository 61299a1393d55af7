/**
 * "The same reads alone": a postgres.js client that records the statements sent while `capture` runs
 * (postgres.js' debug hook: the SQL text and its parameters), so a figure (a dashboard page, an alert
 * evaluation) can be compared with replaying exactly its reads, one after the other, with nothing
 * around them (no HTML, no HTTP, no transaction, no writes).
 */
import postgres, { type Options, type Sql } from 'postgres';
import { percentile, timed } from './measure.js';

export interface Statement { query: string; params: unknown[] }

export interface CapturingClient {
  sql: Sql;
  capture<T>(work: () => PromiseLike<T>): Promise<{ value: T; statements: Statement[] }>;
}

export function capturingClient(url: string, options: Options<Record<string, never>>): CapturingClient {
  let recording: Statement[] | null = null;
  const sql = postgres(url, {
    ...options,
    debug: (_connection: number, query: string, params: unknown[]) => { recording?.push({ query, params: [...params] }); },
  });
  return {
    sql,
    async capture(work) {
      recording = [];
      try {
        const value = await work();
        return { value, statements: recording };
      } finally {
        recording = null;
      }
    },
  };
}

/** Reads only: a statement that writes, locks or manages a transaction is not replayed. */
export function isRead(statement: Statement): boolean {
  const text = statement.query.trim().toLowerCase();
  return /^(select|with)\b/u.test(text) && !/\b(insert|update|delete)\b|pg_advisory/u.test(text);
}

/** Replays the statements one after the other, `count` times (or until `budgetMs`, at least 3): p95 of each whole replay. */
export async function replayP95(sql: Sql, statements: Statement[], count: number, budgetMs: number): Promise<{ p95: number; n: number }> {
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < count && ((samples.length < 3 && (samples[0] ?? 0) < budgetMs / 10) || performance.now() - started < budgetMs)) {
    const { ms } = await timed(async () => {
      for (const s of statements) await sql.unsafe(s.query, s.params as never[]);
    });
    samples.push(ms);
  }
  return { p95: percentile(samples, 95), n: samples.length };
}

/** Repeat until `count` samples or `budgetMs` spent (at least 3): p95 of wall time and the last value. */
export async function sampleP95<T>(work: () => PromiseLike<T>, count: number, budgetMs: number): Promise<{ p95: number; n: number; value: T }> {
  const samples: number[] = [];
  let value: T | undefined;
  const started = performance.now();
  // At least 3 samples, unless the first alone took a tenth of the budget: a statement of many seconds is timed once.
  while (samples.length < count && ((samples.length < 3 && (samples[0] ?? 0) < budgetMs / 10) || performance.now() - started < budgetMs)) {
    const run = await timed(work);
    samples.push(run.ms);
    value = run.value;
  }
  return { p95: percentile(samples, 95), n: samples.length, value: value as T };
}
