import { SOURCES, sourceByName } from '../../collectors/registry.js';
import { runCollect, type RunResult } from '../../warehouse/run/runner.js';
import { dayBounds, loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT, type ExitCode, UsageError } from '../../warehouse/errors.js';
import { createLogger, type Logger } from '../../warehouse/log.js';
import { applyRetention, loadRetentionPolicy, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { nightlyPending, type RollupOptions } from '../../rollups/run.js';
import { alertsLine, alertsSetup, runAlerts, type AlertsSetup } from '../../warehouse/alerts/run.js';
import { alertsLog, reportRetention, reportRollup, warnNotify } from './rollup.js';
import { openDatabase } from '../../warehouse/db.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { snapshotDayOf, todayIn } from '../../warehouse/time.js';
import { parse, str } from '../args.js';
import { withDatabase } from '../database.js';
import { consoleMode, seconds } from '../progress.js';
import type { Verb } from '../verbs.js';

function explain(result: RunResult, source: string): void {
  if (result.exitCode === EXIT.ok) return;
  const line = result.error ? `${result.error.message}\n→ ${result.error.hint}` : `${source}: run ${result.status}`;
  process.stderr.write(`warehouse: ${line}\n`);
  if (result.exitCode === EXIT.partial) process.stderr.write('→ Published, but an optional stream failed; see `warehouse status` and the run log.\n');
}

/** The human summary of one run: `ninjaone 2026-11-30: succeeded, 250 devices (12 changed), 14 requests in 3.2 s`. */
function runLine(source: string, result: RunResult, started: number): string {
  return `${source} ${result.snapshotDay}: ${result.status}, ${result.rows.devices} devices (${result.rows.changed} changed), ${result.requests} requests in ${seconds(started)}`;
}

export const collectCommand: Verb = {
  summary: 'Collect one source-day: fetch, stage, gate, publish',
  help: `usage: warehouse collect <ninjaone|threatlocker|pmp> [--date YYYY-MM-DD] [--accept-past-date] [--accept-shrink] [--force]

Fetches the vendor's inventory, stages it, checks completeness (paging to the end, vendor totals, no
duplicate ids, required fields, no drop over 10 % against the last published day) and publishes the
snapshot day in one transaction. A refused or failed run leaves the published data untouched.
  --date D          snapshot day (default: today in WAREHOUSE_TIMEZONE; at most tomorrow, not before
                    WAREHOUSE_EARLIEST_DAY). A past day is refused: a live vendor API lists only today's
                    fleet, so a missed day cannot be recovered; its month-end falls back to the last
                    complete day, flagged not exact
  --accept-past-date  take a past --date anyway: only to replay recorded vendor data or a simulator set
                    to that day (the run is recorded as taken late, see bi.collection_health)
  --accept-shrink   publish even though the device count fell by more than 10 % (or to zero)
  --force           publish into a closed billing month (recorded as a forced change)
Exit codes: 0 ok, 2 configuration, 3 partial, 4 refused, 5 locked, 6 vendor auth, 7 vendor unavailable, 8 database.`,
  async run(argv) {
    const { values, positionals } = parse('collect', argv, {
      date: { type: 'string' }, 'accept-past-date': { type: 'boolean' }, 'accept-shrink': { type: 'boolean' }, force: { type: 'boolean' },
    });
    const source = sourceByName(positionals[0]);
    const config = loadWarehouseConfig(process.env);
    const date = str(values.date);
    const acceptPastDate = values['accept-past-date'] === true;
    if (date) snapshotDayOf(date, dayBounds(config), { acceptPastDate });
    // Configuration errors first: before a database (perhaps a first embedded initdb) is started.
    if (source.loadConfig(config.reader) === null) {
      throw new UsageError(`${source.name} is not configured`, `Set ${source.keys.required.join(', ')} (see README, "Configure each vendor").`);
    }
    const { progress, logLevel } = consoleMode();
    const started = Date.now();
    const result = await withDatabase(config, (databaseUrl) => runCollect({
      source, env: process.env, databaseUrl, ...(date ? { date } : {}), acceptPastDate,
      acceptShrink: values['accept-shrink'] === true, force: values.force === true,
      log: createLogger({ level: logLevel }), progress: (stream, done, total) => progress.update(`${source.name} ${stream}`, done, total),
    }));
    progress.done(runLine(source.name, result, started));
    explain(result, source.name);
    return result.exitCode;
  },
};

/** The worst outcome wins, but a partial run is milder than any failure. */
export function combineExitCodes(codes: ExitCode[]): ExitCode {
  const failures = codes.filter((c) => c !== EXIT.ok && c !== EXIT.partial);
  if (failures.length > 0) return Math.max(...failures) as ExitCode;
  return codes.includes(EXIT.partial) ? EXIT.partial : EXIT.ok;
}

export const nightlyCommand: Verb = {
  summary: 'Every configured source, then rollup and retention',
  help: `usage: warehouse nightly [--date YYYY-MM-DD] [--accept-past-date]

Collects every configured source (a source with none of its keys set is skipped; a half-configured one
is an error), one after another, then rolls up every published day not rolled up yet (and month-ends of
ended months), applies retention and evaluates the alert conditions (\`warehouse alerts --help\`; new
alerts are told once through WAREHOUSE_NOTIFY_COMMAND, whose failure never changes the exit code).
Exits with the worst outcome (a partial run counts less than a failure; a source missing from the
rollup makes it partial).
  --date D            the night's snapshot day (default today). A past day is refused, as for collect:
                      the vendors' live APIs list only today's fleet
  --accept-past-date  replay a past night: only against recorded vendor data or simulators set to D`,
  async run(argv) {
    const { values } = parse('nightly', argv, { date: { type: 'string' }, 'accept-past-date': { type: 'boolean' } });
    const config = loadWarehouseConfig(process.env);
    const date = str(values.date);
    const acceptPastDate = values['accept-past-date'] === true;
    if (date) snapshotDayOf(date, dayBounds(config), { acceptPastDate });
    const configured = Object.values(SOURCES).filter((source) => source.loadConfig(config.reader) !== null);
    if (configured.length === 0) {
      throw new UsageError('no source is configured', 'Set the keys of at least one vendor (README, "Configure each vendor").');
    }
    const { progress, logLevel, say } = consoleMode();
    const log = createLogger({ level: logLevel });
    const policy = loadRetentionPolicy(config.reader);
    const codes: ExitCode[] = [];
    const started = Date.now();
    await withDatabase(config, async (databaseUrl) => {
      for (const [index, source] of configured.entries()) {
        const runStarted = Date.now();
        const step = `[${index + 1}/${configured.length}] ${source.name}`;
        const result = await runCollect({
          source, env: process.env, databaseUrl, ...(date ? { date } : {}), acceptPastDate, log,
          progress: (stream, done, total) => progress.update(`${step} ${stream}`, done, total),
        })
          .catch((error: unknown) => {
            progress.done(`${step}: failed`);
            const code = (error as { exitCode?: ExitCode }).exitCode ?? EXIT.internal;
            process.stderr.write(`warehouse: ${source.name}: ${(error as Error).message}\n`);
            codes.push(code);
            return undefined;
          });
        if (result) {
          progress.done(`${step} ${runLine(source.name, result, runStarted).slice(source.name.length + 1)}`);
          explain(result, source.name);
          codes.push(result.exitCode);
        }
      }
      // A past --date rolls up and retains as of that day (a replayed night); tomorrow never counts
      // as today, or the month would end a day early.
      const today = todayIn(config.timeZone);
      say('rolling up and applying retention ...');
      const outcome = await rollupAndRetention(databaseUrl, policy, date && date < today ? date : today, log, alertsSetup(config, process.env),
        (step, done, total) => progress.update(`rollup ${step}`, done, total));
      progress.done(`rolled up ${outcome.days} day(s); retention dropped ${outcome.dropped} partition(s); ${outcome.alerts}`);
      codes.push(outcome.code);
    });
    const code = combineExitCodes(codes);
    progress.done(`nightly: ${configured.length} source(s) in ${seconds(started)}, exit ${code}${code === EXIT.ok ? ' (ok)' : ''}`);
    return code;
  },
};

/** After the collectors: roll up what was published (from data, not clock offsets), then retention. */
async function rollupAndRetention(url: string, policy: RetentionPolicy, today: string, log: Logger, alertSetup: AlertsSetup, onProgress: RollupOptions['onProgress']): Promise<{ code: ExitCode; days: number; dropped: number; alerts: string }> {
  const { sql, close } = openDatabase(url, { applicationName: 'rollup:nightly', max: 2 });
  try {
    await sweepAbandonedRuns(sql);
    const rolled = await nightlyPending(sql, { today, ...(onProgress ? { onProgress } : {}) });
    const retained = await applyRetention(sql, await planRetention(sql, today, policy), policy);
    // After retention, so the database size judged is the size the night leaves behind.
    const alerts = await runAlerts(sql, today, alertSetup);
    warnNotify(alerts, log);
    log.info({ days: rolled.days, missing: rolled.missing, findings: rolled.findings, alerts: alertsLog(alerts), dropped: retained.dropped.length, busy: retained.busy, pendingDays: retained.pendingDays, heldForMonthEnd: retained.plan.heldForMonthEnd }, 'nightly rollup and retention done');
    return { code: combineExitCodes([reportRollup(rolled), reportRetention(retained)]), days: rolled.days, dropped: retained.dropped.length, alerts: alertsLine(alerts) };
  } finally {
    await close();
  }
}
