/**
 * B1 and B3: one source-day of mapped rows through the real run lifecycle (runCollect with the
 * synthetic source: source lock, run row, staging COPY, gate, one-transaction publish, ANALYZE of the
 * day's partitions), timed per phase through the runner's hooks, with the WAL it wrote. Also the
 * nightly cross-vendor findings refresh, which runs once after the last collector.
 */
import type { Sql } from 'postgres';
import { runCollect, type RunResult } from '../warehouse/run/runner.js';
import type { SourceName } from '../warehouse/run/source.js';
import { refreshExceptions } from '../warehouse/matching/exceptions.js';
import { fleetSource, type SyntheticFleet } from './fleet.js';
import { withWal } from './measure.js';

export interface PublishRun {
  ms: number;
  wal: number;
  /** Until the staging COPY ended. */
  stageMs: number;
  /** Gate, identity and site resolution, device days written. */
  deviceDaysMs: number;
  /** Patch status, bookkeeping, commit, staging dropped, ANALYZE of the day's partitions. */
  restMs: number;
  result: RunResult;
}

export async function publishFleet(
  sql: Sql, url: string, source: SourceName, fleet: SyntheticFleet, day: string,
): Promise<PublishRun> {
  const marks: number[] = [];
  const mark = async (): Promise<void> => { marks.push(performance.now()); };
  let started = 0;
  const { ms, wal, value: result } = await withWal(sql, () => {
    started = performance.now();
    return runCollect({
      source: fleetSource(source, fleet),
      // Raw pages off: mapped rows have no vendor payload (B2 keeps them, as a real collector does).
      env: { BENCH_FLEET: '1', WAREHOUSE_TIMEZONE: 'UTC', WAREHOUSE_RAW_PAGES: 'off' },
      databaseUrl: url,
      // Each bench day is taken as that day's today: the fleet is built for it, not listed live.
      date: day,
      today: day,
      // The shrink gate compares against the previous day; a bench day has none worth protecting.
      acceptShrink: true,
      hooks: { afterStaged: mark, insidePublish: mark },
    });
  });
  if (result.exitCode !== 0) {
    throw new Error(`publishing ${source} ${day} failed: ${result.status} ${result.error?.message ?? ''}`);
  }
  const [staged = started, devices = started] = marks;
  return { ms, wal, stageMs: staged - started, deviceDaysMs: devices - staged, restMs: started + ms - devices, result };
}

/** The nightly rollup's cross-vendor findings refresh over every source's latest day (rollups/run.ts). */
export async function findingsRefresh(sql: Sql): Promise<{ ms: number; wal: number; open: number }> {
  const { ms, wal, value } = await withWal(sql, () => refreshExceptions(sql));
  return { ms, wal, open: value.open };
}
