/**
 * Shared pieces of the NinjaOne collector tests: a simulator, a collection into the memory sink, and
 * the rows the truth implies, written here independently of collectors/ninjaone/map.ts so the tests
 * check the mapping rather than repeat it.
 */
import { ninjaone, type NinjaOneConfig } from '../../../collectors/ninjaone/index.js';
import { startNinjaOneSimulator, type NinjaOneSimulator, type NinjaOneTruth } from '../../../collectors/ninjaone/simulator/index.js';
import { NO_KIND_COUNTS, type AliasRow, type DeviceClass, type PatchStatusRow } from '../../../collectors/shared/rows.js';
import type { NinjaAgentDevice, NinjaVmGuest, NinjaVmHost } from '../../../collectors/ninjaone/types.js';
import { memoryContext } from '../../helpers/memory-sink.js';

export async function simulator(devices: number, seed = 42, date = '2025-06-02'): Promise<NinjaOneSimulator> {
  return startNinjaOneSimulator({ devices, seed, date });
}

export function configFor(sim: NinjaOneSimulator, extra: Record<string, string> = {}): NinjaOneConfig {
  const values: Record<string, string> = { ...sim.config, ...extra };
  const config = ninjaone.loadConfig({ get: (key) => values[key] });
  if (config === null) throw new Error('simulator config did not configure NinjaOne');
  return config;
}

export async function collect(sim: NinjaOneSimulator, day: string, options: { budget?: number; extra?: Record<string, string> } = {}) {
  const ctx = memoryContext(configFor(sim, options.extra), { snapshotDay: day, budget: options.budget ?? 100_000 });
  let error: unknown;
  try {
    await ninjaone.collect(ctx);
  } catch (caught) {
    error = caught;
  }
  return { ctx, sink: ctx.sink, error };
}

export function expectedAliases(truth: NinjaOneTruth): AliasRow[] {
  return [
    ...truth.organizations.map((o): AliasRow => ({ externalId: String(o.id), name: o.name!, kind: 'organization', parentExternalId: null })),
    ...truth.locations.map((l): AliasRow => ({ externalId: String(l.id), name: l.name!, kind: 'location', parentExternalId: String(l.organizationId) })),
  ];
}

const CLASSES: Record<string, DeviceClass> = {
  WINDOWS_WORKSTATION: 'workstation', MAC: 'workstation', LINUX_WORKSTATION: 'workstation', WINDOWS_SERVER: 'server',
  LINUX_SERVER: 'server', HYPERV_VMM_HOST: 'vm_host', VMWARE_VM_HOST: 'vm_host', HYPERV_VMM_GUEST: 'vm_guest', VMWARE_VM_GUEST: 'vm_guest',
};

/** The device facts the warehouse needs, read straight off the truth's vendor payloads. */
export function expectedDeviceFacts(truth: NinjaOneTruth) {
  const locations = new Map(truth.locations.map((l) => [l.id, l.name]));
  return truth.devices.map((d) => {
    const agent = d as NinjaAgentDevice;
    const serial = [agent.system?.serialNumber, agent.system?.biosSerialNumber, (d as NinjaVmHost).serviceTag].find((s) => s !== undefined && s !== 'None');
    return {
      vendorId: String(d.id),
      orgExternalId: String(d.organizationId),
      locationName: locations.get(d.locationId!) ?? null,
      displayName: d.displayName ?? null,
      hostname: d.systemName ?? null,
      serialNumber: serial ?? null,
      osName: agent.os?.name ?? (d as NinjaVmGuest).guestOSFullName ?? (d as NinjaVmHost).releaseName ?? null,
      vendorClass: d.nodeClass,
      deviceClass: CLASSES[d.nodeClass!] ?? 'other',
      online: !d.offline,
      lastContactAt: new Date(Math.round(d.lastContact! * 1000)),
      lastUser: agent.lastLoggedInUser ?? null,
      macAddresses: [...new Set((d.macAddresses ?? []).map((m) => m.toUpperCase()))],
    };
  });
}

const MISSING = new Set(['PENDING', 'MANUAL', 'APPROVED', 'FAILED']);
const SEVERITY: Record<string, 'critical' | 'important' | 'moderate' | 'low'> = {
  CRITICAL: 'critical', IMPORTANT: 'important', MODERATE: 'moderate', LOW: 'low', OPTIONAL: 'low',
};

/** One row per Windows agent: its not-installed OS patches by severity and kind, installs since the window start. */
export function expectedPatchRows(truth: NinjaOneTruth, snapshotDay: string): PatchStatusRow[] {
  const windowStartMs = Date.parse(`${snapshotDay}T00:00:00Z`) - 30 * 86_400_000;
  return Object.entries(truth.patches)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([id, { osPatches, installs }]) => {
      const counts = { critical: 0, important: 0, moderate: 0, low: 0, unrated: 0, os: 0, driver: 0 };
      let last: number | null = null;
      for (const row of osPatches) {
        if (!MISSING.has(row.status!)) continue;
        counts[SEVERITY[row.severity ?? ''] ?? 'unrated'] += 1;
        counts[row.type === 'DRIVER_UPDATES' ? 'driver' : 'os'] += 1;
        last = Math.max(last ?? 0, Math.round(row.timestamp! * 1000));
      }
      return {
        vendorId: id,
        missingCritical: counts.critical, missingImportant: counts.important, missingModerate: counts.moderate,
        missingLow: counts.low, missingUnrated: counts.unrated, missingOs: counts.os, missingThirdParty: null,
        missingDriver: counts.driver, missingBios: null,
        installedCount: installs.filter((r) => r.status === 'INSTALLED' && r.installedAt! * 1000 >= windowStartMs).length,
        lastScanAt: last === null ? null : new Date(last), lastSuccessfulScanAt: null, scanStatus: null, healthStatus: null,
        installedByKind: { ...NO_KIND_COUNTS }, totalByKind: { ...NO_KIND_COUNTS }, lastPatchedAt: null,
      };
    });
}

/** Requests a complete run needs: a token, then per stream its pages plus the empty page that ends it. */
export function expectedRequests(truth: NinjaOneTruth, snapshotDay: string, pageSize: number): number {
  const windowStartMs = Date.parse(`${snapshotDay}T00:00:00Z`) - 30 * 86_400_000;
  const patches = Object.values(truth.patches);
  const osPatchRows = patches.reduce((n, p) => n + p.osPatches.length, 0);
  const installRows = patches.reduce((n, p) => n + p.installs.filter((r) => r.status === 'INSTALLED' && r.installedAt! * 1000 >= windowStartMs).length, 0);
  const stream = (rows: number) => Math.ceil(rows / pageSize) + 1;
  return 1 + stream(truth.organizations.length) + stream(truth.locations.length) + stream(truth.devices.length) + stream(osPatchRows) + stream(installRows);
}
