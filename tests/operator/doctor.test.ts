/**
 * `warehouse doctor`: one line per check with what to do, exit 0 when nothing failed. Against a real
 * migrated database and the NinjaOne simulator over a real socket: healthy, credentials refused (6),
 * a URL that refuses connections (2), a database never migrated (2); --json; the units' sandbox.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import type { Simulator } from '../../warehouse/run/simulator.js';
import { checkUnits, unitPaths } from '../../bin/doctor/units.js';
import { hiddenBySandbox, sandboxOf } from '../../bin/systemd/sandbox.js';
import { UNIT_DIR } from '../../bin/systemd/render.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, scratchHome } from '../faults/helpers/cli.js';

let db: TestDatabase;
let empty: TestDatabase;
let ninja: Simulator;

beforeAll(async () => {
  [db, empty, ninja] = await Promise.all([
    testDatabase(), testDatabase({ template: 'template0' }),
    SOURCES.ninjaone.simulator({ devices: 5, seed: 1, date: '2026-03-02' }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([ninja?.close(), db?.close(), empty?.close()]);
});

const doctor = (args: string[], env: Record<string, string>) => cli(['doctor', ...args], { WAREHOUSE_HOME: scratchHome(), ...env }, { timeoutMs: 90_000 });
const line = (out: string, name: string) => out.split('\n').find((l) => l.slice(6).startsWith(`${name} `)) ?? '';

describe('warehouse doctor', () => {
  it('passes a healthy warehouse with a vendor configured, reading one page through the collector', async () => {
    const r = await doctor([], { DATABASE_URL: db.url, ...ninja.config });
    expect(r.code, r.out + r.err).toBe(0);
    expect(line(r.out, 'migrations')).toMatch(/^ok\s+migrations\s+all \d+ applied/u);
    expect(line(r.out, 'reader role')).toMatch(/^ok /u);
    expect(line(r.out, 'ninjaone api')).toMatch(/^ok\s+ninjaone api\s+credentials accepted, first page of \w+ read in \d+ request\(s\); budget \d+ per run/u);
    expect(line(r.out, 'threatlocker config')).toMatch(/not configured/u);
    expect(r.out).toMatch(/^doctor: nothing failed$/mu);
    // It writes nothing: no run was recorded.
    expect((await db.sql`select count(*)::int as n from ops.sync_runs`)[0]?.n).toBe(0);
  }, 120_000);

  it('--json gives every check with its status, and ok', async () => {
    const r = await doctor(['--json'], { DATABASE_URL: db.url, ...ninja.config, WAREHOUSE_TIMEZOME: 'UTC' });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string; fix?: string }> };
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.name === 'ninjaone api')?.status).toBe('ok');
    // A misspelled key is a warning naming the right key, not a failure.
    expect(report.checks.find((c) => c.status === 'warn')?.detail).toMatch(/WAREHOUSE_TIMEZOME: did you mean WAREHOUSE_TIMEZONE/u);
  }, 120_000);

  it('fails when the vendor refuses the credentials (exit 6), naming the fix and never the secret', async () => {
    ninja.setFaults({ rejectCredentials: true });
    try {
      const r = await doctor([], { DATABASE_URL: db.url, ...ninja.config });
      expect(r.code).toBe(6);
      expect(line(r.out, 'ninjaone api')).toMatch(/^FAIL/u);
      expect(r.out).toMatch(/doctor: 1 check\(s\) failed/u);
      expect(r.out + r.err).not.toContain(ninja.config.NINJAONE_CLIENT_SECRET as string);
    } finally {
      ninja.setFaults({});
    }
  }, 120_000);

  it('fails at once on a vendor URL that refuses connections (exit 2, naming the key)', async () => {
    const r = await doctor([], { DATABASE_URL: db.url, ...ninja.config, NINJAONE_BASE_URL: 'http://127.0.0.1:1' });
    expect(r.code).toBe(2);
    expect(line(r.out, 'ninjaone api')).toMatch(/^FAIL\s+ninjaone api\s+.*NINJAONE_BASE_URL/u);
  }, 120_000);

  it('fails on a database never migrated, saying to run warehouse migrate', async () => {
    const r = await doctor([], { DATABASE_URL: empty.url });
    expect(r.code, r.out + r.err).toBe(2);
    expect(line(r.out, 'migrations')).toMatch(/^FAIL\s+migrations\s+the database is not migrated/u);
    expect(r.out).toMatch(/→ Run `warehouse migrate`/u);
  }, 120_000);
});

describe('the units under their sandbox', () => {
  it('names the paths a unit runs from, and which sandboxing hides them', () => {
    const unit = 'PrivateTmp=yes\nProtectHome=yes\nWorkingDirectory=/tmp/ci\nExecStart=/usr/bin/node /tmp/ci/bin/warehouse.js collect %i\nEnvironment=WAREHOUSE_HOME=/root/.warehouse\n';
    expect(unitPaths(unit)).toEqual(['/tmp/ci', '/usr/bin/node', '/tmp/ci/bin/warehouse.js', '/root/.warehouse']);
    expect(hiddenBySandbox('/tmp/ci', sandboxOf(unit))).toMatch(/PrivateTmp/u);
    expect(hiddenBySandbox('/root/.warehouse', sandboxOf(unit))).toMatch(/ProtectHome/u);
    expect(hiddenBySandbox('/opt/warehouse', sandboxOf(unit))).toBeUndefined();
    expect(hiddenBySandbox('/tmp/ci', sandboxOf('ProtectHome=yes\n'))).toBeUndefined();
  });

  it('fails an installed unit whose checkout is under /tmp with PrivateTmp=yes; skips when none is installed', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'doctor-units-'));
    expect(checkUnits(root)[0]?.status).toBe('skip');
    mkdirSync(path.join(root, UNIT_DIR), { recursive: true });
    writeFileSync(path.join(root, UNIT_DIR, 'warehouse-collect@.service'), '[Service]\nPrivateTmp=yes\nWorkingDirectory=/tmp/checkout\nExecStart=/usr/bin/node /tmp/checkout/bin/warehouse.js collect %i\n');
    const [check] = checkUnits(root);
    expect(check?.status).toBe('fail');
    expect(check?.detail).toMatch(/\/tmp\/checkout: PrivateTmp=yes/u);
    writeFileSync(path.join(root, UNIT_DIR, 'warehouse-collect@.service'), '[Service]\nPrivateTmp=yes\nWorkingDirectory=/opt/warehouse\nExecStart=/usr/bin/node /opt/warehouse/bin/warehouse.js collect %i\n');
    expect(checkUnits(root)[0]?.status).toBe('ok');
  });
});
