/** The CLI contract from the outside: exit codes and one-line hints that name the key and the fix. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv } from '../helpers/env.js';

const home = mkdtempSync(path.join(tmpdir(), 'warehouse-cli-'));

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = cleanEnv();
  const result = spawnSync(process.execPath, ['bin/warehouse.js', ...args], {
    env: { ...clean, WAREHOUSE_HOME: home, ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('warehouse CLI', () => {
  it.each(['migrate', 'collect', 'nightly', 'rollup', 'retention', 'billing', 'sites', 'exceptions', 'export', 'systemd', 'status', 'simulate', 'demo', 'db'])(
    '%s --help exits 0 and shows usage', (verb) => {
      const { code, out } = cli([verb, '--help']);
      expect(code).toBe(0);
      expect(out).toMatch(/usage: warehouse/u);
    });

  it('an unknown verb exits 2', () => {
    const { code, err } = cli(['frobnicate']);
    expect(code).toBe(2);
    expect(err).toMatch(/unknown verb "frobnicate"/u);
  });

  it('a malformed DATABASE_URL exits 2 naming the key', () => {
    const { code, err } = cli(['migrate'], { DATABASE_URL: 'not a url' });
    expect(code).toBe(2);
    expect(err).toMatch(/DATABASE_URL: is not a valid URL/u);
    expect(err.trim().split('\n')).toHaveLength(2);
  });

  it('an unknown source exits 2 naming the choices', () => {
    const { code, err } = cli(['collect', 'kaseya'], { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' });
    expect(code).toBe(2);
    expect(err).toMatch(/unknown source "kaseya"[\s\S]*ninjaone, threatlocker, pmp/u);
  });

  it('an invalid time zone exits 2 naming WAREHOUSE_TIMEZONE', () => {
    const { code, err } = cli(['collect', 'ninjaone'], { WAREHOUSE_TIMEZONE: 'Mars/Olympus_Mons' });
    expect(code).toBe(2);
    expect(err).toMatch(/WAREHOUSE_TIMEZONE: "Mars\/Olympus_Mons" is not an IANA time zone/u);
  });

  it.each([
    ['ninjaone', { NINJAONE_CLIENT_ID: 'id-only' }, /NINJAONE_CLIENT_SECRET/u],
    ['threatlocker', { THREATLOCKER_API_TOKEN: 'token-only-xyz' }, /THREATLOCKER_/u],
    ['pmp', { PMP_BASE_URL: 'https://pmp.example:8383' }, /PMP_/u],
  ])('a half-configured %s exits 2 naming the missing key', (source, env, key) => {
    const { code, err } = cli(['collect', source], { DATABASE_URL: 'postgres://u@127.0.0.1:1/db', ...env });
    expect(code).toBe(2);
    expect(err).toMatch(key);
  });

  it('a source with no configuration at all exits 2 saying what to set', () => {
    const { code, err } = cli(['collect', 'ninjaone'], { DATABASE_URL: 'postgres://u@127.0.0.1:1/db' });
    expect(code).toBe(2);
    expect(err).toMatch(/ninjaone is not configured/u);
  });

  it('an unreachable database exits 8', () => {
    const { code, err } = cli(['migrate'], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' });
    expect(code).toBe(8);
    expect(err).toMatch(/database unavailable/u);
    expect(err).not.toMatch(/u:p@/u);
  });

  it('a bad --date exits 2', () => {
    const { code, err } = cli(['collect', 'ninjaone', '--date', '2026-02-30'], { NINJAONE_CLIENT_ID: 'a', NINJAONE_CLIENT_SECRET: 'secret-b', NINJAONE_BASE_URL: 'http://127.0.0.1:1' });
    expect(code).toBe(2);
    expect(err).toMatch(/--date 2026-02-30/u);
  });
});
