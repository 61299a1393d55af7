import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { jsonResponse, startSimulator, type RunningSimulator, type SimRequest, type SimulatorSpec } from '../../../collectors/simulation/server.js';

interface FakeSpec extends SimulatorSpec { seen: SimRequest[]; day: string; faults: Record<string, unknown> }

function fakeSpec(withErrorBody = false): FakeSpec {
  const spec: FakeSpec = {
    name: 'fake', seen: [], day: '2025-01-01', faults: {},
    handle(req) {
      spec.seen.push(req);
      if (req.path === '/boom') throw new Error('handler failed');
      return jsonResponse(200, { path: req.path, page: req.query.get('page'), body: req.body, day: spec.day, items: [1, 2, 3, 4, 5, 6] });
    },
    truth: () => ({ day: spec.day, devices: 3 }),
    setDay(date) { if (date < '2025-01-01') throw new Error('before start'); spec.day = date; },
    setFaults(f) { spec.faults = f; },
  };
  if (withErrorBody) spec.errorBody = (status, message) => jsonResponse(status, { resultCode: 'ERROR', status, message });
  return spec;
}

const post = (url: string, body: unknown): Promise<Response> =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('simulator kit', () => {
  let spec: FakeSpec;
  let sim: RunningSimulator;
  beforeEach(async () => { spec = fakeSpec(); sim = await startSimulator(spec); });
  afterEach(async () => { await sim.close(); });

  it('serves vendor routes on 127.0.0.1 with query, body and request numbers', async () => {
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    const r = await fetch(`${sim.url}/v2/devices?page=2`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(await r.json()).toMatchObject({ path: '/v2/devices', page: '2' });
    const p = await post(`${sim.url}/portalapi/Computer`, { pageNumber: 1 });
    expect(((await p.json()) as { body: string }).body).toBe('{"pageNumber":1}');
    expect(spec.seen.map((s) => s.requestNumber)).toEqual([1, 2]);
    expect(spec.seen[1]!.method).toBe('POST');
  });

  it('offers admin endpoints that are not counted as API requests', async () => {
    await fetch(`${sim.url}/a?x=1`);
    expect(await (await fetch(`${sim.url}/__simulator/truth`)).json()).toEqual({ day: '2025-01-01', devices: 3 });
    expect((await post(`${sim.url}/__simulator/day`, { date: '2025-01-05' })).status).toBe(200);
    expect(spec.day).toBe('2025-01-05');
    expect((await post(`${sim.url}/__simulator/day`, { date: 'tomorrow' })).status).toBe(400);
    expect((await post(`${sim.url}/__simulator/day`, { date: '2024-12-01' })).status).toBe(400);
    expect(await (await fetch(`${sim.url}/__simulator/requests`)).json()).toEqual([{ method: 'GET', path: '/a', query: 'x=1', status: 200 }]);
    expect(sim.requestCount()).toBe(1);
    await post(`${sim.url}/__simulator/reset-requests`, {});
    expect(sim.requestCount()).toBe(0);
    expect(sim.requests()).toEqual([]);
    expect((await fetch(`${sim.url}/__simulator/nope`)).status).toBe(404);
  });

  it('answers 429 with Retry-After in seconds, then recovers', async () => {
    await post(`${sim.url}/__simulator/faults`, { rateLimit: { count: 2, retryAfterSeconds: 3 }, vendorThing: true });
    expect(spec.faults).toEqual({ rateLimit: { count: 2, retryAfterSeconds: 3 }, vendorThing: true });
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${sim.url}/x`);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(await r.json()).toEqual({ error: 'Too many requests' });
    }
    expect((await fetch(`${sim.url}/x`)).status).toBe(200);
    expect(sim.requests().map((r) => r.status)).toEqual([429, 429, 200]);
    expect(spec.seen).toHaveLength(1); // the handler never saw the throttled requests
  });

  it('can give Retry-After as an HTTP date', async () => {
    await post(`${sim.url}/__simulator/faults`, { rateLimit: { count: 1, retryAfterSeconds: 10, retryAfterDate: true } });
    const r = await fetch(`${sim.url}/x`);
    const when = Date.parse(r.headers.get('retry-after') ?? '');
    expect(when - Date.now()).toBeGreaterThan(5_000);
    expect(when - Date.now()).toBeLessThan(15_000);
  });

  it('returns 5xx (503 by default, or the given status), then recovers; {} clears faults', async () => {
    await post(`${sim.url}/__simulator/faults`, { serverErrors: { count: 1 } });
    expect((await fetch(`${sim.url}/x`)).status).toBe(503);
    expect((await fetch(`${sim.url}/x`)).status).toBe(200);
    await post(`${sim.url}/__simulator/faults`, { serverErrors: { count: 5, status: 502 } });
    expect((await fetch(`${sim.url}/x`)).status).toBe(502);
    await post(`${sim.url}/__simulator/faults`, {});
    expect(spec.faults).toEqual({});
    expect((await fetch(`${sim.url}/x`)).status).toBe(200);
  });

  it('truncates successful JSON bodies to half, keeping status 200', async () => {
    const full = await (await fetch(`${sim.url}/x`)).text();
    await post(`${sim.url}/__simulator/faults`, { truncateBody: { count: 1 } });
    const r = await fetch(`${sim.url}/x`);
    expect(r.status).toBe(200);
    const cut = await r.text();
    expect(cut).toBe(full.slice(0, Math.floor(full.length / 2)));
    expect(() => JSON.parse(cut)).toThrow();
    expect(await (await fetch(`${sim.url}/x`)).text()).toBe(full);
  });

  it('adds latency', async () => {
    await post(`${sim.url}/__simulator/faults`, { latencyMs: 120 });
    const t0 = Date.now();
    await fetch(`${sim.url}/x`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('rejects malformed fault switches without applying them', async () => {
    const r = await post(`${sim.url}/__simulator/faults`, { rateLimit: { count: -1 } });
    expect(r.status).toBe(400);
    expect(spec.faults).toEqual({});
    expect((await post(`${sim.url}/__simulator/faults`, [1])).status).toBe(400);
  });

  it('turns handler exceptions into 500', async () => {
    expect((await fetch(`${sim.url}/boom`)).status).toBe(500);
  });
});

describe('simulator kit with a vendor error body', () => {
  it('uses errorBody for 429 and 5xx and keeps Retry-After', async () => {
    const sim = await startSimulator(fakeSpec(true));
    try {
      await post(`${sim.url}/__simulator/faults`, { rateLimit: { count: 1 }, serverErrors: { count: 1, status: 500 } });
      const a = await fetch(`${sim.url}/x`);
      expect(a.status).toBe(429);
      expect(a.headers.get('retry-after')).toBe('1');
      expect(await a.json()).toEqual({ resultCode: 'ERROR', status: 429, message: 'Too many requests' });
      const b = await fetch(`${sim.url}/x`);
      expect(b.status).toBe(500);
      expect(((await b.json()) as { resultCode: string }).resultCode).toBe('ERROR');
    } finally {
      await sim.close();
    }
  });

  it('closes promptly with keep-alive connections open', async () => {
    const sim = await startSimulator(fakeSpec());
    await fetch(`${sim.url}/x`); // undici keeps this socket alive
    const t0 = Date.now();
    await sim.close();
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
