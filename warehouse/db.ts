/** The database client: postgres.js (+ drizzle for typed queries), named per job in pg_stat_activity. */
import postgres, { type Sql } from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';
import { DatabaseUnavailableError } from './errors.js';

export type { Sql };
export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  /** Raw postgres.js: COPY, the load SQL, views. */
  sql: Sql;
  /** Typed drizzle queries, on a client of its own (see below). */
  db(): Db;
  close(): Promise<void>;
}

function client(url: string, applicationName: string, max: number): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: applicationName },
    transform: { undefined: null },
    connect_timeout: 10,
  });
}

export function openDatabase(url: string, options: { applicationName: string; max?: number }): Database {
  const sql = client(url, options.applicationName, options.max ?? 4);
  // drizzle's postgres-js driver replaces the client's date and JSON serializers with pass-through
  // ones, which breaks raw queries that bind Date or objects; so drizzle never shares `sql`.
  let drizzleClient: Sql | undefined;
  let db: Db | undefined;
  return {
    sql,
    db() {
      drizzleClient ??= client(url, options.applicationName, 2);
      db ??= drizzle(drizzleClient, { schema, casing: 'snake_case' });
      return db;
    },
    async close() {
      await Promise.all([sql.end({ timeout: 5 }), drizzleClient?.end({ timeout: 5 })]);
    },
  };
}

/** Connection failures become exit 8 with a hint; everything else stays a PostgresError. */
export function asDatabaseError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const connectionCodes = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'CONNECT_TIMEOUT', '57P01', '57P03', '3D000', '28P01', '28000'];
  if (code && connectionCodes.includes(code)) {
    return new DatabaseUnavailableError(`database unavailable (${code}): ${(error as Error).message}`, { cause: error });
  }
  return error;
}

/**
 * postgres.js 3.4 can throw from a timer when a connection dies mid-query (porsager/postgres#1154,
 * #1208), outside any promise a caller holds. That is the database going away, not a bug: hand it to
 * `onLost` as a DatabaseUnavailableError (exit 8). Anything else uncaught goes to `onOther`.
 * Drop this when postgres.js ships the guard.
 */
export function guardAgainstLostConnections(onLost: (error: DatabaseUnavailableError) => void, onOther: (error: Error) => void): void {
  process.on('uncaughtException', (error) => {
    if (/postgres[\\/]src[\\/]connection\.js/u.test(error.stack ?? '')) {
      onLost(new DatabaseUnavailableError(`the database connection was lost: ${error.message}`, { cause: error }));
    } else {
      onOther(error);
    }
  });
}
