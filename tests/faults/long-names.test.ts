/**
 * No value a vendor can supply breaks an index: a 100,000-character organisation name (and a twin
 * that differs only in its last character), two devices sharing a 100,000-character host name,
 * serial and display name, through the NinjaOne simulator (rewritten on the wire) and the CLI as an
 * operator runs it: collect, rollup, exceptions refresh, nightly and the billing exports all exit 0,
 * the full values are kept in the bi views, the twins stay two sites and the devices two devices.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { EXCEL_CELL_LIMIT } from '../../bin/export/excel-text.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { cli, scratchHome, type CliResult } from './helpers/cli.js';
import { startRewriteProxy, type Rewrite, type RewriteProxy } from './helpers/rewrite-proxy.js';

type Row = Record<string, unknown>;

const LENGTH = 100_000;
/** Long values are compared by length and digest: a failing assertion must not print 100 KB. */
const print = (value: string | null | undefined): string => (value == null ? String(value) : `${value.length} chars, sha256 ${createHash('sha256').update(value).digest('hex').slice(0, 16)}`);
/** Text that does not compress: PostgreSQL compresses index entries, so a repeated letter would hide the limit. */
const incompressible = (seed: string): string => {
  const chunks: string[] = [];
  for (let i = 0, n = 0; n < LENGTH; i += 1) {
    const chunk = createHash('sha512').update(`${seed}${i}`).digest('base64').replace(/[+/=]/gu, '');
    chunks.push(chunk);
    n += chunk.length;
  }
  return `${seed}-${chunks.join('')}`.slice(0, LENGTH);
};
const ORG = incompressible('Client');
/** The same name but for its last character: a different client. */
const TWIN = `${ORG.slice(0, -1)}${ORG.endsWith('x') ? 'y' : 'x'}`;
const HOST = incompressible('HOST');
const SERIAL = incompressible('SERIAL');
const DISPLAY = incompressible('Display');
const LOCATION = incompressible('Location');

const DAY = '2026-03-31';
const MONTH = '2026-03';

let db: TestDatabase;
let sim: NinjaOneSimulator;
let proxy: RewriteProxy;
let env: Record<string, string>;
let pair: string[];
const home = scratchHome();
const output = mkdtempSync(path.join(tmpdir(), 'warehouse-long-names-'));

const run = (args: string[]): Promise<CliResult> => cli(args, env, { timeoutMs: 120_000 });
const expectOk = (result: CliResult): void => {
  expect(result.err.split('\n').filter((l) => l.startsWith('warehouse:') || l.startsWith('→')).join('\n')).toBe('');
  expect(result.code).toBe(0);
};

beforeAll(async () => {
  db = await testDatabase();
  sim = await startNinjaOneSimulator({ devices: 40, seed: 22, date: DAY });
  proxy = await startRewriteProxy(sim.url);
  const truth = sim.truth();
  const [first, second] = truth.organizations;
  const inFirst = truth.devices.filter((d) => d.organizationId === first?.id && d.nodeClass === 'WINDOWS_WORKSTATION');
  expect(inFirst.length).toBeGreaterThanOrEqual(2);
  expect(truth.devices.some((d) => d.organizationId === second?.id)).toBe(true);
  pair = inFirst.slice(0, 2).map((d) => String(d.id));
  const location = truth.locations.find((l) => l.organizationId === first?.id)?.id;
  const rewrite: Rewrite = (p, body) => {
    if (!Array.isArray(body)) return undefined;
    const rows = body as Row[];
    if (p === '/v2/organizations') return rows.map((o) => (o.id === first?.id ? { ...o, name: ORG } : o.id === second?.id ? { ...o, name: TWIN } : o));
    if (p === '/v2/locations') return rows.map((l) => (l.id === location ? { ...l, name: LOCATION } : l));
    if (p === '/v2/devices-detailed') {
      return rows.map((d) => (pair.includes(String(d.id))
        ? { ...d, systemName: HOST, displayName: DISPLAY, system: { ...(d.system as Row | undefined), serialNumber: SERIAL } }
        : d));
    }
    return undefined;
  };
  proxy.setRewrite(rewrite);
  env = { ...sim.config, NINJAONE_BASE_URL: proxy.url, DATABASE_URL: db.url, WAREHOUSE_HOME: home };
}, 60_000);
afterAll(async () => {
  await Promise.all([proxy?.close(), sim?.close()]);
  await db?.close();
  rmSync(output, { recursive: true, force: true });
});

// A narrative: the first test runs the night the others read.
inOrder('100,000-character names through the night', () => {
  it('collect, rollup, exceptions refresh and nightly exit 0', async () => {
    expectOk(await run(['collect', 'ninjaone', '--date', DAY, '--accept-past-date']));
    // The month has ended by the operator's (chosen) today, so its month-end is materialised.
    expectOk(await run(['rollup', '--date', DAY, '--today', '2026-04-01']));
    expectOk(await run(['exceptions', 'refresh']));
    expectOk(await run(['nightly', '--date', DAY, '--accept-past-date']));
    expectOk(await run(['exceptions', 'list']));
  }, 300_000);

  it('keeps the full organisation names as two sites', async () => {
    const sites = await db.sql<{ site: string; normalized: number }[]>`
      select site, length(normalized_name) as normalized from bi.sites where length(site) = ${LENGTH} order by site`;
    expect(sites.map((s) => print(s.site))).toEqual([ORG, TWIN].sort().map(print));
    expect(sites.every((s) => s.normalized > 0)).toBe(true);
  });

  it('keeps the two devices as two devices, with every long value whole', async () => {
    const devices = await db.sql<{ vendor_id: string; site: string; hostname: string; serial_number: string; display_name: string; location_name: string | null }[]>`
      select vendor_id, site, hostname, serial_number, display_name, location_name from bi.devices_current where hostname = ${HOST} order by vendor_id`;
    expect(devices.map((d) => print(d.location_name))).toEqual(devices.map(() => print(LOCATION)));
    expect(devices.map((d) => d.vendor_id)).toEqual([...pair].sort());
    for (const d of devices) {
      expect(print(d.site)).toBe(print(ORG));
      expect(print(d.serial_number)).toBe(print(SERIAL));
      expect(print(d.display_name)).toBe(print(DISPLAY));
    }
    const [counts] = await db.sql<{ current: number; month_end: number }[]>`
      select (select count(*)::int from bi.devices_current) as current,
             (select count(*)::int from bi.billing_month_devices where month = ${MONTH} and hostname = ${HOST}) as month_end`;
    expect(counts).toEqual({ current: sim.truth().devices.length, month_end: 2 });
  });

  it('reports the shared host name once, as a duplicate, with the name whole', async () => {
    const findings = await db.sql<{ subject_name: string; detail: string }[]>`
      select subject_name, detail from bi.exceptions where kind = 'duplicate_hostname' and length(subject_name) = ${LENGTH}`;
    expect(findings).toHaveLength(1);
    expect(print(findings[0]?.subject_name)).toBe(print(HOST.toLowerCase()));
    expect(findings[0]?.detail.includes(HOST.toLowerCase())).toBe(true);
  });

  it('exports the month as CSV with the names whole', async () => {
    const result = await run(['export', 'billing', '--month', MONTH, '--format', 'csv', '--output', path.join(output, 'csv')]);
    expectOk(result);
    const devices = readFileSync(path.join(output, 'csv', `billing-${MONTH}.csv`), 'utf8');
    const lines = devices.split('\r\n').filter((l) => l.includes(HOST));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.includes(ORG)).toBe(true);
    expect(readFileSync(path.join(output, 'csv', `billing-${MONTH}-summary.csv`), 'utf8').includes(TWIN)).toBe(true);
  }, 120_000);

  it('exports the month as xlsx, long cells cut at Excel\'s limit with a visible marker', async () => {
    const dir = path.join(output, 'xlsx');
    expectOk(await run(['export', 'billing', '--month', MONTH, '--format', 'xlsx', '--output', dir]));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path.join(dir, `billing-${MONTH}.xlsx`));
    const strings: string[] = [];
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => { if (typeof cell.value === 'string') strings.push(cell.value); })));
    expect(Math.max(...strings.map((s) => s.length))).toBe(EXCEL_CELL_LIMIT);
    const hosts = strings.filter((s) => s.startsWith(HOST.slice(0, 1000)));
    expect(hosts).toHaveLength(2);
    for (const h of hosts) {
      expect(h.length).toBe(EXCEL_CELL_LIMIT);
      expect(h).toMatch(/… \[cut: 100000 characters, the CSV export has them all\]$/u);
      expect(HOST.startsWith(h.slice(0, h.indexOf('… [')))).toBe(true);
    }
    // Both clients, their names cut alike, get a sheet each.
    expect(workbook.worksheets.length).toBe(new Set((await db.sql`select site_id from bi.billing_monthly where month = ${MONTH}`).map((r) => r.site_id)).size + 1);
  }, 120_000);

  it('exports one client chosen by id to a file whose name the file system accepts', async () => {
    const [site] = await db.sql<{ site_id: number }[]>`select site_id from bi.sites where site = ${ORG}`;
    const dir = path.join(output, 'one');
    for (const format of ['csv', 'xlsx']) {
      const result = await run(['export', 'billing', '--month', MONTH, '--format', format, '--site', String(site?.site_id), '--output', dir]);
      expectOk(result);
    }
    const files = readdirSync(dir);
    expect(files).toHaveLength(3);
    for (const f of files) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(255);
    expect(readFileSync(path.join(dir, files.find((f) => f.endsWith('.csv') && !f.includes('summary')) as string), 'utf8').includes(HOST)).toBe(true);
  }, 120_000);
});
