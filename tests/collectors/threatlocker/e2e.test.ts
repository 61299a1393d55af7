/**
 * End to end into PostgreSQL: the ThreatLocker simulator, the real run lifecycle (staging, gate,
 * publish) and the bi views. Two days with churn publish exactly the simulator's fleet; a skipped
 * page or a bad token publishes nothing and leaves the previous day as it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCollect } from '../../../warehouse/run/runner.js';
import { threatlocker } from '../../../collectors/threatlocker/index.js';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../../collectors/threatlocker/simulator/index.js';
import { EXIT } from '../../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../../helpers/db.js';
import { inOrder } from '../../helpers/in-order.js';

const DAY1 = '2025-08-04';
const DAY2 = '2025-08-05';

inOrder('threatlocker end to end', () => {
  let db: TestDatabase;
  let sim: ThreatLockerSimulator;
  const env = () => ({ ...sim.config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', THREATLOCKER_PAGE_SIZE: '100' });
  const current = () => db.sql<{ vendor_id: string; snapshot_day: string; display_name: string | null; hostname: string | null; location_name: string | null;
    device_class: string; is_spare: boolean; spare_rule: string | null }[]>`
    select vendor_id, snapshot_day::text as snapshot_day, display_name, hostname, location_name, device_class, is_spare, spare_rule
    from bi.devices_current where source = 'threatlocker' order by vendor_id`;

  beforeAll(async () => {
    db = await testDatabase();
    sim = await startThreatLockerSimulator({ devices: 300, seed: 77, date: DAY1 });
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
  });

  it('publishes day 1 exactly as the simulator lists it, spares decided by name and computer group', async () => {
    const result = await runCollect({ source: threatlocker, env: env(), date: DAY1, today: DAY1 });
    expect(result.error?.message).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });
    expect(result.requests).toBe(Math.floor(300 / 100) + 1 + 1);

    const truth = sim.truth();
    const rows = await current();
    expect(rows.map((r) => r.vendor_id)).toEqual(truth.computers.map((c) => c.computerId).sort());
    const byId = new Map(truth.computers.map((c) => [c.computerId, c]));
    for (const row of rows) {
      const c = byId.get(row.vendor_id)!;
      expect([row.display_name, row.hostname, row.location_name, row.snapshot_day]).toEqual([c.computerName, c.hostname, c.group, DAY1]);
      const spareByName = /spare/iu.test(c.computerName!);
      const spareByGroup = /spare/iu.test(c.group!);
      expect(row.is_spare).toBe(spareByName || spareByGroup);
    }
    expect(rows.some((r) => r.spare_rule === 'location_contains_spare')).toBe(true);
  });

  it('publishes day 2 with the churn', async () => {
    sim.setDay(DAY2);
    const result = await runCollect({ source: threatlocker, env: env(), date: DAY2, today: DAY2 });
    expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });
    const rows = await current();
    expect(rows.map((r) => r.vendor_id)).toEqual(sim.truth().computers.map((c) => c.computerId).sort());
    expect(rows.every((r) => r.snapshot_day === DAY2)).toBe(true);
  });

  it('a skipped page fails the run (exit 7) and the published day stays as it was', async () => {
    const before = await current();
    sim.setFaults({ skipPage: { pageNumber: 2 } });
    try {
      const result = await runCollect({ source: threatlocker, env: env(), date: DAY2, today: DAY2 });
      expect(result.status).toBe('failed');
      expect(result.exitCode).toBe(EXIT.vendorUnavailable);
      expect(result.error?.message).toMatch(/totalRows/u);
    } finally {
      sim.setFaults({});
    }
    expect(await current()).toEqual(before);
  });

  it('a rejected token fails the run with exit 6 and publishes nothing', async () => {
    sim.setFaults({ badToken: true });
    try {
      const result = await runCollect({ source: threatlocker, env: env(), date: '2025-08-06', today: '2025-08-06' });
      expect(result.exitCode).toBe(EXIT.vendorAuth);
    } finally {
      sim.setFaults({});
    }
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.devices_current where source = 'threatlocker' and snapshot_day = '2025-08-06'`;
    expect(row?.n).toBe(0);
  });
});
