/**
 * Losing the database at every stage, every way: for each stage of collect, rollup, retention, billing
 * close and export, and for each way a connection dies (tests/faults/helpers/pg-fault-proxy.ts: reset,
 * socket ended, refused, terminated 57P01, crash 57P02, cannot connect now 57P03, restart between
 * statements), the real CLI runs through a proxy that breaks the database at one chosen statement.
 * Deterministic: the fault is tied to a statement, not to a moment. Each run must exit 8 with the
 * one-line "check that PostgreSQL is running" advice and no stack trace; a transactional stage must
 * leave the warehouse exactly as it was; and re-running the job afterwards must give the warehouse a
 * run that never failed gives.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { nightlyRollup } from '../../rollups/run.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, pooled, scratchHome } from './helpers/cli.js';
import { FAULTS, startPgFaultProxy, type Fault } from './helpers/pg-fault-proxy.js';
import { settle } from './helpers/published.js';

const MARCH_END = '2026-03-31';
const DAY = '2026-04-01';
const AFTER = '2026-04-02';
// 65 days after March 31st: March 31st's partitions have expired, April's have not.
const RETENTION_TODAY = '2026-06-04';
const POLICY: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 5000 };
const home = scratchHome();

/** Rows that are instants or serial ids of a particular run differ between any two runs; the rest must not. */
const VOLATILE = `array['run_id', 'published_at', 'materialised_at', 'created_at', 'updated_at', 'closed_at', 'fetched_at', 'rolled_up_at', 'sealed_at', 'computed_at']::text[]`;

/** Everything the warehouse holds for billing and history, as one comparable value. */
async function content(url: string): Promise<Record<string, unknown>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const table = async (name: string, order: string) =>
      (await sql.unsafe(`select to_jsonb(t) - ${VOLATILE} as row from ${name} as t order by ${order}`)).map((r) => r.row as unknown);
    return {
      deviceDays: await table('core.device_days', 'snapshot_day, device_id'),
      patchStatus: await table('core.patch_status', 'snapshot_day, device_id'),
      sourceDays: await table('ops.source_days', 'source_instance_id, snapshot_day'),
      dailyCounts: await table('rollup.daily_counts', 'snapshot_day, site_id, source_instance_id, device_class, billing_status'),
      patchExposure: await table('rollup.patch_exposure', 'snapshot_day, device_id'),
      patchExposureDays: await table('rollup.patch_exposure_days', 'snapshot_day'),
      monthEnds: await table('rollup.month_ends', 'month, source_instance_id'),
      monthEndDevices: await table('rollup.month_end_devices', 'month, source_instance_id, device_id'),
      monthEndSites: await table('rollup.month_end_sites', 'month, site_id, source_instance_id'),
      billingMonths: (await sql`select month::text from ops.billing_months order by month`).map((r) => r.month as string),
    };
  } finally {
    await sql.end();
  }
}

interface Stage {
  name: string;
  /** The database the stage starts from (filled, then closed so it can be cloned). */
  from: () => string;
  args: (outputDir: string) => string[];
  /** The statement at which the database goes away. */
  when: RegExp;
  /** The stage writes in one transaction, or not at all before `when`: a failed run changes nothing. */
  changesNothing: boolean;
  /** The job done again without faults, as the next night (or the operator) would. */
  redo: (url: string) => Promise<void>;
  /** A collect that had recorded its run: the run row says why it failed when the server is reachable. */
  recordsRun?: boolean;
}

let sim: NinjaOneSimulator;
const prepared: Record<'published' | 'rolled' | 'closable', TestDatabase | undefined> = { published: undefined, rolled: undefined, closable: undefined };
const env = () => ({ ...sim.config, NINJAONE_PAGE_SIZE: '10', WAREHOUSE_HOME: home, WAREHOUSE_TIMEZONE: 'UTC' });

async function collect(url: string, day: string): Promise<void> {
  sim.setDay(day);
  const result = await runCollect({ source: SOURCES.ninjaone, env: { ...env(), DATABASE_URL: url }, date: day, today: day });
  expect(result.status, result.error?.message).toBe('succeeded');
}

async function withSql<T>(url: string, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

const redoCollect = async (url: string) => { await settle(url); await collect(url, DAY); };

const STAGES: Stage[] = [
  { name: 'collect, on its first statement', from: () => prepared.published!.name, args: () => ['collect', 'ninjaone', '--date', DAY, '--accept-past-date'], when: /insert into ops\.source_instances/u, changesNothing: true, redo: redoCollect },
  { name: 'collect, streaming COPY into staging', from: () => prepared.published!.name, args: () => ['collect', 'ninjaone', '--date', DAY, '--accept-past-date'], when: /^copy /u, changesNothing: true, redo: redoCollect, recordsRun: true },
  { name: 'collect, in the completeness gate', from: () => prepared.published!.name, args: () => ['collect', 'ninjaone', '--date', DAY, '--accept-past-date'], when: /count\(\*\) filter \(where n > 1/u, changesNothing: true, redo: redoCollect, recordsRun: true },
  { name: 'collect, inside the publish transaction', from: () => prepared.published!.name, args: () => ['collect', 'ninjaone', '--date', DAY, '--accept-past-date'], when: /insert into core\.device_days/u, changesNothing: true, redo: redoCollect, recordsRun: true },
  {
    name: 'rollup, writing daily counts', from: () => prepared.rolled!.name, args: () => ['rollup', '--date', DAY, '--today', AFTER],
    when: /insert into rollup\.daily_counts/u, changesNothing: true,
    redo: (url) => withSql(url, async (sql) => { await nightlyRollup(sql, [DAY], { today: AFTER }); }),
  },
  {
    name: 'retention, detaching an expired partition', from: () => prepared.rolled!.name, args: () => ['retention', '--today', RETENTION_TODAY],
    when: /detach partition/u, changesNothing: true,
    redo: (url) => withSql(url, async (sql) => { await applyRetention(sql, await planRetention(sql, RETENTION_TODAY, POLICY), POLICY); }),
  },
  {
    name: 'billing close, recording the close', from: () => prepared.closable!.name, args: () => ['billing', 'close', '2026-03'],
    when: /insert into ops\.billing_months/u, changesNothing: true,
    redo: (url) => withSql(url, async (sql) => { await closeBillingMonth(sql, '2026-03', { today: AFTER, closedBy: 'test' }); }),
  },
  {
    name: 'export, reading the month\'s devices', from: () => prepared.closable!.name,
    args: (dir) => ['export', 'billing', '--month', '2026-03', '--format', 'csv', '--output', dir],
    when: /bi\.billing_month_devices/u, changesNothing: true, redo: async () => {},
  },
];

beforeAll(async () => {
  sim = await startNinjaOneSimulator({ devices: 30, seed: 21, date: MARCH_END });
  // published: March 31st collected and rolled up (its month-end materialised on April 1st's rollup).
  const published = await testDatabase();
  await collect(published.url, MARCH_END);
  await nightlyRollup(published.sql, [MARCH_END], { today: DAY });
  // rolled: April 1st collected too, not rolled up yet.
  const rolled = await testDatabase({ template: await freeze(published) });
  await collect(rolled.url, DAY);
  // closable: April 1st rolled up as well; March can be closed and exported.
  const closable = await testDatabase({ template: await freeze(rolled) });
  await nightlyRollup(closable.sql, [DAY], { today: AFTER });
  await freeze(closable);
  Object.assign(prepared, { published, rolled, closable });
  sim.setDay(DAY);
}, 120_000);

afterAll(async () => {
  rmSync(home, { recursive: true, force: true });
  await sim?.close();
  for (const db of Object.values(prepared)) await db?.close();
});

/** Close a database's sessions so it can be a template; its `close()` still drops it at the end. */
async function freeze(db: TestDatabase): Promise<string> {
  await db.sql.end();
  return db.name;
}

interface Outcome {
  stage: Stage; fault: Fault; code: number | null; err: string; triggered: boolean;
  before: unknown; after: unknown; redone: unknown; files: string[]; runs: unknown[];
}

const outcomes = new Map<string, Outcome>();
const references = new Map<string, unknown>();

/** One stage broken one way: the CLI through the proxy, then the job redone on the same database. */
async function breakStage(stage: Stage, fault: Fault): Promise<Outcome> {
  const db = await testDatabase({ template: stage.from() });
  const proxy = await startPgFaultProxy(db.url);
  const dir = mkdtempSync(path.join(tmpdir(), 'loss-export-'));
  try {
    const before = await content(db.url);
    let triggered = false;
    void proxy.arm(stage.when, fault).then(() => { triggered = true; });
    const run = await cli(stage.args(dir), { ...env(), DATABASE_URL: proxy.url }, { timeoutMs: 60_000 });
    await proxy.heal();
    await settle(db.url);
    const after = await content(db.url);
    const runs = await withSql(db.url, (sql) => sql`select status, error_code from ops.sync_runs where snapshot_day = ${DAY} order by run_id`);
    await stage.redo(db.url);
    return { stage, fault, code: run.code, err: run.err, triggered, before, after, redone: await content(db.url), files: readdirSync(dir), runs: [...runs] };
  } finally {
    await proxy.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the database lost at every stage, every way', () => {
  beforeAll(async () => {
    // What each stage's job leaves when nothing goes wrong.
    for (const stage of STAGES) {
      const db = await testDatabase({ template: stage.from() });
      try {
        await stage.redo(db.url);
        references.set(stage.name, await content(db.url));
      } finally {
        await db.close();
      }
    }
    const cases = STAGES.flatMap((stage) => FAULTS.map((fault) => ({ stage, fault })));
    const results = await pooled(cases, 2, ({ stage, fault }) => breakStage(stage, fault));
    for (const outcome of results) outcomes.set(`${outcome.stage.name}/${outcome.fault}`, outcome);
  }, 600_000);

  describe.each(STAGES.map((stage) => [stage.name, stage] as const))('%s', (_name, stage) => {
    it.each(FAULTS)('%s: exit 8 with the one-line advice; nothing half-done; the job redone completes', (fault) => {
      const outcome = outcomes.get(`${stage.name}/${fault}`);
      expect(outcome, 'the case ran').toBeDefined();
      const { code, err, triggered, before, after, redone, files, runs } = outcome!;
      expect(triggered, `the statement ${stage.when} was reached`).toBe(true);
      expect(code, err).toBe(EXIT.databaseUnavailable);
      expect(err).toMatch(/^warehouse: .+\n→ Check that PostgreSQL is running[^\n]*\n$/u);
      expect(err).not.toMatch(/internal error|This is a bug|\n\s+at /u);
      if (stage.changesNothing) expect(after).toEqual(before);
      expect(files, 'no partial export is left behind').toEqual([]);
      expect(redone).toEqual(references.get(stage.name));
      if (stage.recordsRun) {
        // While the proxy still refuses, nothing can be recorded: the next run sweeps it as abandoned.
        const reachable = fault !== 'refused' && fault !== 'starting';
        expect(runs).toEqual([reachable ? { status: 'failed', error_code: 'ERR_DATABASE_UNAVAILABLE' } : { status: 'running', error_code: null }]);
      }
    });
  });
});
