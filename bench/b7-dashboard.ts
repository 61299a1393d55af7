/**
 * B7: each page of `warehouse serve` on the history, over a real socket: the dashboard server
 * (bin/dashboard/server.ts createDashboard, in this process, on 127.0.0.1 and an ephemeral port) with
 * a warehouse_reader pool set up as bin/dashboard/reader.ts openReader does (its session parameters:
 * read-only sessions in the reader role, custom plans only, a statement timeout), each page fetched
 * n times: p95 of the time to the last byte.
 * Compared with the same bi reads alone: the statements the page sent (recorded once), replayed one
 * after the other (a page that runs two reads at once is compared with both in a row, a limit it can beat).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Sql } from 'postgres';
import { readerSession } from '../bin/dashboard/reader.js';
import { createDashboard } from '../bin/dashboard/server.js';
import { silentLogger } from '../warehouse/log.js';
import { capturingClient, replayP95, sampleP95 } from './capture.js';

export interface PageRun { page: string; p95: number; n: number; readsP95: number; statements: number; bytes: number; status: number }

/** The pages a person opens, with the filters the dashboard's own links set (values from the history). */
async function pages(sql: Sql): Promise<string[]> {
  const [month] = await sql<{ month: string | null }[]>`select max(month) as month from bi.billing_monthly`;
  const [site] = await sql<{ site_id: number | null }[]>`
    select site_id from bi.devices_current group by site_id order by count(*) desc, site_id limit 1`;
  return [
    '/',
    `/billing?month=${month?.month ?? ''}`,
    '/devices',
    `/devices?client=${site?.site_id ?? 1}&class=workstation&status=billable`,
    '/devices?q=SRV0',
    // The deepest page the dashboard serves (an offset of 20,000 rows, its bound).
    '/devices?size=200&page=101',
    '/compliance',
    '/coverage',
    '/health',
  ];
}

export async function benchDashboard(ownerSql: Sql, url: string): Promise<PageRun[]> {
  const reader = capturingClient(url, {
    max: 4, onnotice: () => {},
    connection: readerSession(30_000, 'bench:serve'),
  });
  const server = createDashboard({ sql: reader.sql, timeZone: 'UTC', credentials: undefined, staleAfterHours: 36, log: silentLogger });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (page: string): Promise<{ status: number; bytes: number }> => {
    const response = await fetch(base + page);
    const body = await response.arrayBuffer();
    return { status: response.status, bytes: body.byteLength };
  };
  const runs: PageRun[] = [];
  try {
    for (const page of await pages(ownerSql)) {
      const { statements, value: first } = await reader.capture(() => get(page));
      const timedRuns = await sampleP95(() => get(page), 20, 4_000);
      const replay = await replayP95(reader.sql, statements, 20, 4_000);
      runs.push({ page, p95: timedRuns.p95, n: timedRuns.n, readsP95: replay.p95, statements: statements.length, bytes: first.bytes, status: first.status });
    }
  } finally {
    server.close();
    await reader.sql.end({ timeout: 5 });
  }
  return runs;
}
