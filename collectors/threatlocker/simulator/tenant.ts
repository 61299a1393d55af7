/**
 * The ThreatLocker tenant on one simulated day: the MSP's parent organization, one child
 * organization per estate client that uses ThreatLocker, and their computers.
 */
import { hashInt } from '../../simulation/random.js';
import { simulatedNow, type Estate, type EstateClient } from '../../simulation/estate.js';
import type { TlComputer, TlOrganization } from '../types.js';
import { asDeleted, projectComputer, type OrgRef } from './computers.js';
import { guidOf, isoSeconds } from './ids.js';

const DAY_MS = 86_400_000;

export interface ParentOrganization { organizationId: string; name: string; displayName: string }

export interface TenantDay {
  date: string;
  parent: ParentOrganization;
  /** Child organizations, in estate order (the query sorts). */
  children: TlOrganization[];
  /** Live computers; each row's organizationId is a child's. */
  computers: TlComputer[];
  /** Computers removed since the previous day (listed only with `showDeleted: true`). */
  deleted(): TlComputer[];
}

export function parentOrganization(seed: number): ParentOrganization {
  return { organizationId: guidOf(seed, 'tl-parent'), name: 'SimulatedMSP', displayName: 'Simulated MSP' };
}

export function childOrganizationId(seed: number, client: EstateClient): string {
  return guidOf(seed, 'tl-org', client.id);
}

/** The internal identifier name: the display name without spaces or punctuation. */
function identifierName(displayName: string): string {
  return displayName.replace(/[^A-Za-z0-9]+/gu, '');
}

function publicIpOf(client: EstateClient): string {
  return `203.0.${113 + Math.floor(client.id / 250) % 10}.${(client.id % 250) + 1}`;
}

export function tenantDay(estate: Estate, date: string): TenantDay {
  const seed = estate.options.seed;
  const day = estate.day(date);
  const nowMs = simulatedNow(date);
  const clients = day.clients.filter((c) => c.presence.threatlocker);
  const refs = new Map<number, OrgRef & { client: EstateClient }>();
  for (const client of clients) {
    refs.set(client.id, { organizationId: childOrganizationId(seed, client), displayName: client.names.threatlocker, client });
  }
  const project = (dateOf: string, dayIndex: number, now: number): TlComputer[] =>
    estate.fleetFor('threatlocker', dateOf).map((m) => {
      const ref = refs.get(m.clientId);
      if (!ref) throw new Error(`machine ${m.key} is in ThreatLocker but its client ${m.clientId} is not`);
      return projectComputer(seed, m, ref, dayIndex, now, publicIpOf(ref.client));
    });
  const computers = project(date, day.dayIndex, nowMs);
  const byOrg = new Map<string, TlComputer[]>();
  for (const c of computers) {
    const list = byOrg.get(c.organizationId);
    if (list) list.push(c); else byOrg.set(c.organizationId, [c]);
  }
  const children = clients.map((client) => {
    const organizationId = refs.get(client.id)!.organizationId;
    return organizationRow(seed, client, organizationId, byOrg.get(organizationId) ?? [], nowMs);
  });
  return {
    date,
    parent: parentOrganization(seed),
    children,
    computers,
    deleted() {
      if (day.dayIndex === 0) return [];
      const previous = new Date(Date.parse(`${date}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10);
      const alive = new Set(computers.map((c) => c.computerId));
      return project(previous, day.dayIndex - 1, nowMs - DAY_MS).filter((c) => !alive.has(c.computerId)).map(asDeleted);
    },
  };
}

function organizationRow(seed: number, client: EstateClient, organizationId: string, own: TlComputer[], nowMs: number): TlOrganization {
  const sum = (key: 'denyCountOneDay' | 'denyCountThreeDays' | 'denyCountSevenDays'): number =>
    own.reduce((total, c) => total + (c[key] ?? 0), 0);
  const active = own.filter((c) => typeof c.lastCheckin === 'string' && nowMs - Date.parse(c.lastCheckin) < DAY_MS).length;
  return {
    organizationId,
    name: identifierName(client.names.threatlocker),
    displayName: client.names.threatlocker,
    dateAdded: isoSeconds(Date.parse('2019-01-01T00:00:00Z') + hashInt(0, 1800, seed, client.id, 'tl-org-added') * DAY_MS + hashInt(0, 86_399, seed, client.id, 'tl-org-s') * 1000),
    computerCount: own.length,
    activeCount: active,
    businessClassification: 1,
    businessClassificationName: 'Business',
    billingJson: '{"BillingMethod":"PerComputer"}',
    json: '{"ApplicationControl":2,"Ringfencing":1,"StorageControl":0}',
    itarCompliant: false,
    lockdown: 0,
    products: [
      product(organizationId, 'defaultdeny', 'Allowlisting', 1),
      product(organizationId, 'ringfencing', 'Ringfencing', 2),
    ],
    computerDenyCountDtos: [{ oneDay: sum('denyCountOneDay'), threeDays: sum('denyCountThreeDays'), sevenDays: sum('denyCountSevenDays'), organizationId }],
  };
}

function product(organizationId: string, name: string, displayName: string, productId: number): NonNullable<TlOrganization['products']>[number] {
  return {
    name, organizationId, productId, displayName,
    isThreatLockerProtect: true, isThreatLockerUnified: false, productTrialId: null, disablingProduct: false, isOverage: false,
  };
}
