/**
 * Site unification with realistic messy names: automatic matches only when the normalised name
 * names exactly one site; everything else unmapped and reported; manual mappings (file and CLI)
 * win and re-attribute open months only; renames keep their site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishAliases } from '../../warehouse/load/aliases.js';
import { ConfigError, UsageError } from '../../warehouse/errors.js';
import { mapAliasManually } from '../../warehouse/sites/manage.js';
import { parseSiteMap } from '../../warehouse/sites/site-map.js';
import type { AliasRow } from '../../collectors/shared/rows.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { device, fixtureSource, org, publishDay, type Snapshot } from './helpers.js';
import { inOrder } from '../helpers/in-order.js';

const ninja = fixtureSource('ninjaone');
const tl = fixtureSource('threatlocker');
const pmp = fixtureSource('pmp');

const NINJA_ORGS = [
  org('1', 'Harbour Dental Pty Ltd'), org('2', 'Smith & Jones LLC'), org('3', 'Smith and Jones L.L.C.'),
  org('4', 'Bluegum Intl'), org('5', 'Riverside Medical Centre  '), org('6', "O'Brien Legal"), org('7', 'Acme'),
];
const TL_ORGS = [
  org('t1', 'HARBOUR DENTAL'), org('t2', 'Smith & Jones'), org('t3', 'Bluegum International'),
  org('t4', 'Riverside Medical Centre, Inc.'), org('t5', 'OBrien Legal Ltd'), org('t6', 'Northside Motors'),
  org('t7', 'Acme LLC'), org('t8', 'ACME L.L.C.'),
];
const PMP_ORGS = [org('11', 'harbour dental pty. ltd.', 'customer'), org('12', 'Smith and Jones', 'customer'), org('13', 'Riverside Medical Centre', 'customer')];

/** One device per organisation, named after it. */
const fleet = (orgs: AliasRow[], prefix: string): Snapshot => ({
  aliases: orgs, devices: orgs.map((o) => device(`${prefix}-${o.externalId}`, o.externalId, { hostname: `${prefix}-${o.externalId}` })),
});

let db: TestDatabase;
beforeAll(async () => { db = await testDatabase(); });
afterAll(async () => { await db.close(); });

const mapping = async () => Object.fromEntries((await db.sql<{ key: string; site: string | null; mapping: string }[]>`
  select si.source || ' ' || sa.external_id as key, s.name as site, sa.mapping
  from core.site_aliases sa join ops.source_instances si using (source_instance_id) left join core.sites s using (site_id)
  where sa.parent_external_id is null order by 1`).map((r) => [r.key, r.site === null ? null : `${r.site} (${r.mapping})`]));

const deviceSites = async (day: string) => Object.fromEntries((await db.sql<{ vendor_id: string; site: string }[]>`
  select dd.vendor_id, s.name as site from core.device_days dd join core.sites s using (site_id)
  where dd.snapshot_day = ${day} order by 1`).map((r) => [r.vendor_id, r.site]));

inOrder('site unification: automatic matching, then manual mappings', () => {
  describe('automatic matching of messy names', () => {
    it('maps only unambiguous normalised matches and reports every other alias', async () => {
      await publishDay(db, ninja, '2025-06-30', fleet(NINJA_ORGS, 'n'));
      await publishDay(db, tl, '2025-06-30', fleet(TL_ORGS, 'tl'));
      await publishDay(db, pmp, '2025-06-30', fleet(PMP_ORGS, 'pmp'));
      expect(await mapping()).toEqual({
        'ninjaone 1': 'Harbour Dental Pty Ltd (auto)',
        'ninjaone 2': 'Smith & Jones LLC (auto)',
        // Two RMM organisations that normalise alike are two clients: each gets its own site.
        'ninjaone 3': 'Smith and Jones L.L.C. (auto)',
        'ninjaone 4': 'Bluegum Intl (auto)',
        'ninjaone 5': 'Riverside Medical Centre (auto)',
        'ninjaone 6': "O'Brien Legal (auto)",
        'ninjaone 7': 'Acme (auto)',
        'pmp 11': 'Harbour Dental Pty Ltd (auto)',
        'pmp 12': null,
        'pmp 13': 'Riverside Medical Centre (auto)',
        'threatlocker t1': 'Harbour Dental Pty Ltd (auto)',
        'threatlocker t2': null,
        'threatlocker t3': null,
        'threatlocker t4': 'Riverside Medical Centre (auto)',
        'threatlocker t5': "O'Brien Legal (auto)",
        'threatlocker t6': null,
        'threatlocker t7': null,
        'threatlocker t8': null,
      });
      const unmapped = await db.sql<{ source: string; external_id: string; reason: string; candidate_sites: string[]; devices: number; is_current: boolean }[]>`
        select source, external_id, reason, candidate_sites, devices, is_current from bi.unmapped_aliases order by source, external_id`;
      expect(unmapped.map((u) => [u.source, u.external_id, u.devices, u.is_current])).toEqual([
        ['pmp', '12', 1, true], ['threatlocker', 't2', 1, true], ['threatlocker', 't3', 1, true],
        ['threatlocker', 't6', 1, true], ['threatlocker', 't7', 1, true], ['threatlocker', 't8', 1, true],
      ]);
      const reason = Object.fromEntries(unmapped.map((u) => [u.external_id, u.reason]));
      expect(reason.t2).toBe('ambiguous: 2 sites match "smith and jones" ("Smith & Jones LLC", "Smith and Jones L.L.C.")');
      expect(reason['12']).toMatch(/^ambiguous: 2 sites/u);
      expect(reason.t3).toBe('no site matches "bluegum international"');
      expect(reason.t7).toBe('2 threatlocker organisations normalise to "acme": map them by hand');
      expect(unmapped.find((u) => u.external_id === 't2')?.candidate_sites).toEqual(['Smith & Jones LLC', 'Smith and Jones L.L.C.']);
    });

    it('counts devices of unmapped aliases under the explicit unmapped site, so totals add up', async () => {
      const sites = await deviceSites('2025-06-30');
      expect(sites['tl-t2']).toBe('(unmapped)');
      expect(sites['tl-t1']).toBe('Harbour Dental Pty Ltd');
      const [totals] = await db.sql<{ tl: number; pmp: number; ninja: number }[]>`
        select sum(threatlocker_devices)::int as tl, sum(pmp_devices)::int as pmp, sum(ninjaone_devices)::int as ninja from bi.sites`;
      expect(totals).toEqual({ tl: TL_ORGS.length, pmp: PMP_ORGS.length, ninja: NINJA_ORGS.length });
    });

    it('a renamed organisation keeps its site, and a new RMM organisation lets a waiting alias match', async () => {
      const renamed = NINJA_ORGS.map((o) => (o.externalId === '1' ? org('1', 'Harbour Dental Group Holdings') : o));
      await publishDay(db, ninja, '2025-07-01', fleet([...renamed, org('8', 'Northside Motors Pty Ltd')], 'n'));
      const tlRenamed = TL_ORGS.map((o) => (o.externalId === 't5' ? org('t5', "O'Brien Lawyers") : o));
      await publishDay(db, tl, '2025-07-01', fleet(tlRenamed, 'tl'));
      const now = await mapping();
      expect(now['ninjaone 1']).toBe('Harbour Dental Pty Ltd (auto)');
      expect(now['threatlocker t5']).toBe("O'Brien Legal (auto)");
      expect(now['ninjaone 8']).toBe('Northside Motors Pty Ltd (auto)');
      expect(now['threatlocker t6']).toBe('Northside Motors Pty Ltd (auto)');
      expect((await deviceSites('2025-07-01'))['n-1']).toBe('Harbour Dental Pty Ltd');
      // The day published while t6 was unmapped moved with it (June is not closed).
      expect((await deviceSites('2025-06-30'))['tl-t6']).toBe('Northside Motors Pty Ltd');
    });
  });

  describe('manual mappings', () => {
    const day3 = '2025-07-02';
    const tlInstance = async () => (await db.sql<{ id: number }[]>`select source_instance_id as id from ops.source_instances where source = 'threatlocker'`)[0]?.id as number;

    it('the mapping file wins over automatic matches and re-attributes open months only', async () => {
      await publishDay(db, tl, day3, fleet(TL_ORGS, 'tl'));
      await db.sql`insert into ops.billing_months (month, closed_by) values ('2025-06-01', 'test')`;
      const siteMap = parseSiteMap([
        'threatlocker,T2,Smith & Jones LLC',
        'threatlocker,t1,Harbour Dental Group',
        'threatlocker,t99,Not Listed Yet',
        'pmp,12,Smith and Jones L.L.C.',
      ].join('\n'), 'sites.csv');
      const result = await db.sql.begin(async (tx) => publishAliases({
        tx, sourceInstanceId: await tlInstance(), snapshotDay: day3, aliases: TL_ORGS, createsSites: false, siteMap,
      }));
      expect(result.manual).toBe(2);
      expect(result.reattributedDeviceDays).toBe(4); // t2 and t1 on July 1st and 2nd
      const now = await mapping();
      expect(now['threatlocker t2']).toBe('Smith & Jones LLC (manual)');
      expect(now['threatlocker t1']).toBe('Harbour Dental Group (manual)');
      expect(now['pmp 12']).toBeNull(); // another source's entry waits for that source's run
      const [note] = await db.sql`select mapping_note from core.site_aliases where external_id = 't1'`;
      expect(note?.mapping_note).toBe('mapping file sites.csv line 2');
      for (const day of ['2025-07-01', day3]) {
        expect((await deviceSites(day))['tl-t2']).toBe('Smith & Jones LLC');
        expect((await deviceSites(day))['tl-t1']).toBe('Harbour Dental Group');
      }
      // June is closed: it keeps what was invoiced.
      expect((await deviceSites('2025-06-30'))['tl-t2']).toBe('(unmapped)');
      expect((await deviceSites('2025-06-30'))['tl-t1']).toBe('Harbour Dental Pty Ltd');
    });

    it('manual mappings persist when a later run no longer lists them in the file', async () => {
      await db.sql.begin(async (tx) => publishAliases({ tx, sourceInstanceId: await tlInstance(), snapshotDay: day3, aliases: TL_ORGS, createsSites: false }));
      expect((await mapping())['threatlocker t1']).toBe('Harbour Dental Group (manual)');
    });

    it('sites map maps by hand, refuses to contradict the file, and names near misses', async () => {
      const siteMap = parseSiteMap('threatlocker,t2,Smith & Jones LLC\n', 'sites.csv');
      await expect(mapAliasManually(db.sql, { source: 'threatlocker', externalId: 't2', site: 'Acme', create: false, siteMap }))
        .rejects.toThrow(ConfigError);
      await expect(mapAliasManually(db.sql, { source: 'threatlocker', externalId: 't3', site: 'bluegum intl.', create: false, siteMap: [] }))
        .rejects.toThrow(/no site is named "bluegum intl."/u);
      const missing = await mapAliasManually(db.sql, { source: 'threatlocker', externalId: 't3', site: 'Bluegum Int', create: false, siteMap: [] }).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(UsageError);
      const done = await mapAliasManually(db.sql, { source: 'threatlocker', externalId: 't3', site: 'bluegum intl', create: false, siteMap: [] });
      expect(done).toMatchObject({ aliasName: 'Bluegum International', site: 'Bluegum Intl', previousSite: null, siteCreated: false });
      expect(done.reattribution?.deviceDays).toBe(2);
      expect(done.reattribution?.closedMonthsKept).toEqual(['2025-06']);
      const created = await mapAliasManually(db.sql, { source: 'threatlocker', externalId: 't7', site: 'Acme Holdings', create: true, siteMap: [] });
      expect(created).toMatchObject({ site: 'Acme Holdings', siteCreated: true });
      await expect(mapAliasManually(db.sql, { source: 'threatlocker', externalId: 'nope', site: 'Acme', create: false, siteMap: [] }))
        .rejects.toThrow(/threatlocker has no organisation with id nope/u);
      expect((await mapping())['threatlocker t3']).toBe('Bluegum Intl (manual)');
    });
  });
});
