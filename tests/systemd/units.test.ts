/**
 * The rendered units as systemd sees them: every unit passes `systemd-analyze verify` (templates as
 * an instance), every service scores 2.0 or lower in `systemd-analyze security --offline=true`, every
 * timer's calendar parses with an explicit time zone; and what verify does not check: every name a
 * unit points at (timer Unit=, OnFailure=, After=) is a rendered unit, and LoadCredential= gives each
 * collector exactly its own vendor's secrets. These skip only when systemd-analyze is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { WAREHOUSE_KEY_TABLE } from '../../warehouse/config-table.js';
import { hasSystemdAnalyze, parseUnit, specifiers, value, values, type Unit } from './units.js';
import { hiddenPathWarnings } from '../../bin/commands/systemd.js';

const INSTANCE = 'ninjaone';

function install(args: string[]) {
  const result = spawnSync(process.execPath, ['bin/warehouse.js', 'systemd', 'install', ...args], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, WAREHOUSE_TIMEZONE: 'Australia/Sydney' },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** A template is checked as an instance, the way the external check does. */
function instantiate(dir: string, file: string): string {
  if (!file.includes('@.')) return path.join(dir, file);
  const copy = path.join(dir, file.replace('@.', `@${INSTANCE}.`));
  copyFileSync(path.join(dir, file), copy);
  return copy;
}

describe('warehouse systemd install', () => {
  let prefix: string;
  let unitDir: string;
  let files: string[];
  let firstOutput: string;
  const units = new Map<string, Unit>();

  beforeAll(() => {
    prefix = mkdtempSync(path.join(tmpdir(), 'sd-units-'));
    const { code, out, err } = install(['--prefix', prefix]);
    // Where this checkout happens to live (a CI clone under /tmp) is warned about, and nothing else.
    expect(err.split('\n').filter((l) => l !== '' && !/^warning: (the checkout|node) is at /u.test(l))).toEqual([]);
    expect(code).toBe(0);
    firstOutput = out;
    expect(out).toMatch(/systemctl daemon-reload/u);
    expect(out).toMatch(/systemctl enable --now warehouse-collect@ninjaone\.timer/u);
    unitDir = path.join(prefix, 'etc/systemd/system');
    files = readdirSync(unitDir).sort();
    for (const file of files) units.set(file, parseUnit(readFileSync(path.join(unitDir, file), 'utf8')));
  });

  it('renders the eight units with this checkout\'s paths and no placeholder left', () => {
    expect(files).toEqual([
      'warehouse-collect@.service', 'warehouse-collect@.timer', 'warehouse-notify@.service',
      'warehouse-retention.service', 'warehouse-retention.timer', 'warehouse-rollup.service', 'warehouse-rollup.timer',
      'warehouse-serve.service',
    ]);
    const warehouseJs = path.resolve('bin/warehouse.js');
    for (const file of files) {
      const text = readFileSync(path.join(unitDir, file), 'utf8');
      expect(text, file).not.toMatch(/\{\{|\}\}/u);
      expect(statSync(path.join(unitDir, file)).mode & 0o777).toBe(0o644);
      if (file.endsWith('.service')) {
        expect(value(units.get(file)!, 'Service', 'ExecStart'), file).toMatch(new RegExp(`^${process.execPath} ${warehouseJs} `, 'u'));
        // The dashboard is the one long-running service; every other is a job a timer starts.
        expect(value(units.get(file)!, 'Service', 'Type'), file).toBe(file === 'warehouse-serve.service' ? 'exec' : 'oneshot');
        expect(value(units.get(file)!, 'Service', 'EnvironmentFile'), file).toMatch(/^-?\/etc\/warehouse\/warehouse\.env$/u);
      }
    }
    expect(statSync(path.join(prefix, 'etc/warehouse/warehouse.env')).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!hasSystemdAnalyze)('every unit passes systemd-analyze verify', () => {
    for (const file of files) {
      const result = spawnSync('systemd-analyze', ['verify', instantiate(unitDir, file)], { encoding: 'utf8' });
      expect(`${file}: ${result.stderr}`).toBe(`${file}: `);
      expect(result.status, file).toBe(0);
    }
  });

  it.skipIf(!hasSystemdAnalyze)('every service scores 2.0 or lower in systemd-analyze security --offline=true', () => {
    const services = files.filter((f) => f.endsWith('.service'));
    expect(services).toHaveLength(5);
    for (const file of services) {
      const out = execFileSync('systemd-analyze', ['security', '--offline=true', instantiate(unitDir, file)], { encoding: 'utf8' });
      const score = Number(/Overall exposure level for .*: ([0-9.]+)/u.exec(out)?.[1]);
      expect(score, file).toBeGreaterThan(0);
      expect(score, file).toBeLessThanOrEqual(2.0);
    }
  });

  it.skipIf(!hasSystemdAnalyze)('every timer is nightly in an explicit time zone, persistent, with a modest random delay, and its calendar parses', () => {
    const timers = files.filter((f) => f.endsWith('.timer'));
    expect(timers).toHaveLength(3);
    for (const file of timers) {
      const timer = units.get(file)!;
      const calendars = values(timer, 'Timer', 'OnCalendar');
      expect(calendars, file).toHaveLength(1);
      expect(calendars[0], file).toMatch(/^\*-\*-\* \d\d:\d\d:00 Australia\/Sydney$/u);
      const parsed = spawnSync('systemd-analyze', ['calendar', calendars[0] as string], { encoding: 'utf8' });
      expect(parsed.status, `${file}: ${parsed.stderr}`).toBe(0);
      expect(parsed.stdout).toMatch(/Next elapse:/u);
      expect(value(timer, 'Timer', 'Persistent'), file).toBe('true');
      const delay = /^(\d+)min$/u.exec(value(timer, 'Timer', 'RandomizedDelaySec') ?? '');
      expect(Number(delay?.[1]), file).toBeGreaterThan(0);
      expect(Number(delay?.[1]), file).toBeLessThanOrEqual(15);
      expect(value(timer, 'Install', 'WantedBy'), file).toBe('timers.target');
    }
  });

  it('every unit a timer starts, OnFailure= names or After= orders is a rendered unit', () => {
    const rendered = (name: string) => files.includes(name) || files.includes(`${name.slice(0, name.indexOf('@') + 1)}${name.slice(name.lastIndexOf('.'))}`);
    for (const file of files) {
      const unit = units.get(file)!;
      const name = file.replace('@.', `@${INSTANCE}.`);
      if (file.endsWith('.timer')) {
        const target = specifiers(value(unit, 'Timer', 'Unit') ?? '', name, '/var/lib');
        expect(target, file).toBe(name.replace(/\.timer$/u, '.service'));
        expect(rendered(target), `${file} → ${target}`).toBe(true);
      }
      for (const onFailure of values(unit, 'Unit', 'OnFailure')) {
        expect(specifiers(onFailure, name, '/var/lib'), file).toBe(`warehouse-notify@${name}.service`);
      }
      if (file === 'warehouse-notify@.service') expect(values(unit, 'Unit', 'OnFailure')).toEqual([]);
      else if (file.endsWith('.service')) expect(values(unit, 'Unit', 'OnFailure'), file).toHaveLength(1);
      const ordered = values(unit, 'Unit', 'After').flatMap((v) => v.split(/\s+/u)).filter((n) => n.startsWith('warehouse-'));
      for (const after of ordered) expect(rendered(after), `${file} After=${after}`).toBe(true);
    }
    const rollupAfter = values(units.get('warehouse-rollup.service')!, 'Unit', 'After').join(' ');
    for (const source of Object.keys(SOURCES)) expect(rollupAfter).toContain(`warehouse-collect@${source}.service`);
  });

  it('gives each collector exactly its own vendor\'s secrets, and the other services none', () => {
    const collect = units.get('warehouse-collect@.service')!;
    const secretKeys = Object.values(SOURCES).flatMap((s) => s.keys.secrets);
    for (const source of Object.values(SOURCES)) {
      const ids = values(collect, 'Service', 'LoadCredential').map((id) => specifiers(id, `warehouse-collect@${source.name}.service`, '/var/lib'));
      const secretIds = ids.filter((id) => secretKeys.some((key) => key.toLowerCase() === id));
      expect(secretIds.sort(), source.name).toEqual(source.keys.secrets.map((k) => k.toLowerCase()).sort());
      expect(ids.every((id) => !id.includes(':') && id.startsWith(`${source.name}_`)), source.name).toBe(true);
    }
    for (const file of ['warehouse-rollup.service', 'warehouse-retention.service', 'warehouse-notify@.service']) {
      expect(values(units.get(file)!, 'Service', 'LoadCredential'), file).toEqual([]);
    }
    // The dashboard: its own secrets (the token, its reader login), never a vendor's.
    const dashboardSecrets = Object.values(WAREHOUSE_KEY_TABLE)
      .filter((key) => 'secret' in key && key.secret && key.name.startsWith('WAREHOUSE_DASHBOARD_'))
      .map((key) => key.name.toLowerCase());
    expect(dashboardSecrets).toEqual(['warehouse_dashboard_token', 'warehouse_dashboard_database_url']);
    expect(values(units.get('warehouse-serve.service')!, 'Service', 'LoadCredential').sort()).toEqual(dashboardSecrets.sort());
  });

  it('--dry-run prints every file and writes nothing', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'sd-dry-'));
    const { code, out } = install(['--prefix', empty, '--dry-run']);
    expect(code).toBe(0);
    expect(readdirSync(empty)).toEqual([]);
    for (const file of files) expect(out).toContain(`would write ${path.join(empty, 'etc/systemd/system', file)}`);
    expect(out).toMatch(/OnCalendar=\*-\*-\* 00:30:00 Australia\/Sydney/u);
  });

  it('re-installing keeps the operator\'s config file and reports unchanged units', () => {
    const config = path.join(prefix, 'etc/warehouse/warehouse.env');
    const before = readFileSync(config, 'utf8');
    const { code, out } = install(['--prefix', prefix]);
    expect(code).toBe(0);
    expect(out).toMatch(/unchanged .*warehouse-rollup\.service/u);
    expect(out).not.toMatch(/warehouse\.env\n/u);
    expect(readFileSync(config, 'utf8')).toBe(before);
  });

  it('refuses a config path that unit files would mangle, and a bad time zone, with exit 2', () => {
    expect(install(['--prefix', prefix, '--dry-run', '--config', '/etc/ware house.env'])).toMatchObject({ code: 2 });
    const zone = install(['--prefix', prefix, '--dry-run', '--timezone', 'Mars/Olympus']);
    expect(zone.code).toBe(2);
    expect(zone.err).toMatch(/WAREHOUSE_TIMEZONE/u);
  });

  it('installs the collector secrets under the names config.ts reads from $CREDENTIALS_DIRECTORY', () => {
    for (const name of ['ninjaone_client_secret', 'threatlocker_api_token', 'pmp_password', 'pmp_client_secret', 'pmp_refresh_token']) {
      expect(firstOutput).toContain(name);
      expect(readFileSync(path.join(prefix, 'etc/warehouse/warehouse.env'), 'utf8')).toContain(name);
    }
    expect(existsSync(path.join(prefix, 'etc/credstore'))).toBe(true);
  });
});

describe('systemd install warns about paths the sandbox hides', () => {
  it('names a checkout under /tmp (PrivateTmp=yes) and under /home or /root (ProtectHome=yes)', () => {
    const warnings = hiddenPathWarnings([['the checkout', '/tmp/ci'], ['node', '/root/.nvm/node'], ['WAREHOUSE_HOME', '/srv/warehouse']]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/the checkout is at \/tmp\/ci, which PrivateTmp=yes hides/u);
    expect(warnings[1]).toMatch(/node is at \/root\/.nvm\/node, which ProtectHome=yes hides/u);
  });
});
