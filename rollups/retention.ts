/**
 * Retention by dropping partitions: dailies (device days, patch status, daily counts) 65 days,
 * raw vendor pages 7 days, month-end rows 24 months, run history 24 months; all configurable.
 * Dropping costs what is dropped, never a scan or rewrite of what is kept. A day is never dropped
 * before its month's month-end exists (retention materialises a missing one first). Partitions are
 * detached CONCURRENTLY under a lock timeout, so a long BI query is never blocked: retention waits
 * at most the timeout, skips that partition and tries again next night.
 */
import type { Sql } from 'postgres';
import { integerKey, type ConfigReader } from '../warehouse/config.js';
import { addDays } from '../warehouse/time.js';
import { materialiseMonthEnd } from './month-end.js';

export interface RetentionPolicy { dailyDays: number; rawDays: number; monthEndMonths: number; runMonths: number; lockTimeoutMs: number }

export function loadRetentionPolicy(reader: ConfigReader): RetentionPolicy {
  return {
    dailyDays: integerKey(reader, 'WAREHOUSE_RETENTION_DAILY_DAYS', 65, 1, 100_000),
    rawDays: integerKey(reader, 'WAREHOUSE_RETENTION_RAW_DAYS', 7, 1, 100_000),
    monthEndMonths: integerKey(reader, 'WAREHOUSE_RETENTION_MONTH_END_MONTHS', 24, 1, 10_000),
    runMonths: integerKey(reader, 'WAREHOUSE_RETENTION_RUN_MONTHS', 24, 1, 10_000),
    lockTimeoutMs: integerKey(reader, 'WAREHOUSE_RETENTION_LOCK_TIMEOUT_MS', 5000, 10, 600_000),
  };
}

const DAILY_PARENTS = ['core.device_days', 'core.patch_status', 'rollup.daily_counts'];

export interface Partition { parent: string; name: string; bound: string; detachPending: boolean }
export interface RetentionPlan {
  today: string;
  drop: Partition[];
  /** Tables detached from their parent on an earlier night whose DROP then failed: nothing reads them. */
  leftovers: string[];
  monthEndsToMaterialise: string[];
  runsBefore: string;
  sourceDaysBefore: string;
}
export interface RetentionResult { plan: RetentionPlan; dropped: string[]; busy: string[] }

async function partitionsOf(sql: Sql, parent: string): Promise<Partition[]> {
  const [schema, table] = parent.split('.') as [string, string];
  const rows = await sql<{ name: string; bound: string; pending: boolean }[]>`
    select c.relname as name, substring(pg_get_expr(c.relpartbound, c.oid) from '''([0-9-]+)''') as bound, i.inhdetachpending as pending
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    join pg_class p on p.oid = i.inhparent
    join pg_namespace n on n.oid = p.relnamespace
    where n.nspname = ${schema} and p.relname = ${table}
    order by 2`;
  return rows.map((r) => ({ parent, name: `${schema}.${r.name}`, bound: r.bound, detachPending: r.pending }));
}

export async function planRetention(sql: Sql, today: string, policy: RetentionPolicy): Promise<RetentionPlan> {
  const dailyCutoff = addDays(today, -policy.dailyDays); // keep (cutoff, today]
  const rawCutoff = addDays(today, -policy.rawDays);
  const monthCutoff = monthsBefore(today, policy.monthEndMonths);
  const drop: Partition[] = [];
  for (const parent of DAILY_PARENTS) drop.push(...(await partitionsOf(sql, parent)).filter((p) => p.bound <= dailyCutoff));
  drop.push(...(await partitionsOf(sql, 'raw.pages')).filter((p) => p.bound <= rawCutoff));
  drop.push(...(await partitionsOf(sql, 'rollup.month_end_devices')).filter((p) => p.bound < monthCutoff));
  // Months whose dailies go now: their month-end must exist first.
  const months = [...new Set(drop.filter((p) => DAILY_PARENTS.includes(p.parent)).map((p) => p.bound.slice(0, 7)))];
  const monthEndsToMaterialise: string[] = [];
  for (const month of months) {
    const [row] = await sql<{ missing: number }[]>`
      select count(*)::int as missing from (select distinct source_instance_id from ops.source_days
        where to_char(snapshot_day, 'YYYY-MM') = ${month}) s
      where not exists (select 1 from rollup.month_ends me where me.month = ${`${month}-01`}::date and me.source_instance_id = s.source_instance_id)`;
    if ((row?.missing ?? 0) > 0) monthEndsToMaterialise.push(month);
  }
  return { today, drop, leftovers: await detachedLeftovers(sql), monthEndsToMaterialise, runsBefore: monthsBefore(today, policy.runMonths), sourceDaysBefore: addDays(dailyCutoff, 1) };
}

/** Partitions (by their names) that are no longer attached to any parent: a detach that went through, a drop that did not. */
async function detachedLeftovers(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r'
      and (n.nspname || '.' || substring(c.relname from '^(.*)_[0-9]{6,8}$')) in ${sql([...DAILY_PARENTS, 'raw.pages', 'rollup.month_end_devices'])}
      and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)
    order by 1`;
  return rows.map((r) => r.name);
}

/**
 * 55P03: lock timeout (a query holds the table); 57014: cancelled by the backstop below; 55000:
 * another detach of this parent is pending. Each leaves the table for the next night.
 */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '55P03' || code === '57014' || code === '55000';
}

/** How much longer than lock_timeout the client waits before it cancels the statement itself. */
const BACKSTOP_MARGIN_MS = 300;

/**
 * A DDL statement under the session's lock_timeout, with a client-side cancel as the backstop: if the
 * server's timer does not fire (seen under libfaketime, where PostgreSQL's timeouts never expire, and
 * possible behind a pooler that drops session settings) a BI query is still not blocked for long.
 * lock_timeout bounds each lock wait and DETACH ... CONCURRENTLY waits twice, so the backstop allows
 * two. Either way the statement fails and the table is reported busy (a drop cancelled after its
 * detach went through leaves a detached table, which the next night's plan finds and drops).
 */
export async function withinLockTimeout(conn: Sql, statement: string, lockTimeoutMs: number): Promise<void> {
  const query = conn.unsafe(statement);
  // Sent on a connection of its own; a failure to cancel (the statement just ended) changes nothing.
  const cancel = () => Promise.resolve().then(() => query.cancel()).catch(() => {});
  const backstop = setTimeout(() => { void cancel(); }, 2 * lockTimeoutMs + BACKSTOP_MARGIN_MS);
  try {
    await query;
  } finally {
    clearTimeout(backstop);
  }
}

function monthsBefore(day: string, months: number): string {
  const [y, m] = day.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - months;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}-01`;
}

export async function applyRetention(sql: Sql, plan: RetentionPlan, policy: RetentionPolicy): Promise<RetentionResult> {
  for (const month of plan.monthEndsToMaterialise) await materialiseMonthEnd(sql, month);
  const dropped: string[] = [];
  const busy: string[] = [];
  const conn = await sql.reserve();
  try {
    await conn.unsafe(`set lock_timeout = ${Math.floor(policy.lockTimeoutMs)}`);
    for (const table of plan.leftovers) {
      try {
        await withinLockTimeout(conn, `drop table if exists ${table}`, policy.lockTimeoutMs);
        dropped.push(table);
      } catch (error) {
        if (!isBusy(error)) throw error;
        busy.push(table);
      }
    }
    // PostgreSQL allows one pending detach per table: once a parent has a busy partition, its other
    // expired partitions wait for the next night too rather than fail.
    const busyParents = new Set<string>();
    for (const partition of plan.drop) {
      if (busyParents.has(partition.parent)) {
        busy.push(partition.name);
        continue;
      }
      try {
        const mode = partition.detachPending ? 'finalize' : 'concurrently';
        await withinLockTimeout(conn, `alter table ${partition.parent} detach partition ${partition.name} ${mode}`, policy.lockTimeoutMs);
        await withinLockTimeout(conn, `drop table ${partition.name}`, policy.lockTimeoutMs);
        dropped.push(partition.name);
      } catch (error) {
        if (!isBusy(error)) throw error;
        busy.push(partition.name);
        busyParents.add(partition.parent);
      }
    }
  } finally {
    conn.release();
  }
  // Small tables: rows, not partitions. Month-end bookkeeping follows its partitions; run history
  // goes after its own period, but never while a kept source-day still points at the run.
  const oldMonths = [...new Set(dropped.filter((n) => n.startsWith('rollup.month_end_devices_')).map((n) => `${n.slice(-6, -2)}-${n.slice(-2)}-01`))];
  for (const month of oldMonths) {
    await sql`delete from rollup.month_end_counts where month = ${month}::date`;
    await sql`delete from rollup.month_end_sites where month = ${month}::date`;
    await sql`delete from rollup.month_ends where month = ${month}::date`;
    // Its seal's per-device digests go with the rows; the chain link stays in ops.billing_months.
    await sql`delete from ops.billing_seals where month = ${month}::date`;
    await sql`delete from rollup.closed_month_changes where month = ${month}::date`;
  }
  await sql`delete from ops.source_days where snapshot_day < ${plan.sourceDaysBefore}::date`;
  await sql`delete from ops.exception_refreshes where refreshed_at < ${plan.runsBefore}::date`;
  await sql`delete from ops.sync_runs r where r.started_at < ${plan.runsBefore}::date
    and not exists (select 1 from ops.source_days sd where sd.run_id = r.run_id)`;
  return { plan, dropped, busy };
}
