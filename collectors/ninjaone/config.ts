/**
 * NINJAONE_* configuration, parsed once (DESIGN.md §5). Precedence is the ConfigReader's (explicit
 * value, then `$CREDENTIALS_DIRECTORY/ninjaone_client_secret`, then the environment); this file only
 * decides what is valid and says which key to fix.
 */
import { anyKeySet, keyLists, readKey, readRaw, type KeyDeclaration } from '../../warehouse/config-keys.js';
import { ConfigError } from '../../warehouse/errors.js';
import { registerSecret } from '../shared/redact.js';
import type { ConfigReader } from '../../warehouse/run/source.js';

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

/** 1000 is the page size every live client in the reference uses; the maximum is undocumented. */
export const DEFAULT_PAGE_SIZE = 1000;
export const DEFAULT_REQUEST_BUDGET = 20_000;

/** The NINJAONE_* keys, declared once (warehouse/config-keys.ts); the README's NinjaOne table is generated from them. */
export const KEY_TABLE = {
  baseUrl: { name: 'NINJAONE_BASE_URL', type: 'url', doc: 'the instance, e.g. `https://eu.ninjarmm.com` (or set `NINJAONE_REGION`)' },
  region: { name: 'NINJAONE_REGION', type: 'enum', values: ['us', 'eu', 'oc', 'ca', 'us2', 'fed'], doc: 'the instance by its region, instead of `NINJAONE_BASE_URL`' },
  clientId: { name: 'NINJAONE_CLIENT_ID', type: 'string', required: true, doc: 'application client id' },
  clientSecret: {
    name: 'NINJAONE_CLIENT_SECRET', type: 'string', required: true, secret: true,
    doc: 'the application\'s client secret (or `$CREDENTIALS_DIRECTORY/ninjaone_client_secret`)',
  },
  pageSize: { name: 'NINJAONE_PAGE_SIZE', type: 'int', min: 1, max: 10_000, default: DEFAULT_PAGE_SIZE, doc: 'devices per page' },
  requestBudget: {
    name: 'NINJAONE_REQUEST_BUDGET', type: 'int', min: 1, max: 10_000_000, default: DEFAULT_REQUEST_BUDGET,
    doc: 'the cap on HTTP requests (retries included) per run',
  },
} as const satisfies Record<string, KeyDeclaration>;

/** The lists the Source contract carries (required, optional, secrets), from the table. */
export const KEYS = keyLists(KEY_TABLE);
const KEY = Object.fromEntries(Object.entries(KEY_TABLE).map(([field, key]) => [field, key.name])) as { [F in keyof typeof KEY_TABLE]: (typeof KEY_TABLE)[F]['name'] };

/** vendor-apis.md §1.1. */
export const REGIONS: Readonly<Record<string, string>> = {
  us: 'https://app.ninjarmm.com',
  eu: 'https://eu.ninjarmm.com',
  oc: 'https://oc.ninjarmm.com',
  ca: 'https://ca.ninjarmm.com',
  us2: 'https://us2.ninjarmm.com',
  fed: 'https://fed.ninjarmm.com',
};

export function loadNinjaOneConfig(reader: ConfigReader): NinjaOneConfig | null {
  if (!anyKeySet(reader, KEY_TABLE)) return null;
  // The URL keys are checked here, where the message can say how they relate; the rest by declaration.
  const clientId = required(readKey(reader, KEY_TABLE.clientId), KEY.clientId, 'the Client ID of the NinjaOne "API Services (machine-to-machine)" application');
  const clientSecret = required(readKey(reader, KEY_TABLE.clientSecret), KEY.clientSecret,
    'the application\'s client secret (or put it in $CREDENTIALS_DIRECTORY/ninjaone_client_secret)');
  registerSecret(clientSecret);
  return Object.freeze({
    baseUrl: resolveBaseUrl(readRaw(reader, KEY_TABLE.baseUrl), readRaw(reader, KEY_TABLE.region)),
    clientId,
    clientSecret,
    pageSize: readKey(reader, KEY_TABLE.pageSize),
    requestBudget: readKey(reader, KEY_TABLE.requestBudget),
  });
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
      throw new ConfigError(KEY.baseUrl, `expected ${KEY.baseUrl} or ${KEY.region} to be set`,
        `Set ${KEY.region} to one of ${Object.keys(REGIONS).join(', ')}, or ${KEY.baseUrl} to your instance URL (e.g. https://eu.ninjarmm.com).`);
    }
    return fromRegion;
  }
  const url = parseBaseUrl(baseUrl);
  if (fromRegion !== undefined && fromRegion !== url) {
    throw new ConfigError(KEY.baseUrl, `${KEY.baseUrl} (${url}) and ${KEY.region} (${region} = ${fromRegion}) disagree`,
      `Set only one of ${KEY.baseUrl} and ${KEY.region}, or make them name the same instance.`);
  }
  return url;
}

function regionUrl(region: string): string {
  const url = REGIONS[region.toLowerCase()];
  if (url === undefined) {
    throw new ConfigError(KEY.region, `unknown region "${region}"`,
      `Set ${KEY.region} to one of ${Object.keys(REGIONS).join(', ')}, or set ${KEY.baseUrl} instead.`);
  }
  return url;
}

function parseBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(KEY.baseUrl, `"${value}" is not a URL`, `Set ${KEY.baseUrl} to your instance URL, e.g. https://app.ninjarmm.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(KEY.baseUrl, `"${value}" is not an http(s) URL`, `Set ${KEY.baseUrl} to your instance URL, e.g. https://app.ninjarmm.com.`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(KEY.baseUrl, 'must not carry credentials, a query or a fragment',
      `Set ${KEY.baseUrl} to the bare instance URL and the credentials in ${KEY.clientId} / ${KEY.clientSecret}.`);
  }
  const path = url.pathname.replace(/\/+$/u, '');
  // The collector appends /v2/... itself; a base that already ends in the API prefix would double it.
  if (/\/(api\/)?v2$/iu.test(path) || /\/ws$/iu.test(path)) {
    throw new ConfigError(KEY.baseUrl, `"${value}" already ends in an API path`,
      `Set ${KEY.baseUrl} to the instance URL without /v2, /api/v2 or /ws, e.g. ${url.origin}.`);
  }
  return `${url.origin}${path}`;
}
