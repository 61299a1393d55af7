/** Apply migrations (drizzle's postgres-js migrator, history in drizzle.migrations), then the SQL layer (views/functions, the views) and grants. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate as drizzleMigrate } from 'drizzle-orm/postgres-js/migrator';
import type { Logger } from 'pino';
import { openDatabase, type Sql } from './db.js';
import { MigratePrivilegeError } from './errors.js';
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
    await checkOwnerPrivileges(sql);
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

/** The cluster-wide roles the migrations create when missing (0001) and the grants name. */
export const WAREHOUSE_ROLES = ['warehouse_reader', 'warehouse_writer'] as const;

/**
 * What migrating needs of the role it connects as, checked before anything changes so a refusal is
 * one line naming the privilege instead of a failed migration: CREATE on the database (its schemas),
 * and CREATEROLE unless an administrator created the warehouse's roles beforehand (both ways are
 * supported: the migration creates a role only when it is missing).
 */
export async function checkOwnerPrivileges(sql: Sql): Promise<void> {
  const [me] = await sql<{ role: string; database: string; canCreateRoles: boolean; canCreateSchemas: boolean; missing: string[] }[]>`
    select current_user as role, current_database() as database,
           (r.rolsuper or r.rolcreaterole) as "canCreateRoles",
           has_database_privilege(current_database(), 'CREATE') as "canCreateSchemas",
           array(select w from unnest(${sql.array([...WAREHOUSE_ROLES])}::text[]) with ordinality as t(w, n) where not exists (select from pg_roles where rolname = w) order by n) as missing
    from pg_roles r where r.rolname = current_user`;
  if (!me) return;
  if (!me.canCreateSchemas) {
    throw new MigratePrivilegeError(`migrate: the role ${me.role} may not create schemas in the database ${me.database}`,
      `Connect as the database's owner, or have an administrator run: GRANT CREATE ON DATABASE ${me.database} TO ${me.role};`);
  }
  if (me.missing.length > 0 && !me.canCreateRoles) {
    throw new MigratePrivilegeError(`migrate: the role ${me.role} lacks CREATEROLE, and the roles ${me.missing.join(', ')} do not exist yet`,
      `Have an administrator create them once (${me.missing.map((r) => `CREATE ROLE ${r} NOLOGIN;`).join(' ')}) or grant it CREATEROLE (ALTER ROLE ${me.role} CREATEROLE;), then re-run \`warehouse migrate\`.`);
  }
}
