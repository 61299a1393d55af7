/**
 * A synthetic in-memory source for B1/B3/B4/B5: N mapped rows (DeviceRow + PatchStatusRow, shaped as
 * the collectors produce them) handed to the real run lifecycle (runCollect: staging COPY, gate,
 * one-transaction publish). Rows are generated before the clock starts, so B1 times the warehouse,
 * not the generator; the same (source, devices) always yields the same rows, so a re-run is identical.
 */
import { defineSource } from '../collectors/shared/define-source.js';
import { type Source, type SourceName } from '../warehouse/run/source.js';
import { NO_KIND_COUNTS, type AliasRow, type DeviceClass, type DeviceRow, type PatchStatusRow } from '../warehouse/rows.js';

export const PAGE_SIZE = 1000;

/** Roughly one client per 200 devices: 1,000 sites at 200,000 devices, as a large MSP has. */
export function siteCount(devices: number): number {
  return Math.max(3, Math.ceil(devices / 200));
}

export interface SyntheticFleet {
  aliases: AliasRow[];
  pages: Array<{ devices: DeviceRow[]; patches: PatchStatusRow[] }>;
  devices: number;
}

const CLASSES: Array<[DeviceClass, string, string]> = [
  ['workstation', 'WINDOWS_WORKSTATION', 'Windows 11 Enterprise'],
  ['workstation', 'WINDOWS_WORKSTATION', 'Windows 10 Pro'],
  ['workstation', 'MAC', 'macOS Sonoma'],
  ['server', 'WINDOWS_SERVER', 'Windows Server 2022 Standard'],
  ['vm_guest', 'VMWARE_VM_GUEST', 'Microsoft Windows Server 2019 (64-bit)'],
];

function hex(n: number, width: number): string {
  return (n >>> 0).toString(16).toUpperCase().padStart(width, '0').slice(-width);
}

/** Midnight UTC of a YYYY-MM-DD day, in ms: the fleet's contact and scan times hang off its day. */
function dayStart(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

function device(source: SourceName, i: number, sites: number, day0: number): DeviceRow {
  const [deviceClass, vendorClass, osName] = CLASSES[i % 7 === 0 ? 3 : i % 31 === 0 ? 4 : i % 3 === 0 ? 1 : i % 11 === 0 ? 2 : 0] as [DeviceClass, string, string];
  const site = i % sites;
  const host = `C${site}-${deviceClass === 'server' ? 'SRV' : 'WS'}${String(i).padStart(6, '0')}`;
  return {
    vendorId: String(1_000_000 + i),
    orgExternalId: `${source}-org-${site}`,
    locationName: i % 97 === 0 ? 'Spare stock' : 'Head office',
    displayName: i % 89 === 0 ? `${host} (spare)` : host,
    hostname: host,
    fqdn: `${host.toLowerCase()}.client${site}.local`,
    serialNumber: `SN${hex(i * 2_654_435_761, 10)}`,
    macAddresses: [`00:50:56:${hex(i >> 16, 2)}:${hex(i >> 8, 2)}:${hex(i, 2)}`],
    ipAddresses: [`10.${site % 256}.${(i >> 8) % 256}.${i % 256}`],
    osName,
    osBuild: '10.0.22631',
    vendorClass,
    deviceClass,
    online: i % 5 !== 0,
    lastContactAt: new Date(day0 + 23 * 3_600_000 - (i % 86_400) * 1000),
    lastUser: `CLIENT${site}\\user${i % 500}`,
    agentVersion: '5.9.1234',
    extras: { deviceType: 'AGENT', approvalStatus: 'APPROVED', nodeClass: vendorClass, locationId: site * 10 + 1 },
  };
}

function patch(i: number, vendorId: string, day0: number): PatchStatusRow {
  return {
    vendorId,
    missingCritical: i % 4, missingImportant: i % 6, missingModerate: i % 3, missingLow: i % 2, missingUnrated: 0,
    missingOs: i % 5, missingThirdParty: null, missingDriver: i % 2, missingBios: null, installedCount: 20 + (i % 30),
    lastScanAt: new Date(day0 + 2 * 3_600_000 + (i % 3600) * 1000), lastSuccessfulScanAt: null,
    scanStatus: null, healthStatus: null,
    installedByKind: { ...NO_KIND_COUNTS }, totalByKind: { ...NO_KIND_COUNTS }, lastPatchedAt: null,
  };
}

/**
 * `contactDay`: the day the last contacts and scans are dated (the day before the snapshot that lists
 * them: a fresh fleet, nobody stale). The B1 days keep the original 2026-01-14.
 */
export function buildFleet(source: SourceName, devices: number, contactDay = '2026-01-14'): SyntheticFleet {
  const sites = siteCount(devices);
  const day0 = dayStart(contactDay);
  // Names match across sources, so threatlocker/pmp aliases map automatically to the sites ninjaone creates.
  const aliases: AliasRow[] = Array.from({ length: sites }, (_, k) => ({
    externalId: `${source}-org-${k}`, name: `Client ${k} Pty Ltd`, kind: 'organization', parentExternalId: null,
  }));
  const pages: SyntheticFleet['pages'] = [];
  for (let start = 0; start < devices; start += PAGE_SIZE) {
    const rows = Array.from({ length: Math.min(PAGE_SIZE, devices - start) }, (_, k) => device(source, start + k, sites, day0));
    pages.push({ devices: rows, patches: rows.map((r, k) => patch(start + k, r.vendorId, day0)) });
  }
  return { aliases, pages, devices };
}

/** A Source over a prebuilt fleet. Configured by any non-empty BENCH_FLEET key (runCollect wants a config). */
export function fleetSource(name: SourceName, fleet: SyntheticFleet): Source {
  return defineSource({
    name,
    keys: { required: ['BENCH_FLEET'], optional: [], secrets: [], declared: [] },
    loadConfig: (reader) => (reader.get('BENCH_FLEET') ? { requestBudget: 20_000 } : null),
    secretsOf: () => [],
    async collect(ctx) {
      await ctx.sink.aliases(fleet.aliases);
      for (const page of fleet.pages) {
        await ctx.sink.devices(page.devices);
        await ctx.sink.patchStatus(page.patches);
        ctx.sink.page('devices');
      }
    },
    async simulator() {
      throw new Error('the bench fleet has no simulator');
    },
  });
}
