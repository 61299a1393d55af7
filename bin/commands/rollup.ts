import { applyRetention, loadRetentionPolicy, planRetention, type RetentionResult } from '../../rollups/retention.js';
import { daysOf, nightlyPending, nightlyRollup, type RollupResult, type RollupStep } from '../../rollups/run.js';
import type { RefreshResult } from '../../warehouse/matching/exceptions.js';
import { alertsLine, alertsSetup, notifyWarning, runAlerts, type AlertsOutcome } from '../../warehouse/alerts/run.js';
import { dayBounds, loadWarehouseConfig } from '../../warehouse/config.js';
import { WAREHOUSE_KEY_TABLE as KEY } from '../../warehouse/config-table.js';
import type { Sql } from '../../warehouse/db.js';
import { EXIT, type ExitCode, UsageError } from '../../warehouse/errors.js';
import { createLogger } from '../../warehouse/log.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { recordTimeZone } from '../../warehouse/settings.js';
import { boundedDay, todayIn } from '../../warehouse/time.js';
import { parse, str } from '../args.js';
import { consoleMode, seconds } from '../progress.js';
import { withDatabase, withSql } from '../database.js';
import type { Verb } from '../verbs.js';

/**
 * A database session for the job, with today's date in the MSP's time zone (or --today). Runs that a
 * killed collector left 'running' are recorded as failed first, so the job judges days by what they are.
 */
export async function withJob<T>(job: string, work: (sql: Sql, today: string) => Promise<T>, todayFlag?: string, options: { readOnly?: boolean } = {}): Promise<T> {
  const config = loadWarehouseConfig(process.env);
  // --today replays a past night; a future one would end months and expire days early.
  const today = todayFlag ? boundedDay(todayFlag, dayBounds(config), '--today') : todayIn(config.timeZone);
  return withDatabase(config, (url) => withSql(url, job, async (sql) => {
    await recordTimeZone(sql, config.timeZone);
    if (!options.readOnly) await sweepAbandonedRuns(sql);
    return work(sql, today);
  }));
}

export const rollupCommand: Verb = {
  summary: 'Daily counts and month-end tables for the given days',
  help: `usage: warehouse rollup [--date D | --from D --to D] [--force]

Recomputes daily counts (day × site × source × class × billing status) from published source-days,
then the month-end tables of every month in range that has ended (refreshed until \`billing close\`),
then re-evaluates the cross-vendor findings (bi.exceptions, bi.coverage) against every source's latest day,
then the alert conditions (core.alert_conditions; \`warehouse alerts --help\`), telling new alerts once
through WAREHOUSE_NOTIFY_COMMAND.
Without dates: every day published (or re-published) since it was last rolled up, and the days and
months a re-mapping or billing-policy change left to re-judge (ops.rollup_requests).
Idempotent for any day or range. A source missing for a day is reported and the command exits 3.
  --force   also rewrite the month-end of a closed month (recorded in ops.forced_changes)`,
  async run(argv) {
    const { values } = parse('rollup', argv, { date: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' }, today: { type: 'string' } });
    const date = str(values.date);
    const from = str(values.from);
    const to = str(values.to);
    if (date && (from || to)) throw new UsageError('rollup: use --date or --from/--to, not both', 'e.g. `warehouse rollup --from 2026-10-01 --to 2026-10-31`.');
    if (Boolean(from) !== Boolean(to)) throw new UsageError('rollup: --from and --to go together', 'e.g. `warehouse rollup --from 2026-10-01 --to 2026-10-31`.');
    const bounds = dayBounds(loadWarehouseConfig(process.env));
    const { progress, logLevel } = consoleMode();
    const log = createLogger({ level: logLevel });
    const started = Date.now();
    const onProgress = (step: RollupStep, done: number, total: number) => progress.update(`rollup ${step}`, done, total);
    // Days are checked before a database (perhaps a first embedded initdb) is started.
    const days = date ? [boundedDay(date, bounds)] : from ? daysOf(boundedDay(from, bounds, '--from'), boundedDay(to as string, bounds, '--to')) : undefined;
    if (days?.length === 0) throw new UsageError('rollup: --from is after --to', 'Swap them.');
    const setup = alertsSetup(loadWarehouseConfig(process.env), process.env);
    const result = await withJob('rollup:daily', async (sql, today) => {
      const rolled = days
        ? await nightlyRollup(sql, days, { today, force: values.force === true, onProgress })
        : await nightlyPending(sql, { today, force: values.force === true, onProgress });
      return { ...rolled, alerts: await runAlerts(sql, today, setup) };
    }, str(values.today));
    const { findings } = result;
    log.info({ days: result.days, rows: result.rows, months: result.months, missing: result.missing, findings, alerts: alertsLog(result.alerts) }, 'rollup done');
    progress.done(rollupLine(result, started));
    warnNotify(result.alerts, log);
    return reportRollup(result);
  },
};

/** What the closing log line says of the alerts (the open ones by condition, not every finding's text). */
export function alertsLog(outcome: AlertsOutcome): Record<string, unknown> {
  const open: Record<string, number> = {};
  for (const a of outcome.open) open[a.condition] = (open[a.condition] ?? 0) + 1;
  return { day: outcome.day, opened: outcome.opened, resolved: outcome.resolved, open, notified: outcome.notify.sent, owed: outcome.notify.owed };
}

/** A notify command that failed is told on stderr and in the log; it never changes the exit code. */
export function warnNotify(outcome: AlertsOutcome, log: { warn(fields: object, message: string): void }): void {
  const warning = notifyWarning(outcome);
  if (warning === undefined) return;
  log.warn({ notifyProblem: outcome.notify.problem, metricsProblem: outcome.metricsProblem, owed: outcome.notify.owed }, 'alerts: not notified, or metrics not written');
  process.stderr.write(`${warning}\n`);
}

/** The closing line a person at a terminal reads (the JSON log line says the same to a pipe). */
export function rollupLine(result: RollupResult & { findings: RefreshResult; alerts?: AlertsOutcome }, started: number): string {
  const months = result.months.filter((m) => !m.skippedClosed).map((m) => m.month);
  const f = result.findings;
  const findings = f.asOf === null ? 'no findings yet' : `findings as of ${f.asOf}: ${f.opened} opened, ${f.resolved} resolved, ${f.open} open`;
  const alerts = result.alerts ? `; ${alertsLine(result.alerts)}` : '';
  return `rollup: ${result.days} day(s), ${result.rows} count row(s)${months.length > 0 ? `, month-end of ${months.join(', ')}` : ''}; ${findings}${alerts}; ${seconds(started)}`
    + `${result.missing.length > 0 ? ` (${result.missing.length} source-day(s) missing)` : ''}`;
}

/**
 * What a rollup left undone, told the same way by \`warehouse rollup\` and the nightly: closed months
 * kept as invoiced, and source-days missing (exit 3, the rest counted).
 */
export function reportRollup(result: RollupResult): ExitCode {
  const closed = result.months.filter((m) => m.skippedClosed).map((m) => m.month);
  if (closed.length > 0) process.stderr.write(`warehouse: month-end of closed month(s) ${closed.join(', ')} left as invoiced (use --force to rewrite; it is recorded)\n`);
  if (result.missing.length === 0) return EXIT.ok;
  const sample = result.missing.slice(0, 5).map((m) => `${m.day} ${m.source}`).join(', ');
  process.stderr.write(`warehouse: incomplete: ${result.missing.length} source-day(s) missing (${sample}); counted what was published\n→ A missing day that is today: \`warehouse collect <source>\`, then \`warehouse rollup\` again. A missed past day cannot be recovered from a live vendor API (it lists only today's fleet): leave it; the month-end falls back to the last complete day, flagged not exact (\`--accept-past-date\` is only for replays of recorded vendor data).\n`);
  return EXIT.partial;
}

/** A retention that left work for the next night, told the same way by \`warehouse retention\` and the nightly (exit 3). */
export function reportRetention(outcome: RetentionResult): ExitCode {
  if (outcome.busy.length === 0) return EXIT.ok;
  process.stderr.write(`${retentionBusyLine(outcome)}\n→ Nothing to do: retention retries tomorrow (bi.collection_health lists the pending days).\n`);
  return EXIT.partial;
}

/** One line for a retention that left work for the next night: whole days pending, or other partitions busy. */
export function retentionBusyLine(outcome: RetentionResult): string {
  const days = outcome.pendingDays.length > 0 ? `${outcome.pendingDays.length} expired day(s) kept whole (${outcome.pendingDays.slice(0, 3).join(', ')}${outcome.pendingDays.length > 3 ? ', …' : ''})` : `${outcome.busy.length} partition(s) kept`;
  return `warehouse: retention incomplete: ${days}, because a long query held a table; left for the next run`;
}

export const retentionCommand: Verb = {
  summary: 'Drop what has expired under the retention policy',
  help: `usage: warehouse retention [--dry-run]

Drops expired partitions: device days, patch status and daily counts after ${KEY.retentionDailyDays.name}
(${KEY.retentionDailyDays.default}), raw vendor pages after ${KEY.retentionRawDays.name} (${KEY.retentionRawDays.default}), month-end rows after
${KEY.retentionMonthEndMonths.name} (${KEY.retentionMonthEndMonths.default}), run history after ${KEY.retentionRunMonths.name} (${KEY.retentionRunMonths.default}).
Never drops a month's dailies before its month-end exists, nor any of the month in progress in
${KEY.timeZone.name}; a day goes whole (every daily table and its source-days) or not at all. Waits at most
${KEY.retentionLockTimeout.name} (${KEY.retentionLockTimeout.default}) for a busy partition, then leaves it for the next night (exit 3).
  --dry-run   list what would be dropped and change nothing`,
  async run(argv) {
    const { values } = parse('retention', argv, { 'dry-run': { type: 'boolean' }, today: { type: 'string' } });
    const config = loadWarehouseConfig(process.env);
    const policy = loadRetentionPolicy(config.reader);
    const outcome = await withJob('retention', async (sql, today) => {
      const plan = await planRetention(sql, today, policy);
      if (values['dry-run']) return { plan, dropped: [], busy: [], pendingDays: [] } satisfies RetentionResult;
      return applyRetention(sql, plan, policy);
    }, str(values.today), { readOnly: values['dry-run'] === true });
    if (values['dry-run']) {
      process.stdout.write(`would drop ${outcome.plan.drop.length} partition(s):\n${outcome.plan.drop.map((p) => `  ${p.name}`).join('\n')}\n`);
      if (outcome.plan.leftovers.length > 0) process.stdout.write(`and ${outcome.plan.leftovers.length} table(s) detached on an earlier night:\n${outcome.plan.leftovers.map((t) => `  ${t}`).join('\n')}\n`);
      if (outcome.plan.monthEndsToMaterialise.length > 0) process.stdout.write(`would first materialise the month-end of ${outcome.plan.monthEndsToMaterialise.join(', ')}\n`);
      return EXIT.ok;
    }
    createLogger().info({ dropped: outcome.dropped.length, busy: outcome.busy, pendingDays: outcome.pendingDays, heldForMonthEnd: outcome.plan.heldForMonthEnd }, 'retention done');
    return reportRetention(outcome);
  },
};
