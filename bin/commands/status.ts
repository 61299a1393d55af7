/**
 * `warehouse status`: one line per source instance, for a person and for monitoring. Exit 7 (the
 * "vendor unavailable" code, which is what stale data means to whoever calls it) when any source's
 * last success is older than WAREHOUSE_STALE_HOURS or it never succeeded, or nothing was ever
 * collected; 0 otherwise. With WAREHOUSE_METRICS_FILE set it also refreshes the Prometheus file,
 * so a monitoring timer that calls status keeps the freshness metrics current.
 */
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../../warehouse/config-table.js';
import { openDatabase, asDatabaseError, type Sql } from '../../warehouse/db.js';
import { EXIT, WarehouseError } from '../../warehouse/errors.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { writeMetrics } from '../../warehouse/metrics.js';
import { openAlerts, type OpenAlert } from '../../warehouse/alerts/evaluate.js';
import { alertJson, alertsTable } from './alerts.js';
import { parse } from '../args.js';
import { withDatabase } from '../database.js';
import { renderTable, shorten } from '../table.js';
import type { Verb } from '../verbs.js';

export interface HealthRow {
  source: string; instance: string; last_success_at: Date | null; rows: number | null;
  /** Exact hours since the last success (the view's age_hours is rounded to one decimal). */
  age_hours: number | null;
  last_run_status: string | null; last_error: string | null; consecutive_failures: number; open_exceptions: number | null;
}

/** Open findings per source instance (core.exceptions.source_instance_id), and all open findings. */
async function openExceptions(sql: Sql): Promise<{ bySource: Map<string, number>; total: number } | undefined> {
  const [has] = await sql<{ table: boolean; column: boolean }[]>`
    select to_regclass('core.exceptions') is not null as table,
           exists (select 1 from information_schema.columns where table_schema = 'core' and table_name = 'exceptions' and column_name = 'source_instance_id') as column`;
  if (!has?.table) return undefined;
  const perSource = has.column
    ? await sql<{ key: string; n: number }[]>`
        select si.source || '/' || si.instance as key, count(*)::int as n
        from core.exceptions as e inner join ops.source_instances as si on si.source_instance_id = e.source_instance_id
        where e.status = 'open' group by si.source, si.instance`
    : [];
  const [total] = await sql<{ n: number }[]>`select count(*)::int as n from core.exceptions where status = 'open'`;
  return { bySource: new Map(perSource.map((r) => [r.key, r.n])), total: total?.n ?? 0 };
}

/** The open alerts as the last evaluation left them; undefined before the alerts migration. */
async function currentAlerts(sql: Sql): Promise<OpenAlert[] | undefined> {
  const [has] = await sql<{ table: boolean }[]>`select to_regclass('ops.alerts') is not null as table`;
  return has?.table ? openAlerts(sql) : undefined;
}

export function isStale(row: Pick<HealthRow, 'age_hours'>, staleAfterHours: number): boolean {
  return row.age_hours === null || row.age_hours > staleAfterHours;
}

const label = (r: Pick<HealthRow, 'source' | 'instance'>) => (r.instance === 'default' ? r.source : `${r.source}/${r.instance}`);

export function renderStatus(rows: HealthRow[], staleAfterHours: number, timeZone = 'UTC'): string {
  return renderTable(rows.map((r) => ({
    source: label(r),
    state: isStale(r, staleAfterHours) ? 'STALE' : 'ok',
    [`last success (${timeZone})`]: r.last_success_at,
    'age (h)': r.age_hours === null ? null : Math.round(r.age_hours * 10) / 10,
    rows: r.rows,
    'last run': r.last_run_status,
    failures: r.consecutive_failures,
    'open exceptions': r.open_exceptions,
    'last error': r.last_error === null ? null : shorten(r.last_error.split('\n')[0] ?? '', 80),
  })), { timeZone });
}

/** The same facts for monitoring scripts: one JSON document, instants in ISO 8601 UTC. */
export function statusJson(rows: HealthRow[], staleAfterHours: number, openTotal: number | null, alerts: OpenAlert[] | null = null): string {
  const sources = rows.map((r) => ({
    source: r.source, instance: r.instance, stale: isStale(r, staleAfterHours),
    lastSuccessAt: r.last_success_at?.toISOString() ?? null,
    ageHours: r.age_hours === null ? null : Math.round(r.age_hours * 100) / 100,
    rows: r.rows, lastRunStatus: r.last_run_status, consecutiveFailures: r.consecutive_failures,
    openExceptions: r.open_exceptions, lastError: r.last_error,
  }));
  const ok = rows.length > 0 && sources.every((s) => !s.stale);
  return `${JSON.stringify({ ok, staleAfterHours, sources, openExceptions: openTotal, alerts: alerts === null ? null : alerts.map(alertJson) })}\n`;
}

export const statusCommand: Verb = {
  summary: 'Freshness, last run and open exceptions per source; non-zero exit when stale',
  help: `usage: warehouse status [--json]

One line per source instance: fresh or STALE, last success (in WAREHOUSE_TIMEZONE), its age in hours, devices published
by it, the last run's outcome, consecutive failures since the last success, open cross-vendor
exceptions about the source, and the last error; then the open alerts.
Exit codes, for monitoring: 0 every source succeeded within ${KEY.staleHours.name} (default ${KEY.staleHours.default});
7 a source is older than that or never succeeded, or nothing was ever collected; 8 the database is
unreachable. With WAREHOUSE_METRICS_FILE set, also rewrites the Prometheus text file.
--json prints one document instead: {"ok", "staleAfterHours", "sources": [{source, instance, stale,
lastSuccessAt (ISO 8601 UTC), ageHours, rows, lastRunStatus, consecutiveFailures, openExceptions,
lastError}], "openExceptions", "alerts": [{alertId, condition, subject, detail, value, threshold,
firstSeenOn, lastSeenOn, notified}] (the open alerts as the last evaluation left them, see
\`warehouse alerts --help\`)}, with the same exit code. Open alerts are shown, not judged: they never
change the exit code.`,
  async run(argv) {
    const { values } = parse('status', argv, { json: { type: 'boolean' } });
    const config = loadWarehouseConfig(process.env);
    const { rows, openTotal, alerts } = await withDatabase(config, async (url) => {
      const { sql, close } = openDatabase(url, { applicationName: 'warehouse:status', max: 2 });
      try {
        await sweepAbandonedRuns(sql);
        const health = await sql<Omit<HealthRow, 'open_exceptions'>[]>`
          select source, instance, last_success_at, (extract(epoch from age) / 3600.0)::float8 as age_hours, rows, last_run_status,
                 last_error, consecutive_failures::int as consecutive_failures
          from bi.collection_health order by source, instance`;
        const open = await openExceptions(sql);
        const alerts = await currentAlerts(sql);
        if (config.metricsFile) {
          await writeMetrics(sql, config.metricsFile).catch((error: unknown) => {
            process.stderr.write(`warehouse: could not write ${config.metricsFile}: ${(error as Error).message}\n`);
          });
        }
        return {
          rows: health.map((h): HealthRow => ({ ...h, open_exceptions: open ? (open.bySource.get(`${h.source}/${h.instance}`) ?? 0) : null })),
          openTotal: open?.total ?? null,
          alerts: alerts ?? null,
        };
      } catch (error) {
        throw asDatabaseError(error);
      } finally {
        await close();
      }
    });
    const json = values.json === true;
    // The verdict below goes to stderr either way, so --json keeps stdout one JSON document.
    if (json) process.stdout.write(statusJson(rows, config.staleAfterHours, openTotal, alerts));
    else process.stdout.write(renderStatus(rows, config.staleAfterHours, config.timeZone));
    if (!json && openTotal !== null && openTotal > 0) process.stdout.write(`  ${openTotal} open exception(s): warehouse exceptions list\n`);
    if (!json && alerts !== null && alerts.length > 0) process.stdout.write(`  ${alerts.length} open alert(s) (bi.alerts):\n${alertsTable(alerts)}`);
    if (rows.length === 0) throw new WarehouseError('ERR_STALE', EXIT.vendorUnavailable, 'no source has ever been collected', 'Run `warehouse nightly` (or install the timers: `warehouse systemd install`).');
    const stale = rows.filter((r) => isStale(r, config.staleAfterHours));
    if (stale.length > 0) {
      throw new WarehouseError('ERR_STALE', EXIT.vendorUnavailable,
        `stale: ${stale.map(label).join(', ')} (last success older than ${config.staleAfterHours} h or never)`,
        'Check the last error above and `journalctl -u warehouse-collect@<source>`; re-run `warehouse collect <source>`.');
    }
    if (!json) process.stdout.write(`  every source succeeded within ${config.staleAfterHours} h\n`);
    return EXIT.ok;
  },
};
