/**
 * `warehouse export billing`: given month-end rows, the xlsx (read back with exceljs) and the CSVs
 * carry exactly bi.billing_monthly's numbers, with every device and why it was or was not billed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBillingExport } from '../../bin/export/billing-data.js';
import { CLIENT_HEADER, DEVICE_HEADER, SUMMARY_HEADER, SUMMARY_SHEET, TOTAL_LABEL } from '../../bin/export/billing-xlsx.js';
import { writeBillingExport } from '../../bin/commands/export.js';
import { deriveMonthEndSummaries } from '../../rollups/month-end.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { insertMonthEnd, insertSite, insertSource, type MonthEndDevice } from '../helpers/month-end-rows.js';
import { cli, removeTempDirs, tempDir } from './cli.js';

let db: TestDatabase;

type Device = MonthEndDevice;
const monthEnd = (site: number, source: number, month: string, day: string, devices: Device[]) => insertMonthEnd(db, site, source, month, day, devices);

beforeAll(async () => {
  db = await testDatabase();
  const site = (name: string) => insertSite(db, name);
  const source = (name: string) => insertSource(db, name);
  const acme = await site('Acme Pty Ltd');
  const beta = await site('Beta: Dental [North]');
  const ninja = await source('ninjaone');
  const pmp = await source('pmp');
  const ws = (id: string, host: string): Device => [id, host, 'workstation', 'billable', 'billable workstation', null];
  await monthEnd(acme, ninja, '2026-09', '2026-09-30', [ws('n1', 'ACME-LT-01'), ws('n2', 'ACME-LT-02')]);
  await monthEnd(acme, ninja, '2026-10', '2026-10-31', [
    ws('n1', 'ACME-LT-01'), ws('n2', 'ACME-LT-02'), ws('n3', '=HYPERLINK("http://x")'),
    ['n4', 'ACME-DC01', 'server', 'billable', 'billable server', null],
    ['n5', 'ACME-SPARE-07', 'workstation', 'spare', 'spare: name_contains_spare', 'name_contains_spare'],
    ['n6', 'ACME-VM-GUEST', 'vm_guest', 'spare', 'spare: ninjaone_vmware_guest', 'ninjaone_vmware_guest'],
    ['n7', 'ACME-PRINTER', 'network', 'not_billed', 'class network is not billed', null],
  ]);
  await monthEnd(acme, pmp, '2026-10', '2026-10-30', [ws('p1', 'ACME-LT-01'), ws('p2', 'ACME-LT-02')]);
  await monthEnd(beta, ninja, '2026-10', '2026-10-31', [
    ['n20', 'BETA-SRV', 'server', 'billable', 'billable server', null],
    ['n21', 'BETA-SPARE', 'workstation', 'spare', 'spare: name_contains_spare', 'name_contains_spare'],
  ]);
  // What the month-end rollup derives from its device rows (rollups/month-end.ts), in month order.
  for (const first of ['2026-09-01', '2026-10-01']) await deriveMonthEndSummaries(db.sql, first);
  // Acme's code in the MSP's books, set as an operator would (pasted, with a tab and spaces around it).
  const set = await cli(['sites', 'reference', 'acme pty ltd', ' C-1042\t'], { env: { DATABASE_URL: db.url } });
  expect(set.out + set.err).toBe('"Acme Pty Ltd": reference C-1042\n');
  await site('Gamma Legal');
});
afterAll(async () => {
  await db.close();
  removeTempDirs();
});

interface Monthly { site: string; source: string; workstations: number; servers: number; billable: number; spares: number; total: number; previous_billable: number | null; change: number }
const monthly = () => db.sql<Monthly[]>`
  select site, source, workstations, servers, billable, spares, total, previous_billable, change
  from bi.billing_monthly where month = '2026-10' order by site, source`;

/** The rows of a header-led table in a sheet, as objects keyed by header, up to an empty row. */
function table(sheet: ExcelJS.Worksheet, header: string[]): Array<Record<string, unknown>> {
  let start = 0;
  sheet.eachRow((row, n) => { if (!start && header.every((h, i) => row.getCell(i + 1).value === h)) start = n; });
  expect(start).toBeGreaterThan(0);
  const rows: Array<Record<string, unknown>> = [];
  for (let n = start + 1; n <= sheet.rowCount; n += 1) {
    const row = sheet.getRow(n);
    if (!row.hasValues) break;
    rows.push(Object.fromEntries(header.map((h, i) => {
      const value = row.getCell(i + 1).value;
      return [h, value !== null && typeof value === 'object' && 'result' in value ? value.result : value];
    })));
  }
  return rows;
}

async function readWorkbook(file: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  return workbook;
}

describe('warehouse export billing', () => {
  it('bi.billing_monthly holds the given month-end (the numbers the export must carry)', async () => {
    expect(await monthly()).toEqual([
      { site: 'Acme Pty Ltd', source: 'ninjaone', workstations: 3, servers: 1, billable: 4, spares: 2, total: 7, previous_billable: 2, change: 2 },
      { site: 'Acme Pty Ltd', source: 'pmp', workstations: 2, servers: 0, billable: 2, spares: 0, total: 2, previous_billable: null, change: 2 },
      { site: 'Beta: Dental [North]', source: 'ninjaone', workstations: 0, servers: 1, billable: 1, spares: 1, total: 2, previous_billable: null, change: 1 },
    ]);
  });

  it('writes an xlsx whose summary and client sheets equal bi.billing_monthly, device by device', async () => {
    const dir = tempDir('export-xlsx-');
    const [file] = await writeBillingExport(await loadBillingExport(db.sql, '2026-10'), 'xlsx', dir);
    expect(file).toBe(path.join(dir, 'billing-2026-10.xlsx'));
    const workbook = await readWorkbook(file as string);
    expect(workbook.worksheets.map((w) => w.name)).toEqual([SUMMARY_SHEET, 'Acme Pty Ltd', 'Beta Dental North']);
    const expected = await monthly();
    const summary = table(workbook.getWorksheet(SUMMARY_SHEET) as ExcelJS.Worksheet, SUMMARY_HEADER);
    const lines = summary.filter((r) => r.Client !== TOTAL_LABEL);
    expect(lines.map((r) => [r.Client, r.Source, r.Workstations, r.Servers, r['Billable seats'], r.Spares, r['Total devices'], r['Previous month'], r.Change]))
      .toEqual(expected.map((m) => [m.site, m.source, m.workstations, m.servers, m.billable, m.spares, m.total, m.previous_billable, m.change]));
    const totals = summary.find((r) => r.Client === TOTAL_LABEL);
    const sum = (k: keyof Monthly) => expected.reduce((n, m) => n + Number(m[k]), 0);
    expect(totals).toMatchObject({ Workstations: sum('workstations'), Servers: sum('servers'), 'Billable seats': sum('billable'), Spares: sum('spares'), 'Total devices': sum('total') });
    expect(totals?.['Billable seats']).toBe(7);

    for (const [sheetName, site] of [['Acme Pty Ltd', 'Acme Pty Ltd'], ['Beta Dental North', 'Beta: Dental [North]']] as const) {
      const sheet = workbook.getWorksheet(sheetName) as ExcelJS.Worksheet;
      const mine = expected.filter((m) => m.site === site);
      const perSource = table(sheet, CLIENT_HEADER);
      expect(perSource.find((r) => r.Source === TOTAL_LABEL)?.['Billable seats']).toBe(mine.reduce((n, m) => n + m.billable, 0));
      const devices = table(sheet, DEVICE_HEADER);
      expect(devices).toHaveLength(mine.reduce((n, m) => n + m.total, 0));
      for (const m of mine) {
        expect(devices.filter((d) => d.Source === m.source && d['Billing status'] === 'billable')).toHaveLength(m.billable);
        expect(devices.filter((d) => d.Source === m.source && d['Billing status'] === 'spare')).toHaveLength(m.spares);
      }
    }
    const acme = table(workbook.getWorksheet('Acme Pty Ltd') as ExcelJS.Worksheet, DEVICE_HEADER);
    expect(acme.find((d) => d['Host name'] === 'ACME-SPARE-07')).toMatchObject({
      'Billing status': 'spare', Reason: 'spare: name_contains_spare', 'Spare rule': 'The display name (or, without one, the host name) contains "spare" (case-insensitive)', 'Month-end day': '2026-10-31',
    });
    // By host name across sources (case-insensitive), so a printed list is looked up like an index.
    expect(acme.map((d) => [d['Host name'], d.Source])).toEqual([
      ['=HYPERLINK("http://x")', 'ninjaone'], ['ACME-DC01', 'ninjaone'], ['ACME-LT-01', 'ninjaone'], ['ACME-LT-01', 'pmp'],
      ['ACME-LT-02', 'ninjaone'], ['ACME-LT-02', 'pmp'], ['ACME-PRINTER', 'ninjaone'], ['ACME-SPARE-07', 'ninjaone'], ['ACME-VM-GUEST', 'ninjaone'],
    ]);
    // A host name is text in the workbook, never a formula.
    expect(acme.find((d) => String(d['Host name']).startsWith('=HYPERLINK'))?.['Billing status']).toBe('billable');
  });

  it('from the CLI: writes billing-YYYY-MM.xlsx into the current directory and prints its path', async () => {
    const dir = tempDir('export-cli-');
    const result = await cli(['export', 'billing', '--month', '2026-10', '--format', 'xlsx'], { env: { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'Australia/Sydney' }, cwd: dir });
    expect(result.err).toMatch(/2026-10: 2 client\(s\), 7 billable seats and 3 spares over 2 source\(s\), 11 devices listed \(month not closed/u);
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe(path.join(dir, 'billing-2026-10.xlsx'));
    expect(readFileSync(path.join(dir, 'billing-2026-10.xlsx')).subarray(0, 2).toString()).toBe('PK');
    expect(readdirSync(dir)).toEqual(['billing-2026-10.xlsx']);
    // When it was made, on the MSP's wall clock and named so.
    const summary = (await readWorkbook(path.join(dir, 'billing-2026-10.xlsx'))).getWorksheet(SUMMARY_SHEET);
    const texts: string[] = [];
    summary?.eachRow((row) => row.eachCell((cell) => { texts.push(String(cell.value)); }));
    expect(texts.join('\n')).toMatch(/Generated \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(Australia\/Sydney\)\./u);
  });

  it('--format csv writes the summary and the device list, quoted and safe to open in a spreadsheet', async () => {
    const dir = tempDir('export-csv-');
    const result = await cli(['export', 'billing', '--month', '2026-10', '--format', 'csv', '--site', 'acme pty ltd'], { env: { DATABASE_URL: db.url }, cwd: dir });
    expect(result.code).toBe(0);
    expect(result.out.trim().split('\n')).toEqual([path.join(dir, 'billing-2026-10-acme-pty-ltd-summary.csv'), path.join(dir, 'billing-2026-10-acme-pty-ltd.csv')]);
    const summary = readFileSync(path.join(dir, 'billing-2026-10-acme-pty-ltd-summary.csv'), 'utf8');
    expect(summary.replace(/^\ufeff/u, '').split('\r\n')).toEqual([
      'month,client,source,instance,workstations,servers,billable,spares,total_devices,previous_billable,change,month_end_day,month_end_is_last_day,month_closed,seal_sha256,client_reference',
      '2026-10,Acme Pty Ltd,ninjaone,default,3,1,4,2,7,2,2,2026-10-31,true,false,,C-1042',
      '2026-10,Acme Pty Ltd,pmp,default,2,0,2,0,2,,2,2026-10-30,false,false,,C-1042',
      '',
    ]);
    const devices = readFileSync(path.join(dir, 'billing-2026-10-acme-pty-ltd.csv'), 'utf8').split('\r\n');
    expect(devices).toHaveLength(1 + 9 + 1);
    expect(devices).toContain('2026-10,Acme Pty Ltd,ninjaone,default,n5,ACME-SPARE-07,ACME-SPARE-07 (display),workstation,spare,spare: name_contains_spare,"The display name (or, without one, the host name) contains ""spare"" (case-insensitive)",2026-10-31,false,,C-1042');
    // A vendor-supplied name that a spreadsheet would run as a formula is neutralised.
    expect(devices.find((l) => l.includes(',n3,'))).toMatch(/,"'=HYPERLINK\(""http:\/\/x""\)","'=HYPERLINK/u);
  });

  it('--output writes into the directory it names, created if missing, wherever the command runs', async () => {
    const cwd = tempDir('export-cwd-');
    const output = path.join(tempDir('export-out-'), 'invoices', '2026-10');
    const result = await cli(['export', 'billing', '--month', '2026-10', '--format', 'csv', '--output', output], { env: { DATABASE_URL: db.url }, cwd });
    expect(result.code, result.err).toBe(0);
    expect(result.out.trim().split('\n')).toEqual([path.join(output, 'billing-2026-10-summary.csv'), path.join(output, 'billing-2026-10.csv')]);
    expect(readdirSync(output).sort()).toEqual(['billing-2026-10-summary.csv', 'billing-2026-10.csv']);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--paper letter prints every sheet on US Letter (A4 without it); an unknown paper or --paper with csv exits 2', async () => {
    const dir = tempDir('export-paper-');
    const env = { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' };
    const letter = await cli(['export', 'billing', '--month', '2026-10', '--paper', 'Letter', '--output', dir], { env });
    expect(letter.code).toBe(0);
    const sizes = (await readWorkbook(letter.out.trim())).worksheets.map((sheet) => sheet.pageSetup.paperSize);
    expect(sizes.length).toBeGreaterThan(1);
    expect(new Set(sizes)).toEqual(new Set([1]));
    const [a4] = await writeBillingExport(await loadBillingExport(db.sql, '2026-10'), 'xlsx', tempDir('export-a4-'));
    expect(new Set((await readWorkbook(a4 as string)).worksheets.map((sheet) => sheet.pageSetup.paperSize))).toEqual(new Set([9]));
    const unknown = await cli(['export', 'billing', '--month', '2026-10', '--paper', 'a5', '--output', dir], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--paper a5 is not a4 or letter[\s\S]*--paper letter/u);
    const csv = await cli(['export', 'billing', '--month', '2026-10', '--format', 'csv', '--paper', 'letter', '--output', dir], { env });
    expect(csv.code).toBe(2);
    expect(csv.err).toMatch(/--paper is for the xlsx workbook/u);
  });

  it('every sheet prints landscape, one page wide, its header repeated and frozen; totals cover every numeric column; the policy is stated', async () => {
    const dir = tempDir('export-print-');
    const [file] = await writeBillingExport(await loadBillingExport(db.sql, '2026-10'), 'xlsx', dir);
    const workbook = await readWorkbook(file as string);
    for (const sheet of workbook.worksheets) {
      const head = sheet.name === SUMMARY_SHEET ? SUMMARY_HEADER : DEVICE_HEADER;
      let row = 0;
      sheet.eachRow((r, n) => { if (!row && head.every((h, i) => r.getCell(i + 1).value === h)) row = n; });
      expect(sheet.pageSetup, sheet.name).toMatchObject({ orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${row}:${row}` });
      expect(sheet.views[0], sheet.name).toMatchObject({ state: 'frozen', ySplit: row });
      // A ThreatLocker GUID (36 characters) wraps in its column instead of widening the page.
      if (sheet.name !== SUMMARY_SHEET) expect(sheet.getColumn(DEVICE_HEADER.indexOf('Vendor id') + 1).width).toBeLessThan(36);
    }
    const summary = workbook.getWorksheet(SUMMARY_SHEET) as ExcelJS.Worksheet;
    const rows = table(summary, SUMMARY_HEADER);
    expect(rows.filter((r) => r.Client === 'Acme Pty Ltd').map((r) => r.Reference)).toEqual(['C-1042', 'C-1042']);
    expect(rows.find((r) => r.Client === TOTAL_LABEL)).toMatchObject({ 'Previous month': 2, Change: 5, 'Billable seats': 7 });
    const text: string[] = [];
    summary.eachRow((r) => { text.push(String(r.getCell(1).value)); });
    expect(text).toContain('Billed classes: workstation, server. A device of any other class is listed as not_billed; devices at an internal site are never billed.');
    expect(text.find((t) => t.startsWith('A device of a billed class is a spare'))).toMatch(/1\. The display name \(or, without one, the host name\) contains "spare" \(case-insensitive\); 2\. The location/u);
    const acme = workbook.getWorksheet('Acme Pty Ltd') as ExcelJS.Worksheet;
    expect(acme.getRow(1).getCell(1).value).toBe('Acme Pty Ltd (reference C-1042), October 2026');
    expect(table(acme, CLIENT_HEADER).find((r) => r.Source === TOTAL_LABEL)).toMatchObject({ 'Previous month': 2, Change: 4 });
  });

  it('sites reference sets a cleaned, bounded code and --clear removes it; bad ones exit 2 saying what to do', async () => {
    const env = { DATABASE_URL: db.url };
    expect((await cli(['sites', 'reference', 'Gamma Legal', 'G\n 77'], { env })).out).toBe('"Gamma Legal": reference G 77\n');
    expect((await db.sql`select reference from bi.sites where site = 'Gamma Legal'`)[0]).toEqual({ reference: 'G 77' });
    const long = await cli(['sites', 'reference', 'Gamma Legal', 'x'.repeat(65)], { env });
    expect([long.code, long.err]).toEqual([2, expect.stringMatching(/the client reference is 65 characters; at most 64 are kept\n→ /u)]);
    const unknown = await cli(['sites', 'reference', 'Gama', 'G1'], { env });
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringMatching(/no site is named "Gama"\n→ /u)]);
    const empty = await cli(['sites', 'reference', 'Gamma Legal', '\t '], { env });
    expect([empty.code, empty.err]).toEqual([2, expect.stringMatching(/the client reference is empty\n→ .*--clear/u)]);
    expect((await cli(['sites', 'reference', 'Gamma Legal', '--clear'], { env })).out).toBe('"Gamma Legal": reference cleared (was G 77)\n');
    expect((await db.sql`select reference from bi.sites where site = 'Gamma Legal'`)[0]).toEqual({ reference: null });
    // The database holds the same line, for writers other than the CLI.
    await expect(db.sql`update core.sites set reference = ${'a\tb'} where name = 'Gamma Legal'`).rejects.toThrow(/sites_reference_shape/u);
  });

  it('--month defaults to the month before today in WAREHOUSE_TIMEZONE; --output naming a file exits 2', async () => {
    const dir = tempDir('export-default-');
    // --today stands for the clock's day in WAREHOUSE_TIMEZONE (the test chooses it, whatever the date).
    const result = await cli(['export', 'billing', '--format', 'csv', '--today', '2026-11-01'], { env: { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'Australia/Sydney' }, cwd: dir });
    expect(result.code, result.err).toBe(0);
    expect(result.out.trim().split('\n')).toEqual([path.join(dir, 'billing-2026-10-summary.csv'), path.join(dir, 'billing-2026-10.csv')]);
    const file = path.join(dir, 'billing-2026-10.csv');
    const refused = await cli(['export', 'billing', '--month', '2026-10', '--output', file], { env: { DATABASE_URL: db.url } });
    expect([refused.code, refused.err]).toEqual([2, expect.stringMatching(/--output .*billing-2026-10\.csv is a file, not a directory\n→ /u)]);
    const named = await cli(['export', 'billing', '--month', '2026-10', '--output', path.join(dir, 'new', 'billing.xlsx')], { env: { DATABASE_URL: db.url } });
    expect(named.code).toBe(2);
  });

  it('--site narrows to one client; an unknown site or a month without a month-end exits 2 saying what to do', async () => {
    const data = await loadBillingExport(db.sql, '2026-10', 'Beta: Dental [North]');
    expect(data.summary.map((s) => s.site)).toEqual(['Beta: Dental [North]']);
    expect(data.devices).toHaveLength(2);
    const unknown = await cli(['export', 'billing', '--month', '2026-10', '--site', 'Acm'], { env: { DATABASE_URL: db.url } });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--site Acm: no such site\n→ Did you mean "Acme Pty Ltd"\?/u);
    const none = await cli(['export', 'billing', '--month', '2026-08', '--format', 'csv'], { env: { DATABASE_URL: db.url } });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no month-end for 2026-08\n→ .*warehouse rollup --from 2026-08-01 --to 2026-08-31/u);
    const bad = await cli(['export', 'billing', '--month', '2026-13'], { env: { DATABASE_URL: db.url } });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--month 2026-13 is not a month like 2026-10/u);
  });
});
