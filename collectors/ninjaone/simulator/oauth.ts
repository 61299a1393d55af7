/**
 * The simulator's OAuth2 server (vendor-apis.md §1.3 and §5 item 1): `/ws/oauth/token` and
 * `/oauth/token`, form-encoded, grants client_credentials, refresh_token (rotated on every use) and
 * authorization_code; 3600 s bearer tokens, refused with 401 once expired or revoked.
 */
import { randomUUID } from 'node:crypto';
import { jsonResponse, type SimRequest, type SimResponse } from '../../simulation/server.js';

export const TOKEN_LIFETIME_S = 3600;
export const TOKEN_PATHS = new Set(['/ws/oauth/token', '/oauth/token']);
const KNOWN_SCOPES = new Set(['monitoring', 'management', 'control', 'offline_access']);

interface Grant { expiresAt: number; scopes: Set<string> }

export interface OAuthOptions {
  now: () => number;
  lifetimeSeconds: () => number;
  rejectCredentials: () => boolean;
}

export interface OAuthServer {
  handleToken(req: SimRequest): SimResponse;
  /** The scopes of a valid bearer token, or null (missing, unknown, expired or revoked). */
  authorize(header: string | string[] | undefined): Set<string> | null;
  revokeAll(): void;
  issued(): number;
}

export function createOAuthServer(options: OAuthOptions): OAuthServer {
  const access = new Map<string, Grant>();
  const refresh = new Map<string, Set<string>>();
  let issued = 0;

  function issue(scopes: Set<string>, withRefresh: boolean): SimResponse {
    const lifetime = options.lifetimeSeconds();
    const token = `sim-at-${randomUUID()}`;
    access.set(token, { expiresAt: options.now() + lifetime * 1000, scopes });
    issued += 1;
    const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: lifetime, scope: [...scopes].join(' ') };
    if (withRefresh) {
      const next = `sim-rt-${randomUUID()}`;
      refresh.set(next, scopes);
      body.refresh_token = next;
    }
    return jsonResponse(200, body, { 'cache-control': 'no-store' });
  }

  function handleToken(req: SimRequest): SimResponse {
    if (req.method !== 'POST') return oauthError(405, 'invalid_request', 'the token endpoint takes POST');
    const type = String(req.headers['content-type'] ?? '');
    if (!type.includes('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'expected an application/x-www-form-urlencoded body');
    }
    const form = new URLSearchParams(req.body);
    const clientId = form.get('client_id') ?? '';
    const clientSecret = form.get('client_secret') ?? '';
    if (clientId === '' || clientSecret === '' || options.rejectCredentials()) {
      return oauthError(401, 'invalid_client', 'Client authentication failed');
    }
    const scopes = parseScopes(form.get('scope'));
    if (scopes === null) return oauthError(400, 'invalid_scope', 'unknown scope');
    switch (form.get('grant_type')) {
      case 'client_credentials':
        // Machine-to-machine apps get no refresh token (offline_access is for user flows).
        scopes.delete('offline_access');
        return issue(scopes, false);
      case 'authorization_code':
        if (!form.get('code') || !form.get('redirect_uri')) return oauthError(400, 'invalid_request', 'code and redirect_uri are required');
        return issue(scopes, scopes.has('offline_access'));
      case 'refresh_token': {
        const old = form.get('refresh_token') ?? '';
        const granted = refresh.get(old);
        if (granted === undefined) return oauthError(400, 'invalid_grant', 'Invalid refresh token');
        refresh.delete(old); // rotated on every use
        return issue(granted, true);
      }
      default:
        return oauthError(400, 'unsupported_grant_type', `grant_type must be client_credentials, authorization_code or refresh_token`);
    }
  }

  return {
    handleToken,
    authorize(header) {
      const value = Array.isArray(header) ? header[0] : header;
      const match = /^Bearer\s+(\S+)$/iu.exec(value ?? '');
      const grant = match ? access.get(match[1]!) : undefined;
      if (grant === undefined) return null;
      if (options.now() >= grant.expiresAt) {
        access.delete(match![1]!);
        return null;
      }
      return grant.scopes;
    },
    revokeAll() {
      access.clear();
    },
    issued: () => issued,
  };
}

/** Space-separated scopes; none asked for means `monitoring`. Null when one is unknown. */
function parseScopes(value: string | null): Set<string> | null {
  const scopes = new Set((value ?? '').split(/[\s+]+/u).filter((scope) => scope !== ''));
  if (scopes.size === 0) scopes.add('monitoring');
  for (const scope of scopes) if (!KNOWN_SCOPES.has(scope)) return null;
  return scopes;
}

function oauthError(status: number, error: string, description: string): SimResponse {
  return jsonResponse(status, { error, error_description: description });
}
