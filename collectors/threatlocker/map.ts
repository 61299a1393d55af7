/**
 * Pure mapping from ThreatLocker payloads to vendor-neutral rows. No I/O, no clock: the same page
 * always maps to the same rows (tested on payloads shaped like the live ones).
 */
import type { AliasRow, DeviceClass, DeviceRow } from '../shared/rows.js';
import { OS_TYPES, type TlComputer, type TlOrganization } from './types.js';
import { FieldError, describeType, optionalBoolean, optionalNumber, optionalText, optionalTextList } from '../shared/fields.js';

/** A row the mapper cannot trust; the stream turns it into a PayloadError naming the page. */
export class RowShapeError extends FieldError {}

export function mapOrganization(org: TlOrganization, kind: AliasRow['kind'] = 'child_organization'): AliasRow {
  const externalId = guidField(org, 'organizationId');
  const name = text(org.displayName, 'displayName') ?? text(org.name, 'name') ?? externalId;
  return { externalId, name, kind, parentExternalId: null };
}

export function mapComputer(computer: TlComputer): DeviceRow {
  const osName = text(computer.operatingSystem, 'operatingSystem');
  const osType = optionalNumber(computer.osType, 'osType');
  return {
    vendorId: guidField(computer, 'computerId'),
    orgExternalId: guidField(computer, 'organizationId'),
    locationName: text(computer.group, 'group'),
    // Kept as listed ("HOST | User Name" included): the spare rule reads it, the matcher strips the suffix.
    displayName: nonEmpty(computer.computerName, 'computerName'),
    hostname: text(computer.hostname, 'hostname'),
    fqdn: null,
    serialNumber: serialOf(computer.serialNumber),
    // ThreatLocker does not report MAC addresses.
    macAddresses: [],
    ipAddresses: ipsOf(computer.lastCheckinLocalIPAddresses, 'lastCheckinLocalIPAddresses'),
    osName,
    osBuild: text(computer.ipOperatingSystem, 'ipOperatingSystem'),
    vendorClass: osType === null ? null : osTypeText(osType),
    deviceClass: classify(osType, osName, text(computer.group, 'group')),
    // ThreatLocker has no online flag; lastContactAt says how fresh the agent is.
    online: null,
    lastContactAt: parseInstant(computer.lastCheckin, 'lastCheckin'),
    lastUser: text(computer.username, 'username'),
    agentVersion: text(computer.threatLockerVersion, 'threatLockerVersion') ?? text(computer.serviceVersion, 'serviceVersion'),
    extras: extrasOf(computer),
  };
}

export function osTypeText(osType: number): string {
  return OS_TYPES[osType] ?? `os_type_${osType}`;
}

/**
 * Device class from osType and the OS name. ThreatLocker has no VM or hypervisor notion, so guests
 * and hosts fall out as servers or workstations by their OS. Linux names rarely say "server"
 * ("Ubuntu 22.04.4 LTS" runs both), so for Linux the enterprise distributions are servers and, failing
 * that, a computer group named for servers decides; everything else Linux is a workstation.
 */
export function classify(osType: number | null, osName: string | null, group: string | null = null): DeviceClass {
  const name = (osName ?? '').toLowerCase();
  const namedServer = /\bserver\b/u.test(name);
  switch (osType) {
    case 1:
    case 2:
    case 5:
      return namedServer ? 'server' : 'workstation';
    case 3:
    case 7:
      return osType === 7 || LINUX_SERVER.test(name) || /\bservers?\b/iu.test(group ?? '') ? 'server' : 'workstation';
    default:
      if (namedServer) return 'server';
      return /windows|mac ?os|os x/u.test(name) ? 'workstation' : 'other';
  }
}

const LINUX_SERVER = /\bserver\b|red hat|\brhel\b|centos|rocky linux|almalinux|oracle linux|suse linux enterprise|\bsles\b|amazon linux/u;

function extrasOf(c: TlComputer): Record<string, unknown> {
  return {
    mode: text(c.action, 'action'),
    modeLabel: text(c.mode, 'mode'),
    maintenanceTypeId: optionalNumber(c.maintenanceTypeId, 'maintenanceTypeId'),
    maintenanceEndDate: parseInstant(c.maintenanceEndDate, 'maintenanceEndDate')?.toISOString() ?? null,
    isDeleted: flag(c.isDeleted, 'isDeleted'),
    denyCountOneDay: optionalNumber(c.denyCountOneDay, 'denyCountOneDay'),
    denyCountThreeDays: optionalNumber(c.denyCountThreeDays, 'denyCountThreeDays'),
    denyCountSevenDays: optionalNumber(c.denyCountSevenDays, 'denyCountSevenDays'),
    isIsolated: flag(c.isIsolated, 'isIsolated'),
    isLockedOut: flag(c.isLockedOut, 'isLockedOut'),
    isTamperProtectionDisabled: flag(c.isTamperProtectionDisabled, 'isTamperProtectionDisabled'),
    computerGroupId: text(c.computerGroupId, 'computerGroupId'),
    organizationName: text(c.organization, 'organization'),
  };
}

/** ISO-8601 (ThreatLocker sends UTC with `Z`, sometimes with microseconds); .NET's year-1 "never" is null. */
export function parseInstant(value: unknown, field = 'timestamp'): Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new RowShapeError(`${field} is ${describeType(value)}, expected an ISO-8601 string`);
  if (value.trim() === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  return date.getUTCFullYear() < 1971 ? null : date;
}

function ipsOf(value: unknown, field: string): string[] {
  const out = new Set<string>();
  for (const item of optionalTextList(value, field)) {
    const ip = item.trim();
    if (ip) out.add(ip);
  }
  return [...out];
}

/** Placeholder serials some firmware reports are not serials. */
function serialOf(value: unknown): string | null {
  const serial = text(value, 'serialNumber');
  if (!serial) return null;
  return /^(none|n\/a|to be filled by o\.e\.m\.|default string|0+|system serial number)$/iu.test(serial) ? null : serial;
}

function guidField(row: Record<string, unknown>, key: string): string {
  const value = row[key];
  if (typeof value !== 'string' || value.trim() === '') throw new RowShapeError(`${key} is missing or not a string`);
  return value.trim().toLowerCase();
}

/** Text, trimmed and cleaned; a number becomes its decimal string; another type is drift (quarantined). */
function text(value: unknown, field: string): string | null {
  return optionalText(value, field)?.trim() ?? null;
}

/** Like text(), but kept as listed (untrimmed). */
function nonEmpty(value: unknown, field: string): string | null {
  return optionalText(value, field);
}

/** ThreatLocker's flags: absent means false. */
function flag(value: unknown, field: string): boolean {
  return optionalBoolean(value, field) ?? false;
}
