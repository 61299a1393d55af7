/**
 * OAuth2 client credentials for NinjaOne (vendor-apis.md §1.3): POST {base}/ws/oauth/token with a
 * form body, scope `monitoring` (read-only), token cached until shortly before it expires. A 401 on an
 * API call invalidates the cached token so the next request fetches a fresh one.
 */
import type { Got } from 'got';
import type { Logger } from 'pino';
import { VendorAuthError, type WarehouseError } from '../../warehouse/errors.js';
import { AUTH_REQUEST, toCollectorError } from '../shared/http.js';
import { redact, registerSecret } from '../shared/redact.js';
import type { NinjaOneConfig } from './config.js';
import type { NinjaTokenResponse } from './types.js';

export const TOKEN_PATH = 'ws/oauth/token';
export const SCOPE = 'monitoring';
/** Refresh this long before the server's expiry, so a token never dies between check and use. */
const EXPIRY_MARGIN_MS = 120_000;
/** expires_in the reference documents when a server leaves it out. */
const DEFAULT_EXPIRES_IN_S = 3600;

export interface TokenCache {
  /** A valid access token, fetching one when none is cached or the cached one is about to expire. */
  token(): Promise<string>;
  /** Forget the cached token (the API refused it); the next token() fetches a new one. */
  invalidate(): void;
  /** Tokens fetched so far (for the run summary and tests). */
  fetched(): number;
}

export function createTokenCache(http: Got, config: NinjaOneConfig, log: Logger, now: () => number = Date.now): TokenCache {
  let current: { value: string; refreshAt: number } | null = null;
  let pending: Promise<string> | null = null;
  let fetched = 0;

  async function fetchToken(): Promise<string> {
    const started = now();
    const body = await requestToken(http, config);
    const value = body.access_token;
    if (typeof value !== 'string' || value === '') {
      throw new VendorAuthError('ninjaone', 'the token endpoint answered without an access_token', { url: TOKEN_PATH });
    }
    registerSecret(value); // a bearer token is as good as the client secret while it lives
    const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_EXPIRES_IN_S) * 1000;
    current = { value, refreshAt: started + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
    fetched += 1;
    log.debug({ expiresInS: lifetimeMs / 1000, scope: body.scope }, 'ninjaone access token obtained');
    return value;
  }

  return {
    async token() {
      if (current !== null && now() < current.refreshAt) return current.value;
      // One fetch at a time: concurrent callers share it.
      pending ??= fetchToken().finally(() => { pending = null; });
      return pending;
    },
    invalidate() {
      current = null;
    },
    fetched: () => fetched,
  };
}

async function requestToken(http: Got, config: NinjaOneConfig): Promise<NinjaTokenResponse> {
  try {
    const response = await http.post(TOKEN_PATH, {
      form: { grant_type: 'client_credentials', client_id: config.clientId, client_secret: config.clientSecret, scope: SCOPE },
      responseType: 'json',
      context: AUTH_REQUEST,
      // A client-credentials grant has no side effect, so it is as safe to repeat as a GET.
      retry: { methods: ['POST'] },
    });
    const body: unknown = response.body;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new VendorAuthError('ninjaone', 'the token endpoint answered with something other than a JSON object', { url: TOKEN_PATH });
    }
    return body as NinjaTokenResponse;
  } catch (error) {
    throw tokenError(error);
  }
}

/** OAuth errors come back as 400 (sometimes 401) with {error, error_description}: bad credentials, not an outage. */
function tokenError(error: unknown): WarehouseError {
  const converted = toCollectorError(error, 'ninjaone');
  if (converted instanceof VendorAuthError) return converted;
  const response = (error as { response?: { statusCode?: number; body?: unknown } }).response;
  if (response?.statusCode === 400) {
    const body = response.body as { error?: unknown; error_description?: unknown } | undefined;
    const code = typeof body?.error === 'string' ? body.error : 'invalid_request';
    const description = typeof body?.error_description === 'string' ? `: ${body.error_description}` : '';
    return new VendorAuthError('ninjaone', redact(`the token endpoint refused the client credentials (${code}${description})`),
      { status: 400, method: 'POST', url: TOKEN_PATH }, { cause: error });
  }
  return converted;
}
