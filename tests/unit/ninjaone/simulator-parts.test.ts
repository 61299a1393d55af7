import { describe, expect, it } from 'vitest';
import { FilterError, parseDeviceFilter } from '../../../collectors/ninjaone/simulator/filter.js';
import type { SimDevice } from '../../../collectors/ninjaone/simulator/fleet.js';
import { indexAfter } from '../../../collectors/ninjaone/simulator/fleet.js';
import { formatEpochSeconds, ninjaJson } from '../../../collectors/ninjaone/simulator/json.js';
import { createOAuthServer } from '../../../collectors/ninjaone/simulator/oauth.js';
import { parseVendorFaults } from '../../../collectors/ninjaone/simulator/faults.js';
import { parseDateFilter } from '../../../collectors/ninjaone/simulator/queries.js';
import type { SimRequest } from '../../../collectors/simulation/server.js';

const device = (over: Partial<SimDevice>): SimDevice => ({
  id: 1001, organizationId: 3, locationId: 21, nodeClass: 'WINDOWS_WORKSTATION', deviceType: 'AgentDevice',
  parentDeviceId: undefined, approvalStatus: 'APPROVED', offline: false, machine: {} as SimDevice['machine'], ...over,
});

describe('device filter (df)', () => {
  const fleet = [
    device({}),
    device({ id: 1002, organizationId: 4, nodeClass: 'WINDOWS_SERVER', offline: true }),
    device({ id: 1003, organizationId: 5, locationId: 41, nodeClass: 'MAC', approvalStatus: 'PENDING' }),
  ];
  const ids = (df: string) => fleet.filter(parseDeviceFilter(df)).map((d) => d.id);

  it.each([
    ['', [1001, 1002, 1003]],
    ['org = 3', [1001]],
    ['organization in (3, 5)', [1001, 1003]],
    ['class eq WINDOWS_WORKSTATION AND online', [1001]],
    ['class in (WINDOWS_WORKSTATION,MAC,LINUX_WORKSTATION)', [1001, 1003]],
    ['class != MAC', [1001, 1002]],
    ['id=1002', [1002]],
    ['status eq PENDING', [1003]],
    ['offline', [1002]],
    ['loc = 41 and org = 5', [1003]],
    ['org notin (3)', [1002, 1003]],
  ])('%s', (df, expected) => {
    expect(ids(df)).toEqual(expected);
  });

  it.each(['colour = red', 'org ~ 3', 'org in 3'])('rejects %s', (df) => {
    expect(() => parseDeviceFilter(df)).toThrow(FilterError);
  });
});

describe('json', () => {
  it('prints timestamps as fractional epoch seconds, some padded to nine decimals', () => {
    const printed = Array.from({ length: 40 }, (_, i) => formatEpochSeconds(1759136775.9 + i / 1000));
    expect(printed.some((p) => /^\d{10}\.\d{9}$/u.test(p) && p.endsWith('000000'))).toBe(true);
    expect(printed.some((p) => /^\d{10}\.\d{3}$/u.test(p))).toBe(true);
    for (const [i, p] of printed.entries()) expect(Math.round(Number(p) * 1000)).toBe(1759136775900 + i);
  });

  it('formats only timestamp keys and keeps everything else plain JSON', () => {
    const text = ninjaJson({ id: 5, lastContact: 1759136775.9, nested: [{ timestamp: 1.5, count: 2.5 }], name: 'a "b"' });
    expect(text).toMatch(/"lastContact":1759136775\.900(000000)?,/u);
    expect(text).toContain('"count":2.5');
    expect(JSON.parse(text)).toEqual({ id: 5, lastContact: 1759136775.9, nested: [{ timestamp: 1.5, count: 2.5 }], name: 'a "b"' });
  });
});

describe('oauth server', () => {
  let clock = 1_000_000;
  const oauth = createOAuthServer({ now: () => clock, lifetimeSeconds: () => 3600, rejectCredentials: () => false });
  const token = (form: string, type = 'application/x-www-form-urlencoded') => {
    const req: SimRequest = { method: 'POST', path: '/ws/oauth/token', query: new URLSearchParams(), headers: { 'content-type': type }, body: form, requestNumber: 1 };
    const res = oauth.handleToken(req);
    return { status: res.status, body: JSON.parse(String(res.body)) as Record<string, unknown> };
  };

  it('issues 3600 s bearer tokens for client credentials, without a refresh token, and refuses them after expiry', () => {
    const res = token('grant_type=client_credentials&client_id=a&client_secret=b&scope=monitoring');
    expect(res).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, scope: 'monitoring' } });
    expect(res.body.refresh_token).toBeUndefined();
    const header = `Bearer ${String(res.body.access_token)}`;
    expect(oauth.authorize(header)).toEqual(new Set(['monitoring']));
    clock += 3_599_000;
    expect(oauth.authorize(header)).not.toBeNull();
    clock += 1_000;
    expect(oauth.authorize(header)).toBeNull();
  });

  it('rotates refresh tokens on every use', () => {
    const first = token('grant_type=authorization_code&client_id=a&client_secret=b&code=c&redirect_uri=http://x&scope=monitoring offline_access');
    const rt = String(first.body.refresh_token);
    const second = token(`grant_type=refresh_token&client_id=a&client_secret=b&refresh_token=${rt}`);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(rt);
    expect(token(`grant_type=refresh_token&client_id=a&client_secret=b&refresh_token=${rt}`)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('answers OAuth errors', () => {
    expect(token('grant_type=client_credentials&client_id=a')).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(token('grant_type=password&client_id=a&client_secret=b')).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect(token('grant_type=client_credentials&client_id=a&client_secret=b&scope=everything')).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect(token('{"grant_type":"client_credentials"}', 'application/json')).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(oauth.authorize('Basic abc')).toBeNull();
    expect(oauth.authorize(undefined)).toBeNull();
  });
});

describe('small parts', () => {
  it('finds the first id after a cursor', () => {
    const items = [{ id: 3 }, { id: 7 }, { id: 9 }];
    expect([undefined, 0, 3, 5, 7, 9, 10].map((after) => indexAfter(items, after))).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });

  it('accepts date filters as epoch seconds or yyyy-MM-dd', () => {
    expect(parseDateFilter('1761955200', 'installedAfter')).toBe(1761955200000);
    expect(parseDateFilter('2025-11-01', 'installedAfter')).toBe(Date.UTC(2025, 10, 1));
    expect(parseDateFilter(null, 'installedAfter')).toBeUndefined();
    expect(() => parseDateFilter('yesterday', 'installedAfter')).toThrow();
  });

  it('validates fault switches and leaves the kit ones alone', () => {
    expect(parseVendorFaults({ rateLimit: { count: 1 }, skipPage: { page: 2 }, pageSizeCap: { max: 10 } })).toEqual({
      skipPage: { page: 2, path: 'devices-detailed', seen: 0 }, pageSizeCap: { max: 10 },
    });
    expect(parseVendorFaults({ repeatPage: { page: 3, path: '/api/v2/locations' } }).repeatPage?.path).toBe('locations');
    expect(() => parseVendorFaults({ explode: true })).toThrow(/unknown NinjaOne fault/u);
    expect(() => parseVendorFaults({ repeatPage: { page: 1 } })).toThrow();
  });
});
