/**
 * PMP authentication (vendor-apis.md §3.2–3.3). On-premises: a login POST with the password in base64
 * returns a token sent raw in `Authorization`. Cloud: Zoho OAuth refresh grant on the accounts server,
 * sent as `Authorization: Zoho-oauthtoken <token>` (never `Bearer`). Either way the client calls
 * invalidate() on a 401 and asks again, once.
 */
import type { Got } from 'got';
import type { Logger } from 'pino';
import { PayloadError, VendorAuthError } from '../../warehouse/errors.js';
import { AUTH_REQUEST, toCollectorError } from '../shared/http.js';
import { registerSecret } from '../shared/redact.js';
import type { PmpAuthConfig } from './config.js';
import { HtmlPage, parsePmpJson } from './html.js';
import { PATHS } from './types.js';

export interface TokenProvider {
  /** The value of the Authorization header, logging in or refreshing first when needed. */
  header(): Promise<string>;
  /** Forget the current token (the server refused it); the next header() logs in again. */
  invalidate(): void;
}

/** Refresh a cloud access token this long before Zoho says it expires. */
const EXPIRY_MARGIN_MS = 60_000;

export function createAuth(auth: PmpAuthConfig, http: Got, accountsHttp: Got | null, log: Logger): TokenProvider {
  if (auth.mode === 'onprem') return cached(() => onpremLogin(http, auth), log);
  if (!accountsHttp) throw new Error('cloud auth needs the accounts server client');
  return cached(() => cloudRefresh(accountsHttp, auth), log);
}

interface Token { header: string; expiresAt: number }

/** One token at a time; concurrent callers share one login. */
function cached(obtain: () => Promise<Token>, log: Logger): TokenProvider {
  let current: Promise<Token> | null = null;
  return {
    async header() {
      if (current) {
        const token = await current.catch(() => null);
        if (token && token.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return token.header;
      }
      current = obtain();
      const token = await current.catch((error: unknown) => {
        current = null;
        throw error;
      });
      log.debug('pmp: obtained a new API token');
      return token.header;
    },
    invalidate() {
      current = null;
    },
  };
}

type OnPrem = Extract<PmpAuthConfig, { mode: 'onprem' }>;
type Cloud = Extract<PmpAuthConfig, { mode: 'cloud' }>;

async function onpremLogin(http: Got, auth: OnPrem): Promise<Token> {
  const password = Buffer.from(auth.password, 'utf8').toString('base64');
  registerSecret(password);
  const json: Record<string, string> = {
    username: auth.username,
    password,
    auth_type: auth.domain ? 'ad_authentication' : 'local_authentication',
  };
  if (auth.domain) json.domainName = auth.domain;
  let body: unknown;
  try {
    body = await http.post(PATHS.login, { json, context: AUTH_REQUEST, responseType: 'json', parseJson: parsePmpJson, resolveBodyOnly: true });
  } catch (error) {
    throw toCollectorError(error, 'pmp');
  }
  const token = loginToken(body);
  registerSecret(token);
  // On-prem tokens have no stated lifetime (§3.2); they are kept until the server refuses one.
  return { header: token, expiresAt: Number.POSITIVE_INFINITY };
}

/** The auth_token of a login response, or the reason there is none. Exported for unit tests. */
export function loginToken(body: unknown): string {
  if (body instanceof HtmlPage) throw new PayloadError('pmp', `login returned an HTML page instead of JSON: ${body.excerpt}`);
  const root = body as Record<string, unknown> | null;
  if (root?.status === 'error') {
    throw new VendorAuthError('pmp', `login refused: ${String(root.error_description ?? 'no description')} (error_code ${String(root.error_code ?? '?')})`, { url: PATHS.login });
  }
  const authentication = (root?.message_response as Record<string, unknown> | undefined)?.authentication as Record<string, unknown> | undefined;
  const token = (authentication?.auth_data as Record<string, unknown> | undefined)?.auth_token;
  if (typeof token === 'string' && token !== '') return token;
  if (authentication?.two_factor_data) {
    throw new VendorAuthError('pmp', 'the account has two-factor authentication, which an unattended collector cannot answer; use a dedicated API account without 2FA', { url: PATHS.login });
  }
  throw new PayloadError('pmp', 'login answered without message_response.authentication.auth_data.auth_token');
}

async function cloudRefresh(accountsHttp: Got, auth: Cloud): Promise<Token> {
  let body: unknown;
  try {
    body = await accountsHttp.post('oauth/v2/token', {
      form: { grant_type: 'refresh_token', client_id: auth.clientId, client_secret: auth.clientSecret, refresh_token: auth.refreshToken },
      responseType: 'json',
      parseJson: parsePmpJson,
      resolveBodyOnly: true,
    });
  } catch (error) {
    throw toCollectorError(error, 'pmp');
  }
  const { token, expiresInMs } = accessToken(body);
  registerSecret(token);
  return { header: `Zoho-oauthtoken ${token}`, expiresAt: Date.now() + expiresInMs };
}

/** Zoho answers a bad grant with HTTP 200 and `{"error": "invalid_code"}`. Exported for unit tests. */
export function accessToken(body: unknown): { token: string; expiresInMs: number } {
  if (body instanceof HtmlPage) throw new PayloadError('pmp', `the accounts server returned an HTML page instead of JSON: ${body.excerpt}`);
  const root = body as Record<string, unknown> | null;
  if (typeof root?.error === 'string') {
    throw new VendorAuthError('pmp', `the Zoho accounts server refused the refresh token: ${root.error}`, { url: 'oauth/v2/token' });
  }
  const token = root?.access_token;
  if (typeof token !== 'string' || token === '') throw new PayloadError('pmp', 'the Zoho token response has no access_token');
  const expiresIn = typeof root?.expires_in === 'number' && root.expires_in > 0 ? root.expires_in : 3600;
  // API calls go to PMP_BASE_URL, never to the api_domain Zoho returns (§3.1).
  return { token, expiresInMs: expiresIn * 1000 };
}
