/**
 * `warehouse export compliance` (issue 18 item 6): given ten days of patch rows for two clients and
 * two patch sources, and PMP summaries, the workbook has the six sheets with the bi views' numbers,
 * and LibreOffice really parses its charts: converted to .ods, content.xml embeds chart objects
 * (draw:object) whose own content.xml is a chart:chart of the right class; converted to PDF and PNG,
 * the pages are landscape A4 with the page header naming the client, the period and when it was made.
 * One conversion of each kind (LibreOffice takes seconds to start), in beforeAll, with a private profile.
 */
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadComplianceExport, riskScore, type ComplianceExport } from '../../bin/export/compliance-data.js';
import { complianceWorkbook, SHEETS } from '../../bin/export/compliance-xlsx.js';
import { addDays } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { PatchFixtures, pmpSummary } from '../views/patch-fixtures.js';
import { cli, removeTempDirs, tempDir } from './cli.js';

const run = promisify(execFile);
const TOOLS = ['soffice', 'pdfinfo', 'pdftotext', 'pdftoppm'];
const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const skipped = missing.length > 0 ? ` (skipped: ${missing.join(', ')} not installed; .ci/run installs libreoffice-calc and poppler-utils)` : '';

/** The report's day, chosen by the test; ten days of rows end on it. */
const DAY = '2026-10-20';
const DAYS = Array.from({ length: 10 }, (_, k) => addDays(DAY, k - 9));
const ACME = 'Acme & Sons';

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  const f = new PatchFixtures(db.sql);
  const ninja = await f.instance('ninjaone');
  const pmp = await f.instance('pmp');
  const acme = await f.site(ACME);
  const beta = await f.site('Beta Dental');
  for (const [k, day] of DAYS.entries()) {
    const at = `${day}T01:00:00Z`;
    await f.publish(ninja, day);
    await f.publish(pmp, day);
    for (const n of [1, 2, 3]) {
      // Critical patches fall day by day at Acme: the trend has a slope to draw.
      await f.device({ instanceId: ninja, siteId: acme, day, vendorId: `n-acme-${n}`, lastContactAt: at, patch: { critical: Math.max(0, 4 - Math.floor(k / 3)) * n, important: 2, lastScanAt: at } });
      await f.device({ instanceId: pmp, siteId: acme, day, vendorId: `p-acme-${n}`, lastContactAt: at,
        patch: { critical: n === 1 ? 2 : 0, important: 5, moderate: 3, low: 1, os: 6, thirdParty: 5, scanStatus: 'success', healthStatus: n === 1 ? 'highly_vulnerable' : 'healthy', lastScanAt: at, lastSuccessfulScanAt: at } });
    }
    await f.device({ instanceId: pmp, siteId: beta, day, vendorId: 'p-beta-1', lastContactAt: at,
      patch: { critical: 0, scanStatus: 'success', healthStatus: 'healthy', lastScanAt: at, lastSuccessfulScanAt: at } });
    await f.summary(pmp, day, pmpSummary({ 'missing_patch_severity_summary.critical_count': 10 - k, 'system_summary.healthy_systems': 3 + k }));
  }
});
afterAll(async () => {
  await db.close();
  removeTempDirs();
});

describe('the compliance data read from the bi views', () => {
  it('holds the day\'s rule verdicts, one trend line per day and source, and the PMP metrics with their 7-day change', async () => {
    const data = await loadComplianceExport(db.sql, { today: addDays(DAY, 2), days: 90, site: 'acme & sons' });
    expect([data.day, data.firstDay, data.site?.name]).toEqual([DAY, addDays(DAY, -89), ACME]);
    const checks = await db.sql`select count(*)::int as n from bi.compliance_checks where snapshot_day = ${DAY} and site = ${ACME}`;
    expect(data.checks).toHaveLength(checks[0]?.n as number);
    expect(data.trend).toHaveLength(DAYS.length * 2);
    expect(data.trend.find((t) => t.day === DAYS[0] && t.source === 'ninjaone')?.critical).toBe(4 * 6);
    expect(data.trend.find((t) => t.day === DAY && t.source === 'ninjaone')?.critical).toBe(6);
    // NinjaOne gives no third-party count: not known, never 0.
    expect(data.sources.find((s) => s.source === 'ninjaone')?.thirdParty).toBeNull();
    expect(data.sources.find((s) => s.source === 'pmp')).toMatchObject({ critical: 2, thirdParty: 15, devicesHighlyVulnerable: 1 });
    const critical = data.pmp.find((m) => m.metric === 'missing_patch_severity_summary.critical_count');
    expect(critical).toMatchObject({ valueText: '1', change7: -7, direction7: 'down', direction30: null });
    expect(new Set(data.pmp.map((m) => m.metric)).size).toBeGreaterThanOrEqual(27);
  });

  it('scores risk as the severity-weighted share of decided checks that fail', () => {
    const check = (severity: string, status: 'pass' | 'fail' | 'unknown') => ({ severity, status }) as ComplianceExport['checks'][number];
    expect(riskScore([check('critical', 'fail'), check('low', 'pass'), check('high', 'unknown')]).score).toBe(80);
    expect(riskScore([check('high', 'unknown')]).score).toBeNull();
  });
});

describe('warehouse export compliance on the command line', () => {
  it('refuses an unknown site with the nearest names, and a period with no data saying what to do', async () => {
    const env = { DATABASE_URL: db.url };
    const unknown = await cli(['export', 'compliance', '--site', 'Acme and Son', '--today', DAY], { env });
    expect([unknown.code, unknown.err]).toEqual([2, expect.stringMatching(/--site Acme and Son: no such site\n→ Did you mean "Acme & Sons"\?/u)]);
    const none = await cli(['export', 'compliance', '--today', '2026-01-01'], { env });
    expect([none.code, none.err]).toEqual([2, expect.stringMatching(/no compliance data in the 97 days up to 2026-01-01\n→ .*warehouse nightly/u)]);
    const days = await cli(['export', 'compliance', '--days', '0'], { env });
    expect([days.code, days.err]).toEqual([2, expect.stringMatching(/--days 0 is not a positive whole number/u)]);
    const billing = await cli(['export', 'billing', '--days', '3'], { env });
    expect([billing.code, billing.err]).toEqual([2, expect.stringMatching(/unknown option --days/u)]);
  });

  it('writes compliance-DAY-client.xlsx with the six sheets', async () => {
    const dir = tempDir('export-compliance-');
    const result = await cli(['export', 'compliance', '--site', ACME, '--today', DAY, '--days', '30', '--output', dir], { env: { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'Australia/Sydney' } });
    expect(result.err).toMatch(/2026-10-20 \(Acme & Sons\): \d+ rule checks/u);
    expect(result.code).toBe(0);
    expect(result.out.trim()).toBe(path.join(dir, 'compliance-2026-10-20-acme-sons.xlsx'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(result.out.trim());
    expect(workbook.worksheets.map((s) => s.name)).toEqual(Object.values(SHEETS));
    expect(workbook.getWorksheet(SHEETS.summary)?.headerFooter.oddHeader).toMatch(/Acme && Sons.*2026-09-21 to 2026-10-20 \(30 days\).*Generated \d{4}-\d\d-\d\d \d\d:\d\d \(Australia\/Sydney\)/u);
  });
});

/** Each page's [width, height] in points, as pdfinfo reads them. */
async function pageSizes(file: string): Promise<Array<[number, number]>> {
  const info = (await run('pdfinfo', [file])).stdout;
  const count = Number(/^Pages:\s+(\d+)$/mu.exec(info)?.[1]);
  const sizes = (await run('pdfinfo', ['-f', '1', '-l', String(count), file])).stdout;
  return [...sizes.matchAll(/^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts/gmu)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
}

let xlsx: string;
let pdf: string;
let letterPdf: string;
let pages: number;
let text = '';
let ods: JSZip;
let data: ComplianceExport;

describe.skipIf(missing.length > 0)(`the compliance workbook opened by LibreOffice${skipped}`, () => {
  beforeAll(async () => {
    data = { ...(await loadComplianceExport(db.sql, { today: DAY, days: 90, site: ACME })), timeZone: 'Europe/London' };
    const dir = tempDir('export-compliance-lo-');
    xlsx = path.join(dir, 'compliance.xlsx');
    const { writeFile } = await import('node:fs/promises');
    const now = new Date(`${DAY}T09:30:00Z`);
    await writeFile(xlsx, await complianceWorkbook(data, { now }));
    const letterXlsx = path.join(dir, 'compliance-letter.xlsx');
    await writeFile(letterXlsx, await complianceWorkbook(data, { now, paper: 'letter' }));
    const profile = `-env:UserInstallation=file://${path.join(dir, 'profile')}`;
    // One LibreOffice start converts both papers.
    await run('soffice', ['--headless', profile, '--convert-to', 'pdf', '--outdir', dir, xlsx, letterXlsx], { timeout: 180_000 });
    letterPdf = path.join(dir, 'compliance-letter.pdf');
    await run('soffice', ['--headless', profile, '--convert-to', 'ods', '--outdir', dir, xlsx], { timeout: 120_000 });
    pdf = path.join(dir, 'compliance.pdf');
    expect(existsSync(pdf), 'soffice wrote no PDF').toBe(true);
    ods = await JSZip.loadAsync(await readFile(path.join(dir, 'compliance.ods')));
    pages = Number(/^Pages:\s+(\d+)$/mu.exec((await run('pdfinfo', [pdf])).stdout)?.[1]);
    text = (await run('pdftotext', ['-layout', pdf, '-'])).stdout;
    await run('pdftoppm', ['-png', '-r', '60', pdf, path.join(dir, 'page')]);
    // To look at the pages yourself: WAREHOUSE_PRINT_TEST_OUT=/tmp/pages npx vitest run tests/operator/export-compliance.test.ts
    const keep = process.env.WAREHOUSE_PRINT_TEST_OUT;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (const file of readdirSync(dir).filter((n) => /\.(png|pdf|xlsx)$/u.test(n))) copyFileSync(path.join(dir, file), path.join(keep, file));
    }
    expect(readdirSync(dir).filter((n) => /^page.*\.png$/u.test(n)).length).toBe(pages);
  }, 240_000);

  it('LibreOffice parses the native charts: two line charts and a pie per source, as chart objects', async () => {
    const content = await ods.file('content.xml')?.async('string') ?? '';
    const objects = [...content.matchAll(/<draw:object\b[^>]*xlink:href="\.\/([^"]+)"/gu)].map((m) => m[1] as string);
    expect(objects).toHaveLength(4);
    const classes: string[] = [];
    for (const name of objects) {
      const chart = await ods.file(`${name}/content.xml`)?.async('string') ?? '';
      const cls = /<chart:chart\b[^>]*chart:class="chart:(\w+)"/u.exec(chart)?.[1];
      expect(cls, `${name} is a chart`).toBeDefined();
      classes.push(cls as string);
    }
    // The series read the sheet's cells (the chart stays live), not a copy of the numbers.
    const ranges = [...content.matchAll(/<draw:object\b[^>]*draw:notify-on-update-of-ranges="([^"]*)"/gu)].map((m) => m[1]);
    expect(ranges.filter((r) => r?.includes('&apos;Trend charts&apos;.'))).toHaveLength(2);
    expect(ranges.filter((r) => r?.includes('&apos;Severity analysis&apos;.A'))).toHaveLength(2);
    expect(classes.sort()).toEqual(['circle', 'circle', 'line', 'line']);
  });

  it('prints landscape A4 pages headed with the client, the period and the generation time', async () => {
    const each = await pageSizes(pdf);
    expect(each).toHaveLength(pages);
    for (const size of each) expect(size).toEqual([842, 595]);
    // One page each for the summary, the severity analysis and the recommendations; the charts' page and
    // two of the 90 days' table; the rules (13 × 2 sources, their reasons wrapped) on three; the trend report on two.
    expect(pages).toBeLessThanOrEqual(11);
    const headed = text.split('\f').filter((page) => page.trim() !== '');
    for (const page of headed) expect(page).toMatch(/Compliance: Acme & Sons\s+2026-07-23 to 2026-10-20 \(90 days\)\s+Generated 2026-10-20 10:30 \(Europe\/London\)/u);
  });

  it('prints the same pages on landscape US Letter with --paper letter', async () => {
    const each = await pageSizes(letterPdf);
    // Letter is wider and shorter than A4: the same one-page-wide sheets, perhaps a page more.
    expect(each.length).toBeGreaterThanOrEqual(pages);
    expect(each.length).toBeLessThanOrEqual(pages + 2);
    for (const size of each) expect(size).toEqual([792, 612]);
  });

  it('shows the risk score, every rule, recommendations for the failing ones and the PMP trend with arrows', () => {
    expect(text).toMatch(/Risk score, 0 \(none fails\) to 100\s+\d+/u);
    expect(text).toMatch(/Status\s+(FAIL|PASS)/u);
    for (const c of data.checks) expect(text).toContain(c.ruleId);
    expect(text).toContain('Recommendations: Acme & Sons');
    expect(text).toMatch(/missing_patch_severity_summary\.critical_count\s+1\s+-7\s+↓/u);
    expect(text).toMatch(/missing_patch_severity_summary\.critical_count\s+1\s+-7\s+↓\s+not known\s+not known/u);
    // NinjaOne's third-party count is not known, and says so.
    expect(text).toMatch(/Third-party\s+not known\s+15/u);
  });

  it('colours the statuses by conditional formatting and writes the risk score as a formula', async () => {
    const zip = await JSZip.loadAsync(await readFile(xlsx));
    const sheets = await Promise.all([1, 3].map((n) => zip.file(`xl/worksheets/sheet${n}.xml`)?.async('string') ?? ''));
    expect(sheets[0]).toMatch(/<f>IF\(SUMPRODUCT\(B\d+:B\d+,D\d+:D\d+\)=0,&quot;not known&quot;,ROUND\(100\*SUMPRODUCT/u);
    expect(sheets[1]).toMatch(/<conditionalFormatting sqref="H\d+:H\d+">/u);
    expect((sheets[1]?.match(/<cfRule type="expression"/gu) ?? [])).toHaveLength(3);
  });
});
