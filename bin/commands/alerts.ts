/** `warehouse alerts [--json]`: evaluate the alert conditions now, tell new alerts, list the open ones. */
import { loadWarehouseConfig } from '../../warehouse/config.js';
import { EXIT } from '../../warehouse/errors.js';
import { silentLogger } from '../../warehouse/log.js';
import type { OpenAlert } from '../../warehouse/alerts/evaluate.js';
import { alertsLine, alertsSetup, runAlerts, type AlertsOutcome } from '../../warehouse/alerts/run.js';
import { parse, str } from '../args.js';
import { renderTable, shorten } from '../table.js';
import type { Verb } from '../verbs.js';
import { warnNotify, withJob } from './rollup.js';

export const alertsCommand: Verb = {
  summary: 'Evaluate the alert conditions now, tell new alerts, list the open ones',
  help: `usage: warehouse alerts [--json]

Evaluates the alert conditions as the nightly and \`warehouse rollup\` do after each rollup, tells every
new alert (and any a failed notification left owed) once through WAREHOUSE_NOTIFY_COMMAND, and lists the
alerts still open. Idempotent: a second run the same day with the same data changes and tells nothing.

Conditions (rows of core.alert_conditions; the defaults, changed with UPDATE, see README "Alerts"):
  source_failures    consecutive failed or refused runs of a source since its last success >= 3
  estate_pass_rate   share of the estate's decided compliance checks that pass < 70 %, per patch source
  critical_missing   distinct critical patches missing across the estate > 20, per patch source
  database_size      the warehouse database > 50 GiB
  new_finding        a cross-vendor finding is open (not acknowledged): told once when it opens
An alert stays open (and is not told again) while its condition holds, and is resolved the first
evaluation it does not; a condition that comes back is a new alert. bi.alerts lists them all.
The notify command gets the message on stdin and in $WAREHOUSE_NOTIFY_MESSAGE, the subject in
$WAREHOUSE_NOTIFY_SUBJECT, and WAREHOUSE_NOTIFY_UNIT=alerts; a failure is reported and retried at the
next evaluation, never an error of this command.
--json prints one document: {"day", "opened", "resolved", "notified", "owed", "notifyProblem",
"open": [{alertId, condition, subject, detail, value, threshold, firstSeenOn, lastSeenOn, notified}]}.`,
  async run(argv) {
    const { values } = parse('alerts', argv, { json: { type: 'boolean' }, today: { type: 'string' } });
    const config = loadWarehouseConfig(process.env);
    const outcome = await withJob('warehouse:alerts', (sql, today) => runAlerts(sql, today, alertsSetup(config, process.env)), str(values.today));
    if (values.json === true) process.stdout.write(alertsJson(outcome));
    else process.stdout.write(renderAlerts(outcome));
    // stdout is the table or the one JSON document, so no log lines there: the warning goes to stderr.
    warnNotify(outcome, silentLogger);
    return EXIT.ok;
  },
};

export function alertJson(a: OpenAlert): Record<string, unknown> {
  return {
    alertId: a.alertId, condition: a.condition, subject: a.subject, detail: a.detail, value: a.value, threshold: a.threshold,
    firstSeenOn: a.firstSeenOn, lastSeenOn: a.lastSeenOn, notified: a.notifiedAt !== null,
  };
}

function alertsJson(o: AlertsOutcome): string {
  return `${JSON.stringify({
    day: o.day, opened: o.opened, resolved: o.resolved, notified: o.notify.sent, owed: o.notify.owed, notifyProblem: o.notify.problem,
    open: o.open.map(alertJson),
  })}\n`;
}

/** The open alerts as a table (the same columns `status` shows), or a line saying there are none. */
export function alertsTable(open: OpenAlert[]): string {
  if (open.length === 0) return '  no open alerts\n';
  return renderTable(open.map((a) => ({
    alert: a.alertId, condition: a.condition, subject: shorten(a.subject, 40), since: a.firstSeenOn,
    notified: a.notifiedAt === null ? 'owed' : 'yes', detail: shorten(a.detail, 100),
  })));
}

function renderAlerts(o: AlertsOutcome): string {
  const owed = o.notify.owed > 0 && o.notify.problem === 'WAREHOUSE_NOTIFY_COMMAND is not set'
    ? `  ${o.notify.owed} alert(s) owed a notification: WAREHOUSE_NOTIFY_COMMAND is not set\n` : '';
  return `${alertsLine(o)} (as of ${o.day})\n${alertsTable(o.open)}${owed}`;
}
