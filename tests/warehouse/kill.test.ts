/** A run killed mid-COPY or inside the publish transaction leaves the published data exactly as it was. */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { sweepAbandonedRuns } from '../../warehouse/load/lock.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { settle } from '../faults/helpers/published.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
  const first = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '300' }, date: '2026-02-01', today: '2026-02-01' });
  expect(first.status).toBe('succeeded');
});
afterAll(async () => { await db.close(); });

/** A fingerprint of everything published for the day. */
async function fingerprint(): Promise<string> {
  const [row] = await db.sql<{ f: string }[]>`
    select md5(string_agg(t::text, '|' order by t.device_id)) as f from core.device_days t where snapshot_day = '2026-02-01'`;
  const [p] = await db.sql<{ f: string }[]>`
    select md5(string_agg(t::text, '|' order by t.device_id)) as f from core.patch_status t where snapshot_day = '2026-02-01'`;
  const [sd] = await db.sql<{ f: string }[]>`select md5(string_agg(t::text, '|')) as f from ops.source_days t`;
  return `${row?.f}/${p?.f}/${sd?.f}`;
}

function runUntil(marker: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'tests/fixtures/tiny-run.ts'], {
      env: { ...process.env, DATABASE_URL: db.url, TINY_DATE: '2026-02-01', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(marker)) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended without reaching ${marker}: ${code} ${out}`))));
  });
}

async function lastRun(): Promise<{ status: string; error_code: string | null }> {
  const [row] = await db.sql<{ status: string; error_code: string | null }[]>`select status, error_code from ops.sync_runs order by run_id desc limit 1`;
  return row as { status: string; error_code: string | null };
}

describe('killing a run', () => {
  it('killed during COPY: published data unchanged, run recorded as failed', async () => {
    const before = await fingerprint();
    await runUntil('PAUSED_IN_COPY', { TINY_DEVICES: '300', TINY_VARIANT: '-changed', TINY_PAUSE_AFTER: '2' });
    expect(await fingerprint()).toBe(before);
    expect((await lastRun()).status).toBe('running');
    // The killed backend's lock goes with its connection; the next command records the run as failed.
    await settle(db.url);
    expect(await sweepAbandonedRuns(db.sql)).toBe(1);
    expect(await lastRun()).toEqual({ status: 'failed', error_code: 'ERR_ABANDONED' });
    const staging = await db.sql`select relname from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('run', 'staging') and relkind = 'r'`;
    expect(staging).toHaveLength(0);
  });

  it('killed inside the publish transaction: published data unchanged, run recorded as failed', async () => {
    const before = await fingerprint();
    await runUntil('PAUSED_IN_PUBLISH', { TINY_DEVICES: '300', TINY_VARIANT: '-changed', TINY_PAUSE_IN_PUBLISH: '1' });
    await settle(db.url);
    expect(await fingerprint()).toBe(before);
    expect(await sweepAbandonedRuns(db.sql)).toBe(1);
    expect(await lastRun()).toEqual({ status: 'failed', error_code: 'ERR_ABANDONED' });
    // And the next run publishes normally.
    const next = await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '300', TINY_VARIANT: '-changed' }, date: '2026-02-01', today: '2026-02-01' });
    expect(next.status).toBe('succeeded');
    expect(await fingerprint()).not.toBe(before);
  });
});

