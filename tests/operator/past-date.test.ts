/**
 * Issue 21 item 1, honest backfills: a live vendor API lists only today's fleet, so a past snapshot
 * day is refused (exit 2, saying why and what happens instead) and the warehouse is left unchanged;
 * `--accept-past-date` takes it for a replay (a simulator set to that day), and the run is recorded as
 * taken late, shown in bi.collection_health and beside the month-end it stands for in bi.billing_monthly.
 * Today, and tomorrow (a zone ahead of the host), are still taken without the flag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { rollupDays } from '../../rollups/run.js';
import { EXIT } from '../../warehouse/errors.js';
import { addDays, todayIn } from '../../warehouse/time.js';
import { clearOfMidnight } from '../helpers/clock.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { cli, scratchHome } from '../faults/helpers/cli.js';

const TODAY = '2026-06-30';
const tinyEnv = (db: TestDatabase) => ({ DATABASE_URL: db.url, TINY_DEVICES: '20', WAREHOUSE_TIMEZONE: 'UTC' });

async function warehouseRows(db: TestDatabase): Promise<{ runs: number; days: number; devices: number }> {
  const [row] = await db.sql<{ runs: number; days: number; devices: number }[]>`
    select (select count(*)::int from ops.sync_runs) as runs, (select count(*)::int from ops.source_days) as days,
      (select count(*)::int from core.device_days) as devices`;
  return row as { runs: number; days: number; devices: number };
}

describe('runCollect judges the snapshot day against its today', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await testDatabase(); });
  afterAll(async () => { await db?.close(); });

  it('refuses a past day with a usage error that says why, and changes nothing', async () => {
    const before = await warehouseRows(db);
    const refused = runCollect({ source: tiny, env: tinyEnv(db), date: '2026-06-20', today: TODAY });
    await expect(refused).rejects.toMatchObject({
      exitCode: EXIT.usage,
      message: expect.stringMatching(/--date 2026-06-20 is in the past \(today is 2026-06-30 in UTC\): a live vendor API lists only today's fleet, so a missed day cannot be recovered/u),
      hint: expect.stringMatching(/month-end falls back to the last complete day .*not exact.*--accept-past-date only to replay recorded vendor data/u),
    });
    expect(await warehouseRows(db)).toEqual(before);
  });

  it('takes today and tomorrow (a zone ahead of the host) without the flag, not taken late', async () => {
    for (const date of [TODAY, addDays(TODAY, 1)]) {
      const result = await runCollect({ source: tiny, env: tinyEnv(db), date, today: TODAY, acceptShrink: true });
      expect(result.exitCode, date).toBe(EXIT.ok);
      const [run] = await db.sql`select taken_late, taken_at >= started_at as taken_at_start from ops.sync_runs where run_id = ${result.runId}`;
      expect(run, date).toEqual({ taken_late: false, taken_at_start: true });
    }
  });
});

describe('a past day accepted for a replay is recorded as taken late', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await testDatabase(); });
  afterAll(async () => { await db?.close(); });

  it('shows taken_late in bi.collection_health and beside the month-end in bi.billing_monthly', async () => {
    // May's month-end (the 31st) replayed on 2026-06-02; June's end collected on its own day.
    const late = await runCollect({ source: tiny, env: tinyEnv(db), date: '2026-05-31', today: '2026-06-02', acceptPastDate: true });
    expect(late.exitCode).toBe(EXIT.ok);
    const [run] = await db.sql`select snapshot_day::text as day, taken_late from ops.sync_runs where run_id = ${late.runId}`;
    expect(run).toEqual({ day: '2026-05-31', taken_late: true });
    const [health] = await db.sql`select taken_late, last_success_taken_at is not null as has_taken_at from bi.collection_health where source = 'ninjaone'`;
    expect(health).toEqual({ taken_late: true, has_taken_at: true });

    const onTime = await runCollect({ source: tiny, env: tinyEnv(db), date: TODAY, today: TODAY });
    expect(onTime.exitCode).toBe(EXIT.ok);
    await rollupDays(db.sql, ['2026-05-31', TODAY], { today: '2026-07-01' });
    const months = await db.sql`select month, bool_and(taken_late) as late, bool_or(taken_late) as any_late from bi.billing_monthly group by month order by month`;
    expect(months).toEqual([{ month: '2026-05', late: true, any_late: true }, { month: '2026-06', late: false, any_late: false }]);
    const [latest] = await db.sql`select taken_late from bi.collection_health where source = 'ninjaone'`;
    expect(latest).toEqual({ taken_late: false });
  });
});

describe('the CLI', () => {
  let db: TestDatabase;
  let sim: NinjaOneSimulator;
  const home = scratchHome();
  // Long past at any clock the suite runs under, and after WAREHOUSE_EARLIEST_DAY's default.
  const PAST = '2020-02-29';
  const env = () => ({ ...sim.config, DATABASE_URL: db.url, WAREHOUSE_HOME: home });
  beforeAll(async () => {
    db = await testDatabase();
    sim = await startNinjaOneSimulator({ devices: 30, seed: 21, date: '2020-02-01' });
  });
  afterAll(async () => {
    await sim?.close();
    await db?.close();
  });

  it('collect refuses a past --date with exit 2 and one line, publishing nothing', async () => {
    const before = await warehouseRows(db);
    const result = await cli(['collect', 'ninjaone', '--date', PAST], env());
    expect(result.code, result.err).toBe(EXIT.usage);
    expect(result.err).toMatch(/--date 2020-02-29 is in the past .*a missed day cannot be recovered/u);
    expect(result.err).toMatch(/--accept-past-date/u);
    expect(result.err).not.toMatch(/\n\s+at |This is a bug/u);
    expect(await warehouseRows(db)).toEqual(before);
  });

  it('nightly refuses a past --date the same way', async () => {
    const before = await warehouseRows(db);
    const result = await cli(['nightly', '--date', PAST], env());
    expect(result.code, result.err).toBe(EXIT.usage);
    expect(result.err).toMatch(/--date 2020-02-29 is in the past/u);
    expect(await warehouseRows(db)).toEqual(before);
  });

  it('collect --accept-past-date takes the day the simulator was set to (POST /__simulator/day)', async () => {
    const set = await fetch(`${sim.url}/__simulator/day`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ date: PAST }) });
    expect(set.ok).toBe(true);
    const result = await cli(['collect', 'ninjaone', '--date', PAST, '--accept-past-date'], env(), { timeoutMs: 120_000 });
    expect(result.code, result.err).toBe(EXIT.ok);
    const [run] = await db.sql`select snapshot_day::text as day, status, taken_late from ops.sync_runs order by run_id desc limit 1`;
    expect(run).toEqual({ day: PAST, status: 'succeeded', taken_late: true });
  });

  it("collect takes today's date in a zone ahead of the host without the flag", async () => {
    const zone = 'Pacific/Kiritimati';
    await clearOfMidnight(zone, 2 * 60_000);
    const day = todayIn(zone);
    sim.setDay(day);
    const result = await cli(['collect', 'ninjaone', '--date', day], { ...env(), WAREHOUSE_TIMEZONE: zone }, { timeoutMs: 120_000 });
    expect(result.code, result.err).toBe(EXIT.ok);
    const [run] = await db.sql`select snapshot_day::text as day, taken_late from ops.sync_runs order by run_id desc limit 1`;
    expect(run).toEqual({ day, taken_late: false });
  });
});
