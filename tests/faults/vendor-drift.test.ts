/**
 * Vendor bad input through the real simulators, rewritten on the wire by a proxy: schema drift (an
 * unknown field kept in the raw payload; a changed type or a missing id quarantined with a reason; the
 * run refused past the quarantine threshold), timestamps in the wrong unit (never published), and
 * duplicate ids across pages (never published twice). Everything runs the real collector, the real
 * run lifecycle and real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { startPmpSimulator, type PmpSimulator } from '../../collectors/pmp/simulator/index.js';
import { runCollect, type RunResult } from '../../warehouse/run/runner.js';
import { EXIT, exitCodeOf } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { startRewriteProxy, type Rewrite, type RewriteProxy } from './helpers/rewrite-proxy.js';

const SIM_DAY = '2026-03-01';
type Row = Record<string, unknown>;

let db: TestDatabase;
let ninja: NinjaOneSimulator;
let ninjaProxy: RewriteProxy;
let pmp: PmpSimulator;
let pmpProxy: RewriteProxy;

beforeAll(async () => {
  db = await testDatabase();
  ninja = await startNinjaOneSimulator({ devices: 100, seed: 21, date: SIM_DAY });
  ninjaProxy = await startRewriteProxy(ninja.url);
  pmp = await startPmpSimulator({ devices: 60, seed: 22, date: SIM_DAY });
  pmpProxy = await startRewriteProxy(pmp.url);
});
afterAll(async () => {
  await Promise.all([ninjaProxy?.close(), pmpProxy?.close(), ninja?.close(), pmp?.close()]);
  await db?.close();
});

/** One run through the proxy with `rewrite` applied; failures are returned, not thrown. */
async function run(source: 'ninjaone' | 'pmp', day: string, rewrite: Rewrite | undefined): Promise<{ exitCode: number; runId?: number; message: string }> {
  const proxy = source === 'ninjaone' ? ninjaProxy : pmpProxy;
  const config = source === 'ninjaone'
    ? { ...ninja.config, NINJAONE_BASE_URL: proxy.url, NINJAONE_PAGE_SIZE: '25' }
    : { ...pmp.config, PMP_BASE_URL: proxy.url, PMP_PAGE_SIZE: '20' };
  proxy.setRewrite(rewrite);
  try {
    const result: RunResult = await runCollect({ source: SOURCES[source], env: { ...config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day });
    return { exitCode: result.exitCode, runId: result.runId, message: result.error?.message ?? '' };
  } catch (error) {
    return { exitCode: exitCodeOf(error), message: (error as Error).message };
  } finally {
    proxy.setRewrite(undefined);
  }
}

/** NinjaOne's device list pages (bare arrays); `edit` sees each page with its 1-based number. */
const ninjaDevices = (edit: (devices: Row[], page: number) => Row[] | void): Rewrite => {
  let page = 0;
  return (path, body) => {
    if (path !== '/v2/devices-detailed' || !Array.isArray(body) || body.length === 0) return undefined;
    page += 1;
    return edit(body as Row[], page) ?? body;
  };
};

/** PMP's scandetails rows, inside message_response; `edit` sees each page's rows with its number. */
const pmpScandetails = (edit: (rows: Row[], page: number) => void): Rewrite => {
  let page = 0;
  return (path, body) => {
    const response = (body as { message_response?: Record<string, unknown> }).message_response;
    if (!path.endsWith('/patch/scandetails') || !response) return undefined;
    const rows = Object.values(response).find(Array.isArray) as Row[] | undefined;
    if (!rows || rows.length === 0) return undefined;
    edit(rows, ++page);
    return body;
  };
};

const published = async (day: string, source = 'ninjaone') => (await db.sql<{ n: number }[]>`
  select count(*)::int as n from core.device_days d join ops.source_instances si on si.source_instance_id = d.source_instance_id
  where d.snapshot_day = ${day} and si.source = ${source}`)[0]?.n;
const quarantined = (runId: number | undefined) => db.sql<{ vendor_id: string | null; reason: string }[]>`
  select vendor_id, reason from ops.quarantine where run_id = ${runId ?? -1} order by vendor_id`;

describe('schema drift', () => {
  it('an unknown new field: the run publishes and raw.pages keeps the field as the vendor sent it', async () => {
    const result = await run('ninjaone', '2026-03-02', ninjaDevices((devices) => devices.map((d) => ({ ...d, riskScore: { value: 7, band: 'amber' } }))));
    expect(result.exitCode).toBe(EXIT.ok);
    expect(await published('2026-03-02')).toBe(100);
    const [kept] = await db.sql<{ n: number; pages: number }[]>`
      select count(*)::int as n, count(distinct p.page_no)::int as pages from raw.pages p, jsonb_array_elements(p.payload) as d
      where p.run_id = ${result.runId as number} and p.stream = 'devices' and d -> 'riskScore' = '{"value": 7, "band": "amber"}'::jsonb`;
    expect(kept).toEqual({ n: 100, pages: 4 });
  });

  it('timestamps in the wrong unit are quarantined with the reason; the rest publishes; no 1970 or 2050 dates', async () => {
    const result = await run('ninjaone', '2026-03-03', ninjaDevices((devices, page) => {
      if (page !== 2) return;
      const [first, second] = devices as [Row, Row];
      first.lastContact = (first.lastContact as number) * 1000; // milliseconds where seconds belong
      second.lastContact = Date.UTC(2050, 0, 1) / 1000; // a date no agent has reached
    }));
    expect(result.exitCode).toBe(EXIT.ok);
    expect(await published('2026-03-03')).toBe(98);
    const held = await quarantined(result.runId);
    expect(held).toHaveLength(2);
    for (const row of held) expect(row.reason).toMatch(/last contact .* is implausible \(wrong unit upstream\?\)/u);
    const [range] = await db.sql`select min(last_contact_at) < '2000-01-01' as too_early, max(last_contact_at) > now() + interval '2 days' as too_late from core.device_days`;
    expect(range).toEqual({ too_early: false, too_late: false });
  });

  it('past the threshold (PMP epoch seconds read as milliseconds, every system) the run is refused and nothing is published', async () => {
    const result = await run('pmp', '2026-03-03', pmpScandetails((rows) => {
      for (const row of rows) if (typeof row.agent_last_contact_time === 'number') row.agent_last_contact_time = Math.round(row.agent_last_contact_time / 1000);
    }));
    expect(result.exitCode).toBe(EXIT.gateRefused);
    expect(result.message).toMatch(/devices: \d+ of \d+ records quarantined/u);
    expect(await published('2026-03-03', 'pmp')).toBe(0);
    const held = await quarantined(result.runId);
    expect(held.length).toBeGreaterThan(0);
    expect(held.every((r) => /1970-01-\d\d.* is implausible/u.test(r.reason))).toBe(true);
  });

  // A record whose mapping fails (deviceClassOf refuses a non-string nodeClass) is quarantined with
  // its reason; one odd record never fails the whole run.
  it('a changed type (NinjaOne nodeClass as a number) is quarantined with a reason; the rest publishes', async () => {
    const result = await run('ninjaone', '2026-03-04', ninjaDevices((devices, page) => { if (page === 1) (devices[0] as Row).nodeClass = 7; }));
    expect(result.exitCode).toBe(EXIT.ok);
    expect(await quarantined(result.runId)).toHaveLength(1);
  });

  // A record without its id is quarantined by the mapper; the client's page-order check reads the
  // integer ids around it, so the run goes on.
  it('a NinjaOne device without its id is quarantined with a reason; the rest publishes', async () => {
    const result = await run('ninjaone', '2026-03-05', ninjaDevices((devices, page) => {
      if (page === 2) delete (devices[3] as Row).id;
    }));
    expect(result.exitCode).toBe(EXIT.ok);
    expect(await quarantined(result.runId)).toEqual([{ vendor_id: null, reason: 'device id is missing' }]);
  });

  // A missing resource_id maps to no id (never the text "undefined"), so warehouse/load/validate.ts
  // quarantines the system as "device id is missing".
  it('a PMP system without resource_id is quarantined, never published as "undefined"', async () => {
    const result = await run('pmp', '2026-03-05', pmpScandetails((rows, page) => { if (page === 1) delete (rows[0] as Row).resource_id; }));
    const [ghost] = await db.sql`select count(*)::int as n from core.device_days where vendor_id = 'undefined'`;
    expect(ghost?.n).toBe(0);
    expect(await quarantined(result.runId)).toEqual([{ vendor_id: null, reason: 'device id is missing' }]);
  });
});

describe('duplicate ids across pages', () => {
  it('NinjaOne: pages that keep repeating an earlier device are refused by the client; nothing is published', async () => {
    let first: Row | undefined;
    // Every page after the first starts with the first page's first device (asking again does not help).
    const result = await run('ninjaone', '2026-03-06', (path, body, request) => {
      if (path !== '/v2/devices-detailed' || !Array.isArray(body) || body.length === 0) return undefined;
      if (!request.query.includes('after=')) first = { ...(body[0] as Row) };
      else if (first) return [first, ...(body as Row[]).slice(1)];
      return undefined;
    });
    expect(result.exitCode).toBe(EXIT.vendorUnavailable);
    expect(result.message).toMatch(/does not follow the cursor/u);
    expect(await published('2026-03-06')).toBe(0);
  });

  it('PMP: the same resource_id on two pages is refused by the gate; nothing is published', async () => {
    let first: Row | undefined;
    const result = await run('pmp', '2026-03-06', pmpScandetails((rows, page) => {
      if (page === 1) first = { ...(rows[0] as Row) };
      if (page === 2 && first) rows[0] = first;
    }));
    expect(result.exitCode).toBe(EXIT.gateRefused);
    expect(result.message).toMatch(/duplicate vendor ids \(\S+ x2\)/u);
    expect(await published('2026-03-06', 'pmp')).toBe(0);
  });
});
