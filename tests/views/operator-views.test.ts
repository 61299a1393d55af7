/**
 * Views an MSP operator builds on bi survive `warehouse migrate`: replaced in place when the shape
 * allows, recreated with their owner, grants and comments when a managed view changes shape, and a
 * migration that would break one is refused with nothing changed. Each test has its own database.
 */
import { describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { rollupDays } from '../../rollups/run.js';
import { applyViews, loadViewFiles, type ViewFile } from '../../views/apply.js';
import { EXIT, UsageError } from '../../warehouse/errors.js';
import { silentLogger } from '../../warehouse/log.js';
import { migrate } from '../../warehouse/migrate.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';

async function withDatabase(body: (db: TestDatabase) => Promise<void>): Promise<void> {
  const db = await testDatabase();
  try { await body(db); } finally { await db.close(); }
}

/** Two month-ends of a small fleet, so bi.billing_monthly has rows. */
async function seed(db: TestDatabase): Promise<void> {
  for (const date of ['2026-10-31', '2026-11-30']) {
    const result = await runCollect({
      source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '30', TINY_ORGS: '3', WAREHOUSE_TIMEZONE: 'UTC' },
      date, today: date, acceptShrink: true,
    });
    expect(result.exitCode).toBe(EXIT.ok);
  }
  await rollupDays(db.sql, ['2026-10-31', '2026-11-30'], { today: '2026-12-05' });
}

/** The operator's objects: a chain in public (owner, grant, comments), a materialized view with an index, a view inside bi. */
const OPERATOR = `
  create view public.my_billing as select month, site, billable from bi.billing_monthly;
  create view public.my_billing_2 as select month, sum(billable)::int as billable from public.my_billing group by month;
  alter view public.my_billing owner to warehouse_writer;
  grant select on public.my_billing_2 to warehouse_reader;
  comment on view public.my_billing is 'our invoice lines';
  comment on column public.my_billing.site is 'the client';
  create materialized view public.my_totals as select month, count(*)::int as sites from public.my_billing group by month;
  create unique index my_totals_month on public.my_totals (month);
  create view bi.my_monthly as select month, billable from bi.billing_monthly;
`;

interface Snapshot { name: string; kind: string; owner: string; acl: string | null; comment: string | null; definition: string; columns: string[]; extras: string[] }

/** Every view and materialized view in bi, staging and public, as the catalog describes it. */
async function snapshot(db: TestDatabase): Promise<Snapshot[]> {
  return db.sql<Snapshot[]>`
    select format('%I.%I', n.nspname, c.relname) as name, c.relkind::text as kind, pg_get_userbyid(c.relowner) as owner,
      c.relacl::text as acl, obj_description(c.oid, 'pg_class') as comment, pg_get_viewdef(c.oid) as definition,
      array(select a.attname || ': ' || coalesce(col_description(c.oid, a.attnum), '') from pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
      array(select pg_get_indexdef(i.indexrelid) from pg_index i where i.indrelid = c.oid) as extras
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('v', 'm') and n.nspname in ('bi', 'staging', 'public') order by 1`;
}

/** The operator's views; the acl of the one in bi left out, as migrate's grants for bi cover it too. */
const operatorOnly = (views: Snapshot[]): Snapshot[] => views
  .filter((v) => v.name.startsWith('public.') || v.name === 'bi.my_monthly')
  .map((v) => (v.name.startsWith('bi.') ? { ...v, acl: null } : v));

async function operatorRows(db: TestDatabase): Promise<unknown[]> {
  return [
    await db.sql`select * from public.my_billing order by month, site`,
    await db.sql`select * from public.my_billing_2 order by month`,
    await db.sql`select * from public.my_totals order by month`,
    await db.sql`select * from bi.my_monthly order by month, billable`,
  ].map((rows) => [...rows]);
}

/** The shipped files with bi.billing_monthly rewritten by `change`. */
function withBillingMonthly(change: (sql: string) => string): ViewFile[] {
  return loadViewFiles().map((f) => (f.name === 'bi.billing_monthly' ? { ...f, sql: change(f.sql) } : f));
}

/** bi.billing_monthly without its spares column, and site before site_id: CREATE OR REPLACE cannot do that. */
const reshaped = (): ViewFile[] => withBillingMonthly((sql) => {
  const out = sql.replace(/^ {4}ms\.spares,\n/mu, '').replace(/^comment on column bi\.billing_monthly\.spares .*\n/mu, '')
    .replace(/^( {4}ms\.site_id,\n)( {4}s\.name as site,\n)/mu, '$2$1');
  expect(out).not.toContain('spares,');
  return out;
});

async function refusalOf(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UsageError);
  expect((error as UsageError).exitCode).toBe(EXIT.usage);
  return error as UsageError;
}

describe('operator views on bi', () => {
  it('survive migrate run twice, with their rows, owner, grant, comments and index', async () => {
    await withDatabase(async (db) => {
      await seed(db);
      await db.sql.unsafe(OPERATOR);
      const views = operatorOnly(await snapshot(db));
      const rows = await operatorRows(db);
      expect((rows[0] as unknown[]).length).toBeGreaterThan(0);
      const oid = async (): Promise<unknown> => (await db.sql`select 'public.my_billing'::regclass::oid::text as oid`)[0]?.oid;
      const kept = await oid();
      await migrate(db.url, silentLogger);
      await migrate(db.url, silentLogger);
      expect(await oid()).toBe(kept); // replaced in place: never dropped
      expect(operatorOnly(await snapshot(db))).toEqual(views);
      expect(await operatorRows(db)).toEqual(rows);
      const [mine] = operatorOnly(await snapshot(db)).filter((v) => v.name === 'public.my_billing_2');
      expect(mine?.acl).toContain('warehouse_reader=r/');
    });
  });

  it('are recreated as they were when a managed view loses and reorders columns they do not use', async () => {
    await withDatabase(async (db) => {
      await seed(db);
      await db.sql.unsafe(OPERATOR);
      const views = operatorOnly(await snapshot(db));
      const rows = await operatorRows(db);
      await applyViews(db.sql, reshaped());
      const columns = await db.sql<{ name: string }[]>`
        select column_name as name from information_schema.columns where table_schema = 'bi' and table_name = 'billing_monthly' order by ordinal_position`;
      expect(columns.map((c) => c.name).slice(0, 4)).toEqual(['month', 'month_start', 'site', 'site_id']);
      expect(columns.map((c) => c.name)).not.toContain('spares');
      expect(operatorOnly(await snapshot(db))).toEqual(views);
      expect(await operatorRows(db)).toEqual(rows);
      // The reader's grants on the recreated bi views are back (GRANTS block).
      const [grant] = await db.sql<{ ok: boolean }[]>`select has_table_privilege('warehouse_reader', 'bi.billing_monthly', 'select') as ok`;
      expect(grant?.ok).toBe(true);
    });
  });

  it('refuse a shape change that removes a column they use, naming them, and change nothing', async () => {
    await withDatabase(async (db) => {
      await db.sql.unsafe(`
        create view public.my_billing as select month, site, billable from bi.billing_monthly;
        create view public.uses_spares as select month, site, spares from bi.billing_monthly;
        create view public.on_spares as select month, sum(spares) as spares from public.uses_spares group by month;`);
      const before = await snapshot(db);
      const error = await refusalOf(applyViews(db.sql, reshaped()));
      expect(error.message).toContain('public.uses_spares');
      expect(error.message).toContain('spares');
      expect(error.message).toContain('public.on_spares');
      expect(error.message).not.toContain('public.my_billing ');
      expect(error.hint).toMatch(/drop or change .*public\.uses_spares.*warehouse migrate/iu);
      expect(await snapshot(db)).toEqual(before);
    });
  });

  it('a managed view whose file is gone is dropped when nothing of the operator reads it', async () => {
    await withDatabase(async (db) => {
      await applyViews(db.sql, loadViewFiles().filter((f) => f.name !== 'bi.billing_monthly'));
      const names = (await snapshot(db)).map((v) => v.name);
      expect(names).not.toContain('bi.billing_monthly');
      expect(names).toContain('bi.billing_changes');
      expect(names).toContain('staging.source_days_latest');
    });
  });

  it('a view an earlier release shipped is dropped on upgrade even when it reads a view still shipped', async () => {
    await withDatabase(async (db) => {
      // As staging.month_to_date_transitions was before one seat pairing replaced it.
      await db.sql.unsafe('create view staging.month_to_date_transitions as select * from staging.source_days_latest');
      await db.sql.unsafe('create view staging.my_latest as select * from staging.source_days_latest');
      await applyViews(db.sql);
      const names = (await snapshot(db)).map((v) => v.name);
      expect(names).not.toContain('staging.month_to_date_transitions');
      expect(names).toContain('staging.my_latest');
    });
  });

  it('a managed view whose file is gone is kept, and the step refused, when an operator view reads it', async () => {
    await withDatabase(async (db) => {
      await db.sql.unsafe('create view public.my_billing as select month, site, billable from bi.billing_monthly');
      const before = await snapshot(db);
      const error = await refusalOf(applyViews(db.sql, loadViewFiles().filter((f) => f.name !== 'bi.billing_monthly')));
      expect(error.message).toContain('public.my_billing');
      expect(error.message).toContain('bi.billing_monthly');
      expect(error.hint).toMatch(/drop or change view public\.my_billing, then run `warehouse migrate` again/iu);
      expect(await snapshot(db)).toEqual(before);
    });
  });
});
