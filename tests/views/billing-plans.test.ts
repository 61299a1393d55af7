/**
 * What the billing views read, from their executed plans (EXPLAIN ANALYZE, not timings), on a warehouse
 * with month-ends for September and October 2026 and three days of November: the month in progress
 * reads only the latest day's device-day partition (the day comes from a subquery, so the partitions
 * are pruned by the init plan's bound, not at planning) and only the last month-end's partition, and
 * pairs the two sides once, not once per kind of change; one ended month's changes read only that
 * month's month-end partition and the month before's; bi.billing_monthly joins what belongs to a
 * month-end (its run, whether it is closed) once per month-end, not once per site row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupDays } from '../../rollups/run.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { device, fixtureSource, org, publishDay } from '../sites/helpers.js';

const ninja = fixtureSource('ninjaone');
const SITES = [org('1', 'Harbour Dental'), org('2', 'Bluegum Clinic'), org('3', 'Wattle Vets')];
const DAYS = ['2026-09-30', '2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03'];

/** Six devices over three sites; one more each day and one moved, so every month and day differs. */
function fleet(k: number) {
  const devices = Array.from({ length: 6 + k }, (_, i) => device(`n-${i}`, String((i % 3) + 1), { hostname: `n-${i}` }));
  devices[0] = device('n-0', String((k % 3) + 1), { hostname: 'n-0' });
  return { aliases: SITES, devices };
}

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
  for (const [k, day] of DAYS.entries()) await publishDay(db, ninja, day, fleet(k));
  await rollupDays(db.sql, DAYS, { today: '2026-11-04' });
});
afterAll(async () => { await db?.close(); });

interface PlanNode { 'Relation Name'?: string; 'Actual Loops'?: number; Plans?: PlanNode[] }

/** Every node of the executed plan that reads a relation: its name and how often it ran (0: pruned at run time). */
async function scans(query: string): Promise<Array<{ relation: string; loops: number }>> {
  const [row] = await db.sql.unsafe<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }[]>(`explain (analyze, costs off, timing off, format json) ${query}`);
  const found: Array<{ relation: string; loops: number }> = [];
  const walk = (node: PlanNode): void => {
    if (node['Relation Name']) found.push({ relation: node['Relation Name'], loops: node['Actual Loops'] ?? 0 });
    for (const child of node.Plans ?? []) walk(child);
  };
  for (const entry of row?.['QUERY PLAN'] ?? []) walk(entry.Plan);
  return found;
}

const executed = (found: Array<{ relation: string; loops: number }>, prefix: string): string[] =>
  found.filter((s) => s.relation.startsWith(prefix) && s.loops > 0).map((s) => s.relation);

describe('the month in progress', () => {
  it('has changes to list, and the history it must not read', async () => {
    const [changes] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.billing_changes_month_to_date`;
    expect(changes?.n).toBeGreaterThan(0);
    const days = await db.sql<{ name: string }[]>`
      select c.relname as name from pg_inherits as i join pg_class as c on c.oid = i.inhrelid
      where i.inhparent = 'core.device_days'::regclass order by 1`;
    expect(days.map((d) => d.name)).toEqual(expect.arrayContaining(['device_days_20260930', 'device_days_20261031', 'device_days_20261102', 'device_days_20261103']));
  });

  it('reads the latest day and the last month-end only, each once', async () => {
    for (const query of ['select * from bi.billing_changes_month_to_date', "select * from bi.billing_changes_month_to_date where site = 'Bluegum Clinic'"]) {
      const found = await scans(query);
      expect(executed(found, 'device_days_')).toEqual(['device_days_20261103']);
      expect(executed(found, 'month_end_devices_').filter((name) => name < 'month_end_devices_202610')).toEqual([]);
      expect(executed(found, 'month_end_devices_')).toContain('month_end_devices_202610');
      // One pairing of the two sides: each partition read is in the plan once.
      expect(found.filter((s) => s.relation === 'device_days_20261103')).toHaveLength(1);
      expect(found.filter((s) => s.relation === 'month_end_devices_202610')).toHaveLength(1);
    }
  });

  it('the ended months\' changes pair the month-ends once too, and never read the dailies', async () => {
    const found = await scans('select * from bi.billing_changes');
    expect(executed(found, 'device_days_')).toEqual([]);
    expect(found.filter((s) => s.relation === 'month_end_devices_202610')).toHaveLength(2); // as the current side and as the previous
  });
});

describe('one ended month\'s changes', () => {
  it('read that month\'s month-end partition and the month before\'s, each once, and no other (a filter on the text month)', async () => {
    const [changes] = await db.sql<{ n: number }[]>`select count(*)::int as n from bi.billing_changes where month = '2026-10'`;
    expect(changes?.n).toBeGreaterThan(0);
    const october = await scans("select * from bi.billing_changes where month = '2026-10'");
    expect(executed(october, 'month_end_devices_').sort()).toEqual(['month_end_devices_202609', 'month_end_devices_202610']);
    // September is the first month-end: no month before to read.
    const september = await scans("select * from bi.billing_changes where month = '2026-09'");
    expect(executed(september, 'month_end_devices_')).toEqual(['month_end_devices_202609']);
    // The billing close's read, by the month's first day, likewise.
    const close = await scans("select * from staging.billing_change_rows where comparison = 'month_end' and month = '2026-10-01'::date");
    expect(executed(close, 'month_end_devices_').sort()).toEqual(['month_end_devices_202609', 'month_end_devices_202610']);
  });
});

describe('bi.billing_monthly', () => {
  it('joins a month-end\'s run and close once per month-end, not once per site row', async () => {
    const [counts] = await db.sql<{ rows: number; month_ends: number }[]>`
      select (select count(*)::int from bi.billing_monthly) as rows, (select count(*)::int from rollup.month_ends) as month_ends`;
    expect(counts?.month_ends).toBe(2);
    expect(counts?.rows).toBeGreaterThan(counts?.month_ends ?? 0);
    const found = await scans('select * from bi.billing_monthly');
    for (const relation of ['sync_runs', 'billing_months', 'month_ends', 'source_instances']) {
      const loops = found.filter((s) => s.relation === relation).reduce((sum, s) => sum + s.loops, 0);
      expect({ relation, loops: loops <= (counts?.month_ends ?? 0) }).toEqual({ relation, loops: true });
    }
  });
});
