/**
 * The PMP server's routes. Order of checks for an API call: throttle page, token, scope (403),
 * injected error body, unknown query parameters (HTML page, as for `limit` instead of `pagelimit`),
 * then the endpoint itself. Paging is `page` (1-based) + `pagelimit` (default 25, honoured to 1000).
 */
import type { SimRequest, SimResponse } from '../../simulation/server.js';
import { jsonResponse } from '../../simulation/server.js';
import type { SimAuth } from './auth.js';
import { isForbidden, takeErrorAs200, takeThrottle, type PmpFaults } from './faults.js';
import { ERROR_CODES, envelope, errorBody, throttlePage, unknownPage } from './responses.js';
import type { DayView } from './view.js';

export interface RouteState {
  view(): DayView;
  auth: SimAuth;
  faults(): PmpFaults;
  /** Whether this server serves /patch/dbupdatestatus (cloud servers may not). */
  dbStatus(): 'served' | 'unsupported';
}

const DEFAULT_PAGE_LIMIT = 25;
const MAX_PAGE_LIMIT = 1000;
const LIST_PARAMS = [
  'page', 'pagelimit', 'customerid', 'resid', 'domainfilter', 'branchofficefilter', 'customgroupfilter', 'platformfilter',
  'healthfilter', 'livestatusfilter', 'searchtype', 'searchcolumn', 'searchvalue', 'orderby', 'sortorder',
];

type Handler = (state: RouteState, req: SimRequest) => SimResponse;
interface Route { params: readonly string[]; handle: Handler }

const ROUTES: Readonly<Record<string, Route>> = {
  '/api/1.4/patch/summary': { params: ['customerid'], handle: summary },
  '/api/1.4/patch/allsystems': { params: LIST_PARAMS, handle: (s, r) => systems(s, r, 'allsystems') },
  '/api/1.4/patch/scandetails': { params: [...LIST_PARAMS, 'agentinstallationstatusfilter'], handle: (s, r) => systems(s, r, 'scandetails') },
  '/api/1.4/desktop/serverproperties': { params: ['customerid'], handle: serverProperties },
  '/dcapi/customers': { params: [], handle: customers },
  // The documented query parameters (search, sort, paging, customerid) are accepted and ignored: the
  // answer is one object, not a list [U: the docs list them without saying what they do here].
  '/api/1.4/patch/dbupdatestatus': {
    params: ['customerid', 'page', 'pagelimit', 'searchtype', 'searchcolumn', 'searchvalue', 'orderby', 'sortorder'],
    handle: dbUpdateStatus,
  },
};

export function handle(state: RouteState, req: SimRequest): SimResponse {
  const path = req.path.replace(/\/+$/u, '').replace(/^\/api\/1\.3\/patch\//u, '/api/1.4/patch/');
  if (takeThrottle(state.faults())) return throttlePage();
  if (path === '/api/1.4/desktop/authentication' && req.method === 'POST') return loginPost(state, req);
  if (path === '/api/1.3/desktop/authentication' && req.method === 'GET') return login(state, req.query.get('username') ?? undefined, req.query.get('password') ?? undefined);
  const route = ROUTES[path];
  if (!route || req.method !== 'GET') return unknownPage(`${req.method} ${req.path}`);

  state.auth.tick();
  const auth = state.auth.check(headerOf(req, 'authorization'));
  if (auth !== 'ok') {
    const why = auth === 'missing' ? 'Authorization header is missing' : auth === 'bearer' ? 'Invalid OAuth token (use Zoho-oauthtoken)' : 'Invalid or expired authentication token';
    return errorBody(401, ERROR_CODES.badToken, why);
  }
  if (isForbidden(state.faults(), path)) {
    return errorBody(403, ERROR_CODES.scope, 'The OAuth token or the user role does not permit this API');
  }
  const injected = takeErrorAs200(state.faults(), path);
  if (injected !== null) return errorBody(200, injected, injected === ERROR_CODES.notSupported ? 'API Endpoint is not supported by current server.' : 'Internal error occurred while processing the request.');
  const unknown = [...req.query.keys()].find((k) => !route.params.includes(k));
  if (unknown !== undefined) return unknownPage(`unknown parameter ${unknown}`);
  return route.handle(state, req);
}

function headerOf(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function loginPost(state: RouteState, req: SimRequest): SimResponse {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(req.body) as Record<string, unknown>;
  } catch {
    return errorBody(200, ERROR_CODES.badCredentials, 'Invalid input: the body must be JSON', 'authentication');
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return login(state, str(body.username), str(body.password));
}

function login(state: RouteState, username: string | undefined, password: string | undefined): SimResponse {
  const token = state.auth.login(username, password);
  if (token === null) return errorBody(200, ERROR_CODES.badCredentials, 'Invalid username or password', 'authentication');
  return jsonResponse(200, {
    message_type: 'authentication',
    message_response: { authentication: { auth_data: { auth_token: token } } },
    message_version: '1.4',
    status: 'success',
  });
}

function customerIdOf(req: SimRequest): number | null {
  const raw = req.query.get('customerid');
  return raw !== null && /^\d+$/u.test(raw) ? Number(raw) : null;
}

function summary(state: RouteState, req: SimRequest): SimResponse {
  return envelope('summary', { summary: state.view().summaryFor(customerIdOf(req)) });
}

/**
 * The vulnerability DB's update status [C: the field names and envelope are ManageEngine's sample
 * response]. The values come from the same daily sync the summary's vulnerability_db_summary reports,
 * so the two agree [U: PMP's docs do not say they share a source]; the next sync is scheduled a day
 * after the last [U]. A server started with `dbUpdateStatus: 'unsupported'` answers 10022 "not
 * supported" with HTTP 200, as a PMP Cloud tenant may [U: the PMP API page says "Not Applicable for
 * Cloud version" while the Endpoint Central cloud page documents the endpoint; what a real cloud
 * tenant answers is unknown; 10022 is what PMP answers for an endpoint it does not serve, seen live].
 */
function dbUpdateStatus(state: RouteState): SimResponse {
  const view = state.view();
  if (state.dbStatus() === 'unsupported') return errorBody(200, ERROR_CODES.notSupported, 'API Endpoint is not supported by current server.', 'dbupdatestatus');
  const db = view.summaryFor(null).vulnerability_db_summary;
  return envelope('dbupdatestatus', {
    dbupdatestatus: {
      last_db_update_status: db.last_db_update_status,
      next_db_update_scheduled_time: db.last_db_update_time + 86_400_000,
      is_auto_db_update_disabled: db.is_auto_db_update_disabled,
      last_db_update_time: db.last_db_update_time,
    },
  });
}

function intParam(req: SimRequest, name: string, fallback: number): number {
  const raw = req.query.get(name);
  return raw !== null && /^\d+$/u.test(raw) && Number(raw) > 0 ? Number(raw) : fallback;
}

function systems(state: RouteState, req: SimRequest, key: 'allsystems' | 'scandetails'): SimResponse {
  const rows = state.view().filtered(customerIdOf(req), req.query);
  const limit = Math.min(intParam(req, 'pagelimit', DEFAULT_PAGE_LIMIT), MAX_PAGE_LIMIT);
  const page = intParam(req, 'page', 1);
  const slice = rows.slice((page - 1) * limit, page * limit).map((r) => (key === 'allsystems' ? r.all : r.scan));
  return envelope(key, { total: rows.length, limit, page, [key]: slice });
}

function serverProperties(state: RouteState, req: SimRequest): SimResponse {
  const customerId = customerIdOf(req);
  const view = state.view();
  const offices = view.branchOffices.filter((b) => customerId === null || b.customer_id === customerId).map((b) => b.branch_office_name);
  const domains = [...new Set(view.scoped(customerId).map((r) => String(r.scan.domain_netbios_name)))].sort();
  return jsonResponse(200, {
    message_response: { serverproperties: { branch_offices: [...new Set(offices)], domains, custom_groups: ['All Computers Group', 'All Users Group'] } },
    status: 'success', message_version: '1.0', message_type: 'serverproperties',
  });
}

function customers(state: RouteState): SimResponse {
  const view = state.view();
  if (view.edition !== 'msp') return errorBody(200, ERROR_CODES.notSupported, 'API Endpoint is not supported by current server.');
  return jsonResponse(200, { customers: view.customers });
}
