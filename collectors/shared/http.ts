/**
 * The one got base every vendor client extends: timeouts, retries on network errors, 408, 429, 5xx
 * and unreadable bodies with capped jittered backoff that honours Retry-After, a request budget per
 * run, and the vendor's request id kept on errors. Collectors never import got directly.
 */
import got, { HTTPError, RequestError, type Got, type Options, type Response } from 'got';
import type { Logger } from 'pino';
import { VendorAuthError, VendorConfigError, VendorUnavailableError, WarehouseError, type ApiErrorContext } from '../../warehouse/errors.js';
import { redactUrl, redact } from '../../warehouse/redact.js';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';
import { BudgetExhaustedError, type RequestBudget } from '../../warehouse/run/budget.js';
import type { PhaseClock } from '../../warehouse/run/phases.js';

// The budget is the run's (warehouse/run/budget.ts); vendors reach it with the HTTP layer that spends it.
export { BudgetExhaustedError, createBudget, type RequestBudget } from '../../warehouse/run/budget.js';

export interface HttpOptions {
  vendor: string;
  prefixUrl: string;
  budget: RequestBudget;
  log: Logger;
  retry?: Partial<RetryPolicy>;
  /** Retry POST too: for APIs whose list calls are POSTed reads (ThreatLocker). */
  retryPost?: boolean;
  /** Response headers that carry the vendor's request id, first match wins. */
  requestIdHeaders?: string[];
  /** Pull a request or incident id out of an error body (NinjaOne incidentId, ThreatLocker LoggerId). */
  requestIdFromBody?: (body: unknown) => string | undefined;
  timeoutMs?: number;
  random?: () => number;
  signal?: AbortSignal;
  /** The configuration key that holds prefixUrl, named when the address is wrong (default <VENDOR>_BASE_URL). */
  urlKey?: string;
  /** The run's phase clock: JSON parsing of response bodies is timed as `json_parse`. */
  phases?: PhaseClock;
}

/**
 * Requests that only obtain credentials (a token or login POST): their success does not prove the
 * API's paths are right, so a 404 on the first page after them still names the base URL. Set it as
 * got's `context` on those requests.
 */
export const AUTH_REQUEST = { warehouseAuthRequest: true } as const;

/** No host at that address, or a name that does not resolve: the URL is wrong, not the vendor down. */
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'refuses connections',
  ENOTFOUND: 'names a host that does not resolve',
  EAI_AGAIN: 'names a host that does not resolve',
};

/** Failures that are the configured URL's fault, found by the hooks of createHttp (see misconfiguration()). */
const MISCONFIGURED = new WeakMap<Error, VendorConfigError>();

const RETRY_STATUS = [408, 429, 500, 502, 503, 504, 520, 521, 522, 524];

export function createHttp(options: HttpOptions): Got {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const random = options.random ?? Math.random;
  const { budget, log, vendor } = options;
  const extra: Partial<Options> = options.signal ? { signal: options.signal } : {};
  const urlKey = options.urlKey ?? `${vendor.toUpperCase()}_BASE_URL`;
  const baseUrl = redactUrl(options.prefixUrl).replace(/\/+$/u, '');
  // Before the vendor has answered anything, refused connections and unresolvable names mean a wrong
  // URL: retrying them only delays the same answer by the whole backoff. Once it has answered, they
  // are an outage (retried, exit 7) like any other.
  let answered = false;
  let pageAnswered = false;
  const firstPageResponses = new WeakSet<Response>();
  const unreachable = (error: RequestError): boolean => !answered && error.response === undefined && Object.hasOwn(UNREACHABLE_CODES, error.code);
  return got.extend({
    prefixUrl: options.prefixUrl,
    ...extra,
    timeout: { request: options.timeoutMs ?? 60_000 },
    ...(options.phases ? { parseJson: (text: string): unknown => options.phases!.timeSync('json_parse', () => JSON.parse(text)) } : {}),
    headers: { 'user-agent': 'msp-warehouse/0.1 (+inventory collector)', accept: 'application/json' },
    retry: {
      limit: policy.limit,
      methods: options.retryPost ? ['GET', 'HEAD', 'OPTIONS', 'POST'] : ['GET', 'HEAD', 'OPTIONS'],
      statusCodes: RETRY_STATUS,
      calculateDelay: ({ attemptCount, error, computedValue }) => {
        if (error.cause instanceof BudgetExhaustedError) return 0;
        if (unreachable(error)) return 0;
        // got rules out non-idempotent methods and non-retriable statuses with 0; a body that did not
        // parse (truncated, or an HTML page with status 200) is worth another try too.
        const unreadable = error.name === 'ParseError';
        if (computedValue === 0 && !unreadable) return 0;
        const retryAfterMs = parseRetryAfter(headerOf(error, 'retry-after'), Date.now());
        const delay = retryDelay({ attempt: attemptCount, policy, retryAfterMs, random });
        return delay < 0 ? 0 : delay;
      },
    },
    hooks: {
      beforeRequest: [
        () => {
          budget.take();
        },
      ],
      afterResponse: [
        (response) => {
          answered = true;
          // The auth responses before the first page, and the first page's own, are "the first request".
          if (!pageAnswered) firstPageResponses.add(response);
          if (!(response.request.options.context as Partial<typeof AUTH_REQUEST>).warehouseAuthRequest) pageAnswered = true;
          return response;
        },
      ],
      beforeError: [
        (error) => {
          const url = `${baseUrl} (${redactUrl(error.options.url ?? '')})`;
          if (unreachable(error)) {
            MISCONFIGURED.set(error, new VendorConfigError(vendor, urlKey, `${urlKey} ${url} ${UNREACHABLE_CODES[error.code]} (${error.code})`, { cause: error }));
          } else if (error instanceof HTTPError && error.response.statusCode === 404 && firstPageResponses.has(error.response)) {
            MISCONFIGURED.set(error, new VendorConfigError(vendor, urlKey, `${urlKey} ${url} answered 404 Not Found to the first request`, { cause: error }));
          }
          return error;
        },
      ],
      beforeRetry: [
        (error, retryCount) => {
          budget.noteRetry();
          log.warn({ vendor, retryCount, status: error.response?.statusCode, code: error.code, url: redactUrl(error.options.url ?? '') }, 'retrying request');
        },
      ],
    },
  });
}

function headerOf(error: RequestError, name: string): string | undefined {
  const value = error.response?.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The request id a vendor attached to a failed response, from headers or the error body. */
function requestIdOf(error: RequestError, options: Pick<HttpOptions, 'requestIdHeaders' | 'requestIdFromBody'>): string | undefined {
  for (const name of options.requestIdHeaders ?? ['x-request-id', 'x-correlation-id', 'request-id']) {
    const value = headerOf(error, name);
    if (value) return value;
  }
  const body = error.response?.body;
  if (options.requestIdFromBody && body !== undefined) {
    try {
      return options.requestIdFromBody(typeof body === 'string' || Buffer.isBuffer(body) ? JSON.parse(String(body)) : body);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * What went wrong, in the operator's words. A status alone misleads when the response began well and
 * then failed: an HTML page or a cut-off body with 200, or a timeout while the body was being read.
 */
function failureOf(error: RequestError, status: number | undefined): string {
  if (error.name === 'ParseError') {
    const type = headerOf(error, 'content-type') ?? 'no content type';
    return `answered HTTP ${status ?? '?'} with a body that is not JSON (${type}: a login page, a proxy's error page or a cut-off response)`;
  }
  if (error.name === 'TimeoutError') {
    const limit = (error.options.timeout as { request?: number } | undefined)?.request;
    return `no complete answer within ${limit ? (limit >= 1000 ? `${Math.round(limit / 1000)} s` : `${limit} ms`) : 'the request timeout'}${status ? ` (HTTP ${status} began, the body never finished)` : ''}`;
  }
  if (error.name === 'ReadError') return `the connection broke while the response was being read (${error.code ?? 'read error'})`;
  return status ? `HTTP ${status}` : error.code ?? error.name;
}

/**
 * Turn whatever a vendor call threw into the typed error whose exit code the operator expects:
 * 401/403 -> authentication (6); exhausted retries, timeouts, 5xx, 429, unreadable bodies -> unavailable (7).
 */
export function toCollectorError(
  error: unknown,
  vendor: string,
  options: Pick<HttpOptions, 'requestIdHeaders' | 'requestIdFromBody'> = {},
): WarehouseError {
  if (error instanceof WarehouseError) return error;
  if (error instanceof RequestError) {
    if (error.cause instanceof WarehouseError) return error.cause;
    const misconfigured = MISCONFIGURED.get(error);
    if (misconfigured) return misconfigured;
    const context: ApiErrorContext = {
      status: error.response?.statusCode,
      method: error.options.method,
      url: redactUrl(error.options.url ?? ''),
      requestId: requestIdOf(error, options),
    };
    const what = `${context.method ?? 'GET'} ${context.url ?? ''}`;
    if (context.status === 401 || context.status === 403) {
      return new VendorAuthError(vendor, `${what} was refused with ${context.status}`, context, { cause: error });
    }
    const reason = failureOf(error, context.status);
    const id = context.requestId ? ` (request id ${context.requestId})` : '';
    return new VendorUnavailableError(vendor, redact(`${what} failed: ${reason}${id}`), context, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new VendorUnavailableError(vendor, redact(message), {}, { cause: error });
}
