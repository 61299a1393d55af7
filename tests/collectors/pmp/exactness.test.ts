/**
 * Collector against simulator over real sockets: devices, patch status, aliases and the 27-metric
 * summary equal the simulator's truth (and the estate behind it) over several simulated days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PmpSimulator } from '../../../collectors/pmp/simulator/index.js';
import { METRIC_KEYS } from '../../../collectors/pmp/summary.js';
import type { PatchSummary, PmpCustomer, ScanDetailsRow } from '../../../collectors/pmp/types.js';
import { START, collect, expectedDevice, expectedFor, expectedPatch, simulator } from './helpers.js';

interface Truth { day: string; summary: PatchSummary; customers: PmpCustomer[]; systems: ScanDetailsRow[] }

const DAYS = [START, '2025-03-04', '2025-03-10', '2025-04-02'];

function flatten(summary: PatchSummary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [group, values] of Object.entries(summary)) {
    for (const [metric, value] of Object.entries(values as Record<string, unknown>)) out[`${group}.${metric}`] = value;
  }
  return { ...out, 'envelope.message_type': 'summary', 'envelope.message_version': '1.4', 'envelope.status': 'success' };
}

describe.each(['onprem', 'cloud'] as const)('PMP collector (%s auth, MSP edition) equals the simulator', (auth) => {
  let sim: PmpSimulator;
  beforeAll(async () => {
    sim = await simulator({ devices: 60, seed: 7 });
  });
  afterAll(async () => sim.close());

  it.each(DAYS)('on %s', async (date) => {
    sim.setDay(date);
    const truth = sim.truth() as Truth;
    const run = await collect({ ...(auth === 'onprem' ? sim.config : sim.cloudConfig), PMP_PAGE_SIZE: '25' });
    expect(run.error).toBeNull();
    const exp = expectedFor({ devices: 60, seed: 7, date, edition: 'msp' });

    // Systems: exactly the truth's, once each, and each as the estate describes it.
    expect(run.deviceRows.map((d) => d.vendorId).sort()).toEqual(truth.systems.map((s) => String(s.resource_id)).sort());
    expect(run.deviceRows).toHaveLength(exp.machines.length);
    for (const device of run.deviceRows) {
      const m = exp.byVendorId.get(device.vendorId)!;
      expect(device).toMatchObject(expectedDevice(m, exp.org(m), m.location));
      expect(device.agentVersion).toMatch(/^\d+\.\d+\.\d+\.\d+\.[WML]$/u);
    }
    expect(run.totals.get('devices')).toBe(exp.machines.length);

    expect(run.patchRows).toHaveLength(exp.machines.length);
    for (const row of run.patchRows) {
      const m = exp.byVendorId.get(row.vendorId)!;
      expect(row).toMatchObject(expectedPatch(m));
      expect(row.missingDriver ?? 0).toBe(m.patches.missingDriver);
      expect(row.missingBios ?? 0).toBe(m.patches.missingBios);
    }
    expect(run.totals.get('patch_status')).toBe(exp.machines.length);

    // Customers become aliases; every device names one of them.
    expect(run.aliasRows).toEqual(truth.customers.map((c) => ({ externalId: String(c.customer_id), name: c.customer_name, kind: 'customer', parentExternalId: null })));
    const aliasIds = new Set(run.aliasRows.map((a) => a.externalId));
    expect(run.deviceRows.every((d) => aliasIds.has(d.orgExternalId))).toBe(true);

    // The summary: all 27 metrics, equal to the simulator's.
    expect(run.summaries).toHaveLength(1);
    const summary = run.summaries[0]!;
    expect(Object.keys(summary.metrics).sort()).toEqual([...METRIC_KEYS].sort());
    expect(METRIC_KEYS).toHaveLength(27);
    expect(summary.metrics).toEqual(flatten(truth.summary));
    const s = truth.summary.missing_patch_severity_summary;
    expect(summary.severitySumDifference).toBe(truth.summary.patch_summary.missing_patches - (s.critical_count + s.important_count + s.moderate_count + s.low_count + s.unrated_count));
    expect(run.optionalFailures).toEqual([]);
  });
});

describe('PMP collector on a single-tenant server', () => {
  it('maps branch offices to aliases and devices to them', async () => {
    const sim = await simulator({ devices: 50, seed: 3, edition: 'single' });
    try {
      sim.setDay('2025-03-05');
      const truth = sim.truth() as Truth;
      const run = await collect(sim.config);
      expect(run.error).toBeNull();
      const exp = expectedFor({ devices: 50, seed: 3, date: '2025-03-05', edition: 'single' });
      expect(run.deviceRows).toHaveLength(truth.systems.length);
      for (const device of run.deviceRows) {
        const m = exp.byVendorId.get(device.vendorId)!;
        const client = exp.clients.get(m.clientId)!;
        const location = client.locations.indexOf(m.location) === 0 ? client.names.pmp : `${client.names.pmp.trim()} - ${m.location}`;
        expect(device).toMatchObject(expectedDevice(m, exp.org(m), location));
      }
      expect(run.aliasRows.every((a) => a.kind === 'branch_office' && a.parentExternalId === null)).toBe(true);
      expect(new Set(run.aliasRows.map((a) => a.externalId)).size).toBe(run.aliasRows.length);
      const aliasIds = new Set(run.aliasRows.map((a) => a.externalId));
      expect(run.deviceRows.every((d) => aliasIds.has(d.orgExternalId))).toBe(true);
      // Spare stock stays visible to the warehouse's location rule.
      const spare = run.deviceRows.filter((d) => /spare/iu.test(d.locationName ?? ''));
      expect(spare.length).toBe(exp.machines.filter((m) => m.location === 'Spare Stock').length);
    } finally {
      await sim.close();
    }
  });
});

describe('PMP paging', () => {
  it('pages with pagelimit and stops at total; the default page size is 500', async () => {
    const sim = await simulator({ devices: 120, seed: 11, edition: 'single' });
    try {
      const small = await collect({ ...sim.config, PMP_PAGE_SIZE: '7' });
      expect(small.error).toBeNull();
      const n = (sim.truth() as Truth).systems.length;
      expect(small.deviceRows).toHaveLength(n);
      expect(small.pages.get('devices')).toBe(Math.ceil(n / 7));
      const big = await collect(sim.config);
      expect(big.pages.get('devices')).toBe(1);
      expect(big.deviceRows.map((d) => d.vendorId)).toEqual(small.deviceRows.map((d) => d.vendorId));
    } finally {
      await sim.close();
    }
  });
});
