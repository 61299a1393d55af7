/**
 * Month-end tables. For each month and source instance the month-end is the last day of the month
 * with a published snapshot; whether that is the calendar's last day is recorded. Per-device rows
 * keep why each device was or was not billed. A month is materialised once it has ended and
 * refreshed on every rollup until `billing close` freezes it; a closed month is only rewritten with
 * force, and that is recorded.
 */
import type { Sql, TransactionSql } from 'postgres';
import { addDays, lastDayOfMonth } from '../warehouse/time.js';

export interface MonthEndResult { month: string; materialised: string[]; skippedClosed: boolean }

/** Months (YYYY-MM) that have ended by `today` and hold any published source-day in [from, to]. */
export async function endedMonthsIn(sql: Sql, from: string, to: string, today: string): Promise<string[]> {
  const rows = await sql<{ month: string }[]>`
    select distinct to_char(snapshot_day, 'YYYY-MM') as month from ops.source_days
    where snapshot_day between date_trunc('month', ${from}::date) and (date_trunc('month', ${to}::date) + interval '1 month - 1 day')::date
      and date_trunc('month', snapshot_day) < date_trunc('month', ${today}::date)
    order by 1`;
  return rows.map((r) => r.month);
}

export async function isClosed(sql: Sql, month: string): Promise<boolean> {
  const rows = await sql`select 1 from ops.billing_months where month = ${`${month}-01`}::date`;
  return rows.length > 0;
}

export async function materialiseMonthEnd(sql: Sql, month: string, options: { force?: boolean; reason?: string } = {}): Promise<MonthEndResult> {
  const first = `${month}-01`;
  const last = lastDayOfMonth(month);
  return sql.begin(async (tx) => {
    // Serialise with `billing close` of the same month so a close never races a refresh.
    await tx`select pg_advisory_xact_lock(hashtext('warehouse:month:' || ${month}))`;
    const closed = (await tx`select 1 from ops.billing_months where month = ${first}::date`).length > 0;
    if (closed && !options.force) return { month, materialised: [], skippedClosed: true };
    await tx`select rollup.ensure_month_partition(${first}::date)`;
    const ends = await tx<{ source_instance_id: number; month_end_day: string; run_id: number }[]>`
      select distinct on (source_instance_id) source_instance_id, snapshot_day::text as month_end_day, run_id::int as run_id
      from ops.source_days where snapshot_day between ${first}::date and ${last}::date
      order by source_instance_id, snapshot_day desc`;
    await tx`delete from rollup.month_end_devices where month = ${first}::date`;
    await tx`delete from rollup.month_ends where month = ${first}::date`;
    for (const end of ends) {
      await tx`
        insert into rollup.month_ends (month, source_instance_id, month_end_day, is_exact, run_id)
        values (${first}::date, ${end.source_instance_id}, ${end.month_end_day}::date, ${end.month_end_day === last}, ${end.run_id})`;
      await tx`
        insert into rollup.month_end_devices (site_id, month, source_instance_id, device_id, month_end_day, vendor_id, display_name, hostname, device_class, billing_status, reason, spare_rule_id)
        select b.site_id, ${first}::date, b.source_instance_id, b.device_id, b.snapshot_day, b.vendor_id, b.display_name, b.hostname,
               b.device_class, b.billing_status, b.billing_reason, b.spare_rule_id
        from staging.device_days_billing as b
        where b.source_instance_id = ${end.source_instance_id} and b.snapshot_day = ${end.month_end_day}::date`;
    }
    await deriveMonthEndSummaries(tx, first);
    // The next month's rows compare with this one (previous_billable, a site's row of zeros): keep
    // them in step, unless that month is closed (invoiced as it stood).
    const next = await tx`
      select 1 from rollup.month_ends where month = (${first}::date + interval '1 month')::date
        and not exists (select 1 from ops.billing_months where month = (${first}::date + interval '1 month')::date)`;
    if (next.length > 0) await deriveMonthEndSites(tx, addDays(last, 1));
    if (closed) {
      await tx`insert into ops.forced_changes (month, action, reason)
        values (${first}::date, 'rollup month-end', ${options.reason ?? 'month-end of a closed month rewritten with --force'})`;
    }
    return { month, materialised: ends.map((e) => e.month_end_day), skippedClosed: false };
  });
}

/** The month's site-level tables from its per-device month-end rows: month_end_counts, then month_end_sites. */
export async function deriveMonthEndSummaries(tx: Sql | TransactionSql, first: string): Promise<void> {
  await tx`delete from rollup.month_end_counts where month = ${first}::date`;
  await tx`
    insert into rollup.month_end_counts (site_id, month, source_instance_id, device_class, billing_status, devices)
    select site_id, month, source_instance_id, device_class, billing_status, count(*)::int
    from rollup.month_end_devices where month = ${first}::date
    group by site_id, month, source_instance_id, device_class, billing_status`;
  await deriveMonthEndSites(tx, first);
}

/**
 * rollup.month_end_sites for one month (its first day) from the site-level counts of that month and
 * the month before: the SQL function of migration 0011, so the backfill and every month-end derive
 * the rows the same way.
 */
export async function deriveMonthEndSites(tx: Sql | TransactionSql, first: string): Promise<void> {
  await tx`select rollup.derive_month_end_sites(${first}::date)`;
}
