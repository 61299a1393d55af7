/**
 * The collector against the simulator over real sockets, several days of churn: the device rows
 * must equal the simulator's truth exactly (count and every mapped field), the aliases the child
 * organizations, and the classes must agree with what the estate says each machine is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRow } from '../../../collectors/shared/rows.js';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../../collectors/threatlocker/simulator/index.js';
import type { TlComputer } from '../../../collectors/threatlocker/types.js';
import { guidOf } from '../../../collectors/threatlocker/simulator/ids.js';
import { collect } from './helpers.js';

const SEED = 4242;
const START = '2025-06-27';
const DAYS = ['2025-06-27', '2025-06-28', '2025-06-29', '2025-07-03'];

/** The expected row, written out from the truth's fields (independent of map.ts). */
function expectedRow(c: TlComputer): Omit<DeviceRow, 'deviceClass' | 'extras'> {
  const t = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
  return {
    vendorId: c.computerId,
    orgExternalId: c.organizationId,
    locationName: t(c.group),
    displayName: c.computerName ?? null,
    hostname: t(c.hostname),
    fqdn: null,
    serialNumber: c.serialNumber && c.serialNumber !== 'None' ? c.serialNumber : null,
    macAddresses: [],
    ipAddresses: c.lastCheckinLocalIPAddresses ?? [],
    osName: t(c.operatingSystem),
    osBuild: t(c.ipOperatingSystem),
    vendorClass: ({ 1: 'windows', 2: 'mac', 3: 'linux' } as Record<number, string>)[c.osType ?? 0] ?? null,
    online: null,
    lastContactAt: c.lastCheckin ? new Date(c.lastCheckin) : null,
    lastUser: t(c.username),
    agentVersion: t(c.threatLockerVersion),
  };
}

describe('threatlocker collector equals the simulator truth', () => {
  let sim: ThreatLockerSimulator;
  beforeAll(async () => {
    sim = await startThreatLockerSimulator({ devices: 240, seed: SEED, date: START });
  });
  afterAll(async () => sim.close());

  it.each(DAYS)('on %s', async (day) => {
    sim.setDay(day);
    const truth = sim.truth();
    const ctx = await collect(sim, { day, env: { THREATLOCKER_PAGE_SIZE: '50' } });
    const rows = ctx.sink.deviceRows;

    expect(rows).toHaveLength(truth.computers.length);
    expect(ctx.sink.totals.get('devices')).toBe(truth.computers.length);
    const byId = new Map(rows.map((r) => [r.vendorId, r]));
    expect(byId.size).toBe(rows.length);
    for (const c of truth.computers) {
      const row = byId.get(c.computerId);
      expect(row, c.computerId).toBeDefined();
      const { deviceClass, extras, ...mapped } = row!;
      expect(mapped).toEqual(expectedRow(c));
      expect(['workstation', 'server']).toContain(deviceClass);
      expect(extras).toMatchObject({
        mode: c.action,
        modeLabel: c.mode,
        maintenanceTypeId: c.maintenanceTypeId,
        isDeleted: false,
        denyCountOneDay: c.denyCountOneDay,
        denyCountThreeDays: c.denyCountThreeDays,
        denyCountSevenDays: c.denyCountSevenDays,
        isIsolated: c.isIsolated,
        isLockedOut: c.isLockedOut,
        isTamperProtectionDisabled: c.isTamperProtectionDisabled,
      });
    }

    const aliases = ctx.sink.aliasRows;
    expect(aliases).toEqual(truth.organizations.map((o) => ({
      externalId: o.organizationId, name: o.displayName!.trim(), kind: 'child_organization', parentExternalId: null,
    })));
    const orgIds = new Set(aliases.map((a) => a.externalId));
    expect(rows.every((r) => orgIds.has(r.orgExternalId))).toBe(true);
  });

  it('classifies every machine as the estate knows it', () => {
    sim.setDay(DAYS.at(-1)!);
    const machines = new Map(sim.estate.fleetFor('threatlocker', DAYS.at(-1)!).map((m) => [guidOf(SEED, 'tl-computer', m.key), m]));
    return collect(sim, { day: DAYS.at(-1)! }).then((ctx) => {
      for (const row of ctx.sink.deviceRows) {
        const m = machines.get(row.vendorId)!;
        const workstation = m.kind === 'windows_workstation' || m.kind === 'mac' || m.kind === 'linux_workstation' || /^Windows 1\d/u.test(m.osName);
        expect([m.kind, m.osName, row.deviceClass]).toEqual([m.kind, m.osName, workstation ? 'workstation' : 'server']);
      }
    });
  });

  it('sees the churn between days: removed, added, renamed, moved and turned spare', async () => {
    sim.setDay(DAYS[0]!);
    const first = (await collect(sim, { day: DAYS[0]! })).sink.deviceRows;
    sim.setDay(DAYS.at(-1)!);
    const last = (await collect(sim, { day: DAYS.at(-1)! })).sink.deviceRows;
    const before = new Map(first.map((r) => [r.vendorId, r]));
    const after = new Map(last.map((r) => [r.vendorId, r]));
    const removed = [...before.keys()].filter((id) => !after.has(id));
    const added = [...after.keys()].filter((id) => !before.has(id));
    const changed = [...after.values()].filter((r) => before.has(r.vendorId) && (before.get(r.vendorId)!.hostname !== r.hostname
      || before.get(r.vendorId)!.orgExternalId !== r.orgExternalId || before.get(r.vendorId)!.locationName !== r.locationName
      || before.get(r.vendorId)!.displayName !== r.displayName));
    expect(removed.length + added.length + changed.length).toBeGreaterThan(0);
    expect(added.length).toBeGreaterThan(0);
    expect(removed.length).toBeGreaterThan(0);
  });
});
