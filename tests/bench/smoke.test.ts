/**
 * The benchmark's B1/B3 path at a tiny size, so `npm run bench` cannot rot unnoticed: the synthetic
 * fleet publishes through the real lifecycle, the raw COPY limit copies exactly the published rows,
 * and a re-run of identical rows rewrites none. No timings are asserted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsRefresh, publishFleet } from '../../bench/b1-publish.js';
import { findingsNight } from '../../bench/b1-findings.js';
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

  it('measures the findings refresh on a 1 % churn night, incremental and full, and takes the night out again', async () => {
    const own = await testDatabase();
    try {
      for (const source of ['ninjaone', 'threatlocker', 'pmp'] as const) await publishFleet(own.sql, own.url, source, buildFleet(source, DEVICES), DAY);
      const first = await findingsRefresh(own.sql);
      const night = await findingsNight(own.sql, DAY, async () => undefined);
      expect(night.day).toBe('2026-01-16');
      expect(night.churned).toBe(3 * DEVICES / 100);
      expect(night.incremental.result).toMatchObject({ mode: 'incremental', asOf: '2026-01-16' });
      expect(night.incremental.result.changed).toBeGreaterThan(0);
      expect(night.incremental.result.changed).toBeLessThanOrEqual(night.churned);
      expect(night.full.result).toMatchObject({ mode: 'full', opened: 0, reopened: 0, resolved: 0, removed: 0, open: night.incremental.result.open });
      expect(first.open).toBeGreaterThan(0);
      const [left] = await own.sql<{ n: number }[]>`select count(*)::int as n from ops.source_days where snapshot_day = '2026-01-16'`;
      expect(left?.n).toBe(0);
    } finally {
      await own.close();
    }
  });
});
