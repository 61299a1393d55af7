/**
 * NinjaOne payload -> vendor-neutral rows. Pure: no I/O, no clock. Every vendor field is optional
 * (the API omits null keys), so each mapper says what it does when one is missing.
 */
import type { AliasRow, DeviceClass, DeviceRow, PatchStatusRow } from '../shared/rows.js';
import type {
  NinjaAgentDevice, NinjaDetailedDevice, NinjaLocation, NinjaOrganization, NinjaOsPatchRow, NinjaVmGuest, NinjaVmHost,
} from './types.js';

/** A payload the mapper cannot turn into a row without guessing (the collector reports it as a PayloadError). */
export class MappingError extends Error {}

export function organizationAlias(org: NinjaOrganization): AliasRow {
  return { externalId: String(org.id), name: nonEmpty(org.name) ?? `Organization ${org.id}`, kind: 'organization', parentExternalId: null };
}

export function locationAlias(location: NinjaLocation): AliasRow {
  if (location.organizationId === undefined) {
    throw new MappingError(`location ${location.id} has no organizationId`);
  }
  return {
    externalId: String(location.id),
    name: nonEmpty(location.name) ?? `Location ${location.id}`,
    kind: 'location',
    parentExternalId: String(location.organizationId),
  };
}

const CLASS_BY_NODE_CLASS: Readonly<Record<string, DeviceClass>> = {
  WINDOWS_WORKSTATION: 'workstation',
  MAC: 'workstation',
  LINUX_WORKSTATION: 'workstation',
  WINDOWS_SERVER: 'server',
  LINUX_SERVER: 'server',
  MAC_SERVER: 'server',
  VMWARE_VM_HOST: 'vm_host',
  HYPERV_VMM_HOST: 'vm_host',
  VMWARE_VM_GUEST: 'vm_guest',
  HYPERV_VMM_GUEST: 'vm_guest',
  ANDROID: 'mobile',
  APPLE_IOS: 'mobile',
  APPLE_IPADOS: 'mobile',
};

export function deviceClassOf(nodeClass: unknown): DeviceClass {
  if (nodeClass === undefined) return 'other';
  if (typeof nodeClass !== 'string') throw new MappingError(`nodeClass ${JSON.stringify(nodeClass)} is not a string`);
  if (nodeClass.startsWith('NMS_')) return 'network';
  return CLASS_BY_NODE_CLASS[nodeClass] ?? 'other';
}

/** Windows agents are the devices NinjaOne OS patching covers; each gets a patch row, zero or not. */
const PATCHABLE_NODE_CLASSES = new Set(['WINDOWS_WORKSTATION', 'WINDOWS_SERVER', 'HYPERV_VMM_HOST']);

export function isPatchable(device: NinjaDetailedDevice): boolean {
  return (device.deviceType === undefined || device.deviceType === 'AgentDevice')
    && device.nodeClass !== undefined && PATCHABLE_NODE_CLASSES.has(device.nodeClass);
}

export function deviceRow(device: NinjaDetailedDevice, locationNames: ReadonlyMap<number, string>): DeviceRow {
  if (typeof device.id !== 'number') throw new MappingError('device id is missing');
  if (device.organizationId === undefined) throw new MappingError(`device ${device.id} has no organizationId`);
  const agent = device as NinjaAgentDevice;
  const guest = device as NinjaVmGuest;
  const host = device as NinjaVmHost;
  const dnsName = nonEmpty(device.dnsName);
  const dnsIsHost = dnsName !== null && !isIpAddress(dnsName);
  return {
    vendorId: String(device.id),
    orgExternalId: String(device.organizationId),
    locationName: device.locationId === undefined ? null : locationNames.get(device.locationId) ?? null,
    displayName: nonEmpty(device.displayName),
    hostname: nonEmpty(device.systemName) ?? (dnsIsHost ? dnsName.split('.')[0] ?? null : null),
    // VMware hosts report an IP as dnsName (vendor-apis.md §1.7); an IP is not an FQDN.
    fqdn: dnsIsHost ? dnsName : null,
    serialNumber: realSerial(agent.system?.serialNumber) ?? realSerial(agent.system?.biosSerialNumber)
      ?? (device.deviceType === 'VMHost' ? realSerial(host.serviceTag) : null),
    macAddresses: normaliseMacs(device.macAddresses ?? []),
    ipAddresses: [...new Set((device.ipAddresses ?? []).filter((ip) => ip !== ''))],
    osName: osNameOf(device, agent, guest, host),
    osBuild: nonEmpty(agent.os?.buildNumber) ?? (device.deviceType === 'VMHost' ? nonEmpty(host.buildNumber) : null),
    vendorClass: nonEmpty(device.nodeClass),
    deviceClass: deviceClassOf(device.nodeClass),
    online: device.offline === undefined ? null : !device.offline,
    lastContactAt: epochSecondsToDate(device.lastContact),
    lastUser: nonEmpty(agent.lastLoggedInUser),
    agentVersion: null,
    extras: deviceExtras(device),
  };
}

function osNameOf(device: NinjaDetailedDevice, agent: NinjaAgentDevice, guest: NinjaVmGuest, host: NinjaVmHost): string | null {
  const fromAgent = nonEmpty(agent.os?.name);
  if (fromAgent !== null) return fromAgent;
  // Agentless devices have no os block; their type-specific fields say what runs on them.
  if (device.deviceType === 'VMGuest') return nonEmpty(guest.guestOSFullName);
  if (device.deviceType === 'VMHost') return nonEmpty(host.releaseName);
  return null;
}

function deviceExtras(device: NinjaDetailedDevice): Record<string, unknown> {
  const extras: Record<string, unknown> = {
    deviceType: device.deviceType,
    approvalStatus: device.approvalStatus,
    nodeClass: device.nodeClass,
    parentDeviceId: device.parentDeviceId,
    locationId: device.locationId,
    uid: device.uid,
    publicIP: device.publicIP,
    netbiosName: device.netbiosName,
    created: epochSecondsToDate(device.created)?.toISOString(),
    maintenanceStatus: device.maintenance?.status,
  };
  for (const key of Object.keys(extras)) if (extras[key] === undefined) delete extras[key];
  return extras;
}

/** Fractional epoch seconds -> Date, rounded to the millisecond (never truncated to whole seconds). */
export function epochSecondsToDate(value: number | string | undefined): Date | null {
  if (value === undefined || value === '') return null;
  const seconds = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(seconds)) return null;
  return new Date(Math.round(seconds * 1000));
}

/** Placeholders BIOSes and hypervisors put where a serial number should be. */
const SERIAL_PLACEHOLDERS = new Set(['none', 'n/a', 'na', 'null', '0', 'default string', 'to be filled by o.e.m.', 'system serial number', 'not specified']);

export function realSerial(value: string | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed || SERIAL_PLACEHOLDERS.has(trimmed.toLowerCase())) return null;
  return trimmed;
}

/** Upper-case colon form, de-duplicated in first-seen order; anything that is not a MAC is dropped. */
export function normaliseMacs(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const value of values) {
    const hex = value.replace(/[^0-9a-f]/giu, '').toUpperCase();
    if (hex.length !== 12) continue;
    out.add(hex.match(/../gu)!.join(':'));
  }
  return [...out];
}

function isIpAddress(value: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/u.test(value) || (value.includes(':') && /^[0-9a-f:.]+$/iu.test(value));
}

/** A usable string, or null: empty, missing, or (schema drift) not a string at all. */
function nonEmpty(value: unknown): string | null {
  return typeof value !== 'string' || value.trim() === '' ? null : value;
}

// ---------------------------------------------------------------------------------------------
// OS patches: query rows are folded into per-device counts as they stream past.

/** Statuses of a patch that is not installed and not deliberately rejected (vendor-apis.md §1.7). */
const MISSING_STATUSES = new Set(['PENDING', 'MANUAL', 'APPROVED', 'FAILED']);

export interface PatchCounts {
  critical: number;
  important: number;
  moderate: number;
  low: number;
  unrated: number;
  os: number;
  driver: number;
  /** Latest `timestamp` of the device's rows (when NinjaOne collected the patch data), epoch ms. */
  lastSeenMs: number | null;
}

export function emptyPatchCounts(): PatchCounts {
  return { critical: 0, important: 0, moderate: 0, low: 0, unrated: 0, os: 0, driver: 0, lastSeenMs: null };
}

export function isMissingPatch(row: NinjaOsPatchRow): boolean {
  return row.status !== undefined && MISSING_STATUSES.has(row.status.toUpperCase());
}

export function severityOf(severity: string | undefined): 'critical' | 'important' | 'moderate' | 'low' | 'unrated' {
  switch (severity?.toUpperCase()) {
    case 'CRITICAL': return 'critical';
    case 'IMPORTANT': return 'important';
    case 'MODERATE': return 'moderate';
    case 'LOW':
    case 'OPTIONAL': return 'low';
    default: return 'unrated';
  }
}

/** Add one os-patches row (already known to be missing) to its device's counts. */
export function addMissingPatch(counts: PatchCounts, row: NinjaOsPatchRow): void {
  counts[severityOf(row.severity)] += 1;
  if (row.type?.toUpperCase() === 'DRIVER_UPDATES') counts.driver += 1;
  else counts.os += 1;
  const seen = epochSecondsToDate(row.timestamp)?.getTime() ?? null;
  if (seen !== null && (counts.lastSeenMs === null || seen > counts.lastSeenMs)) counts.lastSeenMs = seen;
}

export function patchStatusRow(deviceId: number, counts: PatchCounts, installedCount: number | null): PatchStatusRow {
  return {
    vendorId: String(deviceId),
    missingCritical: counts.critical,
    missingImportant: counts.important,
    missingModerate: counts.moderate,
    missingLow: counts.low,
    missingUnrated: counts.unrated,
    missingOs: counts.os,
    // NinjaOne's OS-patch query says nothing about third-party software or firmware.
    missingThirdParty: null,
    missingDriver: counts.driver,
    missingBios: null,
    installedCount,
    lastScanAt: counts.lastSeenMs === null ? null : new Date(counts.lastSeenMs),
    lastSuccessfulScanAt: null,
    scanStatus: null,
    healthStatus: null,
  };
}
