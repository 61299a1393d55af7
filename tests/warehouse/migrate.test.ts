/**
 * `warehouse migrate` is idempotent: twice in a row against the test server (embedded or container)
 * and against a throwaway cluster of Debian's PostgreSQL 15 (installed by .ci/run), through the CLI.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';

const PG15 = '/usr/lib/postgresql/15/bin';

function migrateViaCli(url: string) {
  const result = spawnSync(process.execPath, ['bin/warehouse.js', 'migrate'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, err: result.stderr };
}

async function objectCounts(db: TestDatabase) {
  const [row] = await db.sql`
    select (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('core','ops','raw','rollup','staging','run','bi')) as relations,
           (select count(*)::int from drizzle.migrations) as migrations`;
  return row;
}

const cleanups: Array<() => void> = [];
afterAll(() => { for (const cleanup of cleanups) cleanup(); });

describe('migrate', () => {
  it('is idempotent on the test server', async () => {
    const db = await testDatabase();
    try {
      const before = await objectCounts(db);
      expect(migrateViaCli(db.url).code).toBe(0);
      expect(await objectCounts(db)).toEqual(before);
      expect(migrateViaCli(db.url).code).toBe(0);
      expect(await objectCounts(db)).toEqual(before);
    } finally {
      await db.close();
    }
  });

  it.runIf(existsSync(`${PG15}/initdb`) && process.platform === 'linux')('is idempotent on an empty PostgreSQL 15 from Debian', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pg15-'));
    const asRoot = userInfo().uid === 0;
    if (asRoot) chmodSync(dir, 0o777);
    const run = (cmd: string, args: string[]) => (asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
      : execFileSync(cmd, args, { encoding: 'utf8' }));
    const data = path.join(dir, 'data');
    run(`${PG15}/initdb`, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
    const port = await new Promise<number>((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
    run(`${PG15}/pg_ctl`, ['-D', data, '-l', path.join(data, 'log'), '-w', '-o', `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`, 'start']);
    cleanups.push(() => { try { run(`${PG15}/pg_ctl`, ['-D', data, '-m', 'immediate', 'stop']); } catch { /* already stopped */ } rmSync(dir, { recursive: true, force: true }); });
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const version = execFileSync('psql', [url, '-Atc', 'show server_version_num'], { encoding: 'utf8' }).trim();
    expect(Number(version)).toBeGreaterThanOrEqual(150000);
    expect(Number(version)).toBeLessThan(160000);
    const first = migrateViaCli(url);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(migrateViaCli(url).code).toBe(0);
    const views = execFileSync('psql', [url, '-Atc', "select count(*) from pg_views where schemaname = 'bi'"], { encoding: 'utf8' }).trim();
    expect(Number(views)).toBeGreaterThanOrEqual(2);
  });
});
