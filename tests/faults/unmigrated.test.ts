/**
 * A database the warehouse has not migrated, and a migration by an owner that may not create roles,
 * are configuration: exit 2 with the fix, never "internal error". Both on a PostgreSQL server of
 * this file's own, since warehouse_reader and warehouse_writer are cluster-wide and exist on the run's
 * shared server (created by its template's migration).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyEmbedded, startEmbedded } from '../../warehouse/embedded/server.js';
import { cli, pooled, scratchHome, type CliResult } from './helpers/cli.js';

const home = mkdtempSync(path.join(tmpdir(), 'warehouse-unmigrated-pg-'));
let admin: Sql;
let adminUrl: string;
const scratch = scratchHome();

function urlAs(user: string, password: string, database: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
}

beforeAll(async () => {
  const server = await startEmbedded(home, { relaxedDurability: true });
  adminUrl = server.adminUrl;
  admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
}, 120_000);
afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await destroyEmbedded(home);
}, 60_000);

function expectNotMigrated(r: CliResult): void {
  expect({ code: r.code, err: r.err }).toMatchObject({ code: 2 });
  const lines = r.err.trim().split('\n');
  expect(lines[0]).toMatch(/^warehouse: the database is not migrated \(/u);
  expect(lines[1]).toBe('→ Run `warehouse migrate` (as the database owner), then re-run this command.');
  expect(r.err).not.toMatch(/internal error|This is a bug|\n\s+at /u);
}

describe('a verb against a database never migrated', () => {
  let url: string;
  let results: CliResult[];
  const verbs = [['status'], ['rollup', '--date', '2020-01-15'], ['sites', 'list'], ['exceptions', 'list'], ['retention', '--dry-run'],
    ['collect', 'ninjaone', '--date', '2020-01-15', '--accept-past-date']];

  beforeAll(async () => {
    const name = `empty_${randomBytes(4).toString('hex')}`;
    await admin.unsafe(`create database ${name}`);
    url = new URL(adminUrl).toString().replace(/\/postgres$/u, `/${name}`);
    // NinjaOne configured but unreachable: the database is looked at first, so no vendor error shows.
    const vendor = { NINJAONE_BASE_URL: 'http://127.0.0.1:9', NINJAONE_CLIENT_ID: 'id', NINJAONE_CLIENT_SECRET: 'secret-unmigrated' };
    results = await pooled(verbs, 3, (args) => cli(args, { WAREHOUSE_HOME: scratch, DATABASE_URL: url, ...vendor }));
  }, 120_000);

  it.each(verbs.map((args, i) => [args.join(' '), i] as const))('%s exits 2: run `warehouse migrate`', (_, i) => {
    expectNotMigrated(results[i] as CliResult);
  });
});

describe('migrate by an owner without CREATEROLE', () => {
  const role = `owner_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const database = `owned_${randomBytes(4).toString('hex')}`;

  it('exits 2 naming CREATEROLE and the roles to create, then migrates once an administrator created them', async () => {
    await admin.unsafe(`create role ${role} login nocreaterole password '${password}'`);
    await admin.unsafe(`create database ${database} owner ${role}`);
    const env = { WAREHOUSE_HOME: scratch, DATABASE_URL: urlAs(role, password, database) };

    const refused = await cli(['migrate'], env);
    expect({ code: refused.code, err: refused.err }).toMatchObject({ code: 2 });
    const [first, fix] = refused.err.trim().split('\n');
    expect(first).toBe(`warehouse: migrate: the role ${role} lacks CREATEROLE, and the roles warehouse_reader, warehouse_writer do not exist yet`);
    expect(fix).toContain('CREATE ROLE warehouse_reader NOLOGIN;');
    expect(fix).toContain(`ALTER ROLE ${role} CREATEROLE;`);
    expect(refused.err).not.toContain(password);
    expect(refused.err).not.toMatch(/internal error|\n\s+at /u);
    // Nothing was migrated: the check runs before the first migration.
    const owned = postgres(urlAs(role, password, database), { max: 1, onnotice: () => {} });
    try {
      expect(await owned`select nspname from pg_namespace where nspname in ('core', 'drizzle')`).toEqual([]);
    } finally {
      await owned.end({ timeout: 5 });
    }

    await admin.unsafe('create role warehouse_reader nologin; create role warehouse_writer nologin');
    const migrated = await cli(['migrate'], env);
    expect({ code: migrated.code, err: migrated.err }).toMatchObject({ code: 0 });
    const status = await cli(['status'], env);
    expect(status.err).not.toMatch(/not migrated|internal error/u);
  }, 120_000);
});
