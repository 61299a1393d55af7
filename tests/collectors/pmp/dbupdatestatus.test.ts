/**
 * The vulnerability DB's update status and the per-system fields end to end: the PMP simulator over
 * its socket, the real run lifecycle, PostgreSQL and the views. What the simulator answers is read
 * straight from its API (a login and GETs of our own), so the warehouse is compared with the vendor's
 * answer, not with the collector's reading of it. A dbupdatestatus that fails (error body, 403) leaves
 * the run succeeded (exit 0) with the stream recorded as failed, and the freshness rule falls back to
 * the summary's copy of the DB time.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pmp } from '../../../collectors/pmp/index.js';
import { startPmpSimulator, type PmpSimulator } from '../../../collectors/pmp/simulator/index.js';
import { runCollect } from '../../../warehouse/run/runner.js';
import { EXIT } from '../../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../../helpers/db.js';
import { inOrder } from '../../helpers/in-order.js';

const DAYS = ['2025-07-01', '2025-07-08'];

/** GET an API path from the simulator as a client would (on-premises login, raw token). */
async function vendorGet(sim: PmpSimulator, path: string): Promise<Record<string, unknown>> {
  const login = await fetch(`${sim.url}/api/1.4/desktop/authentication`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: sim.config.PMP_USERNAME, password: Buffer.from(sim.config.PMP_PASSWORD!).toString('base64'), auth_type: 'local_authentication' }),
  });
  const token = ((await login.json()) as { message_response: { authentication: { auth_data: { auth_token: string } } } })
    .message_response.authentication.auth_data.auth_token;
  const answer = await fetch(`${sim.url}/${path}`, { headers: { authorization: token } });
  return (await answer.json()) as Record<string, unknown>;
}

inOrder('pmp dbupdatestatus and the per-system fields end to end', () => {
  let db: TestDatabase;
  let sim: PmpSimulator;
  const env = () => ({ ...sim.config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', PMP_PAGE_SIZE: '100' });
  const dbRow = (day: string) => db.sql<Array<{
    last_db_update_status: string | null; last_ms: number | null; next_ms: number | null; auto_update_disabled: boolean | null; fetch_error: string | null;
  }>>`
    select last_db_update_status, (extract(epoch from last_db_update_at) * 1000)::float8 as last_ms,
      (extract(epoch from next_db_update_at) * 1000)::float8 as next_ms, auto_update_disabled, fetch_error
    from core.pmp_db_updates where snapshot_day = ${day}`;
  const freshness = (day: string) => db.sql<Array<{ vuln_db_basis: string | null; vuln_db_fetch_error: string | null; vuln_db_updated_at: Date }>>`
    select vuln_db_basis, vuln_db_fetch_error, vuln_db_updated_at from staging.pmp_summary_days where snapshot_day = ${day}`;

  beforeAll(async () => {
    db = await testDatabase();
    sim = await startPmpSimulator({ devices: 80, seed: 11, date: DAYS[0]!, edition: 'single' });
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
  });

  it.each(DAYS)('%s: stores dbupdatestatus as served, and the freshness rule and the trend read it', async (day) => {
    sim.setDay(day);
    const served = (await vendorGet(sim, 'api/1.4/patch/dbupdatestatus')) as {
      message_type: string; message_response: { dbupdatestatus: { last_db_update_status: string; last_db_update_time: number; next_db_update_scheduled_time: number; is_auto_db_update_disabled: boolean } };
    };
    expect(served.message_type).toBe('dbupdatestatus');
    const result = await runCollect({ source: pmp, env: env(), date: day, today: day });
    expect(result.error?.message).toBeUndefined();
    expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });

    const status = served.message_response.dbupdatestatus;
    expect(await dbRow(day)).toEqual([{
      last_db_update_status: status.last_db_update_status, last_ms: status.last_db_update_time,
      next_ms: status.next_db_update_scheduled_time, auto_update_disabled: status.is_auto_db_update_disabled, fetch_error: null,
    }]);
    const [fresh] = await freshness(day);
    expect(fresh).toMatchObject({ vuln_db_basis: 'dbupdatestatus', vuln_db_fetch_error: null });
    expect(fresh!.vuln_db_updated_at.getTime()).toBe(status.last_db_update_time);

    const [rule] = await db.sql<{ passed: boolean; value: string }[]>`
      select passed, value::text from bi.compliance_checks where rule_id = 'e8.vuln_db_fresh' and scope = 'estate' and snapshot_day = ${day}`;
    expect(rule?.passed).toBe(true);
    const trend = await db.sql<{ metric: string; value: string | null; value_text: string }[]>`
      select metric, value::text, value_text from bi.pmp_summary_trend where metric_group = 'dbupdatestatus' and snapshot_day = ${day} order by metric`;
    expect(trend.map((t) => t.metric)).toEqual([
      'dbupdatestatus.is_auto_db_update_disabled', 'dbupdatestatus.last_db_update_status',
      'dbupdatestatus.last_db_update_time', 'dbupdatestatus.next_db_update_scheduled_time',
    ]);
    expect(trend.find((t) => t.metric === 'dbupdatestatus.last_db_update_time')?.value).toBe(String(status.last_db_update_time));
  });

  it('the week-on-week change of the DB update time shows in the trend', async () => {
    const [row] = await db.sql<{ baseline_day_7d: string; direction_7d: string }[]>`
      select baseline_day_7d::text, direction_7d from bi.pmp_summary_trend
      where metric = 'dbupdatestatus.last_db_update_time' and snapshot_day = ${DAYS[1]!}`;
    expect(row).toEqual({ baseline_day_7d: DAYS[0], direction_7d: 'up' });
  });

  it('maps last_patched_time and the per-kind counts through to bi.patch_compliance_device', async () => {
    const served = (await vendorGet(sim, 'api/1.4/patch/allsystems?pagelimit=1000')) as { message_response: { allsystems: Array<Record<string, unknown>> } };
    const systems = served.message_response.allsystems;
    const rows = await db.sql<Array<Record<string, unknown>>>`
      select vendor_id, (extract(epoch from last_patched_at) * 1000)::float8 as last_patched_ms, total_os, installed_os, total_third_party,
        installed_third_party, total_driver, installed_driver, total_bios, installed_bios, domain, agent_status, managed_status,
        (extract(epoch from date_added) * 1000)::float8 as date_added_ms, compliance_pct::float8 as compliance_pct, risk_level
      from bi.patch_compliance_device where source = 'pmp' order by vendor_id`;
    expect(rows.length).toBe(systems.length);
    const scan = (await vendorGet(sim, 'api/1.4/patch/scandetails?pagelimit=1000')) as { message_response: { scandetails: Array<Record<string, unknown>> } };
    const scanById = new Map(scan.message_response.scandetails.map((s) => [String(s.resource_id), s]));
    const dash = (v: unknown) => (v === '--' ? null : v);
    let patched = 0;
    for (const s of systems) {
      const row = rows.find((r) => r.vendor_id === String(s.resource_id))!;
      const sd = scanById.get(String(s.resource_id))!;
      if (typeof s.last_patched_time === 'number') patched += 1;
      expect(row).toMatchObject({
        last_patched_ms: dash(s.last_patched_time),
        total_os: s.total_ms_patches, installed_os: s.installed_ms_patches,
        total_third_party: s.total_tp_patches, installed_third_party: s.installed_tp_patches,
        total_driver: dash(s.total_driver_patches), installed_driver: dash(s.installed_driver_patches),
        total_bios: dash(s.total_bios_patches), installed_bios: dash(s.installed_bios_patches),
        domain: sd.domain_netbios_name, agent_status: sd.installation_status === 22 ? 'installed' : 'not_installed',
        managed_status: 'managed', date_added_ms: sd.agent_installed_on,
      });
      const kinds = ['ms', 'tp', 'driver', 'bios'].filter((k) => typeof s[`total_${k}_patches`] === 'number');
      const applicable = kinds.reduce((a, k) => a + (s[`total_${k}_patches`] as number), 0);
      const installed = kinds.reduce((a, k) => a + (s[`installed_${k}_patches`] as number), 0);
      expect(row.compliance_pct).toBe(applicable === 0 ? null : Math.round((10000 * installed) / applicable) / 100);
      expect(row.risk_level).toBe((s.critical_patch_count as number) > 0 ? 'critical' : (s.important_patch_count as number) > 0 ? 'important'
        : (s.moderate_patch_count as number) > 0 ? 'moderate' : row.risk_level);
    }
    expect(patched).toBeGreaterThan(0);
  });

  it.each([
    ['an error body with status 200', { errorAs200: { count: 1, error_code: '10022', path: '/api/1.4/patch/dbupdatestatus' } }, /error body/u],
    ['a 403', { forbiddenEndpoint: { path: '/api/1.4/patch/dbupdatestatus' } }, /403/u],
  ])('%s on dbupdatestatus leaves the run succeeded, the stream marked, and freshness read from the summary', async (_what, faults, reason) => {
    const day = _what.startsWith('a 403') ? '2025-07-10' : '2025-07-09';
    sim.setDay(day);
    sim.setFaults(faults);
    try {
      const result = await runCollect({ source: pmp, env: env(), date: day, today: day });
      expect(result).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok });
    } finally {
      sim.setFaults({});
    }
    const [run] = await db.sql<{ status: string; error_code: string | null; details: { supplementFailures: string[]; optionalFailures: string[] } }[]>`
      select status, error_code, details from ops.sync_runs order by run_id desc limit 1`;
    expect(run).toMatchObject({ status: 'succeeded', error_code: null });
    expect(run!.details.optionalFailures).toEqual([]);
    expect(run!.details.supplementFailures).toHaveLength(1);
    expect(run!.details.supplementFailures[0]).toMatch(/^dbupdatestatus: /u);
    const [stored] = await dbRow(day);
    expect(stored).toMatchObject({ last_db_update_status: null, last_ms: null, auto_update_disabled: null });
    expect(stored!.fetch_error).toMatch(reason);
    const [fresh] = await freshness(day);
    expect(fresh).toMatchObject({ vuln_db_basis: 'summary' });
    expect(fresh!.vuln_db_fetch_error).toMatch(reason);
    const [rule] = await db.sql<{ passed: boolean }[]>`
      select passed from bi.compliance_checks where rule_id = 'e8.vuln_db_fresh' and scope = 'estate' and snapshot_day = ${day}`;
    expect(rule?.passed).toBe(true);
    const [marked] = await db.sql<{ value_text: string }[]>`
      select value_text from bi.pmp_summary_trend where metric = 'dbupdatestatus.fetch_error' and snapshot_day = ${day}`;
    expect(marked?.value_text).toMatch(reason);
    // The devices were published as on any other night.
    const [devices] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.patch_compliance_device where source = 'pmp' and snapshot_day = ${day}`;
    expect(devices?.n).toBeGreaterThan(0);
  });
});
