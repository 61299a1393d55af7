/**
 * Issue 22, the run's edges: a killed run is swept by the next holder of its own lock and by rollup
 * and retention; --date is bounded; each condition an operator or vendor causes gets its exit code of
 * DESIGN.md §5 and one line (disk full 8, a vendor stalled past the deadline 7, a body that is not
 * JSON or never finishes named as such); the logger keeps an error's message and stack, redacted.
 * Every fault is produced on purpose at a chosen statement (a trigger raising the server's own
 * SQLSTATE, a server that never answers), never by racing a restart.
 */
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { createBudget, createHttp, toCollectorError } from '../../collectors/shared/http.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { asDatabaseError } from '../../warehouse/db.js';
import { DatabaseUnavailableError, EXIT, UsageError } from '../../warehouse/errors.js';
import { createLogger, silentLogger } from '../../warehouse/log.js';
import { registerSecret } from '../../warehouse/redact.js';
import { boundedDay, snapshotDayOf } from '../../warehouse/time.js';
import { tiny } from '../helpers/tiny-source.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, scratchHome } from './helpers/cli.js';
import { killNightAt } from './helpers/kill.js';
import { NIGHT, publishBefore } from './helpers/pipeline.js';

const FLEET = { TINY_DEVICES: '60', TINY_PAGE_SIZE: '20', WAREHOUSE_TIMEZONE: 'UTC' };
const NINJA_KEYS = { NINJAONE_CLIENT_ID: 'client-id', NINJAONE_CLIENT_SECRET: 'client-secret-value', NINJAONE_BASE_URL: 'http://127.0.0.1:9' };

async function runsOf(db: TestDatabase): Promise<Array<{ run_id: number; status: string; error_code: string | null }>> {
  return db.sql`select run_id::int, status, error_code from ops.sync_runs order by run_id`;
}

/** The run's tables, schema-qualified: in run, or in staging where an older version put them. */
async function stagingTablesOf(db: TestDatabase, runId: number): Promise<string[]> {
  const rows = await db.sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('run', 'staging') and c.relkind = 'r' and c.relname like ${`run\\_${runId}\\_%`} order by 1`;
  return rows.map((r) => r.name);
}

/** A run killed while staging page 2: 'running', its staging tables left behind. */
async function killedRun(db: TestDatabase): Promise<number> {
  await publishBefore(db.url);
  await killNightAt(db.url, 'collect:page:2');
  const running = (await runsOf(db)).filter((r) => r.status === 'running');
  expect(running).toHaveLength(1);
  const runId = running[0]?.run_id as number;
  expect(await stagingTablesOf(db, runId)).toEqual([`run.run_${runId}_devices`, `run.run_${runId}_patch`]);
  return runId;
}

describe('a killed run is swept', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await testDatabase(); });
  afterAll(async () => { await db?.close(); });

  it("by the same source's next collect, which holds the lock the killed run held", async () => {
    const killed = await killedRun(db);
    const next = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, ...FLEET }, date: NIGHT.day, today: NIGHT.day });
    expect(next.status).toBe('succeeded');
    const runs = await runsOf(db);
    expect(runs.find((r) => r.run_id === killed)).toMatchObject({ status: 'failed', error_code: 'ERR_ABANDONED' });
    expect(runs.filter((r) => r.status === 'running')).toEqual([]);
    expect(await stagingTablesOf(db, killed)).toEqual([]);
  }, 90_000);
});

describe.each([
  ['rollup', ['rollup', '--date', NIGHT.before[1]]],
  ['retention', ['retention', '--today', NIGHT.today]],
])('a killed run is swept by %s', (_verb, args) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await testDatabase(); });
  afterAll(async () => { await db?.close(); });

  it('which records it failed and drops its staging tables', async () => {
    const killed = await killedRun(db);
    const result = await cli(args, { DATABASE_URL: db.url, WAREHOUSE_HOME: scratchHome() });
    expect(result.err).not.toMatch(/internal error/u);
    expect((await runsOf(db)).find((r) => r.run_id === killed)).toMatchObject({ status: 'failed', error_code: 'ERR_ABANDONED' });
    expect(await stagingTablesOf(db, killed)).toEqual([]);
  }, 90_000);
});

describe('--date is bounded (exit 2, before any database is touched)', () => {
  const env = { ...NINJA_KEYS, DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none' };
  it.each([
    ['collect, a future day', ['collect', 'ninjaone', '--date', '2099-01-01'], {}, /--date 2099-01-01 is in the future/u],
    ['collect, before the earliest day', ['collect', 'ninjaone', '--date', '1900-01-01'], {}, /before the earliest day .*WAREHOUSE_EARLIEST_DAY/u],
    ['collect, before a configured earliest day', ['collect', 'ninjaone', '--date', '2025-12-31'], { WAREHOUSE_EARLIEST_DAY: '2026-01-01' }, /2025-12-31 is before the earliest day the warehouse accepts \(2026-01-01/u],
    ['a malformed earliest day', ['collect', 'ninjaone', '--date', '2026-03-01'], { WAREHOUSE_EARLIEST_DAY: 'soon' }, /WAREHOUSE_EARLIEST_DAY: "soon" is not a date/u],
    ['collect, a past day from a live API', ['collect', 'ninjaone', '--date', '2001-01-01'], {}, /--date 2001-01-01 is in the past .*a missed day cannot be recovered/u],
    ['nightly, a past day', ['nightly', '--date', '2001-01-01'], {}, /--date 2001-01-01 is in the past/u],
    ['nightly, a future day', ['nightly', '--date', '2099-01-01'], {}, /in the future/u],
    ['rollup, a future day', ['rollup', '--date', '2099-01-01'], {}, /in the future/u],
    ['rollup, a range from 1900', ['rollup', '--from', '1900-01-01', '--to', '1900-01-31'], {}, /--from 1900-01-01 is before the earliest day/u],
    ['retention as of a future today', ['retention', '--today', '2099-01-01'], {}, /--today 2099-01-01 is in the future/u],
  ])('%s', async (_name, args, extra, message) => {
    const result = await cli(args, { ...env, ...extra, WAREHOUSE_HOME: scratchHome() });
    expect(result.code).toBe(EXIT.usage);
    expect(result.err).toMatch(message);
    expect(result.err).not.toMatch(/database unavailable|internal error/u);
  }, 30_000);

  it('accepts up to tomorrow in the time zone, the earliest day itself, and nothing outside', () => {
    const bounds = { today: '2028-02-28', timeZone: 'Pacific/Kiritimati', earliest: '2020-01-01', earliestKey: 'WAREHOUSE_EARLIEST_DAY' };
    expect(boundedDay('2028-02-29', bounds)).toBe('2028-02-29');
    expect(boundedDay('2020-01-01', bounds)).toBe('2020-01-01');
    expect(() => boundedDay('2028-03-01', bounds)).toThrow(UsageError);
    expect(() => boundedDay('2019-12-31', bounds)).toThrow(/before the earliest day/u);
  });

  it('takes a past snapshot day only when told the data really is of that day', () => {
    const bounds = { today: '2028-02-28', timeZone: 'Pacific/Kiritimati', earliest: '2020-01-01', earliestKey: 'WAREHOUSE_EARLIEST_DAY' };
    expect(snapshotDayOf('2028-02-28', bounds)).toBe('2028-02-28');
    expect(snapshotDayOf('2028-02-29', bounds)).toBe('2028-02-29');
    expect(() => snapshotDayOf('2028-02-27', bounds)).toThrow(/2028-02-27 is in the past \(today is 2028-02-28 in Pacific\/Kiritimati\)/u);
    expect(snapshotDayOf('2028-02-27', bounds, { acceptPastDate: true })).toBe('2028-02-27');
    // The flag widens nothing else.
    expect(() => snapshotDayOf('2019-12-31', bounds, { acceptPastDate: true })).toThrow(/before the earliest day/u);
    expect(() => snapshotDayOf('2028-03-01', bounds, { acceptPastDate: true })).toThrow(/in the future/u);
  });
});

/** A database of the describe's own, with the days before the night published (read it inside tests). */
function withPublishedDays(): { readonly sql: TestDatabase['sql']; readonly url: string } {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await testDatabase();
    await publishBefore(db.url);
  });
  afterAll(async () => { await db?.close(); });
  return { get sql() { return db.sql; }, get url() { return db.url; } };
}

describe('the database disk fills up', () => {
  const db = withPublishedDays();

  // The server's own disk_full SQLSTATE, raised where a real one would surface: inside the publish
  // transaction, at the run's success record (its last statement), and at the rollup's first insert.
  const raiseDiskFull = (table: string, when: string) => db.sql.unsafe(`
    create or replace function pg_temp_disk_full() returns trigger language plpgsql as $$
    begin raise exception 'could not extend file "base/16384/2619": No space left on device' using errcode = 'disk_full'; end $$;
    create trigger disk_full before insert or update on ${table} for each row ${when} execute function pg_temp_disk_full()`);
  const heal = (table: string) => db.sql.unsafe(`drop trigger if exists disk_full on ${table}; drop function if exists pg_temp_disk_full()`);

  it('mid-publish: exit 8 with the fix, nothing published, the run recorded failed', async () => {
    await raiseDiskFull('ops.sync_runs', "when (new.status = 'succeeded')");
    try {
      const result = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, ...FLEET }, date: NIGHT.day, today: NIGHT.day });
      expect(result.exitCode).toBe(EXIT.databaseUnavailable);
      expect(result.error?.message).toMatch(/the database's disk is full: free space, nothing was published/u);
      expect(result.error?.hint).toMatch(/Free space/u);
      const [day] = await db.sql<{ n: number }[]>`select count(*)::int as n from core.device_days where snapshot_day = ${NIGHT.day}`;
      expect(day?.n).toBe(0);
      const [run] = await db.sql<{ status: string; exit_code: number }[]>`select status, exit_code from ops.sync_runs where run_id = ${result.runId}`;
      expect(run).toEqual({ status: 'failed', exit_code: EXIT.databaseUnavailable });
    } finally {
      await heal('ops.sync_runs');
    }
  }, 60_000);

  it('mid-rollup: exit 8 and one line, no stack trace and no "This is a bug"', async () => {
    await raiseDiskFull('rollup.daily_counts', '');
    try {
      const result = await cli(['rollup', '--date', NIGHT.before[1]], { DATABASE_URL: db.url, WAREHOUSE_HOME: scratchHome() });
      expect(result.code).toBe(EXIT.databaseUnavailable);
      expect(result.err).toMatch(/the database's disk is full: free space, nothing was published/u);
      expect(result.err).not.toMatch(/This is a bug|\n\s+at /u);
    } finally {
      await heal('rollup.daily_counts');
    }
  }, 60_000);
});

describe('a vendor that stops answering', () => {
  let db: TestDatabase;
  let silent: net.Server;
  let url: string;
  beforeAll(async () => {
    db = await testDatabase();
    // Accepts every connection and never says a word: the token request hangs until the deadline.
    silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent?.close();
    await db?.close();
  });

  it('past the run deadline is the vendor being unavailable (7), recorded, not the database (8)', async () => {
    const started = Date.now();
    const result = await runCollect({
      source: SOURCES.ninjaone, env: { ...NINJA_KEYS, NINJAONE_BASE_URL: url, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' },
      date: '2026-03-02', today: '2026-03-02', timeoutMs: 1500,
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(EXIT.vendorUnavailable);
    expect(result.error?.message).toMatch(/^ninjaone: the run exceeded its deadline of 2 s waiting for the vendor's API/u);
    const [run] = await db.sql<{ status: string; exit_code: number }[]>`select status, exit_code from ops.sync_runs where run_id = ${result.runId}`;
    expect(run).toEqual({ status: 'failed', exit_code: EXIT.vendorUnavailable });
  }, 30_000);
});

describe('a database that answers but does not get on', () => {
  const db = withPublishedDays();

  it('past the run deadline, a statement of the run stuck behind a lock is the database (8), not the vendor', async () => {
    // A session of someone else's holds ops.source_days, which the gate and the publish read.
    const holder = await db.sql.reserve();
    try {
      await holder`begin`;
      await holder`lock table ops.source_days in access exclusive mode`;
      const result = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, ...FLEET }, date: NIGHT.day, today: NIGHT.day, timeoutMs: 2000 });
      expect(result.exitCode).toBe(EXIT.databaseUnavailable);
      expect(result.error?.message).toMatch(/deadline of 2 s waiting for PostgreSQL \(a statement of the run was still running or waiting for a lock\)/u);
      expect(result.error?.hint).toMatch(/pg_stat_activity/u);
    } finally {
      await holder`rollback`;
      holder.release();
    }
    const [day] = await db.sql<{ n: number }[]>`select count(*)::int as n from core.device_days where snapshot_day = ${NIGHT.day}`;
    expect(day?.n).toBe(0);
  }, 60_000);
});

describe('what a broken response is called', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><body>Sign in to continue</body></html>');
      } else {
        // Headers and the start of a JSON body, then nothing more.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[{"id": 1},');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => { server?.closeAllConnections(); server?.close(); });

  const call = async (path: string) => {
    const client = createHttp({ vendor: 'ninjaone', prefixUrl: base, budget: createBudget(10), log: silentLogger, retry: { limit: 0 }, timeoutMs: 400 });
    return client.get(path).json().then(() => undefined, (error: unknown) => toCollectorError(error, 'ninjaone'));
  };

  it('an HTML page with 200 is a body that is not JSON, not "failed: HTTP 200"', async () => {
    const error = await call('html');
    expect(error?.exitCode).toBe(EXIT.vendorUnavailable);
    expect(error?.message).toMatch(/answered HTTP 200 with a body that is not JSON \(text\/html/u);
  });

  it('a body that never finishes is a timeout, not "failed: HTTP 200"', async () => {
    const error = await call('slow');
    expect(error?.exitCode).toBe(EXIT.vendorUnavailable);
    expect(error?.message).toMatch(/no complete answer within 400 ms \(HTTP 200 began, the body never finished\)/u);
    expect(error?.message).not.toMatch(/failed: HTTP 200$/u);
  });
});

describe('the logger', () => {
  it("keeps an error's message, code, stack and cause, with secrets redacted", () => {
    registerSecret('sekrit-token-4711');
    let written = '';
    const destination = new Writable({ write(chunk: Buffer, _encoding, done) { written += chunk.toString(); done(); } });
    const log = createLogger({ destination });
    const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    log.error({ err: new Error('token sekrit-token-4711 refused', { cause }) }, 'run failed');
    const line = JSON.parse(written) as { err: { type: string; message: string; stack: string; cause: { code: string } } };
    expect(line.err.type).toBe('Error');
    expect(line.err.message).toBe('token [redacted] refused');
    expect(line.err.stack).toMatch(/^Error: token \[redacted\] refused\n\s+at /u);
    expect(line.err.cause.code).toBe('ECONNRESET');
    expect(written).not.toContain('sekrit-token-4711');
  });
});

describe("postgres.js's write on a closed connection", () => {
  it('is the database lost (8), from the ESM and the CommonJS build alike', () => {
    for (const build of ['postgres/src/connection.js', 'postgres/cjs/src/connection.js']) {
      const error = new TypeError("Cannot read properties of null (reading 'write')");
      error.stack = `${error.name}: ${error.message}\n    at write (/app/node_modules/${build}:241:18)\n    at Timeout._onTimeout (node:internal/timers:581:17)`;
      expect(asDatabaseError(error)).toBeInstanceOf(DatabaseUnavailableError);
    }
  });
});
