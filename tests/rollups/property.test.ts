/**
 * Property: for random fleets and random sequences of runs, failures and re-runs, the rollups equal a
 * plain model of the rules — the last successful publish of a day stands, failures change nothing,
 * the month-end is the last published day of the month.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { daysOf, rollupDays } from '../../rollups/run.js';
import { testDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';

const DAYS = daysOf('2026-01-29', '2026-02-02'); // crosses a month end
const ORGS = 3;

type Run = { day: number; devices: number; fails: boolean };

/** The plain model: tiny device i is a server when i % 5 == 0, spare when i % 23 == 0 (name) or i % 17 == 0 (location). */
function modelCounts(devices: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < devices; i += 1) {
    const cls = i % 5 === 0 ? 'server' : 'workstation';
    const status = i % 23 === 0 || i % 17 === 0 ? 'spare' : 'billable';
    const key = `Client ${i % ORGS} LLC|${cls}|${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const runArb = fc.record({ day: fc.integer({ min: 0, max: DAYS.length - 1 }), devices: fc.integer({ min: 1, max: 60 }), fails: fc.boolean() });

describe('rollups against a plain model', () => {
  it('match for random run, fail and re-run sequences', async () => {
    await fc.assert(fc.asyncProperty(fc.array(runArb, { minLength: 1, maxLength: 8 }), async (runs: Run[]) => {
      const db = await testDatabase();
      try {
        const published = new Map<number, number>();
        for (const run of runs) {
          const env: Record<string, string> = { DATABASE_URL: db.url, TINY_DEVICES: String(run.devices), TINY_ORGS: String(ORGS), TINY_PAGE_SIZE: '7' };
          if (run.fails) env.TINY_FAIL_AFTER = '1';
          const result = await runCollect({ source: tiny, env, date: DAYS[run.day] as string, today: DAYS[run.day] as string, acceptShrink: true });
          expect(result.status).toBe(run.fails ? 'failed' : 'succeeded');
          if (!run.fails) published.set(run.day, run.devices);
        }
        const rolled = await rollupDays(db.sql, DAYS, { today: '2026-03-01' });
        const firstPublished = Math.min(...published.keys());
        const expectedMissing = DAYS.filter((_, i) => Number.isFinite(firstPublished) && i >= firstPublished && !published.has(i));
        expect(rolled.missing.map((m) => m.day)).toEqual(expectedMissing);
        for (const [i, day] of DAYS.entries()) {
          const rows = await db.sql<Array<{ site: string; device_class: string; billing_status: string; devices: number }>>`
            select site, device_class, billing_status, devices from bi.daily_counts where day = ${day}`;
          const actual = new Map(rows.map((r) => [`${r.site}|${r.device_class}|${r.billing_status}`, r.devices]));
          expect(actual).toEqual(published.has(i) ? modelCounts(published.get(i) as number) : new Map());
        }
        const january = [...published.keys()].filter((i) => (DAYS[i] as string) < '2026-02-01');
        const monthEnds = await db.sql`select month_end_day::text as day from rollup.month_ends where month = '2026-01-01'`;
        expect(monthEnds).toEqual(january.length ? [{ day: DAYS[Math.max(...january)] }] : []);
        if (january.length) {
          const [row] = await db.sql<Array<{ billable: number }>>`select coalesce(sum(billable), 0)::int as billable from bi.billing_monthly where month = '2026-01'`;
          const model = [...modelCounts(published.get(Math.max(...january)) as number)].filter(([k]) => k.endsWith('|billable')).reduce((n, [, v]) => n + v, 0);
          expect(row?.billable).toBe(model);
        }
      } finally {
        await db.close();
      }
    }), { numRuns: 12 });
  }, 240_000);
});
