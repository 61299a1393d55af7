/**
 * One run per source instance at a time: a session-level advisory lock on a reserved connection,
 * held for the whole run. A process killed mid-run loses its connection and so its lock; the runs it
 * left 'running' are then recorded as failed by the next command that looks.
 */
import type { ReservedSql, Sql } from 'postgres';
import { LockHeldError } from '../errors.js';
import { sweepStaging } from './staging.js';

const LOCK_CLASS = 0x5741_0001; // "WA" 1: the collect lock namespace

export async function acquireSourceLock(sql: Sql, sourceInstanceId: number, what: string): Promise<ReservedSql> {
  const conn = await sql.reserve();
  const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK_CLASS}, ${sourceInstanceId}) as ok`;
  if (!row?.ok) {
    conn.release();
    throw new LockHeldError(what);
  }
  return conn;
}

export async function releaseSourceLock(conn: ReservedSql, sourceInstanceId: number): Promise<void> {
  try {
    await conn`select pg_advisory_unlock(${LOCK_CLASS}, ${sourceInstanceId})`;
  } finally {
    conn.release();
  }
}

/**
 * Runs still marked 'running' whose lock nobody holds were killed: record them as failed and drop
 * their staging tables. Safe to call at any time from any command.
 */
export async function sweepAbandonedRuns(sql: Sql): Promise<number> {
  const running = await sql<{ source_instance_id: number }[]>`
    select distinct source_instance_id from ops.sync_runs where status = 'running'`;
  let swept = 0;
  for (const { source_instance_id: id } of running) {
    const conn = await sql.reserve();
    try {
      const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK_CLASS}, ${id}) as ok`;
      if (!row?.ok) continue;
      const result = await conn`
        update ops.sync_runs set status = 'failed', exit_code = 1, error_code = 'ERR_ABANDONED',
          error_message = 'the run ended without finishing (process killed or crashed); nothing it staged was published',
          finished_at = coalesce(finished_at, now())
        where source_instance_id = ${id} and status = 'running'`;
      swept += result.count;
      await conn`select pg_advisory_unlock(${LOCK_CLASS}, ${id})`;
    } finally {
      conn.release();
    }
  }
  await sweepStaging(sql);
  return swept;
}
