/**
 * bi.billing_monthly reads rollup.month_end_sites, derived with each month-end: a site that lost all
 * its devices shows a row of zeros against its previous seats, and re-materialising a month keeps the
 * following month's comparison in step, unless that month is closed (invoiced as it stood).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { rollupDays } from '../../rollups/run.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { inOrder } from '../helpers/in-order.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

async function collect(date: string, devices: number, orgs: number): Promise<void> {
  const result = await runCollect({
    source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: String(devices), TINY_ORGS: String(orgs), WAREHOUSE_TIMEZONE: 'UTC' },
    date, today: date, acceptShrink: true,
  });
  expect(result.exitCode).toBe(EXIT.ok);
}

interface Row { site: string; billable: number; total: number; previous_billable: number | null; change: number }
async function month(m: string): Promise<Map<string, Row>> {
  const rows = await db.sql<Row[]>`select site, billable, total, previous_billable, change from bi.billing_monthly where month = ${m} order by site`;
  return new Map(rows.map((r) => [r.site, r]));
}

/** Billable seats per site at a month-end, counted from the per-device month-end rows. */
async function recount(m: string): Promise<Map<string, number>> {
  const rows = await db.sql<{ site: string; billable: number }[]>`
    select s.name as site, count(*) filter (where med.billing_status = 'billable')::int as billable
    from rollup.month_end_devices med inner join core.sites s on s.site_id = med.site_id
    where med.month = ${`${m}-01`}::date group by s.name`;
  return new Map(rows.map((r) => [r.site, r.billable]));
}

inOrder('bi.billing_monthly over the derived month-end sites', () => {
  it('shows a site that lost all its devices as zeros against its previous seats', async () => {
    await collect('2026-10-31', 30, 3);
    await collect('2026-11-30', 30, 2); // the third organisation's devices are gone
    await rollupDays(db.sql, ['2026-10-31', '2026-11-30'], { today: '2026-12-05' });
    const october = await recount('2026-10');
    const november = await month('2026-11');
    expect(november.size).toBe(3);
    for (const [site, row] of november) {
      expect(row.previous_billable).toBe(october.get(site));
      expect(row.change).toBe(row.billable - (october.get(site) ?? 0));
    }
    const emptied = [...november.values()].filter((r) => r.total === 0);
    expect(emptied).toHaveLength(1);
    expect(emptied[0]).toMatchObject({ billable: 0, change: -(emptied[0]?.previous_billable ?? 0) });
    expect(emptied[0]?.previous_billable).toBeGreaterThan(0);
  });

  it('re-materialising a month updates the next month\'s previous seats', async () => {
    await collect('2026-10-31', 21, 3);
    await rollupDays(db.sql, ['2026-10-31'], { today: '2026-12-05' });
    const october = await recount('2026-10');
    expect([...october.values()].reduce((a, b) => a + b, 0)).toBeLessThan(30);
    for (const [site, row] of await month('2026-11')) expect(row.previous_billable).toBe(october.get(site));
  });

  it('leaves a closed month\'s comparison as invoiced', async () => {
    const before = await month('2026-11');
    await closeBillingMonth(db.sql, '2026-11', { today: '2026-12-05', closedBy: 'test' });
    await collect('2026-10-31', 12, 3);
    await rollupDays(db.sql, ['2026-10-31'], { today: '2026-12-05' });
    expect([...(await recount('2026-10')).values()].reduce((a, b) => a + b, 0)).toBeLessThan(21);
    expect(await month('2026-11')).toEqual(before);
  });
});
