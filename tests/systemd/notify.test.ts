/**
 * OnFailure=: the rendered warehouse-notify@.service, run as systemd would for a failed collector
 * (its $MONITOR_* variables, the EnvironmentFile), hands one actionable message to the configured
 * command; the shell fallback in ExecStopPost= still notifies when the warehouse itself is broken.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainExit } from '../../bin/systemd/notify.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { loadUnit, runService, serviceEnvironment, specifiers, splitCommand, values } from './units.js';

const FAILED = 'warehouse-collect@ninjaone.service';
const NOTIFY = `warehouse-notify@${FAILED}.service`;
const MONITOR = { MONITOR_SERVICE_RESULT: 'exit-code', MONITOR_EXIT_CODE: 'exited', MONITOR_EXIT_STATUS: '6', MONITOR_INVOCATION_ID: 'abc123' };

describe('warehouse-notify@.service', () => {
  let db: TestDatabase;
  let root: string;
  let out: string;
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

  function configure(lines: string[]): void {
    writeFileSync(path.join(root, 'etc/warehouse/warehouse.env'), `${lines.join('\n')}\n`);
  }

  beforeAll(async () => {
    db = await testDatabase();
    root = mkdtempSync(path.join(tmpdir(), 'sd-notify-'));
    out = path.join(root, 'notified');
    const installed = spawnSync(process.execPath, ['bin/warehouse.js', 'systemd', 'install', '--prefix', root], { encoding: 'utf8' });
    expect(installed.status).toBe(0);
    const [instance] = await db.sql<{ id: number }[]>`insert into ops.source_instances (source) values ('ninjaone') returning source_instance_id as id`;
    await db.sql`insert into ops.sync_runs (source_instance_id, snapshot_day, status, finished_at, exit_code, error_code, error_message)
      values (${instance!.id}, '2026-03-02', 'failed', now(), 6, 'ERR_VENDOR_AUTH', 'ninjaone: the token endpoint refused the client credentials (401)')`;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs the configured command with the unit, what the exit status means, the last run\'s error and what to do', async () => {
    configure([`DATABASE_URL=${db.url}`, `WAREHOUSE_NOTIFY_COMMAND='cat > ${out}; printf "%s" "$WAREHOUSE_NOTIFY_SUBJECT" > ${out}.subject'`]);
    const [step] = await runService(NOTIFY, { root, baseEnv, stateDir: path.join(root, 'state'), extraEnv: MONITOR });
    expect(step?.stderr).toBe('');
    expect(step?.status).toBe(0);
    const message = readFileSync(out, 'utf8');
    expect(message).toMatch(/^warehouse: warehouse-collect@ninjaone\.service failed on .+: the vendor refused the credentials\n/u);
    expect(message).toMatch(/result: exit-code \(exited, status 6\): the vendor refused the credentials/u);
    expect(message).toMatch(/last run of ninjaone for 2026-03-02: failed ERR_VENDOR_AUTH: ninjaone: the token endpoint refused/u);
    expect(message).toMatch(/what to do: rotate or fix the secret in \/etc\/credstore, then re-run with `systemctl start warehouse-collect@ninjaone\.service`/u);
    expect(message).toMatch(/journalctl -u warehouse-collect@ninjaone\.service _SYSTEMD_INVOCATION_ID=abc123/u);
    expect(readFileSync(`${out}.subject`, 'utf8')).toMatch(/^warehouse: warehouse-collect@ninjaone\.service failed/u);
  });

  it('without a command, prints the message to the journal and succeeds', async () => {
    configure([`DATABASE_URL=${db.url}`]);
    const [step] = await runService(NOTIFY, { root, baseEnv, stateDir: path.join(root, 'state'), extraEnv: MONITOR });
    expect(step?.status).toBe(0);
    expect(step?.stdout).toMatch(/the vendor refused the credentials[\s\S]*WAREHOUSE_NOTIFY_COMMAND is not set/u);
  });

  it('fails when the command fails, and the ExecStopPost= shell fallback then notifies with a plain message', async () => {
    configure([`WAREHOUSE_NOTIFY_COMMAND='cat > ${out}.fallback; exit 9'`]);
    const [step] = await runService(NOTIFY, { root, baseEnv, stateDir: path.join(root, 'state'), extraEnv: MONITOR });
    expect(step?.status).toBe(1);
    expect(step?.stderr).toMatch(/WAREHOUSE_NOTIFY_COMMAND exited 9/u);

    const unit = loadUnit(root, NOTIFY);
    const [stopPost] = values(unit, 'Service', 'ExecStopPost');
    const env = { ...serviceEnvironment(NOTIFY, { root, baseEnv, stateDir: '/var/lib' }), SERVICE_RESULT: 'exit-code' };
    const { argv } = splitCommand(specifiers(stopPost!, NOTIFY, '/var/lib'), env);
    const fallback = spawnSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8' });
    expect(fallback.status).toBe(9);
    expect(readFileSync(`${out}.fallback`, 'utf8')).toBe(`warehouse: ${FAILED} failed on testhost (no details: the notifier failed too; see journalctl -u ${FAILED})\n`);

    const succeeded = spawnSync(argv[0]!, argv.slice(1), { env: { ...env, SERVICE_RESULT: 'success' }, encoding: 'utf8' });
    expect(succeeded.status).toBe(0);
  });

  it('explains exit 3 per unit: partial collect, incomplete rollup, busy retention', () => {
    expect(explainExit('collect', '3', 'exit-code', 'u').meaning).toMatch(/optional stream failed/u);
    expect(explainExit('rollup', '3', 'exit-code', 'u').meaning).toMatch(/^incomplete/u);
    expect(explainExit('retention', '3', 'exit-code', 'u').action).toMatch(/retries tomorrow/u);
    expect(explainExit('collect', 'TERM', 'timeout', 'u').meaning).toMatch(/TimeoutStartSec/u);
    expect(explainExit('other', '243', 'exit-code', 'u').meaning).toMatch(/credential/u);
  });
});
