/** The database checks: reachable, migrated to this version, the owner's privileges, the reader role. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../../warehouse/db.js';
import { checkOwnerPrivileges } from '../../warehouse/migrate.js';
import { EXIT } from '../../warehouse/errors.js';
import { failed, ok, warn, type Check } from './check.js';

const JOURNAL = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'warehouse', 'migrations', 'meta', '_journal.json');

function shippedMigrations(): number {
  return (JSON.parse(readFileSync(JOURNAL, 'utf8')) as { entries: unknown[] }).entries.length;
}

export async function checkDatabase(sql: Sql): Promise<Check[]> {
  const checks: Check[] = [];
  const [server] = await sql<{ version: string; role: string; database: string }[]>`
    select current_setting('server_version') as version, current_user as role, current_database() as database`;
  checks.push(ok('database', `PostgreSQL ${server?.version} reachable as ${server?.role}, database ${server?.database}`));
  // Two statements: a relation named in the same statement is resolved before any CASE could skip it.
  const [table] = await sql<{ exists: boolean }[]>`select to_regclass('drizzle.migrations') is not null as exists`;
  const [applied] = table?.exists ? await sql<{ n: number }[]>`select count(*)::int as n from drizzle.migrations` : [];
  const shipped = shippedMigrations();
  if (applied?.n === null || applied?.n === undefined || applied.n === 0) {
    checks.push({ name: 'migrations', status: 'fail', detail: 'the database is not migrated', fix: 'Run `warehouse migrate` (as the database owner).', exitCode: EXIT.usage });
  } else if (applied.n < shipped) {
    checks.push({ name: 'migrations', status: 'fail', detail: `${applied.n} of ${shipped} migrations applied`, fix: 'Run `warehouse migrate` to apply the rest.', exitCode: EXIT.usage });
  } else {
    checks.push(ok('migrations', `all ${shipped} applied`));
  }
  try {
    await checkOwnerPrivileges(sql);
    checks.push(ok('privileges', 'the role may create schemas, and the warehouse roles exist or may be created'));
  } catch (error) {
    // Only `migrate` needs them: a collector role without them is fine.
    const f = failed('privileges', error);
    checks.push(warn('privileges', `${f.detail} (needed by \`warehouse migrate\` only)`, f.fix));
  }
  const [reader] = await sql<{ exists: boolean; usage: boolean | null }[]>`
    select exists (select from pg_roles where rolname = 'warehouse_reader') as exists,
           case when exists (select from pg_roles where rolname = 'warehouse_reader') and to_regnamespace('bi') is not null
                then has_schema_privilege('warehouse_reader', 'bi', 'usage') end as usage`;
  if (!reader?.exists) checks.push({ name: 'reader role', status: 'fail', detail: 'warehouse_reader does not exist', fix: 'Run `warehouse migrate`; it creates the role and its grants.', exitCode: EXIT.usage });
  else if (reader.usage !== true) checks.push({ name: 'reader role', status: 'fail', detail: 'warehouse_reader cannot read the bi schema', fix: 'Run `warehouse migrate`; it recreates the grants.', exitCode: EXIT.usage });
  else checks.push(ok('reader role', 'warehouse_reader can read the bi views'));
  return checks;
}
