/**
 * The one writer of ops.sync_runs: every insert, update and delete of run history is here, so what a
 * run row says (its status, exit code, counts, why it failed) is decided in one place. The run
 * lifecycle (./runner.ts) records a run's start and end, the source lock (../load/lock.ts) records the
 * runs a killed process abandoned, and retention (rollups/retention.ts) forgets expired history.
 * Readers (status, metrics, wait-sources) read the table directly.
 */
import { hostname } from 'node:os';
import type { ReservedSql, Sql, TransactionSql } from 'postgres';
import type { WarehouseError } from '../errors.js';
import { redact } from '../redact.js';

export type RunStatus = 'succeeded' | 'partial' | 'failed' | 'refused';

const ABANDONED_MESSAGE = 'the run ended without finishing (process killed or crashed); nothing it staged was published';

/** The run row is written just before the fetch starts: its taken_at is when the vendor data was really taken. */
export async function insertRun(sql: Sql, run: { sourceInstanceId: number; snapshotDay: string; takenLate: boolean; acceptShrink: boolean; forced: boolean }): Promise<number> {
  const [row] = await sql<{ run_id: number }[]>`
    insert into ops.sync_runs (source_instance_id, snapshot_day, accept_shrink, forced, taken_at, taken_late, host, pid)
    values (${run.sourceInstanceId}, ${run.snapshotDay}, ${run.acceptShrink}, ${run.forced}, now(), ${run.takenLate}, ${hostname()}, ${process.pid})
    returning run_id::int as run_id`;
  return row?.run_id as number;
}

export interface PublishedRun {
  status: RunStatus;
  exitCode: number;
  rows: { devices: number; aliases: number; patchStatus: number; changed: number };
  pages: number;
  requests: number;
  retries: number;
  /** Set when the run is partial: its optional streams' failures, already redacted. */
  error: { code: string; message: string } | null;
  details: Record<string, unknown>;
}

/** A published run's outcome, written inside the publish transaction (it commits with the data or not at all). */
export async function recordPublished(tx: TransactionSql, runId: number, run: PublishedRun): Promise<void> {
  await tx`update ops.sync_runs set status = ${run.status}, exit_code = ${run.exitCode}, finished_at = now(),
    rows_devices = ${run.rows.devices}, rows_aliases = ${run.rows.aliases}, rows_patch_status = ${run.rows.patchStatus},
    rows_changed = ${run.rows.changed}, pages = ${run.pages}, requests = ${run.requests}, retries = ${run.retries},
    error_code = ${run.error?.code ?? null}, error_message = ${run.error?.message ?? null},
    details = ${tx.json(run.details as never)}
    where run_id = ${runId}`;
}

export interface FailedRun { status: RunStatus; error: WarehouseError; requests: number; retries: number; pages: number }

/** A run that published nothing: why (redacted), and what it spent. */
export async function recordFailed(sql: Sql, runId: number, outcome: FailedRun): Promise<void> {
  await sql`update ops.sync_runs set status = ${outcome.status}, exit_code = ${outcome.error.exitCode}, finished_at = now(),
    error_code = ${outcome.error.code}, error_message = ${redact(outcome.error.message)}, requests = ${outcome.requests},
    retries = ${outcome.retries}, pages = ${outcome.pages}
    where run_id = ${runId}`;
}

export async function recordDuration(sql: Sql, runId: number, durationMs: number): Promise<void> {
  await sql`update ops.sync_runs set duration_ms = ${durationMs} where run_id = ${runId}`;
}

/** Record the instance's 'running' runs as failed; only a holder of the instance's lock may call this. */
export async function recordAbandonedRunsOf(conn: Sql | ReservedSql, sourceInstanceId: number): Promise<number> {
  const result = await conn`
    update ops.sync_runs set status = 'failed', exit_code = 1, error_code = 'ERR_ABANDONED',
      error_message = ${ABANDONED_MESSAGE}, finished_at = coalesce(finished_at, now())
    where source_instance_id = ${sourceInstanceId} and status = 'running'`;
  return result.count;
}

/**
 * Record as failed the 'running' runs whose source lock (advisory lock `lockClass`, objid = the source
 * instance) nobody holds: see sweepAbandonedRuns in ../load/lock.ts for why reading pg_locks is safe.
 */
export async function recordUnlockedRunsAbandoned(sql: Sql, lockClass: number): Promise<number> {
  const result = await sql`
    update ops.sync_runs r set status = 'failed', exit_code = 1, error_code = 'ERR_ABANDONED',
      error_message = ${ABANDONED_MESSAGE}, finished_at = coalesce(r.finished_at, now())
    where r.status = 'running'
      and not exists (
        select 1 from pg_locks l
        where l.locktype = 'advisory' and l.granted and l.objsubid = 2
          and l.database = (select oid from pg_database where datname = current_database())
          and l.classid = ${lockClass} and l.objid = r.source_instance_id)`;
  return result.count;
}

/** Forget runs started before `before`, except those a kept source-day still points at. */
export async function deleteRunsBefore(sql: Sql, before: string): Promise<void> {
  await sql`delete from ops.sync_runs r where r.started_at < ${before}::date
    and not exists (select 1 from ops.source_days sd where sd.run_id = r.run_id)`;
}
