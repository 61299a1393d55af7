/**
 * drizzle-kit's entry: every table it manages. The partitioned tables (core.device_days,
 * core.patch_status, raw.pages, rollup.daily_counts, rollup.month_end_devices) are not declared here:
 * hand-written migrations create them, because drizzle-kit cannot express PARTITION BY, and they are
 * queried in SQL.
 */
export * from './ops.js';
export * from './core.js';
export * from './rollup.js';
export * from './compliance.js';
export * from './alerts.js';
export * from './run.js';
