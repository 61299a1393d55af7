/**
 * B1's findings rows: the nightly cross-vendor findings refresh on a night with 1 % churn, the
 * incremental refresh the nightly runs (warehouse/matching/exceptions.ts) and the full
 * re-judgement of the same night, each timed with its WAL.
 *
 * The night is the day after the last published one, every source's rows copied to it set-based
 * (as bench/history.ts builds its history), with a deterministic churn of 1 % of each source's
 * devices: a quarter absent, a quarter renamed (a new host name), a quarter with a new serial, a
 * quarter with a new MAC address.
 */
import type { Sql } from 'postgres';
import { refreshExceptions, type RefreshResult } from '../warehouse/matching/exceptions.js';
import { dayPartition } from '../warehouse/partitions.js';
import { addDays } from '../warehouse/time.js';
import { withWal } from './measure.js';

export interface FindingsRun { ms: number; wal: number; result: RefreshResult }

export async function timedRefresh(sql: Sql, full: boolean): Promise<FindingsRun> {
  const { ms, wal, value } = await withWal(sql, () => refreshExceptions(sql, { full }));
  return { ms, wal, result: value };
}

/** Which devices churn, and how: one in 100 by device id (a different one each day of the month), in four kinds by the next digits. */
const churns = (day: string): string => `dd.device_id % 100 = ${37 + Number(day.slice(8, 10))}`;

/** Publish (set-based) the day after `day` for every source that published `day`, with 1 % churn. Returns the new day. */
export async function churnNight(sql: Sql, day: string): Promise<{ day: string; churned: number }> {
  const next = addDays(day, 1);
  const CHURNS = churns(next);
  const kind = (k: number): string => `(${CHURNS} and (dd.device_id / 100) % 4 = ${k})`;
  const columns = await sql<{ name: string }[]>`
    select column_name as name from information_schema.columns
    where table_schema = 'core' and table_name = 'device_days' order by ordinal_position`;
  const runColumns = (await sql<{ name: string }[]>`
    select column_name as name from information_schema.columns
    where table_schema = 'ops' and table_name = 'sync_runs' and column_name <> 'run_id' order by ordinal_position`).map((c) => c.name);
  const list = columns.map(({ name }) => {
    if (name === 'snapshot_day') return `'${next}'::date`;
    if (name === 'run_id') return 'm.run_id';
    if (name === 'hostname') return `case when ${kind(1)} then coalesce(dd.hostname, 'host') || '-renamed' else dd.hostname end`;
    if (name === 'serial_number') return `case when ${kind(2)} then 'SN-CHURN-' || dd.device_id else dd.serial_number end`;
    if (name === 'mac_addresses') return `case when ${kind(3)} then array['02:00:' || lpad(to_hex(dd.device_id % 65536), 4, '0') || ':00:00:01'] else dd.mac_addresses end`;
    return `dd.${name}`;
  }).join(', ');
  let churned = 0;
  await sql.begin(async (tx) => {
    await tx`select core.ensure_partitions(${next}::date)`;
    await tx.unsafe(`create temporary table night_runs on commit drop as
      with copied as (
        insert into ops.sync_runs (${runColumns.join(', ')})
        select ${runColumns.join(', ')} from ops.sync_runs
        where run_id in (select run_id from ops.source_days where snapshot_day = $1::date)
        returning run_id, source_instance_id)
      select * from copied`, [day]);
    await tx.unsafe(`
      insert into ${dayPartition('core.device_days', next)} (${columns.map((c) => c.name).join(', ')})
      select ${list} from ${dayPartition('core.device_days', day)} as dd join night_runs as m using (source_instance_id)
      where not ${kind(0)}`);
    await tx.unsafe(`
      insert into ops.source_days (source_instance_id, snapshot_day, run_id, published_at, device_count, patch_status_count, is_complete)
      select m.source_instance_id, '${next}'::date, m.run_id, now(),
        (select count(*) from ${dayPartition('core.device_days', next)} as dd where dd.source_instance_id = m.source_instance_id), 0, true
      from night_runs as m`);
    // The publish marks the aliases it listed as seen that day (staging.site_sources reads it).
    await tx`update core.site_aliases set last_seen_on = ${next}::date where last_seen_on = ${day}::date
      and source_instance_id in (select source_instance_id from night_runs)`;
    const [n] = await tx.unsafe<{ n: number }[]>(`select count(*)::int as n from ${dayPartition('core.device_days', day)} as dd where ${CHURNS}`);
    churned = n?.n ?? 0;
  });
  await sql.unsafe(`analyze ${dayPartition('core.device_days', next)} (site_id, snapshot_day, device_id, source_instance_id, alias_id, device_class, is_spare)`);
  return { day: next, churned };
}

/**
 * Take the churn night back out (its rows, runs and source-days; the aliases' last day seen), so the
 * rows measured after B1 see the warehouse they always did. The findings keep the night (nothing
 * after B1 reads them).
 */
export async function dropNight(sql: Sql, night: string, day: string): Promise<void> {
  await sql.begin(async (tx) => {
    const runs = await tx<{ id: string }[]>`delete from ops.source_days where snapshot_day = ${night}::date returning run_id::text as id`;
    await tx`delete from ops.sync_runs where run_id = any(${runs.map((r) => r.id)}::bigint[])`;
    await tx.unsafe(`truncate ${dayPartition('core.device_days', night)}`);
    await tx`update core.site_aliases set last_seen_on = ${day}::date where last_seen_on = ${night}::date`;
  });
}

export interface FindingsNight { day: string; churned: number; incremental: FindingsRun; full: FindingsRun }

/** The churn night, its incremental refresh, the full re-judgement of the same night, and the night taken out again. */
export async function findingsNight(sql: Sql, day: string, settle: () => Promise<unknown>): Promise<FindingsNight> {
  const night = await churnNight(sql, day);
  await settle();
  const incremental = await timedRefresh(sql, false);
  await settle();
  const full = await timedRefresh(sql, true);
  await dropNight(sql, night.day, day);
  return { ...night, incremental, full };
}

