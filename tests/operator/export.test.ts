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
import { lastDayOfMonth } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, removeTempDirs, tempDir } from './cli.js';

let db: TestDatabase;

type Device = [vendorId: string, hostname: string, deviceClass: string, status: string, reason: string, rule: string | null];

async function monthEnd(site: number, source: number, month: string, day: string, devices: Device[]): Promise<void> {
  await db.sql`select rollup.ensure_month_partition(${`${month}-01`}::date)`;
  await db.sql`
    insert into rollup.month_ends (month, source_instance_id, month_end_day, is_exact, run_id)
    values (${`${month}-01`}::date, ${source}, ${day}::date, ${day === lastDayOfMonth(month)}, 1)
    on conflict do nothing`;
  for (const [vendorId, hostname, deviceClass, status, reason, rule] of devices) {
    const [device] = await db.sql<{ id: number }[]>`
      insert into core.devices (source_instance_id, vendor_id, first_seen_on) values (${source}, ${vendorId}, ${day}::date)
      on conflict (source_instance_id, vendor_id) do update set first_seen_on = least(core.devices.first_seen_on, excluded.first_seen_on) returning device_id as id`;
    await db.sql`
      insert into rollup.month_end_devices (site_id, month, source_instance_id, device_id, month_end_day, vendor_id, display_name, hostname, device_class, billing_status, reason, spare_rule_id)
      values (${site}, ${`${month}-01`}::date, ${source}, ${device?.id as number}, ${day}::date, ${vendorId}, ${`${hostname} (display)`}, ${hostname}, ${deviceClass}, ${status}, ${reason}, ${rule})`;
  }
}

beforeAll(async () => {
  db = await testDatabase();
  const site = async (name: string) => (await db.sql<{ id: number }[]>`insert into core.sites (name, normalized_name) values (${name}, ${name.toLowerCase()}) returning site_id as id`)[0]?.id as number;
  const source = async (name: string) => (await db.sql<{ id: number }[]>`insert into ops.source_instances (source, instance) values (${name}, 'default') returning source_instance_id as id`)[0]?.id as number;
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
      'Billing status': 'spare', Reason: 'spare: name_contains_spare', 'Spare rule': 'The display name contains "spare" (case-insensitive)', 'Month-end day': '2026-10-31',
    });
    // Billable first within a source, then spares, then devices not billed.
    expect(acme.filter((d) => d.Source === 'ninjaone').map((d) => d['Billing status'])).toEqual(['billable', 'billable', 'billable', 'billable', 'spare', 'spare', 'not_billed']);
    // A host name is text in the workbook, never a formula.
    expect(acme.find((d) => String(d['Host name']).startsWith('=HYPERLINK'))?.['Billing status']).toBe('billable');
  });

  it('from the CLI: writes billing-YYYY-MM.xlsx into the current directory and prints its path', async () => {
    const dir = tempDir('export-cli-');
    const result = await cli(['export', 'billing', '--month', '2026-10', '--format', 'xlsx'], { env: { DATABASE_URL: db.url }, cwd: dir });
    expect(result.err).toMatch(/2026-10: 2 client\(s\), 7 billable seats and 3 spares over 2 source\(s\), 11 devices listed \(month not closed/u);
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe(path.join(dir, 'billing-2026-10.xlsx'));
    expect(readFileSync(path.join(dir, 'billing-2026-10.xlsx')).subarray(0, 2).toString()).toBe('PK');
    expect(readdirSync(dir)).toEqual(['billing-2026-10.xlsx']);
  });

  it('--format csv writes the summary and the device list, quoted and safe to open in a spreadsheet', async () => {
    const dir = tempDir('export-csv-');
    const result = await cli(['export', 'billing', '--month', '2026-10', '--format', 'csv', '--site', 'acme pty ltd'], { env: { DATABASE_URL: db.url }, cwd: dir });
    expect(result.code).toBe(0);
    expect(result.out.trim().split('\n')).toEqual([path.join(dir, 'billing-2026-10-acme-pty-ltd-summary.csv'), path.join(dir, 'billing-2026-10-acme-pty-ltd.csv')]);
    const summary = readFileSync(path.join(dir, 'billing-2026-10-acme-pty-ltd-summary.csv'), 'utf8');
    expect(summary.replace(/^\ufeff/u, '').split('\r\n')).toEqual([
      'month,client,source,instance,workstations,servers,billable,spares,total_devices,previous_billable,change,month_end_day,month_end_is_last_day,month_closed,seal_sha256',
      '2026-10,Acme Pty Ltd,ninjaone,default,3,1,4,2,7,2,2,2026-10-31,true,false,',
      '2026-10,Acme Pty Ltd,pmp,default,2,0,2,0,2,,2,2026-10-30,false,false,',
      '',
    ]);
    const devices = readFileSync(path.join(dir, 'billing-2026-10-acme-pty-ltd.csv'), 'utf8').split('\r\n');
    expect(devices).toHaveLength(1 + 9 + 1);
    expect(devices).toContain('2026-10,Acme Pty Ltd,ninjaone,default,n5,ACME-SPARE-07,ACME-SPARE-07 (display),workstation,spare,spare: name_contains_spare,"The display name contains ""spare"" (case-insensitive)",2026-10-31,false,');
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

  it('--site narrows to one client; an unknown site or a month without a month-end exits 2 saying what to do', async () => {
    const data = await loadBillingExport(db.sql, '2026-10', 'Beta: Dental [North]');
    expect(data.summary.map((s) => s.site)).toEqual(['Beta: Dental [North]']);
    expect(data.devices).toHaveLength(2);
    const unknown = await cli(['export', 'billing', '--month', '2026-10', '--site', 'Acm'], { env: { DATABASE_URL: db.url } });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--site Acm: no such site\n→ Did you mean: "Acme Pty Ltd"\?/u);
    const none = await cli(['export', 'billing', '--month', '2026-08', '--format', 'csv'], { env: { DATABASE_URL: db.url } });
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no month-end for 2026-08\n→ .*warehouse rollup --from 2026-08-01 --to 2026-08-31/u);
    const bad = await cli(['export', 'billing', '--month', '2026-13'], { env: { DATABASE_URL: db.url } });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--month 2026-13 is not a month like 2026-10/u);
  });
});
