/** Configuration: not configured, half configured, invalid values named with their fix, secrets redacted. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWarehouseConfig } from '../../../warehouse/config.js';
import { ConfigError } from '../../../warehouse/errors.js';
import { redact } from '../../../collectors/shared/redact.js';
import { threatlocker } from '../../../collectors/threatlocker/index.js';

const ORG = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const VALID = { THREATLOCKER_BASE_URL: 'https://portalapi.g.threatlocker.com', THREATLOCKER_API_TOKEN: 'A1B2C3D4E5F6G7H8I9J0', THREATLOCKER_ORGANIZATION_ID: ORG };
const load = (env: Record<string, string | undefined>) => threatlocker.loadConfig({ get: (key) => env[key] });
const failure = (env: Record<string, string | undefined>): ConfigError => {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('threatlocker config', () => {
  it('is null when no THREATLOCKER_* key is set', () => {
    expect(load({})).toBeNull();
    expect(load({ THREATLOCKER_BASE_URL: '  ' })).toBeNull();
  });

  it('parses a full configuration with defaults', () => {
    expect(load(VALID)).toEqual({ baseUrl: 'https://portalapi.g.threatlocker.com', apiToken: VALID.THREATLOCKER_API_TOKEN, organizationId: ORG, pageSize: 500, requestBudget: 20000 });
  });

  it('accepts the API root or a trailing slash as the base URL', () => {
    expect(load({ ...VALID, THREATLOCKER_BASE_URL: 'https://portalapi.h.threatlocker.com/portalApi/' })?.baseUrl).toBe('https://portalapi.h.threatlocker.com');
  });

  it.each(['THREATLOCKER_BASE_URL', 'THREATLOCKER_API_TOKEN', 'THREATLOCKER_ORGANIZATION_ID'])('names %s when it alone is missing', (key) => {
    const error = failure({ ...VALID, [key]: undefined });
    expect(error.key).toBe(key);
    expect(error.exitCode).toBe(2);
    expect(error.hint).toContain(key);
  });

  it('treats an optional key alone as half-configured', () => {
    expect(failure({ THREATLOCKER_PAGE_SIZE: '100' }).key).toBe('THREATLOCKER_BASE_URL');
  });

  it.each([
    ['THREATLOCKER_ORGANIZATION_ID', 'acme', /not a GUID/u],
    ['THREATLOCKER_ORGANIZATION_ID', '00000000-0000-0000-0000-000000000000', /zero GUID/u],
    ['THREATLOCKER_API_TOKEN', 'Bearer abcdefgh', /Bearer/u],
    ['THREATLOCKER_BASE_URL', 'portalapi.g.threatlocker.com', /not a URL/u],
    ['THREATLOCKER_BASE_URL', 'ftp://portalapi.g.threatlocker.com', /https/u],
    ['THREATLOCKER_PAGE_SIZE', '0', /outside 1\.\.10000/u],
    ['THREATLOCKER_PAGE_SIZE', '25.5', /whole number/u],
    ['THREATLOCKER_REQUEST_BUDGET', '-3', /whole number/u],
  ])('rejects %s=%s', (key, value, message) => {
    const error = failure({ ...VALID, [key]: value });
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
  });

  it('upper-case GUIDs are accepted and normalised', () => {
    expect(load({ ...VALID, THREATLOCKER_ORGANIZATION_ID: ORG.toUpperCase() })?.organizationId).toBe(ORG);
  });

  it('registers the token as a secret', () => {
    const config = load({ ...VALID, THREATLOCKER_API_TOKEN: 'tl-secret-token-123456' })!;
    expect(threatlocker.secretsOf(config)).toEqual(['tl-secret-token-123456']);
    expect(redact('token tl-secret-token-123456 leaked')).toBe('token [redacted] leaked');
  });

  it('declares its keys', () => {
    expect(threatlocker.keys.secrets).toEqual(['THREATLOCKER_API_TOKEN']);
    expect(threatlocker.keys.optional).toEqual(['THREATLOCKER_PAGE_SIZE', 'THREATLOCKER_REQUEST_BUDGET']);
  });

  it('reads the token from $CREDENTIALS_DIRECTORY/threatlocker_api_token', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-creds-'));
    try {
      writeFileSync(join(dir, 'threatlocker_api_token'), 'token-from-credentials-dir\n');
      const { THREATLOCKER_API_TOKEN: _, ...env } = VALID;
      const reader = loadWarehouseConfig({ ...env, CREDENTIALS_DIRECTORY: dir }).reader;
      expect(threatlocker.loadConfig(reader)?.apiToken).toBe('token-from-credentials-dir');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
