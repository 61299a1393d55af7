/**
 * OS-patch query rows for Windows agents, derived from the estate's patch state.
 *
 * - os-patches: one row per patch not installed (PENDING, APPROVED, MANUAL, FAILED), as many as the
 *   estate's missing OS + driver patches, severities taken from the estate's split; plus occasional
 *   REJECTED rows, which are not missing in the warehouse's sense.
 * - os-patch-installs: each Patch Tuesday batch installed after the machine's own lag, for the last
 *   HISTORY_DAYS days, mostly INSTALLED with a few FAILED attempts.
 * Severity, status and type strings follow vendor-apis.md §1.7 (the spec types them as free strings).
 */
import { hashInt, hashUnit } from '../../simulation/random.js';
import type { NinjaOsPatchRow } from '../types.js';
import { simUuid } from './devices.js';
import type { FleetDay, SimDevice } from './fleet.js';
import { toSeconds } from './json.js';

const DAY_MS = 86_400_000;
/** How far back the simulated install history reaches. */
export const HISTORY_DAYS = 45;

export function isPatchableSim(device: SimDevice): boolean {
  return device.deviceType === 'AgentDevice' && device.machine.osName.startsWith('Windows');
}

type Severity = 'critical' | 'important' | 'moderate' | 'low' | 'unrated';
const OS_TYPES = ['SECURITY_UPDATES', 'CRITICAL_UPDATES', 'UPDATE_ROLLUPS', 'REGULAR_UPDATES', 'DEFINITION_UPDATES', 'FEATURE_PACKS'];

export function osPatchRows(day: FleetDay, device: SimDevice): NinjaOsPatchRow[] {
  if (!isPatchableSim(device)) return [];
  const { seed } = day;
  const m = device.machine;
  const p = m.patches;
  const severities: Severity[] = [
    ...Array<Severity>(p.critical).fill('critical'), ...Array<Severity>(p.important).fill('important'),
    ...Array<Severity>(p.moderate).fill('moderate'), ...Array<Severity>(p.low).fill('low'), ...Array<Severity>(p.unrated).fill('unrated'),
  ];
  const count = p.missingOs + p.missingDriver;
  const timestamp = toSeconds(p.lastScanAt ?? m.lastContactAt);
  const rows: NinjaOsPatchRow[] = [];
  for (let i = 0; i < count; i++) {
    const driver = i < p.missingDriver;
    const kb = 5_030_000 + hashInt(0, 69_999, seed, m.key, i, 'kb');
    const u = hashUnit(seed, m.key, day.date, i, 'status');
    const row: NinjaOsPatchRow = {
      id: simUuid(seed, m.key, kb, 'patch'),
      name: driver ? `Intel - System - 10.1.${kb % 100}.${kb % 7}` : `${month(day)} Cumulative Update for ${m.osName} for x64-based Systems (KB${kb})`,
      severity: '',
      status: u < 0.7 ? 'PENDING' : u < 0.85 ? 'APPROVED' : u < 0.93 ? 'MANUAL' : 'FAILED',
      type: driver ? 'DRIVER_UPDATES' : OS_TYPES[hashInt(0, OS_TYPES.length - 1, seed, m.key, i, 'type')]!,
      deviceId: device.id,
      timestamp,
    };
    // Driver updates come through Windows Update without a KB article.
    if (!driver) row.kbNumber = `KB${kb}`;
    setSeverity(row, severities[i] ?? 'unrated', hashUnit(seed, m.key, i, 'sev-form'));
    rows.push(row);
  }
  if (hashUnit(seed, m.key, 'rejected') < 0.06) {
    rows.push({
      id: simUuid(seed, m.key, 'rejected'), name: 'Feature update to Windows 11, version 24H2', severity: 'OPTIONAL',
      status: 'REJECTED', type: 'FEATURE_PACKS', deviceId: device.id, timestamp,
    });
  }
  return rows;
}

/** OPTIONAL is the documented low value, LOW a guessed one; unrated rows omit the key or say UNSPECIFIED. */
function setSeverity(row: NinjaOsPatchRow, severity: Severity, u: number): void {
  switch (severity) {
    case 'critical': row.severity = 'CRITICAL'; break;
    case 'important': row.severity = 'IMPORTANT'; break;
    case 'moderate': row.severity = 'MODERATE'; break;
    case 'low': row.severity = u < 0.7 ? 'OPTIONAL' : 'LOW'; break;
    default:
      if (u < 0.5) delete row.severity;
      else row.severity = 'UNSPECIFIED';
  }
}

function month(day: FleetDay): string {
  return day.date.slice(0, 7);
}

/** Second Tuesday of a month, epoch ms at 18:00 UTC (release time, roughly). */
function patchTuesday(year: number, monthIndex: number): number {
  const first = Date.UTC(year, monthIndex, 1);
  const dow = new Date(first).getUTCDay();
  return first + (((2 - dow + 7) % 7) + 7) * DAY_MS + 18 * 3_600_000;
}

/** Install history (newest last) of one device, restricted to [HISTORY_DAYS ago, now]. */
export function osPatchInstallRows(day: FleetDay, device: SimDevice): NinjaOsPatchRow[] {
  if (!isPatchableSim(device)) return [];
  const { seed, nowMs } = day;
  const m = device.machine;
  const from = Math.max(m.createdAt, nowMs - HISTORY_DAYS * DAY_MS);
  const lag = hashInt(1, 24, seed, m.key, 'lag');
  const rows: NinjaOsPatchRow[] = [];
  const now = new Date(nowMs);
  // Start a month early: a batch released before the window may be installed inside it.
  for (let back = Math.ceil(HISTORY_DAYS / 28) + 1; back >= 0; back--) {
    const release = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
    const monthId = release.getUTCFullYear() * 12 + release.getUTCMonth();
    const batch = hashInt(2, 7, seed, monthId, 'released');
    const installDay = patchTuesday(release.getUTCFullYear(), release.getUTCMonth()) + lag * DAY_MS;
    for (let i = 0; i < batch; i++) {
      const installedAt = installDay + hashInt(0, 6 * 3_600_000, seed, m.key, monthId, i, 'at');
      if (installedAt < from || installedAt > nowMs) continue;
      const kb = 5_030_000 + hashInt(0, 69_999, seed, monthId, i, 'kb');
      const failed = hashUnit(seed, m.key, monthId, i, 'failed') < 0.03;
      rows.push({
        id: simUuid(seed, m.key, kb, 'install'),
        name: `${release.toISOString().slice(0, 7)} Cumulative Update for ${m.osName} for x64-based Systems (KB${kb})`,
        severity: i === 0 ? 'CRITICAL' : 'IMPORTANT',
        status: failed ? 'FAILED' : 'INSTALLED',
        type: i === 0 ? 'SECURITY_UPDATES' : 'UPDATE_ROLLUPS',
        installedAt: toSeconds(installedAt),
        kbNumber: `KB${kb}`,
        deviceId: device.id,
        timestamp: toSeconds(installedAt + 600_000),
      });
    }
  }
  return rows;
}
