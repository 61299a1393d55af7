/**
 * A warehouse with history, for the rows that read days, months and trends (B6 workbook and alerts,
 * B7 dashboard, B8 bi views). In a second scratch database on the same server, so B1-B5's small
 * warehouse (and B5's 24 generated month-ends) stays as it was:
 *
 * 1. the last day is published for real by every source (runCollect with the synthetic fleet, as B1);
 * 2. each earlier day is a copy of it, set-based: the day's partitions made by the warehouse's own
 *    core.ensure_partitions, one ops.sync_runs and ops.source_days row per source-day (the copy of the
 *    real run, dated that day), then INSERT ... SELECT of the real day's device and patch rows, every
 *    time shifted to the day, with a small deterministic churn so trends move: 2.5 % of devices absent
 *    on any day (a different 2.5 % each day: as many added as removed from one day to the next), 1 %
 *    of the estate added over the history (absent before its day), one in ten patch rows changing
 *    state per day and missing critical patches decreasing towards the last day;
 * 3. the real nightly rollup over every day (rollups/run.ts nightlyRollup: the nightly ANALYZE of each
 *    day, daily counts per day, month-ends of every ended month with their compliance evidence, the
 *    cross-vendor findings).
 *
 * What the copy cannot give: PMP's own summaries and DB-update history (the synthetic fleet has none),
 * so bi.pmp_summary_trend is empty here.
 */
import type { Sql } from 'postgres';
import { migrate } from '../warehouse/migrate.js';
import { silentLogger } from '../warehouse/log.js';
import { dayPartition } from '../warehouse/partitions.js';
import { addDays } from '../warehouse/time.js';
import { nightlyRollup } from '../rollups/run.js';
import { publishFleet } from './b1-publish.js';
import { scratchDatabase, type BenchDatabase } from './database.js';
import { buildFleet } from './fleet.js';
import { timed } from './measure.js';

/** The history's last day (its "today"): early in a month, so even a short history crosses a month-end. */
export const HISTORY_END = '2026-03-05';

export interface HistoryRun {
  days: string[];
  end: string;
  /** Months whose month-end the nightly materialised (YYYY-MM). */
  months: string[];
  publishMs: number;
  replicateMs: number;
  rollupMs: number;
  deviceDays: number;
  patchRows: number;
  openFindings: number;
}

export async function openHistoryDatabase(serverUrl: string, keep: boolean): Promise<BenchDatabase> {
  const db = await scratchDatabase(serverUrl, keep);
  await migrate(db.url, silentLogger);
  return db;
}

/** Is device `device_id` listed `i` days before the last day? (SQL over `device_id`, `$i` and `$h` inlined.) */
function presentOn(i: number, h: number): string {
  // A rotating 2.5 % absent, and 1 % of devices (id % 100 = 7) that joined on day index (id / 100) % h.
  return `(device_id % 40 <> ${i % 40} and not (device_id % 100 = 7 and (device_id / 100) % ${h} < ${i}))`;
}

interface Column { name: string; type: string }

async function columnsOf(sql: Sql, table: string): Promise<Column[]> {
  const [schema, name] = table.split('.') as [string, string];
  return sql<Column[]>`
    select column_name as name, data_type as type from information_schema.columns
    where table_schema = ${schema} and table_name = ${name} order by ordinal_position`;
}

/** The select list copying `columns` to `i` days earlier: the day, the day's run, times shifted; `overrides` by column. */
function copyList(columns: Column[], i: number, day: string, overrides: Record<string, string> = {}): string {
  return columns.map(({ name, type }) => {
    if (overrides[name] !== undefined) return overrides[name];
    if (name === 'snapshot_day') return `'${day}'::date`;
    if (name === 'run_id') return 'm.run_id';
    if (type === 'timestamp with time zone') return `${name} - interval '${i} days'`;
    return name;
  }).join(', ');
}

export async function buildHistory(sql: Sql, url: string, devices: number, historyDays: number): Promise<HistoryRun> {
  const end = HISTORY_END;
  const days = Array.from({ length: historyDays }, (_, k) => addDays(end, k - historyDays + 1));
  const published = await timed(async () => {
    // ninjaone first: its organisations create the sites the others' aliases map to.
    for (const source of ['ninjaone', 'threatlocker', 'pmp'] as const) {
      await publishFleet(sql, url, source, buildFleet(source, devices, addDays(end, -1)), end);
    }
  });
  const replicated = await timed(() => replicate(sql, end, historyDays));
  const rolled = await timed(() => nightlyRollup(sql, days, { today: end }));
  const [counts] = await sql<{ devices: number; patches: number }[]>`
    select (select count(*)::int from core.device_days) as devices, (select count(*)::int from core.patch_status) as patches`;
  return {
    days, end, months: rolled.value.months.filter((m) => !m.skippedClosed).map((m) => m.month),
    publishMs: published.ms, replicateMs: replicated.ms, rollupMs: rolled.ms,
    deviceDays: counts?.devices ?? 0, patchRows: counts?.patches ?? 0, openFindings: rolled.value.findings.open,
  };
}

async function replicate(sql: Sql, end: string, h: number): Promise<void> {
  const runColumns = (await columnsOf(sql, 'ops.sync_runs')).filter((c) => c.name !== 'run_id');
  const deviceColumns = await columnsOf(sql, 'core.device_days');
  const patchColumns = await columnsOf(sql, 'core.patch_status');
  const realRuns = await sql<{ run_id: string }[]>`select run_id::text from ops.source_days where snapshot_day = ${end}`;
  const runIds = realRuns.map((r) => r.run_id);
  const fromDevices = dayPartition('core.device_days', end);
  const fromPatches = dayPartition('core.patch_status', end);
  for (let i = 1; i < h; i += 1) {
    const day = addDays(end, -i);
    await sql.begin(async (tx) => {
      await tx`select core.ensure_partitions(${day}::date)`;
      // The day's runs: copies of the real ones, dated that day (bi.collection_health still sees the real last run).
      await tx.unsafe(`create temporary table day_runs on commit drop as
        with copied as (
          insert into ops.sync_runs (${runColumns.map((c) => c.name).join(', ')})
          select ${copyList(runColumns, i, day, { details: 'details' })} from ops.sync_runs where run_id = any($1::bigint[])
          returning run_id, source_instance_id)
        select * from copied`, [runIds]);
      const present = presentOn(i, h);
      await tx.unsafe(`
        insert into ${dayPartition('core.device_days', day)} (${deviceColumns.map((c) => c.name).join(', ')})
        select ${copyList(deviceColumns, i, day)}
        from ${fromDevices} as dd join day_runs as m using (source_instance_id)
        where ${present}`);
      // Patching improves towards the last day (one more missing critical patch on the days before a
      // device's turn), and one patch row in ten changes state each day.
      await tx.unsafe(`
        insert into ${dayPartition('core.patch_status', day)} (${patchColumns.map((c) => c.name).join(', ')})
        select ${copyList(patchColumns, i, day, {
          missing_critical: `case when (device_id + ${i}) % 10 = 0 then 0 else missing_critical + (device_id % ${h} < ${i})::int end`,
          missing_important: `case when (device_id + ${i}) % 10 = 5 then (missing_important + ${i}) % 6 else missing_important end`,
        })}
        from ${fromPatches} as ps join day_runs as m using (source_instance_id)
        where ${present}`);
      await tx.unsafe(`
        insert into ops.source_days (source_instance_id, snapshot_day, run_id, published_at, device_count, patch_status_count, is_complete)
        select m.source_instance_id, '${day}'::date, m.run_id, now(),
          (select count(*) from ${dayPartition('core.device_days', day)} as dd where dd.source_instance_id = m.source_instance_id),
          (select count(*) from ${dayPartition('core.patch_status', day)} as ps where ps.source_instance_id = m.source_instance_id),
          true
        from day_runs as m`);
    });
  }
  // When the warehouse first saw each device: its earliest day in the history.
  await sql`
    update core.devices as d set first_seen_on = f.first_day
    from (select device_id, min(snapshot_day) as first_day from core.device_days group by device_id) as f
    where f.device_id = d.device_id and d.first_seen_on <> f.first_day`;
}
