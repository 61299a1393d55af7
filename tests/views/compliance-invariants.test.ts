/**
 * Invariants across the compliance views on data that went through the real path: the NinjaOne and
 * PMP simulators (over real sockets), the run lifecycle and publish, three days. Denominators add up,
 * sites add up to the estate, the device view agrees with the site view, and no check passes without
 * being decided.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { runCollect } from '../../warehouse/run/runner.js';
import type { Simulator } from '../../warehouse/run/simulator.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

const DAYS = ['2026-04-01', '2026-04-02', '2026-04-03'];
const COUNTS = ['devices_total', 'devices_in_scope', 'devices_spare', 'devices_stale_or_offline', 'devices_unknown'] as const;

let db: TestDatabase;
const simulators: Simulator[] = [];

beforeAll(async () => {
  db = await testDatabase();
  for (const source of [SOURCES.ninjaone, SOURCES.pmp]) {
    const simulator = await source.simulator({ devices: 60, seed: 7, date: DAYS[0]! });
    simulators.push(simulator);
    for (const day of DAYS) {
      simulator.setDay(day);
      const result = await runCollect({ source, env: { ...simulator.config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day });
      if (result.exitCode !== 0) throw new Error(`${source.name} ${day}: ${result.status} ${result.error?.message ?? ''}`);
    }
  }
});
afterAll(async () => {
  for (const simulator of simulators) await simulator.close();
  await db?.close();
});

describe('compliance invariants on simulated history', () => {
  it('has patch rows for both patch sources on every day', async () => {
    const rows = await db.sql`select source, count(distinct snapshot_day)::int as days from bi.patch_compliance_site group by source order by source`;
    expect(rows).toEqual([{ source: 'ninjaone', days: 3 }, { source: 'pmp', days: 3 }]);
  });

  it('splits every site-day into exactly the four denominators, and the in-scope devices into each breakdown', async () => {
    const broken = await db.sql`
      select site, source, snapshot_day from bi.patch_compliance_site
      where devices_total <> devices_in_scope + devices_spare + devices_stale_or_offline + devices_unknown
         or devices_in_scope <> devices_healthy + devices_vulnerable + devices_highly_vulnerable + devices_health_unknown
         or devices_in_scope <> devices_scanned + devices_not_scanned + devices_scan_unknown
         or devices_scanned <> devices_scan_succeeded + devices_scan_not_succeeded + devices_scan_outcome_unknown
         or devices_in_scope <> devices_scanned_within_window + devices_not_scanned_within_window + devices_scan_window_unknown`;
    expect(broken).toEqual([]);
  });

  it('adds the sites up to the estate rows of bi.compliance_checks for every source and day', async () => {
    const sums = COUNTS.map((c) => `sum(s.${c})::int as ${c}`).join(', ');
    const estate = COUNTS.map((c) => `c.${c}::int as ${c}`).join(', ');
    const sites = await db.sql.unsafe(`select s.source, s.snapshot_day::text as day, ${sums} from bi.patch_compliance_site s group by 1, 2 order by 1, 2`);
    const estates = await db.sql.unsafe(`
      select c.source, c.snapshot_day::text as day, ${estate} from bi.compliance_checks c
      where c.scope = 'estate' and c.rule_id = 'e8.critical_patches' order by 1, 2`);
    expect(estates).toEqual(sites);
    expect(sites.length).toBe(6);
  });

  it('agrees with the device view and with bi.devices_current at the latest day', async () => {
    const devices = await db.sql`
      select source, scope_status, count(*)::int as n from bi.patch_compliance_device group by 1, 2 order by 1, 2`;
    const sites = await db.sql`
      select p.source, v.scope_status, sum(v.n)::int as n
      from bi.patch_compliance_site p
      cross join lateral (values ('in_scope', p.devices_in_scope), ('spare', p.devices_spare),
        ('stale_or_offline', p.devices_stale_or_offline), ('unknown', p.devices_unknown)) as v (scope_status, n)
      where p.snapshot_day = ${DAYS[2]!} and v.n > 0 group by 1, 2 order by 1, 2`;
    expect(devices).toEqual(sites);
    const [current] = await db.sql`
      select (select count(*)::int from bi.devices_current where source in ('ninjaone', 'pmp')) as current,
             (select count(*)::int from bi.patch_compliance_device) as compliance`;
    expect(current?.compliance).toBe(current?.current);
  });

  it('matches PMP\'s own system count and never bounds distinct critical patches below the device maximum', async () => {
    const rows = await db.sql`
      select c.snapshot_day::text as day, c.devices_total::int as total, t.value::int as total_systems,
        c.value_min::float8 as min, c.value_max::float8 as max, k.value::float8 as summary_critical
      from bi.compliance_checks c
      join bi.pmp_summary_trend t on t.snapshot_day = c.snapshot_day and t.metric = 'system_summary.total_systems'
      join bi.pmp_summary_trend k on k.snapshot_day = c.snapshot_day and k.metric = 'missing_patch_severity_summary.critical_count'
      where c.scope = 'estate' and c.source = 'pmp' and c.rule_id = 'e8.critical_patches' order by 1`;
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.total).toBe(row.total_systems);
      expect(row.min).toBeLessThanOrEqual(row.max);
      expect(row.max).toBeLessThanOrEqual(row.summary_critical);
    }
  });

  it('judges back-filled days as of their own day: the simulated vulnerability DB is hours old, not months', async () => {
    const rows = await db.sql`
      select snapshot_day::text as day, status from bi.compliance_checks
      where scope = 'estate' and source = 'pmp' and rule_id = 'e8.vuln_db_fresh' order by 1`;
    expect(rows).toEqual(DAYS.map((day) => ({ day, status: 'pass' })));
  });

  it('decides or explains every check: one row per enabled rule and scope, a reason exactly when passed is null', async () => {
    const [shape] = await db.sql`
      select count(*)::int as rows,
        count(distinct (rule_id, scope, site_id, source, snapshot_day))::int as keys,
        (select count(*)::int from core.compliance_rules where enabled)
          * (select count(*)::int from (select distinct scope, site_id, source, snapshot_day from bi.compliance_checks) s) as expected,
        count(*) filter (where (passed is null) <> (reason is not null))::int as unexplained,
        count(*) filter (where status <> case when passed then 'pass' when not passed then 'fail' else 'unknown' end)::int as bad_status,
        count(*) filter (where value_min > value_max)::int as inverted,
        count(*) filter (where passed is not null and value_min is null)::int as decided_without_value
      from bi.compliance_checks`;
    expect(shape).toMatchObject({ unexplained: 0, bad_status: 0, inverted: 0, decided_without_value: 0 });
    expect(shape?.rows).toBe(shape?.keys);
    expect(shape?.rows).toBe(shape?.expected);
  });
});
