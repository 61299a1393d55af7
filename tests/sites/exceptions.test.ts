/**
 * Persistent cross-vendor findings over several days: opened with the day first seen, acknowledged
 * with a note that survives re-runs, resolved with the day the gap closed, reopened when it returns,
 * and never judged from a source that has not published the day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../warehouse/errors.js';
import { acknowledgeException, refreshExceptions } from '../../warehouse/matching/exceptions.js';
import { nightlyPending } from '../../rollups/run.js';
import type { DeviceRow } from '../../collectors/shared/rows.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { device, fixtureSource, org, publishDay, type Snapshot } from './helpers.js';
import { inOrder } from '../helpers/in-order.js';

const ORGS = [org('A', 'Alpha Dental')];
const ninja = fixtureSource('ninjaone');
const tl = fixtureSource('threatlocker');
/** The fixture source serving one snapshot, for a plain runCollect. */
const withSnapshot = <S extends { snapshot: Snapshot }>(source: S, snapshot: Snapshot): S => Object.assign(source, { snapshot });
const pc = (id: string, fields: Partial<DeviceRow> = {}) => device(id, 'A', { hostname: `PC-${id.slice(1)}`, ...fields });

interface Row { exception_id: number; kind: string; subject_name: string; status: string; first_seen_on: string; last_seen_on: string; resolved_on: string | null; note: string | null; detail: string }

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

const exceptions = () => db.sql<Row[]>`
  select exception_id::int as exception_id, kind, subject_name, status, first_seen_on::text as first_seen_on,
         last_seen_on::text as last_seen_on, resolved_on::text as resolved_on, note, detail
  from bi.exceptions order by kind, subject_name`;
const find = async (kind: string, subject: string) => (await exceptions()).find((e) => e.kind === kind && e.subject_name === subject);

/** After a refresh, bi.coverage's gap columns count exactly the current (open or acknowledged) findings. */
async function expectCoverageMatchesExceptions(): Promise<void> {
  const [check] = await db.sql<{ coverage: number | null; current: number }[]>`
    select (select sum(billable_without_threatlocker)::int from bi.coverage) as coverage,
           (select count(*)::int from bi.exceptions e where e.kind = 'no_threatlocker' and e.status <> 'resolved'
              and e.last_seen_on = (select max(as_of) from bi.coverage)) as current`;
  if (check?.coverage !== null) expect(check?.coverage).toBe(check?.current);
}

inOrder('persistent exceptions', () => {
  it('opens findings with the day first seen', async () => {
    await publishDay(db, ninja, '2025-10-01', { aliases: ORGS, devices: [pc('n1'), pc('n2'), pc('n4', { locationName: 'Spare Stock' })] });
    await publishDay(db, tl, '2025-10-01', { aliases: ORGS, devices: [pc('t1'), pc('t4', { displayName: 'PC-4 (spare)' })] });
    const result = await refreshExceptions(db.sql);
    expect(result).toMatchObject({ asOf: '2025-10-01', opened: 2, resolved: 0, open: 2 });
    expect((await exceptions()).map((e) => [e.kind, e.subject_name, e.status, e.first_seen_on, e.last_seen_on])).toEqual([
      ['no_threatlocker', 'PC-2', 'open', '2025-10-01', '2025-10-01'],
      ['threatlocker_on_spare', 'PC-4', 'open', '2025-10-01', '2025-10-01'],
    ]);
    expect((await find('threatlocker_on_spare', 'PC-4'))?.detail)
      .toBe('ThreatLocker agent on spare device PC-4 (ThreatLocker: name_contains_spare; NinjaOne: location_contains_spare)');
    // No PMP data at all: missing PMP agents are not judged, and the coverage says so.
    const [coverage] = await db.sql`select billable_without_pmp, billable_without_threatlocker, ninjaone_with_threatlocker from bi.coverage where site = 'Alpha Dental'`;
    expect(coverage).toEqual({ billable_without_pmp: null, billable_without_threatlocker: 1, ninjaone_with_threatlocker: 2 });
    await expectCoverageMatchesExceptions();
  });

  it('an acknowledgement survives re-running the day', async () => {
    const gap = await find('no_threatlocker', 'PC-2');
    const acked = await acknowledgeException(db.sql, gap?.exception_id as number, 'loan laptop, agent booked');
    expect(acked).toMatchObject({ status: 'acknowledged', site: 'Alpha Dental', kind: 'no_threatlocker' });
    await publishDay(db, ninja, '2025-10-01', { aliases: ORGS, devices: [pc('n1'), pc('n2'), pc('n4', { locationName: 'Spare Stock' })] });
    await publishDay(db, tl, '2025-10-01', { aliases: ORGS, devices: [pc('t1'), pc('t4', { displayName: 'PC-4 (spare)' })] });
    const again = await refreshExceptions(db.sql);
    expect(again).toMatchObject({ opened: 0, resolved: 0, removed: 0, open: 1, acknowledged: 1 });
    expect(await find('no_threatlocker', 'PC-2')).toMatchObject({
      exception_id: gap?.exception_id, status: 'acknowledged', note: 'loan laptop, agent booked', first_seen_on: '2025-10-01', last_seen_on: '2025-10-01',
    });
    const [coverage] = await db.sql`select open_exceptions, acknowledged_exceptions from bi.coverage where site = 'Alpha Dental'`;
    expect(coverage).toEqual({ open_exceptions: 1, acknowledged_exceptions: 1 });
  });

  it('a source that has not published the day neither opens nor resolves its findings', async () => {
    await publishDay(db, ninja, '2025-10-02', { aliases: ORGS, devices: [pc('n1'), pc('n2'), pc('n3'), pc('n4', { locationName: 'Spare Stock' })] });
    const partial = await refreshExceptions(db.sql);
    expect(partial).toMatchObject({ asOf: '2025-10-02', opened: 0, resolved: 0 });
    expect(await find('no_threatlocker', 'PC-3')).toBeUndefined();
    expect(await find('no_threatlocker', 'PC-2')).toMatchObject({ status: 'acknowledged', last_seen_on: '2025-10-01' });
    const [coverage] = await db.sql`select billable_without_threatlocker, threatlocker_not_in_rmm, duplicate_hostnames from bi.coverage where site = 'Alpha Dental'`;
    expect(coverage).toEqual({ billable_without_threatlocker: null, threatlocker_not_in_rmm: null, duplicate_hostnames: 0 });
  });

  it('a gap that closes is resolved with the day it closed; a new one opens', async () => {
    await publishDay(db, tl, '2025-10-02', { aliases: ORGS, devices: [pc('t1'), pc('t2'), pc('t4', { displayName: 'PC-4 (spare)' })] });
    const result = await refreshExceptions(db.sql);
    expect(result).toMatchObject({ asOf: '2025-10-02', opened: 1, resolved: 1 });
    expect(await find('no_threatlocker', 'PC-2')).toMatchObject({
      status: 'resolved', resolved_on: '2025-10-02', last_seen_on: '2025-10-01', note: 'loan laptop, agent booked',
    });
    expect(await find('no_threatlocker', 'PC-3')).toMatchObject({ status: 'open', first_seen_on: '2025-10-02' });
    expect(await find('threatlocker_on_spare', 'PC-4')).toMatchObject({ status: 'open', last_seen_on: '2025-10-02' });
    await expectCoverageMatchesExceptions();
    await expect(acknowledgeException(db.sql, (await find('no_threatlocker', 'PC-2'))?.exception_id as number, 'late'))
      .rejects.toThrow(/was resolved on 2025-10-02/u);
    await expect(acknowledgeException(db.sql, 999_999, 'x')).rejects.toThrow(UsageError);
  });

  it('re-running a day replaces its verdict: a finding first seen that day that no longer holds was never there', async () => {
    await publishDay(db, tl, '2025-10-02', { aliases: ORGS, devices: [pc('t1'), pc('t2'), pc('t3'), pc('t4', { displayName: 'PC-4 (spare)' })] });
    const result = await refreshExceptions(db.sql);
    expect(result).toMatchObject({ opened: 0, resolved: 0, removed: 1 });
    expect(await find('no_threatlocker', 'PC-3')).toBeUndefined();
    expect(await find('no_threatlocker', 'PC-2')).toMatchObject({ status: 'resolved', resolved_on: '2025-10-02' });
  });

  it('a resolved finding that returns reopens, keeping its history and note', async () => {
    await publishDay(db, ninja, '2025-10-03', { aliases: ORGS, devices: [pc('n1'), pc('n2'), pc('n3'), pc('n4', { locationName: 'Spare Stock' })] });
    await publishDay(db, tl, '2025-10-03', { aliases: ORGS, devices: [pc('t1'), pc('t3')] });
    const result = await refreshExceptions(db.sql);
    expect(result).toMatchObject({ asOf: '2025-10-03', reopened: 1, opened: 0, resolved: 1 });
    expect(await find('no_threatlocker', 'PC-2')).toMatchObject({
      status: 'open', first_seen_on: '2025-10-01', last_seen_on: '2025-10-03', resolved_on: null, note: 'loan laptop, agent booked',
    });
    expect(await find('threatlocker_on_spare', 'PC-4')).toMatchObject({ status: 'resolved', resolved_on: '2025-10-03' });
    // Refreshing again changes nothing.
    const before = await db.sql`select xmin::text as x from core.exceptions order by exception_id`;
    expect(await refreshExceptions(db.sql)).toMatchObject({ opened: 0, reopened: 0, resolved: 0, removed: 0 });
    expect(await db.sql`select xmin::text as x from core.exceptions order by exception_id`).toEqual(before);
    await expectCoverageMatchesExceptions();
  });
});

describe('the nightly rollup', () => {
  it('judges the findings once, after the collectors, which leave them alone', async () => {
    const own = await testDatabase();
    try {
      await runCollect({ source: withSnapshot(ninja, { aliases: ORGS, devices: [pc('n1'), pc('n2')] }), env: { DATABASE_URL: own.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: '2025-11-01', today: '2025-11-01' });
      await runCollect({ source: withSnapshot(tl, { aliases: ORGS, devices: [pc('t1')] }), env: { DATABASE_URL: own.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: '2025-11-01', today: '2025-11-01' });
      const refreshes = async () => (await own.sql<{ n: number }[]>`select count(*)::int as n from ops.exception_refreshes`)[0]?.n;
      expect(await refreshes()).toBe(0);
      const rolled = await nightlyPending(own.sql, { today: '2025-11-02' });
      expect(rolled.findings).toMatchObject({ asOf: '2025-11-01', opened: 1, open: 1 });
      const open = await own.sql`select kind, subject_name from bi.exceptions where status = 'open'`;
      expect(open).toEqual([{ kind: 'no_threatlocker', subject_name: 'PC-2' }]);
      expect(await refreshes()).toBe(1);
    } finally {
      await own.close();
    }
  });
});
