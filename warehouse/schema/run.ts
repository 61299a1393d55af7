/**
 * The schema of run-scoped work tables: each collect run COPYs its rows into run_<id>_devices and
 * run_<id>_patch (warehouse/load/staging.ts), publishes from them and drops them. They are created
 * and dropped at run time, so no table is declared here; the schema keeps them apart from the
 * intermediate views in `staging`, and only warehouse_writer may use it (never warehouse_reader).
 */
import { pgSchema } from 'drizzle-orm/pg-core';

export const runSchema = pgSchema('run');
