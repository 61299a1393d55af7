/**
 * The alerts as an operator meets them: `warehouse alerts [--json]` evaluating on demand and running
 * the notify command once, `warehouse rollup` evaluating after its rollup, `warehouse status` (and
 * --json) showing the open alerts, and a failing notify command warned about without failing anything.
 * The evaluation day is chosen with --today.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { inOrder } from '../helpers/in-order.js';
import { cli, removeTempDirs, tempDir } from '../operator/cli.js';

const D = '2026-03-10';
let db: TestDatabase;
let file: string;

const notify = () => `cat >> '${file}'`;
const received = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
const run = (args: string[], env: Record<string, string> = {}) =>
  cli(args, { env: { DATABASE_URL: db.url, WAREHOUSE_FROM_SOURCES: '1', WAREHOUSE_NOTIFY_COMMAND: notify(), ...env } });

beforeAll(async () => {
  db = await testDatabase();
  file = path.join(tempDir('alerts-cli-'), 'messages.txt');
  const [pmp] = await db.sql<{ id: number }[]>`insert into ops.source_instances (source, instance) values ('pmp', 'default') returning source_instance_id as id`;
  for (const minute of [1, 2, 3]) {
    await db.sql`
      insert into ops.sync_runs (source_instance_id, snapshot_day, started_at, finished_at, status, exit_code, error_code, error_message)
      values (${pmp!.id}, ${D}, ${`${D}T03:0${minute}:00Z`}, ${`${D}T03:0${minute}:30Z`}, 'failed', 6, 'ERR_AUTH', 'PMP refused the credentials')`;
  }
});
afterAll(async () => {
  await db?.close();
  removeTempDirs();
});

inOrder('warehouse alerts, rollup and status', () => {
  it('alerts --json opens the alert and hands the message to WAREHOUSE_NOTIFY_COMMAND once', async () => {
    const first = await run(['alerts', '--json', '--today', D]);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.out) as { day: string; opened: number; notified: number; open: Array<Record<string, unknown>> };
    expect(doc).toMatchObject({ day: D, opened: 1, notified: 1 });
    expect(doc.open).toEqual([expect.objectContaining({ condition: 'source_failures', subject: 'pmp', value: 3, threshold: 3, firstSeenOn: D, notified: true })]);
    expect(received()).toMatch(/^warehouse: 1 new alert\(s\) on .+: source_failures pmp\n- \[source_failures\] pmp: 3 consecutive failed or refused runs of pmp since its last success \(threshold 3\); last error: PMP refused the credentials \(since 2026-03-10\)\n/u);
    const again = await run(['alerts', '--today', D]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/^alerts: 0 opened, 0 resolved, 1 open \(as of 2026-03-10\)\n/u);
    expect(again.out).toMatch(/source_failures\s+pmp\s+2026-03-10\s+yes/u);
    expect(received().match(/new alert/gu)).toHaveLength(1);
  });

  it('rollup evaluates after its rollup and says so in its closing log line', async () => {
    const result = await run(['rollup', '--today', '2026-03-11']);
    expect(result.code).toBe(0);
    const done = result.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string; alerts?: unknown }).find((l) => l.msg === 'rollup done');
    expect(done?.alerts).toEqual({ day: '2026-03-11', opened: 0, resolved: 0, open: { source_failures: 1 }, notified: 0, owed: 0 });
    const [alert] = await db.sql<{ last_seen_on: string }[]>`select last_seen_on::text as last_seen_on from bi.alerts`;
    expect(alert?.last_seen_on).toBe('2026-03-11');
  });

  it('status and status --json show the open alert (without changing the exit code)', async () => {
    const text = await run(['status']);
    expect(text.code).toBe(7); // pmp never succeeded: stale, as before alerts
    expect(text.out).toMatch(/1 open alert\(s\) \(bi\.alerts\):\n/u);
    expect(text.out).toMatch(/source_failures\s+pmp\s+2026-03-10\s+yes\s+3 consecutive failed/u);
    const json = await run(['status', '--json']);
    const doc = JSON.parse(json.out) as { alerts: Array<Record<string, unknown>> };
    expect(doc.alerts).toEqual([expect.objectContaining({ condition: 'source_failures', subject: 'pmp', lastSeenOn: '2026-03-11', notified: true })]);
  });

  it('a failing notify command is warned about, exits 0, and the alert is retried the next evaluation', async () => {
    await db.sql`update core.alert_conditions set threshold = 0 where condition = 'database_size'`;
    const failing = await run(['alerts', '--today', '2026-03-11'], { WAREHOUSE_NOTIFY_COMMAND: 'exit 9' });
    expect(failing.code).toBe(0);
    expect(failing.err).toMatch(/warehouse: 1 new alert\(s\) not notified: WAREHOUSE_NOTIFY_COMMAND exited 9; tried again at the next evaluation/u);
    expect(failing.out).toMatch(/database_size\s+database\s+2026-03-11\s+owed/u);
    const retried = await run(['alerts', '--today', '2026-03-11']);
    expect(retried.err).toBe('');
    expect(retried.out).toMatch(/alerts: 0 opened, 0 resolved, 2 open, 1 notified/u);
    expect(received()).toMatch(/\[database_size\] database: the warehouse database holds/u);
  });
});
