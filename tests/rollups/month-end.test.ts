/** Month-end edge cases, billing close, and the snapshot day fixed at the start of a run. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Temporal } from 'temporal-polyfill';
import { runCollect } from '../../warehouse/run/runner.js';
import { verifySeals } from '../../warehouse/billing/seal.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { rollupDays, daysOf } from '../../rollups/run.js';
import { EXIT } from '../../warehouse/errors.js';
import { todayIn } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

const collect = (date: string, extra: Record<string, string> = {}) =>
  runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '40', WAREHOUSE_TIMEZONE: 'UTC', ...extra }, date, today: date, acceptShrink: true });

async function monthEnd(month: string) {
  const [row] = await db.sql<{ month_end_day: string; is_exact: boolean }[]>`
    select month_end_day::text, is_exact from rollup.month_ends where month = ${`${month}-01`}::date`;
  return row;
}

describe('month-ends', () => {
  it.each([
    ['2026-02', '2026-02-28'], // 28 days
    ['2028-02', '2028-02-29'], // 29 days (leap year)
    ['2026-04', '2026-04-30'], // 30 days
    ['2026-05', '2026-05-31'], // 31 days
  ])('%s: the calendar last day stands and is exact', async (month, last) => {
    for (const day of [`${month}-27`, last]) expect((await collect(day)).exitCode).toBe(EXIT.ok);
    await rollupDays(db.sql, daysOf(`${month}-27`, last), { today: '2030-01-01' });
    expect(await monthEnd(month)).toEqual({ month_end_day: last, is_exact: true });
  });

  it('the last day missing: the last complete day stands, marked not exact', async () => {
    for (const day of ['2026-07-28', '2026-07-29']) await collect(day);
    await rollupDays(db.sql, daysOf('2026-07-28', '2026-07-31'), { today: '2030-01-01' });
    expect(await monthEnd('2026-07')).toEqual({ month_end_day: '2026-07-29', is_exact: false });
  });

  it('a source failing on the last day: the day before stands, and the rollup reports the gap', async () => {
    await collect('2026-08-30');
    const failed = await collect('2026-08-31', { TINY_FAIL_AFTER: '1' });
    expect(failed.status).toBe('failed');
    const result = await rollupDays(db.sql, ['2026-08-30', '2026-08-31'], { today: '2030-01-01' });
    expect(result.missing).toEqual([{ day: '2026-08-31', source: 'ninjaone', instance: 'default' }]);
    expect(await monthEnd('2026-08')).toEqual({ month_end_day: '2026-08-30', is_exact: false });
  });

  it('the month partition it wrote is analyzed (the month-end reads plan from its statistics)', async () => {
    const analyzed = async () => {
      const [row] = await db.sql<{ analyzed: boolean; tuples: number }[]>`
        select coalesce(s.last_analyze is not null, false) as analyzed, c.reltuples::int as tuples
        from pg_class as c left join pg_stat_user_tables as s on s.relid = c.oid
        where c.oid = 'rollup.month_end_devices_202606'::regclass`;
      return row;
    };
    await collect('2026-06-30');
    await rollupDays(db.sql, ['2026-06-30'], { today: '2030-01-01' });
    expect(await analyzed()).toEqual({ analyzed: true, tuples: 40 });
  });

  it('a month that has not ended is not materialised', async () => {
    await collect('2026-09-10');
    const result = await rollupDays(db.sql, ['2026-09-10'], { today: '2026-09-20' });
    expect(result.months).toEqual([]);
    expect(await monthEnd('2026-09')).toBeUndefined();
  });

  it('rollup is idempotent', async () => {
    const snapshot = async () => db.sql`select * from rollup.daily_counts where snapshot_day between '2026-02-01' and '2026-08-31' order by 1, 2, 3, 4, 5`;
    const before = await snapshot();
    await rollupDays(db.sql, daysOf('2026-02-01', '2026-08-31'), { today: '2030-01-01' });
    expect(await snapshot()).toEqual(before);
    const [me] = await db.sql`select count(*)::int as n from rollup.month_end_devices`;
    await rollupDays(db.sql, daysOf('2026-02-01', '2026-08-31'), { today: '2030-01-01' });
    const [me2] = await db.sql`select count(*)::int as n from rollup.month_end_devices`;
    expect(me2).toEqual(me);
  });
});

describe('billing close', () => {
  it('freezes a month: collection refused, rollup leaves it, --force is recorded', async () => {
    await collect('2026-10-30');
    await collect('2026-10-31');
    const closed = await closeBillingMonth(db.sql, '2026-10', { today: '2026-11-02', closedBy: 'test' });
    expect(closed).toMatchObject({ alreadyClosed: false, monthEndDays: ['2026-10-31'], kept: 0, seal: { month: '2026-10', devices: 40, previousDigest: null } });
    expect(closed.seal?.digest).toMatch(/^[0-9a-f]{64}$/u);
    const invoiced = await db.sql`select * from rollup.month_end_devices where month = '2026-10-01' order by device_id`;

    const refused = await collect('2026-10-31', { TINY_DEVICES: '45' });
    expect(refused.exitCode).toBe(EXIT.gateRefused);
    expect(refused.error?.message).toMatch(/2026-10 is closed/u);

    const rolled = await rollupDays(db.sql, ['2026-10-31'], { today: '2026-11-02' });
    expect(rolled.months).toEqual([{ month: '2026-10', materialised: [], kept: 0, skippedClosed: true }]);
    expect(await db.sql`select * from rollup.month_end_devices where month = '2026-10-01' order by device_id`).toEqual(invoiced);

    const forced = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '45' }, date: '2026-10-31', today: '2026-11-02', acceptPastDate: true, force: true });
    expect(forced.exitCode).toBe(EXIT.ok);
    await rollupDays(db.sql, ['2026-10-31'], { today: '2026-11-02', force: true });
    const [count] = await db.sql`select count(*)::int as n from rollup.month_end_devices where month = '2026-10-01'`;
    expect(count?.n).toBe(45);
    const changes = await db.sql`select action, reason from ops.forced_changes where month = '2026-10-01' order by forced_change_id`;
    expect(changes.map((c) => c.action)).toEqual(['collect ninjaone', 'rollup month-end']);
    // The forced rewrite re-sealed the month, old and new digest recorded: the seal still verifies.
    expect(changes[1]?.reason).toContain(`re-sealed 2026-10 ${closed.seal?.digest} -> `);
    expect((await verifySeals(db.sql)).problem).toBeNull();
  });

  it('refuses a month that has not ended', async () => {
    await expect(closeBillingMonth(db.sql, '2026-11', { today: '2026-11-20', closedBy: 'test' })).rejects.toThrow(/has not ended/u);
  });
});

describe('the snapshot day', () => {
  it('is fixed when the run starts, even if the run crosses midnight', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-12-01T23:59:59.500Z'));
      const crossing = { ...tiny, async collect(ctx: Parameters<typeof tiny.collect>[0]) {
        vi.setSystemTime(new Date('2026-12-02T00:00:30Z'));
        await tiny.collect(ctx);
      } };
      const result = await runCollect({ source: crossing, env: { DATABASE_URL: db.url, TINY_DEVICES: '40', WAREHOUSE_TIMEZONE: 'UTC' }, acceptShrink: true });
      expect(result.snapshotDay).toBe('2026-12-01');
      const [row] = await db.sql`select count(*)::int as n from core.device_days where snapshot_day = '2026-12-01'`;
      expect(row?.n).toBe(40);
    } finally {
      vi.useRealTimers();
    }
  });

  it('follows the configured time zone across a daylight-saving change', () => {
    // Sydney leaves DST on 2026-04-05 at 03:00 local (16:00 UTC the day before).
    expect(todayIn('Australia/Sydney', Temporal.Instant.from('2026-04-04T13:59:59Z'))).toBe('2026-04-05');
    expect(todayIn('Australia/Sydney', Temporal.Instant.from('2026-04-05T13:30:00Z'))).toBe('2026-04-05');
    expect(todayIn('Australia/Sydney', Temporal.Instant.from('2026-04-05T14:00:00Z'))).toBe('2026-04-06');
    // New York springs forward on 2026-03-08; 23:30 local on the 7th is 04:30 UTC on the 8th.
    expect(todayIn('America/New_York', Temporal.Instant.from('2026-03-08T04:30:00Z'))).toBe('2026-03-07');
    expect(todayIn('America/New_York', Temporal.Instant.from('2026-03-09T03:30:00Z'))).toBe('2026-03-08');
  });
});
