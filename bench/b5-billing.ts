/**
 * B5, second half: `select * from bi.billing_monthly` over 24 months of month-end rows at N devices.
 * Collecting 24 month-ends through the collectors would take hours, so the month-end tables
 * (rollup.month_end_devices, month_end_counts, month_ends) are filled directly from one published
 * source-day of real rows, with 2.5 % of devices differing from month to month. Compared with the
 * floor for `select *`: reading the very same result rows from a plain table. Also timed: the same
 * view text over site-level month-end counts instead of re-counting device rows on every query.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';
import { lastDayOfMonth } from '../warehouse/time.js';
import { percentile, timed } from './measure.js';

const VIEW_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../views/bi/billing_monthly.sql');

export interface BillingRun {
  months: number;
  monthEndRows: number;
  resultRows: number;
  generateMs: number;
  p95: number;
  samples: number;
  floorP95: number;
  fromCountsP95: number | null;
  /** One month (what an invoice run or a dashboard filter asks for). */
  monthP95: number;
  monthFloorP95: number;
  monthFromCountsP95: number;
  monthRows: number;
  perRowBytes: number;
}

function monthsBefore(month: string, count: number): string[] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, k) => {
    const index = y * 12 + (m - 1) - count + k;
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  });
}

async function generate(sql: Sql, day: string, sourceInstanceId: number, months: string[]): Promise<void> {
  const [run] = await sql<{ run_id: number }[]>`select run_id::int as run_id from ops.source_days where source_instance_id = ${sourceInstanceId} limit 1`;
  for (const [k, month] of months.entries()) {
    const first = `${month}-01`;
    const last = lastDayOfMonth(month);
    await sql`select rollup.ensure_month_partition(${first}::date)`;
    await sql`
      insert into rollup.month_end_devices (site_id, month, source_instance_id, device_id, month_end_day, vendor_id, display_name, hostname, device_class, billing_status, reason, spare_rule_id)
      select b.site_id, ${first}::date, b.source_instance_id, b.device_id, ${last}::date, b.vendor_id, b.display_name, b.hostname,
             b.device_class, b.billing_status, b.billing_reason, b.spare_rule_id
      from staging.device_days_billing as b
      where b.snapshot_day = ${day} and b.source_instance_id = ${sourceInstanceId} and (b.device_id + ${k}) % 40 <> 0`;
    await sql`
      insert into rollup.month_end_counts (site_id, month, source_instance_id, device_class, billing_status, devices)
      select site_id, month, source_instance_id, device_class, billing_status, count(*)::int
      from rollup.month_end_devices where month = ${first}::date
      group by site_id, month, source_instance_id, device_class, billing_status`;
    await sql`insert into rollup.month_ends (month, source_instance_id, month_end_day, is_exact, run_id)
      values (${first}::date, ${sourceInstanceId}, ${last}::date, true, ${run?.run_id ?? 0})`;
  }
  await sql`analyze rollup.month_end_devices`;
  await sql`analyze rollup.month_end_counts`;
}

/**
 * What the target needs: month-end counts kept per month × site × source (built here from
 * rollup.month_end_counts, as the month-end rollup could store them), read by bi.billing_monthly's
 * own text in place of the per-device recount in staging.month_end_site_counts.
 */
async function viewOverSiteCounts(sql: Sql): Promise<string> {
  await sql`
    create table bench.month_end_site_counts as
    select month, site_id, source_instance_id,
      coalesce(sum(devices) filter (where billing_status = 'billable' and device_class = 'workstation'), 0)::bigint as workstations,
      coalesce(sum(devices) filter (where billing_status = 'billable' and device_class = 'server'), 0)::bigint as servers,
      coalesce(sum(devices) filter (where billing_status = 'spare'), 0)::bigint as spares,
      coalesce(sum(devices) filter (where billing_status = 'billable'), 0)::bigint as billable,
      sum(devices)::bigint as total
    from rollup.month_end_counts group by month, site_id, source_instance_id`;
  await sql`alter table bench.month_end_site_counts add primary key (month, site_id, source_instance_id)`;
  await sql`analyze bench.month_end_site_counts`;
  const text = readFileSync(VIEW_FILE, 'utf8');
  const body = /create view bi\.billing_monthly as\s+([\s\S]*?);\s*(?:comment|$)/iu.exec(text)?.[1];
  if (body === undefined) throw new Error(`cannot read the view body of ${VIEW_FILE}`);
  return body.replaceAll('staging.month_end_site_counts', 'bench.month_end_site_counts');
}

/** Repeat until `count` samples or `budgetMs` spent (at least 3): p95 of wall time, rows fetched. */
async function sample(work: () => PromiseLike<readonly unknown[]>, count: number, budgetMs: number): Promise<{ p95: number; n: number; rows: number }> {
  const samples: number[] = [];
  let rows = 0;
  const started = performance.now();
  while (samples.length < count && (samples.length < 3 || performance.now() - started < budgetMs)) {
    const { ms, value } = await timed(work);
    samples.push(ms);
    rows = value.length;
  }
  return { p95: percentile(samples, 95), n: samples.length, rows };
}

export async function benchBilling(sql: Sql, day: string, sourceInstanceId: number): Promise<BillingRun> {
  const months = monthsBefore(day.slice(0, 7), 24);
  const gen = await timed(() => generate(sql, day, sourceInstanceId, months));
  const [size] = await sql<{ rows: number; bytes: string }[]>`
    select count(*)::int as rows,
      (select sum(pg_total_relation_size(c.oid))::bigint::text from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'rollup.month_end_devices'::regclass) as bytes
    from rollup.month_end_devices`;
  const view = await sample(() => sql`select * from bi.billing_monthly`, 20, 20_000);
  await sql`create table bench.billing_monthly_result as select * from bi.billing_monthly`;
  const floor = await sample(() => sql`select * from bench.billing_monthly_result`, 20, 10_000);
  const alternative = await viewOverSiteCounts(sql);
  const fromCounts = await sample(() => sql.unsafe(alternative), 20, 10_000);
  const last = `${months[months.length - 1]}-01`;
  const month = await sample(() => sql`select * from bi.billing_monthly where month_start = ${last}::date`, 20, 10_000);
  const monthFloor = await sample(() => sql`select * from bench.billing_monthly_result where month_start = ${last}::date`, 20, 5_000);
  const monthFromCounts = await sample(() => sql.unsafe(`select * from (${alternative}) a where month_start = $1::date`, [last]), 20, 5_000);
  // The alternative must answer exactly what the view answers, or its time means nothing.
  const [diff] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from (
    (select * from bench.billing_monthly_result except all select * from (${alternative}) a)
    union all (select * from (${alternative}) a except all select * from bench.billing_monthly_result)) d`);
  const rows = size?.rows ?? 0;
  return {
    months: months.length, monthEndRows: rows, resultRows: view.rows, generateMs: gen.ms,
    p95: view.p95, samples: view.n, floorP95: floor.p95,
    fromCountsP95: (diff?.n ?? 1) === 0 ? fromCounts.p95 : null,
    monthP95: month.p95, monthFloorP95: monthFloor.p95, monthFromCountsP95: monthFromCounts.p95, monthRows: month.rows,
    perRowBytes: rows > 0 ? Number(size?.bytes ?? 0) / rows : 0,
  };
}
