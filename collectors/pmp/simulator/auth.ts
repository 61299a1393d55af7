/**
 * The simulator's two ways in (vendor-apis.md §3.2–3.3). On-premises: a login with a base64 password
 * returns an upper-case GUID-like token, sent raw. Cloud: a Zoho-like accounts server exchanges a
 * refresh token for `1000.x.y` access tokens (expires_in 3600), sent as `Zoho-oauthtoken <token>`.
 * `Bearer` is refused for both. Any non-empty credentials are accepted unless fixed ones are given.
 */
import { hashUnit } from '../../simulation/random.js';

export interface SimCredentials {
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
}

interface Issued { kind: 'onprem' | 'cloud'; generation: number; expiresAt: number }
export type AuthCheck = 'ok' | 'missing' | 'bearer' | 'invalid';

const ACCESS_TOKEN_SECONDS = 3600;

export class SimAuth {
  private readonly tokens = new Map<string, Issued>();
  private issued = 0;
  /** Tokens of an older generation are dead (tokenExpiry fault). */
  private generation = 0;
  private countdown: number | null = null;

  constructor(private readonly seed: number, private readonly credentials: SimCredentials = {}) {}

  /** Base64 that decodes to something and re-encodes to itself; a plain-text password fails this. */
  static decodePassword(encoded: string): string | null {
    if (encoded === '' || !/^[A-Za-z0-9+/]+={0,2}$/u.test(encoded)) return null;
    const decoded = Buffer.from(encoded, 'base64');
    return decoded.length > 0 && decoded.toString('base64') === encoded ? decoded.toString('utf8') : null;
  }

  /** On-prem login: the token, or null for bad credentials. */
  login(username: string | undefined, encodedPassword: string | undefined): string | null {
    const password = encodedPassword ? SimAuth.decodePassword(encodedPassword) : null;
    if (!username || password === null) return null;
    const c = this.credentials;
    if ((c.username !== undefined && c.username !== username) || (c.password !== undefined && c.password !== password)) return null;
    return this.issue('onprem');
  }

  /** Zoho token endpoint (refresh_token and authorization_code grants): a JSON-ready answer. */
  token(form: URLSearchParams): Record<string, unknown> {
    const c = this.credentials;
    const clientId = form.get('client_id');
    const secret = form.get('client_secret');
    if (!clientId || !secret || (c.clientId !== undefined && c.clientId !== clientId) || (c.clientSecret !== undefined && c.clientSecret !== secret)) {
      return { error: 'invalid_client' };
    }
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      const refresh = form.get('refresh_token');
      if (!refresh || (c.refreshToken !== undefined && c.refreshToken !== refresh)) return { error: 'invalid_code' };
      // The refresh grant returns no new refresh_token (§3.3).
      return this.accessAnswer();
    }
    if (grant === 'authorization_code') {
      if (!form.get('code')) return { error: 'invalid_code' };
      return { ...this.accessAnswer(), refresh_token: `1000.${this.hex(32)}.${this.hex(32)}` };
    }
    return { error: 'unsupported_grant_type' };
  }

  private accessAnswer(): Record<string, unknown> {
    return {
      access_token: this.issue('cloud'),
      api_domain: 'https://www.zohoapis.com',
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
    };
  }

  /** Check an API request's Authorization header. */
  check(header: string | undefined): AuthCheck {
    if (!header) return 'missing';
    if (/^bearer\s/iu.test(header)) return 'bearer';
    const cloud = /^Zoho-oauthtoken\s+(\S+)$/u.exec(header);
    const token = cloud ? cloud[1]! : header.trim();
    const issued = this.tokens.get(token);
    if (!issued || issued.kind !== (cloud ? 'cloud' : 'onprem')) return 'invalid';
    if (issued.generation < this.generation || issued.expiresAt < Date.now()) return 'invalid';
    return 'ok';
  }

  /** tokenExpiry fault: after `n` more API requests every token issued so far stops working. */
  expireAfter(n: number | null): void {
    this.countdown = n;
  }

  /** Called once per API request, before the token is checked. */
  tick(): void {
    if (this.countdown === null) return;
    if (this.countdown <= 0) {
      this.generation += 1;
      this.countdown = null;
      return;
    }
    this.countdown -= 1;
  }

  private issue(kind: 'onprem' | 'cloud'): string {
    const token = kind === 'onprem'
      ? [8, 4, 4, 4, 12].map((len) => this.hex(len).toUpperCase()).join('-')
      : `1000.${this.hex(32)}.${this.hex(32)}`;
    const lifetime = kind === 'cloud' ? ACCESS_TOKEN_SECONDS * 1000 : Number.POSITIVE_INFINITY;
    this.tokens.set(token, { kind, generation: this.generation, expiresAt: Date.now() + lifetime });
    return token;
  }

  private hex(length: number): string {
    let out = '';
    while (out.length < length) {
      this.issued += 1;
      out += Math.floor(hashUnit(this.seed, 'pmp-token', this.issued) * 0x1_0000_0000).toString(16).padStart(8, '0');
    }
    return out.slice(0, length);
  }
}
