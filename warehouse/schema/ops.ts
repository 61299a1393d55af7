/** Run bookkeeping: which source instances exist, every run, and which source-days are published. */
import { bigint, bigserial, boolean, date, index, integer, jsonb, pgSchema, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { createdAt } from './_columns.js';

export const ops = pgSchema('ops');

export const sourceInstances = ops.table('source_instances', {
  sourceInstanceId: serial().primaryKey(),
  source: text().notNull(),
  instance: text().notNull().default('default'),
  createdAt: createdAt(),
}, (t) => [unique().on(t.source, t.instance)]);

export const syncRuns = ops.table('sync_runs', {
  runId: bigserial({ mode: 'number' }).primaryKey(),
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  snapshotDay: date().notNull(),
  startedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp({ withTimezone: true }),
  /** running | succeeded | partial | failed | refused */
  status: text().notNull().default('running'),
  exitCode: integer(),
  errorCode: text(),
  /** Redacted: never holds a secret. */
  errorMessage: text(),
  rowsDevices: integer().notNull().default(0),
  rowsAliases: integer().notNull().default(0),
  rowsPatchStatus: integer().notNull().default(0),
  rowsChanged: integer(),
  pages: integer().notNull().default(0),
  requests: integer().notNull().default(0),
  retries: integer().notNull().default(0),
  durationMs: integer(),
  acceptShrink: boolean().notNull().default(false),
  forced: boolean().notNull().default(false),
  host: text(),
  pid: integer(),
  details: jsonb().$type<Record<string, unknown>>().notNull().default({}),
}, (t) => [
  index().on(t.sourceInstanceId, t.startedAt),
  index().on(t.snapshotDay),
]);

/** One row per published source-day: what the rollups treat as complete. */
export const sourceDays = ops.table('source_days', {
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  snapshotDay: date().notNull(),
  runId: bigint({ mode: 'number' }).notNull().references(() => syncRuns.runId),
  publishedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  deviceCount: integer().notNull(),
  patchStatusCount: integer().notNull(),
  /** False when an optional stream failed (the run was partial). */
  isComplete: boolean().notNull(),
}, (t) => [primaryKey({ columns: [t.sourceInstanceId, t.snapshotDay] })]);

/** Months frozen by `warehouse billing close`. */
export const billingMonths = ops.table('billing_months', {
  month: date().primaryKey(),
  closedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  closedBy: text().notNull(),
  note: text(),
});

/** Changes forced into a closed month, kept for the audit trail. */
export const forcedChanges = ops.table('forced_changes', {
  forcedChangeId: bigserial({ mode: 'number' }).primaryKey(),
  month: date().notNull(),
  runId: bigint({ mode: 'number' }),
  action: text().notNull(),
  reason: text().notNull(),
  at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Vendor records set aside instead of published: a missing or malformed id, an implausible timestamp
 * (a unit changed upstream), an unknown class. A run publishes without them while they stay under
 * the threshold, and is refused past it. Kept with the run for the operator to inspect.
 */
export const quarantine = ops.table('quarantine', {
  quarantineId: bigserial({ mode: 'number' }).primaryKey(),
  runId: bigint({ mode: 'number' }).notNull().references(() => syncRuns.runId, { onDelete: 'cascade' }),
  stream: text().notNull(),
  vendorId: text(),
  reason: text().notNull(),
  payload: jsonb().notNull(),
  quarantinedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [index().on(t.runId)]);

/** Each refresh of the cross-vendor findings: the day judged, what it could judge, and what changed. */
export const exceptionRefreshes = ops.table('exception_refreshes', {
  refreshId: bigserial({ mode: 'number' }).primaryKey(),
  asOf: date().notNull(),
  refreshedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /** The finding kinds and source instances the snapshots could judge, as 'kind:source_instance_id'. */
  judged: text().array().notNull(),
  opened: integer().notNull(),
  reopened: integer().notNull(),
  resolved: integer().notNull(),
  removed: integer().notNull(),
  open: integer().notNull(),
  acknowledged: integer().notNull(),
}, (t) => [index().on(t.asOf)]);
