/** Month-end bookkeeping (the per-device month-end rows and the daily counts are partitioned: created by hand-written migrations, see index.ts). */
import { bigint, boolean, date, index, integer, pgSchema, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
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
