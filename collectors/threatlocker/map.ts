/**
 * Pure mapping from ThreatLocker payloads to vendor-neutral rows. No I/O, no clock: the same page
 * always maps to the same rows (tested on payloads shaped like the live ones).
 */
import type { AliasRow, DeviceClass, DeviceRow } from '../shared/rows.js';
import { OS_TYPES, type TlComputer, type TlOrganization } from './types.js';

/** A row the mapper cannot trust; the stream turns it into a PayloadError naming the page. */
export class RowShapeError extends Error {}

export function mapOrganization(org: TlOrganization, kind: AliasRow['kind'] = 'child_organization'): AliasRow {
  const externalId = guidField(org, 'organizationId');
  const name = text(org.displayName) ?? text(org.name) ?? externalId;
  return { externalId, name, kind, parentExternalId: null };
}

export function mapComputer(computer: TlComputer): DeviceRow {
  const osName = text(computer.operatingSystem);
  const osType = typeof computer.osType === 'number' ? computer.osType : null;
  return {
    vendorId: guidField(computer, 'computerId'),
    orgExternalId: guidField(computer, 'organizationId'),
    locationName: text(computer.group),
    // Kept as listed ("HOST | User Name" included): the spare rule reads it, the matcher strips the suffix.
    displayName: nonEmpty(computer.computerName),
    hostname: text(computer.hostname),
    fqdn: null,
    serialNumber: serialOf(computer.serialNumber),
    // ThreatLocker does not report MAC addresses.
    macAddresses: [],
    ipAddresses: ipsOf(computer.lastCheckinLocalIPAddresses),
    osName,
    osBuild: text(computer.ipOperatingSystem),
    vendorClass: osType === null ? null : osTypeText(osType),
    deviceClass: classify(osType, osName, text(computer.group)),
    // ThreatLocker has no online flag; lastContactAt says how fresh the agent is.
    online: null,
    lastContactAt: parseInstant(computer.lastCheckin),
    lastUser: text(computer.username),
    agentVersion: text(computer.threatLockerVersion) ?? text(computer.serviceVersion),
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
    mode: text(c.action),
    modeLabel: text(c.mode),
    maintenanceTypeId: numberOrNull(c.maintenanceTypeId),
    maintenanceEndDate: parseInstant(c.maintenanceEndDate)?.toISOString() ?? null,
    isDeleted: c.isDeleted === true,
    denyCountOneDay: numberOrNull(c.denyCountOneDay),
    denyCountThreeDays: numberOrNull(c.denyCountThreeDays),
    denyCountSevenDays: numberOrNull(c.denyCountSevenDays),
    isIsolated: c.isIsolated === true,
    isLockedOut: c.isLockedOut === true,
    isTamperProtectionDisabled: c.isTamperProtectionDisabled === true,
    computerGroupId: text(c.computerGroupId),
    organizationName: text(c.organization),
  };
}

/** ISO-8601 (ThreatLocker sends UTC with `Z`, sometimes with microseconds); .NET's year-1 "never" is null. */
export function parseInstant(value: unknown): Date | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  return date.getUTCFullYear() < 1971 ? null : date;
}

function ipsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out = new Set<string>();
  for (const item of value) {
    const ip = typeof item === 'string' ? item.trim() : '';
    if (ip) out.add(ip);
  }
  return [...out];
}

/** Placeholder serials some firmware reports are not serials. */
function serialOf(value: unknown): string | null {
  const serial = text(value);
  if (!serial) return null;
  return /^(none|n\/a|to be filled by o\.e\.m\.|default string|0+|system serial number)$/iu.test(serial) ? null : serial;
}

function guidField(row: Record<string, unknown>, key: string): string {
  const value = row[key];
  if (typeof value !== 'string' || value.trim() === '') throw new RowShapeError(`${key} is missing or not a string`);
  return value.trim().toLowerCase();
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
