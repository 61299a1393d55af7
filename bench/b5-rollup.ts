/**
 * B5: the daily rollup of one day of every source (rollups/daily.ts), against the floor of any
 * rollup: one bare aggregate scan of the same partition (no joins, no writes).
 */
import type { Sql } from 'postgres';
import { rollupDailyCounts } from '../rollups/daily.js';
import { analyzeDays } from '../rollups/run.js';
import { timed } from './measure.js';

export interface DailyRollupRun { ms: number; rows: number; deviceDays: number; floorMs: number; analyzeMs: number }

export async function benchDailyRollup(sql: Sql, day: string): Promise<DailyRollupRun> {
  const [count] = await sql<{ n: number }[]>`select count(*)::int as n from core.device_days where snapshot_day = ${day}`;
  // The nightly rollup first analyzes the day's partitions (timed apart: the counts do not need it).
  const analyzed = await timed(() => analyzeDays(sql, [day]));
  const rollup = await timed(() => rollupDailyCounts(sql, day));
  const floor = await timed(() => sql`
    select site_id, source_instance_id, device_class, is_spare, count(*)
    from core.device_days where snapshot_day = ${day}
    group by site_id, source_instance_id, device_class, is_spare`);
  return { ms: rollup.ms, rows: rollup.value.rows, deviceDays: count?.n ?? 0, floorMs: floor.ms, analyzeMs: analyzed.ms };
}
