/** The database client: postgres.js (+ drizzle for typed queries), named per job in pg_stat_activity. */
import postgres, { type Sql } from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';
import { DatabaseUnavailableError } from './errors.js';

export type { Sql };
export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  sql: Sql;
  db: Db;
  close(): Promise<void>;
}

export function openDatabase(url: string, options: { applicationName: string; max?: number }): Database {
  const sql = postgres(url, {
    max: options.max ?? 4,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
    // bigint counts come back as numbers: no count here approaches 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) } },
    transform: { undefined: null },
    connect_timeout: 10,
  });
  const db = drizzle(sql, { schema, casing: 'snake_case' });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
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
