/**
 * One authenticated GET against the legacy API, and paging over it. Every answer is checked before it
 * is trusted: an HTML page, an error body (PMP sends errors with HTTP 200) or an envelope without
 * `status: "success"` is a failure, never an empty result. A 401 logs in again once; a 403 is a scope
 * refusal the streams may treat as an optional stream's failure.
 */
import { HTTPError, ParseError, type Got } from 'got';
import type { Logger } from 'pino';
import { PayloadError, VendorAuthError, VendorUnavailableError, type ApiErrorContext } from '../../warehouse/errors.js';
import { toCollectorError } from '../shared/http.js';
import { createPageGuard } from '../shared/page-guard.js';
import { redactUrl } from '../shared/redact.js';
import type { TokenProvider } from './auth.js';
import { HtmlPage, htmlExcerpt, isThrottlePage, looksLikeHtml, parsePmpJson } from './html.js';
import type { PagedResponse } from './types.js';

export type Params = Record<string, string | number>;

/** HTTP 403: the endpoint is outside the token's scope (cloud) or the account's role (on-prem). */
export class ScopeRefusedError extends VendorAuthError {}

/** `{status:"error", error_code, error_description}`, whatever the HTTP status. */
export class PmpApiError extends PayloadError {
  constructor(readonly path: string, readonly errorCode: string, readonly description: string) {
    super('pmp', `${path} answered with an error body: ${description} (error_code ${errorCode})`);
  }
}

/** An HTML page with status 200 that is not a throttle page: an unknown path or query parameter. */
export class HtmlPageError extends PayloadError {
  constructor(readonly path: string, excerpt: string, options?: { cause?: unknown }) {
    super('pmp', `${path} returned an HTML page instead of JSON (an unknown path or query parameter?): ${excerpt}`, options);
  }
}

export class PmpClient {
  constructor(private readonly http: Got, private readonly auth: TokenProvider, private readonly log: Logger) {}

  /** GET a JSON body, checked for HTML and error bodies; `fetchedAt` is when it arrived. */
  async getJson(path: string, searchParams: Params = {}): Promise<{ body: Record<string, unknown>; fetchedAt: Date }> {
    const body = await this.send(path, searchParams, false);
    if (body instanceof HtmlPage) {
      throw new HtmlPageError(path, body.excerpt);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new PayloadError('pmp', `${path} returned ${typeof body}, not a JSON object`);
    const record = body as Record<string, unknown>;
    if (record.status === 'error' || (record.error_code !== undefined && record.status !== 'success')) {
      throw new PmpApiError(path, String(record.error_code ?? '?'), String(record.error_description ?? 'no description'));
    }
    return { body: record, fetchedAt: new Date() };
  }

  /** GET a legacy `/api/1.x` envelope: status must be "success" and message_response an object. */
  async getEnvelope(path: string, searchParams: Params = {}): Promise<{ body: Record<string, unknown>; response: Record<string, unknown>; fetchedAt: Date }> {
    const { body, fetchedAt } = await this.getJson(path, searchParams);
    const response = body.message_response;
    if (body.status !== 'success' || typeof response !== 'object' || response === null || Array.isArray(response)) {
      throw new PayloadError('pmp', `${path} returned no success envelope (status ${JSON.stringify(body.status)})`);
    }
    return { body, response: response as Record<string, unknown>, fetchedAt };
  }

  private async send(path: string, searchParams: Params, retried: boolean): Promise<unknown> {
    const authorization = await this.auth.header();
    try {
      return await this.http.get(path, { searchParams, headers: { authorization }, responseType: 'json', parseJson: parsePmpJson, resolveBodyOnly: true });
    } catch (error) {
      const status = error instanceof HTTPError ? error.response.statusCode : undefined;
      if (status === 401 && !retried) {
        // Token expired or revoked mid-run: log in (or refresh) again, once, and carry on.
        this.log.info({ path }, 'pmp: token refused with 401, obtaining a new one');
        this.auth.invalidate();
        return this.send(path, searchParams, true);
      }
      throw this.convert(error, path);
    }
  }

  private convert(error: unknown, path: string): Error {
    if (error instanceof HTTPError && error.response.statusCode === 403) {
      const context: ApiErrorContext = { status: 403, method: 'GET', url: redactUrl(error.options.url ?? path) };
      return new ScopeRefusedError('pmp', `${path} was refused with 403 (outside the token's scope or the account's role)`, context, { cause: error });
    }
    if (error instanceof ParseError) {
      const raw = error.response.rawBody.toString('utf8');
      if (isThrottlePage(raw)) {
        return new VendorUnavailableError('pmp', `${path} stayed throttled (HTML "please wait" page) after retries`, { status: error.response.statusCode, url: path }, { cause: error });
      }
      if (looksLikeHtml(raw)) return new HtmlPageError(path, htmlExcerpt(raw), { cause: error });
    }
    return toCollectorError(error, 'pmp');
  }
}

/**
 * Page through a list endpoint with `page` (1-based) and `pagelimit` until the rows collected reach
 * the envelope's `total` or a page comes back empty. There is no next link (§3.5). The server may cap
 * the page size; paging by page number stays correct because `page` counts the server's pages.
 * The shared repeat guard ends a loop: rows identical to an earlier page's, or an echoed
 * `message_response.page` that does not grow (a server ignoring `page`), is exit 7.
 */
export async function* pages<Row>(
  client: PmpClient, path: string, key: string, params: Params, pageSize: number,
): AsyncGenerator<PagedResponse<Row> & { body: Record<string, unknown> }> {
  let collected = 0;
  const guard = createPageGuard('pmp', path);
  for (let page = 1; ; page++) {
    const { body, response } = await client.getEnvelope(path, { ...params, page, pagelimit: pageSize });
    const total = response.total;
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
      throw new PayloadError('pmp', `${path} page ${page}: message_response.total is ${JSON.stringify(total)}, not a count`);
    }
    // Some deployments put the rows under `computers` (P2).
    const rows = response[key] ?? response.computers ?? (total === 0 ? [] : undefined);
    if (!Array.isArray(rows)) throw new PayloadError('pmp', `${path} page ${page}: message_response.${key} is missing`);
    const limit = typeof response.limit === 'number' ? response.limit : pageSize;
    guard.accept({ number: page, items: rows, position: echoedPage(response.page) });
    yield { total, limit, page, rows: rows as Row[], body };
    collected += rows.length;
    if (rows.length === 0 || collected >= total) return;
    if (page > total) throw new PayloadError('pmp', `${path}: still paging at page ${page} with total ${total}`);
  }
}

/** The page number the server says it served, when it says one (a number or a numeric string). */
function echoedPage(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return typeof value === 'string' && /^\d+$/u.test(value) ? Number(value) : undefined;
}
