/**
 * The NinjaOne simulator: the shared estate projected into a NinjaOne tenant (fleet.ts, devices.ts,
 * patches.ts), served by the simulation kit with NinjaOne's auth, paging, quirks and faults.
 * `warehouse simulate ninjaone`, the tests and the demo start it through Source.simulator.
 */
import { createEstate, type Estate } from '../../simulation/estate.js';
import { startSimulator, type RequestLogEntry, type SimResponse } from '../../simulation/server.js';
import type { Simulator } from '../../../warehouse/run/simulator.js';
import type { NinjaDetailedDevice, NinjaLocation, NinjaOrganization, NinjaOsPatchRow } from '../types.js';
import { detailedDevice } from './devices.js';
import { parseVendorFaults } from './faults.js';
import { fleetDay, type FleetDay } from './fleet.js';
import { createOAuthServer, TOKEN_LIFETIME_S } from './oauth.js';
import { isPatchableSim, osPatchInstallRows, osPatchRows } from './patches.js';
import { createCursorStore } from './queries.js';
import { ninjaError, route, type RouteState } from './routes.js';

export interface NinjaOneTruth {
  day: string;
  organizations: NinjaOrganization[];
  /** As `/v2/locations` lists them (with organizationId). */
  locations: NinjaLocation[];
  /** Every device exactly as `/v2/devices-detailed` lists it, all pages concatenated. */
  devices: NinjaDetailedDevice[];
  /**
   * Per Windows agent (key: device id), the rows `/v2/queries/os-patches` lists for it (every status,
   * REJECTED included) and its `/v2/queries/os-patch-installs` history. Keyed by device so that
   * `devices` stays the longest array.
   */
  patches: Record<string, { osPatches: NinjaOsPatchRow[]; installs: NinjaOsPatchRow[] }>;
}

export interface NinjaOneSimulator extends Simulator {
  truth(): NinjaOneTruth;
  estate: Estate;
  /** API requests since start or the last reset (admin endpoints excluded), as the kit logs them. */
  requests(): RequestLogEntry[];
  resetRequestLog(): void;
  tokensIssued(): number;
}

export const SIMULATOR_CLIENT_ID = 'simulated-ninjaone-client';
export const SIMULATOR_CLIENT_SECRET = 'simulated-ninjaone-secret';

export interface NinjaOneSimulatorOptions {
  devices: number;
  seed: number;
  date: string;
  port?: number;
  /** Clock for token and cursor expiry (tests of the 3600 s lifetime); default Date.now. */
  now?: () => number;
}

export async function startNinjaOneSimulator(options: NinjaOneSimulatorOptions): Promise<NinjaOneSimulator> {
  const now = options.now ?? Date.now;
  const estate = createEstate({ seed: options.seed, devices: options.devices, startDate: options.date });
  let date = options.date;
  let current: FleetDay | undefined;
  const day = (): FleetDay => (current?.date === date ? current : (current = fleetDay(estate, date)));
  const state: RouteState = {
    day,
    faults: {},
    lastAfter: new Map(),
    cursors: createCursorStore(now),
    oauth: createOAuthServer({
      now,
      lifetimeSeconds: () => state.faults.tokenLifetimeSeconds ?? TOKEN_LIFETIME_S,
      rejectCredentials: () => state.faults.rejectCredentials === true,
    }),
  };
  const errorBody = (status: number, message: string): SimResponse => ninjaError(status, message);
  const setDay = (next: string): void => {
    estate.day(next); // throws on a bad date or one before day 0, before anything changes
    date = next;
  };
  const truth = (): NinjaOneTruth => truthOf(day());
  const server = await startSimulator({
    name: 'ninjaone',
    handle: (req) => route(state, req),
    truth,
    setDay,
    setFaults: (faults) => { state.faults = parseVendorFaults(faults); },
    errorBody,
  }, options.port === undefined ? {} : { port: options.port });

  return {
    url: server.url,
    config: { NINJAONE_BASE_URL: server.url, NINJAONE_CLIENT_ID: SIMULATOR_CLIENT_ID, NINJAONE_CLIENT_SECRET: SIMULATOR_CLIENT_SECRET },
    estate,
    setDay,
    setFaults: (faults) => server.setFaults(faults),
    truth,
    requestCount: () => server.requestCount(),
    requests: () => server.requests(),
    resetRequestLog: () => server.resetRequestLog(),
    tokensIssued: () => state.oauth.issued(),
    close: () => server.close(),
  };
}

function truthOf(day: FleetDay): NinjaOneTruth {
  const patches: NinjaOneTruth['patches'] = {};
  for (const device of day.devices) {
    if (isPatchableSim(device)) {
      patches[String(device.id)] = { osPatches: osPatchRows(day, device), installs: osPatchInstallRows(day, device) };
    }
  }
  return {
    day: day.date,
    organizations: day.organizations,
    locations: day.locations,
    devices: day.devices.map((device) => detailedDevice(day, device)),
    patches,
  };
}
