/**
 * A short daily retention far east of UTC never materialises a month that has not ended in the
 * warehouse's time zone: WAREHOUSE_RETENTION_DAILY_DAYS=1 in Pacific/Kiritimati (UTC+14). The dailies
 * of the month in progress are kept (reported as held), bi.billing_monthly has no row for it, and the
 * months that have ended are materialised from their last day as before. Each test chooses its
 * "today" (a date, or an instant read in the zone), never the real clock.
 */
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { rollupDays } from '../../rollups/run.js';
import { todayIn } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { cli, scratchHome } from './helpers/cli.js';

const ZONE = 'Pacific/Kiritimati';
const ONE_DAY: RetentionPolicy = { dailyDays: 1, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };

/** Published and rolled up, with no month-end yet: `rolledUpAsOf` is a day on which none has ended. */
async function published(days: string[], rolledUpAsOf: string): Promise<TestDatabase> {
  const db = await testDatabase();
  for (const day of days) {
    expect((await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '10', WAREHOUSE_TIMEZONE: ZONE }, date: day, today: day })).status).toBe('succeeded');
  }
  await rollupDays(db.sql, days, { today: rolledUpAsOf });
  expect(await db.sql`select * from rollup.month_ends`).toEqual([]);
  return db;
}

async function monthEnds(db: TestDatabase) {
  return db.sql`select month::text, month_end_day::text, is_exact from rollup.month_ends order by 1`;
}

async function billedMonths(db: TestDatabase) {
  return (await db.sql<{ month: string; is_exact: boolean }[]>`select distinct month, is_exact from bi.billing_monthly order by 1`).map((r) => ({ ...r }));
}

async function dailyDays(db: TestDatabase, table: string): Promise<string[]> {
  return (await db.sql.unsafe<{ day: string }[]>(`select distinct snapshot_day::text as day from ${table} order by 1`)).map((r) => r.day);
}

describe('WAREHOUSE_RETENTION_DAILY_DAYS=1 far east of UTC', () => {
  it('mid-month: the month in progress keeps its dailies and gets no month-end; the month before is materialised exactly', async () => {
    const db = await published(['2026-04-29', '2026-04-30', '2026-05-01', '2026-05-14', '2026-05-15'], '2026-04-30');
    try {
      const plan = await planRetention(db.sql, '2026-05-15', ONE_DAY);
      expect(plan.monthEndsToMaterialise).toEqual(['2026-04']);
      expect(plan.heldForMonthEnd).toEqual(['2026-05-01', '2026-05-14']);
      expect(plan.drop.filter((p) => p.parent !== 'raw.pages' && p.bound >= '2026-05-01')).toEqual([]);

      // As the timer runs it, with the key from the environment (today given, not read from the clock).
      const run = await cli(['retention', '--today', '2026-05-15'], {
        DATABASE_URL: db.url, WAREHOUSE_HOME: scratchHome(), WAREHOUSE_TIMEZONE: ZONE, WAREHOUSE_RETENTION_DAILY_DAYS: '1',
      });
      expect(run.code, run.err).toBe(0);

      expect(await monthEnds(db)).toEqual([{ month: '2026-04-01', month_end_day: '2026-04-30', is_exact: true }]);
      expect(await billedMonths(db)).toEqual([{ month: '2026-04', is_exact: true }]);
      const may = ['2026-05-01', '2026-05-14', '2026-05-15'];
      for (const table of ['core.device_days', 'core.patch_status', 'rollup.daily_counts', 'ops.source_days']) {
        expect(await dailyDays(db, table), table).toEqual(may);
      }
      // Held by design, not pending: nothing was busy.
      expect(await db.sql`select retention_pending_days::text[] as days from bi.collection_health`).toEqual([{ days: [] }]);
    } finally {
      await db.close();
    }
  });

  it('00:30 on the 1st, still the day before in UTC: the month just ended is materialised, the new one is not', async () => {
    const db = await published(['2026-05-30', '2026-05-31', '2026-06-01'], '2026-05-31');
    try {
      const instant = Temporal.Instant.from('2026-05-31T10:30:00Z');
      expect(todayIn('UTC', instant)).toBe('2026-05-31');
      const today = todayIn(ZONE, instant);
      expect(today).toBe('2026-06-01');

      const plan = await planRetention(db.sql, today, ONE_DAY);
      expect(plan).toMatchObject({ monthEndsToMaterialise: ['2026-05'], heldForMonthEnd: [] });
      const result = await applyRetention(db.sql, plan, ONE_DAY);
      expect(result).toMatchObject({ busy: [], pendingDays: [] });

      expect(await monthEnds(db)).toEqual([{ month: '2026-05-01', month_end_day: '2026-05-31', is_exact: true }]);
      expect(await billedMonths(db)).toEqual([{ month: '2026-05', is_exact: true }]);
      expect(await dailyDays(db, 'core.device_days')).toEqual(['2026-06-01']);
      expect(await dailyDays(db, 'ops.source_days')).toEqual(['2026-06-01']);

      // A second night on the same day finds nothing left to do, and still no June month-end.
      const again = await planRetention(db.sql, today, ONE_DAY);
      expect(again).toMatchObject({ drop: [], monthEndsToMaterialise: [], heldForMonthEnd: [] });
    } finally {
      await db.close();
    }
  });

  it('read in UTC, the same instant is still May: May is in progress there, so its expired dailies are held and no month-end is made', async () => {
    const db = await published(['2026-05-30', '2026-05-31'], '2026-05-31');
    try {
      const plan = await planRetention(db.sql, todayIn('UTC', Temporal.Instant.from('2026-05-31T10:30:00Z')), ONE_DAY);
      expect(plan).toMatchObject({ monthEndsToMaterialise: [], heldForMonthEnd: ['2026-05-30'] });
      await applyRetention(db.sql, plan, ONE_DAY);
      expect(await monthEnds(db)).toEqual([]);
      expect(await dailyDays(db, 'core.device_days')).toEqual(['2026-05-30', '2026-05-31']);
      expect(await dailyDays(db, 'ops.source_days')).toEqual(['2026-05-30', '2026-05-31']);
    } finally {
      await db.close();
    }
  });
});
