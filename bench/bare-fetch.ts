/**
 * B2's limit: the requests a NinjaOne collection makes (every endpoint, the same parameters and page
 * sizes, in the same order and with the same concurrency as collectors/ninjaone) made by a bare
 * client (node's fetch) that only parses each body far enough to follow the paging and then drops
 * it: no mapping, no raw pages, no staging. What a collection costs beyond this is the collector's.
 * `devicesOnly` keeps the older, narrower figure: the device pages alone.
 */
import { installWindowStart } from '../collectors/ninjaone/streams/patches.js';

export interface BareFetch {
  rows: number;
  requests: number;
  /** Wall time spent awaiting responses, bodies read (the simulator's work, the sockets). */
  httpMs: number;
  /** Time spent in JSON.parse. */
  parseMs: number;
}

interface Target { base: string; token: string; pageSize: number; totals: BareFetch }

async function getJson(t: Target, path: string, params: Record<string, string | number>): Promise<unknown> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  const since = performance.now();
  const response = await fetch(`${t.base}/${path}?${query}`, { headers: { authorization: `Bearer ${t.token}`, accept: 'application/json' } });
  const text = await response.text();
  const parsing = performance.now();
  t.totals.httpMs += parsing - since;
  t.totals.requests += 1;
  if (!response.ok) throw new Error(`bare fetch: ${path} answered ${response.status}`);
  const body: unknown = JSON.parse(text);
  t.totals.parseMs += performance.now() - parsing;
  return body;
}

/** A list endpoint: pageSize + after, until an empty page (as the collector asks). */
async function list(t: Target, path: string): Promise<void> {
  let after: number | undefined;
  for (;;) {
    const page = (await getJson(t, path, { pageSize: t.pageSize, ...(after === undefined ? {} : { after }) })) as Array<{ id: number }>;
    if (page.length === 0) return;
    t.totals.rows += page.length;
    after = page[page.length - 1]?.id;
  }
}

/** A query endpoint: cursor by name until empty results, or a short page without a cursor name. */
async function query(t: Target, path: string, params: Record<string, string | number> = {}): Promise<void> {
  let cursor: string | undefined;
  for (;;) {
    const page = (await getJson(t, path, { ...params, pageSize: t.pageSize, ...(cursor === undefined ? {} : { cursor }) })) as { cursor?: { name?: string }; results: unknown[] };
    if (page.results.length === 0) return;
    t.totals.rows += page.results.length;
    const next = page.cursor?.name;
    if (typeof next !== 'string' || next === '') return;
    cursor = next;
  }
}

export async function bareFetch(input: { env: Record<string, string>; pageSize: number; date: string; devicesOnly: boolean }): Promise<BareFetch> {
  const base = (input.env.NINJAONE_BASE_URL as string).replace(/\/+$/u, '');
  const tokenResponse = await fetch(`${base}/ws/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials', client_id: input.env.NINJAONE_CLIENT_ID as string,
      client_secret: input.env.NINJAONE_CLIENT_SECRET as string, scope: 'monitoring',
    }),
  });
  const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
  const t: Target = { base, token, pageSize: input.pageSize, totals: { rows: 0, requests: 1, httpMs: 0, parseMs: 0 } };
  if (input.devicesOnly) {
    await list(t, 'v2/devices-detailed');
    return t.totals;
  }
  // The collector's order (collectors/ninjaone/index.ts, streams/patches.ts).
  await list(t, 'v2/organizations');
  await list(t, 'v2/locations');
  await list(t, 'v2/devices-detailed');
  await query(t, 'v2/queries/os-patch-installs', { status: 'INSTALLED', installedAfter: installWindowStart(input.date) });
  await query(t, 'v2/queries/os-patches');
  return t.totals;
}
