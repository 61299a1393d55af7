/**
 * Patch exposure materialised by the rollup (rollup.patch_exposure, rollups/patch-exposure.ts)
 * against the window definition it replaced (REFERENCE below, the old staging.patch_exposure): a
 * seeded random history of devices at several sites and two source instances, with days without a
 * row, unknown counts, zero days, devices that appear late, vanish and move site, rolled up night by
 * night, then a re-run of a middle day with other counts, a back-fill of a day never published, a
 * re-publish the rollup finds owed by itself, an interrupted pass, and retention. On every day the
 * materialised result equals the window over the rows, except where retention dropped a run's first
 * days: the rollup keeps the run's true first day (the choice documented in
 * views/staging/patch_exposure.sql), which the window over the retained rows cannot know.
 */
import type { Sql } from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rollupDays } from '../../rollups/run.js';
import { applyRetention, planRetention } from '../../rollups/retention.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { PatchFixtures } from '../views/patch-fixtures.js';
import { inOrder } from '../helpers/in-order.js';
import { addDays } from '../../warehouse/time.js';

/** The window definition, as staging.patch_exposure computed it on every read before issue 23 (over `history`). */
const REFERENCE = (history: string) => `
  with history as (
      select ps.site_id, ps.snapshot_day, ps.device_id, ps.missing_critical,
          coalesce(ps.missing_critical > 0, false) as exposed,
          count(*) filter (where not coalesce(ps.missing_critical > 0, false))
              over (partition by ps.device_id order by ps.snapshot_day) as island,
          min(ps.snapshot_day) over (partition by ps.device_id) as first_observed_day
      from ${history} as ps
  ),
  runs as (
      select h.*, min(h.snapshot_day) filter (where h.exposed) over (partition by h.device_id, h.island) as island_first_exposed_day
      from history as h
  )
  select r.site_id, r.snapshot_day::text as day, r.device_id::int as device_id,
      (case when r.exposed then r.island_first_exposed_day end)::text as exposed_since,
      case when r.missing_critical is null then null when r.exposed then r.snapshot_day - r.island_first_exposed_day + 1 else 0 end as exposure_days,
      r.exposed and r.island_first_exposed_day = r.first_observed_day as lower_bound
  from runs as r`;

interface Exposure { site_id: number; day: string; device_id: number; exposed_since: string | null; exposure_days: number | null; lower_bound: boolean }

const ORDER = 'order by day, device_id';

const reference = (sql: Sql, history = 'core.patch_status') => sql.unsafe<Exposure[]>(`select * from (${REFERENCE(history)}) as x ${ORDER}`);
const materialised = (sql: Sql) => sql.unsafe<Exposure[]>(`
  select site_id, snapshot_day::text as day, device_id::int as device_id, exposed_since::text as exposed_since, exposure_days, exposure_is_lower_bound as lower_bound
  from staging.patch_exposure ${ORDER}`);

/** mulberry32: the same history on every run, different across seeds. */
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

const FIRST = '2026-02-10';
const DAYS = Array.from({ length: 24 }, (_, i) => addDays(FIRST, i)); // through 2026-03-05
const SKIPPED = DAYS[7] as string; // never published at first: back-filled later
const MIDDLE = DAYS[12] as string;
const TODAY = '2026-03-06';

interface Device { id: number; instance: number; sites: number[]; from: number; to: number }

class History {
  readonly rand: () => number;
  devices: Device[] = [];
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
    for (let i = 0; i < 30; i += 1) {
      const instance = this.instances[i % 2] as number;
      const [row] = await this.sql<{ id: number }[]>`
        insert into core.devices (source_instance_id, vendor_id, first_seen_on) values (${instance}, ${`v${i}`}, ${FIRST}) returning device_id::int as id`;
      const from = this.rand() < 0.3 ? Math.floor(this.rand() * 12) : 0;
      const to = this.rand() < 0.2 ? from + Math.floor(this.rand() * 14) : DAYS.length - 1;
      // A few move to another site part-way (a device has one site a day).
      const home = Math.floor(this.rand() * 3);
      const moved = this.rand() < 0.2 ? (home + 1) % 3 : home;
      this.devices.push({ id: row!.id, instance, sites: DAYS.map((_, d) => this.sites[d < 10 ? home : moved] as number), from, to });
    }
  }

  /** Missing critical patches: no row, unknown, none, or some; runs of each. */
  private critical(): number | null | undefined {
    const r = this.rand();
    if (r < 0.15) return undefined;
    if (r < 0.25) return null;
    if (r < 0.5) return 0;
    return 1 + Math.floor(this.rand() * 5);
  }

  /** Publishes `instance`'s day `d` with fresh random rows (a re-run replaces the rows and the publish time). */
  async publish(instance: number, d: number): Promise<void> {
    const day = DAYS[d] as string;
    const [existing] = await this.sql`select run_id from ops.source_days where source_instance_id = ${instance} and snapshot_day = ${day}`;
    if (existing) {
      await this.sql`delete from core.patch_status where snapshot_day = ${day} and source_instance_id = ${instance}`;
      await this.sql`update ops.source_days set published_at = clock_timestamp() where source_instance_id = ${instance} and snapshot_day = ${day}`;
    } else {
      await this.f.publish(instance, day);
    }
    const [run] = await this.sql<{ id: number }[]>`select run_id::int as id from ops.source_days where source_instance_id = ${instance} and snapshot_day = ${day}`;
    for (const device of this.devices.filter((x) => x.instance === instance && d >= x.from && d <= x.to)) {
      const critical = this.critical();
      if (critical === undefined) continue;
      await this.sql`
        insert into core.patch_status (site_id, snapshot_day, device_id, source_instance_id, run_id, missing_critical)
        values (${device.sites[d] as number}, ${day}, ${device.id}, ${instance}, ${run!.id}, ${critical})`;
    }
  }

  /** Publishes day `d` of each source instance but, now and then, one that misses the night; whether any published. */
  async publishDay(d: number): Promise<boolean> {
    let any = false;
    for (const instance of this.instances) {
      if (d !== 0 && this.rand() < 0.1) continue;
      await this.publish(instance, d);
      any = true;
    }
    return any;
  }
}

for (const seed of [1, 2, 3]) inOrder(`patch exposure materialised by the rollup, seed ${seed}`, () => {
  let db: TestDatabase;
  let h: History;

  beforeAll(async () => {
    db = await testDatabase();
    h = new History(db.sql, seed);
    await h.setUp();
  });
  afterAll(async () => { await db.close(); });

  it('equals the window definition night by night', async () => {
    let exposed = 0;
    for (const [d, day] of DAYS.entries()) {
      if (day === SKIPPED) continue;
      const any = await h.publishDay(d);
      const rolled = await rollupDays(db.sql, [day], { today: TODAY });
      // The nightly computes its own day only (none when nothing was published).
      expect(rolled.exposure.days).toEqual(any ? [day] : []);
      const rows = await materialised(db.sql);
      expect(rows).toEqual(await reference(db.sql));
      exposed = rows.filter((r) => (r.exposure_days ?? 0) > 1).length;
    }
    // The history is not trivial: runs, lower bounds, unknowns and gaps all occur.
    const rows = await materialised(db.sql);
    expect(exposed).toBeGreaterThan(0);
    expect(rows.some((r) => r.lower_bound)).toBe(true);
    expect(rows.some((r) => r.exposure_days === null)).toBe(true);
    expect(rows.some((r) => r.exposure_days !== null && r.exposure_days > 0 && !r.lower_bound)).toBe(true);
  });

  it('after a re-run of a middle day with other counts, recomputes it and every later day', async () => {
    const before = await materialised(db.sql);
    await h.publish(h.instances[0] as number, DAYS.indexOf(MIDDLE));
    const rolled = await rollupDays(db.sql, [MIDDLE], { today: TODAY });
    expect(rolled.exposure.days[0]).toBe(MIDDLE);
    const [last] = await db.sql<{ day: string }[]>`select max(snapshot_day)::text as day from ops.source_days`;
    expect(rolled.exposure.days.at(-1)).toBe(last!.day);
    expect(rolled.exposure.days.length).toBeGreaterThan(5);
    const after = await materialised(db.sql);
    expect(after).toEqual(await reference(db.sql));
    expect(after).not.toEqual(before);
  });

  it('after a back-fill of a day never published, recomputes it and every later day', async () => {
    await h.publish(h.instances[0] as number, DAYS.indexOf(SKIPPED));
    const published = await db.sql<{ day: string }[]>`select distinct snapshot_day::text as day from ops.source_days where snapshot_day >= ${SKIPPED} order by 1`;
    const rolled = await rollupDays(db.sql, [SKIPPED], { today: TODAY });
    expect(rolled.exposure.days).toEqual(published.map((p) => p.day));
    expect(rolled.exposure.days.length).toBeGreaterThan(10);
    expect(await materialised(db.sql)).toEqual(await reference(db.sql));
  });

  it('rewrites no row when a day is rolled up again unchanged', async () => {
    const rolled = await rollupDays(db.sql, [MIDDLE], { today: TODAY });
    expect(rolled.exposure.days.length).toBeGreaterThan(1);
    expect(rolled.exposure.rows).toBe(0);
    expect(await materialised(db.sql)).toEqual(await reference(db.sql));
  });

  it('finds a day re-published since it was computed owed, whatever days the rollup is given', async () => {
    const republished = DAYS[4] as string;
    await h.publish(h.instances[1] as number, 4);
    const rolled = await rollupDays(db.sql, [DAYS.at(-1) as string], { today: TODAY });
    expect(rolled.exposure.days[0]).toBe(republished);
    expect(await materialised(db.sql)).toEqual(await reference(db.sql));
  });

  it('picks up a pass that stopped part-way: a day computed before the day before it is owed', async () => {
    const stale = DAYS[16] as string;
    // What a pass interrupted after day 15 leaves: day 16 still holds what it had before (here: nothing).
    await db.sql`delete from rollup.patch_exposure where snapshot_day = ${stale}`;
    await db.sql`update rollup.patch_exposure_days set computed_at = computed_at - interval '1 day' where snapshot_day >= ${stale}`;
    expect(await materialised(db.sql)).not.toEqual(await reference(db.sql));
    const rolled = await rollupDays(db.sql, [], { today: TODAY });
    expect(rolled.exposure.days[0]).toBe(stale);
    expect(await materialised(db.sql)).toEqual(await reference(db.sql));
  });

  it('keeps the true first day of a run whose first days retention dropped', async () => {
    // Everything as it is before retention, to compare with.
    await db.sql`create table public.history as select * from core.patch_status`;
    const before = await materialised(db.sql);
    expect(before).toEqual(await reference(db.sql));
    // A 10-day window on 2026-03-06 expires 2026-02-10 .. 2026-02-24 (February has ended).
    const retained = await applyRetention(db.sql, await planRetention(db.sql, TODAY, { dailyDays: 10, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 500 }), { dailyDays: 10, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 500 });
    const firstKept = '2026-02-25';
    // The expired days' partitions of rollup.patch_exposure went with theirs of core.patch_status.
    const droppedStatus = retained.dropped.filter((t) => t.startsWith('core.patch_status_')).map((t) => t.slice(-8)).sort();
    expect(droppedStatus.length).toBeGreaterThan(10);
    expect(retained.dropped.filter((t) => t.startsWith('rollup.patch_exposure_')).map((t) => t.slice(-8)).sort()).toEqual(droppedStatus);
    expect(await db.sql`select snapshot_day::text as day from rollup.patch_exposure_days where snapshot_day < ${firstKept}`).toEqual([]);
    // The kept days read exactly as before: runs begun before the first kept day keep their first day.
    const after = await materialised(db.sql);
    expect(after).toEqual(before.filter((r) => r.day >= firstKept));
    const windowed = await reference(db.sql);
    expect(after.some((r) => r.exposed_since !== null && r.exposed_since < firstKept)).toBe(true);
    expect(windowed.every((r) => r.exposed_since === null || r.exposed_since >= firstKept)).toBe(true);

    // A new night after retention goes on from the kept states; a device not observed on any kept
    // day starts anew (as the window over the kept rows would have it).
    const next = TODAY;
    await h.f.publish(h.instances[0] as number, next);
    const [run] = await db.sql<{ id: number }[]>`select run_id::int as id from ops.source_days where source_instance_id = ${h.instances[0] as number} and snapshot_day = ${next}`;
    for (const device of h.devices.filter((x) => x.instance === h.instances[0])) {
      await db.sql`insert into core.patch_status (site_id, snapshot_day, device_id, source_instance_id, run_id, missing_critical)
        values (${device.sites.at(-1) as number}, ${next}, ${device.id}, ${device.instance}, ${run!.id}, ${1 + (device.id % 2) * 2})`;
    }
    await db.sql`insert into public.history select * from core.patch_status where snapshot_day = ${next}`;
    const rolled = await rollupDays(db.sql, [next], { today: '2026-03-07' });
    expect(rolled.exposure.days).toEqual([next]);
    const forgotten = `(select ps.* from public.history as ps where ps.snapshot_day >= '${firstKept}'
      or exists (select 1 from public.history as kept where kept.device_id = ps.device_id and kept.snapshot_day >= '${firstKept}' and kept.snapshot_day < '${next}'))`;
    const expected = (await reference(db.sql, forgotten)).filter((r) => r.day >= firstKept);
    expect(await materialised(db.sql)).toEqual(expected);
  });
});
