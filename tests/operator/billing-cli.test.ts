/**
 * `warehouse billing close | verify | policy` as an operator runs them: the close prints its seal,
 * verify names the device whose row changed behind the warehouse's back, the policy is shown, validated
 * and changed with a re-judgement of the open months, and the export carries the seal.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { loadBillingExport } from '../../bin/export/billing-data.js';
import { SUMMARY_SHEET } from '../../bin/export/billing-xlsx.js';
import { writeBillingExport } from '../../bin/commands/export.js';
import { materialiseMonthEnd } from '../../rollups/month-end.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { nightlyPending } from '../../rollups/run.js';
import { inOrder } from '../helpers/in-order.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { readerLogin } from '../helpers/reader-login.js';
import { tiny } from '../helpers/tiny-source.js';
import { cli, removeTempDirs, tempDir } from './cli.js';

let db: TestDatabase;

afterAll(async () => {
  await db?.close();
  removeTempDirs();
});

inOrder('billing close, verify and policy from the CLI', () => {
  it('close prints the month-end day and the seal; a second close says it was closed', async () => {
    db = await testDatabase();
    for (const day of ['2026-10-31', '2026-11-01']) {
      const result = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '20', WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day, acceptShrink: true });
      expect(result.exitCode).toBe(0);
    }
    await nightlyPending(db.sql, { today: '2026-11-02' });
    const closed = await cli(['billing', 'close', '2026-10', '--today', '2026-11-02', '--note', 'invoice 1042'], { env: { DATABASE_URL: db.url } });
    expect(closed.code, closed.err).toBe(0);
    const [seal] = await db.sql`select digest, sealed_devices, note, month_end_runs from bi.billing_closes where month = '2026-10'`;
    expect(closed.out).toBe(`2026-10 closed; month-end day(s) 2026-10-31; 20 device rows sealed, SHA-256 ${seal?.digest}\n`);
    expect(seal).toMatchObject({ sealed_devices: 20, note: 'invoice 1042' });
    expect(seal?.month_end_runs).toHaveLength(1);
    const again = await cli(['billing', 'close', '2026-10', '--today', '2026-11-02'], { env: { DATABASE_URL: db.url } });
    expect(again.out).toBe('2026-10 was already closed\n');
  }, 60_000);

  it('the export of a closed month carries its seal', async () => {
    const dir = tempDir('billing-seal-');
    const result = await cli(['export', 'billing', '--month', '2026-10', '--format', 'csv', '--output', dir], { env: { DATABASE_URL: db.url } });
    expect(result.code, result.err).toBe(0);
    const [seal] = await db.sql`select digest from bi.billing_closes where month = '2026-10'`;
    const summary = readFileSync(path.join(dir, 'billing-2026-10-summary.csv'), 'utf8').split('\r\n');
    const header = (summary[0] as string).split(',');
    expect((summary[1] as string).split(',')[header.indexOf('seal_sha256')]).toBe(seal?.digest);
  }, 60_000);

  it('the export reads only what the reader role can: the same export as the owner gets', async () => {
    const reader = await readerLogin(db, 'export_reader');
    try {
      const asReader = await loadBillingExport(reader.sql, '2026-10', 'Client 1 LLC');
      expect(asReader).toEqual(await loadBillingExport(db.sql, '2026-10', 'Client 1 LLC'));
      expect(asReader.devices.length).toBeGreaterThan(0);
      expect(asReader.seal?.digest).toMatch(/^[0-9a-f]{64}$/u);
    } finally {
      await reader.close();
    }
  }, 60_000);

  it('verify passes, then names the month and device whose row was changed outside the warehouse (exit 4)', async () => {
    const ok = await cli(['billing', 'verify'], { env: { DATABASE_URL: db.url } });
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/^2026-10 ok {2}20 device rows {2}SHA-256 [0-9a-f]{64}\n$/u);
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      await tx`update rollup.month_end_devices set reason = 'billable workstation (discounted)' where month = '2026-10-01' and vendor_id = 'dev-7'`;
    });
    const bad = await cli(['billing', 'verify', '2026-10'], { env: { DATABASE_URL: db.url } });
    expect(bad.code).toBe(4);
    expect(bad.err).toContain('seal mismatch: 2026-10: device ninjaone dev-7 (HOST-7) changed since the month was sealed');
    await db.sql`update rollup.month_end_devices set reason = 'billable workstation' where month = '2026-10-01' and vendor_id = 'dev-7'`;
    expect((await cli(['billing', 'verify', '2026-10'], { env: { DATABASE_URL: db.url } })).code).toBe(0);
  }, 60_000);

  it('policy shows the defaults, refuses an unknown class (exit 2), and a change re-judges the open month only', async () => {
    const shown = await cli(['billing', 'policy'], { env: { DATABASE_URL: db.url } });
    expect(shown.out).toBe('billed classes: workstation, server\nstale after: 30 days without contact\n');
    const bad = await cli(['billing', 'policy', '--classes', 'workstation,laptop'], { env: { DATABASE_URL: db.url } });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--classes workstation,laptop: unknown class laptop');
    const before = await db.sql`select * from rollup.month_end_devices where month = '2026-10-01' order by device_id`;
    const changed = await cli(['billing', 'policy', '--classes', 'workstation', '--stale-days', '400', '--today', '2026-11-02'], { env: { DATABASE_URL: db.url } });
    expect(changed.code, changed.err).toBe(0);
    expect(changed.out).toMatch(/^billing policy changed \(billed_classes, stale_after_days\); re-judged \d+ day\(s\)/u);
    expect(await db.sql`select * from rollup.month_end_devices where month = '2026-10-01' order by device_id`).toEqual(before);
    const [servers] = await db.sql`select count(*)::int as n from bi.daily_counts where day = '2026-11-01' and device_class = 'server' and billing_status = 'billable'`;
    expect(servers?.n).toBe(0);
    const recorded = await db.sql`select setting, new_value from ops.setting_changes where setting <> 'time_zone' order by change_id`;
    expect(recorded).toEqual([{ setting: 'billed_classes', new_value: 'workstation' }, { setting: 'stale_after_days', new_value: '400' }]);
  }, 60_000);

  it('the closed month\'s export states the policy it was closed under, not the one changed since', async () => {
    const [now] = await db.sql`select billed_classes, stale_after_days, spare_rules from bi.billing_policy`;
    expect(now).toMatchObject({ billed_classes: ['workstation'], stale_after_days: 400 });
    const data = await loadBillingExport(db.sql, '2026-10');
    expect(data).toMatchObject({ closed: true, policyOfClose: true, policy: { billedClasses: ['workstation', 'server'], staleAfterDays: 30, spareRules: now?.spare_rules } });
    expect(data.devices.some((d) => d.deviceClass === 'server' && d.billingStatus === 'billable')).toBe(true);
    const [file] = await writeBillingExport(data, 'xlsx', tempDir('billing-policy-'));
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file as string);
    const text: string[] = [];
    workbook.getWorksheet(SUMMARY_SHEET)?.eachRow((r) => { text.push(String(r.getCell(1).value)); });
    expect(text).toContain('Billed classes: workstation, server. A device of any other class is listed as not_billed; devices at an internal site are never billed.');
    expect(text.find((t) => t.startsWith('A billed device silent'))).toContain('more than 30 days');
    expect(text).toContain('This is the billing policy the month was judged by, recorded when it was closed (or last rewritten with --force).');
  }, 60_000);

  it('a forced rewrite of the closed month judges it by today\'s policy, and records that one', async () => {
    await materialiseMonthEnd(db.sql, '2026-10', { force: true, reason: 'policy test' });
    const data = await loadBillingExport(db.sql, '2026-10');
    expect(data).toMatchObject({ policyOfClose: true, policy: { billedClasses: ['workstation'], staleAfterDays: 400 } });
    // No server is billed now (one stays a spare: a spare rule decides before the class does).
    expect(data.devices.filter((d) => d.deviceClass === 'server').map((d) => d.billingStatus)).toContain('not_billed');
    expect(data.devices.some((d) => d.deviceClass === 'server' && d.billingStatus === 'billable')).toBe(false);
    const [close] = await db.sql`select policy_billed_classes, policy_stale_after_days from bi.billing_closes where month = '2026-10'`;
    expect(close).toEqual({ policy_billed_classes: ['workstation'], policy_stale_after_days: 400 });
  }, 60_000);
});
