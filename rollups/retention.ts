/**
 * Retention by dropping partitions: dailies (device days, patch status, daily counts, patch
 * exposure) 65 days, raw vendor pages 7 days, month-end rows 24 months, run history 24 months; all
 * configurable. Dropping costs what is dropped, never a scan or rewrite of what is kept.
 *
 * A day is never dropped before its month's month-end exists (retention materialises a missing one
 * first), and a month's month-end can only exist once the month has ended in the warehouse's time
 * zone: the dailies of the month in progress are kept whatever WAREHOUSE_RETENTION_DAILY_DAYS says
 * (reported as held), so a short window never materialises an unfinished month.
 *
 * A day goes whole or not at all: its partitions of every daily table, its ops.source_days rows and
 * its rollup.patch_exposure_days row, patch-scope aggregates (rollup.patch_site_instance_days), their
 * records (rollup.patch_scope_computed) and any latest-day device rows (rollup.patch_device_latest, a
 * source that stopped publishing) are detached, dropped and deleted in one transaction, after
 * taking every lock it needs without waiting (NOWAIT, retried until the lock timeout): a BI query is
 * never queued behind retention, and a day one of whose partitions a query holds stays entirely
 * readable, is recorded in ops.retention_pending_days (bi.collection_health lists it) and is tried
 * again next night. Raw pages and month-end partitions stand alone and are detached CONCURRENTLY
 * under the lock timeout.
 */
import type { Sql } from 'postgres';
import type { ConfigReader } from '../warehouse/config.js';
import { readKey } from '../warehouse/config-keys.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../warehouse/config-table.js';
import { PARTITION_NAME_PATTERN, dayPartition, dayPartitionSql, monthOfMonthPartition } from '../warehouse/partitions.js';
import { addDays, monthOf } from '../warehouse/time.js';
import { materialiseMonthEnd } from './month-end.js';
import { deleteRunsBefore } from '../warehouse/run/sync-runs.js';

export interface RetentionPolicy { dailyDays: number; rawDays: number; monthEndMonths: number; runMonths: number; lockTimeoutMs: number }

export function loadRetentionPolicy(reader: ConfigReader): RetentionPolicy {
  return {
    // A short window is allowed: planRetention keeps the month in progress regardless, which is all
    // billing needs of the dailies (its month-end, and the comparison with the last month-end).
    dailyDays: readKey(reader, KEY.retentionDailyDays),
    rawDays: readKey(reader, KEY.retentionRawDays),
    monthEndMonths: readKey(reader, KEY.retentionMonthEndMonths),
    runMonths: readKey(reader, KEY.retentionRunMonths),
    lockTimeoutMs: readKey(reader, KEY.retentionLockTimeout),
  };
}

const DAILY_PARENTS = ['core.device_days', 'core.patch_status', 'rollup.daily_counts', 'rollup.patch_exposure'];

export interface Partition { parent: string; name: string; bound: string; detachPending: boolean }
export interface RetentionPlan {
  today: string;
  /** Everything expired that goes; a daily partition always goes with its day's others (see applyRetention). */
  drop: Partition[];
  /**
   * Expired days kept because their month has not ended in the warehouse's time zone (or its
   * month-end could not be materialised): dropping them would leave a month without a month-end.
   */
  heldForMonthEnd: string[];
  /** Tables detached from their parent on an earlier night whose DROP then failed: nothing reads them. */
  leftovers: string[];
  monthEndsToMaterialise: string[];
  runsBefore: string;
  sourceDaysBefore: string;
}
export interface RetentionResult {
  plan: RetentionPlan;
  dropped: string[];
  /** Tables left for the next night: every daily partition of a pending day, and busy raw or month-end partitions. */
  busy: string[];
  /** Expired days kept whole because one of their partitions was busy (ops.retention_pending_days). */
  pendingDays: string[];
}

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
  const expiredDailies: Partition[] = [];
  for (const parent of DAILY_PARENTS) expiredDailies.push(...(await partitionsOf(sql, parent)).filter((p) => p.bound <= dailyCutoff));
  // The month of today has not ended, so it has no month-end and cannot get one yet.
  const ended = expiredDailies.filter((p) => monthOf(p.bound) < monthOf(today));
  const drop = [...ended];
  drop.push(...(await partitionsOf(sql, 'raw.pages')).filter((p) => p.bound <= rawCutoff));
  drop.push(...(await partitionsOf(sql, 'rollup.month_end_devices')).filter((p) => p.bound < monthCutoff));
  const heldForMonthEnd = daysOf(expiredDailies.filter((p) => !ended.includes(p)));
  // Months whose dailies go now: their month-end must exist first.
  const monthEndsToMaterialise = await monthsWithoutMonthEnd(sql, [...new Set(ended.map((p) => monthOf(p.bound)))]);
  return {
    today, drop, heldForMonthEnd, leftovers: await detachedLeftovers(sql), monthEndsToMaterialise,
    runsBefore: monthsBefore(today, policy.runMonths), sourceDaysBefore: addDays(dailyCutoff, 1),
  };
}

/** The distinct days of some daily partitions, in order. */
function daysOf(partitions: Partition[]): string[] {
  return [...new Set(partitions.map((p) => p.bound))].sort();
}

/** Of these months (YYYY-MM), those where a source instance with a published day has no month-end. */
async function monthsWithoutMonthEnd(sql: Sql, months: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const month of months) {
    const [row] = await sql<{ missing: number }[]>`
      select count(*)::int as missing from (select distinct source_instance_id from ops.source_days
        where to_char(snapshot_day, 'YYYY-MM') = ${month}) s
      where not exists (select 1 from rollup.month_ends me where me.month = ${`${month}-01`}::date and me.source_instance_id = s.source_instance_id)`;
    if ((row?.missing ?? 0) > 0) missing.push(month);
  }
  return missing;
}

/** Partitions (by their names) that are no longer attached to any parent: a detach that went through, a drop that did not. */
async function detachedLeftovers(sql: Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r'
      and (n.nspname || '.' || substring(c.relname from ${PARTITION_NAME_PATTERN}::text)) in ${sql([...DAILY_PARENTS, 'raw.pages', 'rollup.month_end_devices'])}
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
export async function withinLockTimeout(conn: Pick<Sql, 'unsafe'>, statement: string, lockTimeoutMs: number): Promise<void> {
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
  const dailies = plan.drop.filter((p) => DAILY_PARENTS.includes(p.parent));
  // Should a month-end still be missing (nothing to build it from), its month's dailies stay.
  const unmaterialised = await monthsWithoutMonthEnd(sql, [...new Set(dailies.map((p) => monthOf(p.bound)))]);
  const held = daysOf(dailies.filter((p) => unmaterialised.includes(monthOf(p.bound))));
  const days = daysOf(dailies).filter((day) => !held.includes(day));
  const dropped: string[] = [];
  const busy: string[] = [];
  const pending: PendingDay[] = [];
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
    for (const day of days) {
      // Once a day was busy, the query that held it most likely holds the next ones too: each later
      // day gets one try, so the night waits at most one lock timeout for all of them.
      const outcome = await dropDay(sql, conn, day, policy, pending.length === 0 ? policy.lockTimeoutMs : 0);
      if ('reason' in outcome) {
        pending.push({ day, reason: outcome.reason });
        busy.push(...outcome.tables);
      } else {
        dropped.push(...outcome.dropped);
      }
    }
    // PostgreSQL allows one pending detach per table: once a parent has a busy partition, its other
    // expired partitions wait for the next night too rather than fail.
    const busyParents = new Set<string>();
    for (const partition of plan.drop.filter((p) => !DAILY_PARENTS.includes(p.parent))) {
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
  await recordPendingDays(sql, pending);
  // Small tables: rows, not partitions. Month-end bookkeeping follows its partitions; run history
  // goes after its own period, but never while a kept source-day still points at the run.
  const oldMonths = [...new Set(dropped.filter((n) => n.startsWith('rollup.month_end_devices_')).map(monthOfMonthPartition))];
  for (const month of oldMonths) {
    await sql`delete from rollup.month_end_counts where month = ${month}::date`;
    await sql`delete from rollup.month_end_sites where month = ${month}::date`;
    await sql`delete from rollup.month_end_compliance where month = ${month}::date`;
    await sql`delete from rollup.month_ends where month = ${month}::date`;
    // Its seal's per-device digests go with the rows; the chain link stays in ops.billing_months.
    await sql`delete from ops.billing_seals where month = ${month}::date`;
    await sql`delete from rollup.closed_month_changes where month = ${month}::date`;
  }
  // A day's source-days go with it (dropDay); this sweeps expired ones whose tables are all gone
  // already (a day without partitions, or one an earlier version left half-dropped), never a day
  // still held or pending.
  await sql`delete from ops.source_days as sd where sd.snapshot_day < ${plan.sourceDaysBefore}::date
    and ${sql.unsafe(DAILY_PARENTS.map((parent) => `to_regclass(${dayPartitionSql(parent, 'sd.snapshot_day')}) is null`).join(' and '))}`;
  await sql`delete from rollup.patch_exposure_days as e where e.snapshot_day < ${plan.sourceDaysBefore}::date
    and to_regclass(${sql.unsafe(dayPartitionSql('rollup.patch_exposure', 'e.snapshot_day'))}) is null`;
  // Patch-scope aggregates of a day no longer held (its source-days are gone with it).
  await sql`delete from rollup.patch_site_instance_days as m where m.snapshot_day < ${plan.sourceDaysBefore}::date
    and not exists (select 1 from ops.source_days as sd where sd.snapshot_day = m.snapshot_day)`;
  await sql`delete from rollup.patch_scope_computed as c where c.snapshot_day < ${plan.sourceDaysBefore}::date
    and not exists (select 1 from ops.source_days as sd where sd.snapshot_day = c.snapshot_day)`;
  await sql`delete from ops.exception_refreshes where refreshed_at < ${plan.runsBefore}::date`;
  await deleteRunsBefore(sql, plan.runsBefore);
  return { plan: { ...plan, heldForMonthEnd: [...new Set([...plan.heldForMonthEnd, ...held])].sort() }, dropped, busy, pendingDays: pending.map((p) => p.day) };
}

interface PendingDay { day: string; reason: string }

/** ops.retention_pending_days is what this night left: a day no longer pending (dropped, or no longer expired) leaves it. */
async function recordPendingDays(sql: Sql, pending: PendingDay[]): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`delete from ops.retention_pending_days where snapshot_day <> all(${pending.map((p) => p.day)}::date[])`;
    for (const { day, reason } of pending) {
      await tx`insert into ops.retention_pending_days (snapshot_day, reason) values (${day}::date, ${reason})
        on conflict (snapshot_day) do update set reason = excluded.reason, last_tried_at = now()`;
    }
  });
}

type DayTable = { parent: string; name: string; state: 'attached' | 'detach pending' | 'detached' };

/** The day's tables of every daily parent that still exist, and whether each is still a partition. */
async function tablesOfDay(sql: Sql, day: string): Promise<DayTable[]> {
  const tables = DAILY_PARENTS.map((parent) => ({ parent, name: dayPartition(parent, day) }));
  const rows = await sql<{ name: string; pending: boolean | null }[]>`
    select t.name, i.inhdetachpending as pending
    from unnest(${tables.map((t) => t.name)}::text[]) with ordinality as t(name, n)
    left join pg_inherits as i on i.inhrelid = to_regclass(t.name)
    where to_regclass(t.name) is not null
    order by t.n`;
  return rows.map((r) => ({
    parent: tables.find((t) => t.name === r.name)?.parent as string,
    name: r.name,
    state: r.pending === null ? 'detached' : r.pending ? 'detach pending' : 'attached',
  }));
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One expired day, whole: every lock taken up front without waiting (a NOWAIT that fails queues
 * nothing, so readers are never blocked behind retention), then detach, drop and the day's
 * source-days in one transaction, which holds its exclusive locks only for that catalog work. A busy
 * table is retried until `patienceMs` has passed, then the day is left exactly as it was.
 */
async function dropDay(sql: Sql, conn: Sql, day: string, policy: RetentionPolicy, patienceMs: number): Promise<{ dropped: string[] } | { reason: string; tables: string[] }> {
  let tables = await tablesOfDay(sql, day);
  // Left by an earlier version's interrupted DETACH CONCURRENTLY: readers no longer see it, and only
  // FINALIZE (never inside a transaction) completes it.
  for (const table of tables.filter((t) => t.state === 'detach pending')) {
    try {
      await withinLockTimeout(conn, `alter table ${table.parent} detach partition ${table.name} finalize`, policy.lockTimeoutMs);
    } catch (error) {
      if (!isBusy(error)) throw error;
      return { reason: `${table.name} was busy: ${(error as Error).message}`, tables: tables.map((t) => t.name) };
    }
  }
  tables = await tablesOfDay(sql, day);
  const attached = tables.filter((t) => t.state === 'attached');
  const deadline = Date.now() + patienceMs;
  for (;;) {
    try {
      await sql.begin(async (tx) => {
        await tx.unsafe(`set local lock_timeout = ${Math.floor(policy.lockTimeoutMs)}`);
        // Detaching takes ACCESS EXCLUSIVE on the parent itself (ONLY: not on every partition of it).
        for (const parent of attached.map((t) => t.parent)) await tx.unsafe(`lock table only ${parent} in access exclusive mode nowait`);
        for (const table of tables) await tx.unsafe(`lock table ${table.name} in access exclusive mode nowait`);
        for (const table of attached) await withinLockTimeout(tx, `alter table ${table.parent} detach partition ${table.name}`, policy.lockTimeoutMs);
        for (const table of tables) await withinLockTimeout(tx, `drop table ${table.name}`, policy.lockTimeoutMs);
        await tx`delete from ops.source_days where snapshot_day = ${day}::date`;
        await tx`delete from rollup.patch_exposure_days where snapshot_day = ${day}::date`;
        // The day's patch-scope aggregates (not partitioned: a few rows per site) go with it.
        await tx`delete from rollup.patch_site_instance_days where snapshot_day = ${day}::date`;
        await tx`delete from rollup.patch_scope_computed where snapshot_day = ${day}::date`;
        await tx`delete from rollup.patch_device_latest where snapshot_day = ${day}::date`;
        await tx`delete from rollup.patch_device_latest_computed where snapshot_day = ${day}::date`;
      });
      return { dropped: tables.map((t) => t.name) };
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() >= deadline) return { reason: `busy: ${(error as Error).message}`, tables: tables.map((t) => t.name) };
      await pause(Math.min(100, Math.max(10, policy.lockTimeoutMs / 20)));
    }
  }
}
