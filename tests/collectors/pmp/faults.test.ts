/**
 * PMP quirks and faults, collector against simulator: errors with HTTP 200, HTML pages (unknown
 * parameter, throttle), 403 scope refusals (partial runs), token expiry on both auth modes, bad
 * credentials, and the kit's generic 429 / 5xx / truncated bodies.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createBudget, createHttp } from '../../../collectors/shared/http.js';
import { HtmlPageError, PmpApiError, PmpClient } from '../../../collectors/pmp/client.js';
import { parsePmpJson } from '../../../collectors/pmp/html.js';
import type { PmpSimulator } from '../../../collectors/pmp/simulator/index.js';
import { EXIT, PayloadError, VendorAuthError, VendorUnavailableError, exitCodeOf } from '../../../warehouse/errors.js';
import { collect, simulator } from './helpers.js';

let sim: PmpSimulator;
beforeAll(async () => {
  sim = await simulator({ devices: 40, seed: 5 });
});
afterAll(async () => sim.close());
afterEach(async () => {
  await postFaults({});
  await fetch(`${sim.url}/__simulator/reset-requests`, { method: 'POST' });
});

async function postFaults(faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/__simulator/faults`, { method: 'POST', body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
}

async function requests(): Promise<Array<{ method: string; path: string; query: string; status: number }>> {
  return (await (await fetch(`${sim.url}/__simulator/requests`)).json()) as Array<{ method: string; path: string; query: string; status: number }>;
}

const systemsCount = (): number => (sim.truth() as { systems: unknown[] }).systems.length;

describe('errors with HTTP 200', () => {
  it('an error body on the summary fails the run (exit 7), never a run with zero systems', async () => {
    await postFaults({ errorAs200: { count: 1, error_code: '10022' } });
    const run = await collect(sim.config);
    expect(run.error).toBeInstanceOf(PmpApiError);
    expect(exitCodeOf(run.error)).toBe(EXIT.vendorUnavailable);
    expect((run.error as Error).message).toMatch(/10022/u);
    expect(run.summaries).toHaveLength(0);
  });

  it('an error body on a systems page fails the run', async () => {
    await postFaults({ errorAs200: { count: 1, error_code: '10001', path: '/api/1.4/patch/scandetails' } });
    const run = await collect(sim.config);
    expect(run.error).toBeInstanceOf(PayloadError);
    expect(run.deviceRows).toHaveLength(0);
  });
});

describe('HTML pages with HTTP 200', () => {
  it('an unknown query parameter (limit instead of pagelimit) is an HTML page, a PayloadError, not retried', async () => {
    const token = await login();
    const res = await fetch(`${sim.url}/api/1.4/patch/allsystems?limit=5`, { headers: { authorization: token } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/u);

    const budget = createBudget(100);
    const log = pino({ level: 'silent' });
    const http = createHttp({ vendor: 'pmp', prefixUrl: sim.url, budget, log }).extend({ parseJson: parsePmpJson });
    const client = new PmpClient(http, { header: async () => token, invalidate: () => {} }, log);
    await expect(client.getEnvelope('api/1.4/patch/allsystems', { limit: 5 })).rejects.toBeInstanceOf(HtmlPageError);
    expect(budget.used()).toBe(1);
  });

  it('an unknown path is an HTML page with status 200', async () => {
    const res = await fetch(`${sim.url}/api/1.4/patch/nosuchthing`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^<!DOCTYPE html>/u);
  });

  it('throttle pages are retried with backoff and the run succeeds', async () => {
    await postFaults({ htmlThrottle: { count: 2 } });
    const run = await collect(sim.config);
    expect(run.error).toBeNull();
    expect(run.retries).toBe(2);
    expect(run.deviceRows).toHaveLength(systemsCount());
  });

  it('throttling that outlasts the retries is a clean "vendor unavailable" (exit 7), not a parse error', async () => {
    await postFaults({ htmlThrottle: { count: 5 } });
    const log = pino({ level: 'silent' });
    const budget = createBudget(100);
    const http = createHttp({ vendor: 'pmp', prefixUrl: sim.url, budget, log, retry: { limit: 2, baseDelayMs: 10 } }).extend({ parseJson: parsePmpJson });
    const client = new PmpClient(http, { header: async () => 'unused', invalidate: () => {} }, log);
    const error = await client.getEnvelope('api/1.4/patch/summary').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorUnavailableError);
    expect((error as Error).message).toMatch(/stayed throttled/u);
    expect(budget.used()).toBe(3);
  });

  it('endless throttling fails cleanly within the request budget (exit 7)', async () => {
    await postFaults({ htmlThrottle: { count: 1000 } });
    const run = await collect(sim.config, 4);
    expect(exitCodeOf(run.error)).toBe(EXIT.vendorUnavailable);
    expect(run.deviceRows).toHaveLength(0);
  });
});

describe('403: an endpoint outside the token scope', () => {
  it('allsystems refused: devices and the summary are published, patch status is an optional failure', async () => {
    await postFaults({ forbiddenEndpoint: { path: '/api/1.4/patch/allsystems' } });
    const run = await collect(sim.config);
    expect(run.error).toBeNull();
    expect(run.summaries).toHaveLength(1);
    expect(run.deviceRows).toHaveLength(systemsCount());
    expect(run.patchRows).toHaveLength(0);
    expect(run.optionalFailures.map((f) => f.stream)).toEqual(['patch_status']);
    expect(run.optionalFailures[0]!.error).toBeInstanceOf(VendorAuthError);
    expect(run.totals.has('patch_status')).toBe(false);
  });

  it('summary refused: systems are published, the summary is an optional failure', async () => {
    await postFaults({ forbiddenEndpoint: { path: 'api/1.4/patch/summary' } });
    const run = await collect(sim.config);
    expect(run.error).toBeNull();
    expect(run.summaries).toHaveLength(0);
    expect(run.deviceRows).toHaveLength(systemsCount());
    expect(run.optionalFailures.map((f) => f.stream)).toEqual(['summary']);
  });

  it('scandetails refused: devices come from allsystems, without MACs or agent versions', async () => {
    await postFaults({ forbiddenEndpoint: { path: '/api/1.4/patch/scandetails' } });
    const run = await collect(sim.config);
    expect(run.error).toBeNull();
    expect(run.deviceRows).toHaveLength(systemsCount());
    expect(run.patchRows).toHaveLength(systemsCount());
    expect(run.deviceRows.every((d) => d.macAddresses.length === 0 && d.agentVersion === null && d.hostname !== null)).toBe(true);
    expect(run.totals.get('devices')).toBe(systemsCount());
    expect(run.optionalFailures.map((f) => f.stream)).toEqual(['scandetails']);
  });

  it('both system endpoints refused: nothing to publish (exit 6)', async () => {
    await postFaults({ forbiddenEndpoint: { paths: ['/api/1.4/patch/scandetails', '/api/1.4/patch/allsystems'] } });
    const run = await collect(sim.config);
    expect(exitCodeOf(run.error)).toBe(EXIT.vendorAuth);
  });

  it('the customer list refused on an MSP server: customers cannot be told apart (exit 6)', async () => {
    await postFaults({ forbiddenEndpoint: { path: '/dcapi/customers' } });
    const run = await collect(sim.config);
    expect(exitCodeOf(run.error)).toBe(EXIT.vendorAuth);
    expect((run.error as Error).message).toMatch(/customers/u);
  });
});

describe('authentication', () => {
  it('on-premises: the password is sent in base64 and the token raw; an expired token logs in again once', async () => {
    await postFaults({ tokenExpiry: { afterRequests: 3 } });
    const run = await collect({ ...sim.config, PMP_PAGE_SIZE: '10' });
    expect(run.error).toBeNull();
    expect(run.deviceRows).toHaveLength(systemsCount());
    const log = await requests();
    expect(log.filter((r) => r.path === '/api/1.4/desktop/authentication')).toHaveLength(2);
    expect(log.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('cloud: refresh grant on the accounts server, Zoho-oauthtoken header; an expired token is refreshed once', async () => {
    const before = sim.requestCount();
    sim.setFaults({ tokenExpiry: { afterRequests: 2 } });
    const run = await collect(sim.cloudConfig);
    expect(run.error).toBeNull();
    expect(run.deviceRows).toHaveLength(systemsCount());
    const log = await requests();
    expect(log.some((r) => r.path.includes('authentication'))).toBe(false);
    expect(log.filter((r) => r.status === 401)).toHaveLength(1);
    // Two token grants on the accounts server: the first, and the refresh after the 401.
    expect(sim.requestCount() - before - log.length).toBe(2);
  });

  it('Bearer is refused and the raw token is refused in cloud mode', async () => {
    const res = await fetch(`${sim.accountsUrl}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'c', client_secret: 's', refresh_token: 'r' }),
    });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const get = (authorization: string) => fetch(`${sim.url}/api/1.4/patch/summary`, { headers: { authorization } });
    expect((await get(`Bearer ${token}`)).status).toBe(401);
    expect((await get(token)).status).toBe(401);
    expect((await get(`Zoho-oauthtoken ${token}`)).status).toBe(200);
  });

  it('a plain-text password is refused by the login', async () => {
    const res = await fetch(`${sim.url}/api/1.4/desktop/authentication`, {
      method: 'POST', body: JSON.stringify({ username: 'admin', password: 'not base64!', auth_type: 'local_authentication' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'error', error_code: expect.any(String) });
  });

  it('wrong credentials fail the run with exit 6 and the secret stays out of the message', async () => {
    const strict = await simulator({ devices: 5, seed: 1, credentials: { username: 'admin', password: 'right-password', refreshToken: 'right-refresh-token' } });
    try {
      const onprem = await collect({ ...strict.config, PMP_PASSWORD: 'wrong-password-1234' });
      expect(onprem.error).toBeInstanceOf(VendorAuthError);
      expect(exitCodeOf(onprem.error)).toBe(EXIT.vendorAuth);
      expect((onprem.error as Error).message).not.toMatch(/wrong-password-1234/u);
      const cloud = await collect({ ...strict.cloudConfig, PMP_REFRESH_TOKEN: 'stale-refresh-token-99' });
      expect(cloud.error).toBeInstanceOf(VendorAuthError);
      expect((cloud.error as Error).message).toMatch(/invalid_code/u);
      expect((cloud.error as Error).message).not.toMatch(/stale-refresh-token-99/u);
    } finally {
      await strict.close();
    }
  });

  it('a token refused again after logging in again is an authentication failure', async () => {
    const log = pino({ level: 'silent' });
    const http = createHttp({ vendor: 'pmp', prefixUrl: sim.url, budget: createBudget(100), log }).extend({ parseJson: parsePmpJson });
    let asked = 0;
    const client = new PmpClient(http, { header: async () => `BOGUS-${++asked}`, invalidate: () => {} }, log);
    const error = await client.getEnvelope('api/1.4/patch/summary').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(asked).toBe(2);
  });
});

describe("the kit's generic faults", () => {
  it('429 storms with Retry-After, 5xx and truncated bodies are survived', async () => {
    await postFaults({ rateLimit: { count: 2, retryAfterSeconds: 0 }, serverErrors: { count: 1 }, truncateBody: { count: 1 } });
    const run = await collect(sim.config);
    expect(run.error).toBeNull();
    expect(run.retries).toBe(4);
    expect(run.deviceRows).toHaveLength(systemsCount());
  });

  it('in-process setFaults applies the generic switches too', async () => {
    sim.setFaults({ serverErrors: { count: 1, status: 502 } });
    const run = await collect(sim.config);
    expect(run.error).toBeNull();
    expect(run.retries).toBe(1);
  });

  it('a server that stays down fails cleanly (exit 7)', async () => {
    await postFaults({ serverErrors: { count: 1000, status: 503 } });
    const run = await collect(sim.config, 3);
    expect(run.error).toBeInstanceOf(Error);
    expect(exitCodeOf(run.error)).toBe(EXIT.vendorUnavailable);
    expect(run.error).not.toBeInstanceOf(VendorAuthError);
  });
});

async function login(): Promise<string> {
  const res = await fetch(`${sim.url}/api/1.4/desktop/authentication`, {
    method: 'POST',
    body: JSON.stringify({ username: 'admin', password: Buffer.from('x').toString('base64'), auth_type: 'local_authentication' }),
  });
  const body = (await res.json()) as { message_response: { authentication: { auth_data: { auth_token: string } } } };
  return body.message_response.authentication.auth_data.auth_token;
}
