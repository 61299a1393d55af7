/** `warehouse rollup`: daily counts for each day in a range, then month-ends for months that have ended. */
import type { Sql } from 'postgres';
import { addDays, daysBetween } from '../warehouse/time.js';
import { rollupDailyCounts, type MissingSourceDay } from './daily.js';
import { endedMonthsIn, materialiseMonthEnd, type MonthEndResult } from './month-end.js';

export interface RollupResult { days: number; rows: number; missing: MissingSourceDay[]; months: MonthEndResult[] }

export function daysOf(from: string, to: string): string[] {
  return Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => addDays(from, i));
}

export async function rollupDays(sql: Sql, days: string[], options: { today: string; force?: boolean }): Promise<RollupResult> {
  let rows = 0;
  const missing: MissingSourceDay[] = [];
  for (const day of days) {
    const result = await rollupDailyCounts(sql, day);
    rows += result.rows;
    missing.push(...result.missing);
  }
  const months: MonthEndResult[] = [];
  if (days.length > 0) {
    const sorted = [...days].sort();
    for (const month of await endedMonthsIn(sql, sorted[0] as string, sorted[sorted.length - 1] as string, options.today)) {
      months.push(await materialiseMonthEnd(sql, month, options.force ? { force: true } : {}));
    }
  }
  return { days: days.length, rows, missing, months };
}

/**
 * Days a plain `warehouse rollup` should (re)compute: every published day not rolled up yet, and
 * every day re-published recently (a late re-run or backfill), so missed nights catch up by themselves.
 */
export async function pendingDays(sql: Sql): Promise<string[]> {
  const rows = await sql<{ day: string }[]>`
    select distinct sd.snapshot_day::text as day from ops.source_days sd
    where sd.published_at > now() - interval '36 hours'
       or not exists (select 1 from rollup.daily_counts dc where dc.snapshot_day = sd.snapshot_day and dc.source_instance_id = sd.source_instance_id)
    order by 1`;
  return rows.map((r) => r.day);
}
