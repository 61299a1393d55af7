/**
 * The latest-day reads touch only the latest days' partitions of core.device_days (issues 19 and 23):
 * bi.devices_current (whole, one site, one instance), bi.sites, bi.billing_today_vs_last_month_end,
 * bi.unmapped_aliases and the month-to-date side of staging.device_states, on a warehouse of four
 * days where the source instances' latest days differ: `default` publishes every day, `second` stops
 * a day early, `third` published the first day only. EXPLAIN ANALYZE says which partitions were
 * read: a partition pruned at run time is either left out of the plan or shown never executed (loops
 * 0). And the rows are the plain definition's: each source instance's rows of its own latest day,
 * also when more instances lag than the view names days for (it then reads from the earliest on).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { tiny } from '../helpers/tiny-source.js';

const DAYS = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05'] as const;
const [D1, D2, D3, D4] = DAYS;

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
    if (date !== D4) await collect('second', date, 150);
    if (date === D1) await collect('third', date, 60);
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

const partitionsOf = (...days: string[]) => days.map((day) => `device_days_${day.replaceAll('-', '')}`).sort();

/** The latest-day reads and what they may read. */
const READS = [
  'select * from bi.devices_current',
  'select * from bi.sites',
  'select * from bi.billing_today_vs_last_month_end',
  'select * from bi.unmapped_aliases',
  // The month-to-date side of the seat comparisons (bi.billing_changes_month_to_date reads it).
  `select * from staging.device_states where comparison = 'month_to_date'`,
];

async function expectOnly(partitions: string[]): Promise<void> {
  for (const statement of READS) expect({ statement, read: await partitionsRead(statement) }).toEqual({ statement, read: partitions });
}

type Key = { instance: string; vendor_id: string; snapshot_day: string };
const keyOf = (r: Key) => `${r.instance}/${r.vendor_id}/${r.snapshot_day}`;

/** bi.devices_current against the plain definition: each instance's rows of its latest published day. */
async function expectPlainRows(count: number): Promise<void> {
  const view = await db.sql<Key[]>`select instance, vendor_id, snapshot_day::text from bi.devices_current`;
  const plain = await db.sql<Key[]>`
    select si.instance, dd.vendor_id, dd.snapshot_day::text
    from core.device_days as dd
    join ops.source_instances as si using (source_instance_id)
    where dd.snapshot_day = (select max(sd.snapshot_day) from ops.source_days as sd where sd.source_instance_id = dd.source_instance_id)`;
  expect(view.length).toBe(count);
  expect(view.map(keyOf).sort()).toEqual(plain.map(keyOf).sort());
}

inOrder('latest-day reads', () => {
  it('the warehouse holds four days and three instances with three different latest days', async () => {
    const days = await db.sql<{ instance: string; latest: string; days: number }[]>`
      select si.instance, max(sd.snapshot_day)::text as latest, count(*)::int as days
      from ops.source_days as sd join ops.source_instances as si using (source_instance_id)
      group by si.instance order by si.instance`;
    expect(days).toEqual([{ instance: 'default', latest: D4, days: 4 }, { instance: 'second', latest: D3, days: 3 }, { instance: 'third', latest: D1, days: 1 }]);
    const partitions = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_inherits where inhparent = 'core.device_days'::regclass`;
    expect(partitions[0]?.n).toBeGreaterThanOrEqual(4);
    await expectPlainRows(400 + 150 + 60);
  });

  it('each read touches the three latest days\' partitions only: the second day, no instance\'s latest, is skipped', async () => {
    await expectOnly(partitionsOf(D1, D3, D4));
  });

  it('bi.devices_current for one site or one instance reads no other day either', async () => {
    const [site] = await db.sql<{ site_id: number }[]>`select site_id from bi.devices_current group by site_id order by count(*) desc limit 1`;
    expect(await partitionsRead('select * from bi.devices_current where site_id = $1', [site!.site_id])).toEqual(partitionsOf(D1, D3, D4));
    // One instance: the planner may probe its day alone (a nested loop pruned per probe); never another's.
    const one = await partitionsRead(`select * from bi.devices_current where instance = 'default'`);
    expect(one).toContain(partitionsOf(D4)[0]);
    expect(one.filter((p) => !partitionsOf(D1, D3, D4).includes(p))).toEqual([]);
  });

  it('a fourth latest day (more than the view names): the rows stay exact, read from the earliest latest day on', async () => {
    await collect('fourth', D2, 40);
    await db.sql`analyze ops.source_days`;
    await expectPlainRows(400 + 150 + 60 + 40);
    await expectOnly(partitionsOf(D1, D2, D3, D4));
  });

  it('the second instance catches up: three latest days again, and the third day is skipped', async () => {
    await collect('second', D4, 150);
    await db.sql`analyze ops.source_days`;
    await expectPlainRows(400 + 150 + 60 + 40);
    await expectOnly(partitionsOf(D1, D2, D4));
  });
});
