/**
 * The incremental findings refresh (the nightly default) against the full re-judgement: two
 * warehouses receive the same nights of random churn (devices added, removed, renamed, moved to
 * another site, serials and MACs changed, spares flagged, agents removed, a source skipping a night)
 * and the same acknowledgements; one refreshes incrementally, the other re-judges everything from
 * the views every night. After each night the findings (first and last seen, status, note, detail),
 * the picture behind bi.coverage and bi.coverage itself are identical.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acknowledgeException, refreshExceptions, type RefreshResult } from '../../warehouse/matching/exceptions.js';
import type { DeviceRow } from '../../collectors/shared/rows.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { device, fixtureSource, org, publishDay, type Snapshot } from './helpers.js';
import { addDays } from '../../warehouse/time.js';
import { inOrder } from '../helpers/in-order.js';

const ORGS = [org('A', 'Alpha Dental'), org('B', 'Beta Law'), org('C', 'Gamma Works')];
/** ThreatLocker also lists an organisation no site has: its devices stay unmapped. */
const TL_ORGS = [...ORGS, org('Z', 'Zeta Holdings Unknown')];
const SOURCES = { ninjaone: fixtureSource('ninjaone'), threatlocker: fixtureSource('threatlocker'), pmp: fixtureSource('pmp') };

/** A deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Machine {
  id: number; org: string; host: string | null; serial: string | null; mac: string | null; ip: string; spare: boolean;
  inNinja: boolean; inTl: boolean; inPmp: boolean; tlOrg: string; truncate: boolean;
}

const rnd = random(23);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
// A small pool of names, so names collide (duplicates, ambiguous matches), and long ones that
// ThreatLocker truncates to 15 characters (NetBIOS).
const hostName = (): string | null => (rnd() < 0.08 ? null : rnd() < 0.3 ? `KING-TRAINING-PC-${Math.floor(rnd() * 6)}` : `PC-${Math.floor(rnd() * 40)}`);
let nextId = 1;
function machine(): Machine {
  const orgId = pick(['A', 'B', 'C']);
  return {
    id: nextId++, org: orgId, host: hostName(), serial: rnd() < 0.8 ? `SN-${Math.floor(rnd() * 70)}` : null,
    mac: rnd() < 0.7 ? `00:11:22:33:44:${(Math.floor(rnd() * 60)).toString(16).padStart(2, '0')}` : null, ip: `10.0.0.${Math.floor(rnd() * 30)}`,
    spare: rnd() < 0.1, inNinja: rnd() < 0.85, inTl: rnd() < 0.8, inPmp: rnd() < 0.75, tlOrg: rnd() < 0.1 ? 'Z' : orgId, truncate: rnd() < 0.5,
  };
}

/** One night's churn: about one machine in six changes in one way. */
function churn(fleet: Machine[]): Machine[] {
  const out: Machine[] = [];
  for (const m of fleet) {
    const r = rnd();
    if (r < 0.02) continue; // removed
    const next = { ...m };
    if (r < 0.04) next.host = hostName();
    else if (r < 0.06) next.org = pick(['A', 'B', 'C']);
    else if (r < 0.08) next.serial = rnd() < 0.2 ? null : `SN-${Math.floor(rnd() * 70)}`;
    else if (r < 0.10) next.mac = rnd() < 0.2 ? null : `00:11:22:33:44:${(Math.floor(rnd() * 60)).toString(16).padStart(2, '0')}`;
    else if (r < 0.12) next.spare = !next.spare;
    else if (r < 0.14) next.inTl = !next.inTl;
    else if (r < 0.16) next.inPmp = !next.inPmp;
    else if (r < 0.17) next.ip = `10.0.0.${Math.floor(rnd() * 30)}`;
    else if (r < 0.18) next.tlOrg = next.tlOrg === 'Z' ? next.org : 'Z';
    out.push(next);
  }
  for (let i = 0; i < 3; i += 1) out.push(machine());
  return out;
}

function snapshots(fleet: Machine[]): Record<keyof typeof SOURCES, Snapshot> {
  const fields = (m: Machine): Partial<DeviceRow> => ({
    hostname: m.host, serialNumber: m.serial, macAddresses: m.mac ? [m.mac] : [], ipAddresses: [m.ip],
  });
  return {
    ninjaone: { aliases: ORGS, devices: fleet.filter((m) => m.inNinja).map((m) => device(`n${m.id}`, m.org, { ...fields(m), locationName: m.spare ? 'Spare Stock' : 'Main Office' })) },
    threatlocker: { aliases: TL_ORGS, devices: fleet.filter((m) => m.inTl).map((m) => device(`t${m.id}`, m.tlOrg, {
      ...fields(m), hostname: m.host && m.truncate ? m.host.slice(0, 15) : m.host, fqdn: m.host ? `${m.host.toLowerCase()}.corp.local` : null,
      displayName: m.spare ? `${m.host ?? 'device'} (spare)` : m.host,
    })) },
    pmp: { aliases: ORGS, devices: fleet.filter((m) => m.inPmp).map((m) => device(`p${m.id}`, m.org, fields(m))) },
  };
}

let incremental: TestDatabase;
/** The last night published, for the re-run test. */
let lastFleet: Machine[] = [];
let lastDay = '';
let full: TestDatabase;
beforeAll(async () => {
  [incremental, full] = await Promise.all([testDatabase(), testDatabase()]);
  // Device ids differ between the two on purpose: the comparison must never rest on the order in
  // which a publish happens to number new devices (it may differ from one warehouse to the next).
  await full.sql`select setval(pg_get_serial_sequence('core.devices', 'device_id'), 100000)`;
});
afterAll(async () => { await Promise.all([incremental?.close(), full?.close()]); });

/**
 * Everything the findings leave, without ids that depend on insertion order: a device is named by its
 * vendor id (unique across the fixture's sources), since the two warehouses may number the same
 * night's new devices in a different order.
 */
async function outcome(db: TestDatabase): Promise<unknown> {
  const exceptions = await db.sql`
    select e.site_id, e.kind, coalesce('device:' || sd.vendor_id, e.subject_key) as subject_key, e.source_instance_id, d.vendor_id as device,
      e.subject_name, e.detail, e.status, e.note,
      e.first_seen_on::text as first_seen_on, e.last_seen_on::text as last_seen_on, e.resolved_on::text as resolved_on, e.acknowledged_at is not null as acked
    from core.exceptions as e
    left join core.devices as d on d.device_id = e.device_id
    left join core.devices as sd on 'device:' || sd.device_id = e.subject_key
    order by 1, 2, 3`;
  const picture = await db.sql`
    select m.site_id, d.vendor_id as device, m.source_instance_id, m.billing_status, m.is_spare, m.host_key, r.vendor_id as rmm_device, m.rmm_site_id, m.match_rule, m.ambiguity
    from core.device_matches as m
    join core.devices as d on d.device_id = m.device_id
    left join core.devices as r on r.device_id = m.rmm_device_id
    order by m.site_id, d.vendor_id`;
  const coverage = await db.sql`select * from bi.coverage order by site_id`;
  return { exceptions, picture, coverage };
}

inOrder('incremental against full', () => {
it('gives the findings of a full re-judgement after every night of random churn', async () => {
  let fleet = Array.from({ length: 90 }, machine);
  let day = '2025-11-01';
  const modes: RefreshResult['mode'][] = [];
  for (let night = 0; night < 8; night += 1) {
    const snaps = snapshots(fleet);
    // Night 5: PMP does not publish (its kinds are not judged; the scopes change, so that night is full).
    const publishing = (Object.keys(SOURCES) as (keyof typeof SOURCES)[]).filter((s) => !(night === 5 && s === 'pmp'));
    for (const db of [incremental, full]) {
      for (const source of publishing) await publishDay(db, SOURCES[source], day, snaps[source]);
    }
    const inc = await refreshExceptions(incremental.sql);
    const ref = await refreshExceptions(full.sql, { full: true });
    modes.push(inc.mode);
    expect(ref.mode).toBe('full');
    expect(await outcome(incremental)).toEqual(await outcome(full));
    expect({ ...inc, mode: null, fullBecause: null, changed: null, rematched: null })
      .toEqual({ ...ref, mode: null, fullBecause: null, changed: null, rematched: null });
    // Acknowledge the same finding in both (an open one, picked by its identity: a device by its vendor id).
    const identity = (db: TestDatabase) => db.sql<{ id: number; site_id: number; kind: string; subject: string }[]>`
      select e.exception_id::int as id, e.site_id, e.kind, coalesce('device:' || d.vendor_id, e.subject_key) as subject
      from core.exceptions as e left join core.devices as d on 'device:' || d.device_id = e.subject_key
      where e.status = 'open' order by 2, 3, 4`;
    const open = await identity(incremental);
    if (open.length > 0) {
      const target = open[Math.floor(rnd() * open.length)];
      for (const db of [incremental, full]) {
        const row = (await identity(db)).find((r) => r.site_id === target?.site_id && r.kind === target?.kind && r.subject === target?.subject);
        await acknowledgeException(db.sql, row?.id as number, `night ${night}`);
      }
    }
    lastFleet = fleet;
    lastDay = day;
    fleet = churn(fleet);
    day = addDays(day, 1);
  }
  // The first night has no state yet, and the nights of PMP's gap change the scopes; the others are incremental.
  expect(modes).toEqual(['full', 'incremental', 'incremental', 'incremental', 'incremental', 'full', 'full', 'incremental']);
}, 300_000);

it('re-runs the last day incrementally, and a re-published day with changed rows re-judges them', async () => {
  const before = await outcome(incremental);
  const again = await refreshExceptions(incremental.sql);
  expect(again).toMatchObject({ mode: 'incremental', changed: 0, opened: 0, resolved: 0, removed: 0 });
  expect(await outcome(incremental)).toEqual(before);
  // ThreatLocker re-runs the day: one device renamed, one gone.
  const fleet = lastFleet.map((m, i) => (i === 0 ? { ...m, host: 'PC-RENAMED' } : m)).filter((_, i) => i !== 1);
  for (const db of [incremental, full]) await publishDay(db, SOURCES.threatlocker, lastDay, snapshots(fleet).threatlocker);
  const inc = await refreshExceptions(incremental.sql);
  await refreshExceptions(full.sql, { full: true });
  expect(inc).toMatchObject({ mode: 'incremental' });
  expect(inc.changed).toBeGreaterThan(0);
  expect(await outcome(incremental)).toEqual(await outcome(full));
});
});
