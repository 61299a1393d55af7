import { describe, expect, it } from 'vitest';
import { loadNinjaOneConfig } from '../../../collectors/ninjaone/config.js';
import { redact } from '../../../collectors/shared/redact.js';
import { ConfigError } from '../../../warehouse/errors.js';

const reader = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const creds = { NINJAONE_CLIENT_ID: 'client-1', NINJAONE_CLIENT_SECRET: 's3cret-value' };

function configError(values: Record<string, string>): ConfigError {
  try {
    loadNinjaOneConfig(reader(values));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadNinjaOneConfig', () => {
  it('is not configured when no NINJAONE_* key is set (blank counts as unset)', () => {
    expect(loadNinjaOneConfig(reader({}))).toBeNull();
    expect(loadNinjaOneConfig(reader({ NINJAONE_CLIENT_ID: '  ' }))).toBeNull();
  });

  it('resolves a region to its base URL, with the documented defaults', () => {
    expect(loadNinjaOneConfig(reader({ ...creds, NINJAONE_REGION: 'EU' }))).toEqual({
      baseUrl: 'https://eu.ninjarmm.com', clientId: 'client-1', clientSecret: 's3cret-value', pageSize: 1000, requestBudget: 20000,
    });
    for (const [region, host] of [['us', 'app'], ['oc', 'oc'], ['ca', 'ca'], ['us2', 'us2'], ['fed', 'fed']]) {
      expect(loadNinjaOneConfig(reader({ ...creds, NINJAONE_REGION: region! }))?.baseUrl).toBe(`https://${host}.ninjarmm.com`);
    }
  });

  it('takes a base URL, trims a trailing slash and keeps a proxy path', () => {
    expect(loadNinjaOneConfig(reader({ ...creds, NINJAONE_BASE_URL: 'https://app.ninjaone.com/' }))?.baseUrl).toBe('https://app.ninjaone.com');
    expect(loadNinjaOneConfig(reader({ ...creds, NINJAONE_BASE_URL: 'http://127.0.0.1:4000/ninja/' }))?.baseUrl).toBe('http://127.0.0.1:4000/ninja');
  });

  it('accepts both base URL and region when they agree, and names both when they do not', () => {
    expect(loadNinjaOneConfig(reader({ ...creds, NINJAONE_BASE_URL: 'https://eu.ninjarmm.com', NINJAONE_REGION: 'eu' }))?.baseUrl).toBe('https://eu.ninjarmm.com');
    const error = configError({ ...creds, NINJAONE_BASE_URL: 'https://app.ninjarmm.com', NINJAONE_REGION: 'eu' });
    expect(error.message).toContain('NINJAONE_BASE_URL');
    expect(error.message).toContain('NINJAONE_REGION');
    expect(error.exitCode).toBe(2);
  });

  it.each([
    [{ NINJAONE_CLIENT_ID: 'x', NINJAONE_CLIENT_SECRET: 'yyyy' }, 'NINJAONE_BASE_URL'],
    [{ NINJAONE_REGION: 'eu', NINJAONE_CLIENT_SECRET: 'yyyy' }, 'NINJAONE_CLIENT_ID'],
    [{ NINJAONE_REGION: 'eu', NINJAONE_CLIENT_ID: 'x' }, 'NINJAONE_CLIENT_SECRET'],
    [{ ...creds, NINJAONE_REGION: 'mars' }, 'NINJAONE_REGION'],
    [{ ...creds, NINJAONE_BASE_URL: 'app.ninjarmm.com' }, 'NINJAONE_BASE_URL'],
    [{ ...creds, NINJAONE_BASE_URL: 'ftp://app.ninjarmm.com' }, 'NINJAONE_BASE_URL'],
    [{ ...creds, NINJAONE_BASE_URL: 'https://app.ninjarmm.com/api/v2' }, 'NINJAONE_BASE_URL'],
    [{ ...creds, NINJAONE_BASE_URL: 'https://user:pw@app.ninjarmm.com' }, 'NINJAONE_BASE_URL'],
    [{ ...creds, NINJAONE_REGION: 'us', NINJAONE_PAGE_SIZE: '0' }, 'NINJAONE_PAGE_SIZE'],
    [{ ...creds, NINJAONE_REGION: 'us', NINJAONE_PAGE_SIZE: '1e3' }, 'NINJAONE_PAGE_SIZE'],
    [{ ...creds, NINJAONE_REGION: 'us', NINJAONE_PAGE_SIZE: '50000' }, 'NINJAONE_PAGE_SIZE'],
    [{ ...creds, NINJAONE_REGION: 'us', NINJAONE_REQUEST_BUDGET: '-5' }, 'NINJAONE_REQUEST_BUDGET'],
    [{ NINJAONE_PAGE_SIZE: '500' }, 'NINJAONE_CLIENT_ID'],
  ])('half-configured or invalid %o names %s', (values, key) => {
    const error = configError(values);
    expect(error.key).toBe(key);
    expect(error.hint).toMatch(/Set|set/u);
  });

  it('parses page size and budget, and registers the secret for redaction', () => {
    const config = loadNinjaOneConfig(reader({ ...creds, NINJAONE_REGION: 'oc', NINJAONE_PAGE_SIZE: '250', NINJAONE_REQUEST_BUDGET: '99' }));
    expect(config).toMatchObject({ pageSize: 250, requestBudget: 99 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(redact('token request with s3cret-value failed')).toBe('token request with [redacted] failed');
  });
});
