import { describe, it, expect } from 'vitest';
import { createEstate, simulatedNow, VENDORS, type EstateDay, type EstateMachine } from '../../../collectors/simulation/estate.js';
import { createRng, hashUnit } from '../../../collectors/simulation/random.js';

const START = '2025-03-01';
const dateAt = (i: number): string => new Date(Date.parse(`${START}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10);
const keysOf = (ms: readonly EstateMachine[]): Set<number> => new Set(ms.map((m) => m.key));
/** The warehouse's site normalisation (DESIGN §6): case, punctuation, whitespace, legal suffixes, &/and. */
const normalise = (s: string): string => ` ${s.toLowerCase().replace(/&/g, ' and ').replace(/[^a-z0-9]+/g, ' ')} `
  .replace(/ (pty|ltd|limited|llc|l l c|inc)(?= )/g, ' ').replace(/\s+/g, ' ').trim();

describe('random', () => {
  it('is deterministic per seed and stays in range', () => {
    const a = createRng(42), b = createRng(42), c = createRng('other');
    const xs = Array.from({ length: 100 }, () => a.next());
    expect(Array.from({ length: 100 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    for (let i = 0; i < 1000; i++) {
      const v = a.int(3, 7);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThanOrEqual(7);
    }
    expect(hashUnit('m', 1, 2)).toBe(hashUnit('m', 1, 2));
    expect(hashUnit('m', 1, 2)).not.toBe(hashUnit('m', 2, 1));
    expect(hashUnit(1, 'x')).toBeLessThan(1);
  });
});

describe('estate', () => {
  it('is deterministic: same options give identical days; another seed differs', () => {
    const opts = { seed: 7, devices: 400, startDate: START };
    const a = createEstate(opts), b = createEstate(opts);
    expect(b.day(START)).toEqual(a.day(START));
    expect(b.day(dateAt(4))).toEqual(a.day(dateAt(4)));
    const other = createEstate({ ...opts, seed: 8 }).day(START);
    expect(other.machines.map((m) => m.hostname)).not.toEqual(a.day(START).machines.map((m) => m.hostname));
  });

  it.each([1, 10, 250, 3000])('lists exactly N=%i machines per vendor on day 0', (n) => {
    const e = createEstate({ seed: 3, devices: n, startDate: START });
    for (const v of VENDORS) expect(e.fleetFor(v, START)).toHaveLength(n);
  });

  it('makes the vendor fleets overlap heavily, with machines only in one tool', () => {
    const e = createEstate({ seed: 11, devices: 3000, startDate: START });
    const [ninja, tl, pmp] = VENDORS.map((v) => keysOf(e.fleetFor(v, START))) as [Set<number>, Set<number>, Set<number>];
    const inBoth = (a: Set<number>, b: Set<number>): number => [...a].filter((k) => b.has(k)).length / a.size;
    expect(inBoth(tl, ninja)).toBeGreaterThan(0.7);
    expect(inBoth(tl, ninja)).toBeLessThan(0.97);
    expect(inBoth(pmp, ninja)).toBeGreaterThan(0.7);
    expect(inBoth(ninja, tl)).toBeLessThan(0.95);
    expect([...ninja].filter((k) => !tl.has(k) && !pmp.has(k)).length).toBeGreaterThan(0);
    expect([...tl].filter((k) => !ninja.has(k)).length).toBeGreaterThan(0);
    expect([...pmp].filter((k) => !ninja.has(k)).length).toBeGreaterThan(0);
    const total = e.day(START).machines.length;
    expect(total / 3000).toBeGreaterThan(1.2);
    expect(total / 3000).toBeLessThan(1.45);
  });

  it('has a realistic kind mix, names and per-machine invariants', () => {
    const e = createEstate({ seed: 5, devices: 5000, startDate: START });
    const day = e.day(START);
    checkInvariants(day);
    const share = (pred: (m: EstateMachine) => boolean): number => day.machines.filter(pred).length / day.machines.length;
    expect(share((m) => m.kind === 'windows_workstation')).toBeGreaterThan(0.5);
    expect(share((m) => m.kind === 'hyperv_guest')).toBeGreaterThan(0.05);
    expect(share((m) => m.hostname.length > 15)).toBeGreaterThan(0.015);
    expect(share((m) => m.hostname.length > 15)).toBeLessThan(0.06);
    expect(share((m) => /spare/i.test(m.displayName ?? ''))).toBeGreaterThan(0.002);
    expect(share((m) => m.location === 'Spare Stock')).toBeGreaterThan(0.002);
    expect(share((m) => m.patches.critical > 0)).toBeGreaterThan(0.02);
    expect(share((m) => m.patches.scanStatus === 'not_scanned')).toBeGreaterThan(0);
    expect(day.clients.length).toBe(125);
    expect(new Set(day.clients.map((c) => normalise(c.name))).size).toBe(day.clients.length);
    const alike = day.clients.filter((c) => new Set(VENDORS.map((v) => normalise(c.names[v]))).size === 1);
    expect(alike.length / day.clients.length).toBeGreaterThan(0.9);
    expect(alike.length).toBeLessThan(day.clients.length); // a few spell it differently for real
    expect(day.clients.some((c) => VENDORS.some((v) => !c.presence[v]))).toBe(true);
  });

  it('churns: removals, additions, moves, renames and spares all occur over 10 days', () => {
    const e = createEstate({ seed: 21, devices: 3000, startDate: START });
    const seen = { removed: 0, added: 0, moved: 0, renamed: 0, spareName: 0, spareLocation: 0 };
    let prev = e.day(START);
    for (let i = 1; i <= 10; i++) {
      const cur = e.day(dateAt(i));
      checkInvariants(cur);
      const before = new Map(prev.machines.map((m) => [m.key, m]));
      const maxPrev = prev.machines[prev.machines.length - 1]!.key;
      const curKeys = keysOf(cur.machines);
      seen.removed += prev.machines.filter((m) => !curKeys.has(m.key)).length;
      for (const m of cur.machines) {
        const b = before.get(m.key);
        if (!b) { expect(m.key).toBeGreaterThan(maxPrev); seen.added++; continue; }
        if (b.clientId !== m.clientId) seen.moved++;
        if (b.hostname !== m.hostname) seen.renamed++;
        if (!/spare/i.test(b.displayName ?? '') && /spare/i.test(m.displayName ?? '')) seen.spareName++;
        if (b.location !== 'Spare Stock' && m.location === 'Spare Stock') seen.spareLocation++;
      }
      prev = cur;
    }
    for (const [kind, n] of Object.entries(seen)) expect(n, kind).toBeGreaterThan(0);
    expect(seen.added).toBeGreaterThan(seen.removed * 0.8);
  });

  it('computes days incrementally with the same result as a fresh computation, in any order', () => {
    const opts = { seed: 99, devices: 800, startDate: START };
    const stepped = createEstate(opts);
    for (let i = 0; i <= 6; i++) stepped.day(dateAt(i));
    const fresh = createEstate(opts);
    expect(fresh.day(dateAt(6))).toEqual(stepped.day(dateAt(6)));
    expect(fresh.day(dateAt(2))).toEqual(createEstate(opts).day(dateAt(2))); // backwards after forwards
    expect(fresh.fleetFor('threatlocker', dateAt(3))).toEqual(stepped.fleetFor('threatlocker', dateAt(3)));
    expect(() => fresh.day('2025-02-28')).toThrow(/before/);
    expect(() => fresh.day('2025-3-1')).toThrow(/YYYY-MM-DD/);
  });

  it('keeps fleets near N after churn and includes new machines', () => {
    const e = createEstate({ seed: 4, devices: 2000, startDate: START });
    const day0 = keysOf(e.day(START).machines);
    for (const v of VENDORS) {
      const fleet = e.fleetFor(v, dateAt(10));
      expect(Math.abs(fleet.length - 2000) / 2000).toBeLessThan(0.05);
      expect(fleet.some((m) => !day0.has(m.key))).toBe(true);
    }
  });
});

/** Collects violations as strings (one expect per day: per-machine expects are far too slow). */
function checkInvariants(day: EstateDay): void {
  const bad: string[] = [];
  const fail = (m: EstateMachine, why: string): void => { if (bad.length < 20) bad.push(`${m.key} ${m.hostname}: ${why}`); };
  const byKey = new Map(day.machines.map((m) => [m.key, m]));
  const now = simulatedNow(day.date);
  let lastKey = 0;
  for (const m of day.machines) {
    if (m.key <= lastKey) fail(m, 'keys not ascending');
    lastKey = m.key;
    const client = day.clients[m.clientId - 1];
    if (client?.id !== m.clientId) { fail(m, 'unknown client'); continue; }
    if (!client.locations.includes(m.location)) fail(m, `location ${m.location} not in client`);
    if (m.hostname !== m.hostname.toUpperCase()) fail(m, 'hostname not upper case');
    if (!m.macs.every((mac) => /^[0-9A-F]{2}(:[0-9A-F]{2}){5}$/.test(mac))) fail(m, 'bad MAC');
    if (m.lastContactAt > now || m.createdAt > m.lastContactAt) fail(m, 'contact time out of range');
    if (VENDORS.some((v) => m.presence[v] && !client.presence[v])) fail(m, 'present where its client is not');
    if (m.kind === 'hyperv_guest' || m.kind === 'vmware_guest') {
      const host = byKey.get(m.hostKey ?? -1);
      if (host?.clientId !== m.clientId || host.kind !== (m.kind === 'hyperv_guest' ? 'hyperv_host' : 'vmware_host')) fail(m, 'guest without host');
    } else if (m.hostKey !== null) fail(m, 'hostKey on a non-guest');
    const p = m.patches;
    if (p.critical + p.important + p.moderate + p.low + p.unrated !== p.missingOs + p.missingThirdParty + p.missingDriver + p.missingBios) fail(m, 'patch sums differ');
    if (p.lastScanAt !== null && p.lastScanAt > now) fail(m, 'scan in the future');
  }
  expect(bad).toEqual([]);
}
