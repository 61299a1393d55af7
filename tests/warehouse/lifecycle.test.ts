import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { inOrder } from '../helpers/in-order.js';

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', TINY_DEVICES: '250', ...extra });
const published = async (day: string) => (await db.sql<{ n: number }[]>`select count(*)::int as n from core.device_days where snapshot_day = ${day}`)[0]?.n;

inOrder('run lifecycle with the tiny source', () => {
  it('publishes a complete source-day and records the run', async () => {
    const result = await runCollect({ source: tiny, env: env(), date: '2026-01-10', today: '2026-01-10' });
    expect(result.error?.message).toBeUndefined();
    expect(result.status).toBe('succeeded');
    expect(result.exitCode).toBe(EXIT.ok);
    expect(await published('2026-01-10')).toBe(250);
    const [run] = await db.sql`select status, rows_devices, rows_patch_status from ops.sync_runs where run_id = ${result.runId}`;
    expect(run).toMatchObject({ status: 'succeeded', rows_devices: 250, rows_patch_status: 250 });
    const spare = await db.sql<{ spare_rule_id: string; n: number }[]>`
      select spare_rule_id, count(*)::int as n from core.device_days where snapshot_day = '2026-01-10' and is_spare group by 1 order by 1`;
    // Every 23rd device is named spare (rule 1 wins); every 17th otherwise sits in "Spare Stock".
    const expectedName = Array.from({ length: 250 }, (_, i) => i).filter((i) => i % 23 === 0).length;
    const expectedLocation = Array.from({ length: 250 }, (_, i) => i).filter((i) => i % 17 === 0 && i % 23 !== 0).length;
    expect(spare).toEqual([
      { spare_rule_id: 'location_contains_spare', n: expectedLocation },
      { spare_rule_id: 'name_contains_spare', n: expectedName },
    ]);
  });

  it('stores hostile strings verbatim', async () => {
    const [row] = await db.sql`select last_user from core.device_days where vendor_id = 'dev-7' and snapshot_day = '2026-01-10'`;
    expect(row?.last_user).toBe('user "7"\t;drop');
  });

  it('re-running the same day rewrites no row that did not change', async () => {
    const before = await db.sql`select xmin::text as x from core.device_days where snapshot_day = '2026-01-10' order by device_id`;
    const result = await runCollect({ source: tiny, env: env(), date: '2026-01-10', today: '2026-01-10' });
    expect(result.status).toBe('succeeded');
    expect(result.rows.changed).toBe(0);
    const after = await db.sql`select xmin::text as x from core.device_days where snapshot_day = '2026-01-10' order by device_id`;
    expect(after).toEqual(before);
  });

  it('replaces the slice when the data changed', async () => {
    const result = await runCollect({ source: tiny, env: env({ TINY_VARIANT: '-v2', TINY_DEVICES: '240' }), date: '2026-01-10', today: '2026-01-10' });
    expect(result.status).toBe('succeeded');
    expect(await published('2026-01-10')).toBe(240);
    const [row] = await db.sql`select hostname from core.device_days where vendor_id = 'dev-3' and snapshot_day = '2026-01-10'`;
    expect(row?.hostname).toBe('HOST-3-v2');
  });

  it('refuses duplicate vendor ids (a repeated page) and leaves the published day intact', async () => {
    const result = await runCollect({ source: tiny, env: env({ TINY_REPEAT_PAGE: '2', TINY_DEVICES: '240' }), date: '2026-01-10', today: '2026-01-10' });
    expect(result.exitCode).toBe(EXIT.gateRefused);
    expect(result.status).toBe('refused');
    expect(result.error?.message).toMatch(/duplicate vendor ids/u);
    expect(await published('2026-01-10')).toBe(240);
  });

  it('refuses a drop of more than 10 % unless --accept-shrink', async () => {
    const refused = await runCollect({ source: tiny, env: env({ TINY_DEVICES: '200' }), date: '2026-01-11', today: '2026-01-11' });
    expect(refused.exitCode).toBe(EXIT.gateRefused);
    expect(refused.error?.message).toMatch(/fell from 240 to 200/u);
    expect(await published('2026-01-11')).toBe(0);
    const accepted = await runCollect({ source: tiny, env: env({ TINY_DEVICES: '200' }), date: '2026-01-11', today: '2026-01-11', acceptShrink: true });
    expect(accepted.exitCode).toBe(EXIT.ok);
    expect(await published('2026-01-11')).toBe(200);
  });

  it('refuses zero devices', async () => {
    const result = await runCollect({ source: tiny, env: env({ TINY_DEVICES: '0' }), date: '2026-01-12', today: '2026-01-12' });
    expect(result.exitCode).toBe(EXIT.gateRefused);
    expect(result.error?.message).toMatch(/zero devices/u);
  });

  it('a vendor failure mid-run publishes nothing and is recorded as failed', async () => {
    const result = await runCollect({ source: tiny, env: env({ TINY_FAIL_AFTER: '1', TINY_DEVICES: '200' }), date: '2026-01-11', today: '2026-01-11' });
    expect(result.status).toBe('failed');
    expect(await published('2026-01-11')).toBe(200);
    const [run] = await db.sql`select status, error_message from ops.sync_runs where run_id = ${result.runId}`;
    expect(run?.status).toBe('failed');
    expect(run?.error_message).toMatch(/tiny vendor exploded/u);
    const leftovers = await db.sql`select relname from pg_class where relname like ${`run_${result.runId}_%`}`;
    expect(leftovers).toHaveLength(0);
  });

  it('a second concurrent run of the same source exits 5 at once', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => { release = resolve; });
    let entered: () => void = () => {};
    const inside = new Promise<void>((resolve) => { entered = resolve; });
    const first = runCollect({ source: tiny, env: env({ TINY_DEVICES: '200' }), date: '2026-01-13', today: '2026-01-13', hooks: { afterStaged: async () => { entered(); await held; } } });
    await inside;
    const started = Date.now();
    await expect(runCollect({ source: tiny, env: env({ TINY_DEVICES: '200' }), date: '2026-01-13', today: '2026-01-13' })).rejects.toMatchObject({ exitCode: EXIT.locked });
    expect(Date.now() - started).toBeLessThan(5000);
    release();
    expect((await first).exitCode).toBe(EXIT.ok);
  });

  it('bi.collection_health reports the source', async () => {
    const [row] = await db.sql`select source, last_run_status, consecutive_failures, rows from bi.collection_health where source = 'ninjaone'`;
    expect(row).toMatchObject({ source: 'ninjaone', last_run_status: 'succeeded', rows: 200 });
  });
});
