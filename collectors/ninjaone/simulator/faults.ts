/**
 * Fault switches. The kit applies the generic ones (rateLimit, serverErrors, truncateBody,
 * latencyMs) to faults set over HTTP; Simulator.setFaults() is a direct call, so for it the same
 * switches are applied here with the kit's own parser. The NinjaOne-specific ones:
 *
 * - `expireTokens: {afterRequests}`: after that many more API requests every issued access token is
 *   revoked (401), once: token expiry in the middle of paging.
 * - `tokenLifetimeSeconds`: expires_in of tokens issued from now on (default 3600).
 * - `repeatPage: {page, path?}`: the page-th request to a list endpoint (default devices-detailed)
 *   serves the previous page again, once.
 * - `skipPage: {page, path?}`: the page-th request skips a page (serves the one after), once.
 * - `pageSizeCap: {max}`: list and query endpoints serve at most max items per page, silently.
 * - `htmlPage: {count}`: the next count API requests get a 200 HTML page (a proxy or maintenance page).
 * - `rejectCredentials: true`: the token endpoint refuses every client (401 invalid_client).
 */

const GENERIC = new Set(['rateLimit', 'serverErrors', 'truncateBody', 'latencyMs']);

export interface PageFault { page: number; path: string; seen: number }
export interface VendorFaults {
  expireTokens?: { afterRequests: number };
  tokenLifetimeSeconds?: number;
  repeatPage?: PageFault;
  skipPage?: PageFault;
  pageSizeCap?: { max: number };
  htmlPage?: { count: number };
  rejectCredentials?: boolean;
}

export function parseVendorFaults(input: Record<string, unknown>): VendorFaults {
  const out: VendorFaults = {};
  for (const [name, value] of Object.entries(input)) {
    if (GENERIC.has(name) || value === undefined || value === null || value === false) continue;
    switch (name) {
      case 'expireTokens': out.expireTokens = { afterRequests: intField(value, name, 'afterRequests', 0) }; break;
      case 'tokenLifetimeSeconds': out.tokenLifetimeSeconds = int(value, name, 1); break;
      case 'repeatPage': out.repeatPage = pageFault(value, name, 2); break;
      case 'skipPage': out.skipPage = pageFault(value, name, 1); break;
      case 'pageSizeCap': out.pageSizeCap = { max: intField(value, name, 'max', 1) }; break;
      case 'htmlPage': out.htmlPage = { count: intField(value, name, 'count', 0) }; break;
      case 'rejectCredentials': out.rejectCredentials = value === true; break;
      default:
        throw new Error(`unknown NinjaOne fault "${name}" (known: expireTokens, tokenLifetimeSeconds, repeatPage, skipPage, pageSizeCap, htmlPage, rejectCredentials, and the kit's ${[...GENERIC].join(', ')})`);
    }
  }
  return out;
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function int(value: unknown, name: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
  return value;
}

function intField(value: unknown, name: string, field: string, min: number): number {
  return int(objectOf(value, name)[field], `${name}.${field}`, min);
}

function pageFault(value: unknown, name: string, min: number): PageFault {
  const path = objectOf(value, name).path ?? 'devices-detailed';
  if (typeof path !== 'string') throw new Error(`${name}.path must be a string such as "devices-detailed"`);
  return { page: intField(value, name, 'page', min), path: path.replace(/^\/?((api\/)?v2\/)?/u, ''), seen: 0 };
}
