/**
 * Canary secrets in every auth path (NinjaOne client secret, ThreatLocker API token, PMP on-premises
 * password, PMP cloud client secret and refresh token, the DATABASE_URL password) never appear in
 * logs (stdout and stderr of CLI runs, failing ones included), errors, the database (every text-like
 * column of every table) or process titles (ps while a run is going on).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { startPmpSimulator, type PmpSimulator } from '../../collectors/pmp/simulator/index.js';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../collectors/threatlocker/simulator/index.js';
import postgres from 'postgres';
import { adminUrl, testDatabase, type TestDatabase } from '../helpers/db.js';
import { scratchHome, startCli, type CliResult } from './helpers/cli.js';
import { until } from './helpers/published.js';

// Every canary shares a prefix, so one search finds any of them; each is long and random.
const PREFIX = `cnry${randomBytes(4).toString('hex')}`;
const canary = (what: string) => `${PREFIX}-${what}-${randomBytes(8).toString('hex')}`;
const C = {
  ninjaSecret: canary('ninja'), tlToken: canary('tl'), pmpPassword: canary('pmp-pw'), pmpWrongPassword: canary('pmp-wrong'),
  pmpClientSecret: canary('pmp-cs'), pmpRefresh: canary('pmp-rt'), pmpWrongRefresh: canary('pmp-rt-wrong'),
  dbPassword: canary('db'), dbWrongPassword: canary('db-wrong'),
};
/** Every form a secret could leak in: as is, base64 (PMP's login encodes the password), URL-encoded. */
const FORMS = Object.values(C).flatMap((s) => [s, Buffer.from(s).toString('base64'), encodeURIComponent(s)]);
const leaks = (text: string) => FORMS.filter((f) => text.includes(f)).concat(text.includes(PREFIX) ? [`${PREFIX}…`] : []);

const home = scratchHome();
const role = `canary_${randomBytes(4).toString('hex')}`;
let db: TestDatabase;
let dbUrl: string;
let ninja: NinjaOneSimulator;
let tl: ThreatLockerSimulator;
let pmp: PmpSimulator;
const runs: Array<{ name: string; result: CliResult }> = [];
const titles: string[] = [];

function withPassword(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

/** Run the CLI; while it runs, record its process title and what PostgreSQL shows of its sessions. */
async function collect(name: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  const { child, done } = startCli(args, { WAREHOUSE_HOME: home, ...env });
  const watch = (async () => {
    try {
      await until(async () => {
        if (child.exitCode !== null || child.pid === undefined) return true;
        titles.push(execFileSync('ps', ['-o', 'args=', '-p', String(child.pid)], { encoding: 'utf8' }));
        titles.push(readFileSync(`/proc/${child.pid}/cmdline`, 'utf8'));
        const sessions = await db.sql<{ a: string }[]>`select concat_ws(' ', application_name, query) as a from pg_stat_activity where datname = current_database()`;
        titles.push(...sessions.map((s) => s.a));
        return false;
      }, name, 60_000);
    } catch {
      // the process ended between two looks
    }
  })();
  const result = await done;
  await watch;
  runs.push({ name, result });
  return result;
}

beforeAll(async () => {
  db = await testDatabase();
  const [me] = await db.sql<{ u: string }[]>`select current_user as u`;
  await db.sql.unsafe(`create role ${role} login password '${C.dbPassword}' in role ${me?.u as string}`);
  dbUrl = withPassword(db.url, role, C.dbPassword);
  ninja = await startNinjaOneSimulator({ devices: 60, seed: 31, date: '2026-03-01' });
  tl = await startThreatLockerSimulator({ devices: 60, seed: 31, date: '2026-03-01' });
  pmp = await startPmpSimulator({ devices: 60, seed: 31, date: '2026-03-01', credentials: { password: C.pmpPassword, clientSecret: C.pmpClientSecret, refreshToken: C.pmpRefresh } });
  const credentials = path.join(home, 'credentials');
  mkdirSync(credentials);
  writeFileSync(path.join(credentials, 'threatlocker_api_token'), `${C.tlToken}\n`);

  const ninjaEnv = { ...ninja.config, NINJAONE_CLIENT_SECRET: C.ninjaSecret, NINJAONE_PAGE_SIZE: '10', DATABASE_URL: dbUrl };
  const tlEnv = { ...tl.config, THREATLOCKER_API_TOKEN: '', CREDENTIALS_DIRECTORY: credentials, DATABASE_URL: dbUrl };
  const pmpEnv = { ...pmp.config, PMP_PASSWORD: C.pmpPassword, DATABASE_URL: dbUrl };
  const cloudEnv = { ...pmp.cloudConfig, PMP_CLIENT_SECRET: C.pmpClientSecret, PMP_REFRESH_TOKEN: C.pmpRefresh, PMP_DOMAIN: '', DATABASE_URL: dbUrl };
  delete (cloudEnv as Record<string, string>).PMP_PASSWORD;
  await Promise.all([
    (async () => {
      ninja.setFaults({ latencyMs: 60 }); // long enough to look at the running process
      await collect('ninjaone', ['collect', 'ninjaone', '--date', '2026-03-01', '--accept-past-date'], ninjaEnv);
      ninja.setFaults({ rejectCredentials: true });
      await collect('ninjaone refused', ['collect', 'ninjaone', '--date', '2026-03-02', '--accept-past-date'], ninjaEnv);
    })(),
    (async () => {
      await collect('threatlocker', ['collect', 'threatlocker', '--date', '2026-03-01', '--accept-past-date'], tlEnv);
      tl.setFaults({ badToken: true });
      await collect('threatlocker refused', ['collect', 'threatlocker', '--date', '2026-03-02', '--accept-past-date'], tlEnv);
    })(),
    (async () => {
      await collect('pmp onprem', ['collect', 'pmp', '--date', '2026-03-01', '--accept-past-date'], pmpEnv);
      await collect('pmp onprem refused', ['collect', 'pmp', '--date', '2026-03-02', '--accept-past-date'], { ...pmpEnv, PMP_PASSWORD: C.pmpWrongPassword });
      await collect('pmp cloud', ['collect', 'pmp', '--date', '2026-03-03', '--accept-past-date'], cloudEnv);
      await collect('pmp cloud refused', ['collect', 'pmp', '--date', '2026-03-04', '--accept-past-date'], { ...cloudEnv, PMP_REFRESH_TOKEN: C.pmpWrongRefresh });
      await collect('database refused', ['collect', 'pmp', '--date', '2026-03-05', '--accept-past-date'], { ...pmpEnv, DATABASE_URL: withPassword(db.url, role, C.dbWrongPassword) });
    })(),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([ninja?.close(), tl?.close(), pmp?.close()]);
  await db?.close();
  // The database (and what the role created in it) is gone; the role is cluster-wide.
  const admin = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop role if exists ${role}`).catch(() => {});
  await admin.end();
});

describe('canary secrets', () => {
  it('every auth path was used, and the refused ones failed as they should', () => {
    expect(runs.map((r) => [r.name, r.result.code])).toEqual(expect.arrayContaining([
      ['ninjaone', 0], ['ninjaone refused', 6], ['threatlocker', 0], ['threatlocker refused', 6],
      ['pmp onprem', 0], ['pmp onprem refused', 6], ['pmp cloud', 0], ['pmp cloud refused', 6], ['database refused', 8],
    ]));
  });

  it('never appear in stdout or stderr, logs or error lines', () => {
    const found = runs.flatMap(({ name, result }) => leaks(result.out + result.err).map((leak) => `${name}: ${leak}`));
    expect(found).toEqual([]);
    // The logs were there to search: JSON lines on stdout, one summary per run.
    expect(runs.find((r) => r.name === 'ninjaone')?.result.out).toMatch(/"msg":"run succeeded"/u);
  });

  it('never appear in process titles or in what PostgreSQL shows of the sessions', () => {
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.flatMap(leaks)).toEqual([]);
  });

  it('never appear in any text, json or array column of any table', async () => {
    const columns = await db.sql<{ s: string; t: string; c: string }[]>`
      select c.table_schema as s, c.table_name as t, c.column_name as c
      from information_schema.columns c join information_schema.tables t using (table_schema, table_name)
      where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')
        and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED'))`;
    expect(columns.length).toBeGreaterThan(20);
    const patterns = FORMS.map((f) => `%${f}%`).concat(`%${PREFIX}%`);
    // The search itself finds a planted canary (so an empty result means something).
    const [control] = await db.sql.unsafe<{ hit: boolean }[]>(`select $2::jsonb::text like any ($1) as hit`, [patterns as never, JSON.stringify({ e: `x ${C.pmpRefresh} y` })]);
    expect(control?.hit).toBe(true);
    const found: string[] = [];
    for (const { s, t, c } of columns) {
      const [row] = await db.sql.unsafe<{ n: number }[]>(
        `select count(*)::int as n from "${s}"."${t}" where "${c}"::text like any ($1)`, [patterns as never]);
      if ((row?.n ?? 0) > 0) found.push(`${s}.${t}.${c}`);
    }
    expect(found).toEqual([]);
    // And the runs did write there (errors included).
    const [stored] = await db.sql<{ runs: number; errors: number }[]>`
      select count(*)::int as runs, count(error_message)::int as errors from ops.sync_runs`;
    expect(stored?.runs).toBeGreaterThanOrEqual(8);
    expect(stored?.errors).toBeGreaterThanOrEqual(4);
  });
});
