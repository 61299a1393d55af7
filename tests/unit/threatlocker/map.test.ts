/** map.ts on payloads shaped like the live ones (tests/fixtures/threatlocker). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RowShapeError, classify, mapComputer, mapOrganization, parseInstant } from '../../../collectors/threatlocker/map.js';
import type { TlComputer, TlOrganization } from '../../../collectors/threatlocker/types.js';

const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../../fixtures/threatlocker/${name}`, import.meta.url), 'utf8')) as T;
const computers = fixture<TlComputer[]>('computers.page-1.json');
const organizations = fixture<TlOrganization[]>('organizations.page-1.json');

describe('mapComputer', () => {
  it('maps a Windows workstation named "HOST | User"', () => {
    expect(mapComputer(computers[0]!)).toEqual({
      vendorId: '6f0b1c52-1d3e-4a8b-9c2d-0e1f2a3b4c5d',
      orgExternalId: '0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f',
      locationName: 'Workstations',
      displayName: 'ACME-LT-0042 | Jane Citizen',
      hostname: 'ACME-LT-0042',
      fqdn: null,
      serialNumber: '5CG1234XYZ',
      macAddresses: [],
      ipAddresses: ['10.1.2.3', '169.254.10.2'],
      osName: 'Windows 11 Business',
      osBuild: '10.0.26100.5074',
      vendorClass: 'windows',
      deviceClass: 'workstation',
      online: null,
      lastContactAt: new Date('2025-09-06T02:43:57.435Z'),
      lastUser: 'AZUREAD\\JANECITIZEN',
      agentVersion: '10.3.4.3791/10.3.0.907AMD64',
      extras: {
        mode: 'Secure', modeLabel: 'Secure', maintenanceTypeId: 0, maintenanceEndDate: null, isDeleted: false,
        denyCountOneDay: 2, denyCountThreeDays: 5, denyCountSevenDays: 11,
        isIsolated: false, isLockedOut: false, isTamperProtectionDisabled: false,
        computerGroupId: '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9', organizationName: 'Acme Dental',
      },
    });
  });

  it('maps a server in Learning, falling back to serviceVersion and nulling empty strings', () => {
    const row = mapComputer(computers[1]!);
    expect(row).toMatchObject({
      deviceClass: 'server', agentVersion: '10.2.7.3412', lastUser: null, serialNumber: null,
      extras: { mode: 'Learning', modeLabel: 'Application Control Learning Mode', maintenanceTypeId: 3, maintenanceEndDate: '2025-09-10T00:00:00.000Z' },
    });
  });

  it('maps Linux and Mac: enterprise Linux is a server, .NET\'s year-1 check-in is null, placeholder serials are null', () => {
    expect(mapComputer(computers[2]!)).toMatchObject({ vendorClass: 'linux', deviceClass: 'server', lastContactAt: null, ipAddresses: [], osBuild: null });
    expect(mapComputer(computers[3]!)).toMatchObject({
      vendorClass: 'mac', deviceClass: 'workstation', serialNumber: null, displayName: 'SPARE - JANES-MACBOOK-PRO', locationName: 'Mac Computers',
      extras: { mode: 'Installation', isDeleted: false },
    });
  });

  it('refuses a row without computerId or organizationId', () => {
    const { computerId: _, ...noId } = computers[0]!;
    expect(() => mapComputer(noId as TlComputer)).toThrow(RowShapeError);
    expect(() => mapComputer({ ...computers[0]!, organizationId: 42 } as unknown as TlComputer)).toThrow(/organizationId/u);
  });

  it('keeps isDeleted when deleted computers are listed', () => {
    expect(mapComputer({ ...computers[0]!, isDeleted: true }).extras['isDeleted']).toBe(true);
  });
});

describe('classify', () => {
  it.each([
    [1, 'Windows 11 Pro', null, 'workstation'],
    [1, 'Windows Server 2022 Datacenter', null, 'server'],
    [5, 'Windows XP Professional', null, 'workstation'],
    [2, 'macOS 15.1 Sequoia', null, 'workstation'],
    [3, 'Ubuntu 24.04.1 LTS', 'Linux Workstations', 'workstation'],
    [3, 'Ubuntu 22.04.4 LTS', 'Linux Servers', 'server'],
    [3, 'Ubuntu Server 22.04', null, 'server'],
    [3, 'Rocky Linux 9.3 (Blue Onyx)', null, 'server'],
    [3, 'Fedora Linux 40 (Workstation Edition)', null, 'workstation'],
    [7, 'Red Hat Enterprise Linux 8', null, 'server'],
    [null, 'Windows 10 Pro', null, 'workstation'],
    [9, 'Something else', null, 'other'],
  ] as const)('osType %s %s (group %s) -> %s', (osType, name, group, expected) => {
    expect(classify(osType, name, group)).toBe(expected);
  });
});

describe('mapOrganization', () => {
  it('names an alias by displayName, else name, and lower-cases the GUID', () => {
    expect(organizations.map((o) => mapOrganization(o))).toEqual([
      { externalId: '0a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f', name: 'Acme Dental Pty Ltd', kind: 'child_organization', parentExternalId: null },
      { externalId: '1a1b2c3d-4e5f-4061-8273-9a8b7c6d5e4f', name: 'NoDisplayName', kind: 'child_organization', parentExternalId: null },
    ]);
  });
});

describe('parseInstant', () => {
  it('reads Z timestamps with and without fractions and rejects junk', () => {
    expect(parseInstant('2025-09-06T02:43:00Z')).toEqual(new Date(Date.UTC(2025, 8, 6, 2, 43)));
    expect(parseInstant('2025-09-06T02:43:57.435815Z')?.toISOString()).toBe('2025-09-06T02:43:57.435Z');
    expect(parseInstant('')).toBeNull();
    expect(parseInstant(null)).toBeNull();
    expect(parseInstant('not a date')).toBeNull();
  });
});
