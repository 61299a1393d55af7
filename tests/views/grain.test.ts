/**
 * Every bi view's declared grain (the `-- grain:` line of its file, views/grain.ts) is a key of the
 * view on a realistic warehouse, and no bi view goes without one. The warehouse is built with the
 * demo's own machinery: the three simulators over real sockets, the real runner, findings refreshed
 * every few days, a history crossing two month-ends, rolled up like a nightly, one finding
 * acknowledged and the first month closed (so the closed-month branches have rows too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../warehouse/alerts/evaluate.js';
import { collectHistory } from '../../bin/commands/demo-collect.js';
import { createProgress } from '../../bin/progress.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { daysOf, nightlyRollup } from '../../rollups/run.js';
import { acknowledgeException } from '../../warehouse/matching/exceptions.js';
import { createLogger } from '../../warehouse/log.js';
import { addDays } from '../../warehouse/time.js';
import { loadViewFiles } from '../../views/apply.js';
import { declaredGrain } from '../../views/grain.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

/** 2026-01-28 to 2026-03-06: the month-ends of January and February, and March so far. */
const FIRST = '2026-01-28';
const DAYS = 38;
const LAST = addDays(FIRST, DAYS - 1);
const TODAY = addDays(LAST, 1);
/** A seed whose estate spells one client differently in NinjaOne, so bi.unmapped_aliases has rows too. */
const SEED = 7;

const BI_FILES = loadViewFiles().filter((f) => f.schema === 'bi');
const grainOf = (name: string): string[] | null => declaredGrain(BI_FILES.find((f) => f.name === name)?.sql ?? '');

let db: TestDatabase;
let home: string;

beforeAll(async () => {
  db = await testDatabase();
  home = mkdtempSync(path.join(tmpdir(), 'warehouse-grain-'));
  const history = await collectHistory({
    url: db.url, first: FIRST, days: DAYS, devices: 30, seed: SEED, today: TODAY,
    env: { WAREHOUSE_TIMEZONE: 'UTC', WAREHOUSE_HOME: home, WAREHOUSE_RAW_PAGES: 'off' },
    log: createLogger({ level: 'silent' }), progress: createProgress(false),
  });
  expect(history.failures).toEqual([]);
  await nightlyRollup(db.sql, daysOf(FIRST, LAST), { today: TODAY });
  const [finding] = await db.sql<{ id: number }[]>`select exception_id::int as id from core.exceptions where status = 'open' order by exception_id limit 1`;
  await evaluateAlerts(db.sql, TODAY);
  if (finding) await acknowledgeException(db.sql, finding.id, 'grain test: accepted');
  // Once more after the acknowledgement, so bi.alerts holds a resolved alert beside the open ones.
  await evaluateAlerts(db.sql, TODAY);
  await closeBillingMonth(db.sql, '2026-01', { today: TODAY, closedBy: 'grain test' });
}, 600_000);

afterAll(async () => {
  await db?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('the grain of every bi view', () => {
  it.each(BI_FILES.map((f) => f.name))('%s: no two rows share the declared grain, on a warehouse where it has rows', async (name) => {
    const grain = grainOf(name);
    expect(grain, `${name} declares no grain: add a "-- grain: col, col" line under its "one row per" comment`).not.toBeNull();
    const key = (grain as string[]).join(', ');
    const [rows] = await db.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${name}`);
    expect(rows?.n, `${name} is empty on the test warehouse: its grain would be checked on nothing`).toBeGreaterThan(0);
    const duplicates = await db.sql.unsafe(
      `select ${key ? `${key}, ` : ''}count(*)::int as rows from ${name} ${key ? `group by ${key}` : ''} having count(*) > 1 limit 5`,
    );
    expect(duplicates, `${name} has several rows per (${key || 'the whole view'})`).toEqual([]);
  });

  it('every bi view in the database has a file, and every file a grain', async () => {
    const views = await db.sql<{ name: string }[]>`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'bi' and c.relkind in ('v', 'm') order by 1`;
    expect(views.map((v) => v.name)).toEqual(BI_FILES.map((f) => f.name).sort());
    expect(BI_FILES.filter((f) => grainOf(f.name) === null).map((f) => f.name)).toEqual([]);
  });
});
