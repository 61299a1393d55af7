/**
 * One day of churn: removals, additions, client moves, renames, machines turned spare.
 * Seeded by (seed, dayIndex) and applied to the previous day's state, so a day is the same
 * whatever order days are requested in. The previous state is never mutated (it may be cached).
 */
import { createRng, type Rng } from './random.js';
import { SPARE_STOCK } from './estate-data.js';
import { dayInfo, withDaily } from './estate-daily.js';
import {
  addHost, makeMachine, newHostname, pickClient, presenceOf, spareDisplayName,
  type EstateContext, type EstateState, type HostIndex, type MachineCore,
} from './estate-gen.js';
import type { EstateMachine, MachineKind } from './estate.js';

const DAY_MS = 86_400_000;
export const CHURN_RATES = { remove: 0.005, add: 0.006, move: 0.002, rename: 0.002, spareName: 0.001, spareLocation: 0.001 };

const isVm = (k: MachineKind): boolean => k === 'hyperv_host' || k === 'vmware_host' || k === 'hyperv_guest' || k === 'vmware_guest';
const isEndUser = (k: MachineKind): boolean => k === 'windows_workstation' || k === 'mac' || k === 'linux_workstation';
const isSpare = (m: MachineCore): boolean =>
  m.location === SPARE_STOCK || (m.displayName !== null && m.displayName.toLowerCase().includes('spare'));

/** Stochastic rounding keeps small fleets churning at the right average rate. */
function countFor(rng: Rng, n: number, rate: number): number {
  return Math.floor(n * rate + rng.next());
}

/** Up to `count` distinct indices whose machine passes `ok`; gives up after a bounded number of tries. */
function pickIndices(rng: Rng, machines: readonly MachineCore[], count: number, taken: Set<number>, ok: (m: MachineCore) => boolean): number[] {
  const out: number[] = [];
  for (let tries = 0; out.length < count && tries < count * 20 + 20 && machines.length > 0; tries++) {
    const i = rng.int(0, machines.length - 1);
    if (taken.has(i) || !ok(machines[i]!)) continue;
    taken.add(i);
    out.push(i);
  }
  return out;
}

export function advance(ctx: EstateContext, prev: EstateState, dayIndex: number): EstateState {
  const rng = createRng(`${ctx.seed}/day/${dayIndex}`);
  const old = prev.machines;
  const n = old.length;
  const counters = prev.counters.slice();
  const changed = new Map<number, MachineCore>(); // index in `old` -> replacement
  const taken = new Set<number>();

  // A host that still has guests is never removed, so every guest keeps a host in its client.
  const busyHosts = new Uint8Array(prev.nextKey);
  for (const m of old) if (m.hostKey !== null) busyHosts[m.hostKey] = 1;
  const removed = new Set(pickIndices(rng, old, countFor(rng, n, CHURN_RATES.remove), taken, (m) => busyHosts[m.key] === 0));

  // Client moves only for non-VM machines: a moved guest would lose its host.
  for (const i of pickIndices(rng, old, countFor(rng, n, CHURN_RATES.move), taken, (m) => !isVm(m.kind))) {
    changed.set(i, moveMachine(ctx, rng, old[i]!));
  }
  for (const i of pickIndices(rng, old, countFor(rng, n, CHURN_RATES.rename), taken, () => true)) {
    const m = old[i]!;
    changed.set(i, { ...m, hostname: newHostname(rng, counters, m.clientId, ctx.info[m.clientId - 1]!.code, m.kind) });
  }
  for (const i of pickIndices(rng, old, countFor(rng, n, CHURN_RATES.spareName), taken, (m) => isEndUser(m.kind) && !isSpare(m))) {
    changed.set(i, { ...old[i]!, displayName: spareDisplayName(rng, old[i]!.hostname) });
  }
  for (const i of pickIndices(rng, old, countFor(rng, n, CHURN_RATES.spareLocation), taken, (m) => isEndUser(m.kind) && !isSpare(m))) {
    changed.set(i, { ...old[i]!, location: SPARE_STOCK });
  }

  const day = dayInfo(ctx, dayIndex);
  const next: EstateMachine[] = [];
  for (let i = 0; i < n; i++) {
    if (!removed.has(i)) next.push(withDaily(ctx, changed.get(i) ?? old[i]!, day));
  }
  let nextKey = prev.nextKey;
  const added = addMachines(ctx, rng, next, counters, nextKey, countFor(rng, n, CHURN_RATES.add), dayIndex);
  nextKey += added.length;
  for (const m of added) next.push(withDaily(ctx, m, day));
  return { dayIndex, machines: next, nextKey, counters };
}

function moveMachine(ctx: EstateContext, rng: Rng, m: MachineCore): MachineCore {
  let dest = m.clientId;
  for (let tries = 0; dest === m.clientId && tries < 10; tries++) dest = pickClient(ctx, rng.next());
  if (dest === m.clientId) return m;
  const info = ctx.info[dest - 1]!;
  const user = m.lastUser?.split('\\').pop() ?? null;
  return {
    ...m,
    clientId: dest,
    location: ctx.clients[dest - 1]!.locations[0]!,
    domain: m.domain ? info.domain : null,
    lastUser: user && m.domain ? `${info.netbios}\\${user}` : user,
    presence: presenceOf(ctx, m.key, m.kind, dest),
  };
}

/** New machines get new keys; their creation times rise through the morning of the day. */
function addMachines(
  ctx: EstateContext, rng: Rng, alive: readonly MachineCore[], counters: Int32Array,
  firstKey: number, count: number, dayIndex: number,
): MachineCore[] {
  const hosts: HostIndex = new Map();
  for (const m of alive) if (m.kind === 'hyperv_host' || m.kind === 'vmware_host') addHost(hosts, m.clientId, m.kind, m.key);
  const dayStart = ctx.startMs + dayIndex * DAY_MS;
  const out: MachineCore[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = dayStart + Math.floor(((i + 1) * 11 * 3_600_000) / (count + 1));
    out.push(makeMachine(ctx, rng, counters, hosts, firstKey + i, pickClient(ctx, rng.next()), createdAt, false));
  }
  return out;
}
