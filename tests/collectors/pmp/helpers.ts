/** Shared helpers for the PMP collector tests: run the collector against a simulator, expected rows. */
import { createEstate, type EstateMachine } from '../../../collectors/simulation/estate.js';
import { loadPmpConfig, type PmpConfig } from '../../../collectors/pmp/config.js';
import { pmp } from '../../../collectors/pmp/index.js';
import { startPmpSimulator, type PmpSimulatorOptions, type PmpSimulator } from '../../../collectors/pmp/simulator/index.js';
import { resourceIdOf } from '../../../collectors/pmp/simulator/fleet.js';
import type { DeviceRow, PatchStatusRow } from '../../../collectors/shared/rows.js';
import { createReader } from '../../../warehouse/config.js';
import { memoryContext } from '../../helpers/memory-sink.js';

export const START = '2025-03-03';

export async function simulator(options: Partial<PmpSimulatorOptions> = {}): Promise<PmpSimulator> {
  return startPmpSimulator({ devices: 60, seed: 7, date: START, port: 0, ...options });
}

export function configOf(env: Record<string, string>): PmpConfig {
  const config = loadPmpConfig(createReader(env));
  if (!config) throw new Error('not configured');
  return config;
}

/** Run the collector into a memory sink; the error (if any) is returned, not thrown. */
export async function collect(env: Record<string, string>, budget = 100_000) {
  const ctx = memoryContext(configOf(env), { budget });
  let error: unknown = null;
  try {
    await pmp.collect(ctx);
  } catch (e) {
    error = e;
  }
  return { ...ctx.sink, error, used: ctx.budget.used(), retries: ctx.budget.retries() };
}

/** What PMP should report for each estate machine, independently of the collector's mapper. */
export function expectedFor(options: { devices: number; seed: number; date: string; edition: 'msp' | 'single' }) {
  const estate = createEstate({ seed: options.seed, devices: options.devices, startDate: START });
  const day = estate.day(options.date);
  const clients = new Map(day.clients.map((c) => [c.id, c]));
  const machines = estate.fleetFor('pmp', options.date);
  const org = (m: EstateMachine): string => {
    if (options.edition === 'msp') return String(m.clientId);
    const client = clients.get(m.clientId)!;
    return String(m.clientId * 100 + client.locations.indexOf(m.location) + 1);
  };
  return { machines, clients, org, byVendorId: new Map(machines.map((m) => [String(resourceIdOf(m)), m])) };
}

export function expectedDevice(m: EstateMachine, org: string, location: string): Partial<DeviceRow> {
  return {
    vendorId: String(resourceIdOf(m)),
    orgExternalId: org,
    locationName: location,
    hostname: m.hostname,
    macAddresses: m.macs,
    ipAddresses: [m.ip],
    osName: m.osName,
    osBuild: m.osBuild,
    online: m.online,
    lastContactAt: new Date(m.lastContactAt),
    lastUser: m.lastUser,
  };
}

export function expectedPatch(m: EstateMachine): Partial<PatchStatusRow> {
  const p = m.patches;
  const scanned = p.scanStatus !== 'not_scanned';
  return {
    vendorId: String(resourceIdOf(m)),
    missingCritical: p.critical,
    missingImportant: p.important,
    missingModerate: p.moderate,
    missingLow: p.low,
    missingUnrated: null,
    missingOs: p.missingOs,
    missingThirdParty: p.missingThirdParty,
    installedCount: p.installed,
    lastScanAt: scanned && p.lastScanAt !== null ? new Date(p.lastScanAt) : null,
    lastSuccessfulScanAt: scanned && p.lastSuccessfulScanAt !== null ? new Date(p.lastSuccessfulScanAt) : null,
    scanStatus: p.scanStatus,
  };
}
