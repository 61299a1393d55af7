/**
 * Vendors whose paging loops, made on the wire by a rewriting proxy in front of each real simulator:
 * a page served again (under a new cursor name, or ignoring `after` / `pageNumber` / `page`) and a
 * position that never advances end `warehouse collect` with exit 7 within a few requests, naming the
 * endpoint; nothing is published; the failed run's raw pages go with the raw-page retention. And a
 * NinjaOne query row sent twice counts once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { startPmpSimulator, type PmpSimulator } from '../../collectors/pmp/simulator/index.js';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../collectors/threatlocker/simulator/index.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { addDays } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { cli, scratchHome } from './helpers/cli.js';
import { startRewriteProxy, type Rewrite, type RewriteProxy } from './helpers/rewrite-proxy.js';

type Row = Record<string, unknown>;
type Source = 'ninjaone' | 'threatlocker' | 'pmp';

const SIM_DAY = '2026-04-01';
/** Far fewer than a looping vendor would take before the budget (the issue saw 12,289). */
const FEW_REQUESTS = 40;
/** Generous for a CLI start on a loaded 2-core machine; a loop to the budget takes minutes. */
const FEW_SECONDS_MS = 20_000;

let db: TestDatabase;
const home = scratchHome();
const sims: { ninjaone?: NinjaOneSimulator; threatlocker?: ThreatLockerSimulator; pmp?: PmpSimulator } = {};
const proxies = {} as Record<Source, RewriteProxy>;

const envFor = (source: Source): Record<string, string> => {
  const proxy = proxies[source].url;
  switch (source) {
    case 'ninjaone': return { ...sims.ninjaone!.config, NINJAONE_BASE_URL: proxy, NINJAONE_PAGE_SIZE: '10' };
    case 'threatlocker': return { ...sims.threatlocker!.config, THREATLOCKER_BASE_URL: proxy, THREATLOCKER_PAGE_SIZE: '10' };
    case 'pmp': return { ...sims.pmp!.config, PMP_BASE_URL: proxy, PMP_PAGE_SIZE: '10' };
  }
};

beforeAll(async () => {
  db = await testDatabase();
  sims.ninjaone = await startNinjaOneSimulator({ devices: 40, seed: 71, date: SIM_DAY });
  sims.threatlocker = await startThreatLockerSimulator({ devices: 40, seed: 72, date: SIM_DAY });
  sims.pmp = await startPmpSimulator({ devices: 40, seed: 73, date: SIM_DAY });
  proxies.ninjaone = await startRewriteProxy(sims.ninjaone.url);
  proxies.threatlocker = await startRewriteProxy(sims.threatlocker.url);
  proxies.pmp = await startRewriteProxy(sims.pmp.url);
  // Yesterday is whole for every source, so a refused day has something to leave untouched.
  for (const source of ['ninjaone', 'threatlocker', 'pmp'] as const) {
    const result = await runCollect({ source: SOURCES[source], env: { ...envFor(source), DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: SIM_DAY, today: SIM_DAY });
    expect(result.status, result.error?.message).toBe('succeeded');
  }
}, 60_000);
afterAll(async () => {
  await Promise.all(Object.values(proxies).map((p) => p.close()));
  await Promise.all([sims.ninjaone?.close(), sims.threatlocker?.close(), sims.pmp?.close()]);
  await db?.close();
});

async function collect(source: Source, day: string, rewrite: Rewrite) {
  proxies[source].setRewrite(rewrite);
  const started = Date.now();
  try {
    const result = await cli(['collect', source, '--date', day, '--accept-past-date'], { ...envFor(source), DATABASE_URL: db.url, WAREHOUSE_HOME: home }, { timeoutMs: 120_000 });
    return { ...result, ms: Date.now() - started };
  } finally {
    proxies[source].setRewrite(undefined);
  }
}

/** What the warehouse holds for a source-day: published devices, the source-day itself, and the run. */
async function dayOf(source: Source, day: string) {
  const [state] = await db.sql<{ devices: number; source_days: number; status: string; exit_code: number; error_code: string; requests: number; raw_pages: number }[]>`
    select
      (select count(*)::int from core.device_days d where d.source_instance_id = si.source_instance_id and d.snapshot_day = ${day}) as devices,
      (select count(*)::int from ops.source_days sd where sd.source_instance_id = si.source_instance_id and sd.snapshot_day = ${day}) as source_days,
      r.status, r.exit_code, r.error_code, r.requests,
      (select count(*)::int from raw.pages p where p.run_id = r.run_id) as raw_pages
    from ops.source_instances si
    join ops.sync_runs r on r.source_instance_id = si.source_instance_id and r.snapshot_day = ${day}
    where si.source = ${source}
    order by r.run_id desc limit 1`;
  return state;
}

/** The proxy's view of one path: `edit` sees each non-empty response with its 1-based number. */
function onPath(match: (path: string) => boolean, edit: (body: unknown, n: number) => unknown): Rewrite {
  let n = 0;
  return (path, body) => (match(path) ? edit(body, ++n) : undefined);
}

const ninjaQuery = (endpoint: string, edit: (page: { cursor: Row; results: Row[] }, n: number) => unknown) =>
  onPath((p) => p === `/v2/queries/${endpoint}`, (body, n) => edit(body as { cursor: Row; results: Row[] }, n));

/** Remembers the first answer and serves it again from the second on (`tweak` may alter the copy). */
function firstPageForever<T>(rowsOf: (body: unknown) => T[] | undefined, setRows: (body: unknown, rows: T[]) => unknown, tweak: (rows: T[]) => T[] = (r) => r) {
  let first: T[] | undefined;
  return (body: unknown, n: number): unknown => {
    const rows = rowsOf(body);
    if (rows === undefined || rows.length === 0) return undefined;
    if (n === 1) first = structuredClone(rows);
    else if (first) return setRows(body, tweak(structuredClone(first)));
    return undefined;
  };
}

interface LoopCase { name: string; source: Source; day: string; rewrite: () => Rewrite; message: RegExp }

const pmpRows = (key: string) => (body: unknown) => ((body as { message_response?: Row }).message_response?.[key]) as Row[] | undefined;
const withPmpRows = (key: string) => (body: unknown, rows: Row[]) => ({ ...(body as Row), message_response: { ...(body as { message_response: Row }).message_response, [key]: rows } });

const CASES: LoopCase[] = [
  {
    name: 'NinjaOne os-patches page 1 served again under a new cursor name',
    source: 'ninjaone', day: '2026-04-02',
    rewrite: () => {
      let first: Row[] | undefined;
      return ninjaQuery('os-patches', (page, n) => {
        if (page.results.length === 0) return undefined;
        if (n === 1) first = structuredClone(page.results);
        else if (first) return { cursor: { ...page.cursor, name: `renamed-${n}` }, results: first };
        return undefined;
      });
    },
    message: /ninjaone: v2\/queries\/os-patches returned page 2 again \(identical to page 1\): the vendor's paging is looping/u,
  },
  {
    name: 'NinjaOne os-patches cursor that never advances (same name, offset 0, the first rows for ever)',
    source: 'ninjaone', day: '2026-04-03',
    rewrite: () => {
      let first: Row[] | undefined;
      return ninjaQuery('os-patches', (page, n) => {
        if (n === 1) first = structuredClone(page.results);
        return { cursor: { ...page.cursor, offset: 0 }, results: first };
      });
    },
    message: /ninjaone: v2\/queries\/os-patches returned page 2 again \(identical to page 1\)/u,
  },
  {
    name: 'NinjaOne os-patch-installs whose offset grows, then stops (fresh rows, the position stuck)',
    source: 'ninjaone', day: '2026-04-04',
    rewrite: () => {
      let stuck: unknown;
      return ninjaQuery('os-patch-installs', (page, n) => {
        if (n === 2) stuck = page.cursor.offset;
        return n >= 3 && page.results.length > 0 ? { ...page, cursor: { ...page.cursor, offset: stuck } } : undefined;
      });
    },
    message: /ninjaone: v2\/queries\/os-patch-installs returned page 3 without advancing \(position (\d+) after \1 on page 2\)/u,
  },
  {
    name: 'NinjaOne devices-detailed ignoring `after` (page 1 again, fresher lastContact)',
    source: 'ninjaone', day: '2026-04-05',
    rewrite: () => onPath((p) => p === '/v2/devices-detailed', firstPageForever<Row>(
      (b) => (Array.isArray(b) ? (b as Row[]) : undefined), (_b, rows) => rows,
      (rows) => rows.map((d) => ({ ...d, lastContact: (d.lastContact as number) + 60 })))),
    message: /ninjaone: v2\/devices-detailed returned page 2 again \(after=\d+, identical to page 1; it does not follow the cursor/u,
  },
  {
    name: 'ThreatLocker computers ignoring pageNumber (page 1 again, fresher check-in times)',
    source: 'threatlocker', day: '2026-04-02',
    rewrite: () => onPath((p) => p.endsWith('/Computer/ComputerGetByAllParameters'), firstPageForever<Row>(
      (b) => (Array.isArray(b) ? (b as Row[]) : undefined), (_b, rows) => rows,
      (rows) => rows.map((c) => ({ ...c, lastCheckin: '2026-04-02T00:00:00Z' })))),
    message: /threatlocker: Computer\/ComputerGetByAllParameters returned page 2 again \(identical to page 1\)/u,
  },
  {
    name: 'PMP scandetails page 1 rows served again as page 2',
    source: 'pmp', day: '2026-04-02',
    rewrite: () => onPath((p) => p.endsWith('/patch/scandetails'), firstPageForever(pmpRows('scandetails'), withPmpRows('scandetails'))),
    message: /pmp: api\/1\.4\/patch\/scandetails returned page 2 again \(identical to page 1\)/u,
  },
  {
    name: 'PMP allsystems answering every page as page 1 (fresh rows, the page echo stuck)',
    source: 'pmp', day: '2026-04-03',
    rewrite: () => onPath((p) => p.endsWith('/patch/allsystems'), (body) => {
      const response = (body as { message_response?: Row }).message_response;
      return response ? { ...(body as Row), message_response: { ...response, page: 1 } } : undefined;
    }),
    message: /pmp: api\/1\.4\/patch\/allsystems returned page 2 without advancing \(position 1 after 1 on page 1\)/u,
  },
];

// A narrative: the retention test at the end drops the raw pages the looping runs before it left.
inOrder('a looping vendor ends the run fast with exit 7, naming the endpoint; nothing is published', () => {
  it.each(CASES)('$source: $name', async ({ source, day, rewrite, message }) => {
    const result = await collect(source, day, rewrite());
    expect(result.code, result.err).toBe(EXIT.vendorUnavailable);
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(new RegExp(`→ Re-run later; if it persists, report it to ${source}`, 'u'));
    expect(result.err).not.toMatch(/\n\s+at /u); // no stack trace
    expect(result.ms).toBeLessThan(FEW_SECONDS_MS);
    const state = await dayOf(source, day);
    expect(state).toMatchObject({ devices: 0, source_days: 0, status: 'failed', exit_code: EXIT.vendorUnavailable, error_code: 'ERR_VENDOR_PAGING_LOOP' });
    expect(state?.requests).toBeLessThan(FEW_REQUESTS);
  }, 60_000);

  it('the failed runs\' raw pages are kept only as long as any raw page: the raw retention drops them', async () => {
    const failedDays = [...new Set(CASES.map((c) => c.day))].sort();
    const failedPages = () => db.sql<{ n: number }[]>`
      select count(*)::int as n from raw.pages p join ops.sync_runs r on r.run_id = p.run_id where r.status = 'failed'`;
    expect((await failedPages())[0]?.n).toBeGreaterThan(0);
    const published = () => db.sql<{ n: number }[]>`select count(*)::int as n from core.device_days where snapshot_day = ${SIM_DAY}`;
    const before = (await published())[0]?.n;
    expect(before).toBeGreaterThan(0);
    const policy: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 5000 };
    // The day the last failed day's raw partition expires; the published day (SIM_DAY) expires with them.
    const today = addDays(failedDays.at(-1) as string, policy.rawDays);
    const result = await applyRetention(db.sql, await planRetention(db.sql, today, policy), policy);
    expect(result.busy).toEqual([]);
    expect((await failedPages())[0]?.n).toBe(0);
    // Only raw pages went: the published yesterday is still whole.
    expect((await published())[0]?.n).toBe(before);
  });
});

describe('NinjaOne query rows sent twice count once', () => {
  it('a pending patch and an install repeated inside a page and across pages: the counts are exact', async () => {
    const day = '2026-04-06';
    // The first row of each page is repeated in place, and page 2 also starts with page 1's last row.
    const duplicating = (endpoint: string): Rewrite => {
      let lastOfPrevious: Row | undefined;
      return ninjaQuery(endpoint, (page) => {
        if (page.results.length === 0) return undefined;
        const [first] = page.results;
        const results = [first as Row, ...page.results];
        if (lastOfPrevious) results.unshift(lastOfPrevious);
        lastOfPrevious = page.results.at(-1);
        return { ...page, results };
      });
    };
    const counts = (d: string) => db.sql<Row[]>`
      select p.device_id, p.missing_critical, p.missing_important, p.missing_moderate, p.missing_low, p.missing_unrated,
        p.missing_os, p.missing_driver, p.installed_count
      from core.patch_status p join ops.source_instances si on si.source_instance_id = p.source_instance_id
      where si.source = 'ninjaone' and p.snapshot_day = ${d} order by p.device_id`;
    // The truth: the same day read cleanly first (the install window depends on the day).
    const clean = await runCollect({ source: SOURCES.ninjaone, env: { ...envFor('ninjaone'), DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day });
    expect(clean.status, clean.error?.message).toBe('succeeded');
    const truth = await counts(day);
    expect(truth.some((r) => Number(r.missing_critical) > 0)).toBe(true);
    expect(truth.some((r) => Number(r.installed_count) > 0)).toBe(true);
    const both = [duplicating('os-patches'), duplicating('os-patch-installs')];
    const result = await collect('ninjaone', day, (path, body, request) => {
      for (const rewrite of both) {
        const changed = rewrite(path, body, request);
        if (changed !== undefined) return changed;
      }
      return undefined;
    });
    expect(result.code, result.err).toBe(EXIT.ok);
    const [run] = await db.sql<{ status: string }[]>`select status from ops.sync_runs order by run_id desc limit 1`;
    expect(run?.status).toBe('succeeded');
    expect(await counts(day)).toEqual(truth);
  }, 60_000);
});
