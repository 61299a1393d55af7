/**
 * `warehouse status` as monitoring calls it: exit 0 when every source succeeded recently, exit 7
 * when one is stale, never succeeded, or nothing was ever collected; open exceptions per source.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, removeTempDirs, tempDir } from './cli.js';

let db: TestDatabase;
beforeEach(async () => { db = await testDatabase(); });
afterEach(async () => { await db.close(); });
afterAll(() => removeTempDirs());

async function instance(source: string): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`
    insert into ops.source_instances (source, instance) values (${source}, 'default') returning source_instance_id as id`;
  return row?.id as number;
}

/** A finished run that ended `hoursAgo` hours ago. */
async function run(id: number, status: 'succeeded' | 'failed', hoursAgo: number, error?: string): Promise<void> {
  await db.sql`
    insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code, error_code, error_message, rows_devices, duration_ms)
    values (${id}, (now() - make_interval(hours => ${hoursAgo}))::date, now() - make_interval(hours => ${hoursAgo}) - interval '2 minutes',
            now() - make_interval(hours => ${hoursAgo}), ${status}, ${status === 'succeeded' ? 0 : 7},
            ${error ? 'ERR_VENDOR_UNAVAILABLE' : null}, ${error ?? null}, ${status === 'succeeded' ? 120 : 0}, 120000)`;
}

const status = (env: Record<string, string> = {}) => cli(['status'], { env: { DATABASE_URL: db.url, ...env } });

describe('warehouse status', () => {
  it('exits 7 when nothing was ever collected', async () => {
    const result = await status();
    expect(result.code).toBe(7);
    expect(result.err).toMatch(/no source has ever been collected/u);
    expect(result.err.trim().split('\n')).toHaveLength(2);
  });

  it('exits 0 when every source succeeded within WAREHOUSE_STALE_HOURS, and shows each one', async () => {
    await run(await instance('ninjaone'), 'succeeded', 2);
    await run(await instance('threatlocker'), 'succeeded', 3);
    const pmp = await instance('pmp');
    await run(pmp, 'succeeded', 20);
    await run(pmp, 'failed', 1, 'pmp: the API answered 503 after 6 tries');
    const result = await status();
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toMatch(/source\s+state\s+last success \(UTC\)\s+age \(h\)\s+rows\s+last run\s+failures\s+open exceptions\s+last error/u);
    expect(lines.find((l) => l.includes('ninjaone'))).toMatch(/ninjaone\s+ok\s+\S+ \S+\s+2\s+120\s+succeeded\s+0\s+0/u);
    // A failure after a recent success is shown but is not stale yet.
    expect(lines.find((l) => l.includes('pmp'))).toMatch(/pmp\s+ok .*\s20\s+120\s+failed\s+1\s+0\s+pmp: the API answered 503/u);
    expect(result.out).toMatch(/every source succeeded within 36 h/u);
  });

  it('exits 7 naming the source whose last success is older than WAREHOUSE_STALE_HOURS', async () => {
    await run(await instance('ninjaone'), 'succeeded', 1);
    await run(await instance('threatlocker'), 'succeeded', 40);
    const result = await status();
    expect(result.code).toBe(7);
    expect(result.out).toMatch(/threatlocker\s+STALE/u);
    expect(result.out).toMatch(/ninjaone\s+ok/u);
    expect(result.err).toMatch(/stale: threatlocker \(last success older than 36 h or never\)/u);
    // The threshold is configuration: 48 hours makes the same data fresh.
    expect((await status({ WAREHOUSE_STALE_HOURS: '48' })).code).toBe(0);
    expect((await status({ WAREHOUSE_STALE_HOURS: '0.5' })).code).toBe(7);
  });

  it('exits 7 when a source has runs but never succeeded', async () => {
    await run(await instance('ninjaone'), 'succeeded', 1);
    const tl = await instance('threatlocker');
    await run(tl, 'failed', 5, 'threatlocker: authentication failed (401)');
    await run(tl, 'failed', 1, 'threatlocker: authentication failed (401)');
    const result = await status();
    expect(result.code).toBe(7);
    expect(result.out).toMatch(/threatlocker\s+STALE\s+failed\s+2\s+0\s+threatlocker: authentication failed/u);
    expect(result.err).toMatch(/stale: threatlocker/u);
  });

  it('counts open exceptions per source, and writes the metrics file when WAREHOUSE_METRICS_FILE is set', async () => {
    const ninja = await instance('ninjaone');
    const tl = await instance('threatlocker');
    await run(ninja, 'succeeded', 1);
    await run(tl, 'succeeded', 1);
    const [site] = await db.sql<{ id: number }[]>`insert into core.sites (name, normalized_name) values ('Acme', 'acme') returning site_id as id`;
    const finding = (kind: string, key: string, source: number, state: string) => db.sql`
      insert into core.exceptions (site_id, kind, subject_key, detail, first_seen_on, last_seen_on, status, source_instance_id)
      values (${site?.id as number}, ${kind}, ${key}, 'detail', current_date, current_date, ${state}, ${source})`;
    await finding('no_threatlocker', 'a', ninja, 'open');
    await finding('no_pmp', 'b', ninja, 'open');
    await finding('not_in_rmm', 'c', tl, 'open');
    await finding('not_in_rmm', 'd', tl, 'acknowledged');
    await finding('not_in_rmm', 'e', tl, 'resolved');
    const dir = tempDir('status-metrics-');
    const file = path.join(dir, 'warehouse.prom');
    const result = await status({ WAREHOUSE_METRICS_FILE: file });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/ninjaone\s+ok .*succeeded\s+0\s+2\s*$/mu);
    expect(result.out).toMatch(/threatlocker\s+ok .*succeeded\s+0\s+1\s*$/mu);
    expect(result.out).toMatch(/3 open exception\(s\): warehouse exceptions list/u);
    expect(readFileSync(file, 'utf8')).toMatch(/^warehouse_last_success_timestamp_seconds\{source="ninjaone",instance="default"\} \d+/mu);
    expect(readdirSync(dir)).toEqual(['warehouse.prom']);
  });

  it('shows the last success on the wall clock of WAREHOUSE_TIMEZONE', async () => {
    const id = await instance('ninjaone');
    await db.sql`
      insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code, rows_devices, duration_ms)
      values (${id}, '2026-12-02', '2026-12-02T13:25:00Z', '2026-12-02T13:30:00Z', 'succeeded', 0, 5, 300000)`;
    // A fixed instant (not now) so the expected wall clock is known: 13:30 UTC is 00:30 next day in Sydney.
    const sydney = await status({ WAREHOUSE_TIMEZONE: 'Australia/Sydney', WAREHOUSE_STALE_HOURS: '1000000' });
    expect(sydney.out).toMatch(/last success \(Australia\/Sydney\)/u);
    expect(sydney.out).toMatch(/ninjaone\s+ok\s+2026-12-03 00:30\s/u);
    expect((await status({ WAREHOUSE_STALE_HOURS: '1000000' })).out).toMatch(/ninjaone\s+ok\s+2026-12-02 13:30\s/u);
  });

  it('--json prints one document with the same verdict and exit code, the reason on stderr', async () => {
    await run(await instance('ninjaone'), 'succeeded', 1);
    await run(await instance('threatlocker'), 'succeeded', 40);
    const result = await cli(['status', '--json'], { env: { DATABASE_URL: db.url } });
    expect(result.code).toBe(7);
    const doc = JSON.parse(result.out) as { ok: boolean; staleAfterHours: number; sources: Array<Record<string, unknown>>; openExceptions: number };
    expect(doc.ok).toBe(false);
    expect(doc.staleAfterHours).toBe(36);
    expect(doc.sources.map((s) => [s.source, s.stale, s.rows, s.lastRunStatus])).toEqual([['ninjaone', false, 120, 'succeeded'], ['threatlocker', true, 120, 'succeeded']]);
    expect(new Date(String(doc.sources[0]?.lastSuccessAt)).toISOString()).toBe(doc.sources[0]?.lastSuccessAt);
    expect(doc.openExceptions).toBe(0);
    expect(result.err).toMatch(/stale: threatlocker/u);
    const fresh = await cli(['status', '--json'], { env: { DATABASE_URL: db.url, WAREHOUSE_STALE_HOURS: '48' } });
    expect([fresh.code, (JSON.parse(fresh.out) as { ok: boolean }).ok, fresh.err]).toEqual([0, true, '']);
  });

  it('exits 8 when the database is unreachable', async () => {
    const result = await cli(['status'], { env: { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' } });
    expect(result.code).toBe(8);
  });
});
