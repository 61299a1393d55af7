/** Clocks, WAL positions and the formatting every benchmark shares. */
import type { Sql } from 'postgres';

export async function timed<T>(work: () => PromiseLike<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** WAL written by `work`: pg_current_wal_lsn() before and after (the whole server, so run alone). */
export async function withWal<T>(sql: Sql, work: () => PromiseLike<T>): Promise<{ ms: number; wal: number; value: T }> {
  const [before] = await sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  const { ms, value } = await timed(work);
  const [after] = await sql<{ bytes: string }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${before?.lsn ?? '0/0'}::pg_lsn)::bigint::text as bytes`;
  return { ms, wal: Number(after?.bytes ?? 0), value };
}

/**
 * Wait (up to `maxMs`) until no autovacuum worker is busy, so a figure and its limit are measured in
 * the same quiet conditions: after a publish of 200,000 rows autovacuum vacuums and analyzes the new
 * partitions for seconds, on the same two cores. Returns how long it waited.
 */
export async function quiesce(sql: Sql, maxMs = 60_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    const [busy] = await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where backend_type = 'autovacuum worker'`;
    if ((busy?.n ?? 0) === 0 || performance.now() - started > maxMs) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export const fmt = {
  ms(ms: number): string {
    return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  },
  bytes(bytes: number): string {
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (Math.abs(value) >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
  },
  int(n: number): string {
    return Math.round(n).toLocaleString('en-US');
  },
  ratio(measured: number, limit: number): string {
    return limit > 0 ? `${(measured / limit).toFixed(1)}x` : 'n/a';
  },
  rate(rows: number, ms: number): string {
    return `${fmt.int(rows / (ms / 1000))} rows/s`;
  },
};

/** One line of the result table: a figure, its physical limit measured in the same run, the target. */
export interface Figure {
  id: string;
  figure: string;
  measured: string;
  limit: string;
  ratio: string;
  target: string;
  /** true = met, false = missed, null = informative only. */
  met: boolean | null;
}

export function verdict(met: boolean | null): string {
  return met === null ? '' : met ? 'met' : 'MISSED';
}
