/**
 * Patch Manager Plus configuration, parsed once (DESIGN.md §5). Precedence is the ConfigReader's:
 * `$CREDENTIALS_DIRECTORY/<key lower case>` for secrets, then environment, then the config file.
 * Keys of the mode not chosen by PMP_AUTH are ignored, so one file can hold both sets.
 */
import { ConfigError } from '../../warehouse/errors.js';
import { registerSecret } from '../shared/redact.js';
import type { ConfigReader } from '../shared/source.js';

export type PmpAuthConfig =
  | { mode: 'onprem'; username: string; password: string; domain: string | null }
  | { mode: 'cloud'; accountsUrl: string; clientId: string; clientSecret: string; refreshToken: string };

/** How PMP's tenants become site aliases (README "Sites"). */
export type SiteMode = 'auto' | 'customers' | 'branch_offices';

export interface PmpConfig {
  /** Server origin, e.g. https://pmp.example.local:8383 or https://patch.manageengine.com.au */
  baseUrl: string;
  auth: PmpAuthConfig;
  pageSize: number;
  requestBudget: number;
  siteMode: SiteMode;
}

export const KEYS = {
  required: ['PMP_BASE_URL', 'PMP_AUTH'],
  optional: [
    'PMP_USERNAME', 'PMP_PASSWORD', 'PMP_DOMAIN',
    'PMP_ACCOUNTS_URL', 'PMP_CLIENT_ID', 'PMP_CLIENT_SECRET', 'PMP_REFRESH_TOKEN',
    'PMP_PAGE_SIZE', 'PMP_REQUEST_BUDGET', 'PMP_SITE_MODE',
  ],
  secrets: ['PMP_PASSWORD', 'PMP_CLIENT_SECRET', 'PMP_REFRESH_TOKEN'],
} as const;

/** 500 was measured to work on EPC Cloud (§3.5, P3); the server's default is 25. */
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_REQUEST_BUDGET = 20_000;

/** Zoho accounts server per PMP Cloud data centre (§3.1), so PMP_ACCOUNTS_URL can be left out for them. */
const ACCOUNTS_BY_HOST: Readonly<Record<string, string>> = {
  'patch.manageengine.com': 'https://accounts.zoho.com',
  'patch.manageengine.eu': 'https://accounts.zoho.eu',
  'patch.manageengine.in': 'https://accounts.zoho.in',
  'patch.manageengine.com.au': 'https://accounts.zoho.com.au',
  'patch.manageengine.cn': 'https://accounts.zoho.cn',
  'patch.manageengine.jp': 'https://accounts.zoho.jp',
  'patch.manageengine.ca': 'https://accounts.zohoone.ca',
  'patch.manageengine.uk': 'https://accounts.zoho.uk',
};

type Read = (key: string) => string | undefined;

export function loadPmpConfig(reader: ConfigReader): PmpConfig | null {
  const value: Read = (key) => {
    const raw = reader.get(key)?.trim();
    return raw === '' ? undefined : raw;
  };
  if ([...KEYS.required, ...KEYS.optional].every((key) => value(key) === undefined)) return null;

  const baseUrl = parseUrl('PMP_BASE_URL', needed(value, 'PMP_BASE_URL'), 'https://pmp.example.local:8383 (on-premises) or https://patch.manageengine.com (cloud)');
  const auth = parseAuth(value, baseUrl);
  const config: PmpConfig = {
    baseUrl,
    auth,
    pageSize: parseInteger('PMP_PAGE_SIZE', value('PMP_PAGE_SIZE'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    requestBudget: parseInteger('PMP_REQUEST_BUDGET', value('PMP_REQUEST_BUDGET'), DEFAULT_REQUEST_BUDGET, 1, 10_000_000),
    siteMode: parseSiteMode(value('PMP_SITE_MODE')),
  };
  return Object.freeze(config);
}

export function secretsOf(config: PmpConfig): string[] {
  return config.auth.mode === 'onprem' ? [config.auth.password] : [config.auth.clientSecret, config.auth.refreshToken];
}

function needed(value: Read, key: string, why = 'other PMP_* keys are'): string {
  const v = value(key);
  if (v === undefined) {
    throw new ConfigError(key, `is not set, but ${why}`,
      `Set ${key} (see the README's Patch Manager Plus section), or unset every PMP_* key to skip Patch Manager Plus.`);
  }
  return v;
}

function parseAuth(value: Read, baseUrl: string): PmpAuthConfig {
  const mode = needed(value, 'PMP_AUTH').toLowerCase();
  if (mode === 'onprem') {
    const why = 'PMP_AUTH=onprem needs it';
    const username = needed(value, 'PMP_USERNAME', why);
    const password = needed(value, 'PMP_PASSWORD', why);
    registerSecret(password);
    return { mode, username, password, domain: value('PMP_DOMAIN') ?? null };
  }
  if (mode === 'cloud') {
    const why = 'PMP_AUTH=cloud needs it';
    const clientId = needed(value, 'PMP_CLIENT_ID', why);
    const clientSecret = needed(value, 'PMP_CLIENT_SECRET', why);
    const refreshToken = needed(value, 'PMP_REFRESH_TOKEN', why);
    registerSecret(clientSecret);
    registerSecret(refreshToken);
    const known = ACCOUNTS_BY_HOST[new URL(baseUrl).hostname];
    const rawAccounts = value('PMP_ACCOUNTS_URL') ?? known ?? needed(value, 'PMP_ACCOUNTS_URL', `PMP_AUTH=cloud needs it for a server other than patch.manageengine.*`);
    const accountsUrl = parseUrl('PMP_ACCOUNTS_URL', rawAccounts, 'https://accounts.zoho.com (the accounts server of your data centre)');
    return { mode, accountsUrl, clientId, clientSecret, refreshToken };
  }
  throw new ConfigError('PMP_AUTH', `"${mode}" is neither onprem nor cloud`,
    'Set PMP_AUTH=onprem (server login with PMP_USERNAME/PMP_PASSWORD) or PMP_AUTH=cloud (Zoho OAuth with PMP_CLIENT_ID, PMP_CLIENT_SECRET, PMP_REFRESH_TOKEN).');
}

function parseUrl(key: string, raw: string, example: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(key, `"${raw}" is not a URL`, `Set it to e.g. ${example}.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(key, `must be an http(s) URL, not ${url.protocol}`, `Set it to e.g. ${example}.`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(key, 'must not carry a query, fragment or credentials', `Set only the origin, e.g. ${example}.`);
  }
  // Operators paste the console URL or the API root; the collector appends /api/1.4/... itself.
  const path = url.pathname.replace(/\/+$/u, '').replace(/\/api(\/[\d.]+)?$/iu, '');
  return `${url.origin}${path}`;
}

function parseSiteMode(raw: string | undefined): SiteMode {
  if (raw === undefined) return 'auto';
  const mode = raw.toLowerCase().replace(/-/gu, '_');
  if (mode === 'auto' || mode === 'customers' || mode === 'branch_offices') return mode;
  throw new ConfigError('PMP_SITE_MODE', `"${raw}" is not auto, customers or branch_offices`,
    'Set PMP_SITE_MODE=customers (MSP edition), branch_offices (single-tenant server), or unset it to detect.');
}

function parseInteger(key: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const fix = `Set ${key} to a whole number from ${min} to ${max}, or unset it for ${fallback}.`;
  if (!/^\d+$/u.test(raw)) throw new ConfigError(key, `"${raw}" is not a whole number`, fix);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(key, `${n} is outside ${min}..${max}`, fix);
  return n;
}
