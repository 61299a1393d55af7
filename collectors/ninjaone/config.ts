/**
 * NINJAONE_* configuration, parsed once (DESIGN.md §5). Precedence is the ConfigReader's (explicit
 * value, then `$CREDENTIALS_DIRECTORY/ninjaone_client_secret`, then the environment); this file only
 * decides what is valid and says which key to fix.
 */
import { ConfigError } from '../../warehouse/errors.js';
import { registerSecret } from '../shared/redact.js';
import type { ConfigReader } from '../shared/source.js';

export interface NinjaOneConfig {
  /** Scheme + host (+ optional proxy path), no trailing slash; API paths are appended as `/v2/...`. */
  readonly baseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `pageSize` for list and query endpoints. */
  readonly pageSize: number;
  /** Cap on HTTP attempts (retries included) for one run. */
  readonly requestBudget: number;
}

export const KEYS = {
  baseUrl: 'NINJAONE_BASE_URL',
  region: 'NINJAONE_REGION',
  clientId: 'NINJAONE_CLIENT_ID',
  clientSecret: 'NINJAONE_CLIENT_SECRET',
  pageSize: 'NINJAONE_PAGE_SIZE',
  requestBudget: 'NINJAONE_REQUEST_BUDGET',
} as const;

/** vendor-apis.md §1.1. */
export const REGIONS: Readonly<Record<string, string>> = {
  us: 'https://app.ninjarmm.com',
  eu: 'https://eu.ninjarmm.com',
  oc: 'https://oc.ninjarmm.com',
  ca: 'https://ca.ninjarmm.com',
  us2: 'https://us2.ninjarmm.com',
  fed: 'https://fed.ninjarmm.com',
};

/** 1000 is the page size every live client in the reference uses; the maximum is undocumented. */
export const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 10_000;
export const DEFAULT_REQUEST_BUDGET = 20_000;

export function loadNinjaOneConfig(reader: ConfigReader): NinjaOneConfig | null {
  const raw = Object.fromEntries(
    Object.entries(KEYS).map(([name, key]) => [name, blankToUndefined(reader.get(key))]),
  ) as Record<keyof typeof KEYS, string | undefined>;
  if (Object.values(raw).every((value) => value === undefined)) return null;

  const clientId = required(raw.clientId, KEYS.clientId, 'the Client ID of the NinjaOne "API Services (machine-to-machine)" application');
  const clientSecret = required(raw.clientSecret, KEYS.clientSecret,
    'the application\'s client secret (or put it in $CREDENTIALS_DIRECTORY/ninjaone_client_secret)');
  registerSecret(clientSecret);
  return Object.freeze({
    baseUrl: resolveBaseUrl(raw.baseUrl, raw.region),
    clientId,
    clientSecret,
    pageSize: positiveInt(raw.pageSize, KEYS.pageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    requestBudget: positiveInt(raw.requestBudget, KEYS.requestBudget, DEFAULT_REQUEST_BUDGET, Number.MAX_SAFE_INTEGER),
  });
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function required(value: string | undefined, key: string, what: string): string {
  if (value === undefined) {
    throw new ConfigError(key, `expected ${key} to be set`, `Set ${key} to ${what}, or remove every NINJAONE_* key to skip NinjaOne.`);
  }
  return value;
}

function resolveBaseUrl(baseUrl: string | undefined, region: string | undefined): string {
  const fromRegion = region === undefined ? undefined : regionUrl(region);
  if (baseUrl === undefined) {
    if (fromRegion === undefined) {
      throw new ConfigError(KEYS.baseUrl, `expected ${KEYS.baseUrl} or ${KEYS.region} to be set`,
        `Set ${KEYS.region} to one of ${Object.keys(REGIONS).join(', ')}, or ${KEYS.baseUrl} to your instance URL (e.g. https://eu.ninjarmm.com).`);
    }
    return fromRegion;
  }
  const url = parseBaseUrl(baseUrl);
  if (fromRegion !== undefined && fromRegion !== url) {
    throw new ConfigError(KEYS.baseUrl, `${KEYS.baseUrl} (${url}) and ${KEYS.region} (${region} = ${fromRegion}) disagree`,
      `Set only one of ${KEYS.baseUrl} and ${KEYS.region}, or make them name the same instance.`);
  }
  return url;
}

function regionUrl(region: string): string {
  const url = REGIONS[region.toLowerCase()];
  if (url === undefined) {
    throw new ConfigError(KEYS.region, `unknown region "${region}"`,
      `Set ${KEYS.region} to one of ${Object.keys(REGIONS).join(', ')}, or set ${KEYS.baseUrl} instead.`);
  }
  return url;
}

function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(KEYS.baseUrl, `"${value}" is not a URL`, `Set ${KEYS.baseUrl} to your instance URL, e.g. https://app.ninjarmm.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(KEYS.baseUrl, `"${value}" is not an http(s) URL`, `Set ${KEYS.baseUrl} to your instance URL, e.g. https://app.ninjarmm.com.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(KEYS.baseUrl, 'must not carry credentials, a query or a fragment',
      `Set ${KEYS.baseUrl} to the bare instance URL and the credentials in ${KEYS.clientId} / ${KEYS.clientSecret}.`);
  }
  const path = url.pathname.replace(/\/+$/u, '');
  // The collector appends /v2/... itself; a base that already ends in the API prefix would double it.
  if (/\/(api\/)?v2$/iu.test(path) || /\/ws$/iu.test(path)) {
    throw new ConfigError(KEYS.baseUrl, `"${value}" already ends in an API path`,
      `Set ${KEYS.baseUrl} to the instance URL without /v2, /api/v2 or /ws, e.g. ${url.origin}.`);
  }
  return `${url.origin}${path}`;
}

function positiveInt(value: string | undefined, key: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/u.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new ConfigError(key, `"${value}" is not a whole number between 1 and ${max}`,
      `Set ${key} to a positive whole number (default ${fallback}) or unset it.`);
  }
  return n;
}
