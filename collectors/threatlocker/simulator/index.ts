/**
 * The ThreatLocker simulator: the shared estate projected into a ThreatLocker tenant, served by the
 * simulator kit. `warehouse simulate threatlocker` and the tests start it through Source.simulator.
 */
import { createEstate, type Estate } from '../../simulation/estate.js';
import { startSimulator, type SimResponse } from '../../simulation/server.js';
import type { Simulator } from '../../../warehouse/run/simulator.js';
import { ZERO_GUID, type TlComputer, type TlOrganization } from '../types.js';
import { parseVendorFaults } from './faults.js';
import { filterComputers, sortComputers } from './query.js';
import { route, tlError, type RouteState } from './routes.js';
import { tenantDay, type ParentOrganization, type TenantDay } from './tenant.js';

export interface ThreatLockerTruth {
  day: string;
  parentOrganization: ParentOrganization;
  /** The child organizations as the children endpoint lists them (childOrganizations true, by name). */
  organizations: TlOrganization[];
  /** Every computer as ComputerGetByAllParameters lists them with childOrganizations true, default order, all pages concatenated, totalRows included. */
  computers: TlComputer[];
}

export interface ThreatLockerSimulator extends Simulator {
  truth(): ThreatLockerTruth;
  estate: Estate;
  /** Bodies of the latest API requests (path lower-cased), oldest first. */
  requestBodies(): Array<{ path: string; body: unknown }>;
  /** Paths of every API request since start, from the kit's log. */
  requestPaths(): string[];
}

export const SIMULATOR_TOKEN = 'simulated-threatlocker-api-token';

export async function startThreatLockerSimulator(options: { devices: number; seed: number; date: string; port?: number }): Promise<ThreatLockerSimulator> {
  const estate = createEstate({ seed: options.seed, devices: options.devices, startDate: options.date });
  let date = options.date;
  let current: TenantDay | undefined;
  const tenant = (): TenantDay => (current && current.date === date ? current : (current = tenantDay(estate, date)));
  const state: RouteState = { tenant, faults: {}, seed: options.seed, errors: 0, bodies: [] };
  const errorBody = (status: number, message: string): SimResponse => tlError(state, status, message);
  const setDay = (next: string): void => {
    estate.day(next); // throws on a bad date or one before day 0, before anything changes
    date = next;
  };
  const truth = (): ThreatLockerTruth => {
    const t = tenant();
    const listing = sortComputers(filterComputers(t.computers, DEFAULT_QUERY), 'computername', true);
    return {
      day: date,
      parentOrganization: t.parent,
      organizations: [...t.children].sort((a, b) => ((a.name ?? '').toLowerCase() < (b.name ?? '').toLowerCase() ? -1 : 1)),
      computers: listing.map((c) => ({ ...c, totalRows: listing.length })),
    };
  };
  const server = await startSimulator({
    name: 'threatlocker',
    handle: (req) => route(state, req),
    truth,
    setDay,
    setFaults: (faults) => {
      state.faults = parseVendorFaults(faults);
    },
    errorBody,
  }, options.port === undefined ? {} : { port: options.port });

  return {
    url: server.url,
    config: {
      THREATLOCKER_BASE_URL: server.url,
      THREATLOCKER_API_TOKEN: SIMULATOR_TOKEN,
      THREATLOCKER_ORGANIZATION_ID: tenant().parent.organizationId,
    },
    estate,
    setDay,
    setFaults: (faults) => server.setFaults(faults),
    truth,
    requestCount: () => server.requestCount(),
    requestBodies: () => state.bodies.slice(),
    requestPaths: () => server.requests().map((r) => r.path),
    close: () => server.close(),
  };
}

const DEFAULT_QUERY = {
  searchText: '', searchBy: null, computerGroup: ZERO_GUID, computerId: ZERO_GUID, orderBy: 'computername',
  isAscending: true, action: '', kindOfAction: '', threatlockerVersion: 'All', showDeleted: false,
};
