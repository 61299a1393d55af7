/**
 * A partial retention leaves every day whole or gone. A query holds one partition of an expired day
 * (a lock from another connection, held for as long as the test says, so nothing races): retention
 * keeps that day entirely (device days, patch status, daily counts, patch exposure and its source-days, all still
 * readable through the bi views), lists it in bi.collection_health as pending, and drops it whole
 * the next night, when nothing holds it. Whichever daily table is the busy one.
 */
import type { Sql } from 'postgres';
import { describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { applyRetention, planRetention, withinLockTimeout, type RetentionPolicy } from '../../rollups/retention.js';
import { rollupDays } from '../../rollups/run.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { until } from './helpers/published.js';

const policy: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 500 };
const EXPIRED = '2026-01-05';
const KEPT = '2026-01-06';
const TODAY = '2026-03-11'; // EXPIRED is just past the 65-day window, KEPT is not
const DAILY_PARENTS = ['core.device_days', 'core.patch_status', 'rollup.daily_counts', 'rollup.patch_exposure'] as const;
const partition = (parent: string, day: string) => `${parent}_${day.replaceAll('-', '')}`;

async function published(db: TestDatabase): Promise<void> {
  for (const day of [EXPIRED, KEPT]) {
    expect((await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '12', WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day })).status).toBe('succeeded');
  }
  await rollupDays(db.sql, [EXPIRED, KEPT], { today: KEPT });
}

/** What a reader sees of one day: through the bi views where one shows the table, and the tables themselves. */
async function dayAsRead(sql: Sql, day: string): Promise<Record<string, number>> {
  const [row] = await sql<Record<string, number>[]>`
    select
      (select count(*)::int from bi.daily_counts where day = ${day}::date) as bi_daily_counts,
      (select count(*)::int from bi.patch_compliance_site where snapshot_day = ${day}::date) as bi_patch_compliance_site,
      (select count(*)::int from core.device_days where snapshot_day = ${day}::date) as device_days,
      (select count(*)::int from core.patch_status where snapshot_day = ${day}::date) as patch_status,
      (select count(*)::int from rollup.patch_exposure where snapshot_day = ${day}::date) as patch_exposure,
      (select count(*)::int from rollup.patch_exposure_days where snapshot_day = ${day}::date) as patch_exposure_days,
      (select count(*)::int from ops.source_days where snapshot_day = ${day}::date) as source_days`;
  return row as Record<string, number>;
}

async function pendingInHealth(sql: Sql): Promise<string[][]> {
  const rows = await sql<{ days: string[] }[]>`select retention_pending_days::text[] as days from bi.collection_health`;
  return rows.map((r) => r.days);
}

/** Holds ACCESS SHARE on `table` (as a reader's open transaction does) until `release` is called. */
async function holdLock(db: TestDatabase, table: string): Promise<{ release: () => Promise<void> }> {
  let release = (): void => {};
  const released = new Promise<void>((resolve) => { release = resolve; });
  const held = db.sql.begin(async (tx) => {
    await tx.unsafe(`lock table ${table} in access share mode`);
    await released;
  });
  await until(async () => (await db.sql`select 1 from pg_locks where relation = to_regclass(${table}) and mode = 'AccessShareLock' and granted`).length > 0, `the lock on ${table}`);
  return { release: async () => { release(); await held; } };
}

describe('a day one of whose partitions is busy', () => {
  it.each(DAILY_PARENTS)('busy %s: the day stays whole and pending, then goes whole the next night', async (parent) => {
    const db = await testDatabase();
    try {
      await published(db);
      const before = await dayAsRead(db.sql, EXPIRED);
      expect(Object.values(before).every((n) => n > 0), JSON.stringify(before)).toBe(true);
      const kept = await dayAsRead(db.sql, KEPT);

      const lock = await holdLock(db, partition(parent, EXPIRED));
      let first;
      try {
        first = await applyRetention(db.sql, await planRetention(db.sql, TODAY, policy), policy);
        // Asked while the lock is still held: the day is whole for readers, not half-dropped.
        expect(await dayAsRead(db.sql, EXPIRED)).toEqual(before);
      } finally {
        await lock.release();
      }
      expect(first.pendingDays).toEqual([EXPIRED]);
      expect(first.busy).toEqual(DAILY_PARENTS.map((p) => partition(p, EXPIRED)));
      expect(first.dropped.filter((name) => name.endsWith('_20260105') && !name.startsWith('raw.'))).toEqual([]);
      expect(await pendingInHealth(db.sql)).toEqual([[EXPIRED]]);
      const [reason] = await db.sql<{ reason: string }[]>`select reason from ops.retention_pending_days where snapshot_day = ${EXPIRED}::date`;
      expect(reason?.reason).toContain(partition(parent, EXPIRED).split('.')[1]);

      const second = await applyRetention(db.sql, await planRetention(db.sql, TODAY, policy), policy);
      expect(second).toMatchObject({ busy: [], pendingDays: [] });
      expect(second.dropped).toEqual(expect.arrayContaining(DAILY_PARENTS.map((p) => partition(p, EXPIRED))));
      expect(await dayAsRead(db.sql, EXPIRED)).toEqual({ bi_daily_counts: 0, bi_patch_compliance_site: 0, device_days: 0, patch_status: 0, patch_exposure: 0, patch_exposure_days: 0, source_days: 0 });
      const tables = await db.sql`select t from unnest(${DAILY_PARENTS.map((p) => partition(p, EXPIRED))}::text[]) as t where to_regclass(t) is not null`;
      expect(tables).toEqual([]);
      expect(await pendingInHealth(db.sql)).toEqual([[]]);
      expect(await db.sql`select * from ops.retention_pending_days`).toEqual([]);
      // The day inside the window was never touched.
      expect(await dayAsRead(db.sql, KEPT)).toEqual(kept);
    } finally {
      await db.close();
    }
  });
});

describe('a day an earlier version left half-detached', () => {
  it('a pending DETACH ... CONCURRENTLY (cancelled by its lock timeout) is finalised and the rest of the day goes with it', async () => {
    const db = await testDatabase();
    try {
      await published(db);
      const pendingTable = partition('rollup.daily_counts', EXPIRED);
      // As the old retention left it: the concurrent detach's wait for a reader timed out.
      const lock = await holdLock(db, 'rollup.daily_counts');
      try {
        const conn = await db.sql.reserve();
        try {
          await conn`set lock_timeout = 200`;
          // With the client-side cancel as backstop: under libfaketime the server's lock_timeout never fires (57014 then).
          const error = await withinLockTimeout(conn, `alter table rollup.daily_counts detach partition ${pendingTable} concurrently`, 200).then(() => null, (e: unknown) => e);
          expect(['55P03', '57014']).toContain((error as { code?: string } | null)?.code);
        } finally {
          conn.release();
        }
      } finally {
        await lock.release();
      }
      const plan = await planRetention(db.sql, TODAY, policy);
      expect(plan.drop.find((p) => p.name === pendingTable)).toMatchObject({ detachPending: true });

      const result = await applyRetention(db.sql, plan, policy);
      expect(result).toMatchObject({ busy: [], pendingDays: [] });
      expect(result.dropped).toEqual(expect.arrayContaining(DAILY_PARENTS.map((p) => partition(p, EXPIRED))));
      expect(await dayAsRead(db.sql, EXPIRED)).toEqual({ bi_daily_counts: 0, bi_patch_compliance_site: 0, device_days: 0, patch_status: 0, patch_exposure: 0, patch_exposure_days: 0, source_days: 0 });
    } finally {
      await db.close();
    }
  });
});
