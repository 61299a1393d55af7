/**
 * The ThreatLocker HTTP client: the shared got base plus the raw API token and the tenant header.
 * Every list call is a POSTed read, so POSTs are retried like GETs.
 */
import type { Got } from 'got';
import { RequestError } from 'got';
import type { WarehouseError } from '../../warehouse/errors.js';
import { PayloadError, VendorAuthError, VendorUnavailableError } from '../../warehouse/errors.js';
import { createHttp, toCollectorError } from '../shared/http.js';
import { redact } from '../shared/redact.js';
import type { CollectContext } from '../../warehouse/run/source.js';
import type { ThreatLockerConfig } from './config.js';
import type { TlPaginationHeader } from './types.js';

export const VENDOR = 'threatlocker';

export interface ListPage<Row> {
  rows: Row[];
  /** Totals from the response headers, when the server sent them (either form). */
  headerTotal: number | undefined;
}

export interface ThreatLockerClient {
  postList<Row>(path: string, body: object): Promise<ListPage<Row>>;
}

const requestIdFromBody = (body: unknown): string | undefined => {
  const id = isRecord(body) ? body['LoggerId'] : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

export function createThreatLockerClient(ctx: CollectContext<ThreatLockerConfig>): ThreatLockerClient {
  const { config } = ctx;
  const base = createHttp({
    vendor: VENDOR,
    prefixUrl: `${config.baseUrl}/portalapi/`,
    budget: ctx.budget,
    log: ctx.log,
    retryPost: true,
    requestIdFromBody,
    signal: ctx.signal,
    ...(config.retry ? { retry: config.retry } : {}),
  });
  // Raw token, no "Bearer" (the API rejects it). The tenant header acts as the MSP's parent org.
  const http: Got = base.extend({
    headers: {
      authorization: config.apiToken,
      managedorganizationid: config.organizationId,
      'content-type': 'application/json',
    },
  });

  return {
    async postList<Row>(path: string, body: object): Promise<ListPage<Row>> {
      let response;
      try {
        response = await http.post(path, { json: body, responseType: 'json' });
      } catch (error) {
        throw describe(error);
      }
      const payload: unknown = response.body;
      if (!Array.isArray(payload)) {
        const message = isRecord(payload) && typeof payload['Message'] === 'string' ? `: ${payload['Message']}` : '';
        throw new PayloadError(VENDOR, redact(`POST ${path} returned ${kindOf(payload)} with status ${response.statusCode} where a JSON array was expected${message}`));
      }
      return { rows: payload as Row[], headerTotal: headerTotal(response.headers) };
    },
  };
}

/** The typed error for a failed call, carrying ThreatLocker's own `Message` (417 says which parameter). */
function describe(error: unknown): WarehouseError {
  if (error instanceof RequestError && error.name === 'ParseError') {
    // Truncated JSON or an HTML page, still unreadable after the retries: a payload problem, never "0 rows".
    return new PayloadError(VENDOR, redact(`${error.options.method} ${String(error.options.url ?? '')} kept returning an unreadable body (status ${error.response?.statusCode ?? 'none'})`), { cause: error });
  }
  const typed = toCollectorError(error, VENDOR, { requestIdFromBody });
  const vendorMessage = error instanceof RequestError ? messageOf(error.response?.body) : undefined;
  if (!vendorMessage) return typed;
  const suffix = redact(`: ${vendorMessage}`);
  if (typed instanceof VendorAuthError) {
    return new VendorAuthError(VENDOR, `${stripSource(typed.message)}${suffix}`, typed.context, { cause: error });
  }
  if (typed instanceof VendorUnavailableError) {
    return new VendorUnavailableError(VENDOR, `${stripSource(typed.message)}${suffix}`, typed.context, { cause: error });
  }
  return typed;
}

function stripSource(message: string): string {
  return message.startsWith(`${VENDOR}: `) ? message.slice(VENDOR.length + 2) : message;
}

function messageOf(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      parsed = JSON.parse(String(body));
    } catch {
      return undefined;
    }
  }
  const message = isRecord(parsed) ? parsed['Message'] : undefined;
  return typeof message === 'string' && message !== '' ? message.slice(0, 300) : undefined;
}

/** Both header forms are reported live (T5 `pagination` JSON, T6 `totalItems`); either may be absent. */
export function headerTotal(headers: Record<string, string | string[] | undefined>): number | undefined {
  const first = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const pagination = first('pagination');
  if (pagination) {
    try {
      const parsed = JSON.parse(pagination) as Partial<TlPaginationHeader>;
      if (typeof parsed.totalItems === 'number' && Number.isInteger(parsed.totalItems)) return parsed.totalItems;
    } catch {
      // A malformed optional header is not a reason to fail; totalRows still cross-checks.
    }
  }
  const total = first('totalitems');
  return total !== undefined && /^\d+$/u.test(total.trim()) ? Number(total) : undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.trim().startsWith('<') ? 'HTML' : 'a string';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
