/**
 * The patch-scope aggregates, materialised by the rollup (issue 23): rollup.patch_site_instance_days
 * holds, per site × source instance × day of the patch sources, what
 * staging.patch_site_instance_days_computed gives for that day (devices per compliance denominator,
 * the in-scope devices' missing patches, scans, health and exposure), so bi.patch_compliance_site,
 * bi.compliance_checks and the month-end compliance evidence read a few rows per site and day instead
 * of judging every device's scope on every day held on every read.
 *
 * Each day is independent of the others (no state carried): a day's rows are computed from that
 * day's device-days, patch status rows and exposure alone. rollup.patch_scope_computed records, per
 * source-day, what they were computed from; staging.patch_scope_source_days compares it with what
 * holds now, and staging.patch_site_instance_days judges on read every source-day whose rows no
 * longer stand (never rolled up, re-published, a compliance setting or the time zone changed, its
 * exposure recomputed, a re-mapping filed since). So the views' rows never depend on when the rollup
 * ran, and a setting change takes effect on the next read.
 *
 * Which days: those the rollup is given (each night's, a re-run's, a back-fill's, those of rollup
 * requests) and every day with a source-day whose rows no longer stand, which covers the days whose
 * exposure the same rollup recomputed and, after a settings change, every day held. Each in its own
 * transaction, under the month's exclusive lock as the exposure (no publish into the month in flight).
 * Rows that differ are replaced, unchanged ones stay: a re-run of an unchanged day writes no row.
 * Retention deletes a day's rows and records with its partitions (rollups/retention.ts), and
 * month-ends read the day through the views, so a closed month's evidence is as before.
 */
import type { Sql } from 'postgres';
import { lockMonth } from '../warehouse/billing/months.js';

export interface PatchScopeResult {
  /** The days (re)computed, in order. */
  days: string[];
  /** Aggregate rows written: deleted plus inserted (0 for a re-run of unchanged days). */
  rows: number;
}

/** The days to (re)compute for a rollup of `days`: those of them with a patch source-day, and every day owed. */
export async function patchScopeDaysFrom(sql: Sql, days: string[]): Promise<string[]> {
  const rows = await sql<{ day: string }[]>`
    select distinct sd.snapshot_day::text as day from staging.patch_scope_source_days as sd
    where not sd.materialised or sd.snapshot_day = any(${days}::date[])
    order by 1`;
  return rows.map((r) => r.day);
}

/** Compute one day's aggregates, writing only what changed, and record what they stand for; returns the rows written. */
export async function computePatchScopeDay(sql: Sql, day: string): Promise<number> {
  return sql.begin(async (tx) => {
    await lockMonth(tx, day, 'exclusive');
    await tx`create temporary table patch_scope_day on commit drop as
      select * from staging.patch_site_instance_days_computed as c where c.snapshot_day = ${day}::date`;
    const deleted = await tx`
      delete from rollup.patch_site_instance_days as m
      where m.snapshot_day = ${day}::date
        and not exists (select 1 from pg_temp.patch_scope_day as n where row(n.*) is not distinct from row(m.*))`;
    const inserted = await tx`
      insert into rollup.patch_site_instance_days select n.* from pg_temp.patch_scope_day as n
      on conflict (site_id, snapshot_day, source_instance_id) do nothing`;
    // What the rows stand for: read in this transaction, under the month's lock, so nothing published
    // or re-mapped in between; a request filed later has a higher id.
    await tx`
      insert into rollup.patch_scope_computed (source_instance_id, snapshot_day, published_at, stale_after_days, scan_window_days,
        time_zone, exposure_computed_at, requests_through, computed_at)
      select sd.source_instance_id, sd.snapshot_day, sd.published_at, sd.stale_after_days, sd.scan_window_days,
        sd.time_zone, sd.exposure_computed_at, coalesce((select max(r.request_id) from ops.rollup_requests as r), 0), clock_timestamp()
      from staging.patch_scope_source_days as sd
      where sd.snapshot_day = ${day}::date
      on conflict (source_instance_id, snapshot_day) do update set
        published_at = excluded.published_at, stale_after_days = excluded.stale_after_days,
        scan_window_days = excluded.scan_window_days, time_zone = excluded.time_zone,
        exposure_computed_at = excluded.exposure_computed_at, requests_through = excluded.requests_through,
        computed_at = excluded.computed_at`;
    return deleted.count + inserted.count;
  });
}

/** The rollup's step, after the exposure it reads: the days `days` make owed, and those owed already, in order. */
export async function rollupPatchScope(sql: Sql, days: string[], onDay?: (done: number, total: number) => void): Promise<PatchScopeResult> {
  const todo = await patchScopeDaysFrom(sql, days);
  let rows = 0;
  for (const [index, day] of todo.entries()) {
    onDay?.(index, todo.length);
    rows += await computePatchScopeDay(sql, day);
  }
  // Planner statistics for the readers (a few rows per site and day: cheap).
  if (rows > 0) await sql`analyze rollup.patch_site_instance_days`;
  return { days: todo, rows };
}
