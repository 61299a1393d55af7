/**
 * ThreatLocker configuration, parsed once (DESIGN.md §5). Precedence is the ConfigReader's:
 * environment or config file, and the token may come from `$CREDENTIALS_DIRECTORY/threatlocker_api_token`.
 */
import { anyKeySet, keyLists, readKey, readRaw, type KeyDeclaration } from '../../warehouse/config-keys.js';
import { ConfigError } from '../../warehouse/errors.js';
import { registerSecret } from '../shared/redact.js';
import type { RetryPolicy } from '../shared/retry.js';
import type { ConfigReader } from '../../warehouse/run/source.js';

export interface ThreatLockerConfig {
  /** Origin of the Portal API, without the `/portalapi` path, e.g. https://portalapi.g.threatlocker.com */
  baseUrl: string;
  apiToken: string;
  /** The MSP's parent organization GUID, sent as `managedOrganizationId`. */
  organizationId: string;
  pageSize: number;
  requestBudget: number;
  /** Retry policy override; never read from the environment (tests shorten the backoff with it). */
  retry?: Partial<RetryPolicy>;
}

/** 500 is what production collectors run (T4) and what T6 clamps to; the KB sets no maximum. */
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_REQUEST_BUDGET = 20_000;

/** The THREATLOCKER_* keys, declared once (warehouse/config-keys.ts); the README's ThreatLocker table is generated from them. */
export const KEY_TABLE = {
  baseUrl: {
    name: 'THREATLOCKER_BASE_URL', type: 'url', required: true,
    doc: '`https://portalapi.<instance>.threatlocker.com` (the instance letter shown in the portal)',
  },
  apiToken: {
    name: 'THREATLOCKER_API_TOKEN', type: 'string', required: true, secret: true,
    doc: 'the API token (sent raw, no `Bearer`), or `$CREDENTIALS_DIRECTORY/threatlocker_api_token`',
  },
  organizationId: { name: 'THREATLOCKER_ORGANIZATION_ID', type: 'string', required: true, doc: 'the parent organisation\'s GUID' },
  pageSize: { name: 'THREATLOCKER_PAGE_SIZE', type: 'int', min: 1, max: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, doc: 'computers per page' },
  requestBudget: {
    name: 'THREATLOCKER_REQUEST_BUDGET', type: 'int', min: 1, max: 10_000_000, default: DEFAULT_REQUEST_BUDGET,
    doc: 'the cap on HTTP requests (retries included) per run',
  },
} as const satisfies Record<string, KeyDeclaration>;

/** The lists the Source contract carries (required, optional, secrets), from the table. */
export const KEYS = keyLists(KEY_TABLE);

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function loadThreatLockerConfig(reader: ConfigReader): ThreatLockerConfig | null {
  if (!anyKeySet(reader, KEY_TABLE)) return null;
  const needed = (key: (typeof KEY_TABLE)['baseUrl' | 'apiToken' | 'organizationId']): string => {
    const value = readRaw(reader, key);
    if (value !== undefined) return value;
    throw new ConfigError(key.name, 'is not set, but other THREATLOCKER_* keys are',
      `Set ${key.name} (see the README's ThreatLocker section), or unset every THREATLOCKER_* key to skip ThreatLocker.`);
  };
  const [rawBaseUrl, rawToken, rawOrganization] = [needed(KEY_TABLE.baseUrl), needed(KEY_TABLE.apiToken), needed(KEY_TABLE.organizationId)];
  const apiToken = parseToken(rawToken);
  registerSecret(apiToken);
  return Object.freeze({
    baseUrl: parseBaseUrl(rawBaseUrl),
    apiToken,
    organizationId: parseOrganizationId(rawOrganization),
    pageSize: readKey(reader, KEY_TABLE.pageSize),
    requestBudget: readKey(reader, KEY_TABLE.requestBudget),
  });
}

function parseBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('THREATLOCKER_BASE_URL', `"${raw}" is not a URL`,
      'Set it to your instance, e.g. https://portalapi.g.threatlocker.com (the letter shown in the portal).');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError('THREATLOCKER_BASE_URL', `must be an https URL, not ${url.protocol}`,
      'Set it to e.g. https://portalapi.g.threatlocker.com');
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError('THREATLOCKER_BASE_URL', 'must not carry a query, fragment or credentials',
      'Set only the origin, e.g. https://portalapi.g.threatlocker.com; the token goes in THREATLOCKER_API_TOKEN.');
  }
  // Operators paste either the origin or the API root; the collector appends /portalapi itself.
  const path = url.pathname.replace(/\/+$/u, '').replace(/\/portalapi$/iu, '');
  return `${url.origin}${path}`;
}

function parseToken(raw: string): string {
  if (/^bearer\s/iu.test(raw)) {
    throw new ConfigError('THREATLOCKER_API_TOKEN', 'starts with "Bearer "; ThreatLocker rejects that prefix',
      'Set the raw API token exactly as the portal showed it (API Users > Generate API Token), without "Bearer ".');
  }
  if (/\s/u.test(raw)) {
    throw new ConfigError('THREATLOCKER_API_TOKEN', 'contains whitespace',
      'Paste the token as one line, exactly as the portal showed it.');
  }
  return raw;
}

function parseOrganizationId(raw: string): string {
  if (!isGuid(raw)) {
    throw new ConfigError('THREATLOCKER_ORGANIZATION_ID', `"${raw}" is not a GUID`,
      'Set it to the MSP parent organization id (a GUID like 3fa85f64-5717-4562-b3fc-2c963f66afa6, from the portal\'s Organizations page).');
  }
  if (/^0{8}-/u.test(raw) && raw.replace(/[-0]/gu, '') === '') {
    throw new ConfigError('THREATLOCKER_ORGANIZATION_ID', 'is the all-zero GUID',
      'Set it to the MSP parent organization id, not the zero GUID.');
  }
  return raw.toLowerCase();
}
