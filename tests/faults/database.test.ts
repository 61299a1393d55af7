/**
 * The database going away under a run, beyond database-loss.test.ts (which loses it at every stage
 * of every command, by statement): a connection stalled (an in-process TCP proxy that swallows bytes)
 * so that only the run's deadline can end it, and PostgreSQL itself restarted while a child process
 * is paused inside the publish transaction (a private embedded server, paused by a hook, so nothing
 * races). The run must fail cleanly (exit 8, or be swept as abandoned), leave what was published
 * untouched, and the next run must publish.
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { runCollect, type RunResult } from '../../warehouse/run/runner.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { destroyEmbedded, startEmbedded, stopEmbedded } from '../../warehouse/embedded/server.js';
import { EXIT, exitCodeOf } from '../../warehouse/errors.js';
import { migrate } from '../../warehouse/migrate.js';
import { silentLogger } from '../../warehouse/log.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { checkpointSource } from './helpers/checkpoints.js';
import { cleanEnv } from './helpers/cli.js';
import { fingerprint, settle } from './helpers/published.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';

const DAY = '2026-04-01';
const SIM_DAY = '2026-03-01';
const TINY = { TINY_DEVICES: '120', TINY_PAGE_SIZE: '30', WAREHOUSE_TIMEZONE: 'UTC' };
// The tiny source publishes as ninjaone too: next to the 200-device simulator it must not look like a shrink.
const TINY_BIG = { ...TINY, TINY_DEVICES: '220' };

/** The run's outcome whether runCollect returned a failed result or threw. */
async function outcome(run: Promise<RunResult>): Promise<{ exitCode: number; message: string }> {
  try {
    const result = await run;
    return { exitCode: result.exitCode, message: result.error?.message ?? '' };
  } catch (error) {
    return { exitCode: exitCodeOf(error), message: (error as Error).message };
  }
}

/** After a broken run: the sweep records it as failed and drops its staging; a clean run then publishes. */
async function sweepAndRerun(url: string, rerun: () => Promise<RunResult>): Promise<void> {
  await settle(url);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    await sweepAbandonedRuns(sql);
    expect(await sql`select run_id from ops.sync_runs where status = 'running'`).toEqual([]);
    expect(await sql`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('run', 'staging') and c.relkind = 'r'`).toEqual([]);
  } finally {
    await sql.end();
  }
  expect((await rerun()).status).toBe('succeeded');
}

/** What the operator sees when the database went away: exit 8 and the one line of advice. */
function exitsLikeTheDatabaseWentAway(result: { code: number | null; err: string }): void {
  expect(result.code, result.err).toBe(EXIT.databaseUnavailable);
  expect(result.err).toMatch(/→ Check that PostgreSQL is running/u);
}

const ninjaRun = (sim: NinjaOneSimulator, url: string) => () => runCollect({ source: SOURCES.ninjaone, env: { ...sim.config, DATABASE_URL: url, WAREHOUSE_TIMEZONE: 'UTC' }, date: DAY, today: DAY });

describe('a connection through a TCP proxy', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let sim: NinjaOneSimulator;
  let before: string;
  beforeAll(async () => {
    db = await testDatabase();
    proxy = await startTcpProxy(db.url);
    sim = await startNinjaOneSimulator({ devices: 200, seed: 11, date: SIM_DAY });
    expect((await ninjaRun(sim, db.url)()).status).toBe('succeeded');
    before = await fingerprint(db.url);
    // The next day's fleet differs, so a run that published anything would change the fingerprint.
    sim.setDay('2026-03-02');
  }, 60_000);
  afterAll(async () => {
    await sim?.close();
    await proxy?.close();
    await db?.close();
  });

  it('stalled while the vendor is being read: the run deadline fires, exit 8, nothing is published', async () => {
    // The source waits on the run's signal after page 2, as a vendor request in flight does.
    const source = checkpointSource(async (page, signal) => {
      if (page !== 2) return;
      proxy.stall();
      await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    });
    const started = Date.now();
    const result = await outcome(runCollect({ source, env: { DATABASE_URL: proxy.url, ...TINY }, date: DAY, today: DAY, timeoutMs: 2000 }));
    proxy.heal();
    expect(result).toMatchObject({ exitCode: EXIT.databaseUnavailable, message: expect.stringMatching(/deadline of 2 s/u) });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(await fingerprint(db.url)).toBe(before);
    await sweepAndRerun(db.url, ninjaRun(sim, db.url));
    before = await fingerprint(db.url);
  });

  // The deadline aborts the staging COPY streams as well as the connections: a stall after the last
  // page cannot leave sink.finish() (COPY end) waiting forever.
  it('stalled once every page is staged: the run deadline still ends the run with exit 8', async () => {
    const source = checkpointSource(async (page) => { if (page === 4) proxy.stall(); });
    const run = outcome(runCollect({ source, env: { DATABASE_URL: proxy.url, ...TINY }, date: DAY, today: DAY, timeoutMs: 1000 }));
    const settled = await Promise.race([run, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 4000))]);
    proxy.heal();
    expect(settled).toMatchObject({ exitCode: EXIT.databaseUnavailable });
  });
});

describe('PostgreSQL restarted mid-run (private embedded server)', () => {
  let pgHome: string;
  let url: string;
  let sim: NinjaOneSimulator;
  let before: string;
  const restart = async () => {
    await stopEmbedded(pgHome);
    await startEmbedded(pgHome, { relaxedDurability: true });
  };
  beforeAll(async () => {
    pgHome = await mkdtemp(path.join(tmpdir(), 'warehouse-restart-'));
    url = (await startEmbedded(pgHome, { relaxedDurability: true })).url;
    await migrate(url, silentLogger);
    sim = await startNinjaOneSimulator({ devices: 200, seed: 12, date: SIM_DAY });
    expect((await ninjaRun(sim, url)()).status).toBe('succeeded');
    expect((await runCollect({ source: tiny, env: { DATABASE_URL: url, ...TINY_BIG }, date: '2026-04-02', today: '2026-04-02' })).status).toBe('succeeded');
    before = await fingerprint(url);
    sim.setDay('2026-03-02');
  }, 120_000);
  afterAll(async () => {
    await sim?.close();
    await destroyEmbedded(pgHome);
  });

  it('restarted inside the publish transaction: exit 8, the day is unchanged, the run is swept, the next run publishes', async () => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/faults/fixtures/publish-pause-run.ts'], {
      env: { ...cleanEnv(), DATABASE_URL: url, ...TINY_BIG, TINY_VARIANT: '-changed', TINY_DATE: '2026-04-02' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('PAUSED_IN_PUBLISH')) resolve();
      });
      child.on('close', () => reject(new Error(`child ended before publishing: ${err}`)));
    });
    await restart();
    child.stdin.write('go\n');
    const code = await exited;
    exitsLikeTheDatabaseWentAway({ code, err });
    expect(await fingerprint(url)).toBe(before);
    await sweepAndRerun(url, () => runCollect({ source: tiny, env: { DATABASE_URL: url, ...TINY_BIG, TINY_VARIANT: '-changed' }, date: '2026-04-02', today: '2026-04-02' }));
    expect(await fingerprint(url)).not.toBe(before);
  }, 60_000);

});
