/**
 * ThreatLocker configuration, parsed once (DESIGN.md §5). Precedence is the ConfigReader's:
 * environment or config file, and the token may come from `$CREDENTIALS_DIRECTORY/threatlocker_api_token`.
 */
import { ConfigError } from '../../warehouse/errors.js';
import { registerSecret } from '../shared/redact.js';
import type { RetryPolicy } from '../shared/retry.js';
import type { ConfigReader } from '../shared/source.js';

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

export const KEYS = {
  required: ['THREATLOCKER_BASE_URL', 'THREATLOCKER_API_TOKEN', 'THREATLOCKER_ORGANIZATION_ID'],
  optional: ['THREATLOCKER_PAGE_SIZE', 'THREATLOCKER_REQUEST_BUDGET'],
  secrets: ['THREATLOCKER_API_TOKEN'],
} as const;

/** 500 is what production collectors run (T4) and what T6 clamps to; the KB sets no maximum. */
export const DEFAULT_PAGE_SIZE = 500;
export const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_REQUEST_BUDGET = 20_000;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function loadThreatLockerConfig(reader: ConfigReader): ThreatLockerConfig | null {
  const value = (key: string): string | undefined => {
    const raw = reader.get(key)?.trim();
    return raw === '' ? undefined : raw;
  };
  const all = [...KEYS.required, ...KEYS.optional];
  if (all.every((key) => value(key) === undefined)) return null;

  for (const key of KEYS.required) {
    if (value(key) === undefined) {
      throw new ConfigError(key, 'is not set, but other THREATLOCKER_* keys are',
        `Set ${key} (see the README's ThreatLocker section), or unset every THREATLOCKER_* key to skip ThreatLocker.`);
    }
  }
  const apiToken = parseToken(value('THREATLOCKER_API_TOKEN')!);
  registerSecret(apiToken);
  return Object.freeze({
    baseUrl: parseBaseUrl(value('THREATLOCKER_BASE_URL')!),
    apiToken,
    organizationId: parseOrganizationId(value('THREATLOCKER_ORGANIZATION_ID')!),
    pageSize: parseInteger('THREATLOCKER_PAGE_SIZE', value('THREATLOCKER_PAGE_SIZE'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    requestBudget: parseInteger('THREATLOCKER_REQUEST_BUDGET', value('THREATLOCKER_REQUEST_BUDGET'), DEFAULT_REQUEST_BUDGET, 1, 10_000_000),
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

function parseInteger(key: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/u.test(raw)) {
    throw new ConfigError(key, `"${raw}" is not a whole number`, `Set ${key} to a whole number from ${min} to ${max}, or unset it for ${fallback}.`);
  }
  const n = Number(raw);
  if (n < min || n > max) {
    throw new ConfigError(key, `${n} is outside ${min}..${max}`, `Set ${key} to a whole number from ${min} to ${max}, or unset it for ${fallback}.`);
  }
  return n;
}
