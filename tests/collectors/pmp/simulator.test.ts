/** The PMP simulator serves what vendor-apis.md §3 and §5 describe, quirks included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEstate } from '../../../collectors/simulation/estate.js';
import type { PmpSimulator } from '../../../collectors/pmp/simulator/index.js';
import { START, collect, simulator } from './helpers.js';

let sim: PmpSimulator;
let token = '';
beforeAll(async () => {
  sim = await simulator({ devices: 80, seed: 21 });
  const res = await fetch(`${sim.url}/api/1.4/desktop/authentication`, {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password: Buffer.from('pw').toString('base64'), auth_type: 'local_authentication' }),
  });
  token = ((await res.json()) as { message_response: { authentication: { auth_data: { auth_token: string } } } }).message_response.authentication.auth_data.auth_token;
});
afterAll(async () => sim.close());

async function get(path: string): Promise<Record<string, any>> {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: token } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

describe('PMP simulator', () => {
  it('issues an upper-case GUID-like token, also from the older GET login', async () => {
    expect(token).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/u);
    const res = await fetch(`${sim.url}/api/1.3/desktop/authentication?username=admin&password=${Buffer.from('pw').toString('base64')}&auth_type=local_authentication`);
    expect((await res.json()) as object).toMatchObject({ status: 'success', message_type: 'authentication' });
  });

  it('pages with the envelope, 25 rows by default, pagelimit honoured up to 1000', async () => {
    const first = await get('/api/1.4/patch/scandetails');
    expect(first).toMatchObject({ message_type: 'scandetails', message_version: '1.4', status: 'success' });
    expect(first.message_response).toMatchObject({ total: 80, limit: 25, page: 1 });
    expect(first.message_response.scandetails).toHaveLength(25);
    const last = await get('/api/1.4/patch/scandetails?page=4&pagelimit=25');
    expect(last.message_response.scandetails).toHaveLength(5);
    const big = await get('/api/1.4/patch/allsystems?pagelimit=5000');
    expect(big.message_response.limit).toBe(1000);
    expect(big.message_response.allsystems).toHaveLength(80);
    const beyond = await get('/api/1.4/patch/allsystems?page=9');
    expect(beyond.message_response).toMatchObject({ total: 80, allsystems: [] });
  });

  it('emits dotted flat keys, "--" placeholders and epoch milliseconds', async () => {
    const rows = (await get('/api/1.4/patch/scandetails?pagelimit=100')).message_response.scandetails as Array<Record<string, unknown>>;
    const row = rows[0]!;
    expect(row['resource.name']).toBe(row.resource_name);
    expect(row['pmreshealthstatus.resource_id']).toBe(row.resource_id);
    expect(Object.keys(row).filter((k) => k.includes('.')).length).toBeGreaterThan(5);
    expect(row.agent_last_ds_contact_time).toBe('--');
    expect(typeof row.agent_last_contact_time).toBe('number');
    expect(row.agent_last_contact_time as number).toBeGreaterThan(1e12);
    const all = (await get('/api/1.4/patch/allsystems?pagelimit=100')).message_response.allsystems as Array<Record<string, unknown>>;
    expect(all.some((r) => r.missing_driver_patches === '--')).toBe(true);
    expect(all.every((r) => typeof r.critical_patch_count === 'number' && typeof r.missing_ms_patches === 'number')).toBe(true);
    expect(all.every((r) => [226, 227, 228, 229].includes(r.scan_status as number))).toBe(true);
  });

  it('filters by customerid on the MSP edition, and lists customers', async () => {
    const { customers } = await get('/dcapi/customers');
    expect(customers.length).toBeGreaterThan(0);
    let sum = 0;
    for (const c of customers as Array<{ customer_id: number }>) {
      const page = await get(`/api/1.4/patch/scandetails?customerid=${c.customer_id}&pagelimit=1000`);
      expect(page.message_response.scandetails.every((r: { customer_id: number }) => r.customer_id === c.customer_id)).toBe(true);
      sum += page.message_response.total as number;
    }
    expect(sum).toBe(80);
  });

  it('serves a summary consistent with its systems', async () => {
    const { summary } = (await get('/api/1.4/patch/summary')).message_response;
    expect(summary.system_summary.total_systems).toBe(80);
    const s = summary.system_summary;
    expect(s.healthy_systems + s.moderately_vulnerable_systems + s.highly_vulnerable_systems + s.health_unknown_systems).toBe(80);
    const p = summary.patch_scan_summary;
    expect(p.scanned_systems + p.unscanned_system_count).toBe(80);
    const sev = summary.missing_patch_severity_summary;
    const sum = sev.critical_count + sev.important_count + sev.moderate_count + sev.low_count + sev.unrated_count;
    expect(sev.total_count).toBe(sum);
    expect(summary.patch_summary.missing_patches - sum).toBeGreaterThanOrEqual(0);
    expect(summary.patch_summary.missing_patches - sum).toBeLessThanOrEqual(1);
  });

  it('serves dbupdatestatus in the documented shape, agreeing with the summary, ignoring the documented list parameters', async () => {
    const answer = await get('/api/1.4/patch/dbupdatestatus?page=1&pagelimit=25&customerid=1');
    expect(answer).toMatchObject({ message_type: 'dbupdatestatus', message_version: '1.4', status: 'success' });
    const status = answer.message_response.dbupdatestatus;
    expect(Object.keys(status).sort()).toEqual(['is_auto_db_update_disabled', 'last_db_update_status', 'last_db_update_time', 'next_db_update_scheduled_time']);
    const db = (await get('/api/1.4/patch/summary')).message_response.summary.vulnerability_db_summary;
    expect(status).toMatchObject({ last_db_update_status: db.last_db_update_status, last_db_update_time: db.last_db_update_time, is_auto_db_update_disabled: false });
    expect(status.next_db_update_scheduled_time).toBeGreaterThan(status.last_db_update_time);
    expect((await fetch(`${sim.url}/api/1.4/patch/dbupdatestatus`)).status).toBe(401);
  });

  it('answers error 10022 for dbupdatestatus on a server that does not serve it, and the collector goes on without it', async () => {
    const cloudish = await simulator({ devices: 20, seed: 5, dbUpdateStatus: 'unsupported' });
    try {
      const run = await collect(cloudish.config);
      expect(run.error).toBeNull();
      expect(run.optionalFailures).toEqual([]);
      expect(run.supplementFailures.map((f) => f.stream)).toEqual(['dbupdatestatus']);
      expect(run.vulnDbRows).toHaveLength(1);
      expect(run.vulnDbRows[0]!.fetchError).toMatch(/not supported by current server.*10022/u);
      expect(run.deviceRows).toHaveLength(20);
    } finally {
      await cloudish.close();
    }
  });

  it('answers a 401 without a token and lists server properties', async () => {
    expect((await fetch(`${sim.url}/api/1.4/patch/summary`)).status).toBe(401);
    const props = await get('/api/1.4/desktop/serverproperties');
    expect(props.message_response.serverproperties.branch_offices.length).toBeGreaterThan(0);
  });

  it('truth has the systems as its longest array, and overlaps the other vendors fleets', async () => {
    const truth = (await (await fetch(`${sim.url}/__simulator/truth`)).json()) as Record<string, unknown>;
    const lengths = Object.values(truth).filter(Array.isArray).map((a) => (a as unknown[]).length);
    expect((truth.systems as unknown[]).length).toBe(Math.max(...lengths));
    expect(truth.day).toBe(START);
    const estate = createEstate({ seed: 21, devices: 80, startDate: START });
    const pmpHosts = new Set(estate.fleetFor('pmp', START).map((m) => m.key));
    const shared = estate.fleetFor('ninjaone', START).filter((m) => pmpHosts.has(m.key));
    expect(shared.length).toBeGreaterThan(40);
  });

  it('moves to another day with churn', async () => {
    const before = (sim.truth() as { systems: Array<{ resource_id: number }> }).systems.map((s) => s.resource_id);
    const res = await fetch(`${sim.url}/__simulator/day`, { method: 'POST', body: JSON.stringify({ date: '2025-05-01' }) });
    expect(res.status).toBe(200);
    const after = (sim.truth() as { day: string; systems: Array<{ resource_id: number }> });
    expect(after.day).toBe('2025-05-01');
    expect(after.systems.map((s) => s.resource_id)).not.toEqual(before);
    sim.setDay(START);
  });

  it('refuses unknown fault switches values', async () => {
    const res = await fetch(`${sim.url}/__simulator/faults`, { method: 'POST', body: JSON.stringify({ htmlThrottle: { count: -1 } }) });
    expect(res.status).toBe(400);
  });
});
