/**
 * Invoices that survive what an operator does to older or open months: closing a month whose dailies
 * expired, re-mapping through the mapping file, closing while a collect publishes, policy changes and
 * a warehouse far from UTC. Each test has its own database and chooses its own "today".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { nightlyPending, rollupDays, rollupPending } from '../../rollups/run.js';
import { verifySeals } from '../../warehouse/billing/seal.js';
import { EXIT } from '../../warehouse/errors.js';
import { mapAliasManually } from '../../warehouse/sites/manage.js';
import { recordTimeZone, setBillingPolicy } from '../../warehouse/settings.js';
import { seatIdentityViolations } from '../helpers/billing.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { tiny } from '../helpers/tiny-source.js';

function collect(db: TestDatabase, date: string, env: Record<string, string> = {}, extra: Partial<Parameters<typeof runCollect>[0]> = {}) {
  return runCollect({ source: tiny, env: { DATABASE_URL: db.url, TINY_DEVICES: '30', TINY_ORGS: '3', WAREHOUSE_TIMEZONE: 'UTC', ...env }, date, today: date, acceptShrink: true, ...extra });
}

async function billing(db: TestDatabase, month: string) {
  return db.sql`select site, source, billable, total, previous_billable, change, is_closed from bi.billing_monthly where month = ${month} order by site, source`;
}

const RETAIN_20_DAYS: RetentionPolicy = { dailyDays: 20, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };

describe('closing a month whose dailies have expired', () => {
  it('freezes the month-end as materialised: nothing deleted, the next month keeps its comparison, verify passes', async () => {
    const db = await testDatabase();
    try {
      for (const day of ['2026-08-30', '2026-08-31']) expect((await collect(db, day, { TINY_DEVICES: '22' })).exitCode).toBe(EXIT.ok);
      for (const day of ['2026-09-29', '2026-09-30', '2026-10-01']) expect((await collect(db, day, { TINY_DEVICES: '25' })).exitCode).toBe(EXIT.ok);
      await rollupDays(db.sql, ['2026-08-30', '2026-08-31', '2026-09-29', '2026-09-30', '2026-10-01'], { today: '2026-10-02' });
      const august = await billing(db, '2026-08');
      const september = await billing(db, '2026-09');
      expect(september.some((r) => r.previous_billable !== null)).toBe(true);
      const augustRows = await db.sql`select * from rollup.month_end_devices where month = '2026-08-01' order by device_id`;
      // Keep 20 days from 2026-10-02: August's dailies go, September's last days stay.
      const retained = await applyRetention(db.sql, await planRetention(db.sql, '2026-10-02', RETAIN_20_DAYS), RETAIN_20_DAYS);
      expect(retained.dropped).toContain('core.device_days_20260831');
      expect(await db.sql`select 1 from ops.source_days where snapshot_day < '2026-09-01'`).toHaveLength(0);

      // A rollup of August (or any refresh) keeps what it cannot rebuild.
      const refreshed = await rollupDays(db.sql, [], { today: '2026-10-02', months: ['2026-08'] });
      expect(refreshed.months).toEqual([{ month: '2026-08', materialised: [], kept: 1, skippedClosed: false }]);
      expect(await billing(db, '2026-08')).toEqual(august);

      await closeBillingMonth(db.sql, '2026-09', { today: '2026-10-02', closedBy: 'test' });
      const closed = await closeBillingMonth(db.sql, '2026-08', { today: '2026-10-02', closedBy: 'test' });
      expect(closed).toMatchObject({ alreadyClosed: false, monthEndDays: [], kept: 1, seal: { devices: 22 } });
      expect(await db.sql`select * from rollup.month_end_devices where month = '2026-08-01' order by device_id`).toEqual(augustRows);
      expect((await billing(db, '2026-08')).map((r) => ({ ...r, is_closed: false }))).toEqual(august);
      expect((await billing(db, '2026-09')).map((r) => ({ ...r, is_closed: false }))).toEqual(september);
      expect(await db.sql`select * from ops.forced_changes`).toHaveLength(0);
      // Closed out of order, the chain runs in close order: September first, then August.
      const closes = await db.sql`select month, previous_digest, digest, chain_position from bi.billing_closes order by chain_position`;
      expect(closes.map((c) => c.month)).toEqual(['2026-09', '2026-08']);
      expect(closes[1]?.previous_digest).toBe(closes[0]?.digest);
      expect((await verifySeals(db.sql)).problem).toBeNull();
    } finally {
      await db.close();
    }
  }, 120_000);

  it('still refuses a month with neither a snapshot nor a month-end, and changes nothing', async () => {
    const db = await testDatabase();
    try {
      await collect(db, '2026-09-30');
      await expect(closeBillingMonth(db.sql, '2026-07', { today: '2026-10-02', closedBy: 'test' })).rejects.toThrow(/2026-07 has no published snapshot and no month-end/u);
      expect(await db.sql`select * from ops.billing_months`).toHaveLength(0);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('re-mapping an organisation', () => {
  /** Oct 30, 31 and Nov 1 collected and rolled up: October has ended and is open. */
  async function octoberEnded(db: TestDatabase): Promise<void> {
    for (const day of ['2026-10-30', '2026-10-31', '2026-11-01']) expect((await collect(db, day)).exitCode).toBe(EXIT.ok);
    await rollupDays(db.sql, ['2026-10-30', '2026-10-31', '2026-11-01'], { today: '2026-11-02' });
  }

  async function picture(db: TestDatabase) {
    return {
      monthly: await billing(db, '2026-10'),
      daily: await db.sql`select day::text, site, device_class, billing_status, devices from bi.daily_counts order by day, site, device_class, billing_status`,
      devices: await db.sql`select month, site, vendor_id, billing_status from bi.billing_month_devices order by month, vendor_id`,
    };
  }

  it('in the mapping file re-attributes the ended open month exactly as `sites map` does', async () => {
    const byFile = await testDatabase();
    const byCli = await testDatabase();
    try {
      await octoberEnded(byFile);
      await octoberEnded(byCli);
      const before = await picture(byFile);
      expect(before.monthly.map((r) => r.site)).toContain('Client 0 LLC');

      const dir = mkdtempSync(path.join(tmpdir(), 'site-map-'));
      const file = path.join(dir, 'sites.csv');
      writeFileSync(file, 'ninjaone,org-0,Harbour Dental\n');
      expect((await collect(byFile, '2026-11-02', { WAREHOUSE_SITE_MAP: file })).exitCode).toBe(EXIT.ok);
      await nightlyPending(byFile.sql, { today: '2026-11-02' });

      expect((await collect(byCli, '2026-11-02')).exitCode).toBe(EXIT.ok);
      await mapAliasManually(byCli.sql, { source: 'ninjaone', externalId: 'org-0', site: 'Harbour Dental', create: true, siteMap: [] });
      await rollupPending(byCli.sql, { today: '2026-11-02' });
      await nightlyPending(byCli.sql, { today: '2026-11-02' });

      const viaFile = await picture(byFile);
      expect(viaFile.monthly.map((r) => r.site)).toContain('Harbour Dental');
      expect(viaFile.monthly.map((r) => r.site)).not.toContain('Client 0 LLC');
      expect(viaFile.daily.filter((r) => r.site === 'Client 0 LLC')).toEqual([]);
      expect(viaFile.devices.some((r) => r.site === 'Client 0 LLC')).toBe(false);
      expect(viaFile).toEqual(await picture(byCli));
      expect(await byFile.sql`select * from ops.rollup_requests`).toHaveLength(0);
    } finally {
      await byFile.close();
      await byCli.close();
    }
  }, 180_000);

  it('reaches an open month whose dailies expired, and leaves a closed month as invoiced', async () => {
    const db = await testDatabase();
    try {
      for (const day of ['2026-08-31', '2026-09-30', '2026-10-01']) expect((await collect(db, day)).exitCode).toBe(EXIT.ok);
      await rollupDays(db.sql, ['2026-08-31', '2026-09-30', '2026-10-01'], { today: '2026-10-02' });
      await applyRetention(db.sql, await planRetention(db.sql, '2026-10-02', RETAIN_20_DAYS), RETAIN_20_DAYS);
      await closeBillingMonth(db.sql, '2026-09', { today: '2026-10-02', closedBy: 'test' });
      const september = await db.sql`select * from rollup.month_end_devices where month = '2026-09-01' order by device_id`;

      await mapAliasManually(db.sql, { source: 'ninjaone', externalId: 'org-1', site: 'Harbour Dental', create: true, siteMap: [] });
      await rollupPending(db.sql, { today: '2026-10-02' });
      const august = await db.sql`select site, count(*)::int as n from bi.billing_month_devices where month = '2026-08' group by site order by site`;
      expect(august.map((r) => r.site)).toEqual(['Client 0 LLC', 'Client 2 LLC', 'Harbour Dental']);
      expect((await billing(db, '2026-08')).map((r) => r.site)).toContain('Harbour Dental');
      expect(await db.sql`select * from rollup.month_end_devices where month = '2026-09-01' order by device_id`).toEqual(september);
      expect((await verifySeals(db.sql)).problem).toBeNull();
      expect(await seatIdentityViolations(db)).toEqual([]);
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe('billing close against a publish into the same month', () => {
  it('a close that commits after the gate makes the publish refuse (exit 4), publishing nothing', async () => {
    const db = await testDatabase();
    try {
      await collect(db, '2026-10-30');
      await rollupDays(db.sql, ['2026-10-30'], { today: '2026-11-02' });
      const result = await collect(db, '2026-10-31', {}, {
        hooks: { afterGate: async () => { await closeBillingMonth(db.sql, '2026-10', { today: '2026-11-02', closedBy: 'test' }); } },
      });
      expect(result.exitCode).toBe(EXIT.gateRefused);
      expect(result.error?.message).toMatch(/billing month 2026-10 was closed .* while this run was collecting/u);
      expect(await db.sql`select 1 from ops.source_days where snapshot_day = '2026-10-31'`).toHaveLength(0);
      expect(await db.sql`select 1 from core.device_days where snapshot_day = '2026-10-31'`).toHaveLength(0);
      expect((await verifySeals(db.sql)).problem).toBeNull();
    } finally {
      await db.close();
    }
  }, 60_000);

  it('a close started while a publish holds the month waits for it, then seals what was published', async () => {
    const db = await testDatabase();
    try {
      await collect(db, '2026-10-30', { TINY_DEVICES: '20' });
      let closing: Promise<unknown> | undefined;
      let finishedEarly = false;
      const result = await collect(db, '2026-10-31', { TINY_DEVICES: '24' }, {
        hooks: {
          insidePublish: async () => {
            closing = closeBillingMonth(db.sql, '2026-10', { today: '2026-11-02', closedBy: 'test' }).then(() => { finishedEarly = true; });
            await new Promise((resolve) => setTimeout(resolve, 500));
          },
        },
      });
      const earlyNow = finishedEarly;
      expect(result.exitCode).toBe(EXIT.ok);
      await closing;
      expect(earlyNow).toBe(false);
      const [end] = await db.sql`select month_end_day::text as day from rollup.month_ends where month = '2026-10-01'`;
      expect(end?.day).toBe('2026-10-31');
      const [sealed] = await db.sql`select sealed_devices from bi.billing_closes where month = '2026-10'`;
      expect(sealed?.sealed_devices).toBe(24);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('the billing policy', () => {
  it('re-judges open months only, is recorded, and flags billed devices silent too long', async () => {
    const db = await testDatabase();
    try {
      for (const day of ['2026-09-30', '2026-10-31', '2026-11-01']) expect((await collect(db, day)).exitCode).toBe(EXIT.ok);
      await rollupDays(db.sql, ['2026-09-30', '2026-10-31', '2026-11-01'], { today: '2026-11-02' });
      await closeBillingMonth(db.sql, '2026-09', { today: '2026-11-02', closedBy: 'test' });
      const september = await billing(db, '2026-09');
      // The tiny fleet last called in on 2026-01-01: billed and stale at 30 days, not at 3650.
      const stale = await db.sql`select count(*)::int as n from bi.billing_month_devices where month = '2026-10' and is_stale`;
      const billable = await db.sql`select count(*)::int as n from bi.billing_month_devices where month = '2026-10' and billing_status = 'billable'`;
      expect(stale[0]?.n).toBe(billable[0]?.n);

      await db.sql.begin((tx) => setBillingPolicy(tx, { billedClasses: ['workstation'], staleAfterDays: 3650 }, 'tester@test'));
      await db.sql`insert into ops.rollup_requests (first_day, last_day, reason) values ('2026-09-01', '2026-11-01', 'test policy change')`;
      await rollupPending(db.sql, { today: '2026-11-02' });
      const october = await db.sql`select device_class, billing_status, is_stale, count(*)::int as n from bi.billing_month_devices where month = '2026-10' group by 1, 2, 3 order by 1, 2, 3`;
      expect(october.filter((r) => r.device_class === 'server').map((r) => r.billing_status)).toEqual(['not_billed', 'spare'].filter((s) => october.some((r) => r.device_class === 'server' && r.billing_status === s)));
      expect(october.some((r) => r.is_stale)).toBe(false);
      const [servers] = await db.sql`select coalesce(sum(servers), 0)::int as n from bi.billing_monthly where month = '2026-10'`;
      expect(servers?.n).toBe(0);
      const [daily] = await db.sql`select count(*)::int as n from bi.daily_counts where day = '2026-11-01' and device_class = 'server' and billing_status = 'billable'`;
      expect(daily?.n).toBe(0);
      expect(await billing(db, '2026-09')).toEqual(september);
      const changes = await db.sql`select setting, old_value, new_value, changed_by from ops.setting_changes where setting <> 'time_zone' order by change_id`;
      expect(changes).toEqual([
        { setting: 'billed_classes', old_value: 'workstation,server', new_value: 'workstation', changed_by: 'tester@test' },
        { setting: 'stale_after_days', old_value: '30', new_value: '3650', changed_by: 'tester@test' },
      ]);
      expect((await verifySeals(db.sql)).problem).toBeNull();
      expect(await seatIdentityViolations(db)).toEqual([]);
      // Hosts can be billed as endpoints.
      const [host] = await db.sql`select core.billing_status(false, false, 'vm_host', '{workstation,server,vm_host}') as s`;
      expect(host?.s).toBe('billable');
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe('the seat identity', () => {
  it('holds in the first month and after a month without a month-end', async () => {
    const db = await testDatabase();
    try {
      expect((await collect(db, '2026-08-31', { TINY_DEVICES: '12' })).exitCode).toBe(EXIT.ok);
      // September has no snapshot at all; October has one, with more devices.
      expect((await collect(db, '2026-10-31', { TINY_DEVICES: '14' })).exitCode).toBe(EXIT.ok);
      await rollupDays(db.sql, ['2026-08-31', '2026-10-31'], { today: '2026-11-02' });
      const months = await db.sql`select distinct month from bi.billing_monthly order by 1`;
      expect(months.map((m) => m.month)).toEqual(['2026-08', '2026-10']);
      expect(await seatIdentityViolations(db)).toEqual([]);
      const [added] = await db.sql`select count(*)::int as n from bi.billing_changes where month = '2026-08' and change = 'added'`;
      const [seats] = await db.sql`select sum(billable)::int as n from bi.billing_monthly where month = '2026-08'`;
      expect(added?.n).toBe(seats?.n);
    } finally {
      await db.close();
    }
  }, 60_000);
});

describe('days in the views', () => {
  it('end at midnight in WAREHOUSE_TIMEZONE, which every run records', async () => {
    const db = await testDatabase();
    try {
      // A back-filled day: the run starts long after the day ended, so as_of is the day's end.
      expect((await collect(db, '2026-06-10', { WAREHOUSE_TIMEZONE: 'Pacific/Kiritimati' })).exitCode).toBe(EXIT.ok);
      const [settings] = await db.sql`select time_zone from core.settings`;
      expect(settings?.time_zone).toBe('Pacific/Kiritimati');
      const [kiritimati] = await db.sql`select distinct as_of from staging.patch_device_days where snapshot_day = '2026-06-10'`;
      expect((kiritimati?.as_of as Date).toISOString()).toBe('2026-06-10T10:00:00.000Z');
      await recordTimeZone(db.sql, 'America/Los_Angeles', 'test');
      const [la] = await db.sql`select distinct as_of from staging.patch_device_days where snapshot_day = '2026-06-10'`;
      expect((la?.as_of as Date).toISOString()).toBe('2026-06-11T07:00:00.000Z');
      const changes = await db.sql`select old_value, new_value from ops.setting_changes where setting = 'time_zone' order by change_id`;
      expect(changes.at(-1)).toEqual({ old_value: 'Pacific/Kiritimati', new_value: 'America/Los_Angeles' });
    } finally {
      await db.close();
    }
  }, 60_000);
});
