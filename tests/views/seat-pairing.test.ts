/**
 * staging.seat_transitions pairs the two sides of staging.device_states once for both comparisons:
 * a query of one comparison computes only that one (the filter reaches the union's branches), so the
 * ended months' changes never read the day's device-days and the month in progress never reads the
 * month-end pairs of every month.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
  // A day's partitions, so that a plan reading the device-days shows them.
  await db.sql`select core.ensure_partitions('2026-01-15'::date)`;
});
afterAll(async () => { await db.close(); });

async function plan(query: string): Promise<string> {
  const rows = await db.sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (costs off) ${query}`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

describe('the seat pairing', () => {
  it('computes only the comparison asked for', async () => {
    expect(await plan(`select * from staging.billing_change_rows where comparison = 'month_end' and month = '2026-01-01'`)).not.toMatch(/device_days/u);
    expect(await plan(`select * from bi.billing_changes_month_to_date`)).toMatch(/device_days/u);
  });
});
