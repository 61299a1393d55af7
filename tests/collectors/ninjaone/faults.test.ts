/**
 * Every fault switch of the NinjaOne simulator against the real collector over real sockets: what
 * the collector survives (and how it shows), and what it refuses to pass off as a complete fleet.
 * Publishing and the completeness gate itself are covered in e2e.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NinjaOneSimulator } from '../../../collectors/ninjaone/simulator/index.js';
import { exitCodeOf, VendorAuthError } from '../../../warehouse/errors.js';
import { collect, expectedPatchRows, simulator } from './helpers.js';

const DAY = '2025-06-02';
const PAGE = { NINJAONE_PAGE_SIZE: '50' };

describe('NinjaOne faults', () => {
  let sim: NinjaOneSimulator;
  let truthIds: string[];

  beforeAll(async () => {
    sim = await simulator(300, 9, DAY);
    truthIds = sim.truth().devices.map((d) => String(d.id));
  });
  afterEach(() => {
    sim.setFaults({});
    sim.resetRequestLog();
  });
  afterAll(async () => {
    await sim.close();
  });

  const ids = (rows: { vendorId: string }[]) => rows.map((r) => r.vendorId);

  it('survives a 429 storm, waiting as long as Retry-After says', async () => {
    sim.setFaults({ rateLimit: { count: 3, retryAfterSeconds: 1 } });
    const started = Date.now();
    const { sink, error, ctx } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(ctx.budget.retries()).toBe(3);
    expect(sim.requests().filter((r) => r.status === 429)).toHaveLength(3);
    expect(ids(sink.deviceRows)).toEqual(truthIds);
  }, 30_000);

  it('honours Retry-After given as an HTTP date', async () => {
    sim.setFaults({ rateLimit: { count: 1, retryAfterSeconds: 2, retryAfterDate: true } });
    const started = Date.now();
    const { error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    // An HTTP date has whole seconds, so 2 s from now is at least 1 s away.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  }, 30_000);

  it('refreshes an access token revoked mid-paging once and repeats the same cursor', async () => {
    // Organizations and locations take 2 requests each, so the 3rd devices page finds its token revoked.
    sim.setFaults({ expireTokens: { afterRequests: 6 } });
    const tokensBefore = sim.tokensIssued();
    const { sink, error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(sim.tokensIssued() - tokensBefore).toBe(2);
    const log = sim.requests();
    const refused = log.findIndex((r) => r.status === 401);
    expect(log[refused]!.path).toBe('/v2/devices-detailed');
    expect(log[refused]!.query).toMatch(/after=\d+/u);
    expect(log[refused + 1]!.path).toBe('/ws/oauth/token');
    expect(log[refused + 2]).toMatchObject({ path: log[refused]!.path, query: log[refused]!.query, status: 200 });
    expect(ids(sink.deviceRows)).toEqual(truthIds);
  });

  it('fetches a new token before the old one expires, so no request is refused', async () => {
    sim.setFaults({ tokenLifetimeSeconds: 1, latencyMs: 120 });
    const tokensBefore = sim.tokensIssued();
    const { error, sink } = await collect(sim, DAY, { extra: { NINJAONE_PAGE_SIZE: '100' } });
    expect(error).toBeUndefined();
    expect(sim.tokensIssued() - tokensBefore).toBeGreaterThan(1);
    expect(sim.requests().filter((r) => r.status === 401)).toEqual([]);
    expect(ids(sink.deviceRows)).toEqual(truthIds);
  }, 30_000);

  it('retries a truncated JSON body', async () => {
    sim.setFaults({ truncateBody: { count: 2 } });
    const { sink, error, ctx } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(ctx.budget.retries()).toBe(2);
    expect(ids(sink.deviceRows)).toEqual(truthIds);
    expect(sink.patchRows).toEqual(expectedPatchRows(sim.truth(), DAY));
  });

  it('retries an HTML page served with status 200 instead of taking it for data', async () => {
    sim.setFaults({ htmlPage: { count: 2 } });
    const { sink, error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(ids(sink.deviceRows)).toEqual(truthIds);
  });

  it('asks again when a page repeats the previous one, so no device is duplicated', async () => {
    sim.setFaults({ repeatPage: { page: 3 } });
    const { sink, error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(ids(sink.deviceRows)).toEqual(truthIds);
    expect(sim.requests().filter((r) => r.path === '/v2/devices-detailed')).toHaveLength(Math.ceil(300 / 50) + 2);
  });

  it('keeps paging past a short page when the server caps pageSize, and gets the whole fleet', async () => {
    sim.setFaults({ pageSizeCap: { max: 40 } });
    const { sink, error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(ids(sink.deviceRows)).toEqual(truthIds);
    expect(sink.patchRows).toEqual(expectedPatchRows(sim.truth(), DAY));
    expect(sim.requests().filter((r) => r.path === '/v2/devices-detailed')).toHaveLength(Math.ceil(300 / 40) + 1);
  });

  it('cannot see a skipped page by itself: the fleet comes back one page short (the gate refuses it, see e2e)', async () => {
    sim.setFaults({ skipPage: { page: 2 } });
    const { sink, error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(ids(sink.deviceRows)).toEqual([...truthIds.slice(0, 50), ...truthIds.slice(100)]);
  });

  it('survives a short 5xx burst', async () => {
    sim.setFaults({ serverErrors: { count: 2, status: 502 } });
    const { sink, error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(ids(sink.deviceRows)).toEqual(truthIds);
  });

  it('gives up with exit 7 when 5xx outlast the request budget', async () => {
    sim.setFaults({ serverErrors: { count: 1000, status: 503 } });
    const { error, ctx } = await collect(sim, DAY, { extra: PAGE, budget: 4 });
    expect(exitCodeOf(error)).toBe(7);
    expect(ctx.budget.used()).toBe(4);
    expect(sim.requestCount()).toBe(4);
  }, 30_000);

  it('fails with exit 6, without the secret in the message, when the credentials are refused', async () => {
    sim.setFaults({ rejectCredentials: true });
    const { error, sink } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(exitCodeOf(error)).toBe(6);
    expect((error as Error).message).not.toContain(sim.config.NINJAONE_CLIENT_SECRET);
    expect(sink.deviceRows).toEqual([]);
    expect(sim.requestCount()).toBe(1); // an auth failure is not retried
  });

  it('serves both prefixes and token paths to a collector pointed at them unchanged', async () => {
    // The collector uses /ws/oauth/token and /v2; other clients use /oauth/token and /api/v2 (protocol.test.ts).
    const { error } = await collect(sim, DAY, { extra: PAGE });
    expect(error).toBeUndefined();
    expect(new Set(sim.requests().map((r) => r.path.split('/').slice(0, 2).join('/')))).toEqual(new Set(['/ws', '/v2']));
  });
});
