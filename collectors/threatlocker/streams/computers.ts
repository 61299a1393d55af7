/**
 * Computers -> device rows, one combined list over every child organization, page by page.
 * Complete or nothing: every page must agree on `totalRows`, no computerId may appear twice, and
 * the rows collected must equal `totalRows`; otherwise the run fails and publishes nothing.
 */
import { PayloadError } from '../../../warehouse/errors.js';
import type { DeviceRow } from '../../shared/rows.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import type { ThreatLockerClient } from '../client.js';
import { VENDOR, isRecord } from '../client.js';
import type { ThreatLockerConfig } from '../config.js';
import { RowShapeError, mapComputer } from '../map.js';
import { ZERO_GUID, type ComputerParameterDto, type TlComputer } from '../types.js';
import { bodyPages, type FetchedPage } from './paging.js';
import { attempt, describeType } from '../../shared/fields.js';

export const COMPUTERS_PATH = 'Computer/ComputerGetByAllParameters';

/**
 * Every field of the Swagger DTO is sent explicitly (the server's defaults for missing fields are
 * not documented). Deleted computers are not collected: they are neither protected nor billed.
 */
export function computersBody(pageNumber: number, pageSize: number): ComputerParameterDto {
  return {
    searchText: '',
    computerGroup: ZERO_GUID,
    orderBy: 'computername',
    isAscending: true,
    pageSize,
    pageNumber,
    childOrganizations: true,
    action: '',
    kindOfAction: '',
    computerId: ZERO_GUID,
    showLastCheckIn: true,
    showDeleted: false,
    threatlockerVersion: 'All',
    isExport: false,
  };
}

export interface ComputersResult {
  count: number;
  /** organizationId -> organization name, as the computer rows name them. */
  organizations: Map<string, string | null>;
}

/** Running checks over the pages; holds ids only, never rows. */
interface Tally {
  seen: Set<string>;
  /** Rows quarantined: listed by ThreatLocker, so they count towards totalRows. */
  quarantined: number;
  totalRows: number | undefined;
  headerTotal: number | undefined;
  firstPageRows: number | undefined;
  organizations: Map<string, string | null>;
}

export async function collectComputers(ctx: CollectContext<ThreatLockerConfig>, client: ThreatLockerClient): Promise<ComputersResult> {
  const { pageSize } = ctx.config;
  const tally: Tally = { seen: new Set(), quarantined: 0, totalRows: undefined, headerTotal: undefined, firstPageRows: undefined, organizations: new Map() };
  const pages = bodyPages<TlComputer>(client, COMPUTERS_PATH, pageSize, (n) => computersBody(n, pageSize));
  for await (const page of pages) {
    ctx.sink.page('devices');
    await ctx.sink.rawPage('devices', page.pageNumber, page.rows);
    tally.firstPageRows ??= page.rows.length;
    noteTotals(tally, page);
    const devices: DeviceRow[] = [];
    for (const [index, row] of page.rows.entries()) {
      const outcome = attempt(() => admit(tally, row, page.pageNumber));
      if ('row' in outcome) devices.push(outcome.row);
      // One record ThreatLocker sent in a shape the mapper cannot trust; it still counts towards totalRows.
      else {
        tally.quarantined += 1;
        await ctx.sink.quarantine('devices', { vendorId: idOf(row), reason: `computer page ${page.pageNumber} row ${index}: ${outcome.reason}`, payload: row });
      }
    }
    await ctx.sink.devices(devices);
    ctx.progress('devices', tally.seen.size, tally.totalRows ?? tally.headerTotal);
  }
  const expected = checkComplete(tally, pageSize);
  if (expected !== undefined) ctx.sink.expectTotal('devices', expected);
  else ctx.log.warn({ stream: 'devices', rows: tally.seen.size }, 'threatlocker sent no totals to cross-check the computer count');
  ctx.log.info({ stream: 'devices', rows: tally.seen.size, totalRows: expected }, 'threatlocker computers listed');
  return { count: tally.seen.size, organizations: tally.organizations };
}

/** The computerId as sent, for the quarantine row, when it is text at all. */
function idOf(row: unknown): string | null {
  const id = isRecord(row) ? row.computerId : undefined;
  return typeof id === 'string' && id.trim() !== '' ? id.trim().toLowerCase() : null;
}

/** Map one row (a RowShapeError quarantines it) and check it against the list so far. */
function admit(tally: Tally, row: unknown, pageNumber: number): DeviceRow {
  if (!isRecord(row)) throw new RowShapeError(`row is ${describeType(row)}, expected an object`);
  const device = mapComputer(row as TlComputer);
  if (tally.seen.has(device.vendorId)) {
    throw new PayloadError(VENDOR,
      `computer ${device.vendorId} was listed twice (again on page ${pageNumber}): a page was repeated or the list shifted while paging; nothing was published, re-run`);
  }
  tally.seen.add(device.vendorId);
  if (!tally.organizations.has(device.orgExternalId)) {
    tally.organizations.set(device.orgExternalId, typeof device.extras.organizationName === 'string' ? device.extras.organizationName : null);
  }
  return device;
}

/** totalRows is repeated on every row; it and the header total must hold still across the whole list. */
function noteTotals(tally: Tally, page: FetchedPage<TlComputer>): void {
  for (const row of page.rows) {
    const total = isRecord(row) ? row.totalRows : undefined;
    if (typeof total !== 'number') continue;
    if (tally.totalRows !== undefined && total !== tally.totalRows) {
      throw new PayloadError(VENDOR,
        `totalRows changed from ${tally.totalRows} to ${total} on page ${page.pageNumber}: the fleet changed while paging; nothing was published, re-run`);
    }
    tally.totalRows = total;
  }
  // totalRows [C] is authoritative; the header [S] only stands in when no row carries it (an empty fleet).
  if (page.headerTotal !== undefined) tally.headerTotal ??= page.headerTotal;
}

/** The vendor's total when it gave one; throws when the rows collected do not add up to it. */
function checkComplete(tally: Tally, pageSize: number): number | undefined {
  const expected = tally.totalRows ?? tally.headerTotal;
  const count = tally.seen.size + tally.quarantined;
  if (expected === undefined || expected === count) return expected;
  const first = tally.firstPageRows ?? 0;
  const capped = count < expected && first < pageSize && first < expected;
  const why = capped
    ? `page 1 held ${first} rows of the ${pageSize} asked for, so the server caps the page size; set THREATLOCKER_PAGE_SIZE to ${first} or less`
    : count < expected
      ? 'a page was skipped or the list shifted while paging; re-run'
      : 'more rows than the total: the list changed while paging; re-run';
  throw new PayloadError(VENDOR, `listed ${count} computers but ThreatLocker reports totalRows ${expected}: ${why}. Nothing was published.`);
}
