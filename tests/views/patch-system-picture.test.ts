/**
 * The per-system picture in bi.patch_compliance_device: given these device days, expect each risk
 * level, each contact status, the compliance percentage, and null with a reason where the data does
 * not decide; the thresholds are core.compliance_settings rows. Day D is 2026-05-20; its runs start
 * at 02:00 UTC, the instant contact ages are measured from. Also the vulnerability DB's freshness
 * from core.pmp_db_updates, which wins over the summary's copy when it was read.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { PatchFixtures, pmpSummary, type PatchRow } from './patch-fixtures.js';

const D = '2026-05-20';
const AS_OF = Date.parse(`${D}T02:00:00Z`);
const daysAgo = (n: number): string => new Date(AS_OF - n * 86_400_000).toISOString();

interface Kinds { missingDriver?: number | null; missingBios?: number | null; unrated?: number | null; installed?: [number | null, number | null, number | null, number | null]; total?: [number | null, number | null, number | null, number | null]; lastPatchedAt?: string | null }

let db: TestDatabase;
let pmp: number;
let ninja: number;

beforeAll(async () => {
  db = await testDatabase();
  const f = new PatchFixtures(db.sql);
  pmp = await f.instance('pmp');
  ninja = await f.instance('ninjaone');
  const acme = await f.site('Acme');
  await f.publish(pmp, D);
  await f.publish(ninja, D);
  const device = async (instanceId: number, vendorId: string, contact: string | null, patch: PatchRow | null, kinds: Kinds = {}, extras: Record<string, unknown> = {}) => {
    await f.device({ instanceId, siteId: acme, day: D, vendorId, lastContactAt: contact, patch });
    await db.sql`update core.device_days set extras = ${db.sql.json(extras as never)} where vendor_id = ${vendorId} and snapshot_day = ${D}`;
    if (patch === null) return;
    const [io, it3, id, ib] = kinds.installed ?? [null, null, null, null];
    const [to, tt, td, tb] = kinds.total ?? [null, null, null, null];
    await db.sql`
      update core.patch_status ps set missing_unrated = ${kinds.unrated === undefined ? 0 : kinds.unrated},
        missing_driver = ${kinds.missingDriver ?? null}, missing_bios = ${kinds.missingBios ?? null},
        installed_os = ${io}, installed_third_party = ${it3}, installed_driver = ${id}, installed_bios = ${ib},
        total_os = ${to}, total_third_party = ${tt}, total_driver = ${td}, total_bios = ${tb}, last_patched_at = ${kinds.lastPatchedAt ?? null}
      from core.devices d where d.device_id = ps.device_id and d.vendor_id = ${vendorId} and ps.snapshot_day = ${D}`;
  };
  const pmpExtras = { domain: 'ACME', agentInstalled: true, agentInstalledAt: '2025-01-02T03:04:05.000Z' };
  const zero = { critical: 0, important: 0, moderate: 0, low: 0 };
  // Risk levels, one device each; contact ages across the thresholds (7 and 30 days by default).
  await device(pmp, 'critical', daysAgo(1), { ...zero, critical: 2, important: 1, os: 3, thirdParty: 0 },
    { installed: [90, 7, 2, 1], total: [93, 7, 2, 1], lastPatchedAt: daysAgo(3) }, pmpExtras);
  await device(pmp, 'important', daysAgo(10), { ...zero, important: 3, os: 2, thirdParty: 1 }, { installed: [50, 10, null, null], total: [52, 11, null, null] }, pmpExtras);
  await device(pmp, 'moderate', daysAgo(40), { ...zero, moderate: 1, os: 1, thirdParty: 0 }, { installed: [10, 0, null, null], total: [11, 0, null, null] }, pmpExtras);
  await device(pmp, 'low', daysAgo(7), { ...zero, low: 1, os: 1, thirdParty: 0 }, { installed: [9, 0, null, null], total: [10, 0, null, null] }, pmpExtras);
  // PMP gives no unrated count: one missing OS patch beyond the rated ones is an unrated one.
  await device(pmp, 'unrated', daysAgo(30), { ...zero, os: 1, thirdParty: 0 }, { unrated: null, installed: [4, 0, null, null], total: [5, 0, null, null] },
    { ...pmpExtras, agentInstalled: false });
  await device(pmp, 'compliant', daysAgo(0.5), { ...zero, os: 0, thirdParty: 0 }, { unrated: null, installed: [20, 5, 0, 0], total: [20, 5, 0, 0], lastPatchedAt: daysAgo(2) }, pmpExtras);
  await device(pmp, 'nothing-applies', daysAgo(1), { ...zero, os: 0, thirdParty: 0 }, { unrated: null, installed: [0, 0, null, null], total: [0, 0, null, null] }, pmpExtras);
  // Unknowns: no critical count, no contact time, no patch status at all.
  await device(pmp, 'no-critical', null, { ...zero, critical: null, os: 2 }, { unrated: null }, {});
  await device(pmp, 'no-patch-row', daysAgo(2), null, {}, {});
  // NinjaOne: missing counts only; approval status and creation time as the vendor gives them.
  await device(ninja, 'ninja', daysAgo(1), { ...zero, os: 0 }, { unrated: 0 }, { approvalStatus: 'APPROVED', created: '2024-06-01T00:00:00.000Z' });
  await db.sql`update core.device_days set agent_version = '5.9.1' where vendor_id = 'ninja'`;

  // Freshness: the summary says 2 days old, dbupdatestatus (read later that run) says 9 days old.
  await f.summary(pmp, D, pmpSummary({ 'vulnerability_db_summary.last_db_update_time': AS_OF - 2 * 86_400_000 }), `${D}T02:00:00Z`);
  await db.sql`
    insert into core.pmp_db_updates (source_instance_id, snapshot_day, run_id, fetched_at, last_db_update_status, last_db_update_at, next_db_update_at, auto_update_disabled)
    values (${pmp}, ${D}, 0, ${`${D}T02:05:00Z`}, 'Failed', ${daysAgo(9)}, ${`${D}T22:00:00Z`}, true)`;
});
afterAll(async () => { await db.close(); });

interface Picture {
  vendor_id: string; risk_level: string | null; contact_status: string | null; days_since_contact: number | null;
  compliance_pct: number | null; applicable_patches: number | null; installed_patches: number | null;
  domain: string | null; agent_status: string | null; managed_status: string | null; date_added: string | null; last_patched_at: string | null;
  unknown_reasons: string[];
}

async function pictures(): Promise<Map<string, Picture>> {
  const rows = await db.sql<Picture[]>`
    select vendor_id, risk_level, contact_status, days_since_contact::float8 as days_since_contact, compliance_pct::float8 as compliance_pct,
      applicable_patches, installed_patches, domain, agent_status, managed_status,
      to_char(date_added at time zone 'UTC', 'YYYY-MM-DD') as date_added, last_patched_at::text as last_patched_at, unknown_reasons
    from bi.patch_compliance_device`;
  return new Map(rows.map((r) => [r.vendor_id, r]));
}

describe('bi.patch_compliance_device: the per-system picture', () => {
  it('gives each device the risk level of its worst missing severity, and null when a count it needs is unknown', async () => {
    const p = await pictures();
    const risk = Object.fromEntries([...p].map(([id, r]) => [id, r.risk_level]));
    expect(risk).toEqual({
      critical: 'critical', important: 'important', moderate: 'moderate', low: 'low', unrated: 'low', compliant: 'compliant',
      'nothing-applies': 'compliant', 'no-critical': null, 'no-patch-row': null, ninja: 'compliant',
    });
    expect(p.get('no-critical')!.unknown_reasons).toContain('risk_level: a missing-patch count it depends on is not reported');
  });

  it('says active, stale or inactive by the days since the last contact, and null without one', async () => {
    const p = await pictures();
    const contact = Object.fromEntries([...p].map(([id, r]) => [id, [r.contact_status, r.days_since_contact]]));
    expect(contact).toMatchObject({
      compliant: ['active', 0.5], critical: ['active', 1], low: ['active', 7], important: ['stale', 10], unrated: ['stale', 30],
      moderate: ['inactive', 40], 'no-critical': [null, null],
    });
    expect(p.get('no-critical')!.unknown_reasons).toContain('contact_status: no last agent contact time');
  });

  it('computes compliance as installed / applicable over the kinds the vendor gives, null when unknown or nothing applies', async () => {
    const p = await pictures();
    expect(p.get('critical')).toMatchObject({ applicable_patches: 103, installed_patches: 100, compliance_pct: 97.09 });
    expect(p.get('important')).toMatchObject({ applicable_patches: 63, installed_patches: 60, compliance_pct: 95.24 });
    expect(p.get('important')!.unknown_reasons.some((r) => r.startsWith('driver/BIOS: PMP gives none'))).toBe(true);
    expect(p.get('compliant')!.compliance_pct).toBe(100);
    expect(p.get('nothing-applies')).toMatchObject({ applicable_patches: 0, compliance_pct: null });
    expect(p.get('nothing-applies')!.unknown_reasons).toContain('compliance_pct: no applicable patches');
    expect(p.get('ninja')).toMatchObject({ applicable_patches: null, compliance_pct: null });
    expect(p.get('ninja')!.unknown_reasons).toContain('per-kind totals and installed counts: ninjaone reports missing patches only (its installed_count covers 30 days)');
  });

  it('shows domain, agent and managed status, date added and last patch date, with reasons where absent', async () => {
    const p = await pictures();
    expect(p.get('critical')).toMatchObject({ domain: 'ACME', agent_status: 'installed', managed_status: 'managed', date_added: '2025-01-02' });
    expect(p.get('critical')!.last_patched_at).toMatch(/^2026-05-17 /u);
    expect(p.get('unrated')!.agent_status).toBe('not_installed');
    expect(p.get('ninja')).toMatchObject({ domain: null, agent_status: 'installed', managed_status: 'managed', date_added: '2024-06-01', last_patched_at: null });
    expect(p.get('ninja')!.unknown_reasons).toEqual(expect.arrayContaining(['domain: ninjaone reports none', 'last_patched_at: ninjaone reports no last patch time']));
    expect(p.get('no-patch-row')).toMatchObject({ domain: null, agent_status: null, date_added: null });
    expect(p.get('compliant')!.unknown_reasons).toEqual([]);
  });

  it('reads its thresholds from core.compliance_settings', async () => {
    try {
      await db.sql`update core.compliance_settings set value = 14 where setting = 'contact_active_days'`;
      await db.sql`update core.compliance_settings set value = 3 where setting = 'risk_critical_min_missing'`;
      const p = await pictures();
      expect(p.get('important')!.contact_status).toBe('active');
      expect(p.get('critical')!.risk_level).toBe('important');
    } finally {
      await db.sql`update core.compliance_settings set value = 7 where setting = 'contact_active_days'`;
      await db.sql`update core.compliance_settings set value = 1 where setting = 'risk_critical_min_missing'`;
    }
  });
});

describe('the vulnerability DB freshness from /patch/dbupdatestatus', () => {
  it('takes the DB update time from dbupdatestatus over the summary, measured at its fetch', async () => {
    const [day] = await db.sql<{ vuln_db_basis: string; vuln_db_age_days: number; vuln_db_last_update_status: string; vuln_db_auto_update_disabled: boolean }[]>`
      select vuln_db_basis, vuln_db_age_days::float8 as vuln_db_age_days, vuln_db_last_update_status, vuln_db_auto_update_disabled
      from staging.pmp_summary_days where source_instance_id = ${pmp} and snapshot_day = ${D}`;
    expect(day).toEqual({ vuln_db_basis: 'dbupdatestatus', vuln_db_age_days: 9, vuln_db_last_update_status: 'Failed', vuln_db_auto_update_disabled: true });
  });

  it('fails the freshness rule on it, though the summary alone would pass', async () => {
    const rows = await db.sql<{ passed: boolean | null; value: number }[]>`
      select passed, value::float8 as value from bi.compliance_checks
      where rule_id = 'e8.vuln_db_fresh' and scope = 'estate' and source = 'pmp' and snapshot_day = ${D}`;
    expect(rows).toEqual([{ passed: false, value: 9 }]);
  });

  it('shows the dbupdatestatus fields in the summary trend next to the 27 summary metrics', async () => {
    const rows = await db.sql<{ metric_group: string; n: number }[]>`
      select metric_group, count(*)::int as n from bi.pmp_summary_trend where snapshot_day = ${D} group by 1 order by 1`;
    expect(rows.reduce((a, r) => a + (r.metric_group === 'dbupdatestatus' ? 0 : r.n), 0)).toBe(27);
    expect(rows.find((r) => r.metric_group === 'dbupdatestatus')?.n).toBe(4);
  });
});

describe('the README per-system queries', () => {
  /** The SQL block of README "The per-system picture", as an operator would paste it. */
  const readmeQueries = (): string[] => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('#### The per-system picture'));
    const block = /```sql\n([\s\S]*?)```/u.exec(section)![1]!;
    return block.split(/;\s*\n/u).map((q) => q.trim()).filter((q) => q.replace(/--.*$/gmu, '').trim() !== '');
  };

  it('runs every one of them unchanged', async () => {
    const queries = readmeQueries();
    expect(queries.length).toBe(6);
    for (const query of queries) await expect(db.sql.unsafe(query), query).resolves.toBeDefined();
    const [perRisk] = await db.sql.unsafe(queries[1]!);
    expect(perRisk).toMatchObject({ site: 'Acme', risk_level: 'critical' });
  });
});
