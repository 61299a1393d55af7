/**
 * Per-day machine fields (contact, online, patch state). Each is a pure function of
 * (seed, key, day), so a day looks the same however it was reached.
 */
import { hash4 } from './random.js';
import type { EstateContext, MachineCore } from './estate-gen.js';
import type { EstateMachine, MachineKind, MachinePatchState } from './estate.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

// Numeric salts keep the hot loop free of string hashing; each names one independent decision.
const S = {
  Stale: 1, StaleAge: 2, Online: 3, Seen: 4, NeverScanned: 5, Released: 6, Lag: 7, Chronic: 8, ChronicN: 9,
  ThirdParty: 10, Driver: 11, DriverN: 12, Bios: 13, Crit: 14, CritN: 15, Important: 16, Installed: 17, Scan: 18,
  ScanStatus: 19, PreviousOk: 20,
} as const;

const NOT_SCANNED: MachinePatchState = Object.freeze({
  critical: 0, important: 0, moderate: 0, low: 0, unrated: 0,
  missingOs: 0, missingThirdParty: 0, missingDriver: 0, missingBios: 0,
  installed: 0, lastScanAt: null, lastSuccessfulScanAt: null, scanStatus: 'not_scanned',
}) as MachinePatchState;

/** Everything about a day that is the same for all machines, computed once per day. */
export interface DayInfo { dayIndex: number; now: number; week: number; since: number; monthId: number }

export function dayInfo(ctx: EstateContext, dayIndex: number): DayInfo {
  const now = ctx.startMs + dayIndex * DAY_MS + DAY_MS / 2; // the day is observed at 12:00 UTC
  const dayNumber = Math.floor(now / DAY_MS);
  return { dayIndex, now, week: Math.floor(dayNumber / 7), ...patchCycle(dayNumber) };
}

/** Days since epoch of the second Tuesday of a month (Patch Tuesday). */
function patchTuesday(year: number, month: number): number {
  const first = Date.UTC(year, month, 1) / DAY_MS;
  const dow = new Date(first * DAY_MS).getUTCDay();
  return first + ((2 - dow + 7) % 7) + 7;
}

/** Most recent Patch Tuesday on or before the day: days since it and its month id. */
function patchCycle(dayNumber: number): { since: number; monthId: number } {
  const d = new Date(dayNumber * DAY_MS);
  let y = d.getUTCFullYear(), mo = d.getUTCMonth();
  let pt = patchTuesday(y, mo);
  if (pt > dayNumber) { mo -= 1; if (mo < 0) { mo = 11; y -= 1; } pt = patchTuesday(y, mo); }
  return { since: dayNumber - pt, monthId: y * 12 + mo };
}

/** Integer in [min, max] from a uniform u (module level: tsx would wrap a nested arrow per call). */
function int(min: number, max: number, u: number): number {
  return min + Math.floor(u * (max - min + 1));
}

function onlineChance(kind: MachineKind): number {
  if (kind === 'windows_workstation' || kind === 'linux_workstation') return 0.8;
  if (kind === 'mac') return 0.7;
  return 0.97;
}

export function withDaily(ctx: EstateContext, m: MachineCore, day: DayInfo): EstateMachine {
  const { seed } = ctx;
  const { now, dayIndex } = day;
  const key = m.key;
  let online = false;
  let lastContactAt: number;
  if (hash4(seed, key, S.Stale, 0) < 0.025) {
    // Stale machines stopped reporting 5-35 days before day 0 and stay silent: weeks old, growing.
    lastContactAt = ctx.startMs - Math.floor((5 + 30 * hash4(seed, key, S.StaleAge, 0)) * DAY_MS);
  } else if (hash4(seed, key, S.Online, dayIndex) < onlineChance(m.kind)) {
    online = true;
    lastContactAt = now - Math.floor(hash4(seed, key, S.Seen, dayIndex) * 10 * 60_000);
  } else {
    lastContactAt = now - HOUR_MS - Math.floor(hash4(seed, key, S.Seen, dayIndex) * 71 * HOUR_MS);
  }
  lastContactAt = Math.min(now, Math.max(lastContactAt, m.createdAt));
  // An explicit literal (not a spread) keeps one object shape and is several times faster.
  return {
    key: m.key, clientId: m.clientId, location: m.location, hostname: m.hostname, domain: m.domain,
    displayName: m.displayName, kind: m.kind, osName: m.osName, osBuild: m.osBuild,
    manufacturer: m.manufacturer, model: m.model, serial: m.serial, macs: m.macs, ip: m.ip,
    lastUser: m.lastUser, hostKey: m.hostKey, createdAt: m.createdAt, lastContactAt, online,
    presence: m.presence, userSuffix: m.userSuffix, patches: patchState(seed, m, day, lastContactAt),
  };
}

function patchState(seed: number, m: MachineCore, day: DayInfo, lastContactAt: number): MachinePatchState {
  const key = m.key;
  if (m.kind === 'vmware_host' || hash4(seed, key, S.NeverScanned, 0) < 0.015) return NOT_SCANNED;
  const { now, week, since, monthId, dayIndex } = day;
  const windows = m.osName.startsWith('Windows');
  const physical = m.kind !== 'hyperv_guest' && m.kind !== 'vmware_guest';

  // OS patches: each Patch Tuesday releases a batch; a machine installs it after its own lag.
  const released = windows ? int(2, 7, hash4(seed, monthId, S.Released, 0)) : int(0, 2, hash4(seed, monthId, S.Released, key % 7));
  const lag = int(1, 24, hash4(seed, key, S.Lag, 0));
  let missingOs = since < lag ? released : 0;
  if (hash4(seed, key, S.Chronic, 0) < 0.08) missingOs += int(2, 20, hash4(seed, key, S.ChronicN, monthId));
  const tp = hash4(seed, key, S.ThirdParty, week);
  const missingThirdParty = Math.floor(tp * tp * (windows ? 5 : 3));
  const missingDriver = windows && physical && hash4(seed, key, S.Driver, monthId) < 0.1 ? int(1, 2, hash4(seed, key, S.DriverN, 0)) : 0;
  const missingBios = windows && physical && hash4(seed, key, S.Bios, 0) < 0.03 ? 1 : 0;

  // Severity split of the same total; ~5 % of machines (changing weekly) miss something critical.
  const total = missingOs + missingThirdParty + missingDriver + missingBios;
  const wantsCritical = hash4(seed, key, S.Crit, week) < 0.05;
  const extraOs = wantsCritical && total === 0 ? 1 : 0;
  const sum = total + extraOs;
  const critical = wantsCritical ? Math.min(sum, int(1, 3, hash4(seed, key, S.CritN, week))) : 0;
  let rest = sum - critical;
  const important = Math.round(rest * (0.3 + 0.3 * hash4(seed, key, S.Important, dayIndex))); rest -= important;
  const moderate = Math.round(rest * 0.6); rest -= moderate;
  const low = Math.round(rest * 0.5);
  const unrated = rest - low;

  const instU = hash4(seed, key, S.Installed, 0);
  const baseInstalled = windows ? int(120, 320, instU) : m.kind === 'mac' ? int(15, 45, instU) : int(200, 800, instU);
  const installed = baseInstalled + Math.max(0, Math.floor((now - m.createdAt) / (30 * DAY_MS))) * (windows ? 4 : 2);

  // Scans run daily while the machine reports; a few fail or are still running.
  const lastScanAt = Math.max(m.createdAt, Math.min(lastContactAt, now - Math.floor(hash4(seed, key, S.Scan, dayIndex) * 20 * HOUR_MS)));
  const u = hash4(seed, key, S.ScanStatus, dayIndex);
  const scanStatus = u < 0.93 ? 'success' : u < 0.97 ? 'failed' : 'in_progress';
  const previousOk = lastScanAt - int(1, 6, hash4(seed, key, S.PreviousOk, dayIndex)) * DAY_MS;
  const lastSuccessfulScanAt = scanStatus === 'success' ? lastScanAt : previousOk >= m.createdAt ? previousOk : null;
  return {
    critical, important, moderate, low, unrated,
    missingOs: missingOs + extraOs, missingThirdParty, missingDriver, missingBios,
    installed, lastScanAt, lastSuccessfulScanAt, scanStatus,
  };
}
