/**
 * The first ten minutes, scaled down: `warehouse demo` into a fresh WAREHOUSE_HOME (embedded
 * database, three simulators, history ending today, rollup and retention), then what an operator
 * runs next: `status` exits 0, `export billing` of last month writes a workbook whose totals are the
 * month-end the demo printed from bi.billing_monthly.
 */
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUMMARY_HEADER, SUMMARY_SHEET, TOTAL_LABEL } from '../../bin/export/billing-xlsx.js';
import { cli, removeTempDirs, tempDir, type CliResult } from './cli.js';

const home = tempDir('warehouse-demo-');
const env = { WAREHOUSE_HOME: home };
let demo: CliResult;

afterAll(async () => {
  await cli(['db', 'stop'], { env });
  removeTempDirs();
});

/** The printed table under the heading line matching `title`: its header, then its rows. */
function printed(out: string, title: RegExp): string[][] {
  const lines = out.split('\n');
  const start = lines.findIndex((l) => title.test(l));
  expect(start).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [(lines[start + 1] as string).trim().split(/\s{2,}/u)];
  for (const line of lines.slice(start + 3)) {
    if (!line.startsWith('  ')) break;
    rows.push(line.trim().split(/\s{2,}/u));
  }
  return rows;
}

describe('warehouse demo', () => {
  // The demo, once: every test reads what it printed or the warehouse it left.
  beforeAll(async () => {
    demo = await cli(['demo', '--days', '35', '--devices', '60'], { env, timeoutMs: 240_000 });
  }, 300_000);

  it('builds the history and prints billing, compliance, coverage and how to connect with psql', () => {
    expect(demo.err).toBe('');
    expect(demo.code).toBe(0);
    // Not on a terminal: JSON log lines, no progress line, and no per-run chatter when all is well.
    const logs = demo.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.length).toBeLessThanOrEqual(4);
    const built = logs.find((l) => l.msg === 'demo history built');
    expect(built).toMatchObject({ runs: 105, failures: 0, dailyDays: 65, droppedDaily: 0, droppedRaw: 28 });
    expect((built?.monthEnds as string[]).length).toBeGreaterThanOrEqual(1);
    expect(demo.out.includes(String.fromCharCode(27))).toBe(false);

    expect(demo.out).toMatch(/^History: \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d; month-ends of \d{4}-\d\d.* Retention dropped 0 daily partition\(s\) older than 65 days and 28 of raw pages older than 7 days/mu);
    const seats = printed(demo.out, /^Billable seats per client: this month so far/u);
    expect(seats[0]).toEqual(['client', 'ninjaone', 'threatlocker', 'pmp', 'ninjaone spares']);
    expect(seats.at(-1)?.[0]).toMatch(/^TOTAL/u);
    expect(seats.length).toBeGreaterThan(3);
    expect(demo.out).toMatch(/^Last month-end \(bi\.billing_monthly/mu);
    expect(demo.out).toMatch(/^Top compliance failures on \d{4}-\d\d-\d\d/mu);
    expect(demo.out).toMatch(/^Coverage gaps on \d{4}-\d\d-\d\d \(bi\.coverage\):/mu);
    expect(demo.out).toMatch(/^Collection health/mu);
    for (const source of ['ninjaone', 'threatlocker', 'pmp']) expect(demo.out).toMatch(new RegExp(`^  ${source}\\s+\\d{4}-\\d\\d-\\d\\d\\s+\\d+\\s+succeeded\\s+0$`, 'mu'));
    expect(demo.out).toMatch(/psql "\$\(npx warehouse db url\)"/u);
    // The dashboard is a next command, never started by the demo itself.
    expect(demo.out).toMatch(/^ {2}npx warehouse serve\s+# the dashboard at http:\/\/127\.0\.0\.1:8080\//mu);
  });

  it('tells the findings\' story: first seen across the history, some resolved, one acknowledged, details cut at a word', () => {
    const title = /^Findings since (\d{4}-\d\d-\d\d): (\d+) open, (\d+) acknowledged, (\d+) resolved/mu.exec(demo.out);
    expect(title).not.toBeNull();
    const [, since, open, acknowledged, resolved] = title as RegExpExecArray;
    const [, first, last] = /^History: (\S+) to (\S+);/mu.exec(demo.out) as RegExpExecArray;
    // Refreshed every few days as a nightly would, not once on the final day.
    expect(since! < last!).toBe(true);
    expect(since! >= first!).toBe(true);
    expect(Number(open)).toBeGreaterThan(0);
    expect(Number(resolved)).toBeGreaterThan(0);
    expect(Number(acknowledged)).toBe(1);
    const rows = printed(demo.out, /^Findings since/u);
    const header = rows[0] as string[];
    const listed = rows.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
    expect(listed[0]).toMatchObject({ status: 'acknowledged', kind: 'no_threatlocker' });
    expect(listed[0]?.detail).toMatch(/^demo: kiosk PC/u);
    for (const row of listed) {
      expect(row['first seen'] as string >= first!).toBe(true);
      // Whole words, or a cut marked with an ellipsis right after one.
      expect(row.detail).toMatch(/(?:\w|[).])$|\w…$/u);
    }
  });

  it('leaves a warehouse that `status` calls fresh (exit 0)', async () => {
    const result = await cli(['status'], { env });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/ninjaone\s+ok/u);
    expect(result.out).toMatch(/every source succeeded within 36 h/u);
  }, 60_000);

  it('exports last month as an xlsx whose totals are the month-end the demo printed', async () => {
    const month = printed(demo.out, /^Last month-end \(bi\.billing_monthly/u).slice(1);
    const lastMonth = month[0]?.[0] as string;
    const cwd = tempDir('demo-export-');
    const result = await cli(['export', 'billing', '--month', lastMonth, '--format', 'xlsx'], { env, cwd });
    expect(result.code).toBe(0);
    const file = path.join(cwd, `billing-${lastMonth}.xlsx`);
    expect(result.out.trim()).toBe(file);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.getWorksheet(SUMMARY_SHEET) as ExcelJS.Worksheet;
    let totalBillable: unknown;
    sheet.eachRow((row) => {
      if (row.getCell(1).value === TOTAL_LABEL) totalBillable = (row.getCell(SUMMARY_HEADER.indexOf('Billable seats') + 1).value as { result: number }).result;
    });
    expect(totalBillable).toBe(month.reduce((n, r) => n + Number(r[2]), 0));
    expect(workbook.worksheets.length).toBeGreaterThan(1);
  }, 60_000);
});
