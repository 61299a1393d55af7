/**
 * Request routing for the NinjaOne simulator: token endpoints, bearer checks, every API path under
 * both `/v2` and `/api/v2`, list paging by `pageSize` + `after` (bare arrays, no totals, no Link
 * header), query cursors, and NinjaOne-shaped errors `{resultCode, errorMessage, incidentId}`.
 */
import { randomUUID } from 'node:crypto';
import { jsonResponse, type SimRequest, type SimResponse } from '../../simulation/server.js';
import type { NinjaOsPatchRow } from '../types.js';
import { basicDevice, detailedDevice } from './devices.js';
import type { PageFault, VendorFaults } from './faults.js';
import { FilterError, parseDeviceFilter, type DevicePredicate } from './filter.js';
import { indexAfter, type FleetDay, type SimDevice } from './fleet.js';
import { ninjaJson } from './json.js';
import { TOKEN_PATHS, type OAuthServer } from './oauth.js';
import { osPatchInstallRows, osPatchRows } from './patches.js';
import { CursorError, matches, parseDateFilter, type CursorStore, type RowFilter, type RowSource } from './queries.js';

/** What a list endpoint serves when pageSize is absent (alga-psa#1493 reports 100; unconfirmed). */
const DEFAULT_LIST_PAGE_SIZE = 100;
const DEFAULT_QUERY_PAGE_SIZE = 1000;
const PREFIX = /^\/(?:api\/)?v2\/(.+?)\/?$/u;

export interface RouteState {
  day(): FleetDay;
  oauth: OAuthServer;
  cursors: CursorStore;
  faults: VendorFaults;
  /** The cursor each list path was last asked for, so a repeated page can serve the previous one. */
  lastAfter: Map<string, number | undefined>;
}

class HttpProblem extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export function ninjaError(status: number, message: string): SimResponse {
  return jsonResponse(status, { resultCode: 'FAILURE', errorMessage: message, incidentId: randomUUID() });
}

const HTML_PAGE = '<!DOCTYPE html><html><head><title>NinjaOne</title></head><body><h1>We will be back shortly</h1><p>Scheduled maintenance is in progress.</p></body></html>';

export function route(state: RouteState, req: SimRequest): SimResponse {
  const { faults } = state;
  if (faults.htmlPage && faults.htmlPage.count > 0) {
    faults.htmlPage.count -= 1;
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: HTML_PAGE };
  }
  if (TOKEN_PATHS.has(req.path)) return state.oauth.handleToken(req);
  const match = PREFIX.exec(req.path);
  if (!match) return ninjaError(404, `No resource at ${req.path}`);
  if (faults.expireTokens) {
    // "After n more requests": the (n+1)-th request finds every issued token revoked.
    if (faults.expireTokens.afterRequests === 0) {
      state.oauth.revokeAll();
      delete faults.expireTokens;
    } else {
      faults.expireTokens.afterRequests -= 1;
    }
  }
  const scopes = state.oauth.authorize(req.headers.authorization);
  if (scopes === null) return ninjaError(401, 'Unauthorized: access token is missing, invalid or expired');
  if (req.method !== 'GET') return ninjaError(405, `Method ${req.method} is not supported by this simulator`);
  if (!scopes.has('monitoring') && !scopes.has('management')) return ninjaError(403, 'Forbidden: the token lacks the monitoring scope');
  try {
    const body = dispatch(state, match[1]!, req.query);
    return body === undefined
      ? ninjaError(404, `No resource at ${req.path}`)
      : { status: 200, headers: { 'content-type': 'application/json' }, body: ninjaJson(body) };
  } catch (error) {
    if (error instanceof HttpProblem) return ninjaError(error.status, error.message);
    if (error instanceof FilterError || error instanceof CursorError) return ninjaError(400, error.message);
    throw error;
  }
}

function dispatch(state: RouteState, path: string, query: URLSearchParams): unknown {
  const day = state.day();
  switch (path) {
    case 'organizations': return listPage(state, path, day.organizations, query);
    case 'locations': return listPage(state, path, day.locations, query);
    case 'devices-detailed': return deviceList(state, path, day, query, parseDeviceFilter(query.get('df'))).map((d) => detailedDevice(day, d));
    case 'devices': return deviceList(state, path, day, query, parseDeviceFilter(query.get('df'))).map((d) => basicDevice(day, d));
    case 'queries/os-patches': return queryPage(state, day, query, osPatchRows, osPatchFilter(query));
    case 'queries/os-patch-installs': return queryPage(state, day, query, osPatchInstallRows, installFilter(query));
    default: return organizationOrDevice(state, path, day, query);
  }
}

function organizationOrDevice(state: RouteState, path: string, day: FleetDay, query: URLSearchParams): unknown {
  const device = /^device\/(\d+)$/u.exec(path);
  if (device) {
    const found = day.byId.get(Number(device[1]));
    if (!found) throw new HttpProblem(404, `Device ${device[1]} not found`);
    return detailedDevice(day, found);
  }
  const org = /^organization\/(\d+)\/(locations|devices)$/u.exec(path);
  if (!org) return undefined;
  const id = Number(org[1]);
  if (!day.organizations.some((o) => o.id === id)) throw new HttpProblem(404, `Organization ${id} not found`);
  if (org[2] === 'locations') {
    return day.locations.filter((l) => l.organizationId === id).map(({ organizationId: _org, ...location }) => location);
  }
  return deviceList(state, path, day, query, (d) => d.organizationId === id).map((d) => basicDevice(day, d));
}

interface PageRequest { pageSize: number; after: number | undefined; skip: number }

/** pageSize/after, the page-size cap and the one-shot repeat/skip faults of one list request. */
function pageRequest(state: RouteState, path: string, query: URLSearchParams): PageRequest {
  const requested = intParam(query, 'pageSize') ?? DEFAULT_LIST_PAGE_SIZE;
  if (requested < 1) throw new HttpProblem(400, 'pageSize must be a positive integer');
  const pageSize = Math.min(requested, state.faults.pageSizeCap?.max ?? Number.POSITIVE_INFINITY);
  let after = intParam(query, 'after');
  let skip = 0;
  const { faults } = state;
  if (hits(faults.repeatPage, path)) {
    after = state.lastAfter.get(path);
    delete faults.repeatPage;
  } else if (hits(faults.skipPage, path)) {
    skip = pageSize;
    delete faults.skipPage;
  }
  state.lastAfter.set(path, intParam(query, 'after'));
  return { pageSize, after, skip };
}

function hits(fault: PageFault | undefined, path: string): boolean {
  if (fault === undefined || fault.path !== path) return false;
  fault.seen += 1;
  return fault.seen === fault.page;
}

function listPage<T extends { id: number }>(state: RouteState, path: string, items: readonly T[], query: URLSearchParams): T[] {
  const { pageSize, after, skip } = pageRequest(state, path, query);
  const start = indexAfter(items, after) + skip;
  return items.slice(start, start + pageSize);
}

function deviceList(state: RouteState, path: string, day: FleetDay, query: URLSearchParams, keep: DevicePredicate): SimDevice[] {
  const { pageSize, after, skip } = pageRequest(state, path, query);
  const out: SimDevice[] = [];
  let skipped = 0;
  for (let i = indexAfter(day.devices, after); i < day.devices.length && out.length < pageSize; i++) {
    const device = day.devices[i]!;
    if (!keep(device)) continue;
    if (skipped < skip) skipped += 1;
    else out.push(device);
  }
  return out;
}

function queryPage(state: RouteState, day: FleetDay, query: URLSearchParams, rowsOf: RowSource, keep: RowFilter): unknown {
  const requested = intParam(query, 'pageSize') ?? DEFAULT_QUERY_PAGE_SIZE;
  if (requested < 1) throw new HttpProblem(400, 'pageSize must be a positive integer');
  const pageSize = Math.min(requested, state.faults.pageSizeCap?.max ?? Number.POSITIVE_INFINITY);
  let name = query.get('cursor');
  if (name === null || name === '') {
    const df = parseDeviceFilter(query.get('df'));
    name = state.cursors.open(day, day.devices.filter(df), rowsOf, keep);
  }
  return state.cursors.page(name, pageSize);
}

function osPatchFilter(query: URLSearchParams): RowFilter {
  const status = query.get('status');
  const type = query.get('type');
  const severity = query.get('severity');
  return (row) => matches(row.status, status) && matches(row.type, type) && matches(row.severity, severity);
}

function installFilter(query: URLSearchParams): RowFilter {
  const status = query.get('status');
  const before = parseDateFilter(query.get('installedBefore'), 'installedBefore');
  const after = parseDateFilter(query.get('installedAfter'), 'installedAfter');
  return (row: NinjaOsPatchRow) => {
    const at = (row.installedAt ?? 0) * 1000;
    return matches(row.status, status) && (before === undefined || at < before) && (after === undefined || at >= after);
  };
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^-?\d+$/u.test(value)) throw new HttpProblem(400, `${name} must be an integer`);
  return Number(value);
}
