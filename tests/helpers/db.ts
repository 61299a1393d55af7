/** Fresh, migrated databases for tests, cloned with CREATE DATABASE ... TEMPLATE. */
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { inject } from 'vitest';

export interface TestDatabase {
  url: string;
  /** postgres.js client on the test database (owner role). */
  sql: Sql;
  name: string;
  close(): Promise<void>;
}

export function adminUrl(): string {
  return inject('pgAdminUrl');
}

export function urlFor(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A fresh database cloned from the run's migrated template, or from `template`: a database of the
 * test's own that it has filled and closed (no session may be connected to it while it is copied).
 */
export async function testDatabase(options: { template?: string } = {}): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${options.template ?? inject('pgTemplate')}`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url, sql, name,
    async close() {
      await sql.end({ timeout: 5 });
      const drop = postgres(adminUrl(), { max: 1, onnotice: () => {} });
      await drop.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
      await drop.end();
    },
  };
}
