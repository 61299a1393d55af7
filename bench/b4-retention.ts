/**
 * B4: retention dropping one day of every source's device rows (3 × N) through the real
 * planRetention/applyRetention. The plan is computed for "65 days later" and narrowed to that one
 * day's partitions, so only the day under test goes. Its month-end is materialised first (retention
 * would do it itself; timed separately, since it is a rollup, not the drop). The comparison point is
 * the floor of any drop: DROP TABLE of standalone tables (catalogue work and unlinking files).
 */
import type { Sql } from 'postgres';
import { materialiseMonthEnd } from '../rollups/month-end.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../rollups/retention.js';
import { addDays } from '../warehouse/time.js';
import { timed, withWal } from './measure.js';

export const POLICY: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 5000 };

export interface RetentionRun {
  ms: number;
  wal: number;
  rows: number;
  dropped: string[];
  monthEndMs: number;
  monthEndRows: number;
  floorMs: number;
  floorTables: string[];
}

export async function benchRetention(sql: Sql, day: string, floorTables: string[]): Promise<RetentionRun> {
  const suffix = day.replaceAll('-', '');
  const [count] = await sql<{ n: number }[]>`select count(*)::int as n from core.device_days where snapshot_day = ${day}`;
  const month = day.slice(0, 7);
  const monthEnd = await timed(() => materialiseMonthEnd(sql, month));
  const [meRows] = await sql<{ n: number }[]>`select count(*)::int as n from rollup.month_end_devices where month = ${`${month}-01`}::date`;

  const plan = await planRetention(sql, addDays(day, POLICY.dailyDays), POLICY);
  const onlyThisDay = { ...plan, drop: plan.drop.filter((p) => p.name.endsWith(`_${suffix}`) && p.bound === day) };
  if (plan.monthEndsToMaterialise.length > 0 && plan.monthEndsToMaterialise.some((m) => m !== month)) {
    throw new Error(`retention wants month-ends the bench did not expect: ${plan.monthEndsToMaterialise.join(', ')}`);
  }
  const { ms, wal, value: result } = await withWal(sql, () => applyRetention(sql, { ...onlyThisDay, monthEndsToMaterialise: [] }, POLICY));
  if (result.busy.length > 0) throw new Error(`retention found partitions busy: ${result.busy.join(', ')}`);

  const floor = await timed(async () => {
    for (const table of floorTables) await sql.unsafe(`drop table ${table}`);
  });
  return {
    ms, wal, rows: count?.n ?? 0, dropped: result.dropped,
    monthEndMs: monthEnd.ms, monthEndRows: meRows?.n ?? 0, floorMs: floor.ms, floorTables,
  };
}
