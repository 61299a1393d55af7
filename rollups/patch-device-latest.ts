/**
 * Each patch source instance's latest day, device by device, materialised by the rollup (issue 23):
 * rollup.patch_device_latest holds what staging.patch_device_days_exposed gives for the instance's
 * latest published day (every device's compliance scope, scan facts and exposure), so
 * bi.patch_compliance_device and the README's per-system queries read one instance's rows instead of
 * joining its device-days, patch status, devices and exposure on every read. Only the latest day is
 * kept: no bi view reads an older day device by device (the per-site aggregates of every day are
 * rollup.patch_site_instance_days).
 *
 * rollup.patch_device_latest_computed records what an instance's rows were computed from;
 * staging.patch_device_latest_sources compares it with what holds now and the views read on read
 * every instance whose rows no longer stand (a newer day, a re-run or back-fill, a changed compliance
 * setting or time zone, its day's exposure recomputed, a re-mapping filed since), so the rows never
 * depend on when the rollup ran. The rollup recomputes exactly those instances, each in its own
 * transaction under the day's month lock (no publish into the month in flight): an instance whose
 * rows stand is left alone, and a recompute replaces only the rows that differ, so a re-run writes
 * nothing. Retention deletes a day's rows with its
 * partitions (rollups/retention.ts; the latest day is never expired, but a source that stopped
 * publishing is).
 */
import type { Sql } from 'postgres';
import { lockMonth } from '../warehouse/billing/months.js';

export interface PatchDeviceLatestResult {
  /** The source instances whose latest day was (re)computed, with the day. */
  instances: Array<{ instance: number; day: string }>;
  /** Rows written: deleted plus inserted (0 when every instance's rows stood). */
  rows: number;
}

export async function rollupPatchDeviceLatest(sql: Sql, onInstance?: (done: number, total: number) => void): Promise<PatchDeviceLatestResult> {
  const owed = await sql<{ instance: number; day: string }[]>`
    select l.source_instance_id as instance, l.snapshot_day::text as day
    from staging.patch_device_latest_sources as l where not l.materialised order by 1`;
  let rows = 0;
  for (const [index, { instance, day }] of owed.entries()) {
    onInstance?.(index, owed.length);
    rows += await sql.begin(async (tx) => {
      await lockMonth(tx, day, 'exclusive');
      // Rows that are gone or differ go, then the new ones (unchanged rows stay: a recompute that finds
      // the same rows, as after an exposure pass that changed nothing, writes none).
      await tx`create temporary table patch_device_day on commit drop as
        select e.* from staging.patch_device_days_exposed as e where e.snapshot_day = ${day}::date and e.source_instance_id = ${instance}`;
      const deleted = await tx`
        delete from rollup.patch_device_latest as m
        where m.source_instance_id = ${instance}
          and not exists (select 1 from pg_temp.patch_device_day as n where row(n.*) is not distinct from row(m.*))`;
      const inserted = await tx`
        insert into rollup.patch_device_latest select n.* from pg_temp.patch_device_day as n
        on conflict (site_id, snapshot_day, device_id) do nothing`;
      // What the rows stand for, read in this transaction under the month's lock; a request filed later has a higher id.
      await tx`
        insert into rollup.patch_device_latest_computed (source_instance_id, snapshot_day, published_at, published_through,
          stale_after_days, scan_window_days, time_zone, exposure_computed_at, requests_through, computed_at)
        select l.source_instance_id, l.snapshot_day, l.published_at, l.published_through, l.stale_after_days, l.scan_window_days,
          l.time_zone, l.exposure_computed_at, coalesce((select max(r.request_id) from ops.rollup_requests as r), 0), clock_timestamp()
        from staging.patch_device_latest_sources as l
        where l.source_instance_id = ${instance} and l.snapshot_day = ${day}::date
        on conflict (source_instance_id) do update set
          snapshot_day = excluded.snapshot_day, published_at = excluded.published_at, published_through = excluded.published_through,
          stale_after_days = excluded.stale_after_days, scan_window_days = excluded.scan_window_days, time_zone = excluded.time_zone,
          exposure_computed_at = excluded.exposure_computed_at, requests_through = excluded.requests_through,
          computed_at = excluded.computed_at`;
      return deleted.count + inserted.count;
    });
  }
  // Instances that no longer report patches, or have no published day left, keep no rows.
  const gone = await sql`
    delete from rollup.patch_device_latest as m
    where not exists (select 1 from staging.patch_device_latest_sources as l where l.source_instance_id = m.source_instance_id)`;
  await sql`
    delete from rollup.patch_device_latest_computed as c
    where not exists (select 1 from staging.patch_device_latest_sources as l where l.source_instance_id = c.source_instance_id)`;
  rows += gone.count;
  if (rows > 0) await sql`analyze rollup.patch_device_latest`;
  return { instances: owed, rows };
}
