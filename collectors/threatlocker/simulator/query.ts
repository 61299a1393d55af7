/**
 * ComputerGetByAllParameters semantics over a tenant day: scope, filters, ordering and body paging,
 * with the vendor-specific paging faults (a skipped page, a repeated page, a silent page-size cap).
 */
import { ZERO_GUID, type TlComputer } from '../types.js';

export interface ComputerQuery {
  searchText: string;
  searchBy: number | null;
  computerGroup: string;
  computerId: string;
  orderBy: string;
  isAscending: boolean;
  action: string;
  kindOfAction: string;
  threatlockerVersion: string;
  showDeleted: boolean;
}

export interface PagingFaults {
  /** From this page on, the server serves the next page's rows: one page is never seen. */
  skipPage?: { pageNumber: number };
  /** This page repeats the previous page's rows (its own rows are never seen). */
  repeatPage?: { pageNumber: number };
  /** At most `max` rows per page, silently; offsets and totals stay as asked. */
  pageSizeCap?: { max: number };
}

const lower = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : '');

export function filterComputers(rows: readonly TlComputer[], q: ComputerQuery): TlComputer[] {
  const text = q.searchText.trim().toLowerCase();
  const group = q.computerGroup.toLowerCase();
  const id = q.computerId.toLowerCase();
  const byMode = q.action !== '' && q.action !== 'All Computer Mode' && (q.kindOfAction === '' || q.kindOfAction === 'Computer Mode');
  return rows.filter((c) =>
    (group === ZERO_GUID || lower(c.computerGroupId) === group)
    && (id === ZERO_GUID || lower(c.computerId) === id)
    && (!byMode || lower(c.action) === q.action.toLowerCase())
    && kindMatches(c, q.kindOfAction)
    && (q.threatlockerVersion === 'All' || q.threatlockerVersion === '' || c.serviceVersion === q.threatlockerVersion || c.threatLockerVersion === q.threatlockerVersion)
    && (text === '' || searchField(c, q.searchBy).some((f) => lower(f).includes(text))));
}

function kindMatches(c: TlComputer, kind: string): boolean {
  switch (kind) {
    case 'TamperProtectionDisabled': return c.isTamperProtectionDisabled === true;
    case 'NeedsReview': return c.isNeededReview === true;
    case 'ReadyToSecure': return c.isReadyToSecure === true;
    default: return true; // '', Computer Mode, Update Channel, BaselineNotUploaded: no narrowing modelled
  }
}

function searchField(c: TlComputer, searchBy: number | null): unknown[] {
  switch (searchBy) {
    case 2: return [c.username];
    case 3: return [c.group];
    case 4: return [c.lastCheckinIPAddress];
    case 5: return [c.organization];
    case 1: return [c.computerName, c.hostname];
    default: return [c.computerName, c.hostname, c.username];
  }
}

type Key = (c: TlComputer) => string | number;
const SORT_KEYS: Record<string, Key> = {
  computername: (c) => lower(c.computerName),
  group: (c) => lower(c.group),
  action: (c) => lower(c.action),
  lastcheckin: (c) => (typeof c.lastCheckin === 'string' ? Date.parse(c.lastCheckin) : 0),
  computerinstalldate: (c) => (typeof c.installDate === 'string' ? Date.parse(c.installDate) : 0),
  deniedcountthreedays: (c) => c.denyCountThreeDays ?? 0,
  updatechannel: () => 0,
  threatlockerversion: (c) => lower(c.threatLockerVersion),
};

export function isKnownOrderBy(orderBy: string): boolean {
  return orderBy.toLowerCase() in SORT_KEYS;
}

/** Sorted copy; ties broken by computerId so pages never overlap (SQL Server's ORDER BY ... , id). */
export function sortComputers(rows: readonly TlComputer[], orderBy: string, ascending: boolean): TlComputer[] {
  const key = SORT_KEYS[orderBy.toLowerCase()] ?? SORT_KEYS['computername']!;
  const decorated = rows.map((row) => ({ row, k: key(row), id: row.computerId }));
  const dir = ascending ? 1 : -1;
  decorated.sort((a, b) => (a.k < b.k ? -dir : a.k > b.k ? dir : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return decorated.map((d) => d.row);
}

export interface ComputerPage {
  rows: TlComputer[];
  /** Row offset the page was served from (for the firstItem/lastItem headers). */
  offset: number;
}

/** One page of an already filtered and sorted list, with the paging faults applied. */
export function pageOf(sorted: readonly TlComputer[], pageNumber: number, pageSize: number, faults: PagingFaults): ComputerPage {
  let served = pageNumber;
  if (faults.skipPage && pageNumber >= faults.skipPage.pageNumber) served += 1;
  if (faults.repeatPage && pageNumber === faults.repeatPage.pageNumber && pageNumber > 1) served -= 1;
  const offset = (served - 1) * pageSize;
  const size = faults.pageSizeCap ? Math.min(pageSize, faults.pageSizeCap.max) : pageSize;
  const total = sorted.length;
  const rows = offset >= total ? [] : sorted.slice(offset, offset + size).map((row) => ({ ...row, totalRows: total }));
  return { rows, offset };
}
