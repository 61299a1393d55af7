/** Mapping PMP rows shaped like the reference's samples (dotted keys, "--", epoch ms, numeric codes). */
import { describe, expect, it } from 'vitest';
import {
  branchOfficeAlias, deviceClassOf, epochMs, macList, num, parseCustomers, toDevice, toPatchStatus,
} from '../../../collectors/pmp/map.js';
import type { AllSystemsRow, ScanDetailsRow } from '../../../collectors/pmp/types.js';

/** A scandetails row as the docs sample spells it: only the dotted name keys, "--" placeholders. */
const DOC_ROW: ScanDetailsRow = {
  resource_id: 1201,
  resource_id_string: '1201',
  'resource.name': 'ACME-WS-0042',
  'resource.domain_netbios_name': 'ACME',
  ip_address: '10.1.2.3',
  mac_address: '00-50-56-ab-cd-ef, 00:50:56:AB:CD:EF,00:15:5d:01:02:03',
  branch_office_id: 301,
  branch_office_name: 'Local Office',
  customer_id: 7,
  os_name: 'Windows 11 Pro',
  os_platform: 1,
  os_platform_name: 'Windows',
  service_pack: '22631',
  agent_version: '10.0.267.W',
  agent_last_contact_time: 1553069591000,
  agent_logged_on_users: '--',
  computer_live_status: 2,
  installation_status: 22,
  last_scan_time: '--',
  last_successful_scan: 0,
  scan_status: 229,
  resource_health_status: 0,
  'pmreshealthstatus.resource_id': 1201,
  owner_email_id: '--',
};

describe('PMP value normalisation', () => {
  it('reads "--", numeric strings and epoch milliseconds', () => {
    expect(num('--')).toBeNull();
    expect(num('18')).toBe(18);
    expect(num(-1)).toBe(-1);
    expect(epochMs('--')).toBeNull();
    expect(epochMs(0)).toBeNull();
    expect(epochMs(1553069591000)?.toISOString()).toBe('2019-03-20T08:13:11.000Z');
  });

  it('normalises and de-duplicates MAC addresses', () => {
    expect(macList(DOC_ROW.mac_address)).toEqual(['00:50:56:AB:CD:EF', '00:15:5D:01:02:03']);
    expect(macList('--')).toEqual([]);
  });

  it('classifies by OS name', () => {
    expect(deviceClassOf('Windows Server 2019 Standard', 'Windows')).toBe('server');
    expect(deviceClassOf('Windows 10 Pro', 'Windows')).toBe('workstation');
    expect(deviceClassOf('macOS 14.5 Sonoma', 'Mac')).toBe('workstation');
    expect(deviceClassOf('Ubuntu 24.04.1 LTS', 'Linux')).toBe('workstation');
    expect(deviceClassOf(null, null)).toBe('other');
  });
});

describe('PMP device rows', () => {
  it('maps a docs-shaped scandetails row (dotted keys only) to a device of its customer', () => {
    expect(toDevice(DOC_ROW, { mode: 'customers', customerId: 99 })).toEqual({
      vendorId: '1201',
      orgExternalId: '7',
      locationName: 'Local Office',
      displayName: null,
      hostname: 'ACME-WS-0042',
      fqdn: null,
      serialNumber: null,
      macAddresses: ['00:50:56:AB:CD:EF', '00:15:5D:01:02:03'],
      ipAddresses: ['10.1.2.3'],
      osName: 'Windows 11 Pro',
      osBuild: '22631',
      vendorClass: 'Windows',
      deviceClass: 'workstation',
      online: false,
      lastContactAt: new Date(1553069591000),
      lastUser: null,
      agentVersion: '10.0.267.W',
      extras: { domain: 'ACME', branchOfficeId: 301, customerId: 7, agentInstalled: true, healthStatus: 'unknown' },
    });
  });

  it('prefers the snake_case twin and falls back to the requested customer', () => {
    const row: ScanDetailsRow = { ...DOC_ROW, resource_name: 'LIVE-NAME', customer_id: '--' };
    const device = toDevice(row, { mode: 'customers', customerId: 99 });
    expect(device.hostname).toBe('LIVE-NAME');
    expect(device.orgExternalId).toBe('99');
  });

  it('uses the branch office on single-tenant servers, its name when the id is "--"', () => {
    expect(toDevice(DOC_ROW, { mode: 'branch_offices' }).orgExternalId).toBe('301');
    const noId = { ...DOC_ROW, branch_office_id: '--' as const };
    expect(toDevice(noId, { mode: 'branch_offices' }).orgExternalId).toBe('Local Office');
    expect(branchOfficeAlias(noId)).toEqual({ externalId: 'Local Office', name: 'Local Office', kind: 'branch_office', parentExternalId: null });
    expect(branchOfficeAlias(DOC_ROW)).toEqual({ externalId: '301', name: 'Local Office', kind: 'branch_office', parentExternalId: null });
  });
});

describe('PMP patch status rows', () => {
  const ROW: AllSystemsRow = {
    resource_id: 1201, resource_name: 'ACME-WS-0042',
    critical_patch_count: 2, important_patch_count: 5, moderate_patch_count: '--', low_patch_count: 1,
    installed_ms_patches: 120, missing_ms_patches: 6, total_ms_patches: 126,
    installed_tp_patches: 30, missing_tp_patches: 2, total_tp_patches: 32,
    installed_driver_patches: '--', missing_driver_patches: '--', total_driver_patches: '--',
    installed_bios_patches: 1, missing_bios_patches: 0, total_bios_patches: 1,
    last_scan_time: 1741000000000, last_successful_scan: '--', scan_status: 226, resource_health_status: 3,
  };

  it('maps counts by severity and kind, scan and health codes', () => {
    expect(toPatchStatus(ROW)).toEqual({
      vendorId: '1201',
      missingCritical: 2, missingImportant: 5, missingModerate: null, missingLow: 1, missingUnrated: null,
      missingOs: 6, missingThirdParty: 2, missingDriver: null, missingBios: 0,
      installedCount: 151,
      lastScanAt: new Date(1741000000000), lastSuccessfulScanAt: null,
      scanStatus: 'failed', healthStatus: 'highly_vulnerable',
      installedByKind: { os: 120, thirdParty: 30, driver: null, bios: 1 },
      totalByKind: { os: 126, thirdParty: 32, driver: null, bios: 1 },
      lastPatchedAt: null,
    });
  });

  it('maps last_patched_time (epoch ms) to lastPatchedAt; "--" and 0 are none', () => {
    expect(toPatchStatus({ ...ROW, last_patched_time: 1740800000000 }).lastPatchedAt).toEqual(new Date(1740800000000));
    expect(toPatchStatus({ ...ROW, last_patched_time: '--' }).lastPatchedAt).toBeNull();
    expect(toPatchStatus({ ...ROW, last_patched_time: 0 }).lastPatchedAt).toBeNull();
  });

  it.each([[226, 'failed'], [227, 'in_progress'], [228, 'success'], [229, 'not_scanned'], [999, null], ['--', null]])('scan status %s -> %s', (code, label) => {
    expect(toPatchStatus({ ...ROW, scan_status: code as number }).scanStatus).toBe(label);
  });

  it.each([[0, 'unknown'], [1, 'healthy'], [2, 'vulnerable'], [3, 'highly_vulnerable']])('health %s -> %s', (code, label) => {
    expect(toPatchStatus({ ...ROW, resource_health_status: code }).healthStatus).toBe(label);
  });

  it('has no installed count when no kind gives one', () => {
    expect(toPatchStatus({ resource_id: 1 }).installedCount).toBeNull();
  });
});

describe('PMP customers', () => {
  it('reads the MSP customer list in either spelling', () => {
    expect(parseCustomers({ customers: [{ customer_id: 3, customer_name: 'Acme Pty Ltd' }] })).toEqual([{ customer_id: 3, customer_name: 'Acme Pty Ltd' }]);
    expect(parseCustomers({ customers: [{ customerID: 4, customerName: 'Beta' }] })).toEqual([{ customer_id: 4, customer_name: 'Beta' }]);
    expect(parseCustomers({ message_response: { customers: [] } })).toEqual([]);
    expect(parseCustomers({ nothing: true })).toBeNull();
    expect(parseCustomers({ customers: [{ customer_id: '--', customer_name: 'x' }] })).toBeNull();
  });

  it('names a customer without a name by its id: its systems must still be read', () => {
    expect(parseCustomers({ customers: [{ customer_id: 7, customer_name: '--' }, { customer_id: 8 }] })).toEqual([
      { customer_id: 7, customer_name: 'Customer 7' }, { customer_id: 8, customer_name: 'Customer 8' },
    ]);
  });

  it('keys a branch office without an id by its name, bounded and free of control characters', () => {
    expect(branchOfficeAlias({ resource_id: 1, branch_office_name: 'Head Office' }).externalId).toBe('Head Office');
    const tabbed = branchOfficeAlias({ resource_id: 1, branch_office_name: 'Head\tOffice' });
    expect(tabbed.name).toBe('Head\tOffice');
    expect(tabbed.externalId).toMatch(/^Head Office…#[0-9a-f]{64}$/u);
    const long = branchOfficeAlias({ resource_id: 1, branch_office_name: 'x'.repeat(5000) });
    expect(long.externalId.length).toBeLessThanOrEqual(200);
    expect(long.externalId).not.toBe(branchOfficeAlias({ resource_id: 1, branch_office_name: `${'x'.repeat(4999)}y` }).externalId);
  });
});
