/**
 * Scale-out stays honest (DESIGN.md §11): the migrated schema, read from pg_catalog, against Citus's
 * rules for distributing by site_id with the lists of warehouse/scale-out.ts. Every primary key and
 * unique index of a large table includes site_id, no foreign key joins large tables without it,
 * every other table is a reference table; what breaks a rule is exactly the listed exceptions, each
 * with its reason. `warehouse citus-plan` prints the statements from the same lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DISTRIBUTED_TABLES, LARGE_TABLES, REFERENCE_TABLES, SCALE_OUT_EXCEPTIONS, UNPLACED_SCHEMAS, WAREHOUSE_SCHEMAS, checkRules, citusPlan,
  isKnownException, readSchema, type SchemaFacts,
} from '../../warehouse/scale-out.js';
import { MANAGED_SCHEMAS } from '../../warehouse/db.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli } from '../operator/cli.js';

let db: TestDatabase;
let schema: SchemaFacts;
beforeAll(async () => {
  db = await testDatabase();
  schema = await readSchema(db.sql);
});
afterAll(async () => { await db?.close(); });

const pairs = (list: ReadonlyArray<{ table: string; rule: string }>) => [...new Set(list.map((v) => `${v.table}: ${v.rule}`))].sort();

describe('the schema against Citus\'s rules for distributing by site_id', () => {
  it('lists every warehouse table once: large (distributed or a known exception) or reference', () => {
    const listed = [...LARGE_TABLES, ...REFERENCE_TABLES];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(schema.tables.map((t) => t.name).sort());
  });

  it('classifies every schema the warehouse manages once: its tables placed, or none to place and why', () => {
    const classified = [...WAREHOUSE_SCHEMAS, ...Object.keys(UNPLACED_SCHEMAS)];
    expect(new Set(classified).size).toBe(classified.length);
    expect([...classified].sort()).toEqual([...MANAGED_SCHEMAS].sort());
  });

  it('breaks the rules only where a listed exception says so, and every exception still breaks what it lists', () => {
    const violations = checkRules(schema);
    expect(violations.filter((v) => !isKnownException(v)), 'a rule broken without an entry in SCALE_OUT_EXCEPTIONS').toEqual([]);
    expect(pairs(violations)).toEqual(pairs(SCALE_OUT_EXCEPTIONS.flatMap((e) => e.breaks.map((rule) => ({ table: e.table, rule })))));
    for (const exception of SCALE_OUT_EXCEPTIONS) expect(exception.reason.length, exception.table).toBeGreaterThan(40);
  });

  it('gives each distributed table a NOT NULL site_id in every primary key and unique index', () => {
    for (const name of DISTRIBUTED_TABLES) {
      const table = schema.tables.find((t) => t.name === name);
      expect(table?.columns.find((c) => c.name === 'site_id')?.notNull, name).toBe(true);
      const uniques = schema.uniques.filter((u) => u.table === name);
      expect(uniques.length, `${name} has a primary key`).toBeGreaterThan(0);
      for (const unique of uniques) expect(unique.columns, `${name} ${unique.name}`).toContain('site_id');
    }
  });

  it('flags each rule on a schema that breaks it (the check is not vacuous)', () => {
    const broken: SchemaFacts = {
      tables: [
        { name: 'core.device_days', columns: [{ name: 'site_id', notNull: true }, { name: 'device_id', notNull: true }] },
        { name: 'core.patch_status', columns: [{ name: 'site_id', notNull: false }] },
        { name: 'core.sites', columns: [{ name: 'site_id', notNull: true }] },
        { name: 'core.newcomer', columns: [{ name: 'id', notNull: true }] },
      ],
      uniques: [{ table: 'core.device_days', name: 'device_days_pkey', columns: ['device_id'] }],
      foreignKeys: [
        { table: 'core.patch_status', name: 'patch_device', columns: ['device_id'], references: 'core.device_days', referencedColumns: ['device_id'] },
        { table: 'core.sites', name: 'sites_anchor', columns: ['site_id'], references: 'core.device_days', referencedColumns: ['site_id'] },
      ],
    };
    expect(pairs(checkRules(broken))).toEqual([
      'core.device_days: unique without site_id', 'core.newcomer: not a reference table', 'core.patch_status: distribution column',
      'core.patch_status: foreign key without site_id', 'core.sites: reference to a distributed table',
    ]);
  });
});

describe('warehouse citus-plan', () => {
  it('renders reference tables (referenced ones first), then the large tables co-located by site_id, and the exceptions as comments', () => {
    const plan = citusPlan(schema);
    expect(plan.problems).toEqual([]);
    expect(plan.missing).toEqual([]);
    const at = (statement: string) => plan.statements.indexOf(statement);
    expect(at("select create_distributed_table('core.device_days', 'site_id');")).toBeGreaterThan(0);
    expect(at("select create_distributed_table('rollup.month_end_devices', 'site_id', colocate_with => 'core.device_days');")).toBeGreaterThan(0);
    expect(at("select create_reference_table('core.sites');")).toBeLessThan(at("select create_reference_table('core.site_aliases');"));
    expect(at("select create_reference_table('ops.sync_runs');")).toBeLessThan(at("select create_reference_table('ops.quarantine');"));
    expect(at("select create_reference_table('core.devices');")).toBeGreaterThanOrEqual(0);
    expect(plan.statements.filter((s) => s.startsWith('select create_distributed_table'))).toHaveLength(DISTRIBUTED_TABLES.length);
    expect(plan.statements.some((s) => s.startsWith("select create_reference_table('raw.pages')"))).toBe(false);
    expect(plan.statements.find((s) => s.startsWith('-- raw.pages'))).toMatch(/local table on the coordinator/u);
  });

  it('prints that plan for the configured database, with no warning, and exits 0', async () => {
    const result = await cli(['citus-plan'], { env: { DATABASE_URL: db.url } });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(`-- Distribute this warehouse onto Citus by site_id (warehouse/scale-out.ts). Run as the owner on the coordinator.\n${citusPlan(schema).statements.join('\n')}\n`);
  });

  it('refuses an unmigrated database with exit 2 and what to run', async () => {
    const empty = await testDatabase();
    try {
      await empty.sql.unsafe('drop schema core cascade');
      const result = await cli(['citus-plan'], { env: { DATABASE_URL: empty.url } });
      expect(result.code).toBe(2);
      expect(result.err).toMatch(/not migrated[\s\S]*warehouse migrate/u);
    } finally {
      await empty.close();
    }
  });

  it('has --help', async () => {
    const result = await cli(['citus-plan', '--help']);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^usage: warehouse citus-plan/u);
  });
});
