/**
 * The client against a scripted server, for answers the simulator never gives on purpose: a 401 that
 * survives a token refresh, error bodies where a list belongs, pages that never follow the cursor.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createNinjaOneClient } from '../../../collectors/ninjaone/client.js';
import type { NinjaOneConfig } from '../../../collectors/ninjaone/config.js';
import { createBudget } from '../../../collectors/shared/http.js';
import { exitCodeOf, PayloadError, VendorAuthError } from '../../../warehouse/errors.js';

type Handler = (req: IncomingMessage, url: URL, res: ServerResponse) => void;
let server: Server | undefined;
const seen: string[] = [];

async function serve(handler: Handler): Promise<NinjaOneConfig> {
  seen.length = 0;
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/ws/oauth/token') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `t${seen.length}`, token_type: 'Bearer', expires_in: 3600 }));
      return;
    }
    handler(req, url, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, clientId: 'id', clientSecret: 'secret-xyz', pageSize: 2, requestBudget: 100 };
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const client = (config: NinjaOneConfig) => createNinjaOneClient(config, { budget: createBudget(50), log: pino({ level: 'silent' }) });

async function drain<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('NinjaOne client', () => {
  it('pages a list by after = last id and stops on an empty page', async () => {
    const ids = [3, 5, 8, 13, 21];
    const config = await serve((_req, url, res) => {
      const after = Number(url.searchParams.get('after') ?? 0);
      json(res, 200, ids.filter((id) => id > after).slice(0, Number(url.searchParams.get('pageSize'))).map((id) => ({ id })));
    });
    expect((await drain(client(config).list<{ id: number }>('v2/devices-detailed'))).map((d) => d.id)).toEqual(ids);
    expect(seen.filter((s) => s.startsWith('GET'))).toEqual([
      'GET /v2/devices-detailed?pageSize=2', 'GET /v2/devices-detailed?pageSize=2&after=5',
      'GET /v2/devices-detailed?pageSize=2&after=13', 'GET /v2/devices-detailed?pageSize=2&after=21',
    ]);
  });

  it('treats a 401 that survives one token refresh as an authentication failure (exit 6)', async () => {
    const config = await serve((_req, _url, res) => json(res, 401, { resultCode: 'FAILURE', errorMessage: 'Unauthorized', incidentId: 'inc-1' }));
    const error = await drain(client(config).list('v2/organizations')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorAuthError);
    expect(exitCodeOf(error)).toBe(6);
    expect((error as VendorAuthError).context.requestId).toBe('inc-1');
    expect(seen).toEqual(['POST /ws/oauth/token', 'GET /v2/organizations?pageSize=2', 'POST /ws/oauth/token', 'GET /v2/organizations?pageSize=2']);
  });

  it('refuses an error body where a list belongs, instead of reading it as an empty fleet', async () => {
    const config = await serve((_req, _url, res) => json(res, 200, { resultCode: 'FAILURE', errorMessage: 'Internal error', incidentId: 'x' }));
    const error = await drain(client(config).list('v2/devices-detailed')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as Error).message).toContain('Internal error');
  });

  it('gives up on a list that keeps answering with ids before the cursor', async () => {
    const config = await serve((_req, _url, res) => json(res, 200, [{ id: 1 }, { id: 2 }]));
    const error = await drain(client(config).list('v2/devices-detailed')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as Error).message).toMatch(/does not follow the cursor/u);
  });

  it('refuses items without integer ids', async () => {
    const config = await serve((_req, _url, res) => json(res, 200, [{ id: '7' }]));
    await expect(drain(client(config).list('v2/devices-detailed'))).rejects.toBeInstanceOf(PayloadError);
  });

  it('follows query cursors until results are empty, keeping the other parameters', async () => {
    const config = await serve((_req, url, res) => {
      const cursor = url.searchParams.get('cursor');
      const page = cursor === null ? 0 : Number(cursor.slice(1));
      json(res, 200, { cursor: { name: `c${page + 1}`, offset: page * 2, count: page < 2 ? 2 : 0, expires: 1 }, results: page < 2 ? [{ deviceId: page }, { deviceId: page }] : [] });
    });
    expect(await drain(client(config).query('v2/queries/os-patches', { status: 'PENDING' }))).toHaveLength(4);
    expect(seen.filter((s) => s.startsWith('GET'))).toEqual([
      'GET /v2/queries/os-patches?status=PENDING&pageSize=2', 'GET /v2/queries/os-patches?status=PENDING&pageSize=2&cursor=c1',
      'GET /v2/queries/os-patches?status=PENDING&pageSize=2&cursor=c2',
    ]);
  });

  it('refuses a full query page without a cursor to continue from', async () => {
    const config = await serve((_req, _url, res) => json(res, 200, { results: [{}, {}] }));
    await expect(drain(client(config).query('v2/queries/os-patches'))).rejects.toBeInstanceOf(PayloadError);
  });

  it('reports a token endpoint refusal as an authentication failure without the secret', async () => {
    server = createServer((_req, res) => json(res, 400, { error: 'invalid_client', error_description: 'bad secret-xyz' }));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const config: NinjaOneConfig = { baseUrl: `http://127.0.0.1:${port}`, clientId: 'id', clientSecret: 'secret-xyz', pageSize: 2, requestBudget: 10 };
    const { registerSecret } = await import('../../../collectors/shared/redact.js');
    registerSecret(config.clientSecret);
    const error = await drain(client(config).list('v2/organizations')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VendorAuthError);
    expect((error as Error).message).toContain('invalid_client');
    expect((error as Error).message).not.toContain('secret-xyz');
  });
});
