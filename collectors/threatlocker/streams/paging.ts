/**
 * ThreatLocker body paging: `pageNumber` from 1 and `pageSize` in the POST body, bare arrays back.
 * The end is a page shorter than `pageSize` (T4's rule); when the fleet is an exact multiple of
 * the page size that is the empty page after the last full one, which must still be fetched.
 */
import type { ListPage, ThreatLockerClient } from '../client.js';

export interface FetchedPage<Row> extends ListPage<Row> {
  pageNumber: number;
}

export async function* bodyPages<Row>(
  client: ThreatLockerClient,
  path: string,
  pageSize: number,
  bodyFor: (pageNumber: number) => object,
): AsyncGenerator<FetchedPage<Row>> {
  for (let pageNumber = 1; ; pageNumber += 1) {
    const page = await client.postList<Row>(path, bodyFor(pageNumber));
    yield { ...page, pageNumber };
    if (page.rows.length < pageSize) return;
  }
}
