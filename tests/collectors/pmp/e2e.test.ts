/**
 * End to end into PostgreSQL: the PMP simulator, the real run lifecycle and the bi views. Several
 * simulated days publish exactly the simulator's systems and store the 27-metric summary; a 403 on
 * allsystems publishes a partial run with the summary; an error body with status 200 publishes
 * nothing and leaves the previous day as it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pmp } from '../../../collectors/pmp/index.js';
import { startPmpSimulator, type PmpSimulator } from '../../../collectors/pmp/simulator/index.js';
import { METRIC_KEYS } from '../../../collectors/pmp/summary.js';
import type { ScanDetailsRow } from '../../../collectors/pmp/types.js';
import { runCollect } from '../../../warehouse/run/runner.js';
import { EXIT } from '../../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../../helpers/db.js';
import { inOrder } from '../../helpers/in-order.js';

const DAYS = ['2025-06-02', '2025-06-03', '2025-06-04'];

inOrder('pmp end to end', () => {
  let db: TestDatabase;
  let sim: PmpSimulator;
  const env = () => ({ ...sim.config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', PMP_PAGE_SIZE: '50' });
  const truthSystems = () => (sim.truth() as { systems: ScanDetailsRow[] }).systems;
  const current = () => db.sql<{ vendor_id: string; snapshot_day: string; hostname: string | null; location_name: string | null; is_spare: boolean; alias_external_id: string }[]>`
    select vendor_id, snapshot_day::text as snapshot_day, hostname, location_name, is_spare, alias_external_id
    from bi.devices_current where source = 'pmp' order by vendor_id`;

  beforeAll(async () => {
    db = await testDatabase();
    sim = await startPmpSimulator({ devices: 150, seed: 42, date: DAYS[0]! });
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
  });

  it.each(DAYS)('publishes %s exactly as the simulator lists it, with its summary', async (day) => {
    sim.setDay(day);
    const result = await runCollect({ source: pmp, env: env(), date: day, today: day });
    expect(result.error?.message).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });

    const truth = truthSystems();
    const rows = await current();
    expect(rows.map((r) => r.vendor_id)).toEqual(truth.map((s) => String(s.resource_id)).sort());
    const byId = new Map(truth.map((s) => [String(s.resource_id), s]));
    for (const row of rows) {
      const s = byId.get(row.vendor_id)!;
      expect([row.hostname, row.location_name, row.alias_external_id, row.snapshot_day]).toEqual([s.resource_name, s.branch_office_name, String(s.customer_id), day]);
      expect(row.is_spare).toBe(/spare/iu.test(String(s.branch_office_name)));
    }
    const [patch] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from core.patch_status p join ops.source_instances i using (source_instance_id)
      where i.source = 'pmp' and p.snapshot_day = ${day}`;
    expect(patch?.n).toBe(truth.length);

    const [summary] = await db.sql<{ metrics: Record<string, unknown>; severity_sum_difference: number }[]>`
      select s.metrics, s.severity_sum_difference from core.pmp_summaries s join ops.source_instances i using (source_instance_id)
      where i.source = 'pmp' and s.snapshot_day = ${day}`;
    expect(Object.keys(summary!.metrics).sort()).toEqual([...METRIC_KEYS].sort());
    expect(summary!.metrics['system_summary.total_systems']).toBe(truth.length);
  });

  it('a 403 on allsystems publishes devices and the summary as a partial run (exit 3)', async () => {
    const day = '2025-06-05';
    sim.setDay(day);
    sim.setFaults({ forbiddenEndpoint: { path: '/api/1.4/patch/allsystems' } });
    try {
      const result = await runCollect({ source: pmp, env: env(), date: day, today: day });
      expect(result).toMatchObject({ status: 'partial', exitCode: EXIT.partial });
      expect(result.rows.devices).toBe(truthSystems().length);
    } finally {
      sim.setFaults({});
    }
    const [summary] = await db.sql<{ n: number }[]>`select count(*)::int as n from core.pmp_summaries where snapshot_day = ${day}`;
    expect(summary?.n).toBe(1);
    const [run] = await db.sql<{ status: string; error_message: string }[]>`select status, error_message from ops.sync_runs order by run_id desc limit 1`;
    expect(run).toMatchObject({ status: 'partial' });
    expect(run!.error_message).toMatch(/patch_status/u);
  });

  it('an error body with status 200 fails the run (exit 7) and publishes nothing', async () => {
    const before = await current();
    const day = '2025-06-06';
    sim.setDay(day);
    sim.setFaults({ errorAs200: { count: 1, path: '/api/1.4/patch/scandetails' } });
    try {
      const result = await runCollect({ source: pmp, env: env(), date: day, today: day });
      expect(result).toMatchObject({ status: 'failed', exitCode: EXIT.vendorUnavailable });
      expect(result.error?.message).toMatch(/error body/u);
    } finally {
      sim.setFaults({});
    }
    expect(await current()).toEqual(before);
    const [days] = await db.sql<{ n: number }[]>`select count(*)::int as n from core.pmp_summaries where snapshot_day = ${day}`;
    expect(days?.n).toBe(0);
  });
});
