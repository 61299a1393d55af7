/**
 * The partitions' names: a day's `<table>_YYYYMMDD` (core.device_days_20260131), the name
 * core.ensure_partitions (views/functions/partitions.sql) gives each day's partition of core.device_days,
 * core.patch_status, raw.pages and rollup.daily_counts; a month's `<table>_YYYYMM`
 * (rollup.month_end_devices_202601, rollup.ensure_month_partition). TypeScript that names or reads a
 * partition's name (retention, the nightly ANALYZE) does it here, so the convention has one home
 * outside the SQL functions that create them.
 */

/** The partition of `table` (schema-qualified or not) that holds `day` (YYYY-MM-DD). */
export function dayPartition(table: string, day: string): string {
  return `${table}_${day.replaceAll('-', '')}`;
}

/** The partition of `table` that holds `month` (YYYY-MM): rollup.month_end_devices_202601. */
export function monthPartition(table: string, month: string): string {
  return `${table}_${month.replace('-', '')}`;
}

/** The same name as a SQL text expression, for a date expression evaluated per row (e.g. `sd.snapshot_day`). */
export function dayPartitionSql(table: string, dayExpression: string): string {
  return `'${table}_' || to_char(${dayExpression}, 'YYYYMMDD')`;
}

/**
 * A SQL regular expression matching a day's or a month's partition name (the bare relname), its
 * one group the parent's name: for tables whose parent is no longer known (detached by a retention
 * that stopped half-way).
 */
export const PARTITION_NAME_PATTERN = '^(.*)_[0-9]{6,8}$';

/** The first day (YYYY-MM-01) of the month a month partition's name (`<table>_YYYYMM`) holds. */
export function monthOfMonthPartition(name: string): string {
  return `${name.slice(-6, -2)}-${name.slice(-2)}-01`;
}
