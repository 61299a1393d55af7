/** Month-end bookkeeping (the per-device month-end rows and the daily counts are partitioned: created by hand-written migrations, see index.ts). */
import { bigint, boolean, check, date, index, integer, jsonb, numeric, pgSchema, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { sourceInstances } from './ops.js';

export const rollup = pgSchema('rollup');

/** For each month and source instance: which snapshot day stood for the month's end. */
export const monthEnds = rollup.table('month_ends', {
  month: date().notNull(),
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  monthEndDay: date().notNull(),
  /** True when the month-end day is the calendar's last day of the month. */
  isExact: boolean().notNull(),
  runId: bigint({ mode: 'number' }).notNull(),
  materialisedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.month, t.sourceInstanceId] })]);

/** Month-end counts per site, source instance, class and billing status. */
export const monthEndCounts = rollup.table('month_end_counts', {
  siteId: integer().notNull(),
  month: date().notNull(),
  sourceInstanceId: integer().notNull(),
  deviceClass: text().notNull(),
  billingStatus: text().notNull(),
  devices: integer().notNull(),
}, (t) => [primaryKey({ columns: [t.siteId, t.month, t.sourceInstanceId, t.deviceClass, t.billingStatus] })]);

/**
 * Billable seats per month, site and source instance at the month-end, with the previous month-end's
 * (rollups/month-end.ts derives them from month_end_counts), so bi.billing_monthly reads rows rather
 * than aggregating on every query. A site with devices at the previous month-end and none at this
 * one has a row of zeros.
 */
export const monthEndSites = rollup.table('month_end_sites', {
  siteId: integer().notNull(),
  month: date().notNull(),
  sourceInstanceId: integer().notNull(),
  workstations: integer().notNull(),
  servers: integer().notNull(),
  spares: integer().notNull(),
  billable: integer().notNull(),
  total: integer().notNull(),
  /** Null when the site had no devices of this source at the previous month-end (or it is not kept). */
  previousBillable: integer(),
}, (t) => [primaryKey({ columns: [t.siteId, t.month, t.sourceInstanceId] }), index().on(t.month, t.sourceInstanceId)]);

/**
 * bi.billing_changes of a closed month as it stood when the month was closed (rollups/billing-close.ts):
 * the changes an invoice listed do not move when an earlier, still open month is re-attributed later.
 */
export const closedMonthChanges = rollup.table('closed_month_changes', {
  month: date().notNull(),
  sourceInstanceId: integer().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  siteId: integer().notNull(),
  change: text().notNull(),
  vendorId: text().notNull(),
  hostname: text(),
  displayName: text(),
  seatDelta: integer().notNull(),
  detail: text().notNull(),
  previousSiteId: integer(),
  previousClass: text(),
  previousStatus: text(),
  currentSiteId: integer(),
  currentClass: text(),
  currentStatus: text(),
  isStale: boolean().notNull(),
  lastContactAt: timestamp({ withTimezone: true }),
}, (t) => [primaryKey({ columns: [t.month, t.sourceInstanceId, t.deviceId, t.change] })]);

/**
 * The compliance evidence of a month-end: every rule's verdict per scope (each site, the estate) and
 * patch source on the month-end day, with the metric, threshold, comparator, rule version and setting
 * that applied (rollups/compliance-month-end.ts). Written with the month-end and frozen with it: a
 * closed month is rewritten only by a forced month-end rewrite (ops.forced_changes). While the month
 * is open and its month-end day's dailies are gone, the stored values are re-judged against the
 * current settings. Disabled rules are kept (enabled false) so re-enabling one re-judges it.
 */
export const monthEndCompliance = rollup.table('month_end_compliance', {
  month: date().notNull(),
  source: text().notNull(),
  /** site | estate */
  scope: text().notNull(),
  /** Null for the estate. */
  siteId: integer(),
  ruleId: text().notNull(),
  monthEndDay: date().notNull(),
  ruleVersion: integer().notNull(),
  framework: text().notNull(),
  checkDescription: text().notNull(),
  severity: text().notNull(),
  metric: text().notNull(),
  valueMin: numeric(),
  valueMax: numeric(),
  /** What a percentage is of (in-scope devices; scanned ones for scan success); null for counts and days. */
  denominator: numeric(),
  comparator: text().notNull(),
  threshold: numeric().notNull(),
  unit: text().notNull(),
  enabled: boolean().notNull(),
  /** rule | site override */
  thresholdSource: text().notNull(),
  passed: boolean(),
  /** pass | fail | unknown */
  status: text().notNull(),
  reason: text(),
  notEvaluableReason: text(),
  rangeNote: text(),
  basis: text().notNull(),
  devicesTotal: integer().notNull(),
  devicesInScope: integer().notNull(),
  devicesUndecided: integer(),
  ruleNote: text(),
  /** When the values were computed from the dailies. */
  materialisedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  /** When the verdict was last judged (later than materialised_at once the dailies are gone and a setting changed). */
  judgedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  unique('month_end_compliance_key').on(t.month, t.source, t.scope, t.siteId, t.ruleId).nullsNotDistinct(),
  index().on(t.ruleId, t.siteId, t.month),
  check('month_end_compliance_status', sql`${t.status} in ('pass', 'fail', 'unknown')`),
  check('month_end_compliance_threshold_source', sql`${t.thresholdSource} in ('rule', 'site override')`),
]);

/**
 * The days whose patch exposure (rollup.patch_exposure, partitioned: hand-written in its migration)
 * the rollup has computed, and when. A day is owed a recompute when a source-day of it was published
 * since, or when the day before it was computed after it (rollups/patch-exposure.ts).
 */
export const patchExposureDays = rollup.table('patch_exposure_days', {
  snapshotDay: date().primaryKey(),
  computedAt: timestamp({ withTimezone: true }).notNull(),
  /** Devices with a state that day: those with a patch status row, and those carried over a gap. */
  devices: integer().notNull(),
});

/**
 * The per site × source instance × day patch-scope aggregates (issue 23), materialised by the rollup
 * (rollups/patch-scope.ts) from the on-read definition staging.patch_site_instance_days_computed, so
 * that bi.patch_compliance_site, bi.compliance_checks and the month-end evidence read rows instead
 * of judging every device's scope on every day held on every read. Columns as that view's, in its
 * order. A row counts only while its source-day's rollup.patch_scope_computed row still matches what
 * the day is computed from (staging.patch_site_instance_days); retention deletes a day's rows with
 * its partitions.
 */
const count = () => bigint({ mode: 'number' }).notNull();
export const patchSiteInstanceDays = rollup.table('patch_site_instance_days', {
  siteId: integer().notNull(),
  snapshotDay: date().notNull(),
  source: text().notNull(),
  sourceInstanceId: integer().notNull(),
  devicesTotal: count(),
  devicesInScope: count(),
  devicesSpare: count(),
  devicesStaleOrOffline: count(),
  devicesUnknown: count(),
  devicesMissingCritical: count(),
  devicesMissingImportant: count(),
  devicesImportantUnknown: count(),
  devicesModerateUnknown: count(),
  devicesLowUnknown: count(),
  devicesUnratedUnknown: count(),
  missingCritical: count(),
  missingImportant: count(),
  missingModerate: count(),
  missingLow: count(),
  missingUnrated: count(),
  missingOs: bigint({ mode: 'number' }),
  missingThirdParty: bigint({ mode: 'number' }),
  missingDriver: bigint({ mode: 'number' }),
  missingBios: bigint({ mode: 'number' }),
  maxCriticalOnOneDevice: integer().notNull(),
  maxImportantOnOneDevice: integer().notNull(),
  maxModerateOnOneDevice: integer().notNull(),
  maxLowOnOneDevice: integer().notNull(),
  maxUnratedOnOneDevice: integer().notNull(),
  devicesHealthy: count(),
  devicesVulnerable: count(),
  devicesHighlyVulnerable: count(),
  devicesHealthUnknown: count(),
  devicesScanned: count(),
  devicesNotScanned: count(),
  devicesScanUnknown: count(),
  devicesScanSucceeded: count(),
  devicesScanNotSucceeded: count(),
  devicesScanOutcomeUnknown: count(),
  devicesScannedWithinWindow: count(),
  devicesNotScannedWithinWindow: count(),
  devicesScanWindowUnknown: count(),
  /** In-scope devices with more than 30 days of missing critical patches (rollup.patch_exposure of the day). */
  devicesExposedOver30Days: bigint('devices_exposed_over_30_days', { mode: 'number' }).notNull(),
  /** Longest exposure among in-scope devices; null when none has an exposure row. */
  maxExposureDays: integer(),
}, (t) => [primaryKey({ columns: [t.siteId, t.snapshotDay, t.sourceInstanceId] }), index().on(t.snapshotDay, t.sourceInstanceId)]);

/**
 * For each patch source-day the rollup has aggregated into rollup.patch_site_instance_days: what the
 * aggregates were computed from. They stand for the day only while all of it still holds: the same
 * publish (published_at), the same compliance settings and time zone, the same exposure computation,
 * and no rollup request (a re-mapping moves device-days in place) filed for the day since; otherwise
 * the day is judged on read, and the next rollup recomputes it (rollups/patch-scope.ts).
 */
export const patchScopeComputed = rollup.table('patch_scope_computed', {
  sourceInstanceId: integer().notNull(),
  snapshotDay: date().notNull(),
  publishedAt: timestamp({ withTimezone: true }).notNull(),
  staleAfterDays: numeric().notNull(),
  scanWindowDays: numeric().notNull(),
  timeZone: text().notNull(),
  /** rollup.patch_exposure_days.computed_at of the day (null: exposure not computed then). */
  exposureComputedAt: timestamp({ withTimezone: true }),
  /** The newest ops.rollup_requests id when computed (0: none): a later request covering the day voids the rows. */
  requestsThrough: bigint({ mode: 'number' }).notNull(),
  computedAt: timestamp({ withTimezone: true }).notNull(),
}, (t) => [primaryKey({ columns: [t.sourceInstanceId, t.snapshotDay] })]);

/**
 * Each patch source instance's latest published day, device by device (issue 23): what
 * staging.patch_device_days_exposed gives for that instance and day (its compliance scope, scan facts
 * and exposure), materialised by the rollup (rollups/patch-device-latest.ts) so bi.patch_compliance_device
 * reads one instance's rows instead of joining its device-days, patch status, devices and exposure on
 * every read. Only the latest day is kept (no bi view reads an older day per device); columns as the
 * view's, in its order. The rows stand only while rollup.patch_device_latest_computed matches what
 * holds now (staging.patch_device_latest_sources); otherwise the instance is read on read.
 */
export const patchDeviceLatest = rollup.table('patch_device_latest', {
  siteId: integer().notNull(),
  snapshotDay: date().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  sourceInstanceId: integer().notNull(),
  source: text(),
  instance: text(),
  vendorId: text(),
  displayName: text(),
  hostname: text(),
  deviceClass: text(),
  isSpare: boolean(),
  spareRuleId: text(),
  online: boolean(),
  lastContactAt: timestamp({ withTimezone: true }),
  asOf: timestamp({ withTimezone: true }),
  hasPatchStatus: boolean(),
  scopeStatus: text(),
  scopeReason: text(),
  missingCritical: integer(),
  missingImportant: integer(),
  missingModerate: integer(),
  missingLow: integer(),
  missingUnrated: integer(),
  missingOs: integer(),
  missingThirdParty: integer(),
  missingDriver: integer(),
  missingBios: integer(),
  installedCount: integer(),
  lastScanAt: timestamp({ withTimezone: true }),
  lastSuccessfulScanAt: timestamp({ withTimezone: true }),
  scanStatus: text(),
  healthStatus: text(),
  knownHealth: text(),
  lastSeenAt: timestamp({ withTimezone: true }),
  daysSinceSeen: numeric(),
  scanAgeDays: numeric(),
  scanned: boolean(),
  scanSucceeded: boolean(),
  scannedWithinWindow: boolean(),
  installedOs: integer(),
  installedThirdParty: integer(),
  installedDriver: integer(),
  installedBios: integer(),
  totalOs: integer(),
  totalThirdParty: integer(),
  totalDriver: integer(),
  totalBios: integer(),
  lastPatchedAt: timestamp({ withTimezone: true }),
  extras: jsonb(),
  agentVersion: text(),
  firstSeenOn: date(),
  exposedSince: date(),
  exposureDays: integer(),
  exposureIsLowerBound: boolean(),
}, (t) => [primaryKey({ columns: [t.siteId, t.snapshotDay, t.deviceId] }), index().on(t.sourceInstanceId)]);

/**
 * For each patch source instance whose latest day's rows rollup.patch_device_latest holds: what they
 * were computed from, as rollup.patch_scope_computed, and the instance's newest publish of any day
 * (a back-fill of an earlier day moves a device's first_seen_on).
 */
export const patchDeviceLatestComputed = rollup.table('patch_device_latest_computed', {
  sourceInstanceId: integer().primaryKey(),
  snapshotDay: date().notNull(),
  publishedAt: timestamp({ withTimezone: true }).notNull(),
  publishedThrough: timestamp({ withTimezone: true }).notNull(),
  staleAfterDays: numeric().notNull(),
  scanWindowDays: numeric().notNull(),
  timeZone: text().notNull(),
  exposureComputedAt: timestamp({ withTimezone: true }),
  requestsThrough: bigint({ mode: 'number' }).notNull(),
  computedAt: timestamp({ withTimezone: true }).notNull(),
});
