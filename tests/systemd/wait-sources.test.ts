/**
 * The rollup and retention units wait on data, not on the clock: given these runs and published
 * source-days, `wait-sources` sees these states, returns as soon as every expected source has settled,
 * and at the deadline exits 3 naming the sources still unfinished.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acquireSourceLock, releaseSourceLock } from '../../warehouse/load/lock.js';
import { sourceStates, waitForSources } from '../../bin/systemd/wait.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv } from '../helpers/env.js';
import { inOrder } from '../helpers/in-order.js';

const DAY = '2026-03-02';

inOrder('warehouse systemd wait-sources', () => {
  let db: TestDatabase;
  const ids: Record<string, number> = {};

  async function run(source: string, status: string, options: { publish?: boolean; complete?: boolean; error?: string; day?: string } = {}): Promise<number> {
    const day = options.day ?? DAY;
    const [row] = await db.sql<{ run_id: number }[]>`
      insert into ops.sync_runs (source_instance_id, snapshot_day, status, finished_at, error_code, error_message)
      values (${ids[source]!}, ${day}, ${status}, ${status === 'running' ? null : new Date()}, ${options.error ? 'ERR_X' : null}, ${options.error ?? null})
      returning run_id::int as run_id`;
    if (options.publish) {
      await db.sql`insert into ops.source_days (source_instance_id, snapshot_day, run_id, device_count, patch_status_count, is_complete)
        values (${ids[source]!}, ${day}, ${row!.run_id}, 10, 0, ${options.complete ?? true})`;
    }
    return row!.run_id;
  }

  function cli(args: string[], env: Record<string, string>) {
    const clean = cleanEnv();
    const result = spawnSync(process.execPath, ['bin/warehouse.js', 'systemd', 'wait-sources', '--date', DAY, ...args], {
      env: { ...clean, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', ...env } as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 60_000,
    });
    return { code: result.status, out: result.stdout, err: result.stderr };
  }

  beforeAll(async () => {
    db = await testDatabase();
    for (const source of ['ninjaone', 'threatlocker', 'pmp']) {
      const [row] = await db.sql<{ id: number }[]>`insert into ops.source_instances (source) values (${source}) returning source_instance_id as id`;
      ids[source] = row!.id;
    }
  });
  afterAll(async () => {
    await db?.close();
  });

  it('a configured source with no run for the day is not started; nothing is settled', async () => {
    const states = await sourceStates(db.sql, DAY, ['ninjaone', 'threatlocker']);
    expect(states).toEqual([
      { source: 'ninjaone', state: 'not started', error: null },
      { source: 'threatlocker', state: 'not started', error: null },
    ]);
    const result = await waitForSources({ sql: db.sql, day: DAY, configured: ['ninjaone'], timeoutMs: 0, intervalMs: 1000 });
    expect(result.settled).toBe(false);
  });

  it('the CLI exits 3 at the deadline naming what it still waits for', () => {
    const { code, err, out } = cli(['--timeout', '1s', '--interval', '1s'], { NINJAONE_CLIENT_ID: 'id', THREATLOCKER_BASE_URL: 'https://portalapi.g.threatlocker.com' });
    expect(out).toMatch(/ninjaone: not started, threatlocker: not started/u);
    expect(err).toMatch(/incomplete: still waiting for ninjaone \(not started\), threatlocker \(not started\) for 2026-03-02/u);
    expect(code).toBe(3);
  });

  it('waits while a collector holds its lock, and sees it settle when it publishes', async () => {
    await run('ninjaone', 'succeeded', { publish: true });
    const lock = await acquireSourceLock(db.sql, ids.threatlocker!, 'threatlocker');
    const runId = await run('threatlocker', 'running');
    let polls = 0;
    const reports: string[] = [];
    const result = await waitForSources({
      sql: db.sql, day: DAY, configured: ['ninjaone', 'threatlocker'], timeoutMs: 60_000, intervalMs: 10,
      report: (states) => reports.push(states.map((s) => `${s.source}=${s.state}`).join(' ')),
      sleep: async () => {
        polls += 1;
        if (polls === 2) {
          await db.sql`update ops.sync_runs set status = 'succeeded', finished_at = now() where run_id = ${runId}`;
          await db.sql`insert into ops.source_days (source_instance_id, snapshot_day, run_id, device_count, patch_status_count, is_complete)
            values (${ids.threatlocker!}, ${DAY}, ${runId}, 10, 0, true)`;
        }
      },
    });
    await releaseSourceLock(lock, ids.threatlocker!);
    expect(result.settled).toBe(true);
    expect(polls).toBe(2);
    expect(reports).toEqual(['ninjaone=published threatlocker=running', 'ninjaone=published threatlocker=published']);
  });

  it('a failed, refused or partial run settles its source; a run killed mid-way is swept to failed', async () => {
    const day = '2026-03-03';
    await run('ninjaone', 'refused', { day, error: 'completeness gate refused to publish: zero devices' });
    await run('threatlocker', 'partial', { day, publish: true, complete: false });
    await run('pmp', 'running', { day }); // nobody holds its lock: the process was killed
    const states = await sourceStates(db.sql, day, ['ninjaone', 'threatlocker']);
    expect(states).toEqual([
      { source: 'ninjaone', state: 'refused', error: 'completeness gate refused to publish: zero devices' },
      { source: 'pmp', state: 'failed', error: expect.stringMatching(/ended without finishing/u) },
      { source: 'threatlocker', state: 'partial', error: null },
    ]);
  });

  it('the CLI returns at once when every source has settled', () => {
    const { code, out } = cli(['--timeout', '1m'], { NINJAONE_CLIENT_ID: 'id', THREATLOCKER_BASE_URL: 'https://portalapi.g.threatlocker.com' });
    expect(out).toMatch(/2026-03-02: ninjaone: published, threatlocker: published/u);
    expect(code).toBe(0);
  });

  it('rejects a bad duration with exit 2', () => {
    expect(cli(['--timeout', 'soon'], {}).code).toBe(2);
  });
});
