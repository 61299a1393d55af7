/**
 * The simulator speaks NinjaOne as vendor-apis.md §1 and the §5 checklist describe it, quirks
 * included, and obeys the fixed simulator control of DESIGN.md §8.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNinjaOneSimulator, type NinjaOneSimulator, type NinjaOneTruth } from '../../../collectors/ninjaone/simulator/index.js';
import type { NinjaAgentDevice, NinjaDetailedDevice } from '../../../collectors/ninjaone/types.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
let clock = Date.UTC(2025, 5, 10);
let sim: NinjaOneSimulator;
let auth: Record<string, string>;
let truth: NinjaOneTruth;

async function token(path = '/ws/oauth/token', form: Record<string, string> = { grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scope: 'monitoring' }) {
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', headers: FORM, body: new URLSearchParams(form) });
  return { status: res.status, body: (await res.json()) as Record<string, string | number> };
}
async function get(path: string, headers = auth) {
  const res = await fetch(`${sim.url}${path}`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as unknown };
}

beforeAll(async () => {
  sim = await startNinjaOneSimulator({ devices: 300, seed: 11, date: '2025-06-10', now: () => clock });
  auth = { authorization: `Bearer ${String((await token()).body.access_token)}` };
  truth = sim.truth();
});
afterAll(async () => {
  await sim.close();
});

describe('auth', () => {
  it('serves both token paths and expires tokens after 3600 s', async () => {
    const other = await token('/oauth/token');
    expect(other).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, scope: 'monitoring' } });
    const header = { authorization: `Bearer ${String(other.body.access_token)}` };
    expect((await get('/v2/organizations', header)).status).toBe(200);
    clock += 3600_000;
    expect((await get('/v2/organizations', header)).status).toBe(401);
    expect((await get('/v2/organizations', auth)).status).toBe(401);
    auth = { authorization: `Bearer ${String((await token()).body.access_token)}` };
  });

  it('hands out rotating refresh tokens to the code flow', async () => {
    const code = await token('/ws/oauth/token', { grant_type: 'authorization_code', client_id: 'c', client_secret: 's', code: 'abc', redirect_uri: 'http://localhost/cb', scope: 'monitoring offline_access' });
    const refreshed = await token('/oauth/token', { grant_type: 'refresh_token', client_id: 'c', client_secret: 's', refresh_token: String(code.body.refresh_token) });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).not.toBe(code.body.refresh_token);
  });

  it('refuses a missing bearer token and non-GET calls with NinjaOne error bodies', async () => {
    expect(await get('/v2/devices-detailed', {})).toMatchObject({ status: 401, body: { resultCode: 'FAILURE' } });
    const post = await fetch(`${sim.url}/v2/devices-detailed`, { method: 'POST', headers: auth });
    expect(post.status).toBe(405);
  });
});

describe('lists', () => {
  it('serves every path under /v2 and /api/v2 alike', async () => {
    for (const path of ['devices-detailed?pageSize=5', 'organizations', 'locations?pageSize=3', `device/${truth.devices[0]!.id}`]) {
      expect((await get(`/api/v2/${path}`)).text).toBe((await get(`/v2/${path}`)).text);
    }
  });

  it('pages bare arrays by pageSize and after, ascending, with no totals or Link header', async () => {
    const first = await get('/v2/devices-detailed?pageSize=7');
    const page = first.body as NinjaDetailedDevice[];
    expect(page.map((d) => d.id)).toEqual(truth.devices.slice(0, 7).map((d) => d.id));
    expect(first.headers.get('link')).toBeNull();
    expect([...first.headers.keys()].filter((h) => /total|page/iu.test(h))).toEqual([]);
    const next = (await get(`/v2/devices-detailed?pageSize=7&after=${page[6]!.id}`)).body as NinjaDetailedDevice[];
    expect(next.map((d) => d.id)).toEqual(truth.devices.slice(7, 14).map((d) => d.id));
    const last = truth.devices[truth.devices.length - 1]!.id;
    expect((await get(`/v2/devices-detailed?pageSize=7&after=${last}`)).body).toEqual([]);
  });

  it('serves 100 items when pageSize is left out', async () => {
    expect((await get('/v2/devices-detailed')).body).toHaveLength(100);
  });

  it('filters devices with df by organization, class, id and state', async () => {
    const org = truth.devices[0]!.organizationId!;
    const ids = async (df: string) => ((await get(`/v2/devices-detailed?pageSize=1000&df=${encodeURIComponent(df)}`)).body as NinjaDetailedDevice[]).map((d) => d.id);
    expect(await ids(`org = ${org}`)).toEqual(truth.devices.filter((d) => d.organizationId === org).map((d) => d.id));
    expect(await ids('class in (VMWARE_VM_GUEST, HYPERV_VMM_GUEST)')).toEqual(truth.devices.filter((d) => d.deviceType === 'VMGuest').map((d) => d.id));
    expect(await ids(`id=${truth.devices[3]!.id}`)).toEqual([truth.devices[3]!.id]);
    expect(await ids('class eq WINDOWS_WORKSTATION AND offline')).toEqual(
      truth.devices.filter((d) => d.nodeClass === 'WINDOWS_WORKSTATION' && d.offline).map((d) => d.id));
    expect((await get('/v2/devices-detailed?df=colour%20%3D%20red')).status).toBe(400);
  });
});

describe('payload quirks', () => {
  it('omits null keys, prints fractional epoch seconds (some nine decimals) and says publicIP', async () => {
    const { text } = await get('/v2/devices-detailed?pageSize=300');
    expect(text).not.toContain('null');
    expect(text).not.toContain('"references"');
    expect(text).toMatch(/"lastContact":\d{10}\.\d{3}000000[,}]/u);
    expect(text).toMatch(/"lastContact":\d{10}\.\d{3}[,}]/u);
    expect(text).toContain('"publicIP":');
    expect(text).not.toContain('"publicIp"');
  });

  it('has the live quirks: duplicate MACs, 15-character Windows system names, an IP as ESXi dnsName, clock speeds in Hz', () => {
    const devices = truth.devices;
    expect(devices.some((d) => new Set(d.macAddresses).size < (d.macAddresses ?? []).length)).toBe(true);
    const windows = devices.filter((d) => d.nodeClass?.startsWith('WINDOWS_'));
    expect(windows.every((d) => d.systemName!.length <= 15)).toBe(true);
    expect(devices.filter((d) => d.deviceType === 'VMHost').every((d) => /^\d+\.\d+\.\d+\.\d+$/u.test(d.dnsName!))).toBe(true);
    const agents = devices.filter((d): d is NinjaAgentDevice => d.deviceType === 'AgentDevice');
    expect(agents.every((d) => d.processors!.every((p) => p.maxClockSpeed! > 1e8))).toBe(true);
    expect(devices.some((d) => d.displayName === undefined && !('displayName' in d))).toBe(true);
  });
});

describe('queries', () => {
  it('pages os-patches by cursor name, keeping the other filters, and ends with empty results', async () => {
    const expected = Object.values(truth.patches).flatMap((p) => p.osPatches).filter((r) => r.status === 'PENDING');
    let { body } = await get('/v2/queries/os-patches?status=PENDING&pageSize=40');
    const rows: unknown[] = [];
    let offset = 0;
    for (;;) {
      const page = body as { cursor: { name: string; offset: number; count: number; expires: number }; results: unknown[] };
      expect(page.cursor).toMatchObject({ offset, count: page.results.length });
      if (page.results.length === 0) break;
      rows.push(...page.results);
      offset += page.results.length;
      ({ body } = await get(`/v2/queries/os-patches?status=PENDING&pageSize=40&cursor=${page.cursor.name}`));
    }
    expect(rows).toEqual(expected);
  });

  it('filters install history by epoch-second or yyyy-MM-dd dates alike', async () => {
    const bySeconds = await get(`/v2/queries/os-patch-installs?pageSize=5000&installedAfter=${Date.UTC(2025, 4, 20) / 1000}`);
    const byDate = await get('/v2/queries/os-patch-installs?pageSize=5000&installedAfter=2025-05-20');
    expect((bySeconds.body as { results: unknown[] }).results).toEqual((byDate.body as { results: unknown[] }).results);
    expect((byDate.body as { results: unknown[] }).results.length).toBeGreaterThan(0);
  });
});

describe('simulator control', () => {
  it('moves days and switches faults over the admin endpoints', async () => {
    const before = await (await fetch(`${sim.url}/__simulator/truth`)).json() as NinjaOneTruth;
    expect(before.day).toBe('2025-06-10');
    const longest = Math.max(...Object.values(before).filter(Array.isArray).map((a: unknown[]) => a.length));
    expect(before.devices.length).toBe(longest);

    expect((await fetch(`${sim.url}/__simulator/day`, { method: 'POST', body: JSON.stringify({ date: '2025-06-15' }) })).status).toBe(200);
    expect(sim.truth().day).toBe('2025-06-15');
    // Back to the file's day: the other tests read the 2025-06-10 fleet, in whatever order they run.
    expect((await fetch(`${sim.url}/__simulator/day`, { method: 'POST', body: JSON.stringify({ date: '2025-06-10' }) })).status).toBe(200);
    expect((await fetch(`${sim.url}/__simulator/day`, { method: 'POST', body: JSON.stringify({ date: '2025-06-01' }) })).status).toBe(400);

    const faults = await fetch(`${sim.url}/__simulator/faults`, { method: 'POST', body: JSON.stringify({ rateLimit: { count: 1, retryAfterSeconds: 7 } }) });
    expect(faults.status).toBe(200);
    const limited = await get('/v2/organizations');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({ resultCode: 'FAILURE' });
    expect((await fetch(`${sim.url}/__simulator/faults`, { method: 'POST', body: JSON.stringify({ explode: 1 }) })).status).toBe(400);
    await fetch(`${sim.url}/__simulator/faults`, { method: 'POST', body: '{}' });
    expect((await get('/v2/organizations')).status).toBe(200);
  });
});
