/** Run bookkeeping: which source instances exist, every run, and which source-days are published. */
import { bigint, bigserial, boolean, date, index, integer, jsonb, numeric, pgSchema, primaryKey, serial, text, timestamp, unique } from 'drizzle-orm/pg-core';
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
  /** When the vendor data was really taken (the fetch began): a replayed past day says so here. */
  takenAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /** The snapshot day is before the day the run was taken in: a past day accepted (--accept-past-date). */
  takenLate: boolean().notNull().default(false),
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
  /** When the day's daily counts were last computed: a day published after that is owed a rollup. */
  rolledUpAt: timestamp({ withTimezone: true }),
}, (t) => [primaryKey({ columns: [t.sourceInstanceId, t.snapshotDay] })]);

/**
 * Months frozen by `warehouse billing close`, each sealed: a SHA-256 over its per-device month-end
 * rows (rollups/seal.ts), chained to the previous closed month's digest, so an invoice can be
 * checked against the warehouse long after (`warehouse billing verify`).
 */
export const billingMonths = ops.table('billing_months', {
  month: date().primaryKey(),
  closedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  closedBy: text().notNull(),
  note: text(),
  /** The collection runs whose snapshots stood for the month-end, per source instance. */
  monthEndRuns: bigint({ mode: 'number' }).array(),
  /** Devices sealed (rows of rollup.month_end_devices). */
  sealedDevices: integer(),
  /** SHA-256 (hex) over the month's per-device row digests in canonical order. */
  rowsDigest: text(),
  /** The digest of the closed month before this one (null for the first), as it stood when this one was sealed. */
  previousDigest: text(),
  /** SHA-256 (hex) of previous digest, month and rows digest: the chain. */
  digest: text(),
  sealedAt: timestamp({ withTimezone: true }),
  /**
   * The billing policy the month-end was judged by when the month was closed (or last rewritten with
   * --force): core.settings then, and the enabled spare rules in order. The export states it, not
   * today's policy. Null for a month closed before it was recorded.
   */
  policyBilledClasses: text().array(),
  policyStaleAfterDays: integer(),
  policySpareRules: text().array(),
});

/** One row per device of a sealed month: its row's digest, so `billing verify` can name the device that changed. */
export const billingSeals = ops.table('billing_seals', {
  month: date().notNull(),
  sourceInstanceId: integer().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  rowDigest: text().notNull(),
}, (t) => [primaryKey({ columns: [t.month, t.sourceInstanceId, t.deviceId] })]);

/**
 * Work the rollup owes: days (and their months) whose device-days changed after they were rolled up,
 * e.g. an alias re-mapped by the mapping file or matched automatically during a publish, or a
 * billing-policy change. The next rollup re-rolls them and deletes the request.
 */
export const rollupRequests = ops.table('rollup_requests', {
  requestId: bigserial({ mode: 'number' }).primaryKey(),
  firstDay: date().notNull(),
  lastDay: date().notNull(),
  reason: text().notNull(),
  requestedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** Every change of a warehouse setting (core.settings): who, when, old and new value. */
export const settingChanges = ops.table('setting_changes', {
  changeId: bigserial({ mode: 'number' }).primaryKey(),
  setting: text().notNull(),
  oldValue: text(),
  newValue: text(),
  changedBy: text().notNull(),
  at: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every change of a compliance rule's threshold, comparator or enabled flag, and of a site override,
 * written by triggers (migration 0021) whatever made it (an UPDATE in psql, the CLI): who, when, old
 * and new. Old values are null for a new override, new values null for a cleared one.
 */
export const complianceRuleChanges = ops.table('compliance_rule_changes', {
  changeId: bigserial({ mode: 'number' }).primaryKey(),
  ruleId: text().notNull(),
  /** Null for a change of the rule itself; the site for a change of its override. */
  siteId: integer(),
  /** rule changed | override set | override changed | override cleared */
  action: text().notNull(),
  /** The rule's version after the change (unchanged by overrides). */
  ruleVersion: integer().notNull(),
  oldThreshold: numeric(),
  newThreshold: numeric(),
  oldComparator: text(),
  newComparator: text(),
  oldEnabled: boolean(),
  newEnabled: boolean(),
  /** The database role that made the change (current_user), with the operator the CLI names, if any. */
  changedBy: text().notNull(),
  at: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [index().on(t.ruleId, t.at)]);

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
  /** The record as jsonb, with NUL and lone UTF-16 surrogates (which jsonb refuses) replaced by U+FFFD. */
  payload: jsonb().notNull(),
  /** The record's exact JSON text when `payload` had to be cleaned; null when `payload` is the record unchanged. */
  payloadVerbatim: text(),
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
  /** full (every device re-judged from the views) or incremental (only the devices the changes touch). */
  mode: text().notNull().default('full'),
  /** md5 of what the incremental state depends on beyond the device keys (roles, site sources, scopes, the matching views); null before it was kept. */
  basis: text(),
  /** Devices whose keys changed since the previous refresh, and devices re-matched (incremental only). */
  changed: integer(),
  rematched: integer(),
}, (t) => [index().on(t.asOf)]);

/**
 * Days past daily retention that the last retention could not drop because one of their partitions
 * was busy (a long query held it). Such a day is kept whole (every daily partition and its
 * source-days) and tried again the next night; bi.collection_health lists it. Rewritten by every
 * retention run: a row exists only while its day is still pending.
 */
export const retentionPendingDays = ops.table('retention_pending_days', {
  snapshotDay: date().primaryKey(),
  /** The partition that was busy, and why. */
  reason: text().notNull(),
  firstDeferredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  lastTriedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
