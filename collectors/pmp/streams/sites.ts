/**
 * Which PMP notion of a tenant becomes a site alias (README "Sites"). An MSP edition server lists its
 * customers at `/dcapi/customers` and takes `customerid=` on the patch endpoints; a single-tenant
 * server has no customers, and its branch offices stand for the clients. PMP_SITE_MODE pins the mode;
 * `auto` asks for the customer list and falls back to branch offices only on an answer that says the
 * endpoint does not exist on this server (error 10022, 404, an HTML page, or an empty list).
 */
import { HTTPError } from 'got';
import { PayloadError, VendorAuthError } from '../../../warehouse/errors.js';
import type { CollectContext } from '../../../warehouse/run/source.js';
import { HtmlPageError, PmpApiError, ScopeRefusedError, type PmpClient } from '../client.js';
import type { PmpConfig } from '../config.js';
import { customerAlias, parseCustomers } from '../map.js';
import { PATHS, type PmpCustomer } from '../types.js';

export type Sites = { mode: 'customers'; customers: PmpCustomer[] } | { mode: 'branch_offices' };

/** "API Endpoint is not supported by current server" (seen live, §3.4). */
const NOT_SUPPORTED = '10022';

export async function resolveSites(ctx: CollectContext<PmpConfig>, client: PmpClient): Promise<Sites> {
  const { siteMode } = ctx.config;
  if (siteMode === 'branch_offices') return { mode: 'branch_offices' };
  const customers = await fetchCustomers(client, siteMode === 'auto');
  if (customers === null || (customers.length === 0 && siteMode === 'auto')) {
    ctx.log.info('pmp: no MSP customer list on this server; branch offices stand for the clients');
    return { mode: 'branch_offices' };
  }
  if (customers.length === 0) throw new PayloadError('pmp', `${PATHS.customers} listed no customers, but PMP_SITE_MODE=customers`);
  await ctx.sink.aliases(customers.map(customerAlias));
  ctx.log.info({ customers: customers.length }, 'pmp: MSP edition, collecting per customer');
  return { mode: 'customers', customers };
}

/** The customer list; null when `detect` is on and the server says it has none. */
async function fetchCustomers(client: PmpClient, detect: boolean): Promise<PmpCustomer[] | null> {
  let body: Record<string, unknown>;
  try {
    ({ body } = await client.getJson(PATHS.customers));
  } catch (error) {
    if (detect && notAnMspServer(error)) return null;
    if (error instanceof ScopeRefusedError) {
      throw new VendorAuthError('pmp', `${PATHS.customers} was refused with 403, so customers cannot be told apart`, error.context, { cause: error });
    }
    throw error;
  }
  const customers = parseCustomers(body);
  if (customers === null) throw new PayloadError('pmp', `${PATHS.customers} returned no readable customers array`);
  return customers;
}

function notAnMspServer(error: unknown): boolean {
  if (error instanceof PmpApiError) return error.errorCode === NOT_SUPPORTED;
  // An unknown path is answered with an HTML page (status 200) or, behind some proxies, 404.
  if (error instanceof HtmlPageError) return true;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof HTTPError && cause.response.statusCode === 404;
}
