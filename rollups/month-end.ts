/**
 * Month-end tables. For each month and source instance the month-end is the last day of the month
 * with a published snapshot; whether that is the calendar's last day is recorded. Per-device rows
 * keep why each device was or was not billed. A month is materialised once it has ended and
 * refreshed on every rollup until `billing close` freezes it; a closed month is only rewritten with
 * force, and that is recorded (and the month re-sealed).
 *
 * Each month-end also stores the compliance verdicts of its day (rollups/compliance-month-end.ts),
 * frozen and forced with the billing rows.
 *
 * Nothing is deleted that cannot be rebuilt: a source instance whose month-end day's dailies have
 * expired keeps its rows as materialised; they still follow re-mappings and billing-policy changes
 * (both re-judged from the stored rows), so every open month reads the same way.
 */
import type { Sql, TransactionSql } from 'postgres';
import { closedMonth, isMonthClosed, lockMonth, recordPolicyOfClosedMonth } from '../warehouse/billing/months.js';
import { resealFrom } from '../warehouse/billing/seal.js';
import { monthPartition } from '../warehouse/partitions.js';
import { addDays, lastDayOfMonth } from '../warehouse/time.js';
import { storeComplianceEvidence } from './compliance-month-end.js';

export interface MonthEndResult {
  month: string;
  /** Month-end days rebuilt from the dailies, one per source instance. */
  materialised: string[];
  /** Source instances whose month-end was kept as materialised (its dailies expired). */
  kept: number;
  skippedClosed: boolean;
}

/** Months (YYYY-MM) that have ended by `today` and hold any published source-day in [from, to]. */
export async function endedMonthsIn(sql: Sql, from: string, to: string, today: string): Promise<string[]> {
  const rows = await sql<{ month: string }[]>`
    select distinct to_char(snapshot_day, 'YYYY-MM') as month from ops.source_days
    where snapshot_day between date_trunc('month', ${from}::date) and (date_trunc('month', ${to}::date) + interval '1 month - 1 day')::date
      and date_trunc('month', snapshot_day) < date_trunc('month', ${today}::date)
    order by 1`;
  return rows.map((r) => r.month);
}

export async function materialiseMonthEnd(sql: Sql, month: string, options: { force?: boolean; reason?: string } = {}): Promise<MonthEndResult> {
  const result = await materialiseInTransaction(sql, month, options);
  // Fresh statistics for the partition just written (autovacuum may not reach it before the next
  // read): without them the month's device count and the billing page plan from defaults.
  if (!result.skippedClosed && result.materialised.length > 0) {
    await sql.unsafe(`analyze ${monthPartition('rollup.month_end_devices', month)}`);
  }
  return result;
}

async function materialiseInTransaction(sql: Sql, month: string, options: { force?: boolean; reason?: string }): Promise<MonthEndResult> {
  return sql.begin(async (tx) => {
    await lockMonth(tx, month, 'exclusive');
    const closed = await isMonthClosed(tx, month);
    if (closed && !options.force) return { month, materialised: [], kept: 0, skippedClosed: true };
    const result = await materialiseLocked(tx, month);
    if (closed) {
      await recordPolicyOfClosedMonth(tx, `${month}-01`);
      await freezeChanges(tx, `${month}-01`);
      const seals = (await resealFrom(tx, `${month}-01`)).filter((s) => s.before !== s.after);
      const resealed = seals.map((s) => `${s.month} ${s.before ?? 'unsealed'} -> ${s.after}`);
      await tx`insert into ops.forced_changes (month, action, reason)
        values (${`${month}-01`}::date, 'rollup month-end',
          ${`${options.reason ?? 'month-end of a closed month rewritten with --force'}${resealed.length > 0 ? `; re-sealed ${resealed.join(', ')}` : '; seal unchanged'}`})`;
      // Months closed after it are chained to its digest: their seals moved too, and say why.
      for (const later of seals.filter((s) => s.month !== month)) {
        await tx`insert into ops.forced_changes (month, action, reason)
          values (${`${later.month}-01`}::date, 'reseal', ${`chain re-sealed after the forced rewrite of ${month}: ${later.before ?? 'unsealed'} -> ${later.after}`})`;
      }
    }
    return result;
  });
}

/**
 * The month's month-end, under its exclusive lock (the caller's transaction): each source instance
 * with a published day in the month is rebuilt from its last one; the others keep their rows.
 */
export async function materialiseLocked(tx: TransactionSql, month: string): Promise<MonthEndResult> {
  const first = `${month}-01`;
  const last = lastDayOfMonth(month);
  await tx`select rollup.ensure_month_partition(${first}::date)`;
  // The last published day per source instance whose device-days are still there (retention drops
  // the partitions before it forgets the source-days; a day of zero devices has none to find).
  const ends = await tx<{ source_instance_id: number; month_end_day: string; run_id: number }[]>`
    select distinct on (sd.source_instance_id) sd.source_instance_id, sd.snapshot_day::text as month_end_day, sd.run_id::int as run_id
    from ops.source_days as sd
    where sd.snapshot_day between ${first}::date and ${last}::date
      and (sd.device_count = 0 or exists (
        select 1 from core.device_days as dd where dd.snapshot_day = sd.snapshot_day and dd.source_instance_id = sd.source_instance_id))
    order by sd.source_instance_id, sd.snapshot_day desc`;
  const existing = await tx<{ source_instance_id: number; month_end_day: string }[]>`
    select source_instance_id, month_end_day::text as month_end_day from rollup.month_ends where month = ${first}::date`;
  const rebuilt = ends.filter((end) => {
    const before = existing.find((e) => e.source_instance_id === end.source_instance_id);
    // A stored month-end later than any day still kept stood on dailies that are gone.
    return !before || before.month_end_day <= end.month_end_day;
  });
  const rebuiltIds = rebuilt.map((e) => e.source_instance_id);
  const kept = existing.filter((e) => !rebuiltIds.includes(e.source_instance_id)).map((e) => e.source_instance_id);
  for (const end of rebuilt) {
    await tx`delete from rollup.month_end_devices where month = ${first}::date and source_instance_id = ${end.source_instance_id}`;
    await tx`
      insert into rollup.month_ends (month, source_instance_id, month_end_day, is_exact, run_id)
      values (${first}::date, ${end.source_instance_id}, ${end.month_end_day}::date, ${end.month_end_day === last}, ${end.run_id})
      on conflict (month, source_instance_id) do update set month_end_day = excluded.month_end_day, is_exact = excluded.is_exact,
        run_id = excluded.run_id, materialised_at = now()`;
    await tx`
      insert into rollup.month_end_devices (site_id, month, source_instance_id, device_id, month_end_day, vendor_id, display_name, hostname,
        device_class, billing_status, reason, spare_rule_id, alias_id, last_contact_at, is_stale)
      select b.site_id, ${first}::date, b.source_instance_id, b.device_id, b.snapshot_day, b.vendor_id, b.display_name, b.hostname,
             b.device_class, b.billing_status, b.billing_reason, b.spare_rule_id, b.alias_id, b.last_contact_at, b.is_stale
      from staging.device_days_billing as b
      where b.source_instance_id = ${end.source_instance_id} and b.snapshot_day = ${end.month_end_day}::date`;
  }
  if (kept.length > 0) await rejudgeKept(tx, first, kept);
  await deriveMonthEndSummaries(tx, first);
  await storeComplianceEvidence(tx, first);
  // The next month's rows compare with this one (previous_billable, a site's row of zeros): keep
  // them in step, unless that month is closed (invoiced as it stood).
  const next = await tx`
    select 1 from rollup.month_ends where month = (${first}::date + interval '1 month')::date
      and not ${closedMonth(tx, tx`(${first}::date + interval '1 month')`)}`;
  if (next.length > 0) await deriveMonthEndSites(tx, addDays(last, 1));
  return { month, materialised: rebuilt.map((e) => e.month_end_day), kept: kept.length, skippedClosed: false };
}

/**
 * Month-end rows kept as materialised follow the current mapping of their organisation and the
 * current billing policy: the same functions as staging.device_days_billing, over the stored row.
 */
async function rejudgeKept(tx: TransactionSql, first: string, instances: number[]): Promise<void> {
  await tx`
    update rollup.month_end_devices as med set site_id = target.site_id
    from core.site_aliases as sa
    cross join lateral (select coalesce(sa.site_id, (select s.site_id from core.sites as s where s.is_unmapped)) as site_id) as target
    where med.month = ${first}::date and med.source_instance_id = any(${instances}::int[]) and sa.alias_id = med.alias_id
      and med.site_id <> target.site_id`;
  await tx`
    update rollup.month_end_devices as med set
      billing_status = j.billing_status, reason = j.reason, is_stale = j.is_stale
    from (
      select m.site_id, m.source_instance_id, m.device_id,
        core.billing_status(s.is_internal, m.spare_rule_id is not null, m.device_class, st.billed_classes) as billing_status,
        core.billing_reason(s.is_internal, m.spare_rule_id is not null, m.spare_rule_id, m.device_class, st.billed_classes) as reason,
        core.is_stale(core.billing_status(s.is_internal, m.spare_rule_id is not null, m.device_class, st.billed_classes),
          m.last_contact_at, m.month_end_day, st.time_zone, st.stale_after_days) as is_stale
      from rollup.month_end_devices as m
      inner join core.sites as s on s.site_id = m.site_id
      cross join core.settings as st
      where m.month = ${first}::date and m.source_instance_id = any(${instances}::int[])
    ) as j
    where med.month = ${first}::date and med.site_id = j.site_id and med.source_instance_id = j.source_instance_id and med.device_id = j.device_id
      and (med.billing_status, med.reason, med.is_stale) is distinct from (j.billing_status, j.reason, j.is_stale)`;
}

/**
 * A closed month's bi.billing_changes as they stand now, kept (rollup.closed_month_changes): what the
 * invoice listed stays listed even when an earlier, still open month is re-attributed afterwards.
 */
export async function freezeChanges(tx: TransactionSql, first: string): Promise<void> {
  await tx`delete from rollup.closed_month_changes where month = ${first}::date`;
  await tx`
    insert into rollup.closed_month_changes (month, source_instance_id, device_id, site_id, change, vendor_id, hostname, display_name, seat_delta,
      detail, previous_site_id, previous_class, previous_status, current_site_id, current_class, current_status, is_stale, last_contact_at)
    select month, source_instance_id, device_id, site_id, change, vendor_id, hostname, display_name, seat_delta,
      detail, previous_site_id, previous_class, previous_status, current_site_id, current_class, current_status, is_stale, last_contact_at
    from staging.billing_change_rows where comparison = 'month_end' and month = ${first}::date`;
}

/**
 * The month's site-level tables from its per-device month-end rows: month_end_counts, then
 * month_end_sites (the SQL functions of views/functions/month_end.sql).
 */
export async function deriveMonthEndSummaries(tx: Sql | TransactionSql, first: string): Promise<void> {
  await tx`select rollup.derive_month_end_counts(${first}::date)`;
  await deriveMonthEndSites(tx, first);
}

/**
 * rollup.month_end_sites for one month (its first day) from the site-level counts of that month and
 * the month before (views/functions/month_end.sql).
 */
export async function deriveMonthEndSites(tx: Sql | TransactionSql, first: string): Promise<void> {
  await tx`select rollup.derive_month_end_sites(${first}::date)`;
}
