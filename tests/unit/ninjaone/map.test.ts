import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  addMissingPatch, deviceClassOf, deviceRow, emptyPatchCounts, epochSecondsToDate, isMissingPatch, isPatchable,
  locationAlias, MappingError, normaliseMacs, organizationAlias, patchStatusRow, realSerial, severityOf,
} from '../../../collectors/ninjaone/map.js';
import type { NinjaDetailedDevice, NinjaLocation, NinjaOrganization, NinjaOsPatchRow, NinjaQueryPage } from '../../../collectors/ninjaone/types.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../fixtures/ninjaone/${name}`, import.meta.url), 'utf8')) as T;
const devices = fixture<NinjaDetailedDevice[]>('devices-detailed.page-1.json');
const locations = fixture<NinjaLocation[]>('locations.page-1.json');
const names = new Map(locations.map((l) => [l.id, l.name!]));
const byId = (id: number): NinjaDetailedDevice => devices.find((d) => d.id === id)!;

describe('organizations and locations', () => {
  it('maps organizations to top-level aliases, with a name even when the key is absent', () => {
    expect(fixture<NinjaOrganization[]>('organizations.page-1.json').map(organizationAlias)).toEqual([
      { externalId: '3', name: 'Contoso Pty Ltd', kind: 'organization', parentExternalId: null },
      { externalId: '4', name: 'Fabrikam & Sons', kind: 'organization', parentExternalId: null },
      { externalId: '5', name: 'Organization 5', kind: 'organization', parentExternalId: null },
    ]);
  });

  it('maps locations under their organization', () => {
    expect(locations.map(locationAlias)[1]).toEqual({ externalId: '8', name: 'Spare Stock', kind: 'location', parentExternalId: '3' });
  });

  it('refuses a location without organizationId (the per-organization endpoint shape)', () => {
    expect(() => locationAlias({ id: 1, name: 'x' })).toThrow(MappingError);
  });
});

describe('deviceRow', () => {
  it('maps a Windows server agent (genuine-sample shape)', () => {
    expect(deviceRow(byId(1201), names)).toEqual({
      vendorId: '1201',
      orgExternalId: '3',
      locationName: 'Main Office',
      displayName: null,
      hostname: 'CONTOSO-FS01',
      fqdn: 'contoso-fs01.contoso.local',
      serialNumber: '7XK2Q93', // serialNumber "None" falls back to the BIOS serial
      macAddresses: ['00:15:5D:0A:0B:0C', '00:15:5D:0A:0B:0D'],
      ipAddresses: ['10.0.0.12', 'fe80::1c2b:3d4e:5f60:7182'],
      osName: 'Windows Server 2022 Standard Edition',
      osBuild: '20348',
      vendorClass: 'WINDOWS_SERVER',
      deviceClass: 'server',
      online: true,
      lastContactAt: new Date(1759136775901),
      lastUser: 'CONTOSO\\administrator',
      agentVersion: null,
      extras: {
        deviceType: 'AgentDevice', approvalStatus: 'APPROVED', nodeClass: 'WINDOWS_SERVER', locationId: 7,
        uid: '4c1b8a0e-7a1f-4e0b-9b1d-2f0e8f3c9a11', publicIP: '198.51.100.23', netbiosName: 'CONTOSO-FS01',
        created: new Date(1707363433892).toISOString(),
      },
    });
  });

  it('maps an ESXi host: IP dnsName is not an FQDN, serviceTag is the serial, releaseName the OS', () => {
    const row = deviceRow(byId(1202), names);
    expect(row).toMatchObject({
      hostname: 'esx02', fqdn: null, serialNumber: '5HJK8L2', osName: 'VMware ESXi 8.0.1 build-21495797', osBuild: '21495797',
      deviceClass: 'vm_host', online: false, displayName: 'ESX host (spare rack)', locationName: 'Spare Stock',
      macAddresses: ['3C:EC:EF:11:22:33'], lastUser: null,
    });
    expect(row.extras).toMatchObject({ deviceType: 'VMHost', parentDeviceId: 6 });
  });

  it('keeps a VMware guest discovered through its host, with its guest OS', () => {
    expect(deviceRow(byId(1203), names)).toMatchObject({
      vendorId: '1203', deviceClass: 'vm_guest', vendorClass: 'VMWARE_VM_GUEST', serialNumber: null,
      osName: 'Microsoft Windows Server 2019 (64-bit)', osBuild: null, extras: { deviceType: 'VMGuest', parentDeviceId: 1202 },
    });
  });

  it('takes the host name from the first DNS label when systemName is absent', () => {
    expect(deviceRow(byId(1204), names)).toMatchObject({ hostname: 'core-sw1', fqdn: 'core-sw1.branch.example', deviceClass: 'network' });
  });

  it('maps a device with nearly every key omitted to nulls, never to guesses', () => {
    expect(deviceRow(byId(1205), names)).toEqual({
      vendorId: '1205', orgExternalId: '4', locationName: null, displayName: null, hostname: null, fqdn: null,
      serialNumber: null, macAddresses: [], ipAddresses: [], osName: null, osBuild: null, vendorClass: null,
      deviceClass: 'other', online: null, lastContactAt: null, lastUser: null, agentVersion: null, extras: { locationId: 999 },
    });
  });

  it('refuses a device without organizationId', () => {
    expect(() => deviceRow({ id: 1 }, names)).toThrow(MappingError);
  });
});

describe('helpers', () => {
  it.each([
    ['WINDOWS_WORKSTATION', 'workstation'], ['MAC', 'workstation'], ['LINUX_WORKSTATION', 'workstation'],
    ['WINDOWS_SERVER', 'server'], ['LINUX_SERVER', 'server'], ['MAC_SERVER', 'server'],
    ['VMWARE_VM_HOST', 'vm_host'], ['HYPERV_VMM_HOST', 'vm_host'], ['VMWARE_VM_GUEST', 'vm_guest'], ['HYPERV_VMM_GUEST', 'vm_guest'],
    ['ANDROID', 'mobile'], ['APPLE_IOS', 'mobile'], ['APPLE_IPADOS', 'mobile'], ['NMS_SWITCH', 'network'], ['NMS_PRINTER', 'network'],
    ['CLOUD_MONITOR_TARGET', 'other'], ['UNMANAGED_DEVICE', 'other'], ['MANAGED_DEVICE', 'other'], [undefined, 'other'],
  ] as const)('class of %s is %s', (nodeClass, expected) => {
    expect(deviceClassOf(nodeClass)).toBe(expected);
  });

  it('reads fractional epoch seconds to the millisecond', () => {
    expect(epochSecondsToDate(1707363433.892432)?.getTime()).toBe(1707363433892);
    expect(epochSecondsToDate(1759136775.901)?.getTime()).toBe(1759136775901);
    expect(epochSecondsToDate(1779487391.064)?.getTime()).toBe(1779487391064);
    expect(epochSecondsToDate(undefined)).toBeNull();
  });

  it('treats serial placeholders as absent', () => {
    for (const placeholder of ['None', '', '  ', 'To be filled by O.E.M.', 'Default string', '0']) expect(realSerial(placeholder)).toBeNull();
    expect(realSerial(' VMware-42 1a ')).toBe('VMware-42 1a');
  });

  it('normalises MACs to upper-case colon form without duplicates', () => {
    expect(normaliseMacs(['aa-bb-cc-dd-ee-ff', 'AA:BB:CC:DD:EE:FF', 'aabbccddeeff', 'not a mac', ''])).toEqual(['AA:BB:CC:DD:EE:FF']);
  });

  it('patches only Windows agents', () => {
    expect(devices.map((d) => isPatchable(d))).toEqual([true, false, false, false, false]);
    expect(isPatchable({ id: 1, deviceType: 'AgentDevice', nodeClass: 'HYPERV_VMM_HOST' })).toBe(true);
    expect(isPatchable({ id: 1, deviceType: 'AgentDevice', nodeClass: 'MAC' })).toBe(false);
  });
});

describe('patch aggregation', () => {
  it('counts not-installed rows by severity and kind, ignoring rejected ones', () => {
    const page = fixture<NinjaQueryPage<NinjaOsPatchRow>>('os-patches.page-1.json');
    const counts = emptyPatchCounts();
    for (const row of page.results!) if (row.deviceId === 1201 && isMissingPatch(row)) addMissingPatch(counts, row);
    expect(patchStatusRow(1201, counts, 4)).toEqual({
      vendorId: '1201',
      missingCritical: 1, missingImportant: 1, missingModerate: 1, missingLow: 2, missingUnrated: 2,
      missingOs: 6, missingThirdParty: null, missingDriver: 1, missingBios: null,
      installedCount: 4,
      lastScanAt: new Date(1759136100500), // the rejected row's later timestamp is not counted
      lastSuccessfulScanAt: null, scanStatus: null, healthStatus: null,
      // NinjaOne gives no per-kind installed or applicable counts and no last patch time
      installedByKind: { os: null, thirdParty: null, driver: null, bios: null },
      totalByKind: { os: null, thirdParty: null, driver: null, bios: null },
      lastPatchedAt: null,
    });
  });

  it('gives a device without pending patches zeros, not nulls', () => {
    expect(patchStatusRow(7, emptyPatchCounts(), null)).toMatchObject({ missingCritical: 0, missingOs: 0, missingDriver: 0, installedCount: null, lastScanAt: null });
  });

  it.each([['CRITICAL', 'critical'], ['important', 'important'], ['MODERATE', 'moderate'], ['LOW', 'low'], ['OPTIONAL', 'low'], ['NONE', 'unrated'], [undefined, 'unrated']] as const)(
    'severity %s is %s', (severity, expected) => { expect(severityOf(severity)).toBe(expected); });
});
