/**
 * B5, second half: `select * from bi.billing_monthly` over 24 months of month-end rows at N devices.
 * Collecting 24 month-ends through the collectors would take hours, so the month-end tables
 * (rollup.month_end_devices, month_end_counts, month_ends, month_end_sites) are filled directly from one published
 * source-day of real rows, with 2.5 % of devices differing from month to month. Compared with the
 * floor for each query: reading the very same result rows from a plain table (with an index on the
 * filtered column). Three queries: all 24 months, one month (an invoice run, a dashboard filter) and
 * one client's 24 months (its billing history).
 */
import type { Sql } from 'postgres';
import { deriveMonthEndSummaries } from '../rollups/month-end.js';
import { lastDayOfMonth } from '../warehouse/time.js';
import { percentile, timed } from './measure.js';

export interface BillingRun {
  months: number;
  monthEndRows: number;
  resultRows: number;
  generateMs: number;
  p95: number;
  samples: number;
  floorP95: number;
  /** One month (what an invoice run or a dashboard filter asks for). */
  monthP95: number;
  monthFloorP95: number;
  monthRows: number;
  /** One site, every month (a client's billing history). */
  siteP95: number;
  siteFloorP95: number;
  siteRows: number;
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
    await sql`insert into rollup.month_ends (month, source_instance_id, month_end_day, is_exact, run_id)
      values (${first}::date, ${sourceInstanceId}, ${last}::date, true, ${run?.run_id ?? 0})`;
    await deriveMonthEndSummaries(sql, first);
  }
  await sql`analyze rollup.month_end_devices`;
  await sql`analyze rollup.month_end_counts`;
  await sql`analyze rollup.month_end_sites`;
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
  await sql`create index on bench.billing_monthly_result (month_start)`;
  await sql`create index on bench.billing_monthly_result (site)`;
  await sql`analyze bench.billing_monthly_result`;
  const floor = await sample(() => sql`select * from bench.billing_monthly_result`, 20, 10_000);
  const last = `${months[months.length - 1]}-01`;
  const month = await sample(() => sql`select * from bi.billing_monthly where month_start = ${last}::date`, 20, 10_000);
  const monthFloor = await sample(() => sql`select * from bench.billing_monthly_result where month_start = ${last}::date`, 20, 5_000);
  const [busiest] = await sql<{ site: string }[]>`select site from bench.billing_monthly_result group by site order by max(total) desc, site limit 1`;
  const site = busiest?.site ?? '';
  const history = await sample(() => sql`select * from bi.billing_monthly where site = ${site} order by month`, 20, 10_000);
  const historyFloor = await sample(() => sql`select * from bench.billing_monthly_result where site = ${site} order by month`, 20, 5_000);
  const rows = size?.rows ?? 0;
  return {
    months: months.length, monthEndRows: rows, resultRows: view.rows, generateMs: gen.ms,
    p95: view.p95, samples: view.n, floorP95: floor.p95,
    monthP95: month.p95, monthFloorP95: monthFloor.p95, monthRows: month.rows,
    siteP95: history.p95, siteFloorP95: historyFloor.p95, siteRows: history.rows,
    perRowBytes: rows > 0 ? Number(size?.bytes ?? 0) / rows : 0,
  };
}
