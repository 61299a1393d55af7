/**
 * The shared estate projected into Patch Manager Plus rows for one day, shaped as vendor-apis.md §3.7
 * lists them: epoch-millisecond numbers, "--" placeholders even in numeric fields, dotted flat keys,
 * numeric status codes and i18n labels. An MSP edition server lists the estate's clients as customers
 * and their locations as branch offices; a single-tenant server has one branch office per client
 * location (named after the client) and no customers.
 */
import { hashUnit } from '../../simulation/random.js';
import type { EstateClient, EstateDay, EstateMachine } from '../../simulation/estate.js';
import type { AllSystemsRow, PmpCustomer, ScanDetailsRow } from '../types.js';

export type Edition = 'msp' | 'single';
export interface BranchOffice { branch_office_id: number; branch_office_name: string; customer_id: number | null }
export interface SystemRecord { customerId: number; scan: ScanDetailsRow; all: AllSystemsRow; unrated: number }

const DAY_MS = 86_400_000;
const SCAN_CODE = { failed: 226, in_progress: 227, success: 228, not_scanned: 229 } as const;
const SCAN_REMARK = {
  failed: 'dc.patch.util.Scanning_failed', in_progress: 'dc.patch.util.Scanning_in_progress',
  success: 'dc.patch.util.Scanning_completedsuccessfully', not_scanned: 'dc.patch.util.Yet_to_be_scanned',
} as const;
const HEALTH_LABEL = ['dc.patch.common.HEALTH_UNKNOWN', 'dc.patch.common.HEALTHY', 'dc.patch.common.VULNERABLE', 'dc.patch.common.HIGHLY_VULNERABLE'];
const AGENT_VERSIONS = ['11.3.2416.1', '11.3.2400.1', '11.2.2330.1', '10.1.2228.15'];

export function resourceIdOf(m: EstateMachine): number {
  return 300 + m.key * 3;
}

/** A customer per estate client that uses PMP; ids are the client ids. */
export function customersOf(day: EstateDay, seed: number): PmpCustomer[] {
  return day.clients.filter((c) => c.presence.pmp).map((c) => ({
    customer_id: c.id,
    customer_name: c.names.pmp,
    customer_email: `it@${c.name.toLowerCase().replace(/[^a-z0-9]+/gu, '')}.example`,
    added_time: Date.UTC(2021, 0, 1) + Math.floor(hashUnit(seed, c.id, 'pmp-added') * 900) * DAY_MS,
    updated_time: Date.UTC(2024, 0, 1) + Math.floor(hashUnit(seed, c.id, 'pmp-updated') * 300) * DAY_MS,
  }));
}

export function branchOfficeOf(client: EstateClient, location: string, edition: Edition): BranchOffice {
  const index = Math.max(0, client.locations.indexOf(location));
  const name = edition === 'msp' ? location : index === 0 ? client.names.pmp : `${client.names.pmp.trim()} - ${location}`;
  return { branch_office_id: client.id * 100 + index + 1, branch_office_name: name, customer_id: edition === 'msp' ? client.id : null };
}

export function branchOfficesOf(day: EstateDay, edition: Edition): BranchOffice[] {
  return day.clients.filter((c) => c.presence.pmp).flatMap((c) => c.locations.map((l) => branchOfficeOf(c, l, edition)));
}

function platformOf(m: EstateMachine): { code: 1 | 2 | 3; name: 'Windows' | 'Mac' | 'Linux'; letter: string } {
  if (m.osName.startsWith('Windows')) return { code: 1, name: 'Windows', letter: 'W' };
  if (m.osName.startsWith('macOS')) return { code: 2, name: 'Mac', letter: 'M' };
  return { code: 3, name: 'Linux', letter: 'L' };
}

/** A health policy by missing severity: any critical is highly vulnerable, any important vulnerable. */
function healthOf(m: EstateMachine): number {
  const p = m.patches;
  if (p.scanStatus === 'not_scanned') return 0;
  return p.critical > 0 ? 3 : p.important > 0 ? 2 : 1;
}

/** PMP writes "--" where a driver or BIOS count does not apply (non-Windows platforms). */
function countOrDash(value: number, applies: boolean): number | '--' {
  return applies || value !== 0 ? value : '--';
}

export function systemRecord(m: EstateMachine, client: EstateClient, edition: Edition, seed: number): SystemRecord {
  const id = resourceIdOf(m);
  const platform = platformOf(m);
  const office = branchOfficeOf(client, m.location, edition);
  const p = m.patches;
  const health = healthOf(m);
  const scanned = p.scanStatus !== 'not_scanned';
  const netbios = m.domain ? m.domain.split('.')[0]!.toUpperCase() : 'WORKGROUP';
  const version = AGENT_VERSIONS[Math.floor(hashUnit(seed, m.key, 'pmp-agent') ** 3 * AGENT_VERSIONS.length)]!;
  const common = {
    resource_id: id,
    ip_address: m.ip,
    branch_office_id: office.branch_office_id,
    branch_office_name: office.branch_office_name,
    os_name: m.osName,
    os_platform_name: platform.name,
    service_pack: m.osBuild,
    resource_health_status: health,
    computer_live_status: m.online ? 1 : 2,
    scan_status: SCAN_CODE[p.scanStatus],
    scan_remarks: SCAN_REMARK[p.scanStatus],
    status_label: SCAN_REMARK[p.scanStatus],
    last_scan_time: scanned && p.lastScanAt !== null ? p.lastScanAt : '--',
    // Never scanned is "--"; scanned without a success yet is 0 (both mean "never", §3.10).
    last_successful_scan: !scanned ? '--' : p.lastSuccessfulScanAt ?? 0,
    agent_last_contact_time: m.lastContactAt,
  } as const;
  const scan: ScanDetailsRow = {
    ...common,
    resource_id_string: String(id),
    'resource.name': m.hostname,
    resource_name: m.hostname,
    'resource.domain_netbios_name': netbios,
    domain_netbios_name: netbios,
    mac_address: m.macs.join(','),
    customer_id: edition === 'msp' ? client.id : 1,
    os_platform: platform.code,
    os_platform_id: platform.code,
    osflavor_id: platform.code * 10 + 1,
    os_language: 1033,
    os_language_abbr: 'en_US',
    agent_version: `${version}.${platform.letter}`,
    agent_installed_on: m.createdAt + 3_600_000,
    agent_installed_dir: platform.code === 1 ? 'C:\\Program Files (x86)\\ManageEngine\\UEMS_Agent' : '/Library/ManageEngine/UEMS_Agent',
    agent_last_bootup_time: m.lastContactAt - Math.floor(hashUnit(seed, m.key, 'pmp-boot') * 9 * DAY_MS),
    agent_last_ds_contact_time: '--',
    agent_logged_on_users: m.lastUser ?? '--',
    computer_status_update_time: m.lastContactAt,
    installation_status: 22,
    last_sync_time: m.lastContactAt,
    patch_scan_error_code: p.scanStatus === 'failed' ? 12007 : '--',
    scan_remarks_args: '--',
    patch_status_image: `images/patch_health_${health}.png`,
    patch_status_label: HEALTH_LABEL[health],
    'patchstatusdefn.label': HEALTH_LABEL[health],
    description: '--',
    location: '--',
    owner: '--',
    owner_email_id: '--',
    search_tag: '--',
    error_kb_url: p.scanStatus === 'failed' ? 'https://www.manageengine.com/patch-management/kb/patch-scan-failure.html' : '--',
    'branchmemberresourcerel.resource_id': id,
    'branchofficedetails.branch_office_id': office.branch_office_id,
    'patchclientscanerror.resource_id': p.scanStatus === 'failed' ? id : '--',
    'patchmgmtosinfo.resource_id': id,
    'pmreshealthstatus.resource_id': id,
    'oslanguage.i18n': 'dc.common.ENGLISH',
    'oslanguage.languageid': 1033,
  };
  return { customerId: client.id, scan, all: { ...common, resource_name: m.hostname, domain_netbios_name: netbios, ...patchCounts(m, platform.code === 1) }, unrated: p.unrated };
}

function patchCounts(m: EstateMachine, windows: boolean): Partial<AllSystemsRow> {
  const p = m.patches;
  const physical = m.kind !== 'hyperv_guest' && m.kind !== 'vmware_guest' && m.kind !== 'vmware_host';
  const hw = windows && physical;
  // The estate knows one installed total; PMP splits it by kind (Microsoft, third-party, driver, BIOS).
  const tp = Math.floor(p.installed * 0.25);
  const driver = hw ? Math.floor(p.installed * 0.03) : 0;
  const bios = hw && p.installed > 0 ? 1 : 0;
  const ms = p.installed - tp - driver - bios;
  return {
    last_patched_time: p.installed > 0 && p.lastSuccessfulScanAt !== null ? p.lastSuccessfulScanAt - 2 * DAY_MS : '--',
    critical_patch_count: p.critical,
    important_patch_count: p.important,
    moderate_patch_count: p.moderate,
    low_patch_count: p.low,
    installed_ms_patches: ms, missing_ms_patches: p.missingOs, total_ms_patches: ms + p.missingOs,
    installed_tp_patches: tp, missing_tp_patches: p.missingThirdParty, total_tp_patches: tp + p.missingThirdParty,
    installed_driver_patches: countOrDash(driver, hw), missing_driver_patches: countOrDash(p.missingDriver, hw),
    total_driver_patches: countOrDash(driver + p.missingDriver, hw),
    installed_bios_patches: countOrDash(bios, hw), missing_bios_patches: countOrDash(p.missingBios, hw),
    total_bios_patches: countOrDash(bios + p.missingBios, hw),
  };
}

/** Rows in PMP's default order (computer name, then id), as both system endpoints list them. */
export function systemRecords(day: EstateDay, machines: readonly EstateMachine[], edition: Edition, seed: number): SystemRecord[] {
  const clients = new Map(day.clients.map((c) => [c.id, c]));
  const records = machines.map((m) => systemRecord(m, clients.get(m.clientId)!, edition, seed));
  const name = (r: SystemRecord): string => String(r.scan.resource_name).toLowerCase();
  return records.sort((a, b) => (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : a.scan.resource_id - b.scan.resource_id));
}
