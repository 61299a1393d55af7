/**
 * The billing workbook on paper (issue 21): LibreOffice renders a month of 7 clients × 20 devices to
 * PDF, and the pages are counted, measured and read back. "7 clients must not print as 43 pages."
 * One conversion for the file (LibreOffice takes seconds to start), in beforeAll, with a private
 * profile so parallel runs do not share (and lock) ~/.config/libreoffice.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBillingExport, type BillingExport } from '../../bin/export/billing-data.js';
import { writeBillingExport } from '../../bin/commands/export.js';
import { deriveMonthEndSummaries } from '../../rollups/month-end.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { insertMonthEnd, insertSite, insertSource, type MonthEndDevice } from '../helpers/month-end-rows.js';
import { removeTempDirs, tempDir } from './cli.js';

const run = promisify(execFile);
const TOOLS = ['soffice', 'pdfinfo', 'pdftotext'];
const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const skipped = missing.length > 0
  ? ` (skipped: ${missing.join(', ')} not installed; .ci/run installs libreoffice-calc and poppler-utils)`
  : '';

const MONTH = '2026-10';
const DAY = '2026-10-31';
const CLIENTS = ['Acme Pty Ltd', 'Beta: Dental [North]', 'Gamma Legal', 'Delta Freight & Logistics', 'Epsilon Accounting', 'Zeta Medical Centre', 'Eta Engineering'];

/** A ThreatLocker-style GUID, the same on every run (the test must not depend on chance). */
function guid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** 12 NinjaOne devices (a server, a spare, a printer not billed, 9 workstations) and 8 ThreatLocker ones (a spare, 7 workstations). */
function devicesOf(client: string): { ninja: MonthEndDevice[]; threatlocker: MonthEndDevice[] } {
  const code = client.replace(/[^A-Za-z]/gu, '').slice(0, 4).toUpperCase();
  const ninja: MonthEndDevice[] = [
    [`${code}-n-srv`, `${code}-DC01`, 'server', 'billable', 'billable server', null],
    [`${code}-n-spare`, `${code}-SPARE-01`, 'workstation', 'spare', 'spare: name_contains_spare', 'name_contains_spare'],
    [`${code}-n-prn`, `${code}-PRINTER-01`, 'network', 'not_billed', 'class network is not billed', null],
  ];
  for (let n = 1; n <= 9; n += 1) ninja.push([`${code}-n-${n}`, `${code}-LT-${String(n).padStart(2, '0')}`, 'workstation', 'billable', 'billable workstation', null]);
  const threatlocker: MonthEndDevice[] = [[guid(`${client} spare`), `${code}-SPARE-02`, 'workstation', 'spare', 'spare: name_contains_spare', 'name_contains_spare']];
  for (let n = 1; n <= 7; n += 1) threatlocker.push([guid(`${client} ${n}`), `${code}-WS-${String(n).padStart(2, '0')}`, 'workstation', 'billable', 'billable workstation', null]);
  return { ninja, threatlocker };
}

let db: TestDatabase | undefined;
let data: BillingExport;
let pdf: string;
let pages: number;
const pageText: string[] = [];
let rawText = '';

describe.skipIf(missing.length > 0)(`the billing workbook printed by LibreOffice${skipped}`, () => {
  beforeAll(async () => {
    const fresh = await testDatabase();
    db = fresh;
    const ninja = await insertSource(fresh, 'ninjaone');
    const threatlocker = await insertSource(fresh, 'threatlocker');
    for (const client of CLIENTS) {
      const site = await insertSite(fresh, client);
      const { ninja: n, threatlocker: t } = devicesOf(client);
      await insertMonthEnd(fresh, site, ninja, MONTH, DAY, n);
      await insertMonthEnd(fresh, site, threatlocker, MONTH, DAY, t);
    }
    await deriveMonthEndSummaries(fresh.sql, `${MONTH}-01`);
    data = await loadBillingExport(fresh.sql, MONTH);
    const dir = tempDir('export-pdf-');
    const [xlsx] = await writeBillingExport(data, 'xlsx', dir);
    await run('soffice', ['--headless', `-env:UserInstallation=file://${path.join(dir, 'profile')}`, '--convert-to', 'pdf', '--outdir', dir, xlsx as string], { timeout: 120_000 });
    pdf = path.join(dir, 'billing-2026-10.pdf');
    expect(existsSync(pdf), 'soffice wrote no PDF').toBe(true);
    // To look at the pages yourself: WAREHOUSE_PRINT_TEST_OUT=/tmp/pages-check npx vitest run tests/operator/export-print.test.ts
    const keep = process.env.WAREHOUSE_PRINT_TEST_OUT;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(pdf, path.join(keep, path.basename(pdf)));
    }
    const info = (await run('pdfinfo', [pdf])).stdout;
    pages = Number(/^Pages:\s+(\d+)$/mu.exec(info)?.[1]);
    for (let p = 1; p <= pages; p += 1) pageText.push((await run('pdftotext', ['-layout', '-f', String(p), '-l', String(p), pdf, '-'])).stdout);
    // -raw keeps a wrapped cell's lines together, in order: how a GUID split over two lines is read back.
    rawText = (await run('pdftotext', ['-raw', pdf, '-'])).stdout;
  }, 180_000);
  afterAll(async () => {
    await db?.close();
    removeTempDirs();
  });

  it('prints 8 pages: the Summary on one, then one per client', () => {
    expect(data.devices).toHaveLength(CLIENTS.length * 20);
    // Every sheet starts a page, so 1 + 7 is the least a workbook of 7 clients can print. The Summary
    // holds 14 lines (7 clients × 2 sources) under three policy lines; a client's sheet is a seats
    // table of 3 rows and 20 devices, 8 of them two lines tall (a GUID wraps at a hyphen): about 40
    // lines, under the ~50 a landscape A4 page holds at the scale that fits 11 columns to its width.
    // Any more pages means a sheet broke across pages, or columns spilled onto pages of their own.
    expect(pages).toBe(1 + CLIENTS.length);
    expect(pageText[0]).toMatch(/Billable seats, October 2026/u);
    const sheets = [...new Set(data.summary.map((s) => s.site))];
    sheets.forEach((client, i) => {
      const text = pageText[i + 1] ?? '';
      expect(text, `page ${i + 2}`).toContain(`${client}, October 2026`);
      // Every device of the client is on its page, and nobody else's.
      for (const d of data.devices.filter((x) => x.site === client)) expect(text, `${client} ${d.hostname ?? ''}`).toContain(d.hostname);
      expect(text).toContain('20 devices: 17 billable, 2 spare, 1 not billed.');
    });
  });

  it('every page is landscape A4', async () => {
    const sizes = (await run('pdfinfo', ['-f', '1', '-l', String(pages), pdf])).stdout;
    const each = [...sizes.matchAll(/^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/gmu)].map((m) => [Number(m[1]), Number(m[2])] as const);
    expect(each).toHaveLength(pages);
    for (const [width, height] of each) {
      expect(width).toBeGreaterThan(height);
      expect([Math.round(width), Math.round(height)]).toEqual([842, 595]);
    }
  });

  it('no column is cut off: every page carries its table\'s last column and the sheet\'s footer', () => {
    expect(pageText[0]).toMatch(/Last day of\s/u);
    expect(pageText[0]).toMatch(/^\s*Summary\s+Page 1 of/mu);
    for (const text of pageText.slice(1)) {
      expect(text).toMatch(/Host name .*day\s+Stale/u);
      expect(text).toMatch(/Page \d+ of/u);
    }
  });

  it('the Summary lists each client and a TOTAL row equal to the month\'s sums', () => {
    const summary = pageText[0] ?? '';
    for (const client of CLIENTS) expect(summary).toContain(client);
    const sum = (field: 'workstations' | 'servers' | 'billable' | 'spares' | 'total') => data.summary.reduce((n, s) => n + s[field], 0);
    expect(sum('billable')).toBe(CLIENTS.length * 17);
    const totals = [sum('workstations'), sum('servers'), sum('billable'), sum('spares'), sum('total')];
    expect(summary).toMatch(new RegExp(`^TOTAL\\s+${totals.join('\\s+')}\\s`, 'mu'));
    // A first month has no previous month-end: its total is left empty (not a 0), the change is the seats.
    expect(data.summary.every((s) => s.previousBillable === null)).toBe(true);
    expect(summary).toMatch(new RegExp(`^TOTAL\\s+${totals.join('\\s+')}\\s+${sum('billable')}\\s*$`, 'mu'));
  });

  it('every ThreatLocker GUID prints whole (wrapped at a hyphen at most, never clipped)', () => {
    const joined = rawText.replace(/-\n/gu, '-');
    const guids = data.devices.filter((d) => d.source === 'threatlocker').map((d) => d.vendorId);
    expect(guids).toHaveLength(CLIENTS.length * 8);
    for (const id of guids) expect(joined, id).toContain(id);
  });
});
