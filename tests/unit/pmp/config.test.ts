import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, loadPmpConfig, secretsOf } from '../../../collectors/pmp/config.js';
import { pmp } from '../../../collectors/pmp/index.js';
import { redact } from '../../../collectors/shared/redact.js';
import { createReader } from '../../../warehouse/config.js';
import { ConfigError } from '../../../warehouse/errors.js';

const load = (env: Record<string, string>) => loadPmpConfig(createReader(env));
const ONPREM = { PMP_BASE_URL: 'https://pmp.example.local:8383', PMP_AUTH: 'onprem', PMP_USERNAME: 'api', PMP_PASSWORD: 'onprem-secret-1' };
const CLOUD = {
  PMP_BASE_URL: 'https://patch.manageengine.com.au', PMP_AUTH: 'cloud', PMP_CLIENT_ID: '1000.ABC',
  PMP_CLIENT_SECRET: 'cloud-secret-22', PMP_REFRESH_TOKEN: '1000.refresh.token33',
};

function configError(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('PMP configuration', () => {
  it('is not configured when no PMP_* key is set', () => {
    expect(load({ NINJAONE_CLIENT_ID: 'x' })).toBeNull();
  });

  it('reads an on-premises configuration with defaults', () => {
    const config = load(ONPREM)!;
    expect(config).toMatchObject({
      baseUrl: 'https://pmp.example.local:8383',
      auth: { mode: 'onprem', username: 'api', password: 'onprem-secret-1', domain: null },
      pageSize: DEFAULT_PAGE_SIZE, requestBudget: 20_000, siteMode: 'auto',
    });
    expect(secretsOf(config)).toEqual(['onprem-secret-1']);
    expect(redact('login with onprem-secret-1')).not.toMatch(/onprem-secret-1/u);
  });

  it('reads a cloud configuration and derives the accounts server of a known data centre', () => {
    const config = load(CLOUD)!;
    expect(config.auth).toMatchObject({ mode: 'cloud', accountsUrl: 'https://accounts.zoho.com.au', clientId: '1000.ABC' });
    expect(secretsOf(config).sort()).toEqual(['1000.refresh.token33', 'cloud-secret-22']);
  });

  it('ignores the keys of the other mode', () => {
    expect(load({ ...CLOUD, PMP_USERNAME: 'x' })!.auth.mode).toBe('cloud');
  });

  it('strips a pasted /api path and trailing slashes from the base URL', () => {
    expect(load({ ...ONPREM, PMP_BASE_URL: 'https://pmp.example.local:8383/api/1.4/' })!.baseUrl).toBe('https://pmp.example.local:8383');
  });

  it.each([
    [{ ...ONPREM, PMP_AUTH: 'oauth' }, 'PMP_AUTH'],
    [{ PMP_BASE_URL: 'https://x' }, 'PMP_AUTH'],
    [{ PMP_AUTH: 'onprem' }, 'PMP_BASE_URL'],
    [{ ...ONPREM, PMP_PASSWORD: '' }, 'PMP_PASSWORD'],
    [{ ...ONPREM, PMP_USERNAME: '' }, 'PMP_USERNAME'],
    [{ ...CLOUD, PMP_REFRESH_TOKEN: '' }, 'PMP_REFRESH_TOKEN'],
    [{ ...CLOUD, PMP_CLIENT_SECRET: '' }, 'PMP_CLIENT_SECRET'],
    [{ ...CLOUD, PMP_BASE_URL: 'https://pmp.internal' }, 'PMP_ACCOUNTS_URL'],
    [{ ...ONPREM, PMP_BASE_URL: 'pmp.example.local' }, 'PMP_BASE_URL'],
    [{ ...ONPREM, PMP_PAGE_SIZE: '5000' }, 'PMP_PAGE_SIZE'],
    [{ ...ONPREM, PMP_PAGE_SIZE: 'lots' }, 'PMP_PAGE_SIZE'],
    [{ ...ONPREM, PMP_REQUEST_BUDGET: '0' }, 'PMP_REQUEST_BUDGET'],
    [{ ...ONPREM, PMP_SITE_MODE: 'tenants' }, 'PMP_SITE_MODE'],
  ])('a half-configured or invalid setting names the key (%#)', (env, key) => {
    const error = configError(env as Record<string, string>);
    expect(error.key).toBe(key);
    expect(error.message).toContain(key);
    expect(error.hint.length).toBeGreaterThan(10);
  });

  it('takes secrets from $CREDENTIALS_DIRECTORY files named in lower case', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pmp-creds-'));
    writeFileSync(path.join(dir, 'pmp_client_secret'), 'from-a-file-secret\n');
    writeFileSync(path.join(dir, 'pmp_refresh_token'), 'from-a-file-refresh\n');
    const config = load({ ...CLOUD, PMP_CLIENT_SECRET: '', PMP_REFRESH_TOKEN: '', CREDENTIALS_DIRECTORY: dir })!;
    expect(config.auth).toMatchObject({ clientSecret: 'from-a-file-secret', refreshToken: 'from-a-file-refresh' });
  });

  it('declares its keys and secrets on the source', () => {
    expect(pmp.name).toBe('pmp');
    expect(pmp.keys.required).toEqual(['PMP_BASE_URL', 'PMP_AUTH']);
    expect([...pmp.keys.secrets].sort()).toEqual(['PMP_CLIENT_SECRET', 'PMP_PASSWORD', 'PMP_REFRESH_TOKEN']);
  });
});
