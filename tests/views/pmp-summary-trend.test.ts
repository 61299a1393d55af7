/**
 * bi.pmp_summary_trend: given PMP summary snapshots on chosen days, expect each metric's 7, 30 and
 * 90-day change and direction against the right baseline (the latest snapshot N to N+3 days earlier).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { PatchFixtures, pmpSummary } from './patch-fixtures.js';

const D = '2026-03-10';

let db: TestDatabase;

beforeAll(async () => {
  db = await testDatabase();
  const f = new PatchFixtures(db.sql);
  const main = await f.instance('pmp');
  await f.summary(main, D, pmpSummary());
  await f.summary(main, '2026-03-02', pmpSummary({
    'missing_patch_severity_summary.critical_count': 25,
    'vulnerability_db_summary.last_db_update_status': 'Failed',
    'vulnerability_db_summary.is_auto_db_update_disabled': true,
  }));
  await f.summary(main, '2026-02-08', pmpSummary());
  await f.summary(main, '2025-12-10', pmpSummary({ 'missing_patch_severity_summary.critical_count': 10 }));
  // A second server: a baseline 11 days back is too old for the 7-day change, 10 days back is not.
  const second = await f.instance('pmp', 'branch');
  await f.summary(second, D, pmpSummary());
  await f.summary(second, '2026-02-28', pmpSummary({ 'missing_patch_severity_summary.critical_count': 15 }));
  await f.summary(second, '2026-02-27', pmpSummary({ 'missing_patch_severity_summary.critical_count': 99 }));
});
afterAll(async () => { await db.close(); });

const trend = (instance: string, day: string, metric: string) => db.sql`
  select kind, higher_is_better, value::float8 as value, value_text, baseline_day_7d::text as b7, change_7d::float8 as c7, direction_7d as d7,
    baseline_day_30d::text as b30, change_30d::float8 as c30, direction_30d as d30,
    baseline_day_90d::text as b90, change_90d::float8 as c90, direction_90d as d90
  from bi.pmp_summary_trend where instance = ${instance} and snapshot_day = ${day} and metric = ${metric}`.then((rows) => rows[0]);

describe('bi.pmp_summary_trend', () => {
  it('compares a count with the snapshots 7, 30 and 90 days earlier', async () => {
    expect(await trend('default', D, 'missing_patch_severity_summary.critical_count')).toEqual({
      kind: 'count', higher_is_better: false, value: 20, value_text: '20',
      b7: '2026-03-02', c7: -5, d7: 'down', b30: '2026-02-08', c30: 0, d30: 'unchanged', b90: '2025-12-10', c90: 10, d90: 'up',
    });
  });

  it('says changed or unchanged for text and boolean metrics', async () => {
    expect(await trend('default', D, 'vulnerability_db_summary.last_db_update_status')).toMatchObject({
      kind: 'text', value: null, value_text: 'Success', c7: null, d7: 'changed', d30: 'unchanged', d90: 'unchanged',
    });
    expect(await trend('default', D, 'vulnerability_db_summary.is_auto_db_update_disabled')).toMatchObject({
      kind: 'boolean', value_text: 'false', d7: 'changed', d30: 'unchanged',
    });
  });

  it('shows epoch milliseconds as an ISO time and rates newer as better', async () => {
    expect(await trend('default', D, 'vulnerability_db_summary.last_db_update_time')).toMatchObject({
      kind: 'epoch_ms', higher_is_better: true, value_text: '2026-03-10T01:00:00Z', c7: 0, d7: 'unchanged',
    });
  });

  it('leaves change and direction null without a baseline, and tolerates three missed nights only', async () => {
    expect(await trend('default', '2026-03-02', 'missing_patch_severity_summary.critical_count')).toMatchObject({ b7: null, c7: null, d7: null });
    expect(await trend('branch', D, 'missing_patch_severity_summary.critical_count')).toMatchObject({ b7: '2026-02-28', c7: 5, d7: 'up', b30: null });
  });

  it('has one row per snapshot and metric, and a direction for every metric once a baseline exists', async () => {
    const [keys] = await db.sql<{ rows: number; distinct_keys: number }[]>`
      select count(*)::int as rows, count(distinct (instance, snapshot_day, metric))::int as distinct_keys from bi.pmp_summary_trend`;
    expect(keys).toEqual({ rows: 7 * 27, distinct_keys: 7 * 27 });
    const [latest] = await db.sql<{ metrics: number; with_all_directions: number }[]>`
      select count(*)::int as metrics,
        count(*) filter (where direction_7d is not null and direction_30d is not null and direction_90d is not null)::int as with_all_directions
      from bi.pmp_summary_trend where instance = 'default' and snapshot_day = ${D}`;
    expect(latest).toEqual({ metrics: 27, with_all_directions: 27 });
  });
});
