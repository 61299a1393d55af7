/**
 * bi.billing_changes_month_to_date over real publishes and real rollups: a NinjaOne fleet (two
 * sites) and a ThreatLocker fleet publish the month-end 2026-10-31 and a day in November; the view
 * lists exactly the devices whose billable seat changed since that month-end, and per site and source
 * billable_last_month_end + Σ seat_delta = billable_today (bi.billing_today_vs_last_month_end). Once
 * November's month-end is rolled up the view compares with it; re-mapping follows an open month-end
 * and leaves a closed one as invoiced; warehouse_reader reads the view. A source no longer collected,
 * its last snapshot gone with retention, still adds up (its month-end seats are listed removed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from 'postgres';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { rollupDays, rollupPending } from '../../rollups/run.js';
import { mapAliasManually } from '../../warehouse/sites/manage.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { readerLogin, type ReaderLogin } from '../helpers/reader-login.js';
import { device, fixtureSource, org, publishDay, type Snapshot } from '../sites/helpers.js';
import type { DeviceRow } from '../../collectors/shared/rows.js';

const ninja = fixtureSource('ninjaone');
const tl = fixtureSource('threatlocker');

// NinjaOne's organisations create the sites; ThreatLocker's "Harbour Dental LLC" maps to the first by name.
const HARBOUR = org('1', 'Harbour Dental');
const BLUEGUM = org('2', 'Bluegum Clinic');
const TL_HARBOUR = org('t1', 'Harbour Dental LLC');

const host = (vendorId: string, orgId: string, fields: Partial<DeviceRow> = {}): DeviceRow => device(vendorId, orgId, { hostname: vendorId, ...fields });
const ninjaDay = (devices: DeviceRow[]): Snapshot => ({ aliases: [HARBOUR, BLUEGUM], devices });
const tlDay = (devices: DeviceRow[]): Snapshot => ({ aliases: [TL_HARBOUR], devices });

const SERVER = { deviceClass: 'server', vendorClass: 'WINDOWS_SERVER', osName: 'Windows Server 2022' } as const;
// The default spare rule name_contains_spare: a display name with "spare" makes the device a spare.
const SPARE = { displayName: 'SPARE laptop' } as const;

/** The month-end 2026-10-31. */
const OCTOBER = {
  ninja: ninjaDay([
    host('n-keep', '1'), // billed all along, unchanged
    host('n-gone', '1'), // not listed in November
    host('n-mover', '1'), // its organisation changes to Bluegum
    host('n-shelved', '2'), // becomes a spare
    host('n-reclass', '2'), // workstation -> server
    host('n-back', '2', SPARE), // a spare that is back in service
  ]),
  tl: tlDay([host('tl-keep', 't1')]),
};

/** 2026-11-15, and the month-end 2026-11-30. */
const NOVEMBER = {
  ninja: ninjaDay([
    host('n-keep', '1'),
    host('n-mover', '2'),
    host('n-shelved', '2', SPARE),
    host('n-reclass', '2', SERVER),
    host('n-back', '2'),
    host('n-new', '2'), // first listed in November
  ]),
  tl: tlDay([host('tl-keep', 't1'), host('tl-new', 't1')]),
};

/** 2026-12-03: n-new is gone again, n-dec is new. */
const DECEMBER = {
  ninja: ninjaDay([...NOVEMBER.ninja.devices.filter((d) => d.vendorId !== 'n-new'), host('n-dec', '1')]),
  tl: NOVEMBER.tl,
};

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db?.close(); });

async function publish(day: string, fleets: { ninja: Snapshot; tl: Snapshot }, on: TestDatabase = db): Promise<void> {
  await publishDay(on, ninja, day, fleets.ninja);
  await publishDay(on, tl, day, fleets.tl);
}

interface Row {
  month: string; site: string; source: string; vendor_id: string; change: string; seat_delta: number; detail: string;
  previous_site: string | null; previous_class: string | null; previous_status: string | null;
  current_site: string | null; current_class: string | null; current_status: string | null;
  last_month_end_day: string | null; snapshot_day: string;
}

async function monthToDate(sql: Sql = db.sql): Promise<Row[]> {
  return sql<Row[]>`
    select month, site, source, vendor_id, change, seat_delta, detail, previous_site, previous_class, previous_status,
      current_site, current_class, current_status, last_month_end_day::text, snapshot_day::text
    from bi.billing_changes_month_to_date
    order by source, vendor_id, change`;
}

/** "source vendor_id change seat_delta @site": the rows in one line each, sorted. */
const brief = (rows: Row[]): string[] => rows.map((r) => `${r.source} ${r.vendor_id} ${r.change} ${r.seat_delta > 0 ? '+' : ''}${r.seat_delta} @${r.site}`).sort();

/**
 * Site × source pairs where billable_last_month_end + Σ seat_delta ≠ billable_today, a pair with
 * changes but no row in bi.billing_today_vs_last_month_end included.
 */
async function seatRuleViolations(on: TestDatabase = db): Promise<readonly unknown[]> {
  return on.sql`
    with deltas as (
      select site_id, source, instance, sum(seat_delta)::int as delta from bi.billing_changes_month_to_date group by 1, 2, 3
    )
    select coalesce(t.site_id, d.site_id) as site_id, coalesce(t.source, d.source) as source,
      t.billable_last_month_end, d.delta, t.billable_today
    from bi.billing_today_vs_last_month_end as t
    full join deltas as d on d.site_id = t.site_id and d.source = t.source and d.instance = t.instance
    where t.site_id is null or t.billable_last_month_end + coalesce(d.delta, 0) <> t.billable_today`;
}

/** The seat rule is not vacuous: the pairs it checked, with their counts. */
async function todayVsMonthEnd(on: TestDatabase = db): Promise<string[]> {
  const rows = await on.sql<{ site: string; source: string; billable_last_month_end: number; billable_today: number; last_month_end_day: string }[]>`
    select site, source, billable_last_month_end, billable_today, last_month_end_day::text from bi.billing_today_vs_last_month_end`;
  return rows.map((r) => `${r.source} @${r.site} ${r.last_month_end_day}: ${r.billable_last_month_end} -> ${r.billable_today}`).sort();
}

inOrder('bi.billing_changes_month_to_date over real publishes and rollups', () => {
  it('lists each change since the month-end 2026-10-31, a move on both sides, the unchanged devices not at all', async () => {
    await publish('2026-10-31', OCTOBER);
    await publish('2026-11-15', NOVEMBER);
    const rolled = await rollupDays(db.sql, ['2026-10-31', '2026-11-15'], { today: '2026-11-16' });
    expect(rolled.months.map((m) => [m.month, m.materialised])).toEqual([['2026-10', ['2026-10-31', '2026-10-31']]]);

    const rows = await monthToDate();
    expect(rows.map(({ vendor_id: v, change, seat_delta: delta, detail, previous_site: ps, previous_class: pc, previous_status: pst, current_site: cs, current_class: cc, current_status: cst, site, source }) =>
      ({ source, vendor_id: v, change, seat_delta: delta, site, detail, previous: [ps, pc, pst], current: [cs, cc, cst] }))).toEqual([
      { source: 'ninjaone', vendor_id: 'n-back', change: 'added', seat_delta: 1, site: 'Bluegum Clinic', detail: 'became billable (was spare: name_contains_spare)',
        previous: ['Bluegum Clinic', 'workstation', 'spare'], current: ['Bluegum Clinic', 'workstation', 'billable'] },
      { source: 'ninjaone', vendor_id: 'n-gone', change: 'removed', seat_delta: -1, site: 'Harbour Dental', detail: 'no longer listed by the vendor',
        previous: ['Harbour Dental', 'workstation', 'billable'], current: [null, null, null] },
      { source: 'ninjaone', vendor_id: 'n-mover', change: 'moved_in', seat_delta: 1, site: 'Bluegum Clinic', detail: 'moved from another site',
        previous: ['Harbour Dental', 'workstation', 'billable'], current: ['Bluegum Clinic', 'workstation', 'billable'] },
      { source: 'ninjaone', vendor_id: 'n-mover', change: 'moved_out', seat_delta: -1, site: 'Harbour Dental', detail: 'moved to another site',
        previous: ['Harbour Dental', 'workstation', 'billable'], current: ['Bluegum Clinic', 'workstation', 'billable'] },
      { source: 'ninjaone', vendor_id: 'n-new', change: 'added', seat_delta: 1, site: 'Bluegum Clinic', detail: 'new device',
        previous: [null, null, null], current: ['Bluegum Clinic', 'workstation', 'billable'] },
      { source: 'ninjaone', vendor_id: 'n-reclass', change: 'reclassified', seat_delta: 0, site: 'Bluegum Clinic', detail: 'workstation -> server',
        previous: ['Bluegum Clinic', 'workstation', 'billable'], current: ['Bluegum Clinic', 'server', 'billable'] },
      { source: 'ninjaone', vendor_id: 'n-shelved', change: 'removed', seat_delta: -1, site: 'Bluegum Clinic', detail: 'no longer billable: spare: name_contains_spare',
        previous: ['Bluegum Clinic', 'workstation', 'billable'], current: ['Bluegum Clinic', 'workstation', 'spare'] },
      { source: 'threatlocker', vendor_id: 'tl-new', change: 'added', seat_delta: 1, site: 'Harbour Dental', detail: 'new device',
        previous: [null, null, null], current: ['Harbour Dental', 'workstation', 'billable'] },
    ]);
    expect(new Set(rows.map((r) => `${r.month} ${r.last_month_end_day} ${r.snapshot_day}`))).toEqual(new Set(['2026-11 2026-10-31 2026-11-15']));
  });

  it('adds up per site and source: billable_last_month_end + Σ seat_delta = billable_today', async () => {
    expect(await todayVsMonthEnd()).toEqual([
      'ninjaone @Bluegum Clinic 2026-10-31: 2 -> 4',
      'ninjaone @Harbour Dental 2026-10-31: 3 -> 1',
      'threatlocker @Harbour Dental 2026-10-31: 1 -> 2',
    ]);
    expect(await seatRuleViolations()).toEqual([]);
  });

  it('compares with the last month-end rolled up: October until November is, then November', async () => {
    await publish('2026-11-30', NOVEMBER);
    await publish('2026-12-03', DECEMBER);
    // Published but not rolled up: December so far still stands against October's month-end.
    const beforeRollup = await monthToDate();
    expect(new Set(beforeRollup.map((r) => `${r.month} ${r.last_month_end_day} ${r.snapshot_day}`))).toEqual(new Set(['2026-12 2026-10-31 2026-12-03']));
    expect(brief(beforeRollup)).toContain('ninjaone n-dec added +1 @Harbour Dental');
    expect(brief(beforeRollup)).not.toContain('ninjaone n-new added +1 @Bluegum Clinic');
    expect(await seatRuleViolations()).toEqual([]);

    const rolled = await rollupDays(db.sql, ['2026-11-30', '2026-12-03'], { today: '2026-12-04' });
    expect(rolled.months.map((m) => [m.month, m.materialised])).toEqual([['2026-11', ['2026-11-30', '2026-11-30']]]);
    const rows = await monthToDate();
    expect(brief(rows)).toEqual([
      'ninjaone n-dec added +1 @Harbour Dental',
      'ninjaone n-new removed -1 @Bluegum Clinic',
    ]);
    expect(new Set(rows.map((r) => `${r.month} ${r.last_month_end_day} ${r.snapshot_day}`))).toEqual(new Set(['2026-12 2026-11-30 2026-12-03']));
    expect(await todayVsMonthEnd()).toEqual([
      'ninjaone @Bluegum Clinic 2026-11-30: 4 -> 3',
      'ninjaone @Harbour Dental 2026-11-30: 1 -> 2',
      'threatlocker @Harbour Dental 2026-11-30: 2 -> 2',
    ]);
    expect(await seatRuleViolations()).toEqual([]);
  });

  it('follows a re-mapping into an open month-end: both sides move, no move is reported', async () => {
    await mapAliasManually(db.sql, { source: 'ninjaone', externalId: '2', site: 'Bluegum Group', create: true, siteMap: [] });
    await rollupPending(db.sql, { today: '2026-12-04' });
    const rows = await monthToDate();
    expect(brief(rows)).toEqual([
      'ninjaone n-dec added +1 @Harbour Dental',
      'ninjaone n-new removed -1 @Bluegum Group',
    ]);
    expect(rows.find((r) => r.vendor_id === 'n-new')?.previous_site).toBe('Bluegum Group');
    expect(await seatRuleViolations()).toEqual([]);
  });

  it('keeps the month-end side of a closed month as invoiced: a re-mapping after the close shows as a move', async () => {
    await closeBillingMonth(db.sql, '2026-11', { today: '2026-12-04', closedBy: 'test' });
    const invoiced = await db.sql`select * from rollup.month_end_devices where month = '2026-11-01' order by source_instance_id, device_id`;

    await mapAliasManually(db.sql, { source: 'ninjaone', externalId: '1', site: 'Harbour North', create: true, siteMap: [] });
    await rollupPending(db.sql, { today: '2026-12-04' });
    // A rollup asked for November explicitly leaves it too: it is closed.
    const again = await rollupDays(db.sql, ['2026-11-30'], { today: '2026-12-04', months: ['2026-11'] });
    expect(again.months).toEqual([{ month: '2026-11', materialised: [], kept: 0, skippedClosed: true }]);
    expect(await db.sql`select * from rollup.month_end_devices where month = '2026-11-01' order by source_instance_id, device_id`).toEqual(invoiced);

    const rows = await monthToDate();
    // Harbour Dental billed n-keep at November's close; today it is Harbour North's (n-dec is new there).
    expect(brief(rows)).toEqual([
      'ninjaone n-dec added +1 @Harbour North',
      'ninjaone n-keep moved_in +1 @Harbour North',
      'ninjaone n-keep moved_out -1 @Harbour Dental',
      'ninjaone n-new removed -1 @Bluegum Group',
    ]);
    expect(rows.find((r) => r.change === 'moved_out')).toMatchObject({ previous_site: 'Harbour Dental', current_site: 'Harbour North', last_month_end_day: '2026-11-30' });
    expect(await todayVsMonthEnd()).toEqual([
      'ninjaone @Bluegum Group 2026-11-30: 4 -> 3',
      'ninjaone @Harbour Dental 2026-11-30: 1 -> 0',
      'ninjaone @Harbour North 2026-11-30: 0 -> 2',
      'threatlocker @Harbour Dental 2026-11-30: 2 -> 2',
    ]);
    expect(await seatRuleViolations()).toEqual([]);
  });

  describe('as warehouse_reader', () => {
    let login: ReaderLogin;
    beforeAll(async () => { login = await readerLogin(db, 'mtd_reader'); });
    afterAll(async () => { await login?.close(); });

    it('selects the same rows as the owner', async () => {
      const owner = await monthToDate();
      expect(owner.length).toBeGreaterThan(0);
      expect(await monthToDate(login.sql)).toEqual(owner);
    });
  });
});

const RETAIN_20_DAYS: RetentionPolicy = { dailyDays: 20, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };

describe('a source no longer collected, its last snapshot gone with retention', () => {
  it('lists its month-end seats as removed, so the seat rule still holds for it', async () => {
    const own = await testDatabase();
    try {
      // ThreatLocker is collected for the last time on 2026-10-31; NinjaOne goes on into December.
      await publish('2026-10-31', OCTOBER, own);
      await publishDay(own, ninja, '2026-11-30', NOVEMBER.ninja);
      await publishDay(own, ninja, '2026-12-21', DECEMBER.ninja);
      await rollupDays(own.sql, ['2026-10-31', '2026-11-30', '2026-12-21'], { today: '2026-12-22' });
      await applyRetention(own.sql, await planRetention(own.sql, '2026-12-22', RETAIN_20_DAYS), RETAIN_20_DAYS);
      expect(await own.sql`select distinct si.source from ops.source_days join ops.source_instances si using (source_instance_id)`).toEqual([{ source: 'ninjaone' }]);

      const rows = (await monthToDate(own.sql)).filter((r) => r.source === 'threatlocker');
      expect(rows).toMatchObject([{ vendor_id: 'tl-keep', change: 'removed', seat_delta: -1, site: 'Harbour Dental', last_month_end_day: '2026-10-31', snapshot_day: null, month: null, detail: 'the source has no published snapshot left (not collected within the daily retention)' }]);
      expect(await todayVsMonthEnd(own)).toContain('threatlocker @Harbour Dental 2026-10-31: 1 -> 0');
      expect(await seatRuleViolations(own)).toEqual([]);
    } finally {
      await own.close();
    }
  }, 60_000);
});
