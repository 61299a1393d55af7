/**
 * What tests/access/warehouse-reader.test.ts does not cover: the reader's rights survive an upgrade.
 * `warehouse migrate` drops and recreates every view, and later runs create new partitions; after
 * both, a warehouse_reader login still reads every bi view and is still denied the base tables, the
 * new partitions and the staging views.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../warehouse/migrate.js';
import { silentLogger } from '../../warehouse/log.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { readerLogin, type ReaderLogin } from '../helpers/reader-login.js';

let db: TestDatabase;
let login: ReaderLogin;
const attempt = (statement: string): Promise<string> => login.attempt(statement);

beforeAll(async () => {
  db = await testDatabase();
  login = await readerLogin(db, 'bi_after', async () => {
    await migrate(db.url, silentLogger); // the upgrade: views dropped and recreated
    await db.sql`select core.ensure_partitions('2026-05-20'::date)`; // a later night's partitions
  });
}, 60_000);
afterAll(async () => {
  await login?.close();
  await db?.close();
});

describe('warehouse_reader after migrate re-created the views', () => {
  it('reads every bi view', async () => {
    const views = await db.sql<{ name: string }[]>`select table_name as name from information_schema.views where table_schema = 'bi'`;
    expect(views.length).toBeGreaterThan(5);
    const denied: string[] = [];
    for (const { name } of views) if ((await attempt(`select * from bi."${name}" limit 1`)) !== 'ok') denied.push(name);
    expect(denied).toEqual([]);
  });

  it('is denied the staging views, the base tables and the partitions created since', async () => {
    const others = await db.sql<{ q: string }[]>`
      select format('%I.%I', n.nspname, c.relname) as q from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('staging', 'core', 'ops', 'raw', 'rollup') and c.relkind in ('r', 'p', 'v')
        and (n.nspname = 'staging' or c.relname like '%20260520' or c.relname in ('sync_runs', 'device_days', 'sites'))`;
    expect(others.some((o) => o.q.startsWith('staging.'))).toBe(true);
    expect(others.some((o) => o.q.endsWith('20260520'))).toBe(true);
    const allowed: string[] = [];
    for (const { q } of others) {
      const outcome = await attempt(`select 1 from ${q} limit 0`);
      if (outcome !== '42501') allowed.push(`${q}: ${outcome}`);
    }
    expect(allowed).toEqual([]);
  });
});
