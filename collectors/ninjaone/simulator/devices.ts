/**
 * Detailed device payloads (`/v2/devices-detailed`, `/v2/device/{id}`) as the genuine samples show
 * them (vendor-apis.md §1.7): null keys omitted, `publicIP`, fractional epoch seconds, clock speeds in
 * Hz, MAC lists with duplicates, systemName cut to 15 characters on Windows, an IP as an ESXi host's
 * dnsName, "None" as a serial. Every value is a pure function of (seed, machine, day).
 */
import type { EstateMachine } from '../../simulation/estate.js';
import { hashInt, hashUnit } from '../../simulation/random.js';
import type {
  NinjaAgentDevice, NinjaDetailedDevice, NinjaDeviceBase, NinjaOs, NinjaSystem, NinjaVmGuest, NinjaVmHost, NinjaVolume,
} from '../types.js';
import type { FleetDay, SimDevice } from './fleet.js';
import { toSeconds } from './json.js';

const HOUR_MS = 3_600_000;
const GIB = 1024 ** 3;

/** Deterministic UUID-shaped string from hashed parts. */
export function simUuid(...parts: (string | number)[]): string {
  const hex = Array.from({ length: 4 }, (_, i) => Math.floor(hashUnit(...parts, i) * 2 ** 32).toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function detailedDevice(day: FleetDay, device: SimDevice): NinjaDetailedDevice {
  const base = baseDevice(day, device);
  switch (device.deviceType) {
    case 'AgentDevice': return agentDevice(day, device, base);
    case 'VMGuest': return vmGuest(day, device, base);
    default: return vmHost(day, device, base);
  }
}

/** The basic device of `/v2/devices` (no addresses, notes or deviceType). */
export function basicDevice(day: FleetDay, device: SimDevice): NinjaDeviceBase {
  const { ipAddresses: _ip, macAddresses: _mac, publicIP: _public, notes: _notes, deviceType: _type, ...basic } = baseDevice(day, device);
  return basic;
}

function isWindows(m: EstateMachine): boolean {
  return m.osName.startsWith('Windows');
}

function baseDevice(day: FleetDay, device: SimDevice): NinjaDeviceBase {
  const { seed } = day;
  const m = device.machine;
  const agent = device.deviceType === 'AgentDevice';
  const windowsAgent = agent && isWindows(m);
  const out: NinjaDeviceBase = {
    id: device.id,
    uid: simUuid(seed, m.key, 'uid'),
    organizationId: device.organizationId,
    locationId: device.locationId,
    nodeClass: device.nodeClass,
    nodeRoleId: 40 + hashInt(0, 3, device.nodeClass),
    rolePolicyId: 100 + (device.organizationId % 5) * 10 + hashInt(0, 9, device.nodeClass),
    approvalStatus: device.approvalStatus,
    offline: device.offline,
  };
  if (device.parentDeviceId !== undefined) out.parentDeviceId = device.parentDeviceId;
  if (hashUnit(seed, m.key, 'policy-override') < 0.05) out.policyId = 200 + hashInt(0, 20, seed, m.key, 'policy');
  if (hashUnit(seed, m.key, 'owner') < 0.1 && agent) out.assignedOwnerUid = simUuid(seed, m.key, 'owner');
  if (m.displayName !== null) out.displayName = m.displayName;
  // NinjaOne keeps the NetBIOS-length name for Windows agents (N4); the DNS name keeps it whole.
  out.systemName = windowsAgent ? m.hostname.slice(0, 15) : m.hostname;
  out.dnsName = device.deviceType === 'VMHost' ? m.ip : m.domain ? `${m.hostname}.${m.domain}` : m.hostname;
  if (windowsAgent) out.netbiosName = m.hostname.slice(0, 15).toUpperCase();
  out.created = toSeconds(m.createdAt);
  out.lastContact = toSeconds(m.lastContactAt);
  out.lastUpdate = toSeconds(Math.max(m.createdAt, m.lastContactAt - hashInt(0, 300_000, seed, m.key, day.date, 'update')));
  if (hashUnit(seed, m.key, 'tags') < 0.05) out.tags = [hashUnit(seed, m.key, 'tag') < 0.5 ? 'VIP' : 'Loaner'];
  if (hashUnit(seed, m.key, day.date, 'maintenance') < 0.01) {
    const start = day.nowMs - 2 * HOUR_MS;
    out.maintenance = { status: 'IN_MAINTENANCE', start: toSeconds(start), end: toSeconds(start + 4 * HOUR_MS), reasonMessage: 'Hardware replacement' };
  }
  out.ipAddresses = ipAddresses(seed, m, windowsAgent);
  out.macAddresses = macAddresses(seed, m);
  if (agent) out.publicIP = `203.0.113.${(device.organizationId * 37) % 254 + 1}`;
  if (hashUnit(seed, m.key, 'notes') < 0.03) out.notes = [{ text: 'Asset tag checked at last site visit' }];
  out.deviceType = device.deviceType;
  return out;
}

function ipAddresses(seed: number, m: EstateMachine, windows: boolean): string[] {
  const list = [m.ip];
  if (windows && hashUnit(seed, m.key, 'ipv6') < 0.4) list.push(`fe80::${Math.floor(hashUnit(seed, m.key, 'v6') * 0xffff).toString(16)}:1`);
  return list;
}

/** Some agents report a MAC twice (N7), and not always in upper case. */
function macAddresses(seed: number, m: EstateMachine): string[] {
  const list = hashUnit(seed, m.key, 'mac-case') < 0.2 ? m.macs.map((mac) => mac.toLowerCase()) : [...m.macs];
  if (hashUnit(seed, m.key, 'mac-dup') < 0.15 && list[0] !== undefined) list.push(list[0]);
  return list;
}

function agentDevice(day: FleetDay, device: SimDevice, base: NinjaDeviceBase): NinjaAgentDevice {
  const { seed } = day;
  const m = device.machine;
  const memory = (isServerKind(m) ? 32 : 16) * GIB * (hashUnit(seed, m.key, 'mem') < 0.5 ? 1 : 2);
  const cores = isServerKind(m) ? 16 : 4 * hashInt(1, 3, seed, m.key, 'cores');
  const out: NinjaAgentDevice = {
    ...base,
    deviceType: 'AgentDevice',
    os: os(day, m),
    system: system(seed, m, memory),
    memory: { capacity: memory },
    processors: [{
      architecture: m.kind === 'mac' && m.model.startsWith('Mac14') ? 'arm64' : 'x64',
      name: isServerKind(m) ? 'Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz' : 'Intel(R) Core(TM) i5-1245U',
      numCores: cores,
      numLogicalCores: cores * 2,
      maxClockSpeed: isServerKind(m) ? 2_394_000_000 : 1_600_000_000, // Hz, as in N6
      clockSpeed: 1_200_000_000 + hashInt(0, 1000, seed, m.key, 'clock') * 1_000_000,
    }],
    volumes: volumes(seed, m, device.id),
  };
  if (m.lastUser !== null) out.lastLoggedInUser = m.lastUser;
  return out;
}

function isServerKind(m: EstateMachine): boolean {
  return m.kind === 'windows_server' || m.kind === 'linux_server' || m.kind === 'hyperv_host';
}

const RELEASE_ID: Record<string, string> = { 22631: '23H2', 26100: '24H2', 22621: '22H2', 19045: '22H2', 19044: '21H2', 19042: '20H2', 20348: '21H2', 17763: '1809', 14393: '1607' };

function os(day: FleetDay, m: EstateMachine): NinjaOs {
  const windows = isWindows(m);
  const out: NinjaOs = {
    // The genuine server sample says "Windows Server 2022 Standard Edition" (N6).
    name: windows && m.osName.startsWith('Windows Server') && !m.osName.endsWith('Edition') ? `${m.osName} Edition` : m.osName,
    architecture: '64-bit',
    lastBootTime: toSeconds(Math.max(m.createdAt, m.lastContactAt - hashInt(1, 400, day.seed, m.key, 'boot') * HOUR_MS)),
    buildNumber: m.osBuild,
  };
  if (windows) {
    out.manufacturer = 'Microsoft Corporation';
    const release = RELEASE_ID[m.osBuild];
    if (release !== undefined) out.releaseId = release;
    out.servicePackMajorVersion = 0;
    out.servicePackMinorVersion = 0;
    out.locale = hashUnit(day.seed, m.clientId, 'locale') < 0.6 ? 'en-AU' : 'en-US';
    out.language = 'English';
    out.needsReboot = hashUnit(day.seed, m.key, day.date, 'reboot') < 0.1;
  } else if (m.kind === 'mac') {
    out.manufacturer = 'Apple Inc.';
  }
  return out;
}

function system(seed: number, m: EstateMachine, memory: number): NinjaSystem {
  const server = isServerKind(m);
  const laptop = /Latitude|EliteBook|Surface|MacBook|21CB/u.test(m.model) || m.hostname.includes('-LT-');
  const netbiosDomain = m.domain?.split('.')[0]?.toUpperCase();
  const out: NinjaSystem = { name: m.hostname, manufacturer: m.manufacturer, model: m.model };
  // A few BIOSes leave the SMBIOS serial empty while the BIOS serial is filled (the key is then absent).
  out.biosSerialNumber = m.serial;
  if (hashUnit(seed, m.key, 'serial-missing') >= 0.05) out.serialNumber = m.serial;
  if (isWindows(m)) {
    out.domain = netbiosDomain ?? 'WORKGROUP';
    out.domainRole = `${netbiosDomain ? 'Member' : 'Standalone'} ${server ? 'Server' : 'Workstation'}`;
  }
  out.numberOfProcessors = server && hashUnit(seed, m.key, 'sockets') < 0.5 ? 2 : 1;
  out.totalPhysicalMemory = memory;
  out.virtualMachine = false;
  out.chassisType = server ? 'UNKNOWN' : laptop ? 'LAPTOP' : 'DESKTOP';
  return out;
}

function volumes(seed: number, m: EstateMachine, nodeId: number): NinjaVolume[] {
  const capacity = (isServerKind(m) ? 480 : 256) * GIB;
  const volume: NinjaVolume = {
    name: isWindows(m) ? 'C:' : '/',
    label: isWindows(m) ? 'OS' : 'root',
    deviceType: 'Local Disk',
    fileSystem: isWindows(m) ? 'NTFS' : m.kind === 'mac' ? 'APFS' : 'ext4',
    autoMount: true,
    compressed: false,
    capacity,
    freeSpace: Math.floor(capacity * (0.05 + 0.8 * hashUnit(seed, m.key, 'free'))),
    serialNumber: Math.floor(hashUnit(seed, m.key, 'volume-serial') * 2 ** 32).toString(16).toUpperCase().padStart(8, '0'),
    nodeId, // present in live output, not in the spec
  };
  if (isWindows(m)) {
    volume.driveLetter = 'C:';
    const encrypted = hashUnit(seed, m.key, 'bitlocker') < 0.7;
    volume.bitLockerStatus = {
      conversionStatus: encrypted ? 'FULLY_ENCRYPTED' : 'FULLY_DECRYPTED',
      encryptionMethod: encrypted ? 'XTS_AES_128' : 'NONE',
      protectionStatus: encrypted ? 'PROTECTED' : 'UNPROTECTED',
      lockStatus: 'UNLOCKED',
      initializedForProtection: encrypted,
    };
  }
  return [volume];
}

function vmGuest(day: FleetDay, device: SimDevice, base: NinjaDeviceBase): NinjaVmGuest {
  const { seed } = day;
  const m = device.machine;
  const vmware = m.kind === 'vmware_guest';
  const windows = isWindows(m);
  const out: NinjaVmGuest = {
    ...base,
    deviceType: 'VMGuest',
    files: vmware ? `[datastore1] ${m.hostname}/${m.hostname}.vmx` : `D:\\Hyper-V\\Virtual Machines\\${simUuid(seed, m.key, 'vm').toUpperCase()}.vmcx`,
    lastBootTime: toSeconds(Math.max(m.createdAt, m.lastContactAt - hashInt(1, 900, seed, m.key, 'boot') * HOUR_MS)),
    memorySize: 8 * GIB * hashInt(1, 4, seed, m.key, 'vm-mem'),
    coresPerSocket: 2,
    cpuCores: 2 * hashInt(1, 4, seed, m.key, 'vm-cpu'),
    powerState: vmware ? (device.offline ? 'poweredOff' : 'poweredOn') : (device.offline ? 'Off' : 'Running'),
    guestOSFullName: m.osName,
    snapshotCount: hashInt(0, 3, seed, m.key, day.date, 'snapshots'),
  };
  out.snapshotTotalSize = out.snapshotCount! * 4 * GIB;
  if (vmware) {
    out.toolsInstallType = windows ? 'guestToolsTypeMSI' : 'guestToolsTypeOpenVMTools';
    out.toolStatus = 'toolsOk';
    out.toolsVersion = '12352';
    out.toolsVersionStatus = 'guestToolsCurrent';
    out.guestOSFamily = windows ? 'windowsGuest' : 'linuxGuest';
    out.guestOSId = windows ? 'windows2019srv_64Guest' : 'ubuntu64Guest';
  }
  return out;
}

function vmHost(day: FleetDay, device: SimDevice, base: NinjaDeviceBase): NinjaVmHost {
  const { seed } = day;
  const m = device.machine;
  const version = m.osName.replace(/^VMware ESXi\s*/u, '');
  const cores = 16 * hashInt(1, 2, seed, m.key, 'esx-cores');
  return {
    ...base,
    deviceType: 'VMHost',
    cpuMhz: 2394,
    cpuModel: 'Intel(R) Xeon(R) Gold 5318Y CPU @ 2.10GHz',
    htActive: true,
    htAvailable: true,
    lastBootTime: toSeconds(Math.max(m.createdAt, m.lastContactAt - hashInt(24, 2000, seed, m.key, 'boot') * HOUR_MS)),
    memorySize: 256 * GIB,
    model: m.model,
    name: m.hostname,
    cpuCores: cores,
    cpuPackages: 2,
    cpuThreads: cores * 2,
    serviceTag: m.serial,
    vendor: m.manufacturer,
    releaseName: `VMware ESXi ${version} build-${m.osBuild}`,
    version,
    buildNumber: m.osBuild,
  };
}
