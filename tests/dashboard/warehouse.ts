/**
 * What the dashboard tests read: a warehouse built with the demo's own machinery (the three
 * simulators over real sockets, the real runner, findings refreshed every few days, rolled up like a
 * nightly), across the month-ends of January and February with March so far, January closed and one
 * finding acknowledged; and `warehouse serve`'s server on it, on a free loopback port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type pino from 'pino';
import type { Sql } from 'postgres';
import { collectHistory } from '../../bin/commands/demo-collect.js';
import type { Credentials } from '../../bin/dashboard/auth.js';
import { openReader } from '../../bin/dashboard/reader.js';
import { createDashboard } from '../../bin/dashboard/server.js';
import { createProgress } from '../../bin/progress.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { daysOf, nightlyRollup } from '../../rollups/run.js';
import { acknowledgeException } from '../../warehouse/matching/exceptions.js';
import { createLogger } from '../../warehouse/log.js';
import { addDays } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

export const FIRST = '2026-01-28';
export const DAYS = 38;
export const LAST = addDays(FIRST, DAYS - 1);
export const TODAY = addDays(LAST, 1);
export const CLOSED_MONTH = '2026-01';
export const OPEN_MONTH = '2026-02';

export async function buildWarehouse(): Promise<{ db: TestDatabase; cleanup(): Promise<void> }> {
  const db = await testDatabase();
  const home = mkdtempSync(path.join(tmpdir(), 'warehouse-dashboard-'));
  const history = await collectHistory({
    url: db.url, first: FIRST, days: DAYS, devices: 30, seed: 7, today: TODAY,
    env: { WAREHOUSE_TIMEZONE: 'UTC', WAREHOUSE_HOME: home, WAREHOUSE_RAW_PAGES: 'off' },
    log: createLogger({ level: 'silent' }), progress: createProgress(false),
  });
  if (history.failures.length > 0) throw new Error(`history failed: ${history.failures.join('; ')}`);
  await nightlyRollup(db.sql, daysOf(FIRST, LAST), { today: TODAY });
  const [finding] = await db.sql<{ id: number }[]>`select exception_id::int as id from core.exceptions where status = 'open' order by exception_id limit 1`;
  if (finding) await acknowledgeException(db.sql, finding.id, 'dashboard test: accepted');
  await closeBillingMonth(db.sql, CLOSED_MONTH, { today: TODAY, closedBy: 'dashboard test' });
  await db.sql`analyze`;
  return { db, async cleanup() { await db.close(); rmSync(home, { recursive: true, force: true }); } };
}

export interface RunningDashboard {
  base: string;
  reader: Sql;
  /** Everything the server logged, as text. */
  logged(): string;
  close(): Promise<void>;
}

export async function startDashboard(db: TestDatabase, credentials?: Credentials): Promise<RunningDashboard> {
  const reader = openReader(db.url, 10_000);
  let text = '';
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString(); done(); } });
  const log = createLogger({ destination: sink as unknown as pino.DestinationStream });
  const server: Server = createDashboard({ sql: reader, timeZone: 'UTC', credentials, staleAfterHours: 36, log });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    reader,
    logged: () => text,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await reader.end({ timeout: 5 });
    },
  };
}

/** The body cells of the table with this id, as text (tags stripped, entities decoded), and its footer. */
export function tableOf(html: string, id: string): { head: string[]; rows: string[][]; foot: string[] } {
  const match = new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`, 'u').exec(html);
  if (!match) throw new Error(`no table #${id} on the page`);
  const body = match[1] as string;
  const section = (name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'u').exec(body)?.[1] ?? '';
  const rowsOf = (text: string) => [...text.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/gu)].map((r) => [...(r[1] as string).matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/gu)].map((c) => textOf(c[1] as string)));
  const headRows = rowsOf(section('thead'));
  return { head: headRows.at(-1) ?? [], rows: rowsOf(section('tbody')), foot: rowsOf(section('tfoot'))[0] ?? [] };
}

export function textOf(html: string): string {
  return html.replace(/<[^>]+>/gu, '').replace(/&lt;/gu, '<').replace(/&gt;/gu, '>').replace(/&quot;/gu, '"').replace(/&#39;/gu, "'").replace(/&amp;/gu, '&').trim();
}

/** "1,234" → 1234, "+3" → 3, "" → null. */
export function numberOf(cell: string | undefined): number | null {
  if (cell === undefined || cell === '') return null;
  return Number(cell.replace(/[,+]/gu, ''));
}
