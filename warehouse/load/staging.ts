/**
 * Run-scoped staging tables, in the schema `run` (warehouse/schema/run.ts), apart from the
 * intermediate views in `staging`: UNLOGGED (nothing to recover after a crash: the run simply failed),
 * named after the run, dropped when the run ends and swept if a killed run left them behind.
 * Autovacuum is off for them: an auto-analyze of a freshly filled staging table only delays the
 * DROP at the end of the run (it waits for deadlock_timeout before the analyze is cancelled).
 */
import type { Sql } from 'postgres';
import type { DeviceRow, PatchStatusRow } from '../rows.js';
import type { CopyValue } from './copy.js';
import { DEVICE_DAY_FACT, PATCH_STATUS_FACT, copyEncoder, stagedColumns, stagingTableSql } from './fact-columns.js';

/** The staging tables' columns in COPY order, and their encoders: generated from the registry (./fact-columns.ts). */
export const STAGED_DEVICE_COLUMNS: readonly string[] = stagedColumns(DEVICE_DAY_FACT).map((c) => c.name);
export const STAGED_PATCH_COLUMNS: readonly string[] = stagedColumns(PATCH_STATUS_FACT).map((c) => c.name);
export const encodeDevice: (row: DeviceRow) => CopyValue[] = copyEncoder(DEVICE_DAY_FACT);
export const encodePatch: (row: PatchStatusRow) => CopyValue[] = copyEncoder(PATCH_STATUS_FACT);

export interface StagingTables { devices: string; patch: string }

/** The schema of the run-scoped tables. */
export const RUN_SCHEMA = 'run';
/**
 * Where they lived before migration 0025 (beside the views). A killed run of an older version may
 * have left its tables there, so the sweep looks in both; the views never match its name pattern.
 */
const LEGACY_RUN_SCHEMA = 'staging';

export function stagingNames(runId: number): StagingTables {
  return { devices: `${RUN_SCHEMA}.run_${runId}_devices`, patch: `${RUN_SCHEMA}.run_${runId}_patch` };
}

export async function createStaging(sql: Sql, runId: number): Promise<StagingTables> {
  const names = stagingNames(runId);
  await sql.unsafe(`${stagingTableSql(DEVICE_DAY_FACT, names.devices)}; ${stagingTableSql(PATCH_STATUS_FACT, names.patch)};`);
  return names;
}

export async function dropStaging(sql: Sql, runId: number): Promise<void> {
  const names = stagingNames(runId);
  await sql.unsafe(`drop table if exists ${names.devices}; drop table if exists ${names.patch};`);
}

/** Staging tables of runs that are no longer running (killed processes) are garbage, in either schema. */
export async function sweepStaging(sql: Sql): Promise<number> {
  const tables = await sql<{ schema: string; name: string }[]>`
    select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in (${RUN_SCHEMA}, ${LEGACY_RUN_SCHEMA}) and c.relkind = 'r' and c.relname ~ '^run_[0-9]+_'
      and not exists (
        select 1 from ops.sync_runs r
        where r.status = 'running' and c.relname like 'run\\_' || r.run_id || '\\_%'
      )`;
  for (const { schema, name } of tables) await sql.unsafe(`drop table if exists "${schema}"."${name}"`);
  return tables.length;
}
