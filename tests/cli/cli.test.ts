/** The CLI contract from the outside: exit codes and one-line hints that name the key and the fix. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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

describe('warehouse CLI: version, help and typos', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(cli(['--version'])).toMatchObject({ code: 0, out: `${version}\n` });
  });

  it('help <verb> prints what <verb> --help prints', () => {
    const viaHelp = cli(['help', 'export']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.out).toBe(cli(['export', '--help']).out);
  });

  it.each([['staus', 'status'], ['colect', 'collect'], ['exc', 'exceptions']])('an unknown verb "%s" suggests %s', (typed, meant) => {
    const { code, err } = cli([typed]);
    expect(code).toBe(2);
    expect(err).toContain(`Did you mean \`warehouse ${meant}\`?`);
  });

  it('help for an unknown verb exits 2 with the suggestion', () => {
    const { code, err } = cli(['help', 'rolup']);
    expect(code).toBe(2);
    expect(err).toContain('`warehouse rollup`');
  });

  it('an unknown option names itself and the option meant, before any configuration is read', () => {
    const { code, err } = cli(['collect', 'ninjaone', '--dat', '2026-01-01']);
    expect(code).toBe(2);
    expect(err).toMatch(/collect: unknown option --dat\n→ Did you mean --date\?/u);
    expect(err.trim().split('\n')).toHaveLength(2);
  });

  it('every verb of the listing loads, with the summary the listing shows', async () => {
    const { VERBS } = await import('../../bin/verbs.js');
    for (const entry of Object.values(VERBS)) expect((await entry.load()).summary).toBe(entry.summary);
  });
});
