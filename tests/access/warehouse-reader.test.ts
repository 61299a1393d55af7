/**
 * The warehouse_reader role reads every bi view and nothing else (DESIGN.md §7). Proven by logging in:
 * a LOGIN role that is a member of warehouse_reader, as an operator would create one for a BI tool,
 * tries every relation in the database.
 */
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { readerLogin, type ReaderLogin } from '../helpers/reader-login.js';

let db: TestDatabase;
let login: ReaderLogin;
let reader: Sql;
let role: string;

interface Relation { schema: string; name: string; kind: string }

async function relations(): Promise<Relation[]> {
  return db.sql<Relation[]>`
    select n.nspname as schema, c.relname as name, c.relkind::text as kind
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
      and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_toast%'
    order by 1, 2`;
}

const qualified = (r: Relation) => `"${r.schema}"."${r.name}"`;

const attempt = (statement: string): Promise<string> => login.attempt(statement);

beforeAll(async () => {
  db = await testDatabase();
  // Partitions exist once a day is published; create one so they are tried too.
  await db.sql`select core.ensure_partitions('2026-01-15'::date)`;
  login = await readerLogin(db, 'bi_user');
  ({ sql: reader, role } = login);
});
afterAll(async () => {
  await login?.close();
  await db?.close();
});

describe('warehouse_reader', () => {
  it('logs in as a member of warehouse_reader and nothing more', async () => {
    const [me] = await reader<{ user: string; member: boolean; superuser: boolean }[]>`
      select current_user as user, pg_has_role(current_user, 'warehouse_reader', 'member') as member,
        (select rolsuper from pg_roles where rolname = current_user) as superuser`;
    expect(me).toEqual({ user: role, member: true, superuser: false });
  });

  it('selects from every bi view', async () => {
    const bi = (await relations()).filter((r) => r.schema === 'bi');
    expect(bi.length).toBeGreaterThan(0);
    expect(bi.filter((r) => r.kind !== 'v' && r.kind !== 'm')).toEqual([]);
    const results = await Promise.all(bi.map(async (r) => [r.name, await attempt(`select * from ${qualified(r)} limit 1`)] as const));
    expect(results.filter(([, outcome]) => outcome !== 'ok')).toEqual([]);
  });

  it('is denied every base table, partition, sequence and staging view (core, ops, raw, rollup, staging, drizzle, ...)', async () => {
    const others = (await relations()).filter((r) => r.schema !== 'bi');
    const schemas = new Set(others.map((r) => r.schema));
    for (const schema of ['core', 'ops', 'raw', 'rollup', 'staging']) expect(schemas, schema).toContain(schema);
    expect(others.some((r) => r.schema === 'core' && r.name.startsWith('device_days_'))).toBe(true);
    const allowed: string[] = [];
    for (const r of others) {
      const outcome = await attempt(`select 1 from ${qualified(r)} limit 0`);
      // 42501 insufficient_privilege: the schema or the relation is not granted
      if (outcome !== '42501') allowed.push(`${qualified(r)}: ${outcome}`);
    }
    expect(allowed).toEqual([]);
  });

  it('cannot write, create or run the warehouse functions', async () => {
    expect(await attempt(`update core.compliance_rules set threshold = 100`)).toBe('42501');
    expect(await attempt(`create table bi.scratch (x int)`)).toBe('42501');
    expect(await attempt(`create view bi.scratch as select 1 as x`)).toBe('42501');
    expect(await attempt(`select core.ensure_partitions('2026-02-01'::date)`)).toBe('42501');
  });
});
