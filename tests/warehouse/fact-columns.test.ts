/**
 * The column registries (warehouse/load/fact-columns.ts) against the migrated tables: the fact tables
 * are partitioned and created by hand-written migrations (drizzle-kit cannot express PARTITION BY), so
 * the registry is checked against what the migrations made, read from pg_catalog. A column added by a
 * migration but not to the registry (or the reverse) fails naming it; so does a staging type that is
 * not the published column's type.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEVICE_DAY_FACT, FACT_KEY, PATCH_STATUS_FACT, publishedColumns, stagedColumns, type FactTable,
} from '../../warehouse/load/fact-columns.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db?.close(); });

/** The table's columns and their types as format_type prints them ('text[]', 'timestamp with time zone'). */
async function tableColumns(table: string): Promise<Map<string, string>> {
  const rows = await db.sql<{ name: string; type: string }[]>`
    select a.attname as name, format_type(a.atttypid, a.atttypmod) as type
    from pg_attribute a
    where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped
    order by a.attnum`;
  return new Map(rows.map((r) => [r.name, r.type]));
}

const PG_TYPE: Record<string, string> = {
  text: 'text', 'text[]': 'text[]', integer: 'integer', boolean: 'boolean', timestamptz: 'timestamp with time zone', jsonb: 'jsonb',
};

const FACTS: Array<[string, FactTable<never>]> = [
  ['DEVICE_DAY_FACT', DEVICE_DAY_FACT as FactTable<never>],
  ['PATCH_STATUS_FACT', PATCH_STATUS_FACT as FactTable<never>],
];

describe.each(FACTS)('%s', (registry, fact) => {
  const registered = (): string[] => [...FACT_KEY.map((c) => c.name), ...publishedColumns(fact).map((c) => c.name)];

  it(`lists every column of the published table (a column a migration adds must be added to ${registry} too)`, async () => {
    const columns = await tableColumns(fact.table);
    const missing = [...columns.keys()].filter((name) => !registered().includes(name));
    expect(missing, `columns of ${fact.table} missing from ${registry} in warehouse/load/fact-columns.ts`).toEqual([]);
  });

  it('publishes no column the table does not have, and each once', async () => {
    const columns = await tableColumns(fact.table);
    const unknown = registered().filter((name) => !columns.has(name));
    expect(unknown, `columns of ${registry} that ${fact.table} does not have (add them with a migration)`).toEqual([]);
    expect(new Set(registered()).size).toBe(registered().length);
  });

  it('stages each published column with the published column\'s type', async () => {
    const columns = await tableColumns(fact.table);
    const wrong = stagedColumns(fact)
      .filter((c) => c.publish !== null && PG_TYPE[c.stagingType] !== columns.get(c.name))
      .map((c) => `${c.name}: staged as ${c.stagingType}, published as ${columns.get(c.name)}`);
    expect(wrong, `staging types in ${registry} that differ from ${fact.table}`).toEqual([]);
  });
});
