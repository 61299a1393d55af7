/** Retention drops exactly the expired partitions, never a month's dailies before its month-end, and is idempotent. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { daysOf, rollupDays } from '../../rollups/run.js';
import { addDays } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { inOrder } from '../helpers/in-order.js';

const policy: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };
const FIRST = '2026-01-20';
const LAST = '2026-03-05';
let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  for (const day of daysOf(FIRST, LAST)) {
    const result = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '20' }, date: day, today: day });
    expect(result.status).toBe('succeeded');
  }
  // Dailies rolled up, but January's month-end deliberately not materialised yet (today = last day).
  await rollupDays(db.sql, daysOf(FIRST, LAST), { today: '2026-01-31' });
}, 120_000);
afterAll(async () => { await db.close(); });

async function partitions(parent: string): Promise<string[]> {
  const [schema, table] = parent.split('.');
  const rows = await db.sql<{ name: string }[]>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    join pg_namespace n on n.oid = p.relnamespace where n.nspname = ${schema as string} and p.relname = ${table as string} order by 1`;
  return rows.map((r) => r.name);
}

inOrder('retention', () => {
  it('with the clock 70 days past the first snapshot, drops exactly the expired partitions and keeps every month-end', async () => {
    const today = addDays(FIRST, 70);
    const cutoff = addDays(today, -65);
    const expectedKept = daysOf(FIRST, LAST).filter((d) => d > cutoff).map((d) => `device_days_${d.replaceAll('-', '')}`);
    const beforeRaw = await partitions('raw.pages');

    const dry = await planRetention(db.sql, today, policy);
    expect(dry.monthEndsToMaterialise).toEqual(['2026-01']);
    expect(expectedKept.length).toBeGreaterThan(30);
    expect(expectedKept.length).toBeLessThan(daysOf(FIRST, LAST).length);
    const result = await applyRetention(db.sql, dry, policy);
    expect(result.busy).toEqual([]);

    expect(await partitions('core.device_days')).toEqual(expectedKept);
    expect((await partitions('core.patch_status')).map((p) => p.replace('patch_status', 'device_days'))).toEqual(expectedKept);
    expect((await partitions('rollup.daily_counts')).map((p) => p.replace('daily_counts', 'device_days'))).toEqual(expectedKept);
    expect(beforeRaw.length).toBeGreaterThan(0);
    expect(await partitions('raw.pages')).toEqual([]);
    // January's month-end was materialised before its first days went; nothing of it was lost.
    const monthEnds = await db.sql`select month::text, month_end_day::text, is_exact from rollup.month_ends order by month`;
    expect(monthEnds).toEqual([{ month: '2026-01-01', month_end_day: '2026-01-31', is_exact: true }]);
    const [jan] = await db.sql`select count(*)::int as n from rollup.month_end_devices where month = '2026-01-01'`;
    expect(jan?.n).toBe(20);
    const [kept] = await db.sql`select min(snapshot_day)::text as first from core.device_days`;
    expect(kept?.first).toBe(addDays(cutoff, 1));
  });

  it('a second run changes nothing', async () => {
    const today = addDays(FIRST, 70);
    const plan = await planRetention(db.sql, today, policy);
    expect(plan.drop).toEqual([]);
    expect(plan.monthEndsToMaterialise).toEqual([]);
    const result = await applyRetention(db.sql, plan, policy);
    expect(result.dropped).toEqual([]);
  });

  it('month-end rows go after 24 months', async () => {
    await rollupDays(db.sql, daysOf('2026-02-01', LAST), { today: '2026-04-01' });
    const plan = await planRetention(db.sql, '2028-03-15', policy);
    expect(plan.drop.filter((p) => p.parent === 'rollup.month_end_devices').map((p) => p.name))
      .toEqual(['rollup.month_end_devices_202601', 'rollup.month_end_devices_202602']);
    await applyRetention(db.sql, plan, policy);
    // March 2026 is exactly 24 months back: kept.
    expect(await db.sql`select month::text from rollup.month_ends order by 1`).toEqual([{ month: '2026-03-01' }]);
  });
});
