/**
 * Run-scoped tables live in their own schema, `run`, apart from the intermediate views in `staging`;
 * the sweep also clears what a killed run of an older version left in `staging`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaging, dropStaging, stagingNames, sweepStaging } from '../../warehouse/load/staging.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db?.close(); });

async function runTables(): Promise<string[]> {
  const rows = await db.sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind = 'r' and c.relname ~ '^run_[0-9]+_' order by 1`;
  return rows.map((r) => r.name);
}

/** A run row in the given state, so the sweep can tell a live run's tables from a dead one's. */
async function runRow(status: 'running' | 'failed'): Promise<number> {
  const [instance] = await db.sql<{ id: number }[]>`
    insert into ops.source_instances (source, instance) values ('tiny', 'run-schema')
    on conflict (source, instance) do update set source = excluded.source returning source_instance_id as id`;
  const [run] = await db.sql<{ id: number }[]>`
    insert into ops.sync_runs (source_instance_id, snapshot_day, status) values (${instance!.id}, '2026-02-01', ${status}) returning run_id::int as id`;
  return run!.id;
}

describe('run-scoped tables', () => {
  it('are created in the schema run and dropped from it', async () => {
    const runId = await runRow('running');
    expect(stagingNames(runId)).toEqual({ devices: `run.run_${runId}_devices`, patch: `run.run_${runId}_patch` });
    await createStaging(db.sql, runId);
    expect(await runTables()).toEqual([`run.run_${runId}_devices`, `run.run_${runId}_patch`]);
    await dropStaging(db.sql, runId);
    expect(await runTables()).toEqual([]);
  });

  it('of dead runs are swept from run and from their old place in staging; a live run keeps its own, the views stay', async () => {
    const live = await runRow('running');
    const dead = await runRow('failed');
    await createStaging(db.sql, live);
    await createStaging(db.sql, dead);
    // What a run killed before the upgrade left behind, beside the views.
    await db.sql.unsafe(`create unlogged table staging.run_${dead}_devices (vendor_id text); create unlogged table staging.run_${dead}_patch (vendor_id text)`);
    const [views] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_views where schemaname = 'staging'`;
    expect(await sweepStaging(db.sql)).toBe(4);
    expect(await runTables()).toEqual([`run.run_${live}_devices`, `run.run_${live}_patch`]);
    expect(await db.sql`select count(*)::int as n from pg_views where schemaname = 'staging'`).toEqual([views]);
    await dropStaging(db.sql, live);
  });

  it('are the writer\'s to create, and the reader may not even look', async () => {
    const [rights] = await db.sql`
      select has_schema_privilege('warehouse_writer', 'run', 'usage') as writer_usage,
             has_schema_privilege('warehouse_writer', 'run', 'create') as writer_create,
             has_schema_privilege('warehouse_reader', 'run', 'usage') as reader_usage,
             exists (select from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = 'run' and a.grantee = 0) as public_granted`;
    expect(rights).toEqual({ writer_usage: true, writer_create: true, reader_usage: false, public_granted: false });
  });
});
