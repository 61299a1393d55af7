/**
 * The day partitions' names: `<table>_YYYYMMDD` (core.device_days_20260131), the name
 * core.ensure_partitions (views/functions/partitions.sql) gives each day's partition of core.device_days,
 * core.patch_status, raw.pages and rollup.daily_counts. TypeScript that names a day's partition
 * (retention, the nightly ANALYZE) builds it here, so the convention has one home outside the
 * SQL function that creates them.
 */

/** The partition of `table` (schema-qualified or not) that holds `day` (YYYY-MM-DD). */
export function dayPartition(table: string, day: string): string {
  return `${table}_${day.replaceAll('-', '')}`;
}

/** The same name as a SQL text expression, for a date expression evaluated per row (e.g. `sd.snapshot_day`). */
export function dayPartitionSql(table: string, dayExpression: string): string {
  return `'${table}_' || to_char(${dayExpression}, 'YYYYMMDD')`;
}
