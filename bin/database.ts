/**
 * Where the CLI's database comes from: DATABASE_URL when set (production), else the embedded
 * default in $WAREHOUSE_HOME, started for the command and stopped after it unless `db start` asked
 * for it to keep running or another command is still using it.
 */
import postgres from 'postgres';
import { checkHomeUsable, type WarehouseConfig } from '../warehouse/config.js';
import { keepRunningRequested, startEmbedded, stopEmbedded } from '../warehouse/embedded/server.js';
import { asDatabaseError, openDatabase, type Sql } from '../warehouse/db.js';

export async function withDatabase<T>(config: WarehouseConfig, work: (url: string) => Promise<T>): Promise<T> {
  if (config.databaseUrl) return work(config.databaseUrl);
  checkHomeUsable(config.home);
  const server = await startEmbedded(config.home);
  try {
    return await work(server.url);
  } finally {
    if (!keepRunningRequested(config.home) && !(await otherClients(server.adminUrl))) await stopEmbedded(config.home);
  }
}

/** Another warehouse command still connected: leave the server to whoever finishes last. */
async function otherClients(adminUrl: string): Promise<boolean> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where backend_type = 'client backend' and pid <> pg_backend_pid()`;
    return (row?.n ?? 0) > 0;
  } catch {
    return false;
  } finally {
    await sql.end();
  }
}

/** A postgres.js client named for the job, closed afterwards; connection failures become exit 8. */
export async function withSql<T>(url: string, applicationName: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const { sql, close } = openDatabase(url, { applicationName, max: 3 });
  try {
    return await work(sql);
  } catch (error) {
    throw asDatabaseError(error);
  } finally {
    await close();
  }
}
