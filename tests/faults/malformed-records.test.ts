/**
 * One malformed vendor record never costs the night: through the real simulators, rewritten on the
 * wire, and `warehouse collect` as the timer runs it. A NUL byte or a lone UTF-16 surrogate in a
 * name is cleaned to U+FFFD and published, its raw page kept exactly (payload_verbatim); a field of
 * the wrong type is coerced when that is unambiguous (a number serial) or quarantined with a reason
 * naming the field, and the rest of the fleet publishes with exit 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { startPmpSimulator, type PmpSimulator } from '../../collectors/pmp/simulator/index.js';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../collectors/threatlocker/simulator/index.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, scratchHome } from './helpers/cli.js';
import { startRewriteProxy, type Rewrite, type RewriteProxy } from './helpers/rewrite-proxy.js';

type Row = Record<string, unknown>;
const NUL = String.fromCharCode(0);
const LONE_HIGH = '\uD83D';

let db: TestDatabase;
let ninja: NinjaOneSimulator;
let proxy: RewriteProxy;
let tl: ThreatLockerSimulator;
let tlProxy: RewriteProxy;
let pmp: PmpSimulator;
let pmpProxy: RewriteProxy;
const home = scratchHome();

beforeAll(async () => {
  db = await testDatabase();
  ninja = await startNinjaOneSimulator({ devices: 60, seed: 52, date: '2026-04-01' });
  proxy = await startRewriteProxy(ninja.url);
  tl = await startThreatLockerSimulator({ devices: 60, seed: 53, date: '2026-04-01' });
  tlProxy = await startRewriteProxy(tl.url);
  pmp = await startPmpSimulator({ devices: 60, seed: 54, date: '2026-04-01' });
  pmpProxy = await startRewriteProxy(pmp.url);
});
afterAll(async () => {
  await Promise.all([proxy?.close(), ninja?.close(), tlProxy?.close(), tl?.close(), pmpProxy?.close(), pmp?.close()]);
  await db?.close();
});

/** The device list pages with device `index` of page 1 edited; `sent` records each page as it left the proxy. */
function editFirstPage(index: number, edit: (device: Row) => void, sent: string[] = []): Rewrite {
  let page = 0;
  return (path, body) => {
    if (path !== '/v2/devices-detailed' || !Array.isArray(body) || body.length === 0) return undefined;
    page += 1;
    if (page === 1) edit(body[index] as Row);
    sent.push(JSON.stringify(body));
    return body;
  };
}

async function collect(day: string, rewrite: Rewrite, source: 'ninjaone' | 'threatlocker' | 'pmp' = 'ninjaone', extra: Record<string, string> = {}) {
  const through = { ninjaone: proxy, threatlocker: tlProxy, pmp: pmpProxy }[source];
  const config = {
    ninjaone: { ...ninja.config, NINJAONE_BASE_URL: proxy.url, NINJAONE_PAGE_SIZE: '20' },
    threatlocker: { ...tl.config, THREATLOCKER_BASE_URL: tlProxy.url, THREATLOCKER_PAGE_SIZE: '20' },
    pmp: { ...pmp.config, PMP_BASE_URL: pmpProxy.url, PMP_PAGE_SIZE: '20' },
  }[source];
  through.setRewrite(rewrite);
  try {
    const result = await cli(['collect', source, '--date', day, '--accept-past-date'], { ...config, DATABASE_URL: db.url, WAREHOUSE_HOME: home, WAREHOUSE_RAW_PAGES: 'on', ...extra });
    const [run] = await db.sql<{ run_id: number }[]>`
      select r.run_id from ops.sync_runs r join ops.source_instances si on si.source_instance_id = r.source_instance_id
      where r.snapshot_day = ${day} and si.source = ${source} order by r.run_id desc limit 1`;
    return { ...result, runId: run?.run_id ?? -1 };
  } finally {
    through.setRewrite(undefined);
  }
}

const published = async (day: string, source = 'ninjaone') => (await db.sql<{ n: number }[]>`
  select count(*)::int as n from core.device_days d join ops.source_instances si on si.source_instance_id = d.source_instance_id
  where d.snapshot_day = ${day} and si.source = ${source}`)[0]?.n;
const quarantined = (runId: number) => db.sql<{ stream: string; vendor_id: string | null; reason: string; payload_verbatim: string | null }[]>`
  select stream, vendor_id, reason, payload_verbatim from ops.quarantine where run_id = ${runId} order by quarantine_id`;
const device = async (day: string, vendorId: string) => (await db.sql<Row[]>`
  select display_name, hostname, serial_number, mac_addresses, extras from core.device_days where snapshot_day = ${day} and vendor_id = ${vendorId}`)[0];
const firstId = () => String(ninja.truth().devices[0]?.id);

describe('NinjaOne: one malformed device', () => {
  it('a NUL byte in a name: published with U+FFFD, the raw page stored and read back byte for byte', async () => {
    const sent: string[] = [];
    const result = await collect('2026-04-02', editFirstPage(0, (d) => {
      d.displayName = `Front${NUL}Desk`;
      d.netbiosName = `NB${NUL}1`; // an extras field (jsonb)
    }, sent));
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-02')).toBe(60);
    expect(await device('2026-04-02', firstId())).toMatchObject({ display_name: 'Front\uFFFDDesk', extras: expect.objectContaining({ netbiosName: 'NB\uFFFD1' }) as unknown });
    const pages = await db.sql<{ page_no: number; verbatim: string | null; cleaned: string }[]>`
      select page_no, payload_verbatim as verbatim, payload -> 0 ->> 'displayName' as cleaned
      from raw.pages where run_id = ${result.runId} and stream = 'devices' order by page_no`;
    expect(pages.map((p) => p.page_no)).toEqual([1, 2, 3]);
    expect(pages[0]?.verbatim).toBe(sent[0]);
    expect(pages[0]?.verbatim).toContain('Front\\u0000Desk');
    expect(pages[0]?.cleaned).toBe('Front\uFFFDDesk');
    // Pages jsonb could hold as they were need no verbatim copy.
    expect(pages.slice(1).map((p) => p.verbatim)).toEqual([null, null]);
  });

  it('a lone surrogate in a name: published with U+FFFD, the raw page kept exactly', async () => {
    const sent: string[] = [];
    const result = await collect('2026-04-03', editFirstPage(0, (d) => { d.systemName = `HOST${LONE_HIGH}`; }, sent));
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-03')).toBe(60);
    expect((await device('2026-04-03', firstId()))?.hostname).toBe('HOST\uFFFD');
    const [page] = await db.sql<{ verbatim: string }[]>`
      select payload_verbatim as verbatim from raw.pages where run_id = ${result.runId} and stream = 'devices' and page_no = 1`;
    expect(page?.verbatim).toBe(sent[0]);
    expect(JSON.parse(page?.verbatim ?? 'null')[0].systemName).toBe(`HOST${LONE_HIGH}`);
  });

  it('ipAddresses as a string: that device is quarantined naming the field; the rest publishes', async () => {
    const result = await collect('2026-04-04', editFirstPage(0, (d) => { d.ipAddresses = '10.0.0.7'; }));
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-04')).toBe(59);
    expect(await quarantined(result.runId)).toEqual([
      { stream: 'devices', vendor_id: firstId(), reason: 'ipAddresses is a string, expected an array', payload_verbatim: null },
    ]);
  });

  it('system.serialNumber as a number: coerced to its decimal string and published', async () => {
    const result = await collect('2026-04-05', editFirstPage(0, (d) => { d.system = { ...(d.system as Row | undefined), serialNumber: 4_711_0815 }; }));
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-05')).toBe(60);
    expect((await device('2026-04-05', firstId()))?.serial_number).toBe('47110815');
    expect(await quarantined(result.runId)).toEqual([]);
  });

  it('null inside macAddresses: the null is skipped, the real MACs kept, the device published', async () => {
    const result = await collect('2026-04-06', editFirstPage(0, (d) => { d.macAddresses = [null, 'aa-bb-cc-dd-ee-01', null]; }));
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-06')).toBe(60);
    expect((await device('2026-04-06', firstId()))?.mac_addresses).toEqual(['AA:BB:CC:DD:EE:01']);
  });

  it('a device id given as a string: that device is quarantined (never guessed), the run is not refused', async () => {
    let id = '';
    const result = await collect('2026-04-07', editFirstPage(3, (d) => { id = String(d.id); d.id = id; }));
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-07')).toBe(59);
    expect(await quarantined(result.runId)).toEqual([
      { stream: 'devices', vendor_id: id, reason: 'device id is a string, expected an integer', payload_verbatim: null },
    ]);
  });

  it('a quarantined record holding a NUL keeps its exact JSON next to the cleaned jsonb', async () => {
    const result = await collect('2026-04-08', editFirstPage(0, (d) => { d.ipAddresses = `10.0.0.7${NUL}`; }));
    expect(result.code, result.err).toBe(EXIT.ok);
    const [held] = await quarantined(result.runId);
    expect(held?.reason).toBe('ipAddresses is a string, expected an array');
    expect(JSON.parse(held?.payload_verbatim ?? 'null')).toMatchObject({ ipAddresses: `10.0.0.7${NUL}` });
    const [stored] = await db.sql<{ ip: string }[]>`select payload ->> 'ipAddresses' as ip from ops.quarantine where run_id = ${result.runId}`;
    expect(stored?.ip).toBe('10.0.0.7\uFFFD');
  });
});

/** The first row of the first non-empty page of a list, edited; ThreatLocker answers bare arrays. */
function editFirstRow(matches: (path: string) => boolean, rowsOf: (body: unknown) => Row[] | undefined, edit: (row: Row) => void): Rewrite {
  let done = false;
  return (path, body) => {
    const rows = matches(path) ? rowsOf(body) : undefined;
    if (done || !rows || rows.length === 0) return undefined;
    done = true;
    edit(rows[0] as Row);
    return body;
  };
}
const tlComputers = (edit: (row: Row) => void) => editFirstRow((p) => p.endsWith('/Computer/ComputerGetByAllParameters'), (b) => (Array.isArray(b) ? b as Row[] : undefined), edit);
const pmpScandetails = (edit: (row: Row) => void) => editFirstRow((p) => p.endsWith('/patch/scandetails'), (b) => {
  const response = (b as { message_response?: Record<string, unknown> } | null)?.message_response;
  return response ? Object.values(response).find(Array.isArray) as Row[] | undefined : undefined;
}, edit);

describe('ThreatLocker and PMP: one malformed record', () => {
  it('ThreatLocker: a NUL and a lone surrogate in names are published as U+FFFD, the raw page kept exactly', async () => {
    let id = '';
    const result = await collect('2026-04-02', tlComputers((c) => { id = String(c.computerId).toLowerCase(); c.computerName = `PC${NUL}1`; c.hostname = `pc1${LONE_HIGH}`; }), 'threatlocker');
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-02', 'threatlocker')).toBe(60);
    expect(await device('2026-04-02', id)).toMatchObject({ display_name: 'PC\uFFFD1', hostname: 'pc1\uFFFD' });
    const [page] = await db.sql<{ verbatim: string }[]>`
      select payload_verbatim as verbatim from raw.pages where run_id = ${result.runId} and stream = 'devices' and page_no = 1`;
    expect(page?.verbatim).toContain('PC\\u0000');
  });

  it('ThreatLocker: lastCheckinLocalIPAddresses as a string is quarantined naming the field; totals still add up', async () => {
    let id = '';
    const result = await collect('2026-04-03', tlComputers((c) => { id = String(c.computerId).toLowerCase(); c.lastCheckinLocalIPAddresses = '10.1.1.1'; }), 'threatlocker');
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-03', 'threatlocker')).toBe(59);
    expect((await quarantined(result.runId)).map((q) => [q.vendor_id, q.reason])).toEqual([
      [id, 'computer page 1 row 0: lastCheckinLocalIPAddresses is a string, expected an array'],
    ]);
  });

  it('PMP: a NUL and a lone surrogate in names are published as U+FFFD, the raw page kept exactly', async () => {
    let id = '';
    const result = await collect('2026-04-02', pmpScandetails((r) => { id = String(r.resource_id); r.resource_name = `SRV${NUL}9`; r.os_name = `Windows${LONE_HIGH}`; }), 'pmp');
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-02', 'pmp')).toBe(60);
    expect((await device('2026-04-02', id))?.hostname).toBe('SRV\uFFFD9');
    const pages = await db.sql<{ verbatim: string | null }[]>`
      select payload_verbatim as verbatim from raw.pages where run_id = ${result.runId} and stream = 'scandetails' order by page_no`;
    expect(pages.filter((p) => p.verbatim !== null)).toHaveLength(1);
    expect(pages.find((p) => p.verbatim !== null)?.verbatim).toContain('SRV\\u00009');
  });

  it('PMP: a branch office with no id and a 100,000-character name is keyed by a bounded key and kept whole', async () => {
    // Every row of the first row's branch office loses its id and gets the long name (PMP then keys the office by name).
    const LONG = Array.from({ length: 100_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join('');
    let office: unknown;
    const rewrite: Rewrite = (path, body) => {
      if (!path.endsWith('/patch/scandetails')) return undefined;
      const response = (body as { message_response?: Record<string, unknown> } | null)?.message_response;
      const rows = response ? Object.values(response).find(Array.isArray) as Row[] | undefined : undefined;
      if (!rows || rows.length === 0) return undefined;
      office ??= rows[0]?.branch_office_id;
      for (const row of rows.filter((r) => r.branch_office_id === office)) {
        delete row.branch_office_id;
        row.branch_office_name = LONG;
      }
      return body;
    };
    // A single-tenant server's branch offices stand for the clients.
    const result = await collect('2026-04-04', rewrite, 'pmp', { PMP_SITE_MODE: 'branch_offices' });
    expect(result.code, result.err).toBe(EXIT.ok);
    expect(await published('2026-04-04', 'pmp')).toBe(60);
    const aliases = await db.sql<{ key: number; name: number }[]>`
      select length(a.external_id) as key, length(a.name) as name from core.site_aliases a
      join ops.source_instances si using (source_instance_id) where si.source = 'pmp' and length(a.name) = 100000`;
    expect(aliases).toHaveLength(1);
    expect(aliases[0]?.key).toBeLessThanOrEqual(200);
  });

  it('PMP: a system row with every field gone is quarantined with its reason; the rest publishes', async () => {
    const result = await collect('2026-04-03', pmpScandetails((r) => { for (const key of Object.keys(r)) delete r[key]; }), 'pmp');
    expect(result.code, result.err).toBe(EXIT.ok);
    expect((await quarantined(result.runId)).map((q) => q.reason)).toEqual(['device id is missing']);
    expect(await published('2026-04-03', 'pmp')).toBe(59);
  });
});
