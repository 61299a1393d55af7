/**
 * Month-end compliance evidence (rollup.month_end_compliance, bi.compliance_monthly, bi.compliance_trend),
 * rule history and site overrides, through the real rollups: January, February and March month-ends of
 * one PMP server with two clients, a close, threshold changes before and after the dailies expire,
 * an override for one client, and the reader.
 *
 * Acme's one device misses 2 critical patches at the end of January, 3 at the end of February and 4
 * at the end of March; Beta's misses none. e8.critical_patches starts at "<= 5".
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBillingMonth } from '../../rollups/billing-close.js';
import { materialiseMonthEnd } from '../../rollups/month-end.js';
import { applyRetention, planRetention, type RetentionPolicy } from '../../rollups/retention.js';
import { rollupDays, rollupPending } from '../../rollups/run.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { readerLogin } from '../helpers/reader-login.js';
import { PatchFixtures } from '../views/patch-fixtures.js';

const JAN = '2026-01-31';
const FEB = '2026-02-28';
const MAR = '2026-03-31';
const TODAY = '2026-04-05';
/** Long after: the dailies of January to March are gone, their month-ends are kept. */
const LATER = '2026-07-20';
const RULE = 'e8.critical_patches';
const policy: RetentionPolicy = { dailyDays: 65, rawDays: 7, monthEndMonths: 24, runMonths: 24, lockTimeoutMs: 2000 };

let db: TestDatabase;
const site: Record<string, number> = {};

beforeAll(async () => {
  db = await testDatabase();
  const f = new PatchFixtures(db.sql);
  const pmp = await f.instance('pmp');
  for (const name of ['Acme', 'Beta']) site[name] = await f.site(name);
  const days: Array<[string, number]> = [[JAN, 2], ['2026-02-27', 9], [FEB, 3], [MAR, 4], [TODAY, 4]];
  for (const [day, critical] of days) {
    await f.publish(pmp, day);
    const scanned = { scanStatus: 'success', healthStatus: 'healthy', lastScanAt: `${day}T01:00:00Z`, lastSuccessfulScanAt: `${day}T01:00:00Z` };
    await f.device({ instanceId: pmp, siteId: site.Acme as number, day, vendorId: 'a1', lastContactAt: `${day}T01:00:00Z`, patch: { critical, ...scanned } });
    await f.device({ instanceId: pmp, siteId: site.Beta as number, day, vendorId: 'b1', lastContactAt: `${day}T01:00:00Z`, patch: { critical: 0, ...scanned } });
  }
  await rollupDays(db.sql, days.map(([day]) => day), { today: TODAY });
});
afterAll(async () => { await db.close(); });

interface Verdict { scope_name: string; source: string; rule_id: string; status: string; value_min: number | null; value_max: number | null; threshold: number; comparator: string; threshold_source: string; rule_version: number; reason: string | null; denominator: number | null }

const COLUMNS = `scope_name, source, rule_id, status, value_min::float8 as value_min, value_max::float8 as value_max, threshold::float8 as threshold,
  comparator, threshold_source, rule_version, reason, denominator::float8 as denominator`;

const monthly = (month: string, where = 'true'): Promise<Verdict[]> => db.sql.unsafe<Verdict[]>(
  `select ${COLUMNS} from bi.compliance_monthly where month = '${month}' and ${where} order by scope, scope_name, source, rule_id`);
const checks = (day: string, where = 'true'): Promise<Verdict[]> => db.sql.unsafe<Verdict[]>(
  `select ${COLUMNS} from bi.compliance_checks where snapshot_day = '${day}' and ${where} order by scope, scope_name, source, rule_id`);
const critical = async (month: string, scope: string) => (await monthly(month, `rule_id = '${RULE}' and scope_name = '${scope}'`))[0];

inOrder('month-end compliance evidence', () => {
  it('every month-end stores exactly the checks of its month-end day', async () => {
    for (const [month, day] of [['2026-01', JAN], ['2026-02', FEB], ['2026-03', MAR]] as const) {
      const stored = await monthly(month);
      expect(stored.length).toBeGreaterThan(0);
      expect(stored).toEqual(await checks(day));
    }
    // February's month-end is the 28th, not the 27th (9 missing).
    expect(await critical('2026-02', 'Acme')).toMatchObject({ status: 'pass', value_min: 3, value_max: 3, threshold: 5, rule_version: 1, threshold_source: 'rule' });
    // A percentage keeps what it is a share of.
    expect((await monthly('2026-01', `rule_id = 'e8.scan_coverage' and scope_name = '(whole estate)'`))[0]).toMatchObject({ status: 'pass', value_min: 100, denominator: 2 });
  });

  it('a threshold change is recorded, raises the version and leaves the closed month as it closed', async () => {
    await closeBillingMonth(db.sql, '2026-01', { today: TODAY, closedBy: 'test' });
    await db.sql`update core.compliance_rules set threshold = 2.5 where rule_id = ${RULE}`;
    const [me] = await db.sql<{ user: string }[]>`select current_user as user`;
    expect(await db.sql`select rule_id, site_id, action, rule_version, old_threshold::float8 as old, new_threshold::float8 as new,
        old_comparator, new_comparator, old_enabled, new_enabled, changed_by from ops.compliance_rule_changes`).toEqual([{
      rule_id: RULE, site_id: null, action: 'rule changed', rule_version: 2, old: 5, new: 2.5,
      old_comparator: '<=', new_comparator: '<=', old_enabled: true, new_enabled: true, changed_by: me?.user,
    }]);
    // Later days are judged by the new threshold at once.
    expect((await checks(TODAY, `rule_id = '${RULE}' and scope_name = 'Acme'`))[0]).toMatchObject({ status: 'fail', threshold: 2.5, rule_version: 2 });
    // Open months on the next rollup; the closed month keeps what it closed with.
    await rollupPending(db.sql, { today: TODAY });
    expect(await critical('2026-01', 'Acme')).toMatchObject({ status: 'pass', value_min: 2, threshold: 5, rule_version: 1 });
    expect(await critical('2026-02', 'Acme')).toMatchObject({ status: 'fail', value_min: 3, threshold: 2.5, rule_version: 2 });
    expect(await critical('2026-03', 'Acme')).toMatchObject({ status: 'fail', threshold: 2.5, rule_version: 2 });
    expect(await monthly('2026-02')).toEqual(await checks(FEB));
    // An update that changes nothing the verdict reads is not a change.
    await db.sql`update core.compliance_rules set note = note where rule_id = ${RULE}`;
    expect((await db.sql`select 1 from ops.compliance_rule_changes`).length).toBe(1);
  });

  it('a site override changes that client only, and says so', async () => {
    await db.sql`insert into core.compliance_site_overrides (rule_id, site_id, threshold, note) values (${RULE}, ${site.Acme as number}, 10, 'contract 2026-17')`;
    expect((await checks(TODAY, `rule_id = '${RULE}'`)).map((r) => [r.scope_name, r.status, r.threshold, r.threshold_source])).toEqual([
      ['(whole estate)', 'fail', 2.5, 'rule'], ['Acme', 'pass', 10, 'site override'], ['Beta', 'pass', 2.5, 'rule'],
    ]);
    const [change] = await db.sql`select action, site_id, old_threshold, new_threshold::float8 as new from ops.compliance_rule_changes where site_id is not null`;
    expect(change).toEqual({ action: 'override set', site_id: site.Acme, old_threshold: null, new: 10 });
    await rollupPending(db.sql, { today: TODAY });
    expect(await critical('2026-02', 'Acme')).toMatchObject({ status: 'pass', threshold: 10, threshold_source: 'site override' });
    expect(await critical('2026-02', 'Beta')).toMatchObject({ status: 'pass', threshold: 2.5, threshold_source: 'rule' });
    expect(await critical('2026-02', '(whole estate)')).toMatchObject({ status: 'fail', threshold: 2.5, threshold_source: 'rule' });
    expect(await critical('2026-01', 'Acme')).toMatchObject({ threshold: 5, threshold_source: 'rule' });
    // Disabled for one client: gone from its checks and its open months, still there for the others.
    await db.sql`insert into core.compliance_site_overrides (rule_id, site_id, enabled) values (${RULE}, ${site.Beta as number}, false)`;
    await rollupPending(db.sql, { today: TODAY });
    expect((await checks(TODAY, `rule_id = '${RULE}'`)).map((r) => r.scope_name)).toEqual(['(whole estate)', 'Acme']);
    expect((await monthly('2026-02', `rule_id = '${RULE}'`)).map((r) => r.scope_name)).toEqual(['(whole estate)', 'Acme']);
    expect((await monthly('2026-01', `rule_id = '${RULE}'`)).map((r) => r.scope_name)).toEqual(['(whole estate)', 'Acme', 'Beta']);
  });

  it('a forced month-end rewrite of the closed month re-judges it, and is recorded', async () => {
    await materialiseMonthEnd(db.sql, '2026-01', { force: true, reason: 'test: re-judge January' });
    expect(await critical('2026-01', 'Acme')).toMatchObject({ threshold: 10, threshold_source: 'site override', rule_version: 2 });
    expect(await monthly('2026-01')).toEqual(await checks(JAN));
    const [forced] = await db.sql`select action, reason from ops.forced_changes where month = '2026-01-01'`;
    expect(forced?.action).toBe('rollup month-end');
  });

  it('the verdicts outlive the dailies, and a later change re-judges only the open months', async () => {
    const before = { jan: await monthly('2026-01'), feb: await monthly('2026-02'), mar: await monthly('2026-03') };
    await applyRetention(db.sql, await planRetention(db.sql, LATER, policy), policy);
    expect((await db.sql`select 1 from core.device_days where snapshot_day <= ${MAR}`).length).toBe(0);
    expect(await checks(FEB)).toEqual([]);
    expect({ jan: await monthly('2026-01'), feb: await monthly('2026-02'), mar: await monthly('2026-03') }).toEqual(before);

    await db.sql`delete from core.compliance_site_overrides where rule_id = ${RULE} and site_id = ${site.Acme as number}`;
    await db.sql`update core.compliance_rules set threshold = 3, comparator = '<' where rule_id = ${RULE}`;
    await rollupPending(db.sql, { today: LATER });
    expect(await critical('2026-01', 'Acme')).toMatchObject({ status: 'pass', threshold: 10, threshold_source: 'site override', rule_version: 2 });
    expect(await critical('2026-02', 'Acme')).toMatchObject({ status: 'fail', value_min: 3, comparator: '<', threshold: 3, threshold_source: 'rule', rule_version: 3 });
    expect(await critical('2026-03', '(whole estate)')).toMatchObject({ status: 'fail', comparator: '<', threshold: 3, rule_version: 3 });
    const [rejudged] = await db.sql<{ later: boolean }[]>`select judged_at > materialised_at as later from rollup.month_end_compliance
      where month = '2026-02-01' and rule_id = ${RULE} and site_id = ${site.Acme as number}`;
    expect(rejudged?.later).toBe(true);
    expect((await db.sql`select action from ops.compliance_rule_changes order by change_id`).map((r) => r.action)).toEqual([
      'rule changed', 'override set', 'override set', 'override cleared', 'rule changed',
    ]);
  });

  it('the trend puts each month-end beside the previous one', async () => {
    const trend = await db.sql`select month, value::float8 as value, previous_value::float8 as previous, change::float8 as change, status,
        status_change, month_ends_back from bi.compliance_trend where rule_id = ${RULE} and site = 'Acme' and month_ends_back <= 12 order by month`;
    expect(trend).toEqual([
      { month: '2026-01', value: 2, previous: null, change: null, status: 'pass', status_change: 'first month-end', month_ends_back: 4 },
      { month: '2026-02', value: 3, previous: 2, change: 1, status: 'fail', status_change: 'now failing', month_ends_back: 3 },
      { month: '2026-03', value: 4, previous: 3, change: 1, status: 'fail', status_change: 'unchanged', month_ends_back: 2 },
      // April's month-end was materialised by the retention before it dropped April's dailies.
      { month: '2026-04', value: 4, previous: 4, change: 0, status: 'fail', status_change: 'unchanged', month_ends_back: 1 },
    ]);
  });

  it('the reader can select the evidence, the trend and the checks', async () => {
    const login = await readerLogin(db, 'compliance_reader');
    try {
      for (const view of ['bi.compliance_monthly', 'bi.compliance_trend', 'bi.compliance_checks']) {
        expect(await login.attempt(`select * from ${view} limit 1`), view).toBe('ok');
      }
      expect(await login.attempt('select * from rollup.month_end_compliance limit 1')).toBe('42501');
    } finally {
      await login.close();
    }
  });
});
