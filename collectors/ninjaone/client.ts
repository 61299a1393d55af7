/**
 * The NinjaOne API as the collector uses it: the shared got base plus bearer auth, and the two
 * paging styles of vendor-apis.md §1.5 as async generators of pages (one page in memory at a time).
 *
 * - List endpoints (bare arrays, `pageSize` + `after` = last id). The reference says a short page is
 *   the last one; we ask once more and stop only on an empty page, because a server that caps
 *   `pageSize` below what we asked for would otherwise truncate the fleet without a trace.
 * - Query endpoints (`{cursor, results}`): repeat with `cursor=<name>` until `results` is empty.
 *
 * Both go through the shared repeat guard: a page read before, a cursor name handed back again or a
 * position (after id, cursor.offset) that stops growing ends the stream with exit 7.
 */
import type { Got } from 'got';
import type { Logger } from 'pino';
import { PayloadError } from '../../warehouse/errors.js';
import { createHttp, toCollectorError, type RequestBudget } from '../shared/http.js';
import { PagingLoopError, createPageGuard, type Identity, type PageGuard } from '../shared/page-guard.js';
import { createTokenCache, type TokenCache } from './auth.js';
import type { NinjaOneConfig } from './config.js';
import type { NinjaErrorBody, NinjaQueryPage } from './types.js';
import { NO_PHASE_CLOCK, type PhaseClock } from '../../warehouse/run/phases.js';

const VENDOR = 'ninjaone';
/** A list page whose ids do not follow the cursor is asked for again this many times before giving up. */
const OUT_OF_ORDER_RETRIES = 2;

export type Params = Record<string, string | number>;

export interface NinjaOneClient {
  /** Pages of a list endpoint (e.g. `v2/devices-detailed`), ascending by id, each non-empty. */
  list<T extends { id: number }>(path: string, params?: Params): AsyncGenerator<T[]>;
  /** Pages of `results` of a query endpoint (e.g. `v2/queries/os-patches`), each non-empty. */
  query<T>(path: string, params?: Params): AsyncGenerator<T[]>;
  tokens: TokenCache;
}

export interface ClientDeps {
  budget: RequestBudget;
  log: Logger;
  signal?: AbortSignal;
  now?: () => number;
  /** The run's phase clock: each GET (JSON parsing included) is timed as `http`. */
  phases?: PhaseClock;
}

const incidentIdOf = (body: unknown): string | undefined => {
  const id = (body as NinjaErrorBody | null)?.incidentId;
  return typeof id === 'string' ? id : undefined;
};

export function createNinjaOneClient(config: NinjaOneConfig, deps: ClientDeps): NinjaOneClient {
  const base = createHttp({
    vendor: VENDOR,
    prefixUrl: config.baseUrl,
    budget: deps.budget,
    log: deps.log,
    requestIdFromBody: incidentIdOf,
    ...(deps.signal ? { signal: deps.signal } : {}),
    ...(deps.phases ? { phases: deps.phases } : {}),
  });
  const tokens = createTokenCache(base, config, deps.log, deps.now);
  // The token is attached per attempt, so a retry after a long Retry-After uses a fresh one.
  const api = base.extend({
    hooks: {
      beforeRequest: [async (options) => { options.headers.authorization = `Bearer ${await tokens.token()}`; }],
    },
  });
  const phases = deps.phases ?? NO_PHASE_CLOCK;
  const get = (path: string, params: Params): Promise<unknown> => phases.time('http', () => getJson(api, tokens, path, params));
  return {
    list: (path, params = {}) => listPages(get, path, params, config.pageSize, deps.log),
    query: (path, params = {}) => queryPages(get, path, params, config.pageSize),
    tokens,
  };
}

/**
 * One GET, parsed as JSON. A 401 means the token expired or was revoked (vendor-apis.md §1.9): fetch
 * a new one and repeat the very same request (same cursor) once; a second 401 is an auth failure.
 */
async function getJson(api: Got, tokens: TokenCache, path: string, params: Params): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    // Fetched here rather than only in the hook, so a token request is never counted inside a GET's attempt.
    await tokens.token();
    try {
      const response = await api.get(path, { searchParams: params, responseType: 'json' });
      return response.body;
    } catch (error) {
      const status = (error as { response?: { statusCode?: number } }).response?.statusCode;
      if (status === 401 && attempt === 0) {
        tokens.invalidate();
        continue;
      }
      throw toCollectorError(error, VENDOR, { requestIdFromBody: incidentIdOf });
    }
  }
}

async function* listPages<T extends { id: number }>(
  get: (path: string, params: Params) => Promise<unknown>,
  path: string, params: Params, pageSize: number, log: Logger,
): AsyncGenerator<T[]> {
  let after: number | undefined;
  let shortPageSeen = false;
  const guard = createPageGuard(VENDOR, path, byId);
  for (let number = 1; ; number++) {
    const page = await listPage<T>(get, path, { ...params, pageSize, ...(after === undefined ? {} : { after }) }, after, { guard, number });
    if (page.length === 0) return;
    if (shortPageSeen) {
      // Only a server that caps pageSize serves more after a short page; the data is still whole.
      log.warn({ path, pageSize, served: page.length }, 'ninjaone served fewer items than pageSize before the end of the list; kept paging');
      shortPageSeen = false;
    }
    if (page.length < pageSize) shortPageSeen = true;
    // The cursor is the last item that has an id (an id-less item is quarantined by the mapper).
    const last = [...page].reverse().find((item) => typeof item === 'object' && item !== null && Number.isSafeInteger(item.id));
    if (last === undefined) throw new PayloadError(VENDOR, `${path} answered with a page in which no item has an id`);
    guard.accept({ number, items: page, position: last.id });
    after = last.id;
    yield page;
  }
}

/** One list page, checked: an array of objects with integer ids, ascending and all after the cursor. */
async function listPage<T extends { id: number }>(
  get: (path: string, params: Params) => Promise<unknown>, path: string, params: Params, after: number | undefined,
  seen: { guard: PageGuard; number: number },
): Promise<T[]> {
  for (let attempt = 0; ; attempt++) {
    const body = await get(path, params);
    if (!Array.isArray(body)) {
      throw new PayloadError(VENDOR, `${path} answered with ${describe(body)} where a JSON array was expected`);
    }
    const problem = orderProblem(body, after);
    if (problem === null) return body as T[];
    // A page that repeats ids before the cursor is a server hiccup (a repeated page); asking again is
    // cheap, while keeping it would duplicate devices and stopping would truncate the fleet.
    if (attempt >= OUT_OF_ORDER_RETRIES) {
      const earlier = seen.guard.earlierCopyOf(body);
      if (earlier !== undefined) {
        throw new PagingLoopError(VENDOR, path, `page ${seen.number} again (after=${after ?? ''}, identical to page ${earlier}; it does not follow the cursor: ${problem})`);
      }
      throw new PayloadError(VENDOR, `${path}?after=${after ?? ''} kept answering with a page that does not follow the cursor: ${problem}`);
    }
  }
}

function orderProblem(items: unknown[], after: number | undefined): string | null {
  let previous = after ?? Number.NEGATIVE_INFINITY;
  for (const item of items) {
    // Not an object, no id, or an id that is not an integer ("123", 1.5): one drifted record,
    // quarantined when mapped; the integer ids around it still say whether the page is in order.
    if (typeof item !== 'object' || item === null) continue;
    const id = (item as { id?: unknown }).id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) continue;
    if (id <= previous) return `id ${id} after ${previous}`;
    previous = id;
  }
  return null;
}

async function* queryPages<T>(
  get: (path: string, params: Params) => Promise<unknown>, path: string, params: Params, pageSize: number,
): AsyncGenerator<T[]> {
  let cursor: string | undefined;
  // cursor.offset has no documented meaning (vendor-apis.md §1.5): a stall counts only once it has grown.
  const guard = createPageGuard(VENDOR, path, undefined, { position: 'once-growing' });
  for (let number = 1; ; number++) {
    const body = await get(path, { ...params, pageSize, ...(cursor === undefined ? {} : { cursor }) });
    const page = body as NinjaQueryPage<T> | null;
    if (page === null || typeof page !== 'object' || Array.isArray(page) || !Array.isArray(page.results)) {
      throw new PayloadError(VENDOR, `${path} answered with ${describe(body)} where a {cursor, results} object was expected`);
    }
    if (page.results.length === 0) return;
    const next = page.cursor?.name;
    const offset = page.cursor?.offset;
    guard.accept({ number, items: page.results, cursor: typeof next === 'string' ? next : undefined, position: typeof offset === 'number' ? offset : undefined });
    yield page.results;
    if (typeof next !== 'string' || next === '') {
      if (page.results.length < pageSize) return;
      throw new PayloadError(VENDOR, `${path} answered with a full page but no cursor name to continue from`);
    }
    cursor = next;
  }
}

/** List items are identified by their id, so a page served again with fresher fields is still a repeat. */
const byId: Identity = (item) => {
  const id = (item as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? `#${id}` : JSON.stringify(item) ?? 'undefined';
};

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const error = value as NinjaErrorBody;
    if (typeof error.errorMessage === 'string') return `an error body (${error.resultCode ?? 'FAILURE'}: ${error.errorMessage})`;
    return `an object with keys ${Object.keys(value).slice(0, 5).join(', ')}`;
  }
  return typeof value;
}
