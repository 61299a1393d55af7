/**
 * The "done when": against the simulator with 5,000 devices over 3 simulated days with churn,
 * the collected rows equal the simulator's truth for each day exactly, spare inputs match the estate,
 * and the requests made are the pages of each stream plus a small constant (no per-device calls).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceRow } from '../../../collectors/ninjaone/map.js';
import type { NinjaOneSimulator, NinjaOneTruth } from '../../../collectors/ninjaone/simulator/index.js';
import type { DeviceRow } from '../../../collectors/shared/rows.js';
import { collect, expectedAliases, expectedDeviceFacts, expectedPatchRows, expectedRequests, simulator } from './helpers.js';

const DAYS = ['2025-06-02', '2025-06-03', '2025-06-04'];
const DEVICES = 5000;
const PAGE_SIZE = 1000;

interface DayResult { day: string; truth: NinjaOneTruth; devices: DeviceRow[]; requests: number; paths: string[] }

describe('NinjaOne collector against the simulator, 5,000 devices over 3 days', () => {
  let sim: NinjaOneSimulator;
  const results: DayResult[] = [];

  beforeAll(async () => {
    sim = await simulator(DEVICES, 42, DAYS[0]);
    for (const day of DAYS) {
      sim.setDay(day);
      sim.resetRequestLog();
      const { sink, error } = await collect(sim, day);
      expect(error).toBeUndefined();
      const truth = sim.truth();
      expect(sink.aliasRows).toEqual(expectedAliases(truth));
      expect(sink.patchRows).toEqual(expectedPatchRows(truth, day));
      results.push({ day, truth, devices: sink.deviceRows, requests: sim.requestCount(), paths: sim.requests().map((r) => r.path) });
    }
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
  });

  it('lists exactly N devices on day 0 and churns after', () => {
    expect(results[0]!.devices).toHaveLength(DEVICES);
    const ids = results.map((r) => new Set(r.devices.map((d) => d.vendorId)));
    for (let i = 1; i < ids.length; i++) {
      expect([...ids[i]!].some((id) => !ids[i - 1]!.has(id))).toBe(true); // added
      expect([...ids[i - 1]!].some((id) => !ids[i]!.has(id))).toBe(true); // removed
    }
  });

  it('publishes every device of the truth once, each mapped field equal to the vendor payload', () => {
    for (const { truth, devices } of results) {
      expect(devices.map((d) => d.vendorId)).toEqual(truth.devices.map((d) => String(d.id)));
      expect(new Set(devices.map((d) => d.vendorId)).size).toBe(devices.length);
      const facts = expectedDeviceFacts(truth);
      devices.forEach((row, i) => expect(row).toMatchObject(facts[i]!));
      // The API's printed numbers (nine-decimal timestamps etc.) read back to the truth's values.
      const locations = new Map(truth.locations.map((l) => [l.id, l.name!]));
      expect(devices).toEqual(truth.devices.map((d) => deviceRow(d, locations)));
    }
  });

  it('agrees with the estate: placement, names and the inputs of every spare rule', () => {
    for (const { day, devices } of results) {
      const machines = sim.estate.fleetFor('ninjaone', day);
      expect(devices).toHaveLength(machines.length);
      let spares = 0;
      devices.forEach((row, i) => {
        const m = machines[i]!;
        expect(row).toMatchObject({ orgExternalId: String(m.clientId), locationName: m.location, displayName: m.displayName, serialNumber: m.kind.endsWith('guest') ? null : m.serial });
        const spareInEstate = m.location === 'Spare Stock' || (m.displayName ?? '').toLowerCase().includes('spare') || m.kind === 'vmware_guest';
        const spareByRules = (row.displayName ?? '').toLowerCase().includes('spare') || (row.locationName ?? '').toLowerCase().includes('spare') || row.vendorClass === 'VMWARE_VM_GUEST';
        expect(spareByRules).toBe(spareInEstate);
        if (spareByRules) spares += 1;
      });
      expect(spares).toBeGreaterThan(0);
    }
  });

  it('sees the churn: moved, renamed and newly spare devices keep their ids', () => {
    const [first, , last] = results;
    const before = new Map(first!.devices.map((d) => [d.vendorId, d]));
    const kept = last!.devices.filter((d) => before.has(d.vendorId));
    expect(kept.some((d) => d.orgExternalId !== before.get(d.vendorId)!.orgExternalId)).toBe(true);
    expect(kept.some((d) => d.hostname !== before.get(d.vendorId)!.hostname)).toBe(true);
    expect(kept.some((d) => d.locationName === 'Spare Stock' && before.get(d.vendorId)!.locationName !== 'Spare Stock')
      || kept.some((d) => /spare/iu.test(d.displayName ?? '') && !/spare/iu.test(before.get(d.vendorId)!.displayName ?? ''))).toBe(true);
  });

  it('covers the node classes of a real MSP fleet, guests included', () => {
    const classes = new Set(results[0]!.devices.map((d) => d.vendorClass));
    for (const c of ['WINDOWS_WORKSTATION', 'WINDOWS_SERVER', 'HYPERV_VMM_HOST', 'HYPERV_VMM_GUEST', 'VMWARE_VM_HOST', 'VMWARE_VM_GUEST', 'MAC', 'LINUX_SERVER', 'LINUX_WORKSTATION']) {
      expect(classes).toContain(c);
    }
  });

  it('makes ceil(rows / pageSize) + 1 requests per stream plus one token, and no per-device calls', () => {
    for (const { day, truth, requests, paths } of results) {
      expect(requests).toBe(expectedRequests(truth, day, PAGE_SIZE));
      const devicePages = paths.filter((p) => p === '/v2/devices-detailed').length;
      expect(devicePages).toBe(Math.ceil(truth.devices.length / PAGE_SIZE) + 1);
      expect(paths.filter((p) => /\/device\/\d+/u.test(p))).toEqual([]);
      expect(paths.filter((p) => p.includes('oauth'))).toHaveLength(1); // the token is cached for the run
    }
  });
});
