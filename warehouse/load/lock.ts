/**
 * One run per source instance at a time: a session-level advisory lock on a reserved connection,
 * held for the whole run. A process killed mid-run loses its connection and so its lock; the runs it
 * left 'running' are then recorded as failed by the next command that looks: the next holder of the
 * same lock (it alone can tell, since a session cannot probe a lock it holds from another connection),
 * and every sweep (status, rollup, retention, wait-sources) for the locks nobody holds.
 */
import type { ReservedSql, Sql } from 'postgres';
import { LockHeldError } from '../errors.js';
import { sweepStaging } from './staging.js';
import { recordAbandonedRunsOf, recordUnlockedRunsAbandoned } from '../run/sync-runs.js';

const LOCK_CLASS = 0x5741_0001; // "WA" 1: the collect lock namespace

export async function acquireSourceLock(sql: Sql, sourceInstanceId: number, what: string): Promise<ReservedSql> {
  const conn = await sql.reserve();
  const [row] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK_CLASS}, ${sourceInstanceId}) as ok`;
  if (!row?.ok) {
    conn.release();
    throw new LockHeldError(what);
  }
  try {
    // Holding the lock, every run of this instance still marked 'running' is one a killed process left.
    await recordAbandonedRunsOf(conn, sourceInstanceId);
    await sweepStaging(conn);
  } catch (error) {
    await releaseSourceLock(conn, sourceInstanceId).catch(() => {});
    throw error;
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
 * their staging tables. Safe to call at any time from any command. It reads pg_locks instead of
 * trying each lock, so a sweep never holds a source's lock for an instant and a collector starting
 * at that instant is never refused; a run inserted after this statement's snapshot is not seen, and
 * one inserted before it was inserted by the lock's holder, whose lock pg_locks then shows.
 */
export async function sweepAbandonedRuns(sql: Sql): Promise<number> {
  const count = await recordUnlockedRunsAbandoned(sql, LOCK_CLASS);
  await sweepStaging(sql);
  return count;
}
