/**
 * `warehouse systemd wait-sources`: the rollup and retention units start on a timer, but they do not
 * trust that the collectors are done by then (the predecessor ordered its jobs by clock offsets, and
 * a slow vendor broke it). Instead they poll the database until every expected source has settled
 * for the snapshot day: published (ops.source_days), or its run for the day finished without
 * publishing (failed or refused: the rollup then reports the day as incomplete).
 */
import type { Sql } from '../../warehouse/db.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';

export type SourceStateName = 'published' | 'partial' | 'failed' | 'refused' | 'running' | 'not started';

export interface SourceState {
  source: string;
  state: SourceStateName;
  /** Redacted error of the last finished run, when it did not publish. */
  error: string | null;
}

export const isSettled = (state: SourceStateName): boolean => state !== 'running' && state !== 'not started';

/**
 * The state of each source for `day`. Expected sources are those configured (passed in) plus any
 * source with a run for the day, so an unconfigured source that was collected by hand is waited for too.
 */
export async function sourceStates(sql: Sql, day: string, configured: readonly string[]): Promise<SourceState[]> {
  // A run killed mid-way (a timeout, an OOM kill) stays 'running' until someone sweeps it.
  await sweepAbandonedRuns(sql);
  const rows = await sql<{ source: string; published: boolean; complete: boolean | null; running: boolean; last_status: string | null; last_error: string | null }[]>`
    with expected as (
      select unnest(${sql.array([...configured])}::text[]) as source
      union
      select si.source from ops.sync_runs as r
      inner join ops.source_instances as si on si.source_instance_id = r.source_instance_id
      where r.snapshot_day = ${day}::date
    ),

    runs as (
      select si.source, r.status, r.error_message,
             row_number() over (partition by si.source order by r.started_at desc, r.run_id desc) as recency
      from ops.sync_runs as r
      inner join ops.source_instances as si on si.source_instance_id = r.source_instance_id
      where r.snapshot_day = ${day}::date
    ),

    published as (
      select si.source, bool_and(sd.is_complete) as complete
      from ops.source_days as sd
      inner join ops.source_instances as si on si.source_instance_id = sd.source_instance_id
      where sd.snapshot_day = ${day}::date
      group by si.source
    )

    select e.source,
           p.source is not null as published,
           p.complete,
           exists (select 1 from runs where runs.source = e.source and runs.status = 'running') as running,
           last_run.status as last_status,
           last_run.error_message as last_error
    from expected as e
    left join published as p on p.source = e.source
    left join runs as last_run on last_run.source = e.source and last_run.recency = 1
    order by e.source`;
  return rows.map((row) => ({
    source: row.source,
    state: row.running ? 'running'
      : row.published ? (row.complete ? 'published' : 'partial')
        : row.last_status === 'refused' ? 'refused'
          : row.last_status === null ? 'not started' : 'failed',
    error: !row.running && !row.published ? row.last_error : null,
  }));
}

export interface WaitOptions {
  sql: Sql;
  day: string;
  configured: readonly string[];
  timeoutMs: number;
  intervalMs: number;
  /** Called when the states change (and once at the start). */
  report?: (states: SourceState[]) => void;
  /** A poll failed (database unreachable): keep trying until the deadline. */
  onError?: (error: unknown) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface WaitResult { settled: boolean; states: SourceState[]; lastError?: unknown }

export async function waitForSources(options: WaitOptions): Promise<WaitResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  let states: SourceState[] = [];
  let lastError: unknown;
  let seen = '';
  for (;;) {
    try {
      states = await sourceStates(options.sql, options.day, options.configured);
      lastError = undefined;
      const key = JSON.stringify(states);
      if (key !== seen) options.report?.(states);
      seen = key;
      if (states.every((s) => isSettled(s.state))) return { settled: true, states };
    } catch (error) {
      lastError = error;
      options.onError?.(error);
    }
    const left = deadline - now();
    if (left <= 0) return { settled: false, states, lastError };
    await sleep(Math.min(options.intervalMs, left));
  }
}

/** "90s", "30m", "45min", "5h" → milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)(s|m|min|h)$/u.exec(value.trim());
  if (!match) return undefined;
  const unit = match[2] === 'h' ? 3_600_000 : match[2] === 's' ? 1000 : 60_000;
  return Number(match[1]) * unit;
}
