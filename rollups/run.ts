/** `warehouse rollup`: daily counts for each day in a range, then month-ends for months that have ended. */
import type { Sql } from 'postgres';
import { refreshExceptions, type RefreshResult } from '../warehouse/matching/exceptions.js';
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
 * What runs once after the night's collectors, not after each of them: fresh planner statistics for
 * the day partitions the collectors wrote, daily counts and month-ends of the given days, then the
 * cross-vendor findings (core.exceptions, core.device_matches behind bi.coverage), which compare
 * every source's latest snapshot and so are judged once all of them have published.
 */
export async function nightlyRollup(sql: Sql, days: string[], options: { today: string; force?: boolean }): Promise<RollupResult & { findings: RefreshResult }> {
  await analyzeChangedPartitions(sql);
  const rolled = await rollupDays(sql, days, options);
  return { ...rolled, findings: await refreshExceptions(sql) };
}

/** ANALYZE the device-day and patch-status partitions written since their last analyze. */
async function analyzeChangedPartitions(sql: Sql): Promise<void> {
  const changed = await sql<{ name: string }[]>`
    select format('%I.%I', schemaname, relname) as name from pg_stat_user_tables
    where schemaname = 'core' and relname ~ '^(device_days|patch_status)_[0-9]{8}$'
      and (n_mod_since_analyze > 0 or coalesce(last_analyze, last_autoanalyze) is null)
    order by relname`;
  for (const { name } of changed) await sql.unsafe(`analyze ${name}`);
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
