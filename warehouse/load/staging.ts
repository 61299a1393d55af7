/**
 * Run-scoped staging tables: UNLOGGED (nothing to recover after a crash: the run simply failed),
 * named after the run, dropped when the run ends and swept if a killed run left them behind.
 * Autovacuum is off for them: an auto-analyze of a freshly filled staging table only delays the
 * DROP at the end of the run (it waits for deadlock_timeout before the analyze is cancelled).
 */
import type { Sql } from 'postgres';
import type { DeviceRow, PatchStatusRow } from '../rows.js';
import type { CopyValue } from './copy.js';

export const DEVICE_COLUMNS = [
  'vendor_id', 'org_external_id', 'location_name', 'display_name', 'hostname', 'fqdn', 'serial_number',
  'mac_addresses', 'ip_addresses', 'os_name', 'os_build', 'vendor_class', 'device_class', 'online',
  'last_contact_at', 'last_user', 'agent_version', 'extras',
] as const;

export const PATCH_COLUMNS = [
  'vendor_id', 'missing_critical', 'missing_important', 'missing_moderate', 'missing_low', 'missing_unrated',
  'missing_os', 'missing_third_party', 'missing_driver', 'missing_bios', 'installed_count', 'last_scan_at',
  'last_successful_scan_at', 'scan_status', 'health_status', 'installed_os', 'installed_third_party',
  'installed_driver', 'installed_bios', 'total_os', 'total_third_party', 'total_driver', 'total_bios', 'last_patched_at',
] as const;

export function encodeDevice(row: DeviceRow): CopyValue[] {
  return [
    row.vendorId, row.orgExternalId, row.locationName, row.displayName, row.hostname, row.fqdn, row.serialNumber,
    row.macAddresses, row.ipAddresses, row.osName, row.osBuild, row.vendorClass, row.deviceClass, row.online,
    row.lastContactAt, row.lastUser, row.agentVersion, row.extras,
  ];
}

export function encodePatch(row: PatchStatusRow): CopyValue[] {
  return [
    row.vendorId, row.missingCritical, row.missingImportant, row.missingModerate, row.missingLow, row.missingUnrated,
    row.missingOs, row.missingThirdParty, row.missingDriver, row.missingBios, row.installedCount, row.lastScanAt,
    row.lastSuccessfulScanAt, row.scanStatus, row.healthStatus,
    row.installedByKind.os, row.installedByKind.thirdParty, row.installedByKind.driver, row.installedByKind.bios,
    row.totalByKind.os, row.totalByKind.thirdParty, row.totalByKind.driver, row.totalByKind.bios, row.lastPatchedAt,
  ];
}

export interface StagingTables { devices: string; patch: string }

export function stagingNames(runId: number): StagingTables {
  return { devices: `staging.run_${runId}_devices`, patch: `staging.run_${runId}_patch` };
}

export async function createStaging(sql: Sql, runId: number): Promise<StagingTables> {
  const names = stagingNames(runId);
  await sql.unsafe(`
    create unlogged table ${names.devices} (
      vendor_id text, org_external_id text, location_name text, display_name text, hostname text, fqdn text,
      serial_number text, mac_addresses text[], ip_addresses text[], os_name text, os_build text, vendor_class text,
      device_class text, online boolean, last_contact_at timestamptz, last_user text, agent_version text, extras jsonb
    ) with (autovacuum_enabled = false);
    create unlogged table ${names.patch} (
      vendor_id text, missing_critical integer, missing_important integer, missing_moderate integer,
      missing_low integer, missing_unrated integer, missing_os integer, missing_third_party integer,
      missing_driver integer, missing_bios integer, installed_count integer, last_scan_at timestamptz,
      last_successful_scan_at timestamptz, scan_status text, health_status text,
      installed_os integer, installed_third_party integer, installed_driver integer, installed_bios integer,
      total_os integer, total_third_party integer, total_driver integer, total_bios integer, last_patched_at timestamptz
    ) with (autovacuum_enabled = false);`);
  return names;
}

export async function dropStaging(sql: Sql, runId: number): Promise<void> {
  const names = stagingNames(runId);
  await sql.unsafe(`drop table if exists ${names.devices}; drop table if exists ${names.patch};`);
}

/** Staging tables of runs that are no longer running (killed processes) are garbage. */
export async function sweepStaging(sql: Sql): Promise<number> {
  const tables = await sql<{ name: string }[]>`
    select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'staging' and c.relkind = 'r' and c.relname ~ '^run_[0-9]+_'
      and not exists (
        select 1 from ops.sync_runs r
        where r.status = 'running' and c.relname like 'run\\_' || r.run_id || '\\_%'
      )`;
  for (const { name } of tables) await sql.unsafe(`drop table if exists staging."${name}"`);
  return tables.length;
}
