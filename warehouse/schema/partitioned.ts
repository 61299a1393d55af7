/**
 * Large, day- or month-partitioned tables. Created by the hand-written migration
 * 0001_partitioned_tables.sql (drizzle-kit cannot express PARTITION BY), declared here so TypeScript
 * can query them. Every primary key leads with site_id so the tables can later be distributed by
 * site (DESIGN.md §11); retention drops whole partitions.
 */
import { bigint, boolean, date, integer, jsonb, pgSchema, text, timestamp } from 'drizzle-orm/pg-core';

const core = pgSchema('core');
const raw = pgSchema('raw');
const rollup = pgSchema('rollup');

export const deviceDays = core.table('device_days', {
  siteId: integer().notNull(),
  snapshotDay: date().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  sourceInstanceId: integer().notNull(),
  aliasId: integer().notNull(),
  runId: bigint({ mode: 'number' }).notNull(),
  vendorId: text().notNull(),
  locationName: text(),
  displayName: text(),
  hostname: text(),
  fqdn: text(),
  serialNumber: text(),
  macAddresses: text().array().notNull(),
  ipAddresses: text().array().notNull(),
  osName: text(),
  osBuild: text(),
  vendorClass: text(),
  deviceClass: text().notNull(),
  isSpare: boolean().notNull(),
  spareRuleId: text(),
  online: boolean(),
  lastContactAt: timestamp({ withTimezone: true }),
  lastUser: text(),
  agentVersion: text(),
  extras: jsonb().notNull(),
});

export const patchStatus = core.table('patch_status', {
  siteId: integer().notNull(),
  snapshotDay: date().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  sourceInstanceId: integer().notNull(),
  runId: bigint({ mode: 'number' }).notNull(),
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
  /** Per kind (OS = Microsoft, third-party, driver, BIOS) installed and applicable totals, where the vendor gives them (PMP allsystems). */
  installedOs: integer(),
  installedThirdParty: integer(),
  installedDriver: integer(),
  installedBios: integer(),
  totalOs: integer(),
  totalThirdParty: integer(),
  totalDriver: integer(),
  totalBios: integer(),
  /** When the device last had a patch installed (PMP last_patched_time). */
  lastPatchedAt: timestamp({ withTimezone: true }),
});

export const rawPages = raw.table('pages', {
  snapshotDay: date().notNull(),
  runId: bigint({ mode: 'number' }).notNull(),
  stream: text().notNull(),
  pageNo: integer().notNull(),
  fetchedAt: timestamp({ withTimezone: true }).notNull(),
  /** The page as jsonb, with NUL and lone UTF-16 surrogates (which jsonb refuses) replaced by U+FFFD. */
  payload: jsonb().notNull(),
  /** The page's exact JSON text when `payload` had to be cleaned; null when `payload` is the page unchanged. */
  payloadVerbatim: text(),
});

export const dailyCounts = rollup.table('daily_counts', {
  siteId: integer().notNull(),
  snapshotDay: date().notNull(),
  sourceInstanceId: integer().notNull(),
  deviceClass: text().notNull(),
  billingStatus: text().notNull(),
  devices: integer().notNull(),
});

export const monthEndDevices = rollup.table('month_end_devices', {
  siteId: integer().notNull(),
  month: date().notNull(),
  sourceInstanceId: integer().notNull(),
  deviceId: bigint({ mode: 'number' }).notNull(),
  monthEndDay: date().notNull(),
  vendorId: text().notNull(),
  displayName: text(),
  hostname: text(),
  deviceClass: text().notNull(),
  billingStatus: text().notNull(),
  reason: text().notNull(),
  spareRuleId: text(),
  /** The vendor organisation (alias) the device belonged to: re-mapping it re-attributes open months even after their dailies expired. */
  aliasId: integer(),
  lastContactAt: timestamp({ withTimezone: true }),
  /** Billed, but silent for more than core.settings.stale_after_days at the month-end day. */
  isStale: boolean().notNull().default(false),
});
