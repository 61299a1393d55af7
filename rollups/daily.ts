/**
 * Daily counts: day × site × source instance × device class × billing status, from published
 * source-days only (ops.source_days exists only for runs that passed the gate). Each day is
 * delete-then-insert inside one transaction, so any day or range can be re-run. A source instance
 * that has published before but has no snapshot for a day is reported, never silently counted.
 */
import type { Sql } from 'postgres';

export interface MissingSourceDay { day: string; source: string; instance: string }

export async function rollupDailyCounts(sql: Sql, day: string): Promise<{ rows: number; missing: MissingSourceDay[] }> {
  return sql.begin(async (tx) => {
    await tx`select core.ensure_partitions(${day}::date)`;
    await tx`delete from rollup.daily_counts where snapshot_day = ${day}`;
    const inserted = await tx`
      insert into rollup.daily_counts (site_id, snapshot_day, source_instance_id, device_class, billing_status, devices)
      select b.site_id, b.snapshot_day, b.source_instance_id, b.device_class, b.billing_status, count(*)::int
      from staging.device_days_billing as b
      inner join ops.source_days as sd
        on sd.source_instance_id = b.source_instance_id and sd.snapshot_day = b.snapshot_day
      where b.snapshot_day = ${day}
      group by b.site_id, b.snapshot_day, b.source_instance_id, b.device_class, b.billing_status`;
    const missing = await tx<MissingSourceDay[]>`
      select ${day}::text as day, si.source, si.instance
      from ops.source_instances as si
      where exists (select 1 from ops.source_days as first where first.source_instance_id = si.source_instance_id and first.snapshot_day <= ${day})
        and not exists (select 1 from ops.source_days as sd where sd.source_instance_id = si.source_instance_id and sd.snapshot_day = ${day})
      order by si.source, si.instance`;
    return { rows: inserted.count, missing };
  });
}
