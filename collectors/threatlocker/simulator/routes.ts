/**
 * The ThreatLocker Portal API as the simulator serves it (vendor-apis.md §2 and §5): paths matched
 * case-insensitively under /portalapi/, the raw token in `Authorization` (a Bearer prefix is
 * refused), the tenant from `managedOrganizationId` / `OverrideManagedOrganizationId` in any letter
 * case, body paging, bare arrays with `totalRows` and both header forms, and
 * `{LoggerId, StatusCode, Message}` errors.
 */
import { jsonResponse, type SimRequest, type SimResponse } from '../../simulation/server.js';
import { ZERO_GUID, type TlComputer, type TlErrorBody, type TlOrganization } from '../types.js';
import { guidOf } from './ids.js';
import { filterComputers, isKnownOrderBy, pageOf, sortComputers, type ComputerQuery, type PagingFaults } from './query.js';
import type { TenantDay } from './tenant.js';

export interface VendorFaults extends PagingFaults {
  /** 401 for every request, whatever the token. */
  badToken?: boolean;
  /** 403 when acting as this organization (default: the parent). */
  forbiddenOrg?: { organizationId?: string };
  /** 417 validation errors on the computer list; `count` requests (default every one). */
  invalid417?: { count?: number; message?: string };
}

export interface RouteState {
  tenant(): TenantDay;
  faults: VendorFaults;
  seed: number;
  /** Errors served so far (each gets its own LoggerId). */
  errors: number;
  /** The latest filtered and sorted listing: sorting the fleet per page would be quadratic over a run. */
  cache?: { key: string; tenant: TenantDay; rows: TlComputer[] };
  /** The latest request bodies, so tests can check what a collector sent (bounded). */
  bodies: Array<{ path: string; body: unknown }>;
}

const BODY_LOG_LIMIT = 2000;

const COMPUTERS = '/portalapi/computer/computergetbyallparameters';
const CHILDREN = '/portalapi/organization/organizationgetchildorganizationsbyparameters';
export function tlError(state: Pick<RouteState, 'seed' | 'errors'>, status: number, message: string): SimResponse {
  state.errors += 1;
  const body: TlErrorBody = { LoggerId: guidOf(state.seed, 'logger', state.errors), StatusCode: status, Message: message };
  return jsonResponse(status, body);
}

export function route(state: RouteState, req: SimRequest): SimResponse {
  const path = req.path.toLowerCase().replace(/\/+$/u, '');
  if (!path.startsWith('/portalapi/')) return { status: 404, headers: { 'content-type': 'text/plain' }, body: '' };
  const auth = header(req, 'authorization');
  if (state.faults.badToken || !auth || auth.trim() === '' || /^bearer\s/iu.test(auth)) {
    return tlError(state, 401, 'Authorization has been denied for this request.');
  }
  if (path !== COMPUTERS && path !== CHILDREN) return { status: 404, headers: { 'content-type': 'text/plain' }, body: '' };
  if (req.method !== 'POST') return tlError(state, 405, `The requested resource does not support http method '${req.method}'.`);
  const tenant = state.tenant();
  const scope = actingOrganization(state, tenant, req);
  if (typeof scope !== 'string') return scope;
  const body = parseBody(req.body);
  state.bodies.push({ path, body: body ?? req.body });
  if (state.bodies.length > BODY_LOG_LIMIT) state.bodies.shift();
  if (body === undefined) return tlError(state, 500, 'Object reference not set to an instance of an object.');
  const paging = pagingOf(body);
  if (typeof paging === 'string') return tlError(state, 417, paging);
  return path === COMPUTERS ? computers(state, tenant, scope, body, paging) : children(tenant, scope, body, paging);
}

function header(req: SimRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The organization a call acts as: the override header, else the managed header, else the token's own
 * (the parent). Like its credentials, the simulator accepts any organization id it does not know as
 * the token's own (DESIGN.md §8: any non-empty credentials unless told otherwise), so a collector
 * configured with any parent GUID works; the forbiddenOrg fault gives the real 403 for an id out of scope.
 */
function actingOrganization(state: RouteState, tenant: TenantDay, req: SimRequest): string | SimResponse {
  const asked = (header(req, 'overridemanagedorganizationid') ?? header(req, 'managedorganizationid') ?? '').trim().toLowerCase();
  const known = asked === tenant.parent.organizationId || tenant.children.some((c) => c.organizationId === asked);
  const id = known ? asked : tenant.parent.organizationId;
  const forbidden = state.faults.forbiddenOrg;
  const forbiddenId = forbidden ? (forbidden.organizationId ?? tenant.parent.organizationId).toLowerCase() : undefined;
  if (forbiddenId !== undefined && (forbiddenId === id || forbiddenId === asked)) {
    return tlError(state, 403, 'You do not have permission to access this organization.');
  }
  return id;
}

function parseBody(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface Paging { pageNumber: number; pageSize: number }

/** Swagger defaults (page 1 of 25) when absent; the 417 wording for bad values is a guess. */
function pagingOf(body: Record<string, unknown>): Paging | string {
  const pageNumber = body['pageNumber'] ?? 1;
  const pageSize = body['pageSize'] ?? 25;
  if (typeof pageNumber !== 'number' || !Number.isInteger(pageNumber) || pageNumber < 1) return 'Invalid Page Number';
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1) return 'Invalid Page Size';
  return { pageNumber, pageSize };
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : v === null || v === undefined ? fallback : String(v));
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

function computers(state: RouteState, tenant: TenantDay, scope: string, body: Record<string, unknown>, paging: Paging): SimResponse {
  const invalid = state.faults.invalid417;
  if (invalid && (invalid.count === undefined || invalid.count > 0)) {
    if (invalid.count !== undefined) invalid.count -= 1;
    return tlError(state, 417, invalid.message ?? 'Invalid Parameters');
  }
  const query: ComputerQuery = {
    searchText: str(body['searchText'], ''),
    searchBy: typeof body['searchBy'] === 'number' ? body['searchBy'] : null,
    computerGroup: str(body['computerGroup'], ZERO_GUID),
    computerId: str(body['computerId'], ZERO_GUID),
    orderBy: str(body['orderBy'], 'computername'),
    isAscending: bool(body['isAscending'], true),
    action: str(body['action'], ''),
    kindOfAction: str(body['kindOfAction'], ''),
    threatlockerVersion: str(body['threatlockerVersion'], 'All'),
    showDeleted: bool(body['showDeleted'], false),
  };
  if (!isKnownOrderBy(query.orderBy)) return tlError(state, 417, 'Invalid Order By');
  const childOrganizations = bool(body['childOrganizations'], false);
  const key = JSON.stringify({ scope, childOrganizations, query });
  if (!state.cache || state.cache.key !== key || state.cache.tenant !== tenant) {
    const rows = scoped(tenant, scope, childOrganizations, query.showDeleted);
    state.cache = { key, tenant, rows: sortComputers(filterComputers(rows, query), query.orderBy, query.isAscending) };
  }
  const listing = state.cache.rows;
  const page = pageOf(listing, paging.pageNumber, paging.pageSize, state.faults);
  return jsonResponse(200, page.rows, pagingHeaders(paging, listing.length, page.offset, page.rows.length));
}

/** The parent's own computers, or with childOrganizations its descendants' too (the simulator's parent has none of its own). */
function scoped(tenant: TenantDay, scope: string, childOrganizations: boolean, showDeleted: boolean): TlComputer[] {
  const all = showDeleted ? [...tenant.computers, ...tenant.deleted()] : tenant.computers;
  if (scope === tenant.parent.organizationId) return childOrganizations ? all : all.filter((c) => c.organizationId === scope);
  return all.filter((c) => c.organizationId === scope);
}

/** Children of the acting org; T5 (live) says the list is empty unless childOrganizations is true. */
function children(tenant: TenantDay, scope: string, body: Record<string, unknown>, paging: Paging): SimResponse {
  const listed = bool(body['childOrganizations'], false) && scope === tenant.parent.organizationId ? tenant.children : [];
  const text = str(body['searchText'], '').trim().toLowerCase();
  const matching = text === '' ? listed : listed.filter((o) => `${o.name ?? ''} ${o.displayName ?? ''}`.toLowerCase().includes(text));
  const sorted = sortOrganizations(matching, str(body['orderBy'], 'name'), bool(body['isAscending'], true));
  const offset = (paging.pageNumber - 1) * paging.pageSize;
  const rows = sorted.slice(offset, offset + paging.pageSize);
  return jsonResponse(200, rows, pagingHeaders(paging, sorted.length, offset, rows.length));
}

function sortOrganizations(rows: readonly TlOrganization[], orderBy: string, ascending: boolean): TlOrganization[] {
  const key = (o: TlOrganization): string => {
    switch (orderBy.toLowerCase()) {
      case 'dateadded': return o.dateAdded ?? '';
      case 'businessclassificationname': return (o.businessClassificationName ?? '').toLowerCase();
      default: return (o.name ?? '').toLowerCase();
    }
  };
  const dir = ascending ? 1 : -1;
  return [...rows].sort((a, b) => {
    const ka = key(a), kb = key(b);
    return ka < kb ? -dir : ka > kb ? dir : a.organizationId < b.organizationId ? -1 : 1;
  });
}

/** Both reported header forms (T5 `pagination` JSON, T6 separate headers), always true to the listing. */
function pagingHeaders(paging: Paging, total: number, offset: number, count: number): Record<string, string> {
  const totalPages = Math.ceil(total / paging.pageSize);
  return {
    pagination: JSON.stringify({ currentPage: paging.pageNumber, itemsPerPage: paging.pageSize, totalItems: total, totalPages }),
    totalItems: String(total),
    totalPages: String(totalPages),
    firstItem: String(count === 0 ? 0 : offset + 1),
    lastItem: String(count === 0 ? 0 : offset + count),
  };
}
