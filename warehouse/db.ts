/** The database client: postgres.js (+ drizzle for typed queries), named per job in pg_stat_activity. */
import postgres, { type Sql } from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';
import { DatabaseUnavailableError, NotMigratedError, WarehouseError } from './errors.js';

export type { Sql };
export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  /** Raw postgres.js: COPY, the load SQL, views. */
  sql: Sql;
  /** Typed drizzle queries, on a client of its own (see below). */
  db(): Db;
  close(): Promise<void>;
}

/**
 * A command's client. A connection that closes under a command (the server restarted or crashed, the
 * network reset it) ends the whole client at once, so every statement after it fails as a lost
 * database (exit 8) instead of carrying on over a fresh connection without the session's advisory
 * lock or settings. It also sidesteps a postgres.js 3.4 defect: after a connection dies mid-query,
 * the next connection's startup error (57P03 while the server recovers) is taken for the dead query's
 * and the client reconnects forever. Connections are never retired on a timer (idle_timeout and max_lifetime 0: off),
 * so the only closes are losses and our own end(). A server or pooler that ends idle sessions
 * (idle_session_timeout) ends a run too, as it must: the collector's lock session is idle all run.
 */
function client(url: string, applicationName: string, max: number): Sql {
  const sql: Sql = postgres(url, {
    max,
    onnotice: () => {},
    connection: { application_name: applicationName },
    transform: { undefined: null },
    connect_timeout: 10,
    idle_timeout: 0,
    max_lifetime: 0,
    onclose: () => { void sql.end({ timeout: 0 }); },
  });
  return sql;
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

/**
 * Every way a database connection dies or cannot be had, by the code on the error: socket errnos,
 * postgres.js's own connection codes, and the server's SQLSTATEs for a connection it ends or refuses
 * (57P01 admin shutdown, 57P02 crash of another backend, 57P03 cannot connect now, class 08), plus the
 * database or login being wrong (3D000, 28000, 28P01), which the operator fixes the same way.
 */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  '57P01', '57P02', '57P03', '57P05', '08000', '08001', '08003', '08004', '08006', '08P01',
  '3D000', '28000', '28P01',
]);

/**
 * postgres.js 3.4 can throw from a timer when a connection dies mid-query (porsager/postgres#1154,
 * #1208): "Cannot read properties of null (reading 'write')", from its connection module, with no code.
 */
const isPostgresJsWriteAfterClose = (error: Error): boolean =>
  error instanceof TypeError && /^Cannot read properties of null \(reading 'write'\)/u.test(error.message)
  && (error.stack ?? '').split('\n').slice(1, 4).some((frame) => /^\s+at .*postgres[\\/](?:cjs[\\/])?src[\\/]/u.test(frame));

/** got's errors (a vendor's API refused or reset) carry the same errnos and are not the database's. */
const belongsToHttpRequest = (error: Error): boolean => 'timings' in error && 'options' in error;

/** The error (or the one in its cause chain) that says the database connection was lost, if any. */
export function connectionLoss(error: unknown): Error | undefined {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.shift();
    if (!(current instanceof Error) || seen.has(current) || belongsToHttpRequest(current)) continue;
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if ((typeof code === 'string' && CONNECTION_CODES.has(code)) || isPostgresJsWriteAfterClose(current)) return current;
    pending.push((current as { cause?: unknown }).cause);
    if (current instanceof AggregateError) pending.push(...(current.errors as unknown[]));
  }
  return undefined;
}

/** Connection failures become exit 8 with a hint; everything else is returned as it was. */
export function asDatabaseError(error: unknown): unknown {
  // Already classified (a vendor failure, a usage error, a lost database): keep its exit code.
  if (error instanceof WarehouseError) return error;
  const condition = serverCondition(error) ?? notMigrated(error);
  if (condition) return condition;
  const lost = connectionLoss(error);
  if (!lost) return error;
  const code = (lost as { code?: string }).code ?? '';
  const what = WHAT_HAPPENED[code] ?? 'the database connection was lost';
  return new DatabaseUnavailableError(`database unavailable: ${what} (${lost.message})`, { cause: error });
}

/**
 * Conditions of the server an operator fixes there, not bugs: out of disk, memory or connections, a
 * read-only server (DATABASE_URL pointing at a standby). Each statement failed whole, and a publish is
 * one transaction, so nothing was published.
 */
const SERVER_CONDITIONS: Record<string, { what: string; hint: string }> = {
  '53100': { what: "the database's disk is full: free space, nothing was published", hint: 'Free space on the disk that holds PostgreSQL\'s data (or grow it), then re-run; the previous snapshot is untouched.' },
  '53200': { what: 'PostgreSQL ran out of memory; nothing was published', hint: 'Lower work_mem or give PostgreSQL more memory, then re-run.' },
  '53300': { what: 'PostgreSQL has no connection slot left (max_connections); nothing was published', hint: 'Close idle sessions or raise max_connections, then re-run.' },
  '53400': { what: 'PostgreSQL refused a configured limit; nothing was published', hint: 'See the PostgreSQL log for the limit and raise it, then re-run.' },
  '25006': { what: 'the database is read-only (a standby, or default_transaction_read_only); nothing was published', hint: 'Point DATABASE_URL at the primary, then re-run.' },
};

/** A server condition from the table above, anywhere in the cause chain, as exit 8 with its fix. */
function serverCondition(error: unknown): DatabaseUnavailableError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    const known = typeof code === 'string' ? SERVER_CONDITIONS[code] : undefined;
    if (known) return new DatabaseUnavailableError(`database unavailable: ${known.what} (${current.message})`, { cause: error, hint: known.hint });
  }
  return undefined;
}

/** The schemas `warehouse migrate` creates; a relation missing from one of them means an unmigrated database. */
export const MANAGED_SCHEMAS = ['core', 'ops', 'raw', 'rollup', 'staging', 'run', 'bi', 'drizzle'] as const;

/**
 * 42P01 undefined table, 3F000 undefined schema, 42883 undefined function, naming one of the managed
 * schemas: the database was never migrated (or by an older version). Names outside them (an
 * operator's own view) stay what they were.
 */
const MISSING_OBJECT_CODES = new Set(['42P01', '3F000', '42883']);
// `relation "core.sites"`, `schema "core"`, `function core.ensure_partitions(date)`.
const MANAGED_NAME = new RegExp(`(?:^|[\\s"])(?:${MANAGED_SCHEMAS.join('|')})(?:\\.|")`, 'u');

function notMigrated(error: unknown): NotMigratedError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && MISSING_OBJECT_CODES.has(code) && MANAGED_NAME.test(current.message)) {
      return new NotMigratedError(current.message, { cause: error });
    }
  }
  return undefined;
}

/** What a code means to an operator reading the one line a failed command prints. */
const WHAT_HAPPENED: Record<string, string> = {
  ECONNREFUSED: 'nothing accepts connections at that address (PostgreSQL stopped, or the wrong port)',
  ECONNRESET: 'the connection to PostgreSQL was reset',
  EPIPE: 'the connection to PostgreSQL broke while the warehouse was writing to it',
  ETIMEDOUT: 'PostgreSQL did not answer in time',
  CONNECT_TIMEOUT: 'PostgreSQL did not answer in time',
  ENOTFOUND: 'the database host name does not resolve',
  EAI_AGAIN: 'the database host name does not resolve',
  CONNECTION_CLOSED: 'PostgreSQL closed the connection while a statement was running',
  CONNECTION_ENDED: 'the connection to PostgreSQL was lost earlier in this command',
  CONNECTION_DESTROYED: 'the connection to PostgreSQL was lost earlier in this command',
  '57P01': 'PostgreSQL ended the session (shutting down, restarting, or an administrator terminated it)',
  '57P02': 'PostgreSQL restarted after another server process crashed',
  '57P03': 'PostgreSQL is starting up or shutting down and takes no connections yet',
  '3D000': 'the database named in DATABASE_URL does not exist',
  '28000': 'PostgreSQL refused the login',
  '28P01': 'PostgreSQL refused the password',
};

/**
 * A lost connection can surface outside any promise a caller holds: postgres.js throwing from a
 * timer (above), or a socket error event with nobody listening. That is the database going away, not
 * a bug: hand it to `onLost` as a DatabaseUnavailableError (exit 8). Anything else goes to `onOther`.
 */
export function guardAgainstLostConnections(onLost: (error: DatabaseUnavailableError) => void, onOther: (error: Error) => void): void {
  process.on('uncaughtException', (error) => {
    const classified = asDatabaseError(error);
    if (classified instanceof DatabaseUnavailableError) onLost(classified);
    else onOther(error);
  });
}
