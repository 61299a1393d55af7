/** The simulator is faithful to vendor-apis.md §2 and §5, quirks included. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../../collectors/threatlocker/simulator/index.js';
import type { TlComputer, TlOrganization } from '../../../collectors/threatlocker/types.js';

const DAY0 = '2025-05-01';
const CONFIRMED_FIELDS = [
  'computerId', 'computerName', 'hostname', 'group', 'computerGroupId', 'organization', 'organizationId', 'operatingSystem',
  'ipOperatingSystem', 'osType', 'action', 'mode', 'maintenanceTypeId', 'maintenanceEndDate', 'startDateTime', 'maintenenceBannerIds',
  'lastCheckin', 'lastCheckinIPAddress', 'lastCheckinLocalIPAddresses', 'hasAtLeastOneCheckin', 'dateAdded', 'installDate',
  'threatLockerVersion', 'threatLockerVersionId', 'serviceVersion', 'newThreatLockerVersion', 'targetThreatLockerVersion',
  'versionMajor', 'versionMinor', 'hasUnknownVersion', 'denyCountOneDay', 'denyCountThreeDays', 'denyCountSevenDays',
  'hasZeroDeniesFourDays', 'username', 'isDeleted', 'isIsolated', 'isIsolationMode', 'isLockDownMode', 'isLockedOut',
  'isTamperProtectionDisabled', 'isOpsAlertsDisabled', 'isReadyToSecure', 'isNeededReview', 'isInheritFromGroup',
  'isLearningMoreThanFourDays', 'isLearningModeMoreThanSeven', 'isLearningModeLongerThanFiveYears', 'hasInstalationAtLeastSevenDaysAgo',
  'hasComputerPassword', 'hasConfigManagerProduct', 'restartComputerNeeded', 'shouldRestart', 'uploadBaseFile', 'progressBarLearning',
  'driverStatusString', 'application', 'appliesToType', 'totalRows',
];

describe('threatlocker simulator', () => {
  let sim: ThreatLockerSimulator;
  let parent: string;
  const call = async (path: string, body: unknown, headers: Record<string, string> = {}, method = 'POST') => {
    // Headers.set is case-insensitive, so an override in another letter case replaces the default.
    const merged = new Headers({ authorization: 'raw-token', managedorganizationid: parent, 'content-type': 'application/json' });
    for (const [name, value] of Object.entries(headers)) merged.set(name, value);
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: merged,
      ...(method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) as unknown };
  };
  const computers = (body: object, headers: Record<string, string> = {}) =>
    call('/portalapi/Computer/ComputerGetByAllParameters', { pageNumber: 1, pageSize: 1000, childOrganizations: true, ...body }, headers);

  beforeAll(async () => {
    sim = await startThreatLockerSimulator({ devices: 400, seed: 11, date: DAY0 });
    parent = sim.config['THREATLOCKER_ORGANIZATION_ID']!;
  });
  afterAll(async () => sim.close());

  it('matches /portalapi/ paths in any letter case', async () => {
    for (const path of ['/portalapi/Computer/ComputerGetByAllParameters', '/portalApi/computer/computergetbyallparameters', '/PORTALAPI/COMPUTER/COMPUTERGETBYALLPARAMETERS']) {
      const r = await call(path, { pageNumber: 1, pageSize: 5, childOrganizations: true });
      expect([path, r.status]).toEqual([path, 200]);
      expect(r.body).toHaveLength(5);
    }
  });

  it('wants the raw token: a Bearer prefix or no token gets 401 with the vendor error body', async () => {
    for (const authorization of ['Bearer raw-token', 'bearer raw-token', '']) {
      const r = await computers({}, { authorization });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ StatusCode: 401, Message: expect.any(String) as string, LoggerId: expect.stringMatching(/^[0-9a-f-]{36}$/u) as string });
    }
  });

  it('acts as the org in managedOrganizationId or OverrideManagedOrganizationId, any header case', async () => {
    const child = sim.truth().organizations[0]!;
    const own = sim.truth().computers.filter((c) => c.organizationId === child.organizationId).length;
    for (const headers of [{ ManagedOrganizationId: child.organizationId }, { MANAGEDORGANIZATIONID: child.organizationId.toUpperCase() },
      { managedorganizationid: parent, OverrideManagedOrganizationId: child.organizationId }]) {
      const r = await computers({ childOrganizations: false }, headers);
      expect(r.status).toBe(200);
      expect((r.body as TlComputer[]).length).toBe(own);
      expect((r.body as TlComputer[]).every((c) => c.organizationId === child.organizationId)).toBe(true);
    }
    // An organization it does not know is taken as the token's own, like any credential (DESIGN.md §8)...
    const stranger = '11111111-2222-4333-8444-555555555555';
    const unknown = await computers({ childOrganizations: true }, { managedorganizationid: stranger });
    expect(unknown.status).toBe(200);
    expect((unknown.body as TlComputer[]).length).toBe(((await computers({ childOrganizations: true })).body as TlComputer[]).length);
    // ...unless the forbiddenOrg switch puts it out of the token's scope: then the real 403.
    sim.setFaults({ forbiddenOrg: { organizationId: stranger } });
    const forbidden = await computers({}, { managedorganizationid: stranger });
    sim.setFaults({});
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ StatusCode: 403 });
  });

  it('lists child organizations\' computers only with childOrganizations: true', async () => {
    expect((await computers({ childOrganizations: false })).body).toEqual([]);
    expect((await computers({})).body).toHaveLength(400);
  });

  it('returns bare arrays with totalRows on every row and both header forms', async () => {
    const r = await computers({ pageNumber: 3, pageSize: 30 });
    const rows = r.body as TlComputer[];
    expect(Array.isArray(rows)).toBe(true);
    expect(rows.every((c) => c.totalRows === 400)).toBe(true);
    expect(JSON.parse(r.headers.get('pagination')!)).toEqual({ currentPage: 3, itemsPerPage: 30, totalItems: 400, totalPages: 14 });
    expect([r.headers.get('totalitems'), r.headers.get('totalpages'), r.headers.get('firstitem'), r.headers.get('lastitem')]).toEqual(['400', '14', '61', '90']);
  });

  it('serves the confirmed computer field set with ISO Z timestamps and every mode', async () => {
    const rows = (await computers({})).body as TlComputer[];
    for (const field of CONFIRMED_FIELDS) expect(rows.every((c) => field in c), field).toBe(true);
    const stamps = rows.flatMap((c) => [c.lastCheckin, c.dateAdded, c.installDate, c.maintenanceEndDate, c.startDateTime]).filter((s) => s !== null);
    expect(stamps.every((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$/u.test(String(s)))).toBe(true);
    expect(stamps.some((s) => String(s).includes('.'))).toBe(true);
    expect(new Set(rows.map((c) => c.action))).toEqual(new Set(['Secure', 'Learning', 'Installation', 'MonitorOnly']));
    expect(rows.filter((c) => c.action === 'Secure').every((c) => c.maintenanceTypeId === 0 && c.maintenanceEndDate === null)).toBe(true);
    expect(new Set(rows.map((c) => c.osType))).toEqual(new Set([1, 2, 3]));
    expect(rows.some((c) => c.operatingSystem!.endsWith(' '))).toBe(true);
    expect(rows.some((c) => / \| /u.test(c.computerName!))).toBe(true);
    expect(rows.some((c) => !('serialNumber' in c))).toBe(true);
  });

  it('orders, searches and filters as asked', async () => {
    const asc = (await computers({ orderBy: 'computername' })).body as TlComputer[];
    const names = asc.map((c) => c.computerName!.toLowerCase());
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const desc = (await computers({ orderBy: 'computername', isAscending: false })).body as TlComputer[];
    expect(desc.map((c) => c.computerName!.toLowerCase())).toEqual([...names].reverse());
    const host = asc[7]!.hostname!;
    const found = (await computers({ searchText: host.toLowerCase(), searchBy: 1 })).body as TlComputer[];
    expect(found.map((c) => c.computerId)).toContain(asc[7]!.computerId);
    expect(found.every((c) => c.totalRows === found.length)).toBe(true);
    const learning = (await computers({ action: 'Learning', kindOfAction: 'Computer Mode' })).body as TlComputer[];
    expect(learning.length).toBeGreaterThan(0);
    expect(learning.every((c) => c.action === 'Learning')).toBe(true);
  });

  it('lists deleted computers only with showDeleted: true', async () => {
    sim.setDay('2025-05-04');
    try {
      const live = (await computers({})).body as TlComputer[];
      const withDeleted = (await computers({ showDeleted: true })).body as TlComputer[];
      const deleted = withDeleted.filter((c) => c.isDeleted);
      expect(deleted.length).toBeGreaterThan(0);
      expect(withDeleted.length).toBe(live.length + deleted.length);
      expect(live.every((c) => c.isDeleted === false)).toBe(true);
    } finally {
      sim.setDay(DAY0);
    }
  });

  it('lists child organizations only with childOrganizations: true, paged in the body', async () => {
    const path = '/portalapi/Organization/OrganizationGetChildOrganizationsByParameters';
    expect((await call(path, { pageNumber: 1, pageSize: 100 })).body).toEqual([]);
    const all = (await call(path, { pageNumber: 1, pageSize: 100, childOrganizations: true, includeAllChildren: true })).body as TlOrganization[];
    expect(all).toEqual(sim.truth().organizations);
    const second = (await call(path, { pageNumber: 2, pageSize: 2, childOrganizations: true })).body as TlOrganization[];
    expect(second).toEqual(all.slice(2, 4));
    expect(all.every((o) => /Z$/u.test(o.dateAdded!) && typeof o.computerCount === 'number')).toBe(true);
  });

  it('answers errors as ThreatLocker does: 417 validation, 500, 405, 404', async () => {
    expect(await computers({ pageNumber: 0 })).toMatchObject({ status: 417, body: { StatusCode: 417, Message: 'Invalid Page Number' } });
    expect(await computers({ orderBy: 'serial' })).toMatchObject({ status: 417, body: { StatusCode: 417 } });
    expect(await call('/portalapi/Computer/ComputerGetByAllParameters', 'not json')).toMatchObject({ status: 500, body: { StatusCode: 500 } });
    expect((await call('/portalapi/Computer/ComputerGetByAllParameters', undefined, {}, 'GET')).status).toBe(405);
    expect((await call('/portalapi/Computer/NoSuchThing', {})).status).toBe(404);
    sim.setFaults({ serverErrors: { count: 1, status: 500 } });
    expect(await computers({})).toMatchObject({ status: 500, body: { StatusCode: 500, LoggerId: expect.any(String) as string } });
    sim.setFaults({});
  });

  it('overlaps the NinjaOne fleet of the same seed: mostly the same hosts, some in one tool only', () => {
    const ninja = new Set(sim.estate.fleetFor('ninjaone', DAY0).map((m) => m.hostname.slice(0, 15)));
    const tl = sim.truth().computers.map((c) => c.hostname!);
    const shared = tl.filter((h) => ninja.has(h)).length;
    expect(shared / tl.length).toBeGreaterThan(0.8);
    expect(shared).toBeLessThan(tl.length);
    expect(sim.estate.fleetFor('ninjaone', DAY0).some((m) => !tl.includes(m.hostname.slice(0, 15)))).toBe(true);
  });

  it('is deterministic per seed, and its truth over HTTP has computers as the longest array', async () => {
    const twin = await startThreatLockerSimulator({ devices: 400, seed: 11, date: DAY0 });
    try {
      expect(twin.truth()).toEqual(sim.truth());
    } finally {
      await twin.close();
    }
    const truth = await (await fetch(`${sim.url}/__simulator/truth`)).json() as Record<string, unknown>;
    const arrays = Object.entries(truth).filter(([, v]) => Array.isArray(v)).map(([k, v]) => [k, (v as unknown[]).length] as const);
    expect(arrays.sort((a, b) => b[1] - a[1])[0]![0]).toBe('computers');
    expect(truth).toEqual(JSON.parse(JSON.stringify(sim.truth())));
  });

  it('moves days over POST /__simulator/day and refuses a day before day 0', async () => {
    const r = await fetch(`${sim.url}/__simulator/day`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ date: '2025-05-03' }) });
    expect(r.status).toBe(200);
    expect(sim.truth().day).toBe('2025-05-03');
    expect(() => sim.setDay('2025-04-01')).toThrow();
    expect(sim.truth().day).toBe('2025-05-03');
    sim.setDay(DAY0);
  });
});
