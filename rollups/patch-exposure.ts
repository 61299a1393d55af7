/**
 * Patch exposure, materialised by the rollup (issue 23): rollup.patch_exposure holds, for each day,
 * every device's state as of that day, computed from the day before's state and the day's
 * core.patch_status rows, so staging.patch_exposure reads one partition instead of windowing over
 * every device's whole history on every read.
 *
 * The definition is the window one it replaces: a run is the consecutive patch status rows of a
 * device with missing critical patches (days without a row bridge; a day with none missing or an
 * unknown count ends it), exposed since the run's first row, a lower bound when that row is the
 * device's first observed one. Carried day by day, a device's state is: its latest status day up to
 * this day, since when its latest row's run has lasted (null: not exposed), its first observed day.
 *
 * Days are computed in order, each in its own transaction. A day is owed a recompute when it was
 * never computed, a source-day of it was published since (a re-run, a back-fill), or the day before
 * it was computed after it; the rollup recomputes from the earliest day it rolls up or owes, through
 * the latest published day, so the result is always what the definition gives over the rows, and an
 * interrupted pass leaves its later days owed. A day whose state is unchanged writes no row.
 *
 * Retention (the one difference from the window over the retained rows, chosen on purpose): a
 * device's state carries its run's true first day and its first observed day past the days
 * retention drops, where the window would restart both at the first retained day. A device not
 * observed since before the first retained day is forgotten (it starts anew when it returns), so the
 * carried states stay bounded by the devices of the retained days.
 */
import type { Sql, TransactionSql } from 'postgres';
import { lockMonth } from '../warehouse/billing/months.js';
import { dayPartition } from '../warehouse/partitions.js';

export interface ExposureResult {
  /** The days (re)computed, in order. */
  days: string[];
  /** Rows written: deleted plus inserted (0 for a re-run of unchanged days). */
  rows: number;
}

/**
 * The published days to (re)compute for a rollup of `days`, in order: every published day from the
 * earliest of `days` and of the days owed a recompute, through the latest published day.
 */
export async function exposureDaysFrom(sql: Sql, days: string[]): Promise<string[]> {
  const [owed] = await sql<{ day: string | null }[]>`
    with published as (
      select sd.snapshot_day, max(sd.published_at) as published_at from ops.source_days as sd group by sd.snapshot_day
    ),
    judged as (
      select p.snapshot_day, p.published_at, e.computed_at,
        lag(e.computed_at) over (order by p.snapshot_day) as previous_computed_at,
        row_number() over (order by p.snapshot_day) as n
      from published as p
      left join rollup.patch_exposure_days as e on e.snapshot_day = p.snapshot_day
    )
    select min(j.snapshot_day)::text as day from judged as j
    where j.computed_at is null or j.computed_at < j.published_at or (j.n > 1 and (j.previous_computed_at is null or j.computed_at < j.previous_computed_at))`;
  const starts = [...days, ...(owed?.day ? [owed.day] : [])].sort();
  if (starts.length === 0) return [];
  const rows = await sql<{ day: string }[]>`
    select distinct sd.snapshot_day::text as day from ops.source_days as sd where sd.snapshot_day >= ${starts[0] as string}::date order by 1`;
  return rows.map((r) => r.day);
}

/** Each device's state on `day`, from the previous computed day's and the day's patch status rows. */
function stateOf(tx: TransactionSql, day: string, previous: string | null, firstRetained: string) {
  return tx`
    select coalesce(c.site_id, p.site_id) as site_id, coalesce(c.device_id, p.device_id) as device_id,
      coalesce(c.snapshot_day, p.status_day) as status_day,
      case
        when c.device_id is null then p.exposed_since
        -- the device's latest earlier row decides: exposed, the run goes on; otherwise one starts today
        when c.missing_critical > 0 then coalesce(p.exposed_since, c.snapshot_day)
      end as exposed_since,
      coalesce(p.first_observed_day, c.snapshot_day) as first_observed_day
    from (
      -- one row per device (a device has one site a day; distinct on only guards the merge)
      select distinct on (ps.device_id) ps.site_id, ps.snapshot_day, ps.device_id, ps.missing_critical
      from core.patch_status as ps where ps.snapshot_day = ${day}::date
      order by ps.device_id, ps.site_id
    ) as c
    full join (
      -- a device not observed since before the first retained day is forgotten: it starts anew
      select pe.* from rollup.patch_exposure as pe where pe.snapshot_day = ${previous}::date and pe.status_day >= ${firstRetained}::date
    ) as p on p.device_id = c.device_id`;
}

/** Compute one day's states, writing only what changed; returns the rows written. */
export async function computeExposureDay(sql: Sql, day: string): Promise<number> {
  const written = await sql.begin(async (tx) => {
    // As for the daily counts: no publish into the month is in flight, so every source-day published
    // before computed_at below is in this day's states.
    await lockMonth(tx, day, 'exclusive');
    await tx`select core.ensure_partitions(${day}::date)`;
    const [bounds] = await tx<{ previous: string | null; first: string | null }[]>`
      select (select max(e.snapshot_day)::text from rollup.patch_exposure_days as e where e.snapshot_day < ${day}::date) as previous,
        (select min(sd.snapshot_day)::text from ops.source_days as sd) as first`;
    const previous = bounds?.previous ?? null;
    const firstRetained = bounds?.first ?? day;
    // Rows that are gone or differ go; then the new ones that are not there yet (unchanged ones stay).
    const deleted = await tx`
      delete from rollup.patch_exposure as pe
      where pe.snapshot_day = ${day}::date
        and not exists (
          select 1 from (${stateOf(tx, day, previous, firstRetained)}) as n
          where n.device_id = pe.device_id and n.site_id = pe.site_id and n.status_day = pe.status_day
            and n.exposed_since is not distinct from pe.exposed_since and n.first_observed_day = pe.first_observed_day)`;
    const inserted = await tx`
      insert into rollup.patch_exposure (site_id, snapshot_day, device_id, status_day, exposed_since, first_observed_day)
      select n.site_id, ${day}::date, n.device_id, n.status_day, n.exposed_since, n.first_observed_day
      from (${stateOf(tx, day, previous, firstRetained)}) as n
      on conflict (site_id, snapshot_day, device_id) do nothing`;
    await tx`
      insert into rollup.patch_exposure_days (snapshot_day, computed_at, devices)
      values (${day}::date, clock_timestamp(), (select count(*)::int from rollup.patch_exposure as pe where pe.snapshot_day = ${day}::date))
      on conflict (snapshot_day) do update set computed_at = excluded.computed_at, devices = excluded.devices`;
    return deleted.count + inserted.count;
  });
  // Planner statistics for the readers' joins (the partition was empty or other rows until now).
  if (written > 0) await sql.unsafe(`analyze ${dayPartition('rollup.patch_exposure', day)}`);
  return written;
}

/** The rollup's step: the days `days` make owed, and those owed already, in order. */
export async function rollupPatchExposure(sql: Sql, days: string[], onDay?: (done: number, total: number) => void): Promise<ExposureResult> {
  const todo = await exposureDaysFrom(sql, days);
  let rows = 0;
  for (const [index, day] of todo.entries()) {
    onDay?.(index, todo.length);
    rows += await computeExposureDay(sql, day);
  }
  return { days: todo, rows };
}
