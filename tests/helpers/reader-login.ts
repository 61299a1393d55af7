/**
 * A LOGIN role that is a member of warehouse_reader, as an operator creates one for a BI tool, and a
 * connection as it: what the access tests try relations with.
 */
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { adminUrl, type TestDatabase } from './db.js';

export interface ReaderLogin {
  role: string;
  sql: Sql;
  /** The SQLSTATE of running `statement` as the reader, or 'ok'. */
  attempt(statement: string): Promise<string>;
  /** Close the connection and drop the role (the role is cluster-wide: it outlives the test database). */
  close(): Promise<void>;
}

/** Create the role, run `meanwhile` (e.g. an upgrade the rights must survive), then log in as it. */
export async function readerLogin(db: TestDatabase, prefix: string, meanwhile?: () => Promise<void>): Promise<ReaderLogin> {
  const role = `${prefix}_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await db.sql.unsafe(`create role ${role} login password '${password}' in role warehouse_reader`);
  await meanwhile?.();
  const url = new URL(db.url);
  url.username = role;
  url.password = password;
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  return {
    role,
    sql,
    async attempt(statement) {
      try {
        await sql.unsafe(statement);
        return 'ok';
      } catch (error) {
        return (error as { code?: string }).code ?? String(error);
      }
    },
    async close() {
      await sql.end({ timeout: 5 });
      const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop role if exists ${role}`).catch(() => {});
      await admin.end();
    },
  };
}
