/**
 * Hostile names through the NinjaOne simulator (rewritten on the wire): quotes, semicolons, SQL,
 * control characters, unicode (RTL override, emoji, CJK) and 10 KB strings are stored verbatim and
 * harmless. And a client returning zero devices or half of yesterday, run through the CLI: refused
 * (exit 4) with a pino JSON line an alert can match on a stable field.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { startNinjaOneSimulator, type NinjaOneSimulator } from '../../collectors/ninjaone/simulator/index.js';
import { runCollect } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, jsonLines, scratchHome } from './helpers/cli.js';
import { startRewriteProxy, type Rewrite, type RewriteProxy } from './helpers/rewrite-proxy.js';

type Row = Record<string, unknown>;

/** 10 KB that does not compress (a compressible one would hide an index-size limit). */
const incompressible = (seed: string) => Array.from({ length: 160 }, (_, i) => createHash('sha512').update(`${seed}${i}`).digest('base64')).join('').slice(0, 10_240);
const HOSTILE = [
  `O'Brien "Quotes" & Sons; DROP TABLE core.sites; --`,
  `Robert'); delete from core.device_days where ('1' = '1`,
  `Ünïcødé 株式会社 🚀 Ελληνικά \u202Eevil.exe`,
  `back\\slash\ttab\nnew line\r\n%s %n {{7*7}} \${x} <script>`,
  incompressible('site'),
];
const HOSTILE_DEVICE = [...HOSTILE.slice(0, 4), incompressible('device')];

let db: TestDatabase;
let sim: NinjaOneSimulator;
let proxy: RewriteProxy;
const home = scratchHome();
const DAY = '2026-03-10';

beforeAll(async () => {
  db = await testDatabase();
  sim = await startNinjaOneSimulator({ devices: 60, seed: 41, date: '2026-03-01' });
  proxy = await startRewriteProxy(sim.url);
});
afterAll(async () => {
  await Promise.all([proxy?.close(), sim?.close()]);
  await db?.close();
});

/** Each organisation gets a hostile name, the locations the rest; device i gets hostile display name i. */
const hostile = (orgs: number): Rewrite => (path, body) => {
  if (!Array.isArray(body)) return undefined;
  const rename = (rows: Row[], names: string[]) => rows.map((r, i) => (i < names.length ? { ...r, name: names[i] } : r));
  if (path === '/v2/organizations') return rename(body as Row[], HOSTILE.slice(0, orgs));
  if (path === '/v2/locations') return rename(body as Row[], HOSTILE.slice(orgs));
  if (path === '/v2/devices-detailed') return (body as Row[]).map((d, i) => (i < HOSTILE_DEVICE.length ? { ...d, displayName: HOSTILE_DEVICE[i] } : d));
  return undefined;
};

describe('hostile site and device names', () => {
  let ids: { orgs: string[]; locations: string[]; devices: string[] };
  beforeAll(async () => {
    const truth = sim.truth();
    const orgs = Math.min(truth.organizations.length, HOSTILE.length);
    expect(truth.locations.length).toBeGreaterThanOrEqual(HOSTILE.length - orgs);
    ids = {
      orgs: truth.organizations.slice(0, orgs).map((o) => String(o.id)),
      locations: truth.locations.slice(0, HOSTILE.length - orgs).map((l) => String(l.id)),
      devices: truth.devices.slice(0, HOSTILE_DEVICE.length).map((d) => String(d.id)),
    };
    proxy.setRewrite(hostile(orgs));
    const result = await runCollect({ source: SOURCES.ninjaone, env: { ...sim.config, NINJAONE_BASE_URL: proxy.url, DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: DAY, today: DAY });
    proxy.setRewrite(undefined);
    expect(result.error?.message).toBeUndefined();
    expect(result.status).toBe('succeeded');
  }, 30_000);

  it('stores organisation and location names verbatim as aliases, and as sites with only whitespace collapsed', async () => {
    const aliases = await db.sql<{ kind: string; external_id: string; name: string; site: string | null }[]>`
      select a.kind, a.external_id, a.name, s.name as site from core.site_aliases a left join core.sites s on s.site_id = a.site_id`;
    const byId = new Map(aliases.map((a) => [`${a.kind}:${a.external_id}`, a]));
    ids.orgs.forEach((id, i) => {
      expect(byId.get(`organization:${id}`)?.name).toBe(HOSTILE[i]);
      expect(byId.get(`organization:${id}`)?.site).toBe((HOSTILE[i] as string).trim().replace(/\s+/gu, ' '));
    });
    ids.locations.forEach((id, i) => expect(byId.get(`location:${id}`)?.name).toBe(HOSTILE[ids.orgs.length + i]));
    expect(ids.orgs.length + ids.locations.length).toBe(HOSTILE.length);
  });

  it('stores device names verbatim and serves them unchanged through bi.devices_current', async () => {
    const rows = await db.sql<{ vendor_id: string; display_name: string }[]>`
      select vendor_id, display_name from bi.devices_current where vendor_id in ${db.sql(ids.devices)}`;
    const byId = new Map(rows.map((r) => [r.vendor_id, r.display_name]));
    ids.devices.forEach((id, i) => expect(byId.get(id)).toBe(HOSTILE_DEVICE[i]));
  });

  it('is harmless: every table and device is still there and the views still answer', async () => {
    const [counts] = await db.sql<{ devices: number; sites: number; current: number }[]>`
      select (select count(*)::int from core.device_days where snapshot_day = ${DAY}) as devices,
             (select count(*)::int from core.sites) as sites,
             (select count(*)::int from bi.devices_current) as current`;
    expect(counts).toEqual({ devices: 60, sites: expect.any(Number) as number, current: 60 });
    expect(counts?.sites).toBeGreaterThanOrEqual(ids.orgs.length);
    const health = await db.sql`select source, last_run_status from bi.collection_health`;
    expect(health).toEqual([expect.objectContaining({ source: 'ninjaone', last_run_status: 'succeeded' })]);
  });
});

describe('a client returning zero devices or half of yesterday (through the CLI)', () => {
  // A warehouse of its own whose yesterday is the whole fleet of 60.
  let own: TestDatabase;
  beforeAll(async () => {
    own = await testDatabase();
    const result = await runCollect({ source: SOURCES.ninjaone, env: { ...sim.config, DATABASE_URL: own.url, WAREHOUSE_TIMEZONE: 'UTC' }, date: DAY, today: DAY });
    expect(result.status, result.error?.message).toBe('succeeded');
  }, 30_000);
  afterAll(async () => { await own?.close(); });

  const collect = (day: string, rewrite: Rewrite) => {
    proxy.setRewrite(rewrite);
    return cli(['collect', 'ninjaone', '--date', day, '--accept-past-date'], { ...sim.config, NINJAONE_BASE_URL: proxy.url, DATABASE_URL: own.url, WAREHOUSE_HOME: home })
      .finally(() => proxy.setRewrite(undefined));
  };
  const devices = (keep: (d: Row) => boolean): Rewrite => (path, body) =>
    (path === '/v2/devices-detailed' && Array.isArray(body) ? (body as Row[]).filter(keep) : undefined);

  /** What an alert rule matches: level error, msg "run refused", error.code ERR_GATE_REFUSED. */
  function alertLine(out: string): Record<string, unknown> | undefined {
    return jsonLines(out).find((l) => (l.error as { code?: string } | undefined)?.code === 'ERR_GATE_REFUSED');
  }

  it.each([
    ['zero devices', '2026-03-11', devices(() => false), /the vendor listed zero devices/u],
    ['half of yesterday', '2026-03-12', devices((d) => Number(d.id) % 2 === 0), /device count fell from 60 to \d+ \(more than 10 %\)/u],
  ])('%s: refused with exit 4, nothing published, one JSON line an alert can match', async (_, day, rewrite, reason) => {
    const result = await collect(day, rewrite);
    expect(result.code, result.err).toBe(EXIT.gateRefused);
    expect(result.err).toMatch(/^warehouse: completeness gate refused to publish: /u);
    const line = alertLine(result.out);
    expect(line).toMatchObject({ level: 50, msg: 'run refused', source: 'ninjaone', snapshotDay: day, status: 'refused', exitCode: 4 });
    expect((line?.error as { message: string }).message).toMatch(reason);
    const [published] = await own.sql`select count(*)::int as n from core.device_days where snapshot_day = ${day}`;
    expect(published?.n).toBe(0);
  });
});
