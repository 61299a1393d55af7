/**
 * Row validation at the edge of the warehouse: what a mapper produced is checked before it is
 * staged. A row that fails is quarantined with the reason (never silently dropped, never published):
 * a missing or malformed id, an unknown class, a timestamp no device could have (a unit changed
 * upstream: seconds read as milliseconds gives 1970, milliseconds as seconds gives the year 50000).
 */
import { DEVICE_CLASSES, type AliasRow, type DeviceRow, type PatchStatusRow } from '../rows.js';
import { hasUnstorable } from './clean-text.js';

const EARLIEST = Date.UTC(2000, 0, 1);
const SLACK_MS = 2 * 24 * 3600 * 1000;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/u;

function badId(value: unknown, what: string): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return `${what} is missing`;
  if (value.length > 200 || CONTROL.test(value) || hasUnstorable(value) || value.startsWith('[object')) return `${what} is malformed (${JSON.stringify(value).slice(0, 40)})`;
  return undefined;
}

function badInstant(value: unknown, what: string, now: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return `${what} is not a time`;
  const t = value.getTime();
  if (t < EARLIEST || t > now + SLACK_MS) return `${what} ${value.toISOString()} is implausible (wrong unit upstream?)`;
  return undefined;
}

function badCount(value: unknown, what: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 1_000_000 ? undefined : `${what} is not a count (${String(value)})`;
}

export function deviceProblem(row: DeviceRow, now = Date.now()): string | undefined {
  return badId(row.vendorId, 'device id')
    ?? badId(row.orgExternalId, 'organisation id')
    ?? (DEVICE_CLASSES.includes(row.deviceClass) ? undefined : `device class ${String(row.deviceClass)} is unknown`)
    ?? badInstant(row.lastContactAt, 'last contact', now)
    ?? (Array.isArray(row.macAddresses) && Array.isArray(row.ipAddresses) ? undefined : 'addresses are not lists');
}

export function patchProblem(row: PatchStatusRow, now = Date.now()): string | undefined {
  const counts: Array<[unknown, string]> = [
    [row.missingCritical, 'missing critical'], [row.missingImportant, 'missing important'], [row.missingModerate, 'missing moderate'],
    [row.missingLow, 'missing low'], [row.missingUnrated, 'missing unrated'], [row.missingOs, 'missing OS'],
    [row.missingThirdParty, 'missing third-party'], [row.missingDriver, 'missing driver'], [row.missingBios, 'missing BIOS'],
    [row.installedCount, 'installed'],
    [row.installedByKind.os, 'installed OS'], [row.installedByKind.thirdParty, 'installed third-party'],
    [row.installedByKind.driver, 'installed driver'], [row.installedByKind.bios, 'installed BIOS'],
    [row.totalByKind.os, 'total OS'], [row.totalByKind.thirdParty, 'total third-party'],
    [row.totalByKind.driver, 'total driver'], [row.totalByKind.bios, 'total BIOS'],
  ];
  return badId(row.vendorId, 'device id')
    ?? counts.map(([value, what]) => badCount(value, what)).find(Boolean)
    ?? badInstant(row.lastScanAt, 'last scan', now)
    ?? badInstant(row.lastSuccessfulScanAt, 'last successful scan', now)
    ?? badInstant(row.lastPatchedAt, 'last patched', now);
}

/**
 * A client alias (organisation, location, customer) the warehouse cannot key: its id is the site's
 * identity and the devices' link, so it cannot be set aside like a device; the run stops instead.
 */
export function aliasProblem(row: AliasRow): string | undefined {
  return badId(row.externalId, `${row.kind} id`) ?? (row.parentExternalId === null ? undefined : badId(row.parentExternalId, `${row.kind}'s parent id`));
}
