/**
 * NinjaOne payload -> vendor-neutral rows. Pure: no I/O, no clock. Every vendor field is optional
 * (the API omits null keys), so each mapper says what it does when one is missing.
 */
import { NO_KIND_COUNTS, type AliasRow, type DeviceClass, type DeviceRow, type PatchStatusRow } from '../shared/rows.js';
import type { NinjaDetailedDevice, NinjaLocation, NinjaOrganization, NinjaOsPatchRow } from './types.js';
import { FieldError, describeType, isRecord, optionalBlock, optionalBoolean, optionalNumber, optionalText, optionalTextList } from '../shared/fields.js';

/** A payload the mapper cannot turn into a row without guessing: a device is quarantined with it, a site alias fails the run. */
export class MappingError extends FieldError {}

/** NinjaOne ids are integers (the spec's int32); anything else would become a site called "Organization undefined". */
function aliasId(value: unknown, what: string): string {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new MappingError(`${what} ${JSON.stringify(value)?.slice(0, 40)} is not an integer id`);
  return String(value);
}

export function organizationAlias(org: NinjaOrganization): AliasRow {
  const id = aliasId(org.id, 'organization id');
  return { externalId: id, name: nonEmpty(org.name) ?? `Organization ${id}`, kind: 'organization', parentExternalId: null };
}

export function locationAlias(location: NinjaLocation): AliasRow {
  const id = aliasId(location.id, 'location id');
  if (location.organizationId === undefined) {
    throw new MappingError(`location ${id} has no organizationId`);
  }
  return {
    externalId: id,
    name: nonEmpty(location.name) ?? `Location ${id}`,
    kind: 'location',
    parentExternalId: aliasId(location.organizationId, `location ${id}'s organizationId`),
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
  // Typed as the spec says, read as what may arrive: any field can drift to another type.
  const d = device as unknown as Record<string, unknown>;
  if (d.id === undefined || d.id === null) throw new MappingError('device id is missing');
  if (typeof d.id !== 'number' || !Number.isSafeInteger(d.id)) throw new MappingError(`device id is ${describeType(d.id)}, expected an integer`);
  if (d.organizationId === undefined || d.organizationId === null) throw new MappingError(`device ${d.id} has no organizationId`);
  if (typeof d.organizationId !== 'number' || !Number.isSafeInteger(d.organizationId)) {
    throw new MappingError(`organizationId is ${describeType(d.organizationId)}, expected an integer`);
  }
  const deviceType = optionalText(d.deviceType, 'deviceType');
  const system = optionalBlock(d.system, 'system');
  const os = optionalBlock(d.os, 'os');
  const dnsName = optionalText(d.dnsName, 'dnsName');
  const dnsIsHost = dnsName !== null && !isIpAddress(dnsName);
  const locationId = optionalNumber(d.locationId, 'locationId');
  const offline = optionalBoolean(d.offline, 'offline');
  return {
    vendorId: String(d.id),
    orgExternalId: String(d.organizationId),
    locationName: locationId === null ? null : locationNames.get(locationId) ?? null,
    displayName: optionalText(d.displayName, 'displayName'),
    hostname: optionalText(d.systemName, 'systemName') ?? (dnsIsHost ? dnsName.split('.')[0] ?? null : null),
    // VMware hosts report an IP as dnsName (vendor-apis.md §1.7); an IP is not an FQDN.
    fqdn: dnsIsHost ? dnsName : null,
    serialNumber: realSerial(optionalText(system.serialNumber, 'system.serialNumber'))
      ?? realSerial(optionalText(system.biosSerialNumber, 'system.biosSerialNumber'))
      ?? (deviceType === 'VMHost' ? realSerial(optionalText(d.serviceTag, 'serviceTag')) : null),
    macAddresses: normaliseMacs(optionalTextList(d.macAddresses, 'macAddresses')),
    ipAddresses: [...new Set(optionalTextList(d.ipAddresses, 'ipAddresses').filter((ip) => ip.trim() !== ''))],
    osName: osNameOf(d, deviceType, os),
    osBuild: optionalText(os.buildNumber, 'os.buildNumber') ?? (deviceType === 'VMHost' ? optionalText(d.buildNumber, 'buildNumber') : null),
    vendorClass: optionalText(d.nodeClass, 'nodeClass'),
    deviceClass: deviceClassOf(d.nodeClass),
    online: offline === null ? null : !offline,
    lastContactAt: epochSecondsToDate(timestampOf(d.lastContact, 'lastContact')),
    lastUser: optionalText(d.lastLoggedInUser, 'lastLoggedInUser'),
    agentVersion: null,
    extras: deviceExtras(d),
  };
}

function osNameOf(d: Record<string, unknown>, deviceType: string | null, os: Record<string, unknown>): string | null {
  const fromAgent = optionalText(os.name, 'os.name');
  if (fromAgent !== null) return fromAgent;
  // Agentless devices have no os block; their type-specific fields say what runs on them.
  if (deviceType === 'VMGuest') return optionalText(d.guestOSFullName, 'guestOSFullName');
  if (deviceType === 'VMHost') return optionalText(d.releaseName, 'releaseName');
  return null;
}

/** Epoch seconds as a number or a numeric string; anything else is drift. */
function timestampOf(value: unknown, field: string): number | string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' || typeof value === 'string') return value;
  throw new MappingError(`${field} is ${describeType(value)}, expected epoch seconds`);
}

function deviceExtras(d: Record<string, unknown>): Record<string, unknown> {
  const extras: Record<string, unknown> = {
    deviceType: optionalText(d.deviceType, 'deviceType'),
    approvalStatus: optionalText(d.approvalStatus, 'approvalStatus'),
    nodeClass: optionalText(d.nodeClass, 'nodeClass'),
    parentDeviceId: optionalNumber(d.parentDeviceId, 'parentDeviceId'),
    locationId: optionalNumber(d.locationId, 'locationId'),
    uid: optionalText(d.uid, 'uid'),
    publicIP: optionalText(d.publicIP, 'publicIP'),
    netbiosName: optionalText(d.netbiosName, 'netbiosName'),
    created: epochSecondsToDate(timestampOf(d.created, 'created'))?.toISOString(),
    maintenanceStatus: optionalText(optionalBlock(d.maintenance, 'maintenance').status, 'maintenance.status'),
  };
  for (const key of Object.keys(extras)) if (extras[key] === undefined || extras[key] === null) delete extras[key];
  return extras;
}

/** Fractional epoch seconds -> Date, rounded to the millisecond (never truncated to whole seconds). */
export function epochSecondsToDate(value: number | string | null | undefined): Date | null {
  if (value === undefined || value === null || value === '') return null;
  const seconds = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(seconds)) return null;
  return new Date(Math.round(seconds * 1000));
}

/** Placeholders BIOSes and hypervisors put where a serial number should be. */
const SERIAL_PLACEHOLDERS = new Set(['none', 'n/a', 'na', 'null', '0', 'default string', 'to be filled by o.e.m.', 'system serial number', 'not specified']);

export function realSerial(value: string | null | undefined): string | null {
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
  return MISSING_STATUSES.has(upper(row.status));
}

/** Upper-cased text, or '' for anything that is not a string (patchRowProblem names those). */
export function upper(value: unknown): string {
  return typeof value === 'string' ? value.toUpperCase() : '';
}

/**
 * Why an os-patches row cannot be counted (a field of the wrong type), or undefined. The device's
 * patch row is then quarantined: a count missing one patch would be published as if it were whole.
 */
export function patchRowProblem(row: unknown): string | undefined {
  if (!isRecord(row)) return `os-patches row is ${describeType(row)}, expected an object`;
  for (const field of ['status', 'severity', 'type'] as const) {
    const value = row[field];
    if (value !== undefined && value !== null && typeof value !== 'string') return `os-patches ${field} is ${describeType(value)}, expected a string`;
  }
  const stamp = row.timestamp;
  if (stamp !== undefined && stamp !== null && typeof stamp !== 'number' && typeof stamp !== 'string') {
    return `os-patches timestamp is ${describeType(stamp)}, expected epoch seconds`;
  }
  return undefined;
}

export function severityOf(severity: unknown): 'critical' | 'important' | 'moderate' | 'low' | 'unrated' {
  switch (upper(severity)) {
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
  if (upper(row.type) === 'DRIVER_UPDATES') counts.driver += 1;
  else counts.os += 1;
  const stamp: unknown = row.timestamp;
  const seen = typeof stamp === 'number' || typeof stamp === 'string' ? epochSecondsToDate(stamp)?.getTime() ?? null : null;
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
    // Installed and applicable patches per kind: NinjaOne's queries give neither (its installed count covers 30 days).
    installedByKind: { ...NO_KIND_COUNTS },
    totalByKind: { ...NO_KIND_COUNTS },
    lastPatchedAt: null,
  };
}
