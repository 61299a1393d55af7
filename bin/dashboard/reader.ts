/**
 * The dashboard's database client: a pool whose every session is `warehouse_reader` (set at
 * connection start, so no statement ever runs with more), read-only, with a statement timeout. It
 * connects with WAREHOUSE_DASHBOARD_DATABASE_URL when set (a BI-style login in warehouse_reader),
 * else the warehouse's own URL (the embedded default's owner, or DATABASE_URL), whose role must be a
 * member of warehouse_reader to take it on. Unlike a command's client (warehouse/db.ts) it reconnects
 * after a lost connection: a long-running server outlives a PostgreSQL restart, and holds no session
 * state to lose.
 */
import postgres, { type Sql } from 'postgres';
import { ConfigError, DatabaseUnavailableError, EXIT, WarehouseError } from '../../warehouse/errors.js';
import { asDatabaseError } from '../../warehouse/db.js';
import { registerSecret } from '../../warehouse/redact.js';

export const READER_ROLE = 'warehouse_reader';

export function checkReaderUrl(value: string, key: string): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(key, 'is not a valid URL', 'Use postgres://user:password@host:5432/dbname.');
  }
  if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new ConfigError(key, `has scheme "${parsed.protocol.replace(/:$/u, '')}", expected postgres`, 'Use postgres://user:password@host:5432/dbname.');
  return value;
}

/**
 * The reader's startup parameters: the session is the reader from its first statement on. Every plan
 * is a custom plan, made for the request's values: the pages' statements are prepared (postgres.js
 * names each one per connection) and their optional filters are written `($1::int is null or
 * d.site_id = $1)`, which only a plan that knows $1 can drop. After five runs PostgreSQL may switch a
 * prepared statement to its generic plan, planned for no values, where each optional filter is guessed
 * selective: at 20,000 devices per source the devices query's generic plan expected one row and joined
 * the latest day's 60,000 rows by nested loops over the site aliases (2.1 s against 0.5 s custom, the
 * 540 ms B7 saw between the deepest /devices page and its replayed reads, which are not prepared).
 */
export function readerSession(statementTimeoutMs: number, applicationName = 'warehouse:serve'): Partial<postgres.ConnectionParameters> {
  return {
    application_name: applicationName,
    role: READER_ROLE,
    default_transaction_read_only: true,
    statement_timeout: statementTimeoutMs,
    plan_cache_mode: 'force_custom_plan',
  };
}

export function openReader(url: string, statementTimeoutMs: number, max = 4): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    connection: readerSession(statementTimeoutMs),
  });
}

/** At start: one query as the reader, so a login that may not be it fails now, with its fix. */
export async function probeReader(sql: Sql): Promise<{ login: string; database: string }> {
  try {
    const [me] = await sql<{ login: string; role: string; database: string }[]>`select session_user as login, current_user as role, current_database() as database`;
    await sql`select 1 from bi.collection_health limit 1`;
    return { login: me?.login ?? '?', database: me?.database ?? '?' };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '42501' || code === '22023') {
      throw new WarehouseError('ERR_READER', EXIT.usage, `serve: the database login may not act as ${READER_ROLE} (${(error as Error).message})`,
        `Grant it once (GRANT ${READER_ROLE} TO <that login>;), or set WAREHOUSE_DASHBOARD_DATABASE_URL to a login that is a member of ${READER_ROLE}.`);
    }
    const classified = asDatabaseError(error);
    if (classified instanceof WarehouseError) throw classified;
    throw new DatabaseUnavailableError(`database unavailable: ${(error as Error).message}`, { cause: error });
  }
}
