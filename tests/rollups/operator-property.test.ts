/**
 * Property: whatever an operator does, in whatever order — collect, forced collect, rollup, forced
 * rollup, retention, close, map, re-map in the mapping file, policy change, migrate — after every step
 * closed months are unchanged unless forced (and every forced change is recorded), open months equal a
 * recount from the device-days, the seat identity holds and `billing verify` passes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { nightlyPending, rollupDays, rollupPending } from '../../rollups/run.js';
import { requestRollup } from '../../warehouse/billing/rollup-requests.js';
import { verifySeals } from '../../warehouse/billing/seal.js';
import { UsageError } from '../../warehouse/errors.js';
import { silentLogger } from '../../warehouse/log.js';
import { migrate } from '../../warehouse/migrate.js';
import { mapAliasManually } from '../../warehouse/sites/manage.js';
import { setBillingPolicy } from '../../warehouse/settings.js';
import { seatIdentityViolations } from '../helpers/billing.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';

const TODAY = '2026-11-03';
const DAYS = ['2026-08-30', '2026-08-31', '2026-09-29', '2026-09-30', '2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02'];
const MONTHS = ['2026-08', '2026-09', '2026-10'];
const SITES = ['Harbour Dental', 'Client 2 LLC', 'Smith & Jones'];
/** Keeps (2026-09-24, today]: August's dailies expire, September's last days stay. */
const RETENTION: RetentionPolicy = { dailyDays: 40, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };

type Action =
  | { kind: 'collect'; day: number; devices: number; force: boolean }
  | { kind: 'rollup'; force: boolean }
  | { kind: 'retention' }
  | { kind: 'close'; month: number }
  | { kind: 'map'; org: number; site: number }
  | { kind: 'fileMap'; org: number; site: number; day: number }
  | { kind: 'policy'; servers: boolean }
  | { kind: 'migrate' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('collect' as const), day: fc.nat(DAYS.length - 1), devices: fc.integer({ min: 8, max: 24 }), force: fc.boolean() }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('rollup' as const), force: fc.boolean() }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'retention' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('close' as const), month: fc.nat(MONTHS.length - 1) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('map' as const), org: fc.nat(2), site: fc.nat(SITES.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('fileMap' as const), org: fc.nat(2), site: fc.nat(SITES.length - 1), day: fc.nat(DAYS.length - 1) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('policy' as const), servers: fc.boolean() }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'migrate' as const }), weight: 1 },
);

/** Everything a closed month's invoice is made of. */
async function invoiced(db: TestDatabase, month: string): Promise<unknown> {
  const first = `${month}-01`;
  return {
    devices: await db.sql`select site_id, source_instance_id, device_id, billing_status, reason, hostname, is_stale from rollup.month_end_devices where month = ${first} order by device_id`,
    sites: await db.sql`select site_id, source_instance_id, billable, total, previous_billable from rollup.month_end_sites where month = ${first} order by site_id, source_instance_id`,
    changes: await db.sql`select site_id, source, vendor_id, change, seat_delta, detail from bi.billing_changes where month = ${month} order by source, vendor_id, change`,
    digest: (await db.sql`select digest from ops.billing_months where month = ${first}`)[0]?.digest ?? null,
  };
}

async function forcedCount(db: TestDatabase, month: string): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n from ops.forced_changes where month = ${`${month}-01`}`;
  return row?.n as number;
}

async function closedMonths(db: TestDatabase): Promise<string[]> {
  return (await db.sql`select to_char(month, 'YYYY-MM') as m from ops.billing_months order by 1`).map((r) => r.m as string);
}

/** Open, ended months whose month-end day still has its dailies: billing equals a recount from the device-days. */
async function recountMismatches(db: TestDatabase): Promise<readonly unknown[]> {
  return db.sql`
    with kept as (
      select me.month, me.source_instance_id, me.month_end_day from rollup.month_ends as me
      where not exists (select 1 from ops.billing_months as bm where bm.month = me.month)
        and exists (select 1 from ops.source_days as sd where sd.source_instance_id = me.source_instance_id and sd.snapshot_day = me.month_end_day)
    ),
    recount as (
      select to_char(k.month, 'YYYY-MM') as month, b.site_id, b.source, count(*) filter (where b.billing_status = 'billable')::int as billable, count(*)::int as total
      from kept as k
      inner join staging.device_days_billing as b on b.source_instance_id = k.source_instance_id and b.snapshot_day = k.month_end_day
      group by 1, 2, 3
    ),
    billed as (
      select m.month, m.site_id, m.source, m.billable, m.total from bi.billing_monthly as m
      where not m.is_closed and m.total > 0 and m.month_start in (select month from kept)
    )
    (select 'recount' as side, * from recount except select 'recount', * from billed)
    union all
    (select 'billed', * from billed except select 'billed', * from recount)`;
}

async function dailyMismatches(db: TestDatabase): Promise<readonly unknown[]> {
  return db.sql`
    with recount as (
      select b.snapshot_day, b.site_id, b.source_instance_id, b.device_class, b.billing_status, count(*)::int as devices
      from staging.device_days_billing as b
      where exists (select 1 from ops.source_days as sd where sd.source_instance_id = b.source_instance_id and sd.snapshot_day = b.snapshot_day)
        and not exists (select 1 from ops.billing_months as bm where bm.month = date_trunc('month', b.snapshot_day)::date)
      group by 1, 2, 3, 4, 5
    ),
    counted as (
      select dc.snapshot_day, dc.site_id, dc.source_instance_id, dc.device_class, dc.billing_status, dc.devices from rollup.daily_counts as dc
      where not exists (select 1 from ops.billing_months as bm where bm.month = date_trunc('month', dc.snapshot_day)::date)
    )
    (select 'recount' as side, * from recount except select 'recount', * from counted)
    union all
    (select 'counted', * from counted except select 'counted', * from recount)`;
}

async function perform(db: TestDatabase, step: Action, siteMapFile: string, fileLines: Map<number, string>): Promise<{ forced: string | null; rolled: boolean }> {
  const env = { DATABASE_URL: db.url, TINY_ORGS: '3', WAREHOUSE_TIMEZONE: 'UTC' };
  switch (step.kind) {
    case 'collect': {
      const day = DAYS[step.day] as string;
      const closed = (await closedMonths(db)).includes(day.slice(0, 7));
      const result = await runCollect({ source: tiny, env: { ...env, TINY_DEVICES: String(step.devices), WAREHOUSE_SITE_MAP: siteMapFile }, date: day, today: day, acceptShrink: true, force: step.force });
      expect(result.exitCode, result.error?.message).toBe(closed && !step.force ? 4 : 0);
      return { forced: null, rolled: false };
    }
    case 'rollup': {
      if (!step.force) {
        await nightlyPending(db.sql, { today: TODAY });
        return { forced: null, rolled: true };
      }
      // A forced rollup rewrites the closed months it covers (recorded, re-sealed).
      const closed = await closedMonths(db);
      await rollupPending(db.sql, { today: TODAY });
      const published = (await db.sql`select distinct snapshot_day::text as d from ops.source_days order by 1`).map((r) => r.d as string);
      await rollupDays(db.sql, published, { today: TODAY, force: true });
      return { forced: closed.length > 0 ? 'all' : null, rolled: true };
    }
    case 'retention':
      await applyRetention(db.sql, await planRetention(db.sql, TODAY, RETENTION), RETENTION);
      return { forced: null, rolled: false };
    case 'close': {
      const month = MONTHS[step.month] as string;
      await closeBillingMonth(db.sql, month, { today: TODAY, closedBy: 'property' }).catch((error: unknown) => {
        if (!(error instanceof UsageError && /no published snapshot and no month-end/u.test(error.message))) throw error;
      });
      return { forced: null, rolled: false };
    }
    case 'map': {
      const [known] = await db.sql`select 1 from core.site_aliases where external_id = ${`org-${step.org}`}`;
      if (!known) return { forced: null, rolled: false };
      const file = fileLines.get(step.org);
      // The CLI refuses to contradict the mapping file (the file is applied at every run): map as the file says.
      await mapAliasManually(db.sql, { source: 'ninjaone', externalId: `org-${step.org}`, site: file ?? (SITES[step.site] as string), create: true, siteMap: [] });
      await rollupPending(db.sql, { today: TODAY });
      return { forced: null, rolled: true };
    }
    case 'fileMap': {
      fileLines.set(step.org, SITES[step.site] as string);
      writeFileSync(siteMapFile, [...fileLines].map(([org, site]) => `ninjaone,org-${org},${site}`).join('\n'));
      // The file is applied by the next collect into an open month (the month of the next nightly).
      const day = DAYS[DAYS.length - 1] as string;
      const result = await runCollect({ source: tiny, env: { ...env, TINY_DEVICES: '16', WAREHOUSE_SITE_MAP: siteMapFile }, date: day, today: day, acceptShrink: true });
      expect(result.exitCode, result.error?.message).toBe(0);
      await nightlyPending(db.sql, { today: TODAY });
      return { forced: null, rolled: true };
    }
    case 'policy': {
      await db.sql.begin(async (tx) => {
        const changed = await setBillingPolicy(tx, { billedClasses: step.servers ? ['workstation', 'server'] : ['workstation'] }, 'property');
        if (changed.length > 0) await requestRollup(tx, DAYS[0] as string, TODAY, 'policy');
      });
      await rollupPending(db.sql, { today: TODAY });
      return { forced: null, rolled: true };
    }
    case 'migrate':
      await migrate(db.url, silentLogger);
      return { forced: null, rolled: false };
  }
}

describe('billing under random operator actions', () => {
  it('keeps closed months, recounts open ones, the seat identity and the seals', async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 3, maxLength: 10 }), async (steps) => {
      const db = await testDatabase();
      const siteMapFile = path.join(mkdtempSync(path.join(tmpdir(), 'property-map-')), 'sites.csv');
      writeFileSync(siteMapFile, '');
      const fileLines = new Map<number, string>();
      const frozen = new Map<string, { invoice: unknown; forced: number }>();
      try {
        // Every history starts with a day in each month, so closes and re-mappings have something to act on.
        for (const day of ['2026-08-31', '2026-09-30', '2026-10-31', '2026-11-02']) {
          await runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '12', TINY_ORGS: '3', WAREHOUSE_TIMEZONE: 'UTC' }, date: day, today: day, acceptShrink: true });
        }
        await nightlyPending(db.sql, { today: TODAY });
        for (const step of steps) {
          const outcome = await perform(db, step, siteMapFile, fileLines);
          for (const month of await closedMonths(db)) {
            const now = { invoice: await invoiced(db, month), forced: await forcedCount(db, month) };
            const before = frozen.get(month);
            if (before && outcome.forced === null) {
              expect(now.invoice, `closed ${month} after ${JSON.stringify(step)}`).toEqual(before.invoice);
            }
            if (before && JSON.stringify(now.invoice) !== JSON.stringify(before.invoice)) {
              expect(now.forced, `a forced change of ${month} is recorded`).toBeGreaterThan(before.forced);
            }
            frozen.set(month, now);
          }
          if (outcome.rolled) {
            expect(await recountMismatches(db), `recount after ${JSON.stringify(step)}`).toEqual([]);
            expect(await dailyMismatches(db), `daily counts after ${JSON.stringify(step)}`).toEqual([]);
          }
          expect(await seatIdentityViolations(db), `seat identity after ${JSON.stringify(step)}`).toEqual([]);
          expect((await verifySeals(db.sql)).problem, `verify after ${JSON.stringify(step)}`).toBeNull();
        }
      } finally {
        await db.close();
      }
    }), { numRuns: Number(process.env.PROPERTY_RUNS ?? 8) }); // PROPERTY_RUNS=100 for a longer search
  }, 480_000);
});
