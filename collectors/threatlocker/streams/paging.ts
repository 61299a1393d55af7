/**
 * ThreatLocker body paging: `pageNumber` from 1 and `pageSize` in the POST body, bare arrays back.
 * The end is a page shorter than `pageSize` (T4's rule); when the fleet is an exact multiple of
 * the page size that is the empty page after the last full one, which must still be fetched.
 * A server that ignores `pageNumber` would serve page 1 for ever; the shared repeat guard ends that
 * at page 2 (pages are compared by the ids of their rows, so fresher check-in times do not hide it).
 */
import { createPageGuard, type Identity } from '../../shared/page-guard.js';
import { VENDOR, isRecord, type ListPage, type ThreatLockerClient } from '../client.js';

export interface FetchedPage<Row> extends ListPage<Row> {
  pageNumber: number;
}

export async function* bodyPages<Row>(
  client: ThreatLockerClient,
  path: string,
  pageSize: number,
  bodyFor: (pageNumber: number) => object,
): AsyncGenerator<FetchedPage<Row>> {
  const guard = createPageGuard(VENDOR, path, byRowId);
  for (let pageNumber = 1; ; pageNumber += 1) {
    const page = await client.postList<Row>(path, bodyFor(pageNumber));
    guard.accept({ number: pageNumber, items: page.rows });
    yield { ...page, pageNumber };
    if (page.rows.length < pageSize) return;
  }
}

/** Computers carry `computerId`, organizations `organizationId` (or `id`); anything else is compared whole. */
const byRowId: Identity = (row) => {
  if (isRecord(row)) {
    for (const key of ['computerId', 'organizationId', 'id']) {
      const id = row[key];
      if (typeof id === 'string' || typeof id === 'number') return `${key}:${id}`;
    }
  }
  return JSON.stringify(row) ?? 'undefined';
};
