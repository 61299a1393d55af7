/**
 * Prometheus text-file metrics for node_exporter's textfile collector (WAREHOUSE_METRICS_FILE, e.g.
 * /var/lib/prometheus/node-exporter/warehouse.prom). Rendered from ops.sync_runs and
 * bi.collection_health after each run, so the file always describes every source, not only the one
 * that just ran. Freshness is exported as a timestamp, not an age: the file may be read hours after it
 * was written, and `time() - warehouse_last_success_timestamp_seconds` stays right.
 * The file is replaced atomically (temp file in the same directory + rename): node_exporter never
 * reads a half-written file.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openDatabase, type Sql } from './db.js';
import { ALERT_CONDITIONS } from './schema/alerts.js';

export interface SourceMetrics {
  source: string;
  instance: string;
  lastRunAt: Date | null;
  lastRunStatus: string | null;
  lastRunExitCode: number | null;
  lastRunDurationMs: number | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  rowsDevices: number | null;
  rowsPatchStatus: number | null;
  runsByStatus: Record<string, number>;
  durationSecondsSum: number;
  runsFinished: number;
}

export async function collectMetrics(sql: Sql): Promise<SourceMetrics[]> {
  const rows = await sql<Array<Omit<SourceMetrics, 'runsByStatus'> & { runsByStatus: Record<string, number> | null }>>`
    with last_run as (
      select distinct on (r.source_instance_id) r.source_instance_id, r.duration_ms, r.rows_patch_status
      from ops.sync_runs as r
      order by r.source_instance_id, r.started_at desc, r.run_id desc
    ),
    by_status as (
      select s.source_instance_id, jsonb_object_agg(s.status, s.runs) as runs
      from (select source_instance_id, status, count(*)::int as runs from ops.sync_runs group by 1, 2) as s
      group by s.source_instance_id
    ),
    durations as (
      select source_instance_id, coalesce(sum(duration_ms), 0)::float8 / 1000.0 as seconds, count(duration_ms)::int as finished
      from ops.sync_runs group by source_instance_id
    )
    select h.source, h.instance, h.last_run_at as "lastRunAt", h.last_run_status as "lastRunStatus",
           h.last_run_exit_code as "lastRunExitCode", lr.duration_ms as "lastRunDurationMs",
           h.last_success_at as "lastSuccessAt", h.consecutive_failures::int as "consecutiveFailures",
           h.rows as "rowsDevices", ls.rows_patch_status as "rowsPatchStatus",
           bs.runs as "runsByStatus", coalesce(d.seconds, 0) as "durationSecondsSum", coalesce(d.finished, 0) as "runsFinished"
    from bi.collection_health as h
    inner join ops.source_instances as si on si.source = h.source and si.instance = h.instance
    left join last_run as lr on lr.source_instance_id = si.source_instance_id
    left join lateral (
      select r.rows_patch_status from ops.sync_runs as r
      where r.source_instance_id = si.source_instance_id and r.status in ('succeeded', 'partial')
      order by r.started_at desc, r.run_id desc limit 1
    ) as ls on true
    left join by_status as bs on bs.source_instance_id = si.source_instance_id
    left join durations as d on d.source_instance_id = si.source_instance_id
    order by h.source, h.instance`;
  return rows.map((r) => ({ ...r, runsByStatus: r.runsByStatus ?? {} }));
}

/** Open alerts per condition (every condition, 0 included) and those owed a notification; null before the alerts migration. */
export interface AlertMetrics { open: Record<string, number>; unnotified: Record<string, number> }

export async function collectAlertMetrics(sql: Sql): Promise<AlertMetrics | null> {
  const [has] = await sql<{ table: boolean }[]>`select to_regclass('ops.alerts') is not null as table`;
  if (!has?.table) return null;
  const rows = await sql<{ condition: string; open: number; unnotified: number }[]>`
    select condition, count(*)::int as open, count(*) filter (where notified_at is null)::int as unnotified
    from ops.alerts where status = 'open' group by condition`;
  const zero = () => Object.fromEntries(ALERT_CONDITIONS.map((c) => [c, 0])) as Record<string, number>;
  const metrics: AlertMetrics = { open: zero(), unnotified: zero() };
  for (const r of rows) {
    metrics.open[r.condition] = r.open;
    metrics.unnotified[r.condition] = r.unnotified;
  }
  return metrics;
}

const RUN_STATUSES = ['succeeded', 'partial', 'failed', 'refused', 'running'];

function label(value: string): string {
  return value.replace(/\\/gu, '\\\\').replace(/"/gu, '\\"').replace(/\n/gu, '\\n');
}

const seconds = (d: Date | null): number | null => (d === null ? null : d.getTime() / 1000);

/** The text exposition format: HELP and TYPE once per family, one sample per source instance. */
export function renderMetrics(sources: SourceMetrics[], now: Date = new Date(), alerts: AlertMetrics | null = null): string {
  const lines: string[] = [];
  const family = (name: string, type: 'gauge' | 'counter', help: string, samples: Array<[Record<string, string>, number | null]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      if (value === null || !Number.isFinite(value)) continue;
      const text = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(',');
      lines.push(`${name}{${text}} ${value}`);
    }
  };
  const per = (pick: (s: SourceMetrics) => number | null) => sources.map((s): [Record<string, string>, number | null] => [{ source: s.source, instance: s.instance }, pick(s)]);
  family('warehouse_last_run_timestamp_seconds', 'gauge', 'When the most recent run of the source started (Unix time).', per((s) => seconds(s.lastRunAt)));
  family('warehouse_last_run_success', 'gauge', '1 when the most recent run succeeded or published partially, 0 when it failed or was refused.',
    per((s) => (s.lastRunStatus === null || s.lastRunStatus === 'running' ? null : s.lastRunStatus === 'succeeded' || s.lastRunStatus === 'partial' ? 1 : 0)));
  family('warehouse_last_run_exit_code', 'gauge', 'Exit code of the most recent finished run (README, exit codes).', per((s) => s.lastRunExitCode));
  family('warehouse_last_run_duration_seconds', 'gauge', 'Duration of the most recent run.', per((s) => (s.lastRunDurationMs === null ? null : s.lastRunDurationMs / 1000)));
  family('warehouse_last_success_timestamp_seconds', 'gauge', 'When the last successful run finished (Unix time); alert on time() minus this.', per((s) => seconds(s.lastSuccessAt)));
  family('warehouse_consecutive_failures', 'gauge', 'Failed or refused runs since the last success.', per((s) => s.consecutiveFailures));
  family('warehouse_last_success_rows', 'gauge', 'Rows published by the last successful run, by kind.', sources.flatMap((s): Array<[Record<string, string>, number | null]> => [
    [{ source: s.source, instance: s.instance, kind: 'devices' }, s.rowsDevices],
    [{ source: s.source, instance: s.instance, kind: 'patch_status' }, s.rowsPatchStatus],
  ]));
  family('warehouse_runs_total', 'counter', 'Runs recorded in ops.sync_runs, by outcome (run history is kept 24 months).', sources.flatMap((s) =>
    RUN_STATUSES.map((status): [Record<string, string>, number | null] => [{ source: s.source, instance: s.instance, status }, s.runsByStatus[status] ?? 0])));
  family('warehouse_run_duration_seconds_total', 'counter', 'Total duration of the recorded finished runs.', per((s) => s.durationSecondsSum));
  family('warehouse_runs_finished_total', 'counter', 'Recorded runs with a duration (the count for averaging the total above).', per((s) => s.runsFinished));
  if (alerts !== null) {
    const byCondition = (counts: Record<string, number>) => Object.entries(counts).map(([condition, n]): [Record<string, string>, number | null] => [{ condition }, n]);
    family('warehouse_alerts_open', 'gauge', 'Open alerts by condition (bi.alerts; thresholds in core.alert_conditions).', byCondition(alerts.open));
    family('warehouse_alerts_unnotified', 'gauge', 'Open alerts WAREHOUSE_NOTIFY_COMMAND has not taken yet (not set, or failing), by condition.', byCondition(alerts.unnotified));
  }
  lines.push('# HELP warehouse_metrics_generated_timestamp_seconds When this file was written (Unix time).',
    '# TYPE warehouse_metrics_generated_timestamp_seconds gauge', `warehouse_metrics_generated_timestamp_seconds ${now.getTime() / 1000}`);
  return `${lines.join('\n')}\n`;
}

/** Replace the file atomically: a reader sees the old file or the new one, never a partial one. */
export async function writeFileAtomically(file: string, content: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, content, { mode: 0o644 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Render every source's metrics and write them to `file`. */
export async function writeMetrics(sql: Sql, file: string, now?: Date): Promise<void> {
  await writeFileAtomically(file, renderMetrics(await collectMetrics(sql), now, await collectAlertMetrics(sql)));
}

/** The one call after a run: open, write, close. */
export async function writeMetricsFile(url: string, file: string): Promise<void> {
  const { sql, close } = openDatabase(url, { applicationName: 'warehouse:metrics', max: 1 });
  try {
    await writeMetrics(sql, file);
  } finally {
    await close();
  }
}
