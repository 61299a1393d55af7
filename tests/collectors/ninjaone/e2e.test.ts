/**
 * End to end into PostgreSQL: the NinjaOne simulator, the real run lifecycle (staging, gate, publish)
 * and the bi views. Days with churn publish exactly the simulator's fleet with the right spare rule;
 * a re-run changes nothing; a skipped page is refused by the completeness gate (exit 4) and a 5xx
 * storm beyond the budget fails (exit 7), both leaving the published day as it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ninjaone } from '../../../collectors/ninjaone/index.js';
import type { NinjaOneSimulator } from '../../../collectors/ninjaone/simulator/index.js';
import { runCollect } from '../../../warehouse/run/runner.js';
import { EXIT } from '../../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../../helpers/db.js';
import { expectedRequests, simulator } from './helpers.js';
import { inOrder } from '../../helpers/in-order.js';

const [DAY1, DAY2, DAY3] = ['2025-09-01', '2025-09-02', '2025-09-03'] as const;
const PAGE_SIZE = 100;

interface CurrentRow {
  vendor_id: string; snapshot_day: string; site: string; display_name: string | null; hostname: string | null;
  location_name: string | null; vendor_class: string | null; device_class: string; is_spare: boolean; spare_rule: string | null;
}

inOrder('ninjaone end to end', () => {
  let db: TestDatabase;
  let sim: NinjaOneSimulator;
  const env = (extra: Record<string, string> = {}) => ({
    ...sim.config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', NINJAONE_PAGE_SIZE: String(PAGE_SIZE), ...extra,
  });
  const current = () => db.sql<CurrentRow[]>`
    select vendor_id, snapshot_day::text as snapshot_day, site, display_name, hostname, location_name, vendor_class,
           device_class, is_spare, spare_rule
    from bi.devices_current where source = 'ninjaone' order by vendor_id::bigint`;

  /** The first default rule that matches, in priority order (name, location, VMware guest). */
  const ruleFor = (row: Pick<CurrentRow, 'display_name' | 'location_name' | 'vendor_class'>): string | null => {
    if (/spare/iu.test(row.display_name ?? '')) return 'name_contains_spare';
    if (/spare/iu.test(row.location_name ?? '')) return 'location_contains_spare';
    if (row.vendor_class === 'VMWARE_VM_GUEST') return 'ninjaone_vmware_guest';
    return null;
  };

  async function expectPublishedAsTruth(day: string): Promise<void> {
    const truth = sim.truth();
    const locations = new Map(truth.locations.map((l) => [l.id, l.name]));
    const rows = await current();
    expect(rows.map((r) => r.vendor_id)).toEqual(truth.devices.map((d) => String(d.id)));
    truth.devices.forEach((d, i) => {
      const row = rows[i]!;
      expect(row).toMatchObject({
        snapshot_day: day, display_name: d.displayName ?? null, hostname: d.systemName ?? null,
        location_name: locations.get(d.locationId!) ?? null, vendor_class: d.nodeClass,
      });
      expect(row.spare_rule).toBe(ruleFor(row));
      expect(row.is_spare).toBe(row.spare_rule !== null);
    });
    const [patch] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from core.patch_status p join ops.source_instances s using (source_instance_id)
      where s.source = 'ninjaone' and p.snapshot_day = ${day}`;
    expect(patch?.n).toBe(Object.keys(truth.patches).length);
  }

  beforeAll(async () => {
    db = await testDatabase();
    sim = await simulator(600, 31, DAY1);
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
  });

  it('publishes day 1 exactly as the simulator lists it, with every spare rule firing', async () => {
    sim.resetRequestLog();
    const result = await runCollect({ source: ninjaone, env: env(), date: DAY1, today: DAY1 });
    expect(result.error?.message).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok, rows: { devices: 600 } });
    expect(result.requests).toBe(expectedRequests(sim.truth(), DAY1, PAGE_SIZE));
    await expectPublishedAsTruth(DAY1);
    const rules = new Set((await current()).map((r) => r.spare_rule));
    expect(rules).toEqual(new Set([null, 'name_contains_spare', 'location_contains_spare', 'ninjaone_vmware_guest']));
    expect((await current()).every((r) => r.site !== '(unmapped)')).toBe(true); // NinjaOne organisations create the sites
  });

  it('publishes day 2 with the churn, and a re-run of it rewrites nothing', async () => {
    sim.setDay(DAY2);
    const first = await runCollect({ source: ninjaone, env: env(), date: DAY2, today: DAY2 });
    expect(first).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });
    await expectPublishedAsTruth(DAY2);
    const again = await runCollect({ source: ninjaone, env: env(), date: DAY2, today: DAY2 });
    expect(again).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok, rows: { changed: 0 } });
  });

  it('a skipped page is refused by the completeness gate (exit 4) and the published day stays', async () => {
    const before = await current();
    sim.setDay(DAY3);
    sim.setFaults({ skipPage: { page: 2 } });
    try {
      const result = await runCollect({ source: ninjaone, env: env(), date: DAY3, today: DAY3 });
      expect(result).toMatchObject({ status: 'refused', exitCode: EXIT.gateRefused });
    } finally {
      sim.setFaults({});
    }
    expect(await current()).toEqual(before);
  });

  it('5xx beyond the request budget fails with exit 7 and publishes nothing', async () => {
    const before = await current();
    sim.setFaults({ serverErrors: { count: 1000, status: 503 } });
    try {
      const result = await runCollect({ source: ninjaone, env: env({ NINJAONE_REQUEST_BUDGET: '3' }), date: DAY3, today: DAY3 });
      expect(result).toMatchObject({ status: 'failed', exitCode: EXIT.vendorUnavailable });
    } finally {
      sim.setFaults({});
    }
    expect(await current()).toEqual(before);
  }, 30_000);

  it('a server that caps pageSize still yields the whole day, published exactly', async () => {
    sim.setFaults({ pageSizeCap: { max: 60 } });
    try {
      const result = await runCollect({ source: ninjaone, env: env(), date: DAY3, today: DAY3 });
      expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });
    } finally {
      sim.setFaults({});
    }
    await expectPublishedAsTruth(DAY3);
  });
});
