/** `warehouse rollup`: daily counts for each day in a range, then month-ends for months that have ended. */
import type { Sql } from 'postgres';
import { refreshExceptions, type RefreshResult } from '../warehouse/matching/exceptions.js';
import { requestedWork, requestsDone } from '../warehouse/billing/rollup-requests.js';
import { dayPartition } from '../warehouse/partitions.js';
import { addDays, daysBetween } from '../warehouse/time.js';
import { rollupDailyCounts, type MissingSourceDay } from './daily.js';
import { endedMonthsIn, materialiseMonthEnd, type MonthEndResult } from './month-end.js';
import { rollupPatchExposure, type ExposureResult } from './patch-exposure.js';
import { rollupPatchScope, type PatchScopeResult } from './patch-scope.js';
import { rollupPatchDeviceLatest, type PatchDeviceLatestResult } from './patch-device-latest.js';

export interface RollupResult {
  days: number;
  rows: number;
  missing: MissingSourceDay[];
  months: MonthEndResult[];
  /** Patch exposure (rollup.patch_exposure): the days (re)computed, those given and every later one or owed. */
  exposure: ExposureResult;
  /** Patch-scope aggregates (rollup.patch_site_instance_days): the days (re)computed, those given with a patch source-day and every one owed. */
  patchScope: PatchScopeResult;
  /** Each patch instance's latest day, device by device (rollup.patch_device_latest): the instances (re)computed. */
  patchDevices: PatchDeviceLatestResult;
}

export function daysOf(from: string, to: string): string[] {
  return Array.from({ length: daysBetween(from, to) + 1 }, (_, i) => addDays(from, i));
}

export interface RollupOptions {
  today: string;
  force?: boolean;
  /** More months (YYYY-MM) whose month-ends to refresh, if ended: those of rollup requests, whose dailies may be gone. */
  months?: string[];
  /** Told before each step: 'daily counts', 'patch exposure' and 'patch scope' per day, 'patch devices' per instance, 'month-ends' per month, then 'findings' (for a terminal's progress line). */
  onProgress?: (step: RollupStep, done: number, total: number) => void;
}

export type RollupStep = 'daily counts' | 'patch exposure' | 'patch scope' | 'patch devices' | 'month-ends' | 'findings';

export async function rollupDays(sql: Sql, days: string[], options: RollupOptions): Promise<RollupResult> {
  let rows = 0;
  const missing: MissingSourceDay[] = [];
  for (const [index, day] of days.entries()) {
    options.onProgress?.('daily counts', index, days.length);
    const result = await rollupDailyCounts(sql, day);
    rows += result.rows;
    missing.push(...result.missing);
  }
  // Each day's exposure follows from the day before's: from the earliest day rolled up (or owed)
  // through the latest published day, in order.
  const exposure = await rollupPatchExposure(sql, days, (done, total) => options.onProgress?.('patch exposure', done, total));
  // Each day's patch-scope aggregates read its exposure, so they follow it; the month-ends read them.
  const patchScope = await rollupPatchScope(sql, days, (done, total) => options.onProgress?.('patch scope', done, total));
  const patchDevices = await rollupPatchDeviceLatest(sql, (done, total) => options.onProgress?.('patch devices', done, total));
  const wanted = new Set((options.months ?? []).filter((m) => m < options.today.slice(0, 7)));
  if (days.length > 0) {
    const sorted = [...days].sort();
    for (const month of await endedMonthsIn(sql, sorted[0] as string, sorted[sorted.length - 1] as string, options.today)) wanted.add(month);
  }
  const months: MonthEndResult[] = [];
  for (const [index, month] of [...wanted].sort().entries()) {
    options.onProgress?.('month-ends', index, wanted.size);
    months.push(await materialiseMonthEnd(sql, month, options.force ? { force: true } : {}));
  }
  return { days: days.length, rows, missing, months, exposure, patchScope, patchDevices };
}

/**
 * What runs once after the night's collectors, not after each of them: fresh planner statistics for
 * the day partitions the collectors wrote, daily counts and month-ends of the given days, then the
 * cross-vendor findings (core.exceptions, core.device_matches behind bi.coverage), which compare
 * every source's latest snapshot and so are judged once all of them have published.
 */
export async function nightlyRollup(sql: Sql, days: string[], options: RollupOptions): Promise<RollupResult & { findings: RefreshResult }> {
  await analyzeDays(sql, days);
  const rolled = await rollupDays(sql, days, options);
  options.onProgress?.('findings', 0, 1);
  return { ...rolled, findings: await refreshExceptions(sql) };
}

/** The columns queries filter, join and group on: a full ANALYZE also samples the wide text, array and jsonb columns, several times the cost for nothing the planner uses. */
const PLANNED_COLUMNS = {
  device_days: 'site_id, snapshot_day, device_id, source_instance_id, alias_id, device_class, is_spare',
  patch_status: 'site_id, snapshot_day, device_id, source_instance_id',
};

/** ANALYZE the device-day and patch-status partitions of the given days (those the collectors just wrote). */
export async function analyzeDays(sql: Sql, days: string[]): Promise<void> {
  const names = days.flatMap((day) => Object.keys(PLANNED_COLUMNS).map((table) => dayPartition(table, day)));
  const existing = await sql<{ name: string; table: keyof typeof PLANNED_COLUMNS }[]>`
    select c.relname as name, p.relname as table from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_inherits i on i.inhrelid = c.oid join pg_class p on p.oid = i.inhparent
    where n.nspname = 'core' and c.relname = any(${names}::text[])
    order by c.relname`;
  for (const { name, table } of existing) await sql.unsafe(`analyze core.${name} (${PLANNED_COLUMNS[table]})`);
}

/**
 * What a plain `warehouse rollup` (and the nightly) should (re)compute: every source-day published
 * since its day was last counted (a first publish, a late re-run or a backfill), so missed nights
 * catch up by themselves, and what rollup requests ask for (re-mappings, policy changes).
 */
export async function pendingWork(sql: Sql): Promise<{ days: string[]; months: string[]; through: number | null }> {
  const rows = await sql<{ day: string }[]>`
    select distinct sd.snapshot_day::text as day from ops.source_days sd
    where sd.rolled_up_at is null or sd.published_at >= sd.rolled_up_at
    order by 1`;
  const requested = await requestedWork(sql);
  const days = [...new Set([...rows.map((r) => r.day), ...requested.days])].sort();
  return { days, months: requested.months, through: requested.through };
}

/** The pending work, rolled up (no findings refresh: `sites map`, a policy change); the requests it covered are then done. */
export async function rollupPending(sql: Sql, options: RollupOptions): Promise<RollupResult> {
  const work = await pendingWork(sql);
  const result = await rollupDays(sql, work.days, { ...options, months: work.months });
  await requestsDone(sql, work.through);
  return result;
}

/** The pending work as the nightly does it (statistics, rollup, findings): `warehouse rollup` without dates and `nightly`. */
export async function nightlyPending(sql: Sql, options: RollupOptions): Promise<RollupResult & { findings: RefreshResult }> {
  const work = await pendingWork(sql);
  const result = await nightlyRollup(sql, work.days, { ...options, months: work.months });
  await requestsDone(sql, work.through);
  return result;
}
