/**
 * Daily counts: day × site × source instance × device class × billing status, from published
 * source-days only (ops.source_days exists only for runs that passed the gate). Each day is
 * delete-then-insert inside one transaction, so any day or range can be re-run. A source instance
 * that has published before but has no snapshot for a day is reported, never silently counted.
 */
import type { Sql } from 'postgres';
import { lockMonth } from '../warehouse/billing/months.js';

export interface MissingSourceDay { day: string; source: string; instance: string }

export async function rollupDailyCounts(sql: Sql, day: string): Promise<{ rows: number; missing: MissingSourceDay[] }> {
  return sql.begin(async (tx) => {
    // No publish into the month is in flight while the day is counted, so every source-day published
    // before rolled_up_at below is in these counts (one published later is owed the next rollup).
    await lockMonth(tx, day, 'exclusive');
    await tx`select core.ensure_partitions(${day}::date)`;
    await tx`delete from rollup.daily_counts where snapshot_day = ${day}`;
    // Count the day's partition per site, source, class and spare flag first (one scan, no joins),
    // then decide billing per group (core.billing_status, as staging.device_days_billing does): the
    // plan stays a scan and a hash aggregate whether or not the partition has statistics yet.
    const inserted = await tx`
      insert into rollup.daily_counts (site_id, snapshot_day, source_instance_id, device_class, billing_status, devices)
      select g.site_id, ${day}::date, g.source_instance_id, g.device_class,
        core.billing_status(s.is_internal, g.is_spare, g.device_class, st.billed_classes) as billing_status, sum(g.devices)::int
      from (
        select dd.site_id, dd.source_instance_id, dd.device_class, dd.is_spare, count(*) as devices
        from core.device_days as dd
        where dd.snapshot_day = ${day}
          and dd.source_instance_id in (select sd.source_instance_id from ops.source_days as sd where sd.snapshot_day = ${day})
        group by dd.site_id, dd.source_instance_id, dd.device_class, dd.is_spare
      ) as g
      inner join core.sites as s on s.site_id = g.site_id
      cross join core.settings as st
      group by g.site_id, g.source_instance_id, g.device_class, core.billing_status(s.is_internal, g.is_spare, g.device_class, st.billed_classes)`;
    const missing = await tx<MissingSourceDay[]>`
      select ${day}::text as day, si.source, si.instance
      from ops.source_instances as si
      where exists (select 1 from ops.source_days as first where first.source_instance_id = si.source_instance_id and first.snapshot_day <= ${day})
        and not exists (select 1 from ops.source_days as sd where sd.source_instance_id = si.source_instance_id and sd.snapshot_day = ${day})
      order by si.source, si.instance`;
    await tx`update ops.source_days set rolled_up_at = now() where snapshot_day = ${day}`;
    return { rows: inserted.count, missing };
  });
}
