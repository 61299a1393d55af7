/**
 * The rendered units do what `warehouse nightly` does. Against the three simulators, one database is
 * filled by running the rendered ExecStartPre= / ExecStart= lines in order (each collector instance,
 * then the rollup with its wait on the database, then retention), with the EnvironmentFile= and the
 * secrets delivered as LoadCredential= files from the credstore; another by `warehouse nightly`. Both
 * hold the same history from the day before. The warehouses must be identical: sites, aliases, device
 * days, patch status, PMP summaries, published source-days, run outcomes, daily counts, month-ends.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { runCollect } from '../../warehouse/run/runner.js';
import type { Simulator } from '../../warehouse/run/simulator.js';
import { EXIT } from '../../warehouse/errors.js';
import { addDays, todayIn } from '../../warehouse/time.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { clearOfMidnight } from '../helpers/clock.js';
import { cleanEnv } from '../helpers/env.js';
import { runCommand, runService, type StepResult } from './units.js';
import { inOrder } from '../helpers/in-order.js';

/**
 * Serial ids and bookkeeping instants (when a row was written, published, materialised: on the 1st of a
 * month both warehouses materialise the month that ended, seconds apart) differ between any two
 * databases; everything else must not.
 */
const IDS = ['site_id', 'alias_id', 'device_id', 'source_instance_id', 'run_id', 'exception_id'];
const INSTANTS = ['created_at', 'updated_at', 'mapped_at', 'published_at', 'acknowledged_at', 'taken_at', 'materialised_at', 'started_at', 'finished_at', 'refreshed_at', 'quarantined_at', 'closed_at', 'rolled_up_at', 'sealed_at', 'requested_at'];
const STRIP = `array[${[...IDS, ...INSTANTS].map((id) => `'${id}'`).join(', ')}]::text[]`;

type Fingerprint = Record<'sites' | 'aliases' | 'deviceDays' | 'patchStatus' | 'pmpSummaries' | 'sourceDays' | 'runs' | 'dailyCounts' | 'monthEnds', unknown[]>;

/** Everything a warehouse holds, keyed by natural keys (names, vendor ids) rather than serial ids. */
async function fingerprint(sql: Sql): Promise<Fingerprint> {
  const q = (text: string) => sql.unsafe(text.replaceAll('$1::text[]', STRIP));
  return {
    sites: await q(`select to_jsonb(s) - $1::text[] as row from core.sites as s order by s.name`),
    aliases: await q(`select si.source, st.name as site, to_jsonb(a) - $1::text[] as row from core.site_aliases as a
      inner join ops.source_instances as si on si.source_instance_id = a.source_instance_id
      left join core.sites as st on st.site_id = a.site_id order by si.source, a.kind, a.external_id`),
    deviceDays: await q(`select si.source, st.name as site, to_jsonb(dd) - $1::text[] as row from core.device_days as dd
      inner join ops.source_instances as si on si.source_instance_id = dd.source_instance_id
      inner join core.sites as st on st.site_id = dd.site_id order by si.source, dd.vendor_id, dd.snapshot_day`),
    patchStatus: await q(`select si.source, d.vendor_id, to_jsonb(ps) - $1::text[] as row from core.patch_status as ps
      inner join ops.source_instances as si on si.source_instance_id = ps.source_instance_id
      inner join core.devices as d on d.device_id = ps.device_id order by si.source, d.vendor_id, ps.snapshot_day`),
    pmpSummaries: await q(`select p.snapshot_day::text, p.metrics, p.notes from core.pmp_summaries as p order by p.snapshot_day`),
    sourceDays: await q(`select si.source, to_jsonb(sd) - $1::text[] as row from ops.source_days as sd
      inner join ops.source_instances as si on si.source_instance_id = sd.source_instance_id order by si.source, sd.snapshot_day`),
    runs: await q(`select si.source, r.snapshot_day::text, r.status, r.exit_code, r.error_code, r.rows_devices, r.rows_patch_status, r.rows_aliases
      from ops.sync_runs as r inner join ops.source_instances as si on si.source_instance_id = r.source_instance_id
      order by si.source, r.snapshot_day, r.run_id`),
    dailyCounts: await q(`select si.source, st.name as site, to_jsonb(dc) - $1::text[] as row from rollup.daily_counts as dc
      inner join ops.source_instances as si on si.source_instance_id = dc.source_instance_id
      inner join core.sites as st on st.site_id = dc.site_id order by 1, 2, dc.snapshot_day, dc.device_class, dc.billing_status`),
    monthEnds: await q(`select si.source, to_jsonb(me) - $1::text[] as row from rollup.month_ends as me
      inner join ops.source_instances as si on si.source_instance_id = me.source_instance_id order by me.month, si.source`),
  };
}

inOrder('the rendered units against warehouse nightly', () => {
  // The units collect on the clock's today, as the timer does; the file takes well under 3 minutes.
  let today: string;
  let yesterday: string;
  let viaUnits: TestDatabase;
  let viaNightly: TestDatabase;
  let root: string;
  const simulators: Array<[string, Simulator]> = [];
  const secretKeys = new Set(Object.values(SOURCES).flatMap((s) => s.keys.secrets));
  const simulatorConfig = () => Object.assign({}, ...simulators.map(([, sim]) => sim.config)) as Record<string, string>;

  beforeAll(async () => {
    await clearOfMidnight('UTC', 3 * 60_000);
    today = todayIn('UTC');
    yesterday = addDays(today, -1);
    [viaUnits, viaNightly] = await Promise.all([testDatabase(), testDatabase()]);
    for (const source of Object.values(SOURCES)) simulators.push([source.name, await source.simulator({ devices: 40, seed: 9, date: yesterday })]);
    // The same history in both: yesterday, collected the same way (the simulators serve yesterday's fleet, a replay).
    for (const db of [viaUnits, viaNightly]) {
      for (const [name, sim] of simulators) {
        const result = await runCollect({ source: SOURCES[name as keyof typeof SOURCES], env: { ...sim.config, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: yesterday, acceptPastDate: true });
        expect(result.exitCode, `${name} ${yesterday}`).toBe(EXIT.ok);
      }
    }
    for (const [, sim] of simulators) sim.setDay(today);

    root = mkdtempSync(path.join(tmpdir(), 'sd-flow-'));
    const installed = spawnSync(process.execPath, ['bin/warehouse.js', 'systemd', 'install', '--prefix', root, '--timezone', 'UTC'], { encoding: 'utf8' });
    expect(installed.status, installed.stderr).toBe(0);
    // What the operator puts in place: settings in the EnvironmentFile=, each secret in the credstore.
    const settings = Object.entries(simulatorConfig()).filter(([key]) => !secretKeys.has(key));
    writeFileSync(path.join(root, 'etc/warehouse/warehouse.env'), [`DATABASE_URL=${viaUnits.url}`, 'WAREHOUSE_TIMEZONE=UTC', ...settings.map(([k, v]) => `${k}=${v}`)].join('\n'));
    mkdirSync(path.join(root, 'etc/credstore'), { recursive: true });
    for (const [key, value] of Object.entries(simulatorConfig()).filter(([k]) => secretKeys.has(k))) writeFileSync(path.join(root, 'etc/credstore', key.toLowerCase()), value, { mode: 0o600 });
  }, 360_000); // up to 3 minutes clear of midnight, then the setup itself

  afterAll(async () => {
    for (const [, sim] of simulators) await sim.close();
    await Promise.all([viaUnits?.close(), viaNightly?.close()]);
  });

  it('runs every collector instance, the rollup and retention from their ExecStart= lines, each exiting 0', async () => {
    const services = [...Object.keys(SOURCES).map((s) => `warehouse-collect@${s}.service`), 'warehouse-rollup.service', 'warehouse-retention.service'];
    const ran: string[] = [];
    for (const service of services) {
      const steps: StepResult[] = await runService(service, { root, baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stateDir: path.join(root, 'var/lib') });
      for (const step of steps) {
        expect(step.status, `${service}: ${step.argv.slice(2).join(' ')}\n${step.stderr}`).toBe(0);
        ran.push(step.argv.slice(2).join(' '));
      }
    }
    expect(ran).toEqual([
      'collect ninjaone', 'collect threatlocker', 'collect pmp',
      'systemd wait-sources --timeout 5h', 'rollup',
      'systemd wait-sources --timeout 5h', 'retention',
    ]);
  }, 300_000);

  it('warehouse nightly over the same simulators exits 0', async () => {
    const clean = cleanEnv();
    const result = await runCommand([process.execPath, 'bin/warehouse.js', 'nightly'],
      { ...clean, ...simulatorConfig(), DATABASE_URL: viaNightly.url, WAREHOUSE_TIMEZONE: 'UTC' } as Record<string, string>);
    expect(result.status, result.stderr).toBe(0);
  }, 300_000);

  it('leaves the same warehouse as warehouse nightly', async () => {
    const [units, nightly] = await Promise.all([fingerprint(viaUnits.sql), fingerprint(viaNightly.sql)]);
    // Not vacuous: both days of every source, rolled up.
    expect(units.sourceDays).toHaveLength(2 * Object.keys(SOURCES).length);
    expect(units.runs.every((r) => (r as { status: string }).status === 'succeeded')).toBe(true);
    expect(units.deviceDays.length).toBeGreaterThan(100);
    expect(new Set(units.dailyCounts.map((r) => (r as { row: { snapshot_day: string } }).row.snapshot_day))).toEqual(new Set([yesterday, today]));
    for (const key of Object.keys(units) as Array<keyof Fingerprint>) expect(units[key], key).toEqual(nightly[key]);
  });
});
