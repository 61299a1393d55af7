/** Conformed entities: canonical sites, vendor aliases, device identity, spare rules, exceptions. */
import { bigint, bigserial, boolean, check, date, index, integer, jsonb, pgSchema, primaryKey, serial, text, timestamp, unique, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { createdAt, updatedAt } from './_columns.js';
import { sourceInstances } from './ops.js';
import { DEFAULT_BILLING_POLICY } from '../rows.js';

export const core = pgSchema('core');

/**
 * Site names come from vendors (an organisation's name creates its site) and can be of any length;
 * a btree entry cannot exceed a third of a page, so names are keyed by md5 of the whole name (two
 * names differing in their last character stay two sites) while the column keeps the name whole.
 * A lookup by name says `md5(name) = md5($1) and name = $1` to use the key.
 */
export const sites = core.table('sites', {
  siteId: serial().primaryKey(),
  name: text().notNull(),
  /** Normalised for matching (case, punctuation, legal suffixes, & / and). */
  normalizedName: text().notNull(),
  /** Internal sites (the MSP's own machines) are never billed. */
  isInternal: boolean().notNull().default(false),
  /** The one explicit site that holds devices of unmapped aliases, so totals always add up. */
  isUnmapped: boolean().notNull().default(false),
  createdAt: createdAt(),
  /**
   * The client's code in the MSP's own books (accounting, PSA), set by `warehouse sites reference`, so an
   * invoice line finds its customer. Printed on every billing sheet, so bounded (64 characters) and
   * free of control characters; null until set.
   */
  reference: text(),
}, (t) => [
  uniqueIndex('sites_name_key').on(sql`md5(${t.name})`),
  index('sites_normalized_name_key').on(sql`md5(${t.normalizedName})`),
  check('sites_reference_shape', sql`${t.reference} is null or (char_length(${t.reference}) between 1 and 64 and ${t.reference} !~ '[[:cntrl:]]' and ${t.reference} = btrim(${t.reference}))`),
]);

export const siteAliases = core.table('site_aliases', {
  aliasId: serial().primaryKey(),
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  kind: text().notNull(),
  externalId: text().notNull(),
  name: text().notNull(),
  parentExternalId: text(),
  /** Null while unmapped. */
  siteId: integer().references(() => sites.siteId),
  /** auto | manual | unmapped */
  mapping: text().notNull().default('unmapped'),
  /** The name as matched (warehouse/sites/normalize.ts), kept for reports of ambiguous or missing matches. */
  normalizedName: text(),
  /** Why the alias is mapped as it is: the rule, the mapping-file line or the CLI, or why it stayed unmapped. */
  mappingNote: text(),
  /** When the current mapping was made. */
  mappedAt: timestamp({ withTimezone: true }),
  firstSeenOn: date().notNull(),
  lastSeenOn: date().notNull(),
  updatedAt: updatedAt(),
}, (t) => [unique().on(t.sourceInstanceId, t.kind, t.externalId), index().on(t.siteId)]);

export const devices = core.table('devices', {
  deviceId: bigserial({ mode: 'number' }).primaryKey(),
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  vendorId: text().notNull(),
  /** The earliest snapshot day that listed the device. When it was last seen is in core.device_days
   * (and the month-end tables): keeping it here would rewrite every device row every night. */
  firstSeenOn: date().notNull(),
}, (t) => [unique().on(t.sourceInstanceId, t.vendorId)]);

/** The ordered spare rules; the first enabled rule that matches decides, and its id is stored per device-day. */
/**
 * The warehouse's settings, one row, read by the views (a join, so the reader role needs no access):
 * the time zone whose days the views speak in, and the billing policy (which device classes are
 * billed, after how many silent days a billed device is flagged stale). Changes are recorded in
 * ops.setting_changes; a billing-policy change re-judges open months only.
 */
export const settings = core.table('settings', {
  singleton: boolean().primaryKey().default(true),
  /** IANA zone of WAREHOUSE_TIMEZONE, written by every command that reads the config. */
  timeZone: text().notNull().default('UTC'),
  billedClasses: text().array().notNull().default(sql.raw(`'{${DEFAULT_BILLING_POLICY.billedClasses.join(',')}}'::text[]`)),
  staleAfterDays: integer().notNull().default(DEFAULT_BILLING_POLICY.staleAfterDays),
  updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
}, (t) => [check('settings_singleton', sql`${t.singleton}`), check('settings_stale_after_days', sql`${t.staleAfterDays} between 1 and 3650`)]);

/**
 * What each source is to the warehouse, as data the views join instead of naming vendors: the RMM
 * (the estate of record the other sources' devices are matched against, `not_in_rmm`), the
 * application allowlisting tool (`no_threatlocker`, `threatlocker_on_spare`) and the patch manager
 * (`no_pmp`); which sources report patch status; the product name findings print. One row per
 * source the collectors know (seeded by migration), one source per role. Which source's
 * organisations create sites is another fact, WAREHOUSE_SITE_SOURCE, read by the runner: the views
 * never depend on it.
 */
export const sourceRoles = core.table('source_roles', {
  source: text().primaryKey(),
  /** rmm | allowlisting | patching */
  role: text().notNull().unique(),
  /** The product's name in findings' text ("NinjaOne"). */
  vendor: text().notNull(),
  reportsPatches: boolean().notNull().default(false),
}, (t) => [check('source_roles_role', sql`${t.role} in ('rmm', 'allowlisting', 'patching')`)]);

export const spareRules = core.table('spare_rules', {
  ruleId: text().primaryKey(),
  priority: integer().notNull(),
  /** display_name | location | vendor_class */
  field: text().notNull(),
  /** ILIKE pattern. */
  pattern: text().notNull(),
  /** Null = every source. */
  source: text(),
  description: text().notNull(),
  enabled: boolean().notNull().default(true),
});

/** Cross-vendor findings; they persist across runs with their acknowledgement. */
export const exceptions = core.table('exceptions', {
  siteId: integer().notNull(),
  exceptionId: bigserial({ mode: 'number' }).notNull(),
  kind: text().notNull(),
  /** Stable identity of the finding within its kind (e.g. the device key), so re-runs update it. */
  subjectKey: text().notNull(),
  detail: text().notNull(),
  firstSeenOn: date().notNull(),
  lastSeenOn: date().notNull(),
  /** open | acknowledged | resolved */
  status: text().notNull().default('open'),
  note: text(),
  acknowledgedAt: timestamp({ withTimezone: true }),
  resolvedOn: date(),
  deviceId: bigint({ mode: 'number' }),
  /** The source instance whose data the finding is about; a refresh only resolves findings it could evaluate. */
  sourceInstanceId: integer(),
  /** Human name of the subject (host name), kept after the device is gone. */
  subjectName: text(),
}, (t) => [
  primaryKey({ columns: [t.siteId, t.exceptionId] }),
  unique().on(t.siteId, t.kind, t.subjectKey),
  index().on(t.status),
]);

/**
 * The cross-vendor picture as of the last exceptions refresh (warehouse/matching/exceptions.ts): one
 * row per device of every source at its latest snapshot, with the RMM device it matched and the rule
 * that matched. Kept in step by each refresh, rewriting only the devices it re-judged; bi.coverage
 * reads it, so coverage and exceptions agree.
 */
export const deviceMatches = core.table('device_matches', {
  siteId: integer().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  sourceInstanceId: integer().notNull(),
  /**
   * No longer kept (null since migration 0027): they changed every night for every device, so each
   * refresh rewrote the whole picture. The as-of day is the refresh's (ops.exception_refreshes), the
   * snapshot day its source's latest (staging.source_days_latest). Not dropped: bi.coverage as
   * created by earlier releases reads the table's every column, and views built on it would block it.
   */
  snapshotDay: date(),
  evaluatedOn: date(),
  billingStatus: text().notNull(),
  isSpare: boolean().notNull(),
  hostKey: text(),
  /** Null for RMM devices and for devices no rule matched. */
  rmmDeviceId: bigint({ mode: 'number' }),
  rmmSiteId: integer(),
  /** hostname | hostname_netbios | serial | mac | hostname_ip */
  matchRule: text(),
  /** Why a rule could not decide (several candidates), when one could not. */
  ambiguity: text(),
}, (t) => [
  primaryKey({ columns: [t.siteId, t.deviceId] }),
  index().on(t.rmmDeviceId),
]);

/**
 * The incremental refresh's inputs (warehouse/matching/exceptions.ts): staging.device_match_keys as
 * the last refresh read it, one row per device of every source instance at that instance's latest
 * snapshot, without the snapshot day (it changes every night for every device, the keys rarely). A
 * refresh diffs the view against it to find the devices whose keys, site or attributes changed, and
 * re-judges only the match groups they touch.
 */
export const matchKeys = core.table('match_keys', {
  siteId: integer().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  sourceInstanceId: integer().notNull(),
  source: text().notNull(),
  instance: text().notNull(),
  vendorId: text().notNull(),
  /** The device-day columns the keys are made of, as read, so the nightly diff compares columns instead of recomputing every device's keys. */
  aliasId: integer().notNull(),
  fqdn: text(),
  serialNumber: text(),
  macAddresses: text().array().notNull(),
  ipAddresses: text().array().notNull(),
  site: text().notNull(),
  isUnmapped: boolean().notNull(),
  aliasExternalId: text(),
  namespace: text().notNull(),
  hostname: text(),
  displayName: text(),
  subjectName: text(),
  deviceClass: text().notNull(),
  billingStatus: text().notNull(),
  isSpare: boolean().notNull(),
  spareRuleId: text(),
  hostKey: text(),
  serialKey: text(),
  macKeys: text().array().notNull(),
  ipKeys: text().array().notNull(),
  sourceRole: text(),
  vendorName: text().notNull(),
  /** md5 of each MAC key, for the GIN index: a vendor's value can be of any length, an index entry cannot. */
  macHashes: text().array().notNull(),
}, (t) => [
  primaryKey({ columns: [t.siteId, t.deviceId] }),
  // The incremental refresh's look-ups, one per matching key: devices sharing a key with a change.
  // Names and serials can be of any length (tests/faults/long-names.test.ts): the indexes hold a
  // 15-character prefix or an md5, and the queries compare the whole value too.
  index('match_keys_host_prefix_index').on(sql`left(${t.hostKey}, 15)`),
  index('match_keys_serial_md5_index').on(sql`md5(${t.serialKey})`),
  // No pending list: each look-up would read all of it (11 ms a key once a night's rows are in it).
  index().using('gin', t.macHashes).with({ fastupdate: false }),
  index('match_keys_host_md5_index').on(t.sourceInstanceId, sql`md5(${t.hostKey})`),
  index().on(t.deviceId),
]);

/**
 * The findings the last refresh found (staging.cross_vendor_findings as it then read, without as_of):
 * an incremental refresh replaces the rows of the subjects it re-judged and keeps the rest.
 */
export const currentFindings = core.table('current_findings', {
  siteId: integer().notNull(),
  kind: text().notNull(),
  subjectKey: text().notNull(),
  sourceInstanceId: integer().notNull(),
  deviceId: bigint({ mode: 'number' }),
  subjectName: text(),
  detail: text().notNull(),
}, (t) => [
  primaryKey({ columns: [t.siteId, t.kind, t.subjectKey] }),
  index().on(t.deviceId),
]);

export const pmpSummaries = core.table('pmp_summaries', {
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  snapshotDay: date().notNull(),
  runId: bigint({ mode: 'number' }).notNull(),
  takenAt: timestamp({ withTimezone: true }).notNull(),
  /** Every summary leaf, flattened as `<group>.<metric>`. */
  metrics: jsonb().$type<Record<string, number | boolean | string | null>>().notNull(),
  severitySumDifference: integer(),
  notes: text().array().notNull().default([]),
}, (t) => [primaryKey({ columns: [t.sourceInstanceId, t.snapshotDay] })]);

/**
 * PMP's `/api/1.4/patch/dbupdatestatus` (the vulnerability database's own update status), one row per
 * source-day like the summary: the last run of the day wins. The endpoint is optional: a server that
 * does not serve it (PMP Cloud's docs say "not applicable"), a 403 or an error body is recorded here
 * with `fetchError` and null values, and the run still succeeds.
 */
export const pmpDbUpdates = core.table('pmp_db_updates', {
  sourceInstanceId: integer().notNull().references(() => sourceInstances.sourceInstanceId),
  snapshotDay: date().notNull(),
  runId: bigint({ mode: 'number' }).notNull(),
  /** When the answer (or the failure) arrived. */
  fetchedAt: timestamp({ withTimezone: true }).notNull(),
  /** "Success" or "Failed" as PMP words it. */
  lastDbUpdateStatus: text(),
  lastDbUpdateAt: timestamp({ withTimezone: true }),
  nextDbUpdateAt: timestamp({ withTimezone: true }),
  autoUpdateDisabled: boolean(),
  /** Why there are no values: the endpoint's failure, redacted; null when fetched. */
  fetchError: text(),
}, (t) => [primaryKey({ columns: [t.sourceInstanceId, t.snapshotDay] })]);
