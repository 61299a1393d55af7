/**
 * Cross-vendor device matching, given these rows: host name (lower case, domain stripped, the
 * ThreatLocker "HOST | user" suffix removed, NetBIOS truncation understood) within a site, then a
 * serial, then a MAC that exactly one RMM device carries; the rule recorded; duplicates reported,
 * never merged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { device, fixtureSource, org, publishDay } from './helpers.js';

const DAY = '2025-09-01';
const ORGS = [org('A', 'Alpha Dental'), org('B', 'Beta Legal')];

const NINJA = [
  device('n1', 'A', { hostname: 'ALPHA-WS-01', fqdn: 'ALPHA-WS-01.alpha.local', serialNumber: 'SN1', macAddresses: ['AA:00:00:00:00:01'] }),
  // Windows agents keep 15 characters; the DNS name keeps the whole name.
  device('n2', 'A', { hostname: 'ALPHA-VM-BACKUP', fqdn: 'ALPHA-VM-BACKUP01.alpha.local' }),
  device('n3', 'A', { hostname: 'RECEPTION-PC', serialNumber: 'SN3' }),
  device('n4', 'B', { hostname: 'RECEPTION-PC', serialNumber: 'SN4' }),
  device('n5', 'A', { hostname: 'DUP-PC', serialNumber: 'SN5A' }),
  device('n6', 'A', { hostname: 'DUP-PC', serialNumber: 'SN5B' }),
  device('n7', 'A', { serialNumber: 'SN7', macAddresses: ['AA:00:00:00:00:07'] }),
  device('n8', 'A', { hostname: 'ALPHA-MAC-01', macAddresses: ['AA:00:00:00:00:08', '02:00:4C:4F:4F:50'] }),
  device('n9', 'B', { hostname: 'BETA-LT-01', serialNumber: 'SNB9' }),
  device('n10', 'A', { hostname: 'SHARED-MAC-1', macAddresses: ['02:00:4C:4F:4F:50'] }),
  // Agentless VM guests: whole names, no serial.
  device('n11', 'A', { hostname: 'ALPHA-VM-PRINT11', ipAddresses: ['10.0.0.11'] }),
  device('n12', 'A', { hostname: 'ALPHA-VM-PRINT15', ipAddresses: ['10.0.0.15'] }),
  device('n13', 'A', { hostname: 'ALPHA-TRAINING-PC-43', ipAddresses: ['10.0.0.43'] }),
];
const THREATLOCKER = [
  device('t1', 'A', { hostname: 'ALPHA-WS-01', displayName: 'ALPHA-WS-01 | Jane Doe' }),
  device('t2', 'A', { displayName: 'alpha-vm-backup | svc_backup' }),
  device('t3', 'A', { hostname: 'RECEPTION-PC' }),
  device('t4', 'A', { hostname: 'DUP-PC', serialNumber: 'sn5b' }),
  device('t5', 'A', { hostname: 'DUP-PC' }),
  device('t6', 'A', { hostname: 'BETA-LT-01', serialNumber: 'SNB9' }),
  device('t7', 'A', { hostname: 'GHOST-PC', serialNumber: 'NOPE' }),
  // A second ThreatLocker record of n1 (re-installed agent), known by its serial.
  device('t8', 'A', { hostname: 'alpha-ws-01.alpha.local ', serialNumber: 'sn1' }),
  // NetBIOS names fitting two RMM devices: the current IP address decides.
  device('t9', 'A', { hostname: 'ALPHA-VM-PRINT1', ipAddresses: ['10.0.0.15'] }),
  // Two truncated names claim n13; only its IP address says which one it is.
  device('t10', 'A', { hostname: 'ALPHA-TRAINING-', ipAddresses: ['10.0.0.43'] }),
  device('t11', 'A', { hostname: 'ALPHA-TRAINING-', ipAddresses: ['10.0.0.55'] }),
];
const PMP = [
  device('p1', 'A', { hostname: 'ALPHA-VM-BACKUP01' }),
  device('p2', 'A', { hostname: 'UNKNOWN-NAME', macAddresses: ['aa:00:00:00:00:07'] }),
  device('p3', 'A', { hostname: 'ALPHA-MAC-02', macAddresses: ['02:00:4C:4F:4F:50'] }),
  device('p4', 'B', { hostname: 'RECEPTION-PC' }),
  device('p5', 'A', { hostname: '10.0.0.5' }),
];

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
  await publishDay(db, fixtureSource('ninjaone'), DAY, { aliases: ORGS, devices: NINJA });
  await publishDay(db, fixtureSource('threatlocker'), DAY, { aliases: ORGS, devices: THREATLOCKER });
  await publishDay(db, fixtureSource('pmp'), DAY, { aliases: ORGS, devices: PMP });
});
afterAll(async () => { await db.close(); });

describe('cross-vendor device matching', () => {
  it('matches each device to the RMM device it is, recording the rule', async () => {
    const rows = await db.sql<{ vendor_id: string; rmm_vendor_id: string | null; match_rule: string | null; ambiguity: string | null }[]>`
      select vendor_id, rmm_vendor_id, match_rule, ambiguity from staging.device_matches`;
    expect(rows.sort((a, b) => (a.vendor_id < b.vendor_id ? -1 : 1))).toEqual([
      { vendor_id: 'p1', rmm_vendor_id: 'n2', match_rule: 'hostname', ambiguity: null },
      { vendor_id: 'p2', rmm_vendor_id: 'n7', match_rule: 'mac', ambiguity: null },
      // The MAC two RMM devices carry (a virtual adapter) identifies neither.
      { vendor_id: 'p3', rmm_vendor_id: null, match_rule: null, ambiguity: null },
      // The same name at another client is another machine.
      { vendor_id: 'p4', rmm_vendor_id: 'n4', match_rule: 'hostname', ambiguity: null },
      // An IP address is not a host name.
      { vendor_id: 'p5', rmm_vendor_id: null, match_rule: null, ambiguity: null },
      // Two ThreatLocker computers claim the name: the name alone cannot say which is n1.
      { vendor_id: 't1', rmm_vendor_id: null, match_rule: null, ambiguity: 'host name of the RMM device is claimed by 2 devices' },
      // Two truncated names claim n13; its IP address picks t10.
      { vendor_id: 't10', rmm_vendor_id: 'n13', match_rule: 'hostname_ip', ambiguity: 'NetBIOS name of the RMM device is claimed by 2 devices' },
      { vendor_id: 't11', rmm_vendor_id: null, match_rule: null, ambiguity: 'NetBIOS name of the RMM device is claimed by 2 devices' },
      { vendor_id: 't2', rmm_vendor_id: 'n2', match_rule: 'hostname_netbios', ambiguity: null },
      { vendor_id: 't3', rmm_vendor_id: 'n3', match_rule: 'hostname', ambiguity: null },
      { vendor_id: 't4', rmm_vendor_id: 'n6', match_rule: 'serial', ambiguity: 'host name matches 2 RMM devices' },
      { vendor_id: 't5', rmm_vendor_id: null, match_rule: null, ambiguity: 'host name matches 2 RMM devices' },
      { vendor_id: 't6', rmm_vendor_id: 'n9', match_rule: 'serial', ambiguity: null },
      { vendor_id: 't7', rmm_vendor_id: null, match_rule: null, ambiguity: null },
      { vendor_id: 't8', rmm_vendor_id: 'n1', match_rule: 'serial', ambiguity: 'host name of the RMM device is claimed by 2 devices' },
      { vendor_id: 't9', rmm_vendor_id: 'n12', match_rule: 'hostname_ip', ambiguity: 'NetBIOS name matches 2 RMM devices' },
    ]);
  });

  it('reports duplicates and never merges them', async () => {
    const dups = await db.sql<{ subject_name: string; detail: string }[]>`
      select subject_name, detail from staging.cross_vendor_findings where kind = 'duplicate_hostname' order by detail`;
    expect(dups.map((d) => d.detail)).toEqual([
      '2 NinjaOne devices share the host name dup-pc (vendor ids n5, n6)',
      '2 ThreatLocker devices share the host name alpha-training- (vendor ids t10, t11)',
      '2 ThreatLocker devices share the host name alpha-ws-01 (vendor ids t1, t8)',
      '2 ThreatLocker devices share the host name dup-pc (vendor ids t4, t5)',
    ]);
    const [counts] = await db.sql<{ n: number }[]>`select count(*)::int as n from staging.device_match_keys`;
    expect(counts?.n).toBe(NINJA.length + THREATLOCKER.length + PMP.length);
  });

  it('draws the findings from the matches', async () => {
    const findings = await db.sql<{ kind: string; site: string; subject_name: string; detail: string }[]>`
      select f.kind, s.name as site, f.subject_name, f.detail from staging.cross_vendor_findings f join core.sites s using (site_id)
      where f.kind <> 'duplicate_hostname'`;
    expect(findings.map((f) => [f.kind, f.site, f.subject_name]).sort()).toEqual([
      // n2 (both), n4 and n7 (PMP by name and MAC) have PMP agents
      ['no_pmp', 'Alpha Dental', 'ALPHA-MAC-01'],
      ['no_pmp', 'Alpha Dental', 'ALPHA-TRAINING-PC-43'],
      ['no_pmp', 'Alpha Dental', 'ALPHA-VM-PRINT11'],
      ['no_pmp', 'Alpha Dental', 'ALPHA-VM-PRINT15'],
      ['no_pmp', 'Alpha Dental', 'ALPHA-WS-01'],
      ['no_pmp', 'Alpha Dental', 'DUP-PC'],
      ['no_pmp', 'Alpha Dental', 'DUP-PC'],
      ['no_pmp', 'Alpha Dental', 'RECEPTION-PC'],
      ['no_pmp', 'Alpha Dental', 'SHARED-MAC-1'],
      ['no_pmp', 'Beta Legal', 'BETA-LT-01'],
      ['no_threatlocker', 'Alpha Dental', 'ALPHA-MAC-01'],
      ['no_threatlocker', 'Alpha Dental', 'ALPHA-VM-PRINT11'],
      ['no_threatlocker', 'Alpha Dental', 'DUP-PC'],
      ['no_threatlocker', 'Alpha Dental', 'SHARED-MAC-1'],
      ['no_threatlocker', 'Alpha Dental', 'n7'],
      ['no_threatlocker', 'Beta Legal', 'RECEPTION-PC'],
      ['not_in_rmm', 'Alpha Dental', '10.0.0.5'],
      ['not_in_rmm', 'Alpha Dental', 'ALPHA-MAC-02'],
      ['not_in_rmm', 'Alpha Dental', 'ALPHA-TRAINING-'],
      ['not_in_rmm', 'Alpha Dental', 'ALPHA-WS-01'],
      ['not_in_rmm', 'Alpha Dental', 'DUP-PC'],
      ['not_in_rmm', 'Alpha Dental', 'GHOST-PC'],
      ['site_mismatch', 'Alpha Dental', 'BETA-LT-01'],
    ]);
    const mismatch = findings.find((f) => f.kind === 'site_mismatch');
    expect(mismatch?.detail).toBe('ThreatLocker files BETA-LT-01 under Alpha Dental; NinjaOne files BETA-LT-01 under Beta Legal (matched by serial)');
  });
});
