/**
 * 100 simulated NinjaOne days with churn: bi.billing_monthly equals counts recomputed independently
 * from the device days, and bi.billing_changes accounts for every month's change exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ninjaone } from '../../collectors/ninjaone/index.js';
import { runCollect } from '../../warehouse/run/runner.js';
import type { Simulator } from '../../warehouse/run/simulator.js';
import { daysOf, rollupDays } from '../../rollups/run.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

const DAYS = daysOf('2026-01-01', '2026-04-10');
let db: TestDatabase;
let simulator: Simulator;

beforeAll(async () => {
  db = await testDatabase();
  simulator = await ninjaone.simulator({ devices: 120, seed: 17, date: DAYS[0] as string });
  for (const [i, day] of DAYS.entries()) {
    if (i > 0) simulator.setDay(day);
    const result = await runCollect({ source: ninjaone, env: { ...simulator.config, DATABASE_URL: db.url, WAREHOUSE_RAW_PAGES: 'off' }, date: day, today: day });
    expect(result.error?.message ?? result.status).toBe('succeeded');
  }
  const rolled = await rollupDays(db.sql, DAYS, { today: '2026-04-11' });
  expect(rolled.missing).toEqual([]);
}, 300_000);
afterAll(async () => {
  await simulator?.close();
  await db?.close();
});

interface Seat { device_id: number; site_id: number; device_class: string; is_spare: boolean }

/** The month-end snapshot straight from the device days: no view, no rollup table. */
async function monthEndSeats(month: string): Promise<{ day: string; seats: Seat[] }> {
  const [end] = await db.sql<{ day: string }[]>`
    select max(snapshot_day)::text as day from core.device_days where to_char(snapshot_day, 'YYYY-MM') = ${month}`;
  const seats = await db.sql<Seat[]>`
    select device_id::int as device_id, site_id, device_class, is_spare from core.device_days where snapshot_day = ${end?.day as string}`;
  return { day: end?.day as string, seats };
}

const billable = (s: Seat) => !s.is_spare && (s.device_class === 'workstation' || s.device_class === 'server');

describe('billing over 100 simulated days', () => {
  it('has month-ends for the three ended months, exact', async () => {
    const rows = await db.sql`select to_char(month, 'YYYY-MM') as month, month_end_day::text, is_exact from rollup.month_ends order by 1`;
    expect(rows).toEqual([
      { month: '2026-01', month_end_day: '2026-01-31', is_exact: true },
      { month: '2026-02', month_end_day: '2026-02-28', is_exact: true },
      { month: '2026-03', month_end_day: '2026-03-31', is_exact: true },
    ]);
  });

  it.each(['2026-01', '2026-02', '2026-03'])('bi.billing_monthly for %s equals the independent recount', async (month) => {
    const { day, seats } = await monthEndSeats(month);
    const expected = new Map<number, { workstations: number; servers: number; spares: number; billable: number; total: number }>();
    for (const seat of seats) {
      const row = expected.get(seat.site_id) ?? { workstations: 0, servers: 0, spares: 0, billable: 0, total: 0 };
      row.total += 1;
      if (seat.is_spare) row.spares += 1;
      if (billable(seat)) {
        row.billable += 1;
        if (seat.device_class === 'workstation') row.workstations += 1; else row.servers += 1;
      }
      expected.set(seat.site_id, row);
    }
    const actual = await db.sql<Array<{ site_id: number; workstations: number; servers: number; spares: number; billable: number; total: number; month_end_day: string }>>`
      select site_id, workstations, servers, spares, billable, total, month_end_day::text from bi.billing_monthly where month = ${month} and total > 0`;
    expect(actual.length).toBe(expected.size);
    for (const row of actual) {
      expect(row.month_end_day).toBe(day);
      const { site_id: siteId, month_end_day: _day, ...counts } = row;
      expect(counts).toEqual(expected.get(siteId));
    }
    expect(actual.reduce((n, r) => n + r.total, 0)).toBe(seats.length);
  });

  it.each(['2026-02', '2026-03'])('bi.billing_changes for %s: previous + added - removed ± moved = current, device by device', async (month) => {
    const previousMonth = month === '2026-02' ? '2026-01' : '2026-02';
    const prev = new Map((await monthEndSeats(previousMonth)).seats.filter(billable).map((s) => [s.device_id, s]));
    const cur = new Map((await monthEndSeats(month)).seats.filter(billable).map((s) => [s.device_id, s]));
    const expected: string[] = [];
    for (const [id, s] of cur) {
      const before = prev.get(id);
      if (!before) expected.push(`added ${s.site_id} +1`);
      else if (before.site_id !== s.site_id) expected.push(`moved_out ${before.site_id} -1`, `moved_in ${s.site_id} +1`);
      else if (before.device_class !== s.device_class) expected.push(`reclassified ${s.site_id} 0`);
    }
    for (const [id, s] of prev) if (!cur.has(id)) expected.push(`removed ${s.site_id} -1`);
    const changes = await db.sql<Array<{ change: string; site_id: number; seat_delta: number }>>`
      select change, site_id, seat_delta from bi.billing_changes where month = ${month} and source = 'ninjaone'`;
    const actual = changes.map((c) => `${c.change} ${c.site_id} ${c.seat_delta > 0 ? `+${c.seat_delta}` : c.seat_delta}`);
    expect(actual.sort()).toEqual(expected.sort());
    expect(expected.some((e) => e.startsWith('added')) && expected.some((e) => e.startsWith('removed'))).toBe(true);

    const monthly = await db.sql<Array<{ site_id: number; billable: number; previous_billable: number | null }>>`
      select site_id, billable, previous_billable from bi.billing_monthly where month = ${month}`;
    for (const row of monthly) {
      const delta = changes.filter((c) => c.site_id === row.site_id).reduce((n, c) => n + c.seat_delta, 0);
      expect((row.previous_billable ?? 0) + delta).toBe(row.billable);
    }
  });

  it('bi.daily_counts adds up to the device days for every day', async () => {
    const mismatches = await db.sql`
      with dc as (select day, sum(devices)::int as n from bi.daily_counts group by day),
           dd as (select snapshot_day as day, count(*)::int as n from core.device_days group by snapshot_day)
      select dd.day, dd.n, dc.n as counted from dd left join dc on dc.day = dd.day where dc.n is distinct from dd.n`;
    expect(mismatches).toEqual([]);
  });

  it('bi.billing_today_vs_last_month_end compares the latest day with March', async () => {
    const rows = await db.sql<Array<{ today_day: string; last_month_end_day: string; billable_today: number; billable_last_month_end: number; change: number }>>`
      select today_day::text, last_month_end_day::text, billable_today, billable_last_month_end, change from bi.billing_today_vs_last_month_end`;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.last_month_end_day).toBe('2026-03-31');
      expect(row.change).toBe(row.billable_today - row.billable_last_month_end);
    }
    const today = (await monthEndSeats('2026-04')).seats.filter(billable).length;
    expect(rows.reduce((n, r) => n + r.billable_today, 0)).toBe(today);
  });
});
