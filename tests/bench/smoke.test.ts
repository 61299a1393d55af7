/**
 * The benchmark's B1/B3 path at a tiny size, so `npm run bench` cannot rot unnoticed: the synthetic
 * fleet publishes through the real lifecycle, the raw COPY limit copies exactly the published rows,
 * and a re-run of identical rows rewrites none. No timings are asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishFleet } from '../../bench/b1-publish.js';
import { buildFleet, siteCount } from '../../bench/fleet.js';
import { rawCopy } from '../../bench/raw-copy.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

const DAY = '2026-01-15';
const DEVICES = 500;

describe('bench smoke (B1, B3 at 500 devices)', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await testDatabase(); });
  afterAll(async () => { await db?.close(); });

  it('publishes the fleet, copies the same rows raw, and re-runs without rewriting', async () => {
    const fleet = buildFleet('ninjaone', DEVICES);
    const first = await publishFleet(db.sql, db.url, 'ninjaone', fleet, DAY);
    expect(first.result.rows).toMatchObject({ devices: DEVICES, patchStatus: DEVICES, changed: DEVICES, aliases: siteCount(DEVICES) });
    expect(first.stageMs).toBeGreaterThan(0);

    const [instance] = await db.sql<{ id: number }[]>`select source_instance_id as id from ops.source_instances where source = 'ninjaone'`;
    const copy = await rawCopy(db.sql, DAY, instance!.id, 'smoke');
    expect(copy.rows).toBe(2 * DEVICES);
    const [same] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from (
        (select * from core.device_days where snapshot_day = ${DAY} except select * from bench.device_days_smoke)
        union all (select * from bench.device_days_smoke except select * from core.device_days where snapshot_day = ${DAY})) d`;
    expect(same?.n).toBe(0);

    const rerun = await publishFleet(db.sql, db.url, 'ninjaone', fleet, DAY);
    expect(rerun.result.rows.changed).toBe(0);
  });
});
