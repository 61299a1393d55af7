/**
 * One estate machine as ThreatLocker lists it (vendor-apis.md §2.5): the portal name
 * ("HOST | User Name"), the computer group, the mode, check-in, agent version and deny counts.
 * Everything is a pure function of (seed, machine, day).
 */
import { hashInt, hashUnit } from '../../simulation/random.js';
import type { EstateMachine, MachineKind } from '../../simulation/estate.js';
import type { ComputerAction, TlComputer } from '../types.js';
import { guidOf, isoMicros, isoSeconds } from './ids.js';

const DAY_MS = 86_400_000;
const SPARE_STOCK = 'Spare Stock';

export interface OrgRef { organizationId: string; displayName: string }

interface AgentVersion { threatLockerVersion: string; serviceVersion: string; major: number; minor: number }
const WINDOWS_AGENTS: readonly AgentVersion[] = [
  { threatLockerVersion: '10.3.4.3791/10.3.0.907AMD64', serviceVersion: '10.3.4.3791', major: 10, minor: 3 },
  { threatLockerVersion: '10.2.7.3412/10.2.0.850AMD64', serviceVersion: '10.2.7.3412', major: 10, minor: 2 },
  { threatLockerVersion: '9.8.2.2201/9.8.0.700AMD64', serviceVersion: '9.8.2.2201', major: 9, minor: 8 },
];
const MAC_AGENTS: readonly AgentVersion[] = [
  { threatLockerVersion: '3.1.2.1045', serviceVersion: '3.1.2.1045', major: 3, minor: 1 },
  { threatLockerVersion: '3.0.8.988', serviceVersion: '3.0.8.988', major: 3, minor: 0 },
];
const LINUX_AGENTS: readonly AgentVersion[] = [
  { threatLockerVersion: '2.1.0.311', serviceVersion: '2.1.0.311', major: 2, minor: 1 },
];

const MODE_LABEL: Record<ComputerAction, string> = {
  Secure: 'Secure',
  Learning: 'Application Control Learning Mode',
  Installation: 'Installation Mode',
  MonitorOnly: 'Monitor Only',
};
/** maintenanceTypeId per mode (T6): 0 none, 1 monitor only, 2 installation, 3 learning. */
const MAINTENANCE_TYPE: Record<ComputerAction, number> = { Secure: 0, MonitorOnly: 1, Installation: 2, Learning: 3 };
const MAINTENANCE_DAYS: Record<ComputerAction, number> = { Secure: 0, MonitorOnly: 14, Installation: 1, Learning: 7 };

export function osTypeOf(m: EstateMachine): number {
  if (m.kind === 'mac') return 2;
  return m.osName.startsWith('Windows') ? 1 : 3;
}

const isWindows = (m: EstateMachine): boolean => osTypeOf(m) === 1;
const endUserKinds: readonly MachineKind[] = ['windows_workstation', 'mac', 'linux_workstation'];

/** Windows agents report the NetBIOS name: 15 characters at most. */
export function tlHostname(m: EstateMachine): string {
  return isWindows(m) ? m.hostname.slice(0, 15) : m.hostname;
}

/** The portal name: renamed to mark a spare, or "HOST | User Name" where the MSP labels by user. */
export function computerNameOf(m: EstateMachine): string {
  const host = tlHostname(m);
  if (m.displayName && m.displayName.toLowerCase().includes('spare')) return m.displayName;
  return m.userSuffix ? `${host} | ${m.userSuffix}` : host;
}

export function groupOf(m: EstateMachine): string {
  if (m.location === SPARE_STOCK) return SPARE_STOCK;
  if (m.kind === 'mac') return 'Mac Computers';
  const server = !endUserKinds.includes(m.kind) && !/Windows 1\d/u.test(m.osName);
  if (osTypeOf(m) === 3) return server ? 'Linux Servers' : 'Linux Workstations';
  return server ? 'Servers' : 'Workstations';
}

/** Windows builds as ThreatLocker's ipOperatingSystem shows them ("10.0.26100.5074"); "" elsewhere. */
function ipOperatingSystemOf(seed: number, m: EstateMachine): string {
  if (!isWindows(m)) return '';
  const build = Number(m.osBuild);
  const version = build <= 9600 ? '6.3' : '10.0';
  return `${version}.${m.osBuild}.${hashInt(100, 5999, seed, m.key, 'ubr')}`;
}

interface ModeState { action: ComputerAction; startMs: number | null; endMs: number | null }

/** New agents start in Learning; otherwise a weekly draw, mostly Secure. */
function modeOf(seed: number, m: EstateMachine, nowMs: number): ModeState {
  const age = nowMs - m.createdAt;
  if (age < 7 * DAY_MS) return { action: 'Learning', startMs: m.createdAt, endMs: m.createdAt + 7 * DAY_MS };
  const week = Math.floor(nowMs / (7 * DAY_MS));
  const u = hashUnit(seed, m.key, week, 'mode');
  const action: ComputerAction = u < 0.9 ? 'Secure' : u < 0.94 ? 'Learning' : u < 0.97 ? 'Installation' : 'MonitorOnly';
  if (action === 'Secure') return { action, startMs: null, endMs: null };
  const startMs = week * 7 * DAY_MS + hashInt(0, 6 * 24, seed, m.key, week, 'mode-start') * 3_600_000;
  const start = Math.min(startMs, nowMs - 3_600_000);
  return { action, startMs: start, endMs: start + MAINTENANCE_DAYS[action] * DAY_MS };
}

function agentOf(seed: number, m: EstateMachine): AgentVersion {
  const list = osTypeOf(m) === 2 ? MAC_AGENTS : osTypeOf(m) === 3 ? LINUX_AGENTS : WINDOWS_AGENTS;
  const u = hashUnit(seed, m.key, 'agent');
  return list[Math.min(list.length - 1, Math.floor(u * u * list.length))]!;
}

function denies(seed: number, m: EstateMachine, dayIndex: number, action: ComputerAction): [number, number, number] {
  if (action !== 'Secure') return [0, 0, 0];
  const day = (d: number): number => (hashUnit(seed, m.key, d, 'deny') < 0.85 ? 0 : hashInt(1, 30, seed, m.key, d, 'deny-n'));
  let one = 0, three = 0, seven = 0;
  for (let i = 0; i < 7; i++) {
    const n = day(dayIndex - i);
    if (i < 1) one += n;
    if (i < 3) three += n;
    seven += n;
  }
  return [one, three, seven];
}

/** The computer row without `totalRows` (the query adds it). */
export function projectComputer(seed: number, m: EstateMachine, org: OrgRef, dayIndex: number, nowMs: number, publicIp: string): TlComputer {
  const mode = modeOf(seed, m, nowMs);
  const agent = agentOf(seed, m);
  const [denyCountOneDay, denyCountThreeDays, denyCountSevenDays] = denies(seed, m, dayIndex, mode.action);
  const group = groupOf(m);
  const checkinMs = Math.max(m.createdAt, m.lastContactAt - hashInt(0, 300, seed, m.key, dayIndex, 'tl-lag') * 1000);
  const fractional = hashUnit(seed, m.key, dayIndex, 'tl-frac') < 0.2;
  const learningDays = mode.action === 'Learning' && mode.startMs !== null ? (nowMs - mode.startMs) / DAY_MS : 0;
  const trailingSpace = isWindows(m) && hashUnit(seed, m.key, 'os-space') < 0.25 ? ' ' : '';
  const tamper = hashUnit(seed, m.key, Math.floor(dayIndex / 7), 'tamper') < 0.01;
  const isolated = hashUnit(seed, m.key, dayIndex, 'isolated') < 0.003;
  const maintenanceTypeId = MAINTENANCE_TYPE[mode.action];
  const maintenanceEndDate = mode.endMs === null ? null : isoSeconds(mode.endMs);
  const row: TlComputer = {
    computerId: guidOf(seed, 'tl-computer', m.key),
    computerName: computerNameOf(m),
    group,
    computerGroupId: guidOf(seed, 'tl-group', org.organizationId, group),
    action: mode.action,
    mode: MODE_LABEL[mode.action],
    maintenanceTypeId,
    maintenanceEndDate,
    startDateTime: mode.startMs === null ? null : isoSeconds(mode.startMs),
    maintenenceBannerIds: [],
    organization: org.displayName,
    organizationId: org.organizationId,
    hostname: tlHostname(m),
    operatingSystem: `${m.osName}${trailingSpace}`,
    ipOperatingSystem: ipOperatingSystemOf(seed, m),
    osType: osTypeOf(m),
    lastCheckin: fractional ? isoMicros(checkinMs, hashInt(0, 999, seed, m.key, dayIndex, 'us')) : isoSeconds(checkinMs),
    lastCheckinIPAddress: publicIp,
    lastCheckinLocalIPAddresses: [m.ip],
    hasAtLeastOneCheckin: true,
    dateAdded: isoSeconds(m.createdAt),
    installDate: hashUnit(seed, m.key, 'install-date') < 0.6 ? null : isoSeconds(m.createdAt),
    dateCreated: null,
    threatLockerVersion: agent.threatLockerVersion,
    threatLockerVersionId: guidOf('tl-version', agent.threatLockerVersion),
    serviceVersion: agent.serviceVersion,
    newThreatLockerVersion: '',
    targetThreatLockerVersion: '',
    versionMajor: agent.major,
    versionMinor: agent.minor,
    hasUnknownVersion: false,
    denyCountOneDay,
    denyCountThreeDays,
    denyCountSevenDays,
    hasZeroDeniesFourDays: denyCountThreeDays === 0,
    username: m.lastUser ?? '',
    isDeleted: false,
    isIsolated: isolated,
    isIsolationMode: isolated,
    isLockDownMode: false,
    isLockedOut: hashUnit(seed, m.key, dayIndex, 'locked') < 0.002,
    isTamperProtectionDisabled: tamper,
    isOpsAlertsDisabled: false,
    isReadyToSecure: mode.action === 'Learning' && learningDays >= 4,
    isNeededReview: hashUnit(seed, m.key, dayIndex, 'review') < 0.02,
    isInheritFromGroup: hashUnit(seed, m.key, 'inherit') < 0.9,
    isLearningMoreThanFourDays: learningDays > 4,
    isLearningModeMoreThanSeven: learningDays > 7,
    isLearningModeLongerThanFiveYears: false,
    hasInstalationAtLeastSevenDaysAgo: nowMs - m.createdAt >= 7 * DAY_MS,
    hasComputerPassword: false,
    hasConfigManagerProduct: false,
    restartComputerNeeded: false,
    shouldRestart: false,
    uploadBaseFile: false,
    progressBarLearning: mode.action === 'Learning' ? Math.min(100, Math.round((learningDays / 7) * 100)) : 0,
    driverStatusString: 'Active',
    application: '',
    appliesToType: '',
  };
  // Newer agents send the newer fields (T7); older ones do not have them at all.
  if (agent.major >= 10) {
    row.serialNumber = m.serial;
    row.isElevated = false;
    row.appControlLearningModeActive = mode.action === 'Learning';
    row.activeMaintenanceModes = maintenanceTypeId === 0 ? [] : [{ maintenanceTypeId, maintenanceEndDate }];
  }
  return row;
}

/** A computer removed from the portal, as `showDeleted: true` lists it. */
export function asDeleted(row: TlComputer): TlComputer {
  return { ...row, isDeleted: true };
}
