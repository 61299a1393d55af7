/**
 * Patch Manager Plus configuration, parsed once (DESIGN.md §5). Precedence is the ConfigReader's:
 * `$CREDENTIALS_DIRECTORY/<key lower case>` for secrets, then environment, then the config file.
 * Keys of the mode not chosen by PMP_AUTH are ignored, so one file can hold both sets.
 */
import { anyKeySet, keyLists, readKey, readRaw, type KeyDeclaration } from '../../warehouse/config-keys.js';
import { ConfigError } from '../../warehouse/errors.js';
import { registerSecret } from '../shared/redact.js';
import type { ConfigReader } from '../../warehouse/run/source.js';

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

/** 500 was measured to work on EPC Cloud (§3.5, P3); the server's default is 25. */
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 1000;
export const DEFAULT_REQUEST_BUDGET = 20_000;

/**
 * The PMP_* keys, declared once (warehouse/config-keys.ts); the README's Patch Manager Plus table is
 * generated from them. The keys of the PMP_AUTH mode not chosen are ignored, so they are optional here.
 */
export const KEY_TABLE = {
  baseUrl: {
    name: 'PMP_BASE_URL', type: 'url', required: true,
    doc: 'on-premises `https://pmp.internal:8383`, cloud e.g. `https://patch.manageengine.com.au`',
  },
  auth: { name: 'PMP_AUTH', type: 'enum', values: ['onprem', 'cloud'], required: true, doc: 'how the warehouse signs in: a server account (on-premises) or a Zoho self-client (cloud)' },
  username: { name: 'PMP_USERNAME', type: 'string', doc: 'on-premises: the API account (a local, non-2FA one)' },
  password: { name: 'PMP_PASSWORD', type: 'string', secret: true, doc: 'on-premises: its password (or a credential file `pmp_password`)' },
  domain: { name: 'PMP_DOMAIN', type: 'string', doc: 'on-premises: the AD domain, for an Active Directory account' },
  accountsUrl: {
    name: 'PMP_ACCOUNTS_URL', type: 'url', defaultDoc: 'from `PMP_BASE_URL` for `patch.manageengine.*`',
    doc: 'cloud: the Zoho accounts server of the data centre, e.g. `https://accounts.zoho.com.au`',
  },
  clientId: { name: 'PMP_CLIENT_ID', type: 'string', doc: 'cloud: the self-client\'s client id' },
  clientSecret: { name: 'PMP_CLIENT_SECRET', type: 'string', secret: true, doc: 'cloud: its client secret (or a credential file `pmp_client_secret`)' },
  refreshToken: { name: 'PMP_REFRESH_TOKEN', type: 'string', secret: true, doc: 'cloud: the refresh token (or a credential file `pmp_refresh_token`)' },
  pageSize: { name: 'PMP_PAGE_SIZE', type: 'int', min: 1, max: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, doc: 'computers per page' },
  requestBudget: {
    name: 'PMP_REQUEST_BUDGET', type: 'int', min: 1, max: 10_000_000, default: DEFAULT_REQUEST_BUDGET,
    doc: 'the cap on HTTP requests (retries included) per run',
  },
  siteMode: {
    name: 'PMP_SITE_MODE', type: 'enum', values: ['auto', 'customers', 'branch_offices'], default: 'auto',
    doc: 'what becomes a site: customers (MSP edition), branch offices (a single-tenant server), or `auto` to detect (see `collectors/pmp/README.md`)',
  },
} as const satisfies Record<string, KeyDeclaration>;

/** The lists the Source contract carries (required, optional, secrets), from the table. */
export const KEYS = keyLists(KEY_TABLE);

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

type PmpKey = keyof typeof KEY_TABLE;
type Read = (key: PmpKey) => string | undefined;

export function loadPmpConfig(reader: ConfigReader): PmpConfig | null {
  // Checked here rather than by declaration: which keys are needed depends on PMP_AUTH and the server.
  const value: Read = (key) => readRaw(reader, KEY_TABLE[key]);
  if (!anyKeySet(reader, KEY_TABLE)) return null;

  const baseUrl = parseUrl('PMP_BASE_URL', needed(value, 'baseUrl'), 'https://pmp.example.local:8383 (on-premises) or https://patch.manageengine.com (cloud)');
  const auth = parseAuth(value, baseUrl);
  const config: PmpConfig = {
    baseUrl,
    auth,
    pageSize: readKey(reader, KEY_TABLE.pageSize),
    requestBudget: readKey(reader, KEY_TABLE.requestBudget),
    siteMode: parseSiteMode(value('siteMode')),
  };
  return Object.freeze(config);
}

export function secretsOf(config: PmpConfig): string[] {
  return config.auth.mode === 'onprem' ? [config.auth.password] : [config.auth.clientSecret, config.auth.refreshToken];
}

function needed(value: Read, field: PmpKey, why = 'other PMP_* keys are'): string {
  const v = value(field);
  const key = KEY_TABLE[field].name;
  if (v === undefined) {
    throw new ConfigError(key, `is not set, but ${why}`,
      `Set ${key} (see the README's Patch Manager Plus section), or unset every PMP_* key to skip Patch Manager Plus.`);
  }
  return v;
}

function parseAuth(value: Read, baseUrl: string): PmpAuthConfig {
  const mode = needed(value, 'auth').toLowerCase();
  if (mode === 'onprem') {
    const why = 'PMP_AUTH=onprem needs it';
    const username = needed(value, 'username', why);
    const password = needed(value, 'password', why);
    registerSecret(password);
    return { mode, username, password, domain: value('domain') ?? null };
  }
  if (mode === 'cloud') {
    const why = 'PMP_AUTH=cloud needs it';
    const clientId = needed(value, 'clientId', why);
    const clientSecret = needed(value, 'clientSecret', why);
    const refreshToken = needed(value, 'refreshToken', why);
    registerSecret(clientSecret);
    registerSecret(refreshToken);
    const known = ACCOUNTS_BY_HOST[new URL(baseUrl).hostname];
    const rawAccounts = value('accountsUrl') ?? known ?? needed(value, 'accountsUrl', `PMP_AUTH=cloud needs it for a server other than patch.manageengine.*`);
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
