/**
 * Alerts (issue 18 item 5, PMP spec §8.3): conditions the warehouse judges after each rollup, kept as
 * data so an operator changes a threshold or switches a condition off with an UPDATE, no deploy and
 * no restart (the next evaluation reads it). A table rather than configuration keys because the
 * threshold belongs beside what it judged: bi.alerts shows the threshold each alert was raised
 * against, and a change is recorded (ops.setting_changes, by the trigger of the migration).
 *
 * ops.alerts is the lasting record, kept like core.exceptions: an alert opens when its condition first
 * holds (first seen = that evaluation's day), has last seen moved on while it holds, and is resolved
 * when it no longer does. An open alert is notified once; a resolved one that comes back is a new row
 * (a new alert, notified again).
 */
import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, date, index, integer, numeric, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './_columns.js';
import { core } from './core.js';
import { ops } from './ops.js';

/** The conditions warehouse/alerts/conditions.ts knows how to judge; adding one there means adding it here. */
export const ALERT_CONDITIONS = ['source_failures', 'estate_pass_rate', 'critical_missing', 'database_size', 'new_finding'] as const;
export type AlertCondition = (typeof ALERT_CONDITIONS)[number];

export const alertConditions = core.table('alert_conditions', {
  condition: text().primaryKey(),
  enabled: boolean().notNull().default(true),
  /** Null only for a condition that has none (a new cross-vendor finding). */
  threshold: numeric(),
  /** runs | percent | patches | GiB | none */
  unit: text().notNull(),
  /** What holds when the alert opens, in words, with the comparison. */
  description: text().notNull(),
  updatedAt: updatedAt(),
}, (t) => [
  // A negative size or count is a typo; a percentage above 100 could never be undercut.
  check('alert_conditions_threshold', sql`${t.threshold} is null or ${t.threshold} >= 0`),
  check('alert_conditions_known', sql.raw(`condition in (${ALERT_CONDITIONS.map((c) => `'${c}'`).join(', ')})`)),
]);

export const alerts = ops.table('alerts', {
  alertId: bigserial({ mode: 'number' }).primaryKey(),
  condition: text().notNull(),
  /** What the alert is about within its condition (a source instance, a patch source, an exception id, the database). */
  subjectKey: text().notNull(),
  /** The same for a person (pmp/default, "estate (pmp)", a host name). */
  subject: text().notNull(),
  /** One line saying what holds, e.g. "3 consecutive failed runs (threshold 3)". */
  detail: text().notNull(),
  /** The value judged at the last evaluation that saw the condition hold. */
  value: numeric(),
  /** The threshold in force then. */
  threshold: numeric(),
  /** open | resolved */
  status: text().notNull().default('open'),
  /** Evaluation days (the rollup's today in WAREHOUSE_TIMEZONE), so re-evaluating a night changes nothing. */
  firstSeenOn: date().notNull(),
  lastSeenOn: date().notNull(),
  resolvedOn: date(),
  createdAt: createdAt(),
  /** When WAREHOUSE_NOTIFY_COMMAND took it (exit 0); null while it is owed a notification. */
  notifiedAt: timestamp({ withTimezone: true }),
  notifyAttempts: integer().notNull().default(0),
  /** Why the last attempt failed (redacted), until one succeeds. */
  notifyError: text(),
}, (t) => [
  check('alerts_status', sql`${t.status} in ('open', 'resolved')`),
  // One open alert per condition and subject: an alert still open is updated, never doubled.
  uniqueIndex('alerts_open_key').on(t.condition, t.subjectKey).where(sql`${t.status} = 'open'`),
  index().on(t.status),
]);
