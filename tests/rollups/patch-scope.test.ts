/**
 * Patch-scope aggregates materialised by the rollup (rollup.patch_site_instance_days,
 * rollups/patch-scope.ts) against the on-read definition they materialise
 * (staging.patch_site_instance_days_computed), on a seeded random small fleet of two patch sources
 * at three sites over several days: spare, stale, unknown and in-scope devices, missing and unknown
 * counts, scans in and out of the window, health, and runs of missing critical patches (exposure).
 * Rolled up night by night, then a re-run of a day with other rows, a compliance setting change, a
 * time zone change, a re-mapping made in place, a re-run of unchanged days, a back-fill and
 * retention: at every step staging.patch_site_instance_days (materialised where it stands, on read
 * where not) equals the definition, so does each instance's latest day device by device
 * (rollup.patch_device_latest, staging.patch_device_days_latest), and the bi views read from them
 * equal what they give with nothing materialised.
 */
import type { Sql } from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rollupDays } from '../../rollups/run.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { requestRollup } from '../../warehouse/billing/rollup-requests.js';
import { addDays } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { PatchFixtures, type PatchRow } from '../views/patch-fixtures.js';

const FIRST = '2026-02-24';
const DAYS = Array.from({ length: 8 }, (_, i) => addDays(FIRST, i)); // through 2026-03-03
const TODAY = '2026-03-04';
const ORDER = 'order by site_id, snapshot_day, source_instance_id';

/** mulberry32: the same fleet on every run, different across seeds. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const stored = (sql: Sql) => sql.unsafe(`select * from staging.patch_site_instance_days ${ORDER}`);
const computed = (sql: Sql) => sql.unsafe(`select * from staging.patch_site_instance_days_computed ${ORDER}`);
/** Each patch instance's latest day, device by device: as the views read it, and by the on-read definition. */
const DEVICE_ORDER = 'order by source_instance_id, device_id';
const devicesStored = (sql: Sql) => sql.unsafe(`select * from staging.patch_device_days_latest ${DEVICE_ORDER}`);
const devicesComputed = (sql: Sql) => sql.unsafe(`
  select e.* from staging.patch_device_days_exposed as e
  inner join staging.source_days_latest as l on l.source_instance_id = e.source_instance_id and l.snapshot_day = e.snapshot_day
  ${DEVICE_ORDER}`);
const devicesOwed = async (sql: Sql) => (await sql<{ instance: number }[]>`
  select source_instance_id as instance from staging.patch_device_latest_sources where not materialised order by 1`).map((r) => r.instance);
/** Both materialised reads equal their definitions. */
async function expectAsDefined(sql: Sql): Promise<void> {
  expect(await stored(sql)).toEqual(await computed(sql));
  expect(await devicesStored(sql)).toEqual(await devicesComputed(sql));
}
const materialisedRows = async (sql: Sql) => (await sql`select count(*)::int as n from rollup.patch_site_instance_days`)[0]!.n as number;
const owed = async (sql: Sql) => (await sql<{ day: string }[]>`
  select distinct snapshot_day::text as day from staging.patch_scope_source_days where not materialised order by 1`).map((r) => r.day);

/** What the bi views on the aggregates show, in a fixed order. */
async function biViews(sql: Sql): Promise<Record<string, unknown[]>> {
  return {
    site: await sql.unsafe('select * from bi.patch_compliance_site order by snapshot_day, site_id, source'),
    checks: await sql.unsafe('select * from bi.compliance_checks order by snapshot_day, scope, site_id nulls first, source, rule_id'),
    device: await sql.unsafe('select * from bi.patch_compliance_device order by source, instance, vendor_id'),
  };
}

/** The same bi views with nothing materialised: every day judged on read (rolled back afterwards). */
async function biViewsOnRead(sql: Sql): Promise<Record<string, unknown[]>> {
  let views: Record<string, unknown[]> = {};
  await sql.begin(async (tx) => {
    await tx`delete from rollup.patch_site_instance_days`;
    await tx`delete from rollup.patch_scope_computed`;
    await tx`delete from rollup.patch_device_latest`;
    await tx`delete from rollup.patch_device_latest_computed`;
    views = await biViews(tx as unknown as Sql);
    await tx`select 1/0`; // roll back
  }).catch((error: { code?: string }) => { if (error.code !== '22012') throw error; });
  return views;
}

class Fleet {
  readonly rand: () => number;
  readonly f: PatchFixtures;
  instances: number[] = [];
  sites: number[] = [];

  constructor(readonly sql: Sql, seed: number) {
    this.rand = random(seed);
    this.f = new PatchFixtures(sql);
  }

  async setUp(): Promise<void> {
    this.instances = [await this.f.instance('pmp'), await this.f.instance('ninjaone')];
    for (const name of ['Acme', 'Beta', 'Gamma']) this.sites.push(await this.f.site(name));
  }

  private pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.rand() * values.length)] as T;
  }

  private hoursAgo(day: string, hours: number): string {
    return new Date(Date.parse(`${day}T02:00:00Z`) - hours * 3_600_000).toISOString();
  }

  private patch(day: string): PatchRow | null {
    if (this.rand() < 0.1) return null;
    const scanAt = this.rand() < 0.15 ? null : this.hoursAgo(day, this.pick([1, 30, 200, 500]));
    return {
      critical: this.rand() < 0.1 ? null : this.pick([0, 0, 1, 3]),
      important: this.rand() < 0.1 ? null : this.pick([0, 2]),
      moderate: this.rand() < 0.1 ? null : this.pick([0, 1]),
      os: this.rand() < 0.5 ? null : this.pick([0, 4]),
      lastScanAt: scanAt,
      lastSuccessfulScanAt: this.rand() < 0.5 ? scanAt : null,
      scanStatus: this.pick([null, 'success', 'failed', 'in_progress', 'not_scanned']),
      healthStatus: this.pick([null, 'healthy', 'vulnerable', 'highly_vulnerable', 'unknown']),
    };
  }

  /** Publishes instance `i`'s day with 12 random devices (a re-run replaces its rows and publish time). */
  async publish(i: number, day: string): Promise<void> {
    const instance = this.instances[i] as number;
    const [existing] = await this.sql`select 1 from ops.source_days where source_instance_id = ${instance} and snapshot_day = ${day}`;
    if (existing) {
      await this.sql`delete from core.patch_status where snapshot_day = ${day} and source_instance_id = ${instance}`;
      await this.sql`delete from core.device_days where snapshot_day = ${day} and source_instance_id = ${instance}`;
      await this.sql`delete from ops.source_days where snapshot_day = ${day} and source_instance_id = ${instance}`;
    }
    await this.f.publish(instance, day);
    for (let d = 0; d < 12; d += 1) {
      const spare = this.rand() < 0.1;
      await this.f.device({
        instanceId: instance, siteId: this.pick(this.sites), day, vendorId: `${i}-${d}`,
        lastContactAt: this.rand() < 0.1 ? null : this.hoursAgo(day, this.pick([1, 5, 100, 400])),
        patch: this.patch(day), ...(spare ? { spareRule: 'name_contains_spare' } : {}),
      });
    }
  }
}

for (const seed of [1, 2]) inOrder(`patch-scope aggregates materialised by the rollup, seed ${seed}`, () => {
  let db: TestDatabase;
  let fleet: Fleet;

  beforeAll(async () => {
    db = await testDatabase();
    fleet = new Fleet(db.sql, seed);
    await fleet.setUp();
  });
  afterAll(async () => { await db.close(); });

  it('judges a day on read until it is rolled up, then reads the same rows materialised', async () => {
    for (const day of DAYS) {
      await fleet.publish(0, day);
      if (day !== DAYS[3]) await fleet.publish(1, day); // one night the NinjaOne run is missing
      // Published, not rolled up: judged on read, as the definition gives it.
      expect(await owed(db.sql)).toEqual([day]);
      expect(await devicesOwed(db.sql)).toEqual(fleet.instances.filter((_, i) => i === 0 || day !== DAYS[3]));
      await expectAsDefined(db.sql);
      const rolled = await rollupDays(db.sql, [day], { today: TODAY });
      expect(rolled.patchScope.days).toEqual([day]);
      expect(await owed(db.sql)).toEqual([]);
      expect(await devicesOwed(db.sql)).toEqual([]);
      await expectAsDefined(db.sql);
    }
    expect(await db.sql`select count(*)::int as n from rollup.patch_device_latest`).toEqual([{ n: 24 }]);
    const rows = await stored(db.sql);
    expect(rows.length).toBe(await materialisedRows(db.sql));
    // The fleet is not trivial: every denominator and some exposure occur.
    for (const column of ['devices_in_scope', 'devices_spare', 'devices_stale_or_offline', 'devices_unknown', 'devices_important_unknown', 'devices_scan_window_unknown']) {
      expect(rows.some((r) => Number(r[column]) > 0), column).toBe(true);
    }
    expect(rows.some((r) => (r.max_exposure_days as number | null) !== null && (r.max_exposure_days as number) > 1)).toBe(true);
  });

  it('shows in the bi views exactly what they show with nothing materialised', async () => {
    const views = await biViews(db.sql);
    expect(views.site!.length).toBeGreaterThan(20);
    expect(views.checks!.length).toBeGreaterThan(100);
    expect(views).toEqual(await biViewsOnRead(db.sql));
  });

  it('writes no row when days are rolled up again unchanged', async () => {
    const before = await stored(db.sql);
    const rolled = await rollupDays(db.sql, DAYS.slice(2, 5), { today: TODAY });
    // The exposure is recomputed from the earliest day given through the latest, and so is what reads it.
    expect(rolled.exposure.days).toEqual(DAYS.slice(2));
    expect(rolled.patchScope.days).toEqual(DAYS.slice(2));
    expect(rolled.patchScope.rows).toBe(0);
    // The latest day's exposure was recomputed too, so its devices are: the same rows, none written.
    expect(rolled.patchDevices.instances.map((i) => i.instance)).toEqual(fleet.instances);
    expect(rolled.patchDevices.rows).toBe(0);
    expect(await stored(db.sql)).toEqual(before);
  });

  it('after a re-run of a middle day with other rows, judges it on read, then recomputes it and the days whose exposure changed', async () => {
    const before = await stored(db.sql);
    const middle = DAYS[4] as string;
    await fleet.publish(0, middle);
    expect(await owed(db.sql)).toEqual([middle]);
    const onRead = await stored(db.sql);
    expect(onRead).toEqual(await computed(db.sql));
    expect(onRead).not.toEqual(before);
    const rolled = await rollupDays(db.sql, [middle], { today: TODAY });
    // Exposure is carried day to day: the later days' exposure was recomputed, and so are their aggregates.
    expect(rolled.patchScope.days).toEqual(DAYS.slice(4));
    expect(await owed(db.sql)).toEqual([]);
    // The exposure of the re-run day and after it is the rollup's (staging.patch_exposure), so compare
    // with the definition over the exposure now.
    expect(await stored(db.sql)).toEqual(await computed(db.sql));
  });

  it('takes a compliance setting change at once, and the next rollup materialises every day again', async () => {
    const before = await stored(db.sql);
    await db.sql`update core.compliance_settings set value = 3 where setting = 'stale_after_days'`;
    await db.sql`update core.compliance_settings set value = 2 where setting = 'scan_window_days'`;
    expect(await owed(db.sql)).toEqual(DAYS);
    expect(await devicesOwed(db.sql)).toEqual(fleet.instances);
    const changed = await stored(db.sql);
    expect(changed).toEqual(await computed(db.sql));
    expect(await devicesStored(db.sql)).toEqual(await devicesComputed(db.sql));
    expect(changed).not.toEqual(before);
    const views = await biViews(db.sql);
    const rolled = await rollupDays(db.sql, [], { today: TODAY });
    expect(rolled.patchScope.days).toEqual(DAYS);
    expect(rolled.patchScope.rows).toBeGreaterThan(0);
    expect(rolled.patchDevices.instances.map((i) => i.instance)).toEqual(fleet.instances);
    expect(await owed(db.sql)).toEqual([]);
    expect(await devicesOwed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
    expect(await stored(db.sql)).toEqual(changed);
    expect(await biViews(db.sql)).toEqual(views);
    expect(views).toEqual(await biViewsOnRead(db.sql));
  });

  it('takes a time zone change at once (the instant a back-filled day stands for)', async () => {
    await db.sql`update core.settings set time_zone = 'Pacific/Kiritimati'`;
    expect(await owed(db.sql)).toEqual(DAYS);
    expect(await devicesOwed(db.sql)).toEqual(fleet.instances);
    await expectAsDefined(db.sql);
    await rollupDays(db.sql, [], { today: TODAY });
    expect(await owed(db.sql)).toEqual([]);
    expect(await devicesOwed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
  });

  it('judges on read the days a re-mapping moved in place, until the rollup the request asks for', async () => {
    const day = DAYS[6] as string;
    const [from, to] = fleet.sites as [number, number];
    await db.sql.begin(async (tx) => {
      await tx`update core.device_days set site_id = ${to} where snapshot_day = ${day} and site_id = ${from}`;
      await tx`update core.patch_status set site_id = ${to} where snapshot_day = ${day} and site_id = ${from}`;
      await requestRollup(tx, day, day, 'test: alias re-attributed');
    });
    expect(await owed(db.sql)).toEqual([day]);
    await expectAsDefined(db.sql);
    const rolled = await rollupDays(db.sql, [day], { today: TODAY });
    expect(rolled.patchScope.days[0]).toBe(day);
    await db.sql`delete from ops.rollup_requests`; // what requestsDone does after the rollup
    expect(await owed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
    // The latest day, whose devices are materialised one by one, too.
    const latest = DAYS.at(-1) as string;
    await db.sql.begin(async (tx) => {
      await tx`update core.device_days set site_id = ${from} where snapshot_day = ${latest} and site_id = ${to}`;
      await tx`update core.patch_status set site_id = ${from} where snapshot_day = ${latest} and site_id = ${to}`;
      await requestRollup(tx, latest, latest, 'test: alias re-attributed');
    });
    expect(await devicesOwed(db.sql)).toEqual(fleet.instances);
    await expectAsDefined(db.sql);
    await rollupDays(db.sql, [latest], { today: TODAY });
    await db.sql`delete from ops.rollup_requests`;
    expect(await devicesOwed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
  });

  it('after a back-fill of an earlier day (first_seen_on moves), reads the latest day on read until the rollup', async () => {
    const earlier = addDays(FIRST, -1);
    await fleet.publish(0, earlier);
    expect(await owed(db.sql)).toEqual([earlier]);
    expect(await devicesOwed(db.sql)).toEqual([fleet.instances[0]]);
    await expectAsDefined(db.sql);
    const rolled = await rollupDays(db.sql, [earlier], { today: TODAY });
    expect(rolled.patchScope.days[0]).toBe(earlier);
    // Its exposure, and so every later day's, was recomputed: the latest day of both instances too.
    expect(rolled.patchDevices.instances.map((i) => i.instance)).toEqual(fleet.instances);
    expect(rolled.patchDevices.rows).toBeGreaterThan(0);
    expect(await owed(db.sql)).toEqual([]);
    expect(await devicesOwed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
  });

  it('drops a day\'s aggregates with its partitions', async () => {
    const policy: RetentionPolicy = { dailyDays: 3, rawDays: 2, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 500 };
    const retained = await applyRetention(db.sql, await planRetention(db.sql, TODAY, policy), policy);
    const droppedDays = retained.dropped.filter((t) => t.startsWith('core.device_days_')).map((t) => t.slice(-8));
    expect(droppedDays.length).toBeGreaterThan(0);
    const [left] = await db.sql<{ n: number }[]>`
      select (select count(*) from rollup.patch_site_instance_days where to_char(snapshot_day, 'YYYYMMDD') = any(${droppedDays}::text[]))
        + (select count(*) from rollup.patch_scope_computed where to_char(snapshot_day, 'YYYYMMDD') = any(${droppedDays}::text[]))::int as n`;
    expect(Number(left!.n)).toBe(0);
    expect(await owed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
    // The back-filled day was the instance's newest publish: with it gone, its latest day's devices
    // are read on read until the next rollup (first_seen_on is as it was, but the record cannot tell).
    expect(await devicesOwed(db.sql)).toEqual([fleet.instances[0]]);
    await rollupDays(db.sql, [], { today: TODAY });
    expect(await devicesOwed(db.sql)).toEqual([]);
    await expectAsDefined(db.sql);
    expect(await stored(db.sql)).not.toEqual([]);
    expect(await devicesStored(db.sql)).not.toEqual([]);
  });
});
