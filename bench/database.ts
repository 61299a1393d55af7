/**
 * The benchmark's own database, never one that holds data: without DATABASE_URL an embedded
 * PostgreSQL in a temporary WAREHOUSE_HOME (removed afterwards); with DATABASE_URL a scratch
 * database created next to it and dropped afterwards (the role needs CREATEDB).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { destroyEmbedded, startEmbedded } from '../warehouse/embedded/server.js';
import { migrate } from '../warehouse/migrate.js';
import { silentLogger } from '../warehouse/log.js';

export interface BenchDatabase {
  url: string;
  /** What the figures were measured on, for the table's header. */
  where: string;
  close(): Promise<void>;
}

export async function openBenchDatabase(databaseUrl: string | undefined, keep: boolean): Promise<BenchDatabase> {
  const db = databaseUrl ? await scratchDatabase(databaseUrl, keep) : await embedded(keep);
  await migrate(db.url, silentLogger);
  return db;
}

async function embedded(keep: boolean): Promise<BenchDatabase> {
  const home = await mkdtemp(path.join(tmpdir(), 'warehouse-bench-'));
  const server = await startEmbedded(home);
  return {
    url: server.url,
    where: `embedded PostgreSQL in ${home}${keep ? ' (kept)' : ''}`,
    async close() {
      if (keep) return;
      await destroyEmbedded(home);
    },
  };
}

export async function scratchDatabase(databaseUrl: string, keep: boolean): Promise<BenchDatabase> {
  const name = `warehouse_bench_${randomBytes(4).toString('hex')}`;
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    where: `scratch database ${name} on ${url.host}${keep ? ' (kept)' : ''}`,
    async close() {
      if (keep) return;
      const drop = postgres(databaseUrl, { max: 1, onnotice: () => {} });
      await drop.unsafe(`drop database if exists ${name} with (force)`).finally(() => drop.end());
    },
  };
}
