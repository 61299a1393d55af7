/** Day-0 generation: clients, then machines in key (creation) order. */
import { createRng, hashUnit, type Rng } from './random.js';
import {
  EXTRA_LOCATIONS, FIRST_NAMES, HARDWARE, INDUSTRIES, KIND_WEIGHTS, LEGAL_FAMILIES, OS, PLACES, PRESENCE,
  SPARE_STOCK, SURNAMES, VENDORS, dateToUtcMs, weighted, type Hardware, type OsRelease,
} from './estate-data.js';
import { dayInfo, withDaily } from './estate-daily.js';
import type { EstateClient, EstateMachine, EstateOptions, MachineKind, Vendor } from './estate.js';

export interface ClientInfo { code: string; domain: string; netbios: string; mask: number }
export interface EstateContext {
  seed: number;
  options: EstateOptions;
  startMs: number;
  clients: EstateClient[];
  info: ClientInfo[];          // index = clientId - 1
  cumWeights: Float64Array;    // cumulative client size weights, for weighted client picks
}
export interface EstateState {
  dayIndex: number;
  machines: EstateMachine[];   // alive, sorted by key
  nextKey: number;
  counters: Int32Array;        // per-client hostname sequence (index = clientId - 1)
}
/** A machine without its per-day fields. */
export type MachineCore = Omit<EstateMachine, 'lastContactAt' | 'online' | 'patches'>;

const DAY_MS = 86_400_000;
const HISTORY_MS = 3 * 365 * DAY_MS;

/** Shared, frozen presence records: 8 possible masks (bit 0 ninjaone, 1 threatlocker, 2 pmp). */
const PRESENCE_BY_MASK: ReadonlyArray<Record<Vendor, boolean>> = Array.from({ length: 8 }, (_, m) =>
  Object.freeze({ ninjaone: (m & 1) !== 0, threatlocker: (m & 2) !== 0, pmp: (m & 4) !== 0 }));

export function normaliseName(s: string): string {
  return s.toLowerCase().replace(/&/g, ' and ').replace(/[^a-z0-9]+/g, ' ').trim();
}

export function buildContext(options: EstateOptions): EstateContext {
  const rng = createRng(`${options.seed}/clients`);
  const count = Math.max(3, Math.round(options.devices / 40));
  // Zipf-like sizes, shuffled so client ids do not correlate with size.
  const weights = Array.from({ length: count }, (_, i) => 1 / (i + 3));
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [weights[i], weights[j]] = [weights[j]!, weights[i]!];
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const cumWeights = new Float64Array(count);
  let acc = 0;
  weights.forEach((w, i) => { acc += w / total; cumWeights[i] = acc; });

  const used = new Set<string>();
  const clients: EstateClient[] = [];
  const info: ClientInfo[] = [];
  for (let i = 0; i < count; i++) {
    const name = uniqueName(rng, used);
    const expected = (weights[i]! / total) * options.devices * 1.3;
    const mask = clientMask(rng);
    clients.push({
      id: i + 1, name, names: vendorNames(rng, name), locations: locationsFor(rng, expected),
      presence: PRESENCE_BY_MASK[mask]!,
    });
    info.push(clientInfo(name, mask));
  }
  ensureEveryVendorHasAClient(clients, info, weights);
  return { seed: options.seed, options, startMs: dateToUtcMs(options.startDate), clients, info, cumWeights };
}

function uniqueName(rng: Rng, used: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    const form = attempt < 20 ? rng.int(0, 2) : 3; // fall back to the form with the most combinations
    const name =
      form === 0 ? `${rng.pick(PLACES)} ${rng.pick(INDUSTRIES)}`
      : form === 1 ? `${rng.pick(SURNAMES)} ${rng.pick(INDUSTRIES)}`
      : form === 2 ? `${rng.pick(SURNAMES)} & ${rng.pick(SURNAMES)}${rng.chance(0.5) ? ` ${rng.pick(INDUSTRIES)}` : ''}`
      : `${rng.pick(PLACES)} ${rng.pick(SURNAMES)} & ${rng.pick(SURNAMES)} ${rng.pick(INDUSTRIES)}`;
    const norm = normaliseName(name);
    if (!used.has(norm)) { used.add(norm); return name; }
  }
}

/** Vendor spellings: mostly variations that normalise to the same name; ~3 % differ for real. */
function vendorNames(rng: Rng, name: string): Record<Vendor, string> {
  const family = rng.pick(LEGAL_FAMILIES);
  const odd = rng.chance(0.03) ? rng.pick(VENDORS) : null;
  const out = {} as Record<Vendor, string>;
  for (const v of VENDORS) {
    let n = name;
    if (rng.chance(0.2)) n = n.includes('&') ? n.replace('&', 'and') : n.replace(' and ', ' & ');
    const suffix = rng.pick(family);
    if (suffix) n = suffix.startsWith(',') ? `${n}${suffix}` : `${n} ${suffix}`;
    const c = rng.next();
    if (c < 0.15) n = n.toUpperCase(); else if (c < 0.3) n = n.toLowerCase();
    if (rng.chance(0.05)) n = n.replace(' ', '  ');
    if (rng.chance(0.05)) n = `${n} `;
    if (v === odd) n = rng.chance(0.5) ? `${name} Group` : name.replace(/[aeiou](?=[^aeiou]*$)/i, '');
    out[v] = n;
  }
  return out;
}

function clientMask(rng: Rng): number {
  const u = rng.next();
  if (u < 0.9) return 7;
  if (u < 0.96) return rng.next() < 0.5 ? 5 : rng.next() < 0.8 ? 3 : 6; // missing one vendor
  return rng.pick([1, 1, 1, 2, 4]);                                      // present in one only
}

function locationsFor(rng: Rng, expectedSize: number): string[] {
  const extra = Math.min(EXTRA_LOCATIONS.length, Math.max(0, Math.floor(Math.log2(expectedSize / 20))));
  const start = rng.int(0, EXTRA_LOCATIONS.length - 1);
  const names = Array.from({ length: extra }, (_, i) => EXTRA_LOCATIONS[(start + i) % EXTRA_LOCATIONS.length]!);
  return [rng.chance(0.7) ? 'Main Office' : 'Head Office', ...names, SPARE_STOCK];
}

function clientInfo(name: string, mask: number): ClientInfo {
  const first = name.split(/[\s&]+/)[0]!.replace(/[^A-Za-z]/g, '');
  const code = first.slice(0, 4).toUpperCase();
  const slug = first.toLowerCase();
  return { code, domain: `${slug}.local`, netbios: first.toUpperCase().slice(0, 15), mask };
}

function ensureEveryVendorHasAClient(clients: EstateClient[], info: ClientInfo[], weights: number[]): void {
  const biggest = weights.indexOf(Math.max(...weights));
  VENDORS.forEach((_, bit) => {
    if (!info.some((c) => c.mask & (1 << bit))) {
      info[biggest]!.mask |= 1 << bit;
      clients[biggest]!.presence = PRESENCE_BY_MASK[info[biggest]!.mask]!;
    }
  });
}

/** Weighted client pick (binary search over cumulative weights). */
export function pickClient(ctx: EstateContext, u: number): number {
  const cw = ctx.cumWeights;
  let lo = 0, hi = cw.length - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cw[mid]! > u) hi = mid; else lo = mid + 1; }
  return lo + 1;
}

/** What a vendor knows of a machine: its own agent chance (stable per key), limited to the client's vendors. */
export function presenceOf(ctx: EstateContext, key: number, kind: MachineKind, clientId: number): Record<Vendor, boolean> {
  const p = PRESENCE[kind];
  let intrinsic = 0;
  for (let b = 0; b < 3; b++) if (hashUnit(ctx.seed, key, 'presence', b) < p[b]!) intrinsic |= 1 << b;
  const mask = ctx.info[clientId - 1]!.mask;
  let eff = intrinsic & mask;
  if (eff === 0) eff = mask & -mask; // every machine is known somewhere its client is
  return PRESENCE_BY_MASK[eff]!;
}

export function generateInitial(ctx: EstateContext): EstateState {
  const n = ctx.options.devices;
  const rng = createRng(`${ctx.seed}/machines`);
  const state: EstateState = { dayIndex: 0, machines: [], nextKey: 1, counters: new Int32Array(ctx.clients.length) };
  const hosts: HostIndex = new Map();
  const counts = [0, 0, 0];
  const tau = 0.6 * n;
  const target = Math.ceil(1.3 * n);
  const core: MachineCore[] = [];
  while (state.nextKey <= target || counts.some((c) => c < n)) {
    if (state.nextKey > 20 * n + 1000) throw new Error('estate generation did not converge');
    const key = state.nextKey++;
    // Creation times rise with key and thin out into the past (fleets grow).
    const createdAt = Math.round(ctx.startMs - DAY_MS - HISTORY_MS * Math.exp(-key / tau));
    const m = makeMachine(ctx, rng, state.counters, hosts, key, pickClient(ctx, rng.next()), createdAt, true);
    VENDORS.forEach((v, i) => { if (m.presence[v]) counts[i]!++; });
    core.push(m);
  }
  const day = dayInfo(ctx, 0);
  state.machines = core.map((m) => withDaily(ctx, m, day));
  return state;
}

/** Host keys per (client, hypervisor) slot. */
export type HostIndex = Map<number, number[]>;
const hostSlot = (clientId: number, kind: MachineKind): number =>
  clientId * 2 + (kind === 'vmware_host' || kind === 'vmware_guest' ? 1 : 0);
export function addHost(hosts: HostIndex, clientId: number, kind: MachineKind, key: number): void {
  const slot = hostSlot(clientId, kind);
  const list = hosts.get(slot);
  if (list) list.push(key); else hosts.set(slot, [key]);
}

/** Guests need a host in their client, so the first guest of a client without one becomes its host. */
export function makeMachine(
  ctx: EstateContext, rng: Rng, counters: Int32Array, hosts: HostIndex,
  key: number, clientId: number, createdAt: number, allowSpare: boolean,
): MachineCore {
  let kind = weighted(KIND_WEIGHTS, rng.next());
  let hostKey: number | null = null;
  if (kind === 'hyperv_guest' || kind === 'vmware_guest') {
    const list = hosts.get(hostSlot(clientId, kind));
    if (list && list.length > 0) hostKey = rng.pick(list);
    else kind = kind === 'hyperv_guest' ? 'hyperv_host' : 'vmware_host';
  }
  if (kind === 'hyperv_host' || kind === 'vmware_host') addHost(hosts, clientId, kind, key);
  const client = ctx.clients[clientId - 1]!;
  const info = ctx.info[clientId - 1]!;
  const os = weighted(OS_WEIGHTED[kind], rng.next());
  const hw = rng.pick(HARDWARE[kind]);
  const hostname = newHostname(rng, counters, clientId, info.code, kind);
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(SURNAMES);
  const domain = hasDomain(rng, kind, os.name) ? info.domain : null;
  const user = lastUserFor(rng, kind, first, last, domain ? info.netbios : null);
  const endUser = kind === 'windows_workstation' || kind === 'mac' || kind === 'linux_workstation';
  const spareByName = allowSpare && endUser && rng.chance(0.011);
  const spareByLocation = allowSpare && endUser && !spareByName && rng.chance(0.011);
  const locIdx = rng.next() < 0.7 ? 0 : rng.int(0, client.locations.length - 2);
  return {
    key, clientId,
    location: spareByLocation ? SPARE_STOCK : client.locations[locIdx]!,
    hostname, domain,
    displayName: spareByName ? spareDisplayName(rng, hostname) : displayNameFor(rng, kind, first, last),
    kind, osName: os.name, osBuild: os.build, manufacturer: hw.manufacturer, model: hw.model,
    serial: serialFor(rng, hw),
    macs: Array.from({ length: rng.chance(0.25) ? 2 : 1 }, () => macFor(rng, hw)),
    ip: `10.${clientId % 250}.${locIdx * 16 + rng.int(0, 15)}.${rng.int(2, 254)}`,
    lastUser: user,
    hostKey, createdAt,
    presence: presenceOf(ctx, key, kind, clientId),
    userSuffix: endUser && user && rng.chance(0.35) ? `${first} ${last}` : null,
  };
}

const OS_WEIGHTED = Object.fromEntries(
  Object.entries(OS).map(([k, list]) => [k, list.map((o) => [o, o.weight] as const)]),
) as unknown as Record<MachineKind, ReadonlyArray<readonly [OsRelease, number]>>;

const DEPTS = ['RECEPTION', 'ACCOUNTS', 'BOARDROOM', 'WORKSHOP', 'TRAINING', 'PAYROLL', 'DISPATCH'];
const ROLES = ['APP', 'SQL', 'DC', 'FS', 'RDS', 'WEB', 'PRINT', 'BACKUP', 'EXCH', 'PBX', 'AV'];

/** Hostnames as MSPs see them; ~3 % exceed NetBIOS's 15 characters. */
export function newHostname(rng: Rng, counters: Int32Array, clientId: number, code: string, kind: MachineKind): string {
  const seq = ++counters[clientId - 1]!;
  const n2 = String(seq % 100).padStart(2, '0');
  const n4 = String(seq % 10000).padStart(4, '0');
  switch (kind) {
    case 'windows_workstation': {
      const u = rng.next();
      if (u < 0.02) return `${code}-${rng.pick(DEPTS)}-PC-${n2}`;
      if (u < 0.13) return `DESKTOP-${randomAlnum(rng, 7)}`;
      return `${code}-${u < 0.6 ? 'WS' : 'LT'}-${n4}`;
    }
    case 'mac': return rng.chance(0.1) ? `${rng.pick(FIRST_NAMES).toUpperCase()}S-MACBOOK-PRO` : `${code}-MAC-${n4}`;
    case 'linux_workstation': return `${code}-LNX-${n4}`;
    case 'windows_server': return `${code}-${rng.pick(['SRV', 'DC', 'FS', 'SQL', 'RDS'])}${n2}`;
    case 'linux_server': return `${code}-${rng.pick(['WEB', 'NAS', 'DOCKER', 'PROXY'])}${n2}`;
    case 'hyperv_host': return `${code}-HV${n2}`;
    case 'vmware_host': return `${code}-ESX${n2}`;
    default: return `${code}-VM-${rng.pick(ROLES)}${n2}`; // "-VM-BACKUP01" is 16 characters
  }
}

export function spareDisplayName(rng: Rng, hostname: string): string {
  const forms = [`SPARE - ${hostname}`, `${hostname} (spare)`, `Spare Laptop ${rng.int(1, 20)}`, `${hostname} Spare`];
  return rng.pick(forms);
}

function displayNameFor(rng: Rng, kind: MachineKind, first: string, last: string): string | null {
  if (kind === 'windows_workstation' && rng.chance(0.08)) return rng.chance(0.5) ? `${first} ${last} Laptop` : 'Reception PC';
  if (kind === 'windows_server' && rng.chance(0.15)) return rng.pick(['File Server', 'Domain Controller', 'Line of Business App']);
  return null;
}

function hasDomain(rng: Rng, kind: MachineKind, osName: string): boolean {
  if (kind === 'mac' || kind === 'vmware_host' || kind === 'linux_workstation') return false;
  if (kind === 'linux_server' || !osName.startsWith('Windows')) return rng.chance(0.2);
  return rng.chance(kind === 'windows_workstation' ? 0.85 : 0.93);
}

function lastUserFor(rng: Rng, kind: MachineKind, first: string, last: string, netbios: string | null): string | null {
  const endUser = kind === 'windows_workstation' || kind === 'mac' || kind === 'linux_workstation';
  if (kind === 'vmware_host' || rng.chance(endUser ? 0.05 : 0.4)) return null;
  const name = endUser ? `${first[0]}${last}`.toLowerCase() : rng.pick(['administrator', 'svc_backup', `${first[0]}${last}.admin`.toLowerCase()]);
  return netbios ? `${netbios}\\${name}` : name;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
function randomAlnum(rng: Rng, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += ALNUM[Math.floor(rng.next() * ALNUM.length)];
  return s;
}
function hex2(rng: Rng): string { return rng.int(0, 255).toString(16).padStart(2, '0'); }

function serialFor(rng: Rng, hw: Hardware): string {
  switch (hw.serial) {
    case 'dell': return randomAlnum(rng, 7);
    case 'hp': return `${rng.pick(['5CG', 'CZC', 'MXL'])}${randomAlnum(rng, 7)}`;
    case 'lenovo': return `${rng.pick(['PF', 'MJ', 'R9'])}${randomAlnum(rng, 6)}`;
    case 'apple': return rng.chance(0.5) ? `C02${randomAlnum(rng, 9)}` : randomAlnum(rng, 10);
    case 'hyperv': return Array.from({ length: 7 }, (_, i) => String(rng.int(0, i === 6 ? 99 : 9999)).padStart(i === 6 ? 2 : 4, '0')).join('-');
    case 'vmware':
      if (rng.chance(0.1)) return 'None';
      return `VMware-${Array.from({ length: 8 }, () => hex2(rng)).join(' ')}-${Array.from({ length: 8 }, () => hex2(rng)).join(' ')}`;
    default: return String(rng.int(1e11, 1e12 - 1));
  }
}

function macFor(rng: Rng, hw: Hardware): string {
  return `${hw.oui}:${hex2(rng)}:${hex2(rng)}:${hex2(rng)}`.toUpperCase();
}
