/**
 * The alert conditions of core.alert_conditions over real data: each one opens, stays open without a
 * second notification, resolves and reopens as a new alert; thresholds changed in the table; the
 * notify command (a small script writing to a temp file) receiving the message, failing and being
 * retried; the metrics lines. Evaluation days are chosen here (D = 2026-03-10), never the clock's.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../warehouse/alerts/evaluate.js';
import { alertMessage } from '../../warehouse/alerts/notify.js';
import { runAlerts, type AlertsSetup } from '../../warehouse/alerts/run.js';
import { collectAlertMetrics, collectMetrics, renderMetrics } from '../../warehouse/metrics.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { removeTempDirs, tempDir } from '../operator/cli.js';
import { PatchFixtures, pmpSummary } from '../views/patch-fixtures.js';

const D = '2026-03-10';
const D1 = '2026-03-11';
const D2 = '2026-03-12';
const D3 = '2026-03-13';
const RECENT = '2026-03-10T01:00:00Z';

let db: TestDatabase;
let dir: string;
let ninja: number;
let siteId: number;

const received = () => (existsSync(path.join(dir, 'messages.txt')) ? readFileSync(path.join(dir, 'messages.txt'), 'utf8') : '');
const setup = (command?: string): AlertsSetup => ({ notifyCommand: command, metricsFile: undefined, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
/** Appends stdin and the subject to messages.txt, one message after a '=====' line. */
const writer = () => `{ echo =====; echo "subject: $WAREHOUSE_NOTIFY_SUBJECT"; echo "unit: $WAREHOUSE_NOTIFY_UNIT"; cat; } >> '${path.join(dir, 'messages.txt')}'`;
const threshold = (condition: string, value: number | null) => db.sql`update core.alert_conditions set threshold = ${value} where condition = ${condition}`;
const enabled = (condition: string, on: boolean) => db.sql`update core.alert_conditions set enabled = ${on} where condition = ${condition}`;
const rows = (condition: string) => db.sql<{ alert_id: number; status: string; value: string | null; threshold: string | null; first_seen_on: string; last_seen_on: string; resolved_on: string | null; is_notified: boolean; notify_attempts: number; notify_error: string | null; subject: string; detail: string }[]>`
  select alert_id::int as alert_id, status, value::text as value, threshold::text as threshold, first_seen_on::text as first_seen_on,
         last_seen_on::text as last_seen_on, resolved_on::text as resolved_on, is_notified, notify_attempts, notify_error, subject, detail
  from bi.alerts where condition = ${condition} order by alert_id`;
const snapshot = () => db.sql`select * from ops.alerts order by alert_id`;

async function failedRuns(n: number, day: string): Promise<void> {
  for (let i = 0; i < n; i += 1) {
    await db.sql`
      insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code, error_code, error_message)
      values (${ninja}, ${day}, ${`${day}T03:0${i}:00Z`}, ${`${day}T03:0${i}:30Z`}, 'failed', 7, 'ERR_VENDOR', 'NinjaOne answered 503')`;
  }
}

beforeAll(async () => {
  db = await testDatabase();
  dir = tempDir('alerts-');
  const f = new PatchFixtures(db.sql);
  const pmp = await f.instance('pmp');
  ninja = await f.instance('ninjaone');
  siteId = await f.site('Acme');
  await f.publish(pmp, D);
  await f.summary(pmp, D, pmpSummary({ 'missing_patch_severity_summary.critical_count': 30 }));
  // One device missing 30 critical patches: the estate's distinct critical count is exactly 30.
  await f.device({ instanceId: pmp, siteId, day: D, vendorId: 'p1', lastContactAt: RECENT,
    patch: { critical: 30, important: 5, scanStatus: 'success', healthStatus: 'highly_vulnerable', lastScanAt: RECENT, lastSuccessfulScanAt: RECENT } });
  await f.publish(ninja, D);
  // Only the conditions a test is about are switched on; each test switches its own.
  await db.sql`update core.alert_conditions set enabled = false`;
});
afterAll(async () => {
  await db?.close();
  removeTempDirs();
});

describe('the defaults', () => {
  it('seeds one row per condition with the documented thresholds', async () => {
    const fresh = await testDatabase();
    try {
      const seeded = await fresh.sql<{ condition: string; enabled: boolean; threshold: string | null; unit: string }[]>`
        select condition, enabled, threshold::text as threshold, unit from core.alert_conditions order by condition`;
      expect(seeded).toEqual([
        { condition: 'critical_missing', enabled: true, threshold: '20', unit: 'patches' },
        { condition: 'database_size', enabled: true, threshold: '50', unit: 'GiB' },
        { condition: 'estate_pass_rate', enabled: true, threshold: '70', unit: 'percent' },
        { condition: 'new_finding', enabled: true, threshold: null, unit: 'none' },
        { condition: 'source_failures', enabled: true, threshold: '3', unit: 'runs' },
      ]);
      await expect(fresh.sql`update core.alert_conditions set threshold = -1 where condition = 'database_size'`).rejects.toThrow(/alert_conditions_threshold/u);
      await fresh.sql`update core.alert_conditions set threshold = 80 where condition = 'database_size'`;
      const [change] = await fresh.sql<{ setting: string; old_value: string; new_value: string }[]>`select setting, old_value, new_value from ops.setting_changes`;
      expect(change).toEqual({ setting: 'alert_conditions.database_size.threshold', old_value: '50', new_value: '80' });
    } finally {
      await fresh.close();
    }
  });

  it('the message names each alert and is redacted like the failure notice', () => {
    const message = alertMessage([{ alertId: 1, condition: 'database_size', subject: 'database', detail: 'big', value: 60, threshold: 50,
      firstSeenOn: D, lastSeenOn: D, notifiedAt: null, notifyAttempts: 0, notifyError: null }], 'host1');
    expect(message.unit).toBe('alerts');
    expect(message.subject).toBe('warehouse: 1 new alert(s) on host1: database_size database');
    expect(message.message).toContain(`- [database_size] database: big (since ${D})`);
  });
});

inOrder('alerts over chosen days', () => {
  it('source_failures: 3 failed runs open an alert, which is notified once', async () => {
    await enabled('source_failures', true);
    await failedRuns(2, D);
    let outcome = await runAlerts(db.sql, D, setup(writer()));
    expect(outcome.opened).toBe(0);
    await failedRuns(1, D);
    outcome = await runAlerts(db.sql, D, setup(writer()));
    expect(outcome.opened).toBe(1);
    expect(outcome.notify).toEqual({ sent: 1, owed: 0, problem: null });
    const [alert] = await rows('source_failures');
    expect(alert).toMatchObject({ status: 'open', value: '3', threshold: '3', first_seen_on: D, last_seen_on: D, is_notified: true, subject: 'ninjaone' });
    expect(alert?.detail).toContain('NinjaOne answered 503');
    const text = received();
    expect(text).toContain('subject: warehouse: 1 new alert(s) on');
    expect(text).toContain('unit: alerts');
    expect(text).toContain(`- [source_failures] ninjaone: 3 consecutive failed or refused runs of ninjaone since its last success (threshold 3)`);
  });

  it('re-evaluating the same night changes nothing and notifies nothing', async () => {
    const before = await snapshot();
    const sent = received();
    const outcome = await runAlerts(db.sql, D, setup(writer()));
    expect(outcome).toMatchObject({ opened: 0, resolved: 0, notify: { sent: 0, owed: 0 } });
    expect(await snapshot()).toEqual(before);
    expect(received()).toBe(sent);
  });

  it('stays open the next day (last seen moves on) without a second notification', async () => {
    const sent = received();
    await runAlerts(db.sql, D1, setup(writer()));
    expect(await rows('source_failures')).toMatchObject([{ status: 'open', first_seen_on: D, last_seen_on: D1, notify_attempts: 1 }]);
    expect(received()).toBe(sent);
  });

  it('a raised threshold resolves it; lowered again, it comes back as a new alert, notified again', async () => {
    await threshold('source_failures', 5);
    let outcome = await runAlerts(db.sql, D1, setup(writer()));
    expect(outcome.resolved).toBe(1);
    expect(await rows('source_failures')).toMatchObject([{ status: 'resolved', resolved_on: D1 }]);
    await threshold('source_failures', 3);
    outcome = await runAlerts(db.sql, D2, setup(writer()));
    expect(outcome.opened).toBe(1);
    const alerts = await rows('source_failures');
    expect(alerts).toMatchObject([{ status: 'resolved' }, { status: 'open', first_seen_on: D2, is_notified: true }]);
    expect(received().split('[source_failures]').length - 1).toBe(2);
  });

  it('a success resolves it', async () => {
    await db.sql`
      insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code)
      values (${ninja}, ${D2}, ${`${D2}T04:00:00Z`}, ${`${D2}T04:01:00Z`}, 'succeeded', 0)`;
    const outcome = await runAlerts(db.sql, D2, setup(writer()));
    expect(outcome.resolved).toBe(1);
    expect((await rows('source_failures')).map((a) => a.status)).toEqual(['resolved', 'resolved']);
    await enabled('source_failures', false);
  });

  it('critical_missing: 30 distinct critical patches over 20 opens; over 40 resolves; back to 20 reopens', async () => {
    await enabled('critical_missing', true);
    let outcome = await runAlerts(db.sql, D, setup(writer()));
    expect(outcome.opened).toBe(1);
    expect(await rows('critical_missing')).toMatchObject([{ status: 'open', value: '30', threshold: '20', subject: 'estate (pmp)' }]);
    expect(received()).toContain(`[critical_missing] estate (pmp): 30 distinct critical patches missing across the estate on ${D} (threshold 20)`);
    outcome = await runAlerts(db.sql, D1, setup(writer()));
    expect(outcome).toMatchObject({ opened: 0, resolved: 0, notify: { sent: 0 } });
    await threshold('critical_missing', 40);
    expect((await runAlerts(db.sql, D2, setup(writer()))).resolved).toBe(1);
    await threshold('critical_missing', 20);
    expect((await runAlerts(db.sql, D3, setup(writer()))).opened).toBe(1);
    expect((await rows('critical_missing')).map((a) => [a.status, a.first_seen_on])).toEqual([['resolved', D], ['open', D3]]);
    await enabled('critical_missing', false);
    expect((await runAlerts(db.sql, D3, setup(writer()))).resolved).toBe(1);
  });

  it('estate_pass_rate: under the threshold opens with the rate of bi.compliance_checks; a lower threshold resolves it', async () => {
    const [rate] = await db.sql<{ passed: number; decided: number }[]>`
      select count(*) filter (where passed)::int as passed, count(passed)::int as decided
      from bi.compliance_checks where scope = 'estate' and source = 'pmp' and snapshot_day = ${D}::date`;
    const percent = (100 * rate!.passed) / rate!.decided;
    expect(rate!.decided).toBeGreaterThan(0);
    expect(percent).toBeLessThan(100);
    await enabled('estate_pass_rate', true);
    await threshold('estate_pass_rate', 100);
    expect((await runAlerts(db.sql, D, setup(writer()))).opened).toBe(1);
    const [alert] = await rows('estate_pass_rate');
    expect(Number(alert?.value)).toBeCloseTo(percent, 1);
    expect(alert?.detail).toContain(`(${rate!.passed} of ${rate!.decided} decided checks pass`);
    await threshold('estate_pass_rate', Math.floor(percent));
    expect((await runAlerts(db.sql, D1, setup(writer()))).resolved).toBe(1);
    await threshold('estate_pass_rate', 100);
    expect((await runAlerts(db.sql, D2, setup(writer()))).opened).toBe(1);
    await enabled('estate_pass_rate', false);
    await runAlerts(db.sql, D2, setup(writer()));
  });

  it('database_size: over a threshold of 0 GiB opens, 50 GiB resolves, 0 again reopens', async () => {
    await enabled('database_size', true);
    await threshold('database_size', 0);
    expect((await runAlerts(db.sql, D, setup(writer()))).opened).toBe(1);
    const [alert] = await rows('database_size');
    expect(Number(alert?.value)).toBeGreaterThan(0);
    const before = await snapshot();
    await runAlerts(db.sql, D, setup(writer()));
    expect(await snapshot()).toEqual(before);
    await threshold('database_size', 50);
    expect((await runAlerts(db.sql, D1, setup(writer()))).resolved).toBe(1);
    await threshold('database_size', 0);
    expect((await runAlerts(db.sql, D2, setup(writer()))).opened).toBe(1);
    expect((await rows('database_size')).map((a) => a.status)).toEqual(['resolved', 'open']);
  });

  it('the metrics file lines count the open and unnotified alerts per condition', async () => {
    const text = renderMetrics(await collectMetrics(db.sql), new Date('2026-03-12T06:00:00Z'), await collectAlertMetrics(db.sql));
    expect(text).toContain('# TYPE warehouse_alerts_open gauge');
    expect(text).toContain('warehouse_alerts_open{condition="database_size"} 1');
    expect(text).toContain('warehouse_alerts_open{condition="source_failures"} 0');
    expect(text).toContain('warehouse_alerts_open{condition="new_finding"} 0');
    expect(text).toContain('warehouse_alerts_unnotified{condition="database_size"} 0');
    await enabled('database_size', false);
    await runAlerts(db.sql, D2, setup(writer()));
  });

  it('new_finding: an open finding is told once; acknowledged it resolves; reopened it is a new alert', async () => {
    await enabled('new_finding', true);
    await db.sql`
      insert into core.exceptions (site_id, kind, subject_key, detail, first_seen_on, last_seen_on, status, subject_name, source_instance_id)
      values (${siteId}, 'no_pmp', 'host:pc-7', 'billable NinjaOne device pc-7 has no PMP agent', ${D}, ${D}, 'open', 'pc-7', ${ninja})`;
    expect((await runAlerts(db.sql, D, setup(writer()))).opened).toBe(1);
    expect(received()).toMatch(/\[new_finding\] Acme: pc-7: cross-vendor finding \d+: billable NinjaOne device with no Patch Manager Plus agent/u);
    expect((await runAlerts(db.sql, D1, setup(writer()))).notify.sent).toBe(0);
    await db.sql`update core.exceptions set status = 'acknowledged', note = 'loan laptop'`;
    expect((await runAlerts(db.sql, D1, setup(writer()))).resolved).toBe(1);
    await db.sql`update core.exceptions set status = 'open', note = null`;
    expect((await runAlerts(db.sql, D2, setup(writer()))).opened).toBe(1);
    expect((await rows('new_finding')).map((a) => a.status)).toEqual(['resolved', 'open']);
    await db.sql`update core.exceptions set status = 'resolved', resolved_on = ${D2}`;
    await runAlerts(db.sql, D2, setup(writer()));
  });

  it('a failing notify command is reported, the alert stays owed and is sent by the next evaluation', async () => {
    await enabled('database_size', true);
    const outcome = await runAlerts(db.sql, D3, setup('echo refused >&2; exit 3'));
    expect(outcome.opened).toBe(1);
    expect(outcome.notify).toEqual({ sent: 0, owed: 1, problem: 'WAREHOUSE_NOTIFY_COMMAND exited 3' });
    expect((await rows('database_size')).at(-1)).toMatchObject({ status: 'open', is_notified: false, notify_attempts: 1, notify_error: 'WAREHOUSE_NOTIFY_COMMAND exited 3' });
    const unset = await runAlerts(db.sql, D3, setup(undefined));
    expect(unset.notify).toEqual({ sent: 0, owed: 1, problem: 'WAREHOUSE_NOTIFY_COMMAND is not set' });
    rmSync(path.join(dir, 'messages.txt'), { force: true });
    const retried = await runAlerts(db.sql, D3, setup(writer()));
    expect(retried.notify).toEqual({ sent: 1, owed: 0, problem: null });
    expect(received()).toContain('[database_size] database');
    expect((await rows('database_size')).at(-1)).toMatchObject({ is_notified: true, notify_attempts: 2, notify_error: null });
  });

  it('a replayed past night neither resolves nor rewinds what a later evaluation saw', async () => {
    const before = await snapshot();
    await evaluateAlerts(db.sql, D);
    expect(await snapshot()).toEqual(before);
  });
});
