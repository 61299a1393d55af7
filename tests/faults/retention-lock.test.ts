/**
 * A long BI query holding its locks while retention runs: retention waits at most its lock timeout,
 * keeps the day whose partition the query holds whole and reports it pending (for the next night),
 * and never blocks readers: a fresh select on the view answers at once while retention waits. The
 * next night finishes the job.
 */
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { applyRetention, planRetention, withinLockTimeout, type RetentionPolicy, type RetentionResult } from '../../rollups/retention.js';
import { rollupDays } from '../../rollups/run.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';
import { until } from './helpers/published.js';
import { inOrder } from '../helpers/in-order.js';

const LOCK_TIMEOUT_MS = 700;
const policy: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: LOCK_TIMEOUT_MS };
const partition = (parent: string, day: string) => `${parent}_${day.replaceAll('-', '')}`;
const DAILY_PARENTS = ['core.device_days', 'core.patch_status', 'rollup.daily_counts', 'rollup.patch_exposure'];
const dailyPartitions = (day: string) => DAILY_PARENTS.map((parent) => partition(parent, day));

let db: TestDatabase;
let bi: Sql;
let probe: Sql;

async function publish(days: string[]): Promise<void> {
  for (const day of days) {
    expect((await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '40' }, date: day, today: day })).status).toBe('succeeded');
  }
  await rollupDays(db.sql, days, { today: days[days.length - 1] as string });
}

/** A report's slow query over the daily counts; its locks are held until it ends. */
async function slowReport(seconds: number): Promise<{ done: Promise<{ n: number }[]> }> {
  // Inlined, not a parameter: a parameterised query is described first, and its locks only held once it runs.
  const slow = bi.unsafe<{ n: number }[]>(`select count(*)::int as n, pg_sleep(${Number(seconds)}) from bi.daily_counts`).execute();
  await until(async () => (await probe`
    select 1 from pg_locks l join pg_stat_activity a on a.pid = l.pid
    where a.application_name = 'bi-tool' and a.state = 'active' and a.query like '%pg_sleep%' and a.query_start < now() - interval '150 ms'
      and l.granted and l.relation = 'rollup.daily_counts'::regclass`).length > 0, 'the BI query to hold its locks');
  // Wrapped: an async function returning the query's promise would wait for it.
  return { done: slow };
}

beforeAll(async () => {
  db = await testDatabase();
  await publish(['2026-01-05', '2026-01-06']);
  bi = postgres(db.url, { max: 1, onnotice: () => {}, connection: { application_name: 'bi-tool' } });
  probe = postgres(db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await bi?.end();
  await probe?.end();
  await db?.close();
});

inOrder('retention next to a long BI query', () => {
  const TODAY = '2026-03-11'; // 2026-01-05 is just past the 65-day window, 2026-01-06 is not
  let result: RetentionResult;
  let retentionMs: number;
  let freshSelectMs: number;
  let longQuery: { n: number }[];

  beforeAll(async () => {
    const slow = await slowReport(3);
    const plan = await planRetention(db.sql, TODAY, policy);
    const started = Date.now();
    const retention = applyRetention(db.sql, plan, policy);
    // While retention waits on the busy partition, another BI user asks the same view.
    await new Promise((resolve) => setTimeout(resolve, 250));
    const asked = Date.now();
    await probe`select count(*) from bi.daily_counts`;
    freshSelectMs = Date.now() - asked;
    result = await retention;
    retentionMs = Date.now() - started;
    longQuery = await slow.done;
  }, 30_000);

  it('keeps the day whose daily counts the query holds whole (none of its partitions dropped) and reports it pending', async () => {
    expect(result.pendingDays).toEqual(['2026-01-05']);
    expect(result.busy).toEqual(dailyPartitions('2026-01-05'));
    expect(result.dropped.filter((name) => DAILY_PARENTS.some((parent) => name.startsWith(parent)))).toEqual([]);
    expect(await db.sql`select snapshot_day::text as day from ops.source_days order by 1`).toEqual([{ day: '2026-01-05' }, { day: '2026-01-06' }]);
  });

  it('waits at most its lock timeout', () => {
    expect(retentionMs).toBeLessThan(LOCK_TIMEOUT_MS + 1500);
  });

  it('does not block readers: a fresh select on the view answers at once', () => {
    expect(freshSelectMs).toBeLessThan(LOCK_TIMEOUT_MS / 2);
  });

  it('lets the long query finish with its answer', () => {
    expect(longQuery).toHaveLength(1);
    expect(longQuery[0]?.n).toBeGreaterThan(0);
  });

  it('the next night drops the pending day whole', async () => {
    const plan = await planRetention(db.sql, TODAY, policy);
    expect(plan.drop.map((p) => p.name)).toEqual(dailyPartitions('2026-01-05'));
    const next = await applyRetention(db.sql, plan, policy);
    expect(next).toMatchObject({ busy: [], pendingDays: [], dropped: result.busy });
    const days = await db.sql`select distinct day::text from bi.daily_counts order by 1`;
    expect(days).toEqual([{ day: '2026-01-06' }]);
    expect(await db.sql`select snapshot_day::text as day from ops.source_days order by 1`).toEqual([{ day: '2026-01-06' }]);
  });

  // Once retention crashed here (a second pending detach of one parent, 55000); now every expired day
  // of a held parent is kept whole, the night waits one lock timeout for all of them, and completes.
  it('with several expired days of a held parent, all are kept whole and reported pending, within one lock timeout', async () => {
    await publish(['2026-01-07', '2026-01-08']);
    const slow = await slowReport(3);
    try {
      const plan = await planRetention(db.sql, '2026-03-31', policy);
      const started = Date.now();
      const outcome = await applyRetention(db.sql, plan, policy);
      expect(Date.now() - started).toBeLessThan(LOCK_TIMEOUT_MS + 1500);
      const days = ['2026-01-06', '2026-01-07', '2026-01-08'];
      expect(outcome.pendingDays).toEqual(days);
      expect(outcome.busy).toEqual(days.flatMap(dailyPartitions));
    } finally {
      await slow.done;
    }
  });
});

describe('what a busy night leaves behind', () => {
  it('a partition detached on an earlier night whose drop failed is found and dropped by the next', async () => {
    const own = await testDatabase();
    try {
      expect((await runCollect({ source: tiny, env: { DATABASE_URL: own.url, TINY_DEVICES: '20' }, date: '2026-01-20', today: '2026-01-20' })).status).toBe('succeeded');
      // As when the DROP after a successful DETACH was cancelled: the table is no longer a partition.
      await own.sql.unsafe('alter table core.device_days detach partition core.device_days_20260120');
      const plan = await planRetention(own.sql, '2026-01-21', policy);
      expect(plan.leftovers).toEqual(['core.device_days_20260120']);
      const result = await applyRetention(own.sql, plan, policy);
      expect(result.dropped).toContain('core.device_days_20260120');
      expect(await own.sql`select to_regclass('core.device_days_20260120') as t`).toEqual([{ t: null }]);
      expect((await planRetention(own.sql, '2026-01-21', policy)).leftovers).toEqual([]);
    } finally {
      await own.close();
    }
  });
});

describe('the client-side backstop to lock_timeout', () => {
  it('cancels a statement whose lock wait the server does not time out, as 57014', async () => {
    const holder = postgres(db.url, { max: 1, onnotice: () => {} });
    const waiter = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await db.sql`create table if not exists public.backstop_probe (x int)`;
      const held = holder.begin(async (tx) => {
        await tx`lock table public.backstop_probe in access share mode`;
        await tx`select pg_sleep(2)`;
      });
      await until(async () => (await probe`select 1 from pg_locks where relation = 'public.backstop_probe'::regclass and granted`).length > 0, 'the lock');
      const conn = await waiter.reserve();
      try {
        // As behind a pooler that dropped the session setting: the server would wait forever.
        await conn`set lock_timeout = 0`;
        const started = Date.now();
        const error = await withinLockTimeout(conn, 'drop table public.backstop_probe', 200).then(() => undefined, (e: unknown) => e);
        expect((error as { code?: string }).code).toBe('57014');
        expect(Date.now() - started).toBeLessThan(1500);
      } finally {
        conn.release();
      }
      await held;
    } finally {
      await holder.end();
      await waiter.end();
    }
  });
});
