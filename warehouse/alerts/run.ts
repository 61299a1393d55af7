/**
 * The alerts step the nightly, `warehouse rollup` and `warehouse alerts` share: evaluate, then tell
 * the new alerts. Called only after a rollup succeeded, so a refused or failed rollup leaves the
 * alerts as they were.
 */
import type { Sql } from 'postgres';
import type { Env } from '../config.js';
import { writeMetrics } from '../metrics.js';
import { evaluateAlerts, type EvaluationResult } from './evaluate.js';
import { notifyNewAlerts, type NotifyOutcome } from './notify.js';

export type AlertsOutcome = EvaluationResult & { notify: NotifyOutcome; metricsProblem?: string };

export interface AlertsSetup {
  notifyCommand: string | undefined;
  /** WAREHOUSE_METRICS_FILE: rewritten afterwards, so warehouse_alerts_open says what was just judged. */
  metricsFile: string | undefined;
  env: Env;
}

export async function runAlerts(sql: Sql, today: string, setup: AlertsSetup): Promise<AlertsOutcome> {
  const evaluated = await evaluateAlerts(sql, today);
  const outcome: AlertsOutcome = { ...evaluated, notify: await notifyNewAlerts(sql, evaluated.open, setup.notifyCommand, setup.env) };
  if (setup.metricsFile) {
    await writeMetrics(sql, setup.metricsFile).catch((error: unknown) => {
      outcome.metricsProblem = `could not write ${setup.metricsFile}: ${(error as Error).message}`;
    });
  }
  return outcome;
}

/** What runAlerts needs from the configuration. */
export function alertsSetup(config: { reader: { get(key: string): string | undefined }; metricsFile: string | undefined }, env: Env): AlertsSetup {
  return { notifyCommand: config.reader.get('WAREHOUSE_NOTIFY_COMMAND'), metricsFile: config.metricsFile, env };
}

/** One line for the terminal and the closing log, e.g. `alerts: 1 opened, 0 resolved, 2 open`. */
export function alertsLine(outcome: AlertsOutcome): string {
  const told = outcome.notify.sent > 0 ? `, ${outcome.notify.sent} notified` : '';
  return `alerts: ${outcome.opened} opened, ${outcome.resolved} resolved, ${outcome.open.length} open${told}`;
}

/** The warning a failed notification deserves (stderr and the log): the alerts stay owed, nothing fails. */
export function notifyWarning(outcome: AlertsOutcome): string | undefined {
  const n = outcome.notify;
  const lines: string[] = [];
  if (outcome.metricsProblem) lines.push(`warehouse: ${outcome.metricsProblem}`);
  // Not set is a choice (the alerts wait in bi.alerts and the metrics), not a fault worth a warning every night.
  if (n.problem !== null && n.problem !== 'WAREHOUSE_NOTIFY_COMMAND is not set') {
    lines.push(`warehouse: ${n.owed} new alert(s) not notified: ${n.problem}; tried again at the next evaluation`,
      '→ Test the command by hand: `warehouse alerts` runs it for the alerts still owed.');
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}
