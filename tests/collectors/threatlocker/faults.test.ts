/**
 * One test per fault switch. Transient faults (429 storms, 5xx within the retry limit, truncated
 * bodies) are survived with the same rows; everything else fails with the right exit code and
 * nothing is handed on as complete.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PayloadError, VendorAuthError, VendorUnavailableError } from '../../../warehouse/errors.js';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../../collectors/threatlocker/simulator/index.js';
import { collect, collectFailing } from './helpers.js';

const N = 120;
const PAGE = { THREATLOCKER_PAGE_SIZE: '25' };
const computersPaths = (sim: ThreatLockerSimulator): string[] => sim.requestBodies().map((b) => b.path).filter((p) => p.includes('computergetbyallparameters'));

describe('threatlocker fault switches', () => {
  let sim: ThreatLockerSimulator;
  beforeAll(async () => {
    sim = await startThreatLockerSimulator({ devices: N, seed: 99, date: '2025-02-10' });
  });
  afterEach(() => sim.setFaults({}));
  afterAll(async () => sim.close());

  it('survives a 429 storm and honours Retry-After (measured)', async () => {
    sim.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 1 } });
    const started = Date.now();
    const ctx = await collect(sim, { env: PAGE });
    const elapsed = Date.now() - started;
    expect(ctx.sink.deviceRows).toHaveLength(sim.truth().computers.length);
    expect(ctx.budget.retries()).toBe(2);
    // Two waits of one second each; the shortened backoff (<= 20 ms) could not account for this.
    expect(elapsed).toBeGreaterThanOrEqual(2000);
  });

  it('survives a longer 429 storm with Retry-After 0 within the retry limit', async () => {
    sim.setFaults({ rateLimit: { count: 5, retryAfterSeconds: 0 } });
    const ctx = await collect(sim, { env: PAGE });
    expect(ctx.sink.deviceRows).toHaveLength(sim.truth().computers.length);
    expect(ctx.budget.retries()).toBe(5);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    sim.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 2, retryAfterDate: true } });
    const started = Date.now();
    const ctx = await collect(sim, { env: PAGE });
    expect(ctx.sink.deviceRows).toHaveLength(sim.truth().computers.length);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('retries a few 5xx on the POSTed list call and succeeds', async () => {
    sim.setFaults({ serverErrors: { count: 3, status: 500 } });
    const ctx = await collect(sim, { env: PAGE });
    expect(ctx.sink.deviceRows).toHaveLength(sim.truth().computers.length);
    expect(ctx.budget.retries()).toBe(3);
  });

  it('fails with VendorUnavailableError (exit 7) when 5xx outlast the retries', async () => {
    sim.setFaults({ serverErrors: { count: 1000, status: 503 } });
    const before = sim.requestCount();
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(VendorUnavailableError);
    expect(error.exitCode).toBe(7);
    expect(error.message).toMatch(/503/u);
    expect(sim.requestCount() - before).toBe(7); // the first attempt and six retries
  });

  it('fails with exit 7 when the request budget runs out during a 5xx storm', async () => {
    sim.setFaults({ serverErrors: { count: 1000, status: 502 } });
    const { error, ctx } = await collectFailing(sim, { env: PAGE, budget: 4 });
    expect(error.exitCode).toBe(7);
    expect(ctx.budget.used()).toBe(4);
  });

  it('retries a truncated body and gets the same rows', async () => {
    sim.setFaults({ truncateBody: { count: 2 } });
    const ctx = await collect(sim, { env: PAGE });
    expect(ctx.sink.deviceRows.map((r) => r.vendorId)).toEqual(sim.truth().computers.map((c) => c.computerId));
    expect(ctx.budget.retries()).toBe(2);
  });

  it('fails with PayloadError when bodies stay truncated', async () => {
    sim.setFaults({ truncateBody: { count: 1000 } });
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(PayloadError);
    expect(error.exitCode).toBe(7);
  });

  it('catches a skipped page by totalRows and refuses to hand on a short list', async () => {
    sim.setFaults({ skipPage: { pageNumber: 2 } });
    const { error, ctx } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(PayloadError);
    expect(error.message).toMatch(/listed 95 computers but ThreatLocker reports totalRows 120/u);
    expect(ctx.sink.totals.has('devices')).toBe(false);
  });

  it('catches a repeated page (the repeat guard, before any computerId is listed twice)', async () => {
    sim.setFaults({ repeatPage: { pageNumber: 3 } });
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(PayloadError);
    expect(error.message).toMatch(/Computer\/ComputerGetByAllParameters returned page 3 again \(identical to page 2\)/u);
  });

  it('catches a silent page-size cap and names the page size to set', async () => {
    sim.setFaults({ pageSizeCap: { max: 10 } });
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(PayloadError);
    expect(error.message).toMatch(/totalRows 120/u);
    expect(error.message).toMatch(/THREATLOCKER_PAGE_SIZE to 10 or less/u);
    expect(computersPaths(sim).length).toBeGreaterThan(0);
  });

  it('fails with VendorAuthError (exit 6) on a bad token, without retrying', async () => {
    sim.setFaults({ badToken: true });
    const before = sim.requestCount();
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(error.exitCode).toBe(6);
    expect(error.message).toMatch(/401/u);
    expect(error.message).not.toContain(sim.config['THREATLOCKER_API_TOKEN']);
    expect(sim.requestCount() - before).toBe(1);
  });

  it('fails with VendorAuthError (exit 6) when the organization is out of the token\'s scope', async () => {
    sim.setFaults({ forbiddenOrg: { organizationId: sim.config['THREATLOCKER_ORGANIZATION_ID'] } });
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(error.message).toMatch(/403/u);
  });

  it('fails with exit 7 and the vendor\'s message on a 417 validation error, without retrying', async () => {
    sim.setFaults({ invalid417: { count: 1, message: 'Invalid Computer Name' } });
    const before = sim.requestCount();
    const { error } = await collectFailing(sim, { env: PAGE });
    expect(error).toBeInstanceOf(VendorUnavailableError);
    expect(error.exitCode).toBe(7);
    expect(error.message).toMatch(/417.*Invalid Computer Name/u);
    expect(sim.requestCount() - before).toBe(2); // organizations, then the refused computer page
  });

  it('takes the same switches over POST /__simulator/faults', async () => {
    const post = (body: unknown) => fetch(`${sim.url}/__simulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ nonsense: true })).status).toBe(400);
    expect((await post({ rateLimit: { count: 1, retryAfterSeconds: 0 }, repeatPage: { pageNumber: 2 } })).status).toBe(200);
    const { error, ctx } = await collectFailing(sim, { env: PAGE });
    expect(error, error.message).toBeInstanceOf(PayloadError);
    expect(ctx.budget.retries()).toBe(1);
    expect((await post({})).status).toBe(200);
    expect((await collect(sim, { env: PAGE })).sink.deviceRows).toHaveLength(N);
  });
});
