/**
 * The latest-day reads touch only the latest days' partitions of core.device_days (issues 19 and 23):
 * bi.devices_current (whole, one site, one instance), bi.sites, bi.billing_today_vs_last_month_end,
 * bi.unmapped_aliases and the month-to-date side of staging.device_states, on a warehouse of four days
 * where one source instance is a day behind the other. EXPLAIN ANALYZE says which partitions were read: a partition pruned at run time
 * is either left out of the plan or shown never executed (loops 0). And the rows are the same as the
 * plain definition's: each source instance's rows of its own latest published day.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { tiny } from '../helpers/tiny-source.js';

const DAYS = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'];
/** The second instance stops a day earlier: its latest day is the third. */
const SECOND_DAYS = DAYS.slice(0, 3);

let db: TestDatabase;

async function collect(instance: string, date: string, devices: number): Promise<void> {
  const result = await runCollect({
    source: tiny, instance, date, today: date, acceptShrink: true,
    env: { DATABASE_URL: db.url, TINY_DEVICES: String(devices), TINY_ORGS: '6', WAREHOUSE_TIMEZONE: 'UTC' },
  });
  expect(result.exitCode).toBe(EXIT.ok);
}

beforeAll(async () => {
  db = await testDatabase();
  for (const date of DAYS) {
    await collect('default', date, 400);
    if (SECOND_DAYS.includes(date)) await collect('second', date, 150);
  }
  // One organisation unmapped, so bi.unmapped_aliases has devices to count (only its plan is asserted).
  await db.sql`update core.site_aliases set site_id = null, mapping = 'unmapped' where alias_id = (select min(alias_id) from core.site_aliases where parent_external_id is null)`;
  await db.sql`analyze`;
});

afterAll(async () => {
  await db?.close();
});

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; 'Actual Loops'?: number; Plans?: PlanNode[] }

/** The partitions of core.device_days (device_days_YYYYMMDD) the statement's plan executed. */
async function partitionsRead(statement: string, params: unknown[] = []): Promise<string[]> {
  const [row] = await db.sql.unsafe<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }[]>(`explain (analyze, format json) ${statement}`, params as never[]);
  const read = new Set<string>();
  const walk = (node: PlanNode): void => {
    if (node['Relation Name']?.startsWith('device_days_') && (node['Actual Loops'] ?? 0) > 0) read.add(node['Relation Name']);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(row!['QUERY PLAN'][0]!.Plan);
  return [...read].sort();
}

const partitionOf = (day: string) => `device_days_${day.replaceAll('-', '')}`;
/** The days at or after the earliest latest day: the third and the fourth. */
const LATEST_PARTITIONS = [partitionOf(DAYS[2]!), partitionOf(DAYS[3]!)];

inOrder('latest-day reads', () => {
  it('the warehouse holds four days and the instances\' latest days differ', async () => {
    const days = await db.sql<{ instance: string; latest: string; days: number }[]>`
      select si.instance, max(sd.snapshot_day)::text as latest, count(*)::int as days
      from ops.source_days as sd join ops.source_instances as si using (source_instance_id)
      group by si.instance order by si.instance`;
    expect(days).toEqual([{ instance: 'default', latest: DAYS[3], days: 4 }, { instance: 'second', latest: DAYS[2], days: 3 }]);
    const partitions = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_inherits where inhparent = 'core.device_days'::regclass`;
    expect(partitions[0]?.n).toBeGreaterThanOrEqual(4);
  });

  it('bi.devices_current has each instance\'s rows of its own latest day, as the plain definition does', async () => {
    const key = (r: { instance: string; vendor_id: string; snapshot_day: string }) => `${r.instance}/${r.vendor_id}/${r.snapshot_day}`;
    const view = await db.sql<{ instance: string; vendor_id: string; snapshot_day: string }[]>`
      select instance, vendor_id, snapshot_day::text from bi.devices_current`;
    const plain = await db.sql<{ instance: string; vendor_id: string; snapshot_day: string }[]>`
      select si.instance, dd.vendor_id, dd.snapshot_day::text
      from core.device_days as dd
      join ops.source_instances as si using (source_instance_id)
      where dd.snapshot_day = (select max(sd.snapshot_day) from ops.source_days as sd where sd.source_instance_id = dd.source_instance_id)`;
    expect(view.length).toBe(550);
    expect(view.map(key).sort()).toEqual(plain.map(key).sort());
  });

  it('bi.devices_current, whole and for one site, reads only the latest days\' partitions', async () => {
    expect(await partitionsRead('select * from bi.devices_current')).toEqual(LATEST_PARTITIONS);
    const [site] = await db.sql<{ site_id: number }[]>`select site_id from bi.devices_current group by site_id order by count(*) desc limit 1`;
    expect(await partitionsRead('select * from bi.devices_current where site_id = $1', [site!.site_id])).toEqual(LATEST_PARTITIONS);
    // One instance: the planner may probe its day alone (a nested loop pruned per probe); never an older day.
    const one = await partitionsRead(`select * from bi.devices_current where instance = 'default'`);
    expect(one).toContain(partitionOf(DAYS[3]!));
    expect(one.filter((p) => !LATEST_PARTITIONS.includes(p))).toEqual([]);
  });

  it('bi.sites, bi.billing_today_vs_last_month_end, bi.unmapped_aliases and the month-to-date seat states read only the latest days\' partitions', async () => {
    expect(await partitionsRead('select * from bi.sites')).toEqual(LATEST_PARTITIONS);
    expect(await partitionsRead('select * from bi.billing_today_vs_last_month_end')).toEqual(LATEST_PARTITIONS);
    expect(await partitionsRead('select * from bi.unmapped_aliases')).toEqual(LATEST_PARTITIONS);
    // The month-to-date side of the seat comparisons (bi.billing_changes_month_to_date reads it).
    expect(await partitionsRead(`select * from staging.device_states where comparison = 'month_to_date'`)).toEqual(LATEST_PARTITIONS);
  });

  it('the second instance catches up: with every instance on the same latest day, only that day\'s partition is read', async () => {
    await collect('second', DAYS[3]!, 150);
    await db.sql`analyze ops.source_days`;
    expect(await partitionsRead('select * from bi.devices_current')).toEqual([partitionOf(DAYS[3]!)]);
    expect(await partitionsRead('select * from bi.sites')).toEqual([partitionOf(DAYS[3]!)]);
    expect(await partitionsRead('select * from bi.billing_today_vs_last_month_end')).toEqual([partitionOf(DAYS[3]!)]);
  });
});
