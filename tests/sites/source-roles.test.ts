/**
 * The sources' roles are data (core.source_roles): the views that compare sources (coverage, sites,
 * the cross-vendor findings, patch compliance's sources) join it instead of naming vendors. So a
 * warehouse whose sites come from another source (WAREHOUSE_SITE_SOURCE=threatlocker) judges the
 * same estate exactly as one whose sites come from NinjaOne, and the findings' text follows the
 * table.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCollect } from '../../warehouse/run/runner.js';
import type { DeviceRow } from '../../collectors/shared/rows.js';
import type { SourceName } from '../../warehouse/run/source.js';
import { SOURCE_NAMES } from '../../warehouse/config-table.js';
import { refreshExceptions } from '../../warehouse/matching/exceptions.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { device, fixtureSource, org, type Snapshot } from './helpers.js';

const VIEWS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../views');
const DAY = '2025-10-01';

/** The SQL of a view file without its comments and `comment on` statements (whose text may name vendors). */
function viewSql(file: string): string {
  return readFileSync(path.join(VIEWS, file), 'utf8').split(/;\s*\n/u).filter((s) => !/^\s*(--[^\n]*\n\s*)*comment on/iu.test(s)).join(';\n')
    .replace(/--[^\n]*/gu, '');
}

const pc = (id: string, org: string, host: string, fields: Partial<DeviceRow> = {}) => device(id, org, { hostname: host, ...fields });
/** One estate as each vendor lists it: two clients, NinjaOne the RMM, ThreatLocker at both, PMP at one. */
const ESTATE: Record<SourceName, Snapshot> = {
  ninjaone: {
    aliases: [org('1', 'Acme Dental'), org('2', 'Beta Logistics')],
    devices: [
      pc('n1', '1', 'ACME-WS1'),
      pc('n2', '1', 'ACME-SRV', { deviceClass: 'server', vendorClass: 'WINDOWS_SERVER' }),
      pc('n3', '1', 'ACME-WS3', { locationName: 'Spare Stock' }),
      pc('n4', '2', 'BETA-WS1'),
      pc('n5', '2', 'BETA-WS2'),
    ],
  },
  threatlocker: {
    aliases: [org('tl-a', 'Acme Dental'), org('tl-b', 'Beta Logistics')],
    devices: [pc('t1', 'tl-a', 'ACME-WS1'), pc('t3', 'tl-a', 'ACME-WS3'), pc('t9', 'tl-a', 'ACME-GHOST'), pc('t4', 'tl-b', 'BETA-WS1')],
  },
  pmp: {
    aliases: [org('p-a', 'Acme Dental')],
    devices: [pc('p1', 'p-a', 'ACME-WS1'), pc('p2', 'p-a', 'ACME-SRV'), pc('p3', 'p-a', 'ACME-LAPTOP')],
  },
};

/** The estate published in one day, the site source first (the others map onto its sites). */
async function warehouseWithSites(db: TestDatabase, siteSource: SourceName): Promise<void> {
  for (const name of [siteSource, ...SOURCE_NAMES.filter((s) => s !== siteSource)]) {
    const source = Object.assign(fixtureSource(name), { snapshot: ESTATE[name] });
    const result = await runCollect({
      source, env: { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', WAREHOUSE_SITE_SOURCE: siteSource }, date: DAY, today: DAY,
    });
    expect(result.status, `${name} with sites from ${siteSource}: ${result.error?.message ?? ''}`).toBe('succeeded');
  }
  await refreshExceptions(db.sql);
}

/** What the views say, keyed by site name (site ids differ between the warehouses). */
async function picture(db: TestDatabase) {
  const coverage = await db.sql`select * from bi.coverage where not is_unmapped order by site`;
  const sites = await db.sql`select * from bi.sites where not is_unmapped order by site`;
  const findings = await db.sql`
    select s.name as site, e.kind, e.subject_name, e.detail, e.status
    from bi.exceptions as e inner join core.sites as s on s.site_id = e.site_id order by 1, 2, 3, 4`;
  const patches = await db.sql`select source, count(*)::int as devices from staging.patch_device_days group by source order by source`;
  // Ids and creation times differ between the two warehouses; everything else must not.
  const withoutIds = (rows: readonly Record<string, unknown>[]) => rows.map(({ site_id: _id, created_at: _at, ...rest }) => rest);
  return { coverage: withoutIds(coverage), sites: withoutIds(sites), findings, patches };
}

let byNinja: TestDatabase;
let byThreatLocker: TestDatabase;
beforeAll(async () => {
  [byNinja, byThreatLocker] = await Promise.all([testDatabase(), testDatabase()]);
  await warehouseWithSites(byNinja, 'ninjaone');
  await warehouseWithSites(byThreatLocker, 'threatlocker');
});
afterAll(async () => { await Promise.all([byNinja?.close(), byThreatLocker?.close()]); });

describe('source roles', () => {
  it('gives every source the collectors know a role, one source per role', async () => {
    const rows = await byNinja.sql<{ source: string; role: string; reports_patches: boolean }[]>`
      select source, role, reports_patches from core.source_roles order by source`;
    expect(rows.map((r) => r.source).sort()).toEqual([...SOURCE_NAMES].sort());
    expect(rows.map((r) => [r.source, r.role, r.reports_patches])).toEqual([
      ['ninjaone', 'rmm', true], ['pmp', 'patching', true], ['threatlocker', 'allowlisting', false],
    ]);
  });

  it('is what the views compare: none names the RMM, and the role views name no vendor', () => {
    const files = ['bi', 'staging'].flatMap((dir) => readdirSync(path.join(VIEWS, dir)).filter((f) => f.endsWith('.sql')).map((f) => `${dir}/${f}`));
    expect(files.filter((f) => /'ninjaone'/u.test(viewSql(f)))).toEqual([]);
    const roleViews = ['bi/coverage.sql', 'bi/sites.sql', 'staging/cross_vendor_scopes.sql', 'staging/device_matches.sql',
      'staging/cross_vendor_findings.sql', 'staging/patch_device_days.sql'];
    expect(roleViews.filter((f) => /'(ninjaone|threatlocker|pmp)'/u.test(viewSql(f)))).toEqual([]);
  });

  it('judges the same estate alike whichever source creates the sites', async () => {
    const [ninja, threatLocker] = await Promise.all([picture(byNinja), picture(byThreatLocker)]);
    // The sites really came from different sources.
    const siteSources = async (db: TestDatabase) => (await db.sql`
      select distinct si.source from core.site_aliases sa join ops.source_instances si using (source_instance_id)
      where sa.mapping_note like 'created the site%'`).map((r) => r.source as string);
    expect(await siteSources(byNinja)).toEqual(['ninjaone']);
    expect(await siteSources(byThreatLocker)).toEqual(['threatlocker']);
    expect(threatLocker).toEqual(ninja);
    // And the picture is the estate's: the RMM is NinjaOne in both.
    expect(ninja.coverage.map((c) => [c.site, c.ninjaone_devices, c.threatlocker_devices, c.pmp_devices, c.threatlocker_not_in_rmm, c.billable_without_threatlocker])).toEqual([
      ['Acme Dental', 3, 3, 3, 1, 1],
      ['Beta Logistics', 2, 1, 0, 0, 1],
    ]);
    expect(ninja.findings.map((f) => [f.site, f.kind, f.subject_name])).toEqual([
      ['Acme Dental', 'no_threatlocker', 'ACME-SRV'],
      ['Acme Dental', 'not_in_rmm', 'ACME-GHOST'],
      ['Acme Dental', 'not_in_rmm', 'ACME-LAPTOP'],
      ['Acme Dental', 'threatlocker_on_spare', 'ACME-WS3'],
      ['Beta Logistics', 'no_threatlocker', 'BETA-WS2'],
    ]);
    expect(ninja.patches).toEqual([{ source: 'ninjaone', devices: 5 }, { source: 'pmp', devices: 3 }]);
  });

  it('names each source in the findings as the table does', async () => {
    const detail = async () => (await byThreatLocker.sql<{ detail: string }[]>`
      select detail from staging.cross_vendor_findings where kind = 'not_in_rmm' and subject_name = 'ACME-GHOST'`).map((r) => r.detail);
    expect(await detail()).toEqual(['ThreatLocker device ACME-GHOST has no NinjaOne match by host name, serial or MAC']);
    await byThreatLocker.sql`update core.source_roles set vendor = 'Ninja RMM' where source = 'ninjaone'`;
    expect(await detail()).toEqual(['ThreatLocker device ACME-GHOST has no Ninja RMM match by host name, serial or MAC']);
    await byThreatLocker.sql`update core.source_roles set vendor = 'NinjaOne' where source = 'ninjaone'`;
  });
});
