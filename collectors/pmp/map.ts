/**
 * Pure mapping from PMP rows to the vendor-neutral rows. PMP's units are normalised here and only
 * here: "--" and 0 timestamps become null, epoch milliseconds become Date, numeric codes become labels,
 * dotted flat keys ("resource.name") are read as the fallback for their snake_case twins.
 */
import { createHash } from 'node:crypto';
import type { AliasRow, DeviceClass, DeviceRow, PatchStatusRow } from '../shared/rows.js';
import { cleanText } from '../../warehouse/load/clean-text.js';
import { HEALTH_STATUS, SCAN_STATUS, type AllSystemsRow, type PmpCustomer, type ScanDetailsRow } from './types.js';

/** A number, or null for "--", empty, missing or non-numeric values (numeric strings are accepted). */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/u.test(value.trim())) return Number(value);
  return null;
}

/** Text, or null for "--", "" and non-strings. */
export function text(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' || trimmed === '--' ? null : cleanText(trimmed);
}

/** Epoch milliseconds to Date; "--", 0 and negatives (PMP's "never") become null. */
export function epochMs(value: unknown): Date | null {
  const n = num(value);
  return n === null || n <= 0 ? null : new Date(n);
}

/** MAC addresses in upper-case colon form, de-duplicated; PMP may list several separated by commas. */
export function macList(value: unknown): string[] {
  const raw = text(value);
  if (raw === null) return [];
  const out: string[] = [];
  for (const part of raw.split(/[,;\s]+/u)) {
    const hex = part.replace(/[^0-9a-f]/giu, '').toUpperCase();
    if (hex.length !== 12) continue;
    const mac = hex.match(/../gu)!.join(':');
    if (!out.includes(mac)) out.push(mac);
  }
  return out;
}

export function ipList(value: unknown): string[] {
  const raw = text(value);
  if (raw === null) return [];
  return [...new Set(raw.split(/[,;\s]+/u).filter((ip) => ip !== '' && ip !== '--'))];
}

/**
 * PMP knows only the OS name: "Server" (or a hypervisor OS) means server, a Windows, macOS or Linux
 * name means workstation. It cannot see VM guests or headless Linux servers; NinjaOne can.
 */
export function deviceClassOf(osName: string | null, platform: string | null): DeviceClass {
  const os = `${osName ?? ''} ${platform ?? ''}`;
  if (/server|esxi|datacenter/iu.test(os)) return 'server';
  if (/windows|mac|os x|linux|ubuntu|debian|fedora|centos|red hat|rhel|suse|rocky|alma/iu.test(os)) return 'workstation';
  return 'other';
}

export function scanStatusOf(code: unknown): string | null {
  const n = num(code);
  return n === null ? null : SCAN_STATUS[n] ?? null;
}

export function healthStatusOf(code: unknown): string | null {
  const n = num(code);
  return n === null ? null : HEALTH_STATUS[n] ?? null;
}

export function onlineOf(code: unknown): boolean | null {
  const n = num(code);
  return n === 1 ? true : n === 2 ? false : null;
}

/** Either twin of a dotted key: PMP docs show "resource.name", live servers resource_name (§3.7). */
function either(row: Record<string, unknown>, snake: string, dotted: string): string | null {
  return text(row[snake]) ?? text(row[dotted]);
}

/** The alias a device belongs to: its customer (MSP edition) or its branch office. */
export interface SiteOf {
  mode: 'customers' | 'branch_offices';
  /** The customer the page was requested for (customerid=), used when a row lacks customer_id. */
  customerId?: number;
}

/** PMP puts systems without a branch office in its default one, "Local Office" (§3.7). */
export const DEFAULT_BRANCH_OFFICE = 'Local Office';

/** Longest branch office name used whole as its key; a longer one is keyed by a prefix and its digest. */
const NAME_KEY_MAX = 200;

/**
 * The branch office id as text; its name when the id is missing (a name too long to be a key, or
 * holding control characters, becomes its first characters and the sha-256 of the whole, the same
 * every night).
 */
export function branchOfficeKey(row: ScanDetailsRow): string {
  const id = num(row.branch_office_id);
  if (id !== null) return String(id);
  const name = text(row.branch_office_name) ?? DEFAULT_BRANCH_OFFICE;
  // eslint-disable-next-line no-control-regex
  if (name.length <= NAME_KEY_MAX && !/[\u0000-\u001f]/u.test(name)) return name;
  // eslint-disable-next-line no-control-regex
  return `${name.slice(0, 120).replace(/[\u0000-\u001f]/gu, ' ')}…#${createHash('sha256').update(name).digest('hex')}`;
}

/**
 * An id as text, or '' when the vendor left it out ("--", null, missing): the warehouse then
 * quarantines the row as "device id is missing" rather than publishing a device called "undefined".
 */
function idText(value: unknown): string {
  return value === undefined || value === null || value === '--' || value === '' ? '' : String(value);
}

export function orgOf(row: ScanDetailsRow, site: SiteOf): string {
  if (site.mode === 'customers') {
    // A system without its customer is quarantined as "organisation id is missing" (one record, not the run).
    const id = num(row.customer_id) ?? site.customerId ?? null;
    return id === null ? '' : String(id);
  }
  return branchOfficeKey(row);
}

/** A device row from a scandetails row (or an allsystems row when scandetails is out of scope). */
export function toDevice(row: ScanDetailsRow, site: SiteOf): DeviceRow {
  const osName = text(row.os_name);
  const platform = text(row.os_platform_name);
  return {
    vendorId: idText(row.resource_id),
    orgExternalId: orgOf(row, site),
    locationName: text(row.branch_office_name),
    displayName: text(row['managedcomputer.friendly_name']),
    hostname: either(row, 'resource_name', 'resource.name'),
    fqdn: text(row.fqdn_name),
    serialNumber: null,
    macAddresses: macList(row.mac_address),
    ipAddresses: ipList(row.ip_address),
    osName,
    osBuild: text(row.service_pack),
    vendorClass: platform,
    deviceClass: deviceClassOf(osName, platform),
    online: onlineOf(row.computer_live_status),
    lastContactAt: epochMs(row.agent_last_contact_time),
    lastUser: text(row.agent_logged_on_users),
    agentVersion: text(row.agent_version),
    extras: extrasOf(row),
  };
}

function extrasOf(row: ScanDetailsRow): Record<string, unknown> {
  const extras: Record<string, unknown> = {};
  const put = (key: string, value: unknown): void => {
    if (value !== null) extras[key] = value;
  };
  put('domain', either(row, 'domain_netbios_name', 'resource.domain_netbios_name'));
  put('branchOfficeId', num(row.branch_office_id));
  put('customerId', num(row.customer_id));
  put('agentInstalled', num(row.installation_status) === null ? null : num(row.installation_status) === 22);
  // When the agent was installed: the system's "date added" in the per-system picture.
  put('agentInstalledAt', epochMs(row.agent_installed_on)?.toISOString() ?? null);
  put('healthStatus', healthStatusOf(row.resource_health_status));
  return extras;
}

function sumOrNull(values: Array<number | null>): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0);
}

/** Per-system patch status from an allsystems row: counts by severity and by kind, scan and health. */
export function toPatchStatus(row: AllSystemsRow): PatchStatusRow {
  return {
    vendorId: idText(row.resource_id),
    missingCritical: num(row.critical_patch_count),
    missingImportant: num(row.important_patch_count),
    missingModerate: num(row.moderate_patch_count),
    missingLow: num(row.low_patch_count),
    missingUnrated: num(row.unrated_patch_count),
    missingOs: num(row.missing_ms_patches),
    missingThirdParty: num(row.missing_tp_patches),
    missingDriver: num(row.missing_driver_patches),
    missingBios: num(row.missing_bios_patches),
    installedCount: sumOrNull([
      num(row.installed_ms_patches), num(row.installed_tp_patches),
      num(row.installed_driver_patches), num(row.installed_bios_patches),
    ]),
    lastScanAt: epochMs(row.last_scan_time),
    lastSuccessfulScanAt: epochMs(row.last_successful_scan),
    scanStatus: scanStatusOf(row.scan_status),
    healthStatus: healthStatusOf(row.resource_health_status),
    installedByKind: {
      os: num(row.installed_ms_patches), thirdParty: num(row.installed_tp_patches),
      driver: num(row.installed_driver_patches), bios: num(row.installed_bios_patches),
    },
    totalByKind: {
      os: num(row.total_ms_patches), thirdParty: num(row.total_tp_patches),
      driver: num(row.total_driver_patches), bios: num(row.total_bios_patches),
    },
    lastPatchedAt: epochMs(row.last_patched_time),
  };
}

export function customerAlias(customer: PmpCustomer): AliasRow {
  return { externalId: String(customer.customer_id), name: customer.customer_name, kind: 'customer', parentExternalId: null };
}

/** A branch office as a site alias (single-tenant servers). */
export function branchOfficeAlias(row: ScanDetailsRow): AliasRow {
  const name = text(row.branch_office_name) ?? DEFAULT_BRANCH_OFFICE;
  return { externalId: branchOfficeKey(row), name, kind: 'branch_office', parentExternalId: null };
}

/** Customers from `/dcapi/customers`, tolerant of the spellings seen in ManageEngine's MSP APIs. */
export function parseCustomers(body: unknown): PmpCustomer[] | null {
  const root = body as Record<string, unknown> | null;
  const list = root?.customers ?? (root?.message_response as Record<string, unknown> | undefined)?.customers;
  if (!Array.isArray(list)) return null;
  const out: PmpCustomer[] = [];
  for (const item of list as unknown[]) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
    const record = item as Record<string, unknown>;
    const id = num(record.customer_id ?? record.customerID ?? record.customerId);
    if (id === null) return null;
    // A customer without a name is still a client whose systems must be read: it is named by its id.
    const name = text(record.customer_name ?? record.customerName) ?? `Customer ${id}`;
    out.push({ customer_id: id, customer_name: name });
  }
  return out;
}
