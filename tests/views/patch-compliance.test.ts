/**
 * bi.patch_compliance_device, bi.patch_compliance_site and bi.compliance_checks: given these device
 * days, patch rows and PMP summaries, expect these rows. Every rule is driven to pass, fail and
 * unknown somewhere in the estate below, and the denominators and exposure ages are asserted device
 * by device. Day D is 2026-03-10; its runs start at 02:00 UTC, the instant ages are measured from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { PatchFixtures, pmpSummary, type PatchRow } from './patch-fixtures.js';
import { rollupPatchExposure } from '../../rollups/patch-exposure.js';

const D = '2026-03-10';
const D1 = '2026-03-09';
const D2 = '2026-03-08';
const D40 = '2026-01-29';
const RECENT = '2026-03-10T01:00:00Z';
const AGO_1D = '2026-03-09T02:00:00Z';
const AGO_2D = '2026-03-08T02:00:00Z';
const AGO_3D = '2026-03-07T02:00:00Z';
const AGO_20D = '2026-02-18T02:00:00Z';

const healthyScanned: PatchRow = { critical: 0, scanStatus: 'success', healthStatus: 'healthy', lastScanAt: AGO_1D, lastSuccessfulScanAt: AGO_1D };

let db: TestDatabase;
const site: Record<string, number> = {};

beforeAll(async () => {
  db = await testDatabase();
  const f = new PatchFixtures(db.sql);
  const pmp = await f.instance('pmp');
  const ninja = await f.instance('ninjaone');
  for (const name of ['Acme', 'Beta', 'Gamma', 'Delta', 'Empty']) site[name] = await f.site(name);
  const at = (siteName: string) => site[siteName] as number;

  await f.publish(pmp, D);
  await f.summary(pmp, D, pmpSummary());
  const pmpDevice = (siteName: string, vendorId: string, patch: PatchRow | null, extra: { lastContactAt?: string; spareRule?: string } = {}) =>
    f.device({ instanceId: pmp, siteId: at(siteName), day: D, vendorId, lastContactAt: extra.lastContactAt ?? RECENT, patch, ...(extra.spareRule ? { spareRule: extra.spareRule } : {}) });
  await pmpDevice('Acme', 'a1', { ...healthyScanned, critical: 2, important: 10, moderate: 1 });
  await pmpDevice('Acme', 'a2', { critical: 3, important: 20, scanStatus: 'failed', healthStatus: 'highly_vulnerable', lastScanAt: AGO_2D, lastSuccessfulScanAt: AGO_20D });
  await pmpDevice('Acme', 'a3', { ...healthyScanned, critical: 9 }, { spareRule: 'name_contains_spare' });
  await pmpDevice('Acme', 'a4', { ...healthyScanned, critical: 7, lastScanAt: AGO_20D, lastSuccessfulScanAt: AGO_20D }, { lastContactAt: AGO_20D });
  await pmpDevice('Acme', 'a5', null);
  await f.device({ instanceId: pmp, siteId: at('Acme'), day: D, vendorId: 'a6', lastContactAt: null, patch: { critical: 0 } });
  await pmpDevice('Beta', 'b1', healthyScanned);
  await pmpDevice('Beta', 'b2', { critical: 0, scanStatus: 'not_scanned', healthStatus: 'unknown' });
  for (const id of ['c1', 'c2', 'c3']) await pmpDevice('Gamma', id, { ...healthyScanned, critical: 3, important: 30 });
  await pmpDevice('Delta', 'd1', { ...healthyScanned, critical: 6, important: 60 });
  await pmpDevice('Empty', 'e1', healthyScanned, { spareRule: 'location_contains_spare' });

  // NinjaOne: no health, no scan status; a scan time only where patches are missing.
  await f.publish(ninja, D);
  await f.device({ instanceId: ninja, siteId: at('Acme'), day: D, vendorId: 'n1', lastContactAt: RECENT, patch: { critical: 1, lastScanAt: AGO_3D } });
  await f.device({ instanceId: ninja, siteId: at('Acme'), day: D, vendorId: 'n2', lastContactAt: RECENT, patch: { critical: 0 } });

  // History: D1 has a stale vulnerability DB and no APD task; D2 has no summary at all.
  await f.publish(pmp, D1);
  await f.summary(pmp, D1, pmpSummary({ 'vulnerability_db_summary.last_db_update_time': Date.parse('2026-02-27T02:00:00Z'), 'apd_summary.number_of_apd_tasks': 0 }));
  const earlier = (day: string, siteName: string, vendorId: string, critical: number | null) =>
    f.device({ instanceId: pmp, siteId: at(siteName), day, vendorId, lastContactAt: `${day}T01:00:00Z`, patch: { ...healthyScanned, critical, important: critical === null ? null : 0, lastScanAt: `${day}T01:00:00Z` } });
  await earlier(D1, 'Acme', 'a1', 2);
  await earlier(D1, 'Acme', 'a2', null);
  await f.publish(pmp, D2);
  await earlier(D2, 'Acme', 'a1', 0);
  await earlier(D2, 'Delta', 'd1', 6);
  await f.publish(pmp, D40);
  await earlier(D40, 'Gamma', 'c1', 3);
  // Exposure is materialised by the rollup: every published day is owed it.
  await rollupPatchExposure(db.sql, []);
});
afterAll(async () => { await db.close(); });

interface Check { scope_name: string; source: string; day: string; rule_id: string; status: string; value_min: number | null; value_max: number | null; reason: string | null }

async function checks(where = 'true'): Promise<Check[]> {
  return db.sql.unsafe<Check[]>(`
    select scope_name, source, snapshot_day::text as day, rule_id, status, value_min::float8 as value_min, value_max::float8 as value_max, reason
    from bi.compliance_checks where ${where} order by snapshot_day, source, scope, scope_name, rule_id`);
}

const pick = (rows: Check[], scope: string, source: string, day: string, rule: string): Check | undefined =>
  rows.find((r) => r.scope_name === scope && r.source === source && r.day === day && r.rule_id === rule);

describe('bi.patch_compliance_device', () => {
  it('puts every device in exactly one denominator, with the reason', async () => {
    const rows = await db.sql`
      select source, vendor_id, scope_status, scope_reason from bi.patch_compliance_device order by source, vendor_id`;
    expect(rows.map((r) => `${r.source}/${r.vendor_id}: ${r.scope_status} (${r.scope_reason})`)).toEqual([
      'ninjaone/n1: in_scope (in scope)',
      'ninjaone/n2: in_scope (in scope)',
      'pmp/a1: in_scope (in scope)',
      'pmp/a2: in_scope (in scope)',
      'pmp/a3: spare (spare: name_contains_spare)',
      'pmp/a4: stale_or_offline (no contact or scan for more than 14 days)',
      'pmp/a5: unknown (no patch status reported for this device)',
      'pmp/a6: unknown (no last contact or scan time)',
      'pmp/b1: in_scope (in scope)',
      'pmp/b2: in_scope (in scope)',
      'pmp/c1: in_scope (in scope)',
      'pmp/c2: in_scope (in scope)',
      'pmp/c3: in_scope (in scope)',
      'pmp/d1: in_scope (in scope)',
      'pmp/e1: spare (spare: location_contains_spare)',
    ]);
  });

  it('calls a device unknown when its critical count is not reported (history, from the staging layer)', async () => {
    const [row] = await db.sql`
      select scope_status, scope_reason from staging.patch_device_days where vendor_id = 'a2' and snapshot_day = ${D1}`;
    expect(row).toEqual({ scope_status: 'unknown', scope_reason: 'missing critical patch count not reported' });
  });

  it('counts exposure as consecutive days with missing critical patches, bridging days without a snapshot', async () => {
    const rows = await db.sql`
      select vendor_id, snapshot_day::text as day, exposed_since::text as since, exposure_days, exposure_is_lower_bound as lower_bound
      from bi.patch_compliance_device where source = 'pmp' and vendor_id in ('a1', 'a2', 'a5', 'b1', 'c1', 'c2', 'd1') order by vendor_id`;
    expect(rows).toEqual([
      // clean on D2, missing on D1 and D
      { vendor_id: 'a1', day: D, since: D1, exposure_days: 2, lower_bound: false },
      // an unknown count on D1 ends the run
      { vendor_id: 'a2', day: D, since: D, exposure_days: 1, lower_bound: false },
      { vendor_id: 'a5', day: D, since: null, exposure_days: null, lower_bound: false },
      { vendor_id: 'b1', day: D, since: null, exposure_days: 0, lower_bound: false },
      // observed on D40 and D only: 41 days, and it may have started before the history kept
      { vendor_id: 'c1', day: D, since: D40, exposure_days: 41, lower_bound: true },
      { vendor_id: 'c2', day: D, since: D, exposure_days: 1, lower_bound: true },
      // absent from D1's snapshot: the run is not broken by a day without data
      { vendor_id: 'd1', day: D, since: D2, exposure_days: 3, lower_bound: true },
    ]);
  });

  it('measures ages from the run start and judges the scan window', async () => {
    const rows = await db.sql`
      select vendor_id, days_since_seen::float8 as seen, scan_age_days::float8 as scan_age, scanned_within_window as in_window
      from bi.patch_compliance_device where vendor_id in ('a2', 'a4', 'b2', 'n1', 'n2') order by vendor_id`;
    expect(rows).toEqual([
      { vendor_id: 'a2', seen: 0, scan_age: 2, in_window: true },
      { vendor_id: 'a4', seen: 20, scan_age: 20, in_window: false },
      { vendor_id: 'b2', seen: 0, scan_age: null, in_window: false },
      { vendor_id: 'n1', seen: 0, scan_age: 3, in_window: true },
      { vendor_id: 'n2', seen: 0, scan_age: null, in_window: null },
    ]);
  });
});

describe('bi.patch_compliance_site', () => {
  it('reports explicit denominators and in-scope facts per site, source and day', async () => {
    const rows = await db.sql`
      select site, source, devices_total::int as total, devices_in_scope::int as in_scope, devices_spare::int as spare,
        devices_stale_or_offline::int as stale, devices_unknown::int as unknown, devices_missing_critical::int as dev_crit,
        missing_critical::int as crit, missing_important::int as imp, devices_healthy::int as healthy,
        devices_highly_vulnerable::int as hv, devices_health_unknown::int as h_unknown, devices_scanned::int as scanned,
        devices_not_scanned::int as not_scanned, devices_scan_unknown::int as scan_unknown, devices_scan_succeeded::int as ok,
        devices_scan_outcome_unknown::int as outcome_unknown, devices_scanned_within_window::int as in_window,
        devices_scan_window_unknown::int as window_unknown, devices_exposed_over_30_days::int as exposed_30, max_exposure_days::int as max_exposure
      from bi.patch_compliance_site where snapshot_day = ${D} order by source, site`;
    expect(rows).toEqual([
      { site: 'Acme', source: 'ninjaone', total: 2, in_scope: 2, spare: 0, stale: 0, unknown: 0, dev_crit: 1, crit: 1, imp: 0, healthy: 0, hv: 0, h_unknown: 2, scanned: 1, not_scanned: 0, scan_unknown: 1, ok: 0, outcome_unknown: 1, in_window: 1, window_unknown: 1, exposed_30: 0, max_exposure: 1 },
      { site: 'Acme', source: 'pmp', total: 6, in_scope: 2, spare: 1, stale: 1, unknown: 2, dev_crit: 2, crit: 5, imp: 30, healthy: 1, hv: 1, h_unknown: 0, scanned: 2, not_scanned: 0, scan_unknown: 0, ok: 1, outcome_unknown: 0, in_window: 2, window_unknown: 0, exposed_30: 0, max_exposure: 2 },
      { site: 'Beta', source: 'pmp', total: 2, in_scope: 2, spare: 0, stale: 0, unknown: 0, dev_crit: 0, crit: 0, imp: 0, healthy: 1, hv: 0, h_unknown: 1, scanned: 1, not_scanned: 1, scan_unknown: 0, ok: 1, outcome_unknown: 0, in_window: 1, window_unknown: 0, exposed_30: 0, max_exposure: 0 },
      { site: 'Delta', source: 'pmp', total: 1, in_scope: 1, spare: 0, stale: 0, unknown: 0, dev_crit: 1, crit: 6, imp: 60, healthy: 1, hv: 0, h_unknown: 0, scanned: 1, not_scanned: 0, scan_unknown: 0, ok: 1, outcome_unknown: 0, in_window: 1, window_unknown: 0, exposed_30: 0, max_exposure: 3 },
      { site: 'Empty', source: 'pmp', total: 1, in_scope: 0, spare: 1, stale: 0, unknown: 0, dev_crit: 0, crit: 0, imp: 0, healthy: 0, hv: 0, h_unknown: 0, scanned: 0, not_scanned: 0, scan_unknown: 0, ok: 0, outcome_unknown: 0, in_window: 0, window_unknown: 0, exposed_30: 0, max_exposure: 0 },
      { site: 'Gamma', source: 'pmp', total: 3, in_scope: 3, spare: 0, stale: 0, unknown: 0, dev_crit: 3, crit: 9, imp: 90, healthy: 3, hv: 0, h_unknown: 0, scanned: 3, not_scanned: 0, scan_unknown: 0, ok: 3, outcome_unknown: 0, in_window: 3, window_unknown: 0, exposed_30: 1, max_exposure: 41 },
    ]);
  });

  it('reads the stale window from core.compliance_settings', async () => {
    await db.sql`update core.compliance_settings set value = 30 where setting = 'stale_after_days'`;
    try {
      const [acme] = await db.sql`
        select devices_in_scope::int as in_scope, devices_stale_or_offline::int as stale
        from bi.patch_compliance_site where site = 'Acme' and source = 'pmp' and snapshot_day = ${D}`;
      expect(acme).toEqual({ in_scope: 3, stale: 0 });
    } finally {
      await db.sql`update core.compliance_settings set value = 14 where setting = 'stale_after_days'`;
    }
  });
});

describe('bi.compliance_checks', () => {
  it('refuses a rule on a metric the warehouse does not compute', async () => {
    const typo = db.sql`insert into core.compliance_rules (rule_id, framework, check_description, metric, comparator, threshold, unit, severity)
      values ('custom.typo', 'custom', 'a metric that does not exist', 'critical_cnt', '<=', 0, 'count', 'low')`;
    await expect(typo).rejects.toMatchObject({ code: '23514', constraint_name: 'compliance_rules_metric' });
  });

  // [scope, source, day, rule, expected status, value_min, value_max]
  type Case = [string, string, string, string, 'pass' | 'fail' | 'unknown', number | null, number | null];
  const est = '(whole estate)';
  const cases: Case[] = [
    // distinct missing patches lie between the most on one device and the sum (or the PMP summary)
    ['Acme', 'pmp', D, 'e8.critical_patches', 'pass', 3, 5],
    ['Delta', 'pmp', D, 'e8.critical_patches', 'fail', 6, 6],
    ['Gamma', 'pmp', D, 'e8.critical_patches', 'unknown', 3, 9],
    [est, 'pmp', D, 'e8.critical_patches', 'fail', 6, 20],
    ['Acme', 'pmp', D, 'e8.important_patches', 'pass', 20, 30],
    ['Delta', 'pmp', D, 'e8.important_patches', 'fail', 60, 60],
    ['Gamma', 'pmp', D, 'e8.important_patches', 'unknown', 30, 90],
    [est, 'pmp', D, 'e8.important_patches', 'fail', 60, 100],
    ['Gamma', 'pmp', D, 'e8.vulnerable_systems', 'pass', 0, 0],
    ['Acme', 'pmp', D, 'e8.vulnerable_systems', 'fail', 50, 50],
    ['Beta', 'pmp', D, 'e8.vulnerable_systems', 'unknown', 0, 50],
    [est, 'pmp', D, 'e8.vulnerable_systems', 'fail', 12.5, 25],
    ['Acme', 'pmp', D, 'e8.scan_coverage', 'pass', 100, 100],
    ['Beta', 'pmp', D, 'e8.scan_coverage', 'fail', 50, 50],
    ['Acme', 'ninjaone', D, 'e8.scan_coverage', 'unknown', 50, 100],
    ['Acme', 'pmp', D, 'cis.7_1.scanning', 'pass', 100, 100],
    ['Beta', 'pmp', D, 'cis.7_1.scanning', 'fail', 50, 50],
    ['Acme', 'ninjaone', D, 'cis.7_1.scanning', 'unknown', 50, 100],
    ['Acme', 'pmp', D, 'e8.vuln_db_fresh', 'pass', 0.04, 0.04],
    [est, 'pmp', D1, 'e8.vuln_db_fresh', 'fail', 10, 10],
    [est, 'pmp', D2, 'e8.vuln_db_fresh', 'unknown', null, null],
    ['Acme', 'ninjaone', D, 'e8.vuln_db_fresh', 'unknown', null, null],
    ['Beta', 'pmp', D, 'cis.7_2.critical_remediated', 'pass', 0, 0],
    ['Acme', 'pmp', D, 'cis.7_2.critical_remediated', 'fail', 3, 5],
    ['Empty', 'pmp', D, 'cis.7_2.critical_remediated', 'unknown', null, null],
    [est, 'pmp', D, 'cis.7_3.automated_patching', 'pass', 2, 2],
    [est, 'pmp', D1, 'cis.7_3.automated_patching', 'fail', 0, 0],
    ['Acme', 'pmp', D, 'cis.7_3.automated_patching', 'unknown', null, null],
    ['Gamma', 'pmp', D, 'msp.healthy_ratio', 'pass', 100, 100],
    ['Acme', 'pmp', D, 'msp.healthy_ratio', 'fail', 50, 50],
    ['Beta', 'pmp', D, 'msp.healthy_ratio', 'unknown', 50, 100],
    [est, 'pmp', D, 'msp.healthy_ratio', 'pass', 75, 87.5],
    ['Beta', 'pmp', D, 'msp.scan_success', 'pass', 100, 100],
    ['Acme', 'pmp', D, 'msp.scan_success', 'fail', 50, 50],
    ['Acme', 'ninjaone', D, 'msp.scan_success', 'unknown', 0, 100],
    [est, 'pmp', D, 'msp.scan_success', 'fail', 85.71, 85.71],
    ['Beta', 'pmp', D, 'msp.unscanned', 'pass', 1, 1],
    ['Acme', 'pmp', D, 'e8.ism1702.os_scan_fortnightly', 'pass', 100, 100],
    ['Beta', 'pmp', D, 'e8.ism1702.os_scan_fortnightly', 'fail', 50, 50],
    ['Acme', 'ninjaone', D, 'e8.ism1702.os_scan_fortnightly', 'unknown', 50, 100],
    ['Acme', 'pmp', D, 'e8.ism1695.os_patches_one_month', 'unknown', null, null],
  ];

  it.each(cases)('%s %s %s %s is %s', async (scope, source, day, rule, status, min, max) => {
    const row = pick(await checks(), scope, source, day, rule);
    expect(row).toMatchObject({ status, value_min: min, value_max: max });
    expect(row?.reason === null).toBe(status !== 'unknown');
  });

  it('covers every seeded rule with a pass, a fail and an unknown (ISM-1695 can only be unknown)', async () => {
    const rules = await db.sql<{ rule_id: string }[]>`select rule_id from core.compliance_rules order by rule_id`;
    const seen = new Map<string, Set<string>>();
    for (const [, , , rule, status] of cases) seen.set(rule, (seen.get(rule) ?? new Set()).add(status));
    seen.get('msp.unscanned')?.add('fail').add('unknown'); // driven by the threshold test below
    for (const { rule_id: rule } of rules) {
      const expected = rule === 'e8.ism1695.os_patches_one_month' ? ['unknown'] : ['fail', 'pass', 'unknown'];
      expect([...(seen.get(rule) ?? [])].sort(), rule).toEqual(expected);
    }
  });

  it('gives the reason when not evaluable', async () => {
    const rows = await checks();
    expect(pick(rows, 'Empty', 'pmp', D, 'e8.critical_patches')?.reason).toBe('no devices in scope (1 spare, 0 stale or offline, 0 unknown)');
    expect(pick(rows, est, 'pmp', D2, 'e8.vuln_db_fresh')?.reason).toBe('no vulnerability DB update time (dbupdatestatus or PMP summary) for 1 of 1 PMP servers on this day');
    expect(pick(rows, 'Acme', 'ninjaone', D, 'e8.vuln_db_fresh')?.reason).toBe('ninjaone reports no vulnerability database');
    expect(pick(rows, 'Acme', 'pmp', D, 'cis.7_3.automated_patching')?.reason).toBe('PMP reports automated patch deployment tasks per server, not per site');
    expect(pick(rows, 'Gamma', 'pmp', D, 'e8.critical_patches')?.reason).toMatch(/^undecided: the value lies between 3 and 9 because per-device counts cannot tell/u);
    expect(pick(rows, 'Beta', 'pmp', D, 'msp.healthy_ratio')?.reason).toBe('undecided: the value lies between 50.00 and 100.00 because 1 of 2 in-scope devices have no known health status');
    expect(pick(rows, 'Acme', 'pmp', D, 'e8.ism1695.os_patches_one_month')?.reason).toMatch(/release date of each missing patch is not collected/u);
  });

  it('takes thresholds, enabled flags and new rules from core.compliance_rules', async () => {
    await db.sql`update core.compliance_rules set threshold = 0 where rule_id = 'msp.unscanned'`;
    await db.sql`update core.compliance_rules set enabled = false where rule_id = 'cis.7_1.scanning'`;
    await db.sql`insert into core.compliance_rules (rule_id, framework, check_description, metric, comparator, threshold, unit, severity)
      values ('custom.moderate', 'custom', 'missing moderate patches', 'moderate_count', '<=', 0, 'count', 'low')`;
    try {
      const rows = await checks(`snapshot_day = '${D}'`);
      expect(pick(rows, 'Beta', 'pmp', D, 'msp.unscanned')).toMatchObject({ status: 'fail', value_min: 1, value_max: 1 });
      expect(pick(rows, 'Acme', 'ninjaone', D, 'msp.unscanned')).toMatchObject({ status: 'unknown', value_min: 0, value_max: 1 });
      expect(rows.filter((r) => r.rule_id === 'cis.7_1.scanning')).toEqual([]);
      expect(pick(rows, 'Acme', 'pmp', D, 'custom.moderate')).toMatchObject({ status: 'fail', value_min: 1, value_max: 1 });
    } finally {
      await db.sql`delete from core.compliance_rules where rule_id = 'custom.moderate'`;
      await db.sql`update core.compliance_rules set enabled = true where rule_id = 'cis.7_1.scanning'`;
      await db.sql`update core.compliance_rules set threshold = 50 where rule_id = 'msp.unscanned'`;
    }
  });
});
