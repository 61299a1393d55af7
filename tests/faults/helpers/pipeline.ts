/**
 * One night of work on a small warehouse: collect a source-day, roll up, apply retention, with a
 * named checkpoint between every step (and inside collect: after each page, once staged, inside the
 * publish transaction). The kill property runs it in a child process that stops at one checkpoint to
 * be SIGKILLed; the clean run and the recovery run call it in-process with no-op checkpoints.
 */
import postgres from 'postgres';
import { runCollect } from '../../../warehouse/run/runner.js';
import { rollupDailyCounts } from '../../../rollups/daily.js';
import { endedMonthsIn, materialiseMonthEnd } from '../../../rollups/month-end.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../../rollups/retention.js';
import { tiny } from '../../helpers/tiny-source.js';
import { checkpointSource } from './checkpoints.js';

export const NIGHT = { before: ['2026-01-05', '2026-01-31'], day: '2026-02-01', today: '2026-03-15' } as const;
export const CHECKPOINTS = [
  'collect:page:1', 'collect:page:2', 'collect:staged', 'collect:publish',
  'rollup:day:1', 'rollup:day:3', 'rollup:month-end:1', 'retention:start', 'retention:half',
] as const;
export type Checkpoint = (typeof CHECKPOINTS)[number];

const FLEET = { TINY_DEVICES: '60', TINY_PAGE_SIZE: '20', WAREHOUSE_TIMEZONE: 'UTC' };
const policy: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };

/** The days already published before the night. */
export async function publishBefore(url: string): Promise<void> {
  for (const day of NIGHT.before) {
    const result = await runCollect({ source: tiny, env: { DATABASE_URL: url, ...FLEET }, date: day, today: day });
    if (result.status !== 'succeeded') throw new Error(`setup run for ${day}: ${result.status}`);
  }
}

export async function runNight(url: string, at: (checkpoint: Checkpoint) => Promise<void>): Promise<void> {
  const source = checkpointSource(async (page) => at(`collect:page:${page}` as Checkpoint));
  const collected = await runCollect({
    source, env: { DATABASE_URL: url, ...FLEET, TINY_VARIANT: '-night' }, date: NIGHT.day, today: NIGHT.day,
    hooks: { afterStaged: () => at('collect:staged'), insidePublish: () => at('collect:publish') },
  });
  if (collected.status !== 'succeeded') throw new Error(`collect: ${collected.status} ${collected.error?.message ?? ''}`);
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  try {
    const days = [...NIGHT.before, NIGHT.day];
    for (const [i, day] of days.entries()) {
      await rollupDailyCounts(sql, day);
      await at(`rollup:day:${i + 1}` as Checkpoint);
    }
    for (const [i, month] of (await endedMonthsIn(sql, days[0] as string, NIGHT.day, NIGHT.today)).entries()) {
      await materialiseMonthEnd(sql, month);
      await at(`rollup:month-end:${i + 1}` as Checkpoint);
    }
    const plan = await planRetention(sql, NIGHT.today, policy);
    await at('retention:start');
    const half = Math.ceil(plan.drop.length / 2);
    await applyRetention(sql, { ...plan, drop: plan.drop.slice(0, half) }, policy);
    await at('retention:half');
    await applyRetention(sql, { ...plan, drop: plan.drop.slice(half) }, policy);
  } finally {
    await sql.end();
  }
}

/**
 * What the night leaves behind, without surrogate keys or run ids (a killed run consumes ids): the
 * published device days, daily counts, month-ends and the partitions that exist.
 */
export async function outcomeOf(url: string): Promise<Record<string, unknown>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Each part is a sorted list of text rows (sorted by the row itself: stable whatever the physical order).
    const parts: Record<string, string> = {
      device_days: `select concat_ws('|', dd.snapshot_day, dd.vendor_id, s.name, dd.hostname, dd.is_spare, dd.spare_rule_id, dd.device_class)
        from core.device_days dd join core.sites s on s.site_id = dd.site_id`,
      patch_status: `select concat_ws('|', ps.snapshot_day, dd.vendor_id, ps.missing_critical)
        from core.patch_status ps join core.device_days dd using (site_id, snapshot_day, device_id)`,
      source_days: `select concat_ws('|', snapshot_day, device_count, patch_status_count, is_complete) from ops.source_days`,
      daily_counts: `select concat_ws('|', day, site, device_class, billing_status, devices) from bi.daily_counts`,
      month_ends: `select concat_ws('|', month, month_end_day, is_exact) from rollup.month_ends`,
      month_end_devices: `select concat_ws('|', month, vendor_id, billing_status, reason, month_end_day) from rollup.month_end_devices`,
      partitions: `select c.relname::text from pg_inherits i join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent where p.relname in ('device_days', 'patch_status', 'daily_counts')`,
    };
    const out: Record<string, unknown> = {};
    for (const [name, query] of Object.entries(parts)) {
      const [row] = await sql.unsafe<{ v: string[] | null }[]>(`select array_agg(t.v order by t.v) as v from (${query}) as t(v)`);
      out[name] = row?.v ?? [];
    }
    return out;
  } finally {
    await sql.end();
  }
}
