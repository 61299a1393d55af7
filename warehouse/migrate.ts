/** Apply migrations (drizzle's postgres-js migrator, history in drizzle.migrations), then recreate views and grants. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import type { Logger } from 'pino';
import { openDatabase } from './db.js';
import { applyViews } from '../views/apply.js';
import { sealUnsealed } from './billing/seal.js';
import { recordTimeZone } from './settings.js';

const MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

export async function migrate(url: string, log: Logger, options: { timeZone?: string } = {}): Promise<{ views: number }> {
  const { db, sql, close } = openDatabase(url, { applicationName: 'warehouse:migrate', max: 1 });
  const drizzleDb = db();
  try {
    // Serialise concurrent migrators (two timers firing together) on one advisory lock.
    await sql`select pg_advisory_lock(hashtext('warehouse:migrate'))`;
    await drizzleMigrate(drizzleDb, { migrationsFolder: MIGRATIONS, migrationsSchema: 'drizzle', migrationsTable: 'migrations' });
    const views = await applyViews(sql);
    if (options.timeZone) await recordTimeZone(sql, options.timeZone);
    // Months closed before sealing existed are sealed now, in the order they were closed.
    const sealed = await sealUnsealed(sql);
    log.info({ views, sealed }, 'migrations applied; views and grants recreated');
    return { views };
  } finally {
    await close();
  }
}
