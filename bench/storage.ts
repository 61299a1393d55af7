/**
 * Storage per device-day, measured on a published day's partitions (heap incl. TOAST, and indexes),
 * and the projection for the retention the design keeps: 65 dailies and 24 month-ends.
 */
import type { Sql } from 'postgres';

export interface PartitionSize { rows: number; heap: number; indexes: number }
export interface DayStorage { deviceDays: PartitionSize; patchStatus: PartitionSize; dailyCounts: number; rawPagesPerRun: number | null }

async function sizeOf(sql: Sql, table: string): Promise<PartitionSize> {
  const [row] = await sql.unsafe<{ rows: number; heap: string; indexes: string }[]>(`
    select (select count(*)::int from ${table}) as rows,
      pg_table_size('${table}'::regclass)::text as heap, pg_indexes_size('${table}'::regclass)::text as indexes`);
  return { rows: row?.rows ?? 0, heap: Number(row?.heap ?? 0), indexes: Number(row?.indexes ?? 0) };
}

export async function measureDay(sql: Sql, day: string): Promise<DayStorage> {
  const suffix = day.replaceAll('-', '');
  return {
    deviceDays: await sizeOf(sql, `core.device_days_${suffix}`),
    patchStatus: await sizeOf(sql, `core.patch_status_${suffix}`),
    dailyCounts: (await sizeOf(sql, `rollup.daily_counts_${suffix}`)).heap,
    rawPagesPerRun: null,
  };
}

/** Raw vendor pages one collector run keeps (7 days by default): the day's raw partition / runs that wrote it. */
export async function rawPagesPerRun(sql: Sql, day: string): Promise<number> {
  const table = `raw.pages_${day.replaceAll('-', '')}`;
  const [row] = await sql.unsafe<{ bytes: string; runs: number }[]>(`
    select pg_total_relation_size('${table}'::regclass)::text as bytes, (select count(distinct run_id)::int from ${table}) as runs`);
  return Number(row?.bytes ?? 0) / Math.max(1, row?.runs ?? 1);
}

export const perRow = (p: PartitionSize): number => (p.rows > 0 ? (p.heap + p.indexes) / p.rows : 0);

/**
 * Bytes for `sources` sources of `devices` each: 65 days of device days, patch status and daily
 * counts, 24 month-ends of per-device rows, 7 days of raw pages.
 */
export function projectStorage(day: DayStorage, monthEndRowBytes: number, devices: number, sources: number): { dailies: number; monthEnds: number; raw: number } {
  const perDeviceDay = perRow(day.deviceDays) + perRow(day.patchStatus) * (day.patchStatus.rows / Math.max(1, day.deviceDays.rows));
  return {
    dailies: 65 * (sources * devices * perDeviceDay + day.dailyCounts),
    monthEnds: 24 * sources * devices * monthEndRowBytes,
    raw: 7 * sources * (day.rawPagesPerRun ?? 0),
  };
}
