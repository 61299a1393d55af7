/**
 * A deterministic simulated MSP estate: clients and machines that change day by day.
 * The three vendor simulators project the same estate into their own API shapes, so for one seed
 * their fleets overlap the way real tools do (most machines everywhere, some in one tool only).
 *
 * Day 0 is generated once; every later day is derived from the previous one by applying that
 * day's churn (seeded by seed + day index only), so the result never depends on request order.
 */
import { buildContext, generateInitial, type EstateContext, type EstateState } from './estate-gen.js';
import { advance } from './estate-churn.js';
import { VENDORS, dateToUtcMs } from './estate-data.js';

export { VENDORS, dateToUtcMs };

export type Vendor = 'ninjaone' | 'threatlocker' | 'pmp';
export type MachineKind =
  | 'windows_workstation' | 'windows_server' | 'mac' | 'linux_workstation' | 'linux_server'
  | 'hyperv_host' | 'hyperv_guest' | 'vmware_host' | 'vmware_guest';

export interface EstateOptions { seed: number; devices: number; startDate: string /* YYYY-MM-DD: day 0 */ }
export interface EstateClient {
  id: number;
  name: string;
  names: Record<Vendor, string>;
  locations: string[];
  presence: Record<Vendor, boolean>;
}
export interface MachinePatchState {
  critical: number; important: number; moderate: number; low: number; unrated: number;
  missingOs: number; missingThirdParty: number; missingDriver: number; missingBios: number;
  installed: number;
  lastScanAt: number | null;
  lastSuccessfulScanAt: number | null;
  scanStatus: 'success' | 'failed' | 'in_progress' | 'not_scanned';
}
export interface EstateMachine {
  key: number;
  clientId: number;
  location: string;
  hostname: string;
  domain: string | null;
  displayName: string | null;
  kind: MachineKind;
  osName: string;
  osBuild: string;
  manufacturer: string; model: string;
  serial: string;
  macs: string[];
  ip: string;
  lastUser: string | null;
  hostKey: number | null;
  createdAt: number;
  lastContactAt: number;
  online: boolean;
  presence: Record<Vendor, boolean>;
  userSuffix: string | null;
  patches: MachinePatchState;
}
export interface EstateDay { date: string; dayIndex: number; clients: EstateClient[]; machines: EstateMachine[] }
export interface Estate {
  options: EstateOptions;
  day(date: string): EstateDay;
  fleetFor(vendor: Vendor, date: string): EstateMachine[];
}

const DAY_MS = 86_400_000;

/** The instant the simulated day is observed at (12:00 UTC): lastContactAt/scan times are <= this. */
export function simulatedNow(date: string): number {
  return dateToUtcMs(date) + DAY_MS / 2;
}

function addDays(date: string, days: number): string {
  return new Date(dateToUtcMs(date) + days * DAY_MS).toISOString().slice(0, 10);
}

interface CachedDay { state: EstateState; day: EstateDay; fleets: Partial<Record<Vendor, EstateMachine[]>> }

export function createEstate(opts: EstateOptions): Estate {
  if (!Number.isInteger(opts.devices) || opts.devices < 1) throw new Error('devices must be a positive integer');
  const options: EstateOptions = { ...opts };
  const startMs = dateToUtcMs(options.startDate);
  const ctx: EstateContext = buildContext(options);
  const day0 = wrap(generateInitial(ctx));
  const { cutoffs, lastInitialKey } = fleetCutoffs(day0.state, options.devices);

  // Day 0 stays pinned (going backwards never regenerates it); the latest two days are kept, so
  // stepping forward costs one day's churn plus the per-day fields (contact, patches), which do
  // change for every machine every day. Returned arrays are shared: callers must not mutate them.
  let recent: CachedDay[] = [];

  function wrap(state: EstateState): CachedDay {
    const date = addDays(options.startDate, state.dayIndex);
    return { state, day: { date, dayIndex: state.dayIndex, clients: ctx.clients, machines: state.machines }, fleets: {} };
  }

  function cachedAt(dayIndex: number): CachedDay {
    if (dayIndex === 0) return day0;
    const hit = recent.find((c) => c.state.dayIndex === dayIndex);
    if (hit) return hit;
    // Start from the latest cached day not after the target, else from day 0.
    let from = day0;
    for (const c of recent) if (c.state.dayIndex < dayIndex && c.state.dayIndex > from.state.dayIndex) from = c;
    let state = from.state;
    while (state.dayIndex < dayIndex) state = advance(ctx, state, state.dayIndex + 1);
    const entry = wrap(state);
    recent = [entry, ...recent].slice(0, 2);
    return entry;
  }

  function indexOf(date: string): number {
    const idx = Math.round((dateToUtcMs(date) - startMs) / DAY_MS);
    if (idx < 0) throw new Error(`date ${date} is before the estate's startDate ${options.startDate}`);
    return idx;
  }

  return {
    options,
    day: (date) => cachedAt(indexOf(date)).day,
    fleetFor(vendor, date) {
      const c = cachedAt(indexOf(date));
      const cutoff = cutoffs[vendor];
      return (c.fleets[vendor] ??= c.state.machines.filter(
        (m) => m.presence[vendor] && (m.key <= cutoff || m.key > lastInitialKey),
      ));
    },
  };
}

/** cutoff_v = key of the N-th day-0 machine the vendor knows: each vendor lists exactly N on day 0. */
function fleetCutoffs(state: EstateState, n: number): { cutoffs: Record<Vendor, number>; lastInitialKey: number } {
  const cutoffs = {} as Record<Vendor, number>;
  for (const v of VENDORS) {
    let seen = 0;
    for (const m of state.machines) {
      if (m.presence[v] && ++seen === n) { cutoffs[v] = m.key; break; }
    }
    if (seen < n) throw new Error(`estate generation produced only ${seen} ${v} machines, need ${n}`);
  }
  return { cutoffs, lastInitialKey: state.nextKey - 1 };
}
