/**
 * A tiny HTTP kit shared by the vendor simulators (node:http, no framework).
 *
 * The kit owns the admin endpoints under /__simulator/ and the generic fault switches
 * (429 storms, 5xx, truncated bodies, latency), so each vendor simulator only implements its
 * routes, its truth, its day switch and its own vendor-specific faults.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultState { [name: string]: unknown }
export interface SimRequest {
  method: string;
  path: string;              // without query
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  requestNumber: number;     // 1-based count of API (non-admin) requests since start or reset
}
export interface SimResponse { status: number; headers?: Record<string, string>; body: string | Buffer }
export interface SimulatorSpec {
  name: string;
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
  truth(): unknown;
  setDay(date: string): void;
  setFaults(faults: Record<string, unknown>): void;
  /** Vendor-shaped body for kit-generated errors (429, 5xx); defaults to {"error": message}. */
  errorBody?(status: number, message: string): SimResponse;
}
export interface RequestLogEntry { method: string; path: string; query: string; status: number }
export interface RunningSimulator {
  url: string;
  port: number;
  requestCount(): number;
  requests(): RequestLogEntry[];
  resetRequestLog(): void;
  /** The same as POST /__simulator/faults, in-process: validates, then replaces every switch (kit and vendor). */
  setFaults(faults: Record<string, unknown>): void;
  close(): Promise<void>;
}

/** Generic switches the kit applies before a vendor handler sees the request. */
interface KitFaults {
  rateLimit?: { count: number; retryAfterSeconds: number; retryAfterDate: boolean };
  serverErrors?: { count: number; status: number };
  truncateBody?: { count: number };
  latencyMs: number;
}

const ADMIN_PREFIX = '/__simulator/';
const JSON_TYPE = 'application/json; charset=utf-8';

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(value) };
}

class BadRequest extends Error {}

function positiveCount(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new BadRequest(`${name}.count must be a non-negative integer`);
  return v;
}
function asObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadRequest(`${name} must be an object`);
  return v as Record<string, unknown>;
}

/** Validates and extracts the generic switches; unknown keys are left to the vendor. */
export function parseKitFaults(f: Record<string, unknown>): KitFaults {
  const out: KitFaults = { latencyMs: 0 };
  if (f.rateLimit !== undefined) {
    const r = asObject(f.rateLimit, 'rateLimit');
    const secs = r.retryAfterSeconds ?? 1;
    if (typeof secs !== 'number' || secs < 0) throw new BadRequest('rateLimit.retryAfterSeconds must be a non-negative number');
    out.rateLimit = { count: positiveCount(r.count, 'rateLimit'), retryAfterSeconds: secs, retryAfterDate: r.retryAfterDate === true };
  }
  if (f.serverErrors !== undefined) {
    const s = asObject(f.serverErrors, 'serverErrors');
    const status = s.status ?? 503;
    if (typeof status !== 'number' || status < 500 || status > 599) throw new BadRequest('serverErrors.status must be 5xx');
    out.serverErrors = { count: positiveCount(s.count, 'serverErrors'), status };
  }
  if (f.truncateBody !== undefined) out.truncateBody = { count: positiveCount(asObject(f.truncateBody, 'truncateBody').count, 'truncateBody') };
  if (f.latencyMs !== undefined) {
    if (typeof f.latencyMs !== 'number' || f.latencyMs < 0) throw new BadRequest('latencyMs must be a non-negative number');
    out.latencyMs = f.latencyMs;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, r: SimResponse): void {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
  if (!hasType) headers['content-type'] = JSON_TYPE;
  headers['content-length'] = String(Buffer.byteLength(r.body));
  res.writeHead(r.status, headers);
  res.end(r.body);
}

function parseJsonBody(body: string): unknown {
  try { return JSON.parse(body); } catch { throw new BadRequest('body must be JSON'); }
}

export function startSimulator(spec: SimulatorSpec, opts: { port?: number; host?: string } = {}): Promise<RunningSimulator> {
  let faults: KitFaults = { latencyMs: 0 };
  let count = 0;
  let log: RequestLogEntry[] = [];
  const errorBody = (status: number, message: string): SimResponse =>
    spec.errorBody ? spec.errorBody(status, message) : jsonResponse(status, { error: message });

  function setFaults(f: Record<string, unknown>): void {
    const parsed = parseKitFaults(f); // validate before applying anything
    spec.setFaults(f);
    faults = parsed;
  }

  async function admin(method: string, path: string, body: string): Promise<SimResponse> {
    const route = `${method} ${path.slice(ADMIN_PREFIX.length)}`;
    switch (route) {
      case 'GET truth': return jsonResponse(200, spec.truth());
      case 'GET requests': return jsonResponse(200, log);
      case 'POST reset-requests': count = 0; log = []; return jsonResponse(200, { ok: true });
      case 'POST day': {
        const date = asObject(parseJsonBody(body), 'body').date;
        if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new BadRequest('body must be {"date":"YYYY-MM-DD"}');
        try { spec.setDay(date); } catch (e) { throw new BadRequest(e instanceof Error ? e.message : String(e)); }
        return jsonResponse(200, { ok: true, date });
      }
      case 'POST faults': {
        const f = asObject(parseJsonBody(body), 'body');
        try { setFaults(f); } catch (e) { throw new BadRequest(e instanceof Error ? e.message : String(e)); }
        return jsonResponse(200, { ok: true, faults: f });
      }
      default: return jsonResponse(404, { error: `no admin route ${route}` });
    }
  }

  async function api(req: SimRequest): Promise<SimResponse> {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const rl = faults.rateLimit;
    if (rl && rl.count > 0) {
      rl.count--;
      const retryAfter = rl.retryAfterDate
        ? new Date(Date.now() + rl.retryAfterSeconds * 1000).toUTCString()
        : String(Math.ceil(rl.retryAfterSeconds));
      const r = errorBody(429, 'Too many requests');
      return { ...r, status: 429, headers: { ...(r.headers ?? {}), 'retry-after': retryAfter } };
    }
    const se = faults.serverErrors;
    if (se && se.count > 0) {
      se.count--;
      return { ...errorBody(se.status, 'Service unavailable (simulated)'), status: se.status };
    }
    const r = await spec.handle(req);
    const tb = faults.truncateBody;
    if (tb && tb.count > 0 && r.status === 200 && isJson(r)) {
      tb.count--;
      const buf = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
      return { ...r, body: buf.subarray(0, Math.floor(buf.length / 2)) };
    }
    return r;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    const isAdmin = url.pathname.startsWith(ADMIN_PREFIX);
    let r: SimResponse;
    try {
      const body = await readBody(req);
      if (isAdmin) {
        r = await admin(method, url.pathname, body);
      } else {
        const requestNumber = ++count;
        r = await api({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body, requestNumber });
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      r = err instanceof BadRequest ? jsonResponse(400, { error: message }) : errorBody(500, message);
    }
    if (!isAdmin) log.push({ method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: r.status });
    if (!res.destroyed) send(res, r);
  });
  server.keepAliveTimeout = 30_000;

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const { port, address } = server.address() as AddressInfo;
      const host = address.includes(':') ? `[${address}]` : address;
      resolve({
        url: `http://${host}:${port}`,
        port,
        requestCount: () => count,
        requests: () => log.slice(),
        resetRequestLog: () => { count = 0; log = []; },
        setFaults,
        close: () => new Promise<void>((done, fail) => {
          server.close((e) => (e ? fail(e) : done()));
          server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
        }),
      });
    });
  });
}

function isJson(r: SimResponse): boolean {
  const type = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return type === undefined || type.includes('json');
}
