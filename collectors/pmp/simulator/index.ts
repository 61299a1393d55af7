/**
 * The Patch Manager Plus simulator: the PMP server (legacy /api/1.4 endpoints, on-premises login,
 * MSP customers) and, on its own port, a Zoho-like accounts server for cloud OAuth. Both project the
 * shared estate, so its fleet overlaps the NinjaOne and ThreatLocker simulators' for the same seed.
 */
import { createEstate } from '../../simulation/estate.js';
import { jsonResponse, startSimulator, type SimRequest, type SimResponse, type SimulatorSpec } from '../../simulation/server.js';
import type { Simulator } from '../../../warehouse/run/simulator.js';
import { SimAuth, type SimCredentials } from './auth.js';
import { NO_FAULTS, parsePmpFaults, type PmpFaults } from './faults.js';
import type { Edition } from './fleet.js';
import { handle } from './routes.js';
import { DayView } from './view.js';

export interface PmpSimulatorOptions {
  devices: number;
  seed: number;
  /** Day 0 of the estate (YYYY-MM-DD), served first. */
  date: string;
  port?: number;
  /** `msp` (default): customers and customerid=; `single`: branch offices only. */
  edition?: Edition;
  /** Fixed credentials to insist on; any non-empty ones are accepted otherwise. */
  credentials?: SimCredentials;
  /** `unsupported`: /patch/dbupdatestatus answers error 10022, as a PMP Cloud tenant may (default `served`). */
  dbUpdateStatus?: 'served' | 'unsupported';
}

export interface PmpSimulator extends Simulator {
  accountsUrl: string;
  /** The same as `config`, with PMP_AUTH=cloud. */
  cloudConfig: Record<string, string>;
}

const DEFAULT_CREDENTIALS = {
  username: 'admin', password: 'pmp-simulator-password',
  clientId: '1000.SIMULATORCLIENT', clientSecret: 'pmp-simulator-client-secret', refreshToken: '1000.simulator.refresh-token',
};

export async function startPmpSimulator(options: PmpSimulatorOptions): Promise<PmpSimulator> {
  const estate = createEstate({ seed: options.seed, devices: options.devices, startDate: options.date });
  const edition = options.edition ?? 'msp';
  const auth = new SimAuth(options.seed, options.credentials);
  let view = new DayView(estate, options.date, edition);
  let faults: PmpFaults = NO_FAULTS;

  const setVendorFaults = (f: Record<string, unknown>): void => {
    faults = parsePmpFaults(f);
    auth.expireAfter(faults.tokenExpiryAfter);
  };
  const spec: SimulatorSpec = {
    name: 'pmp',
    handle: (req) => handle({ view: () => view, auth, faults: () => faults, dbStatus: () => options.dbUpdateStatus ?? 'served' }, req),
    truth: () => ({ day: view.date, edition, summary: view.summaryFor(null), customers: view.customers, systems: view.records.map((r) => r.scan) }),
    setDay(date) {
      view = new DayView(estate, date, edition);
    },
    setFaults: setVendorFaults,
    errorBody: kitErrorBody,
  };
  const server = await startSimulator(spec, options.port === undefined ? {} : { port: options.port });
  const accounts = await startSimulator(accountsSpec(auth));

  const config = {
    PMP_BASE_URL: server.url, PMP_AUTH: 'onprem',
    PMP_USERNAME: options.credentials?.username ?? DEFAULT_CREDENTIALS.username,
    PMP_PASSWORD: options.credentials?.password ?? DEFAULT_CREDENTIALS.password,
    PMP_ACCOUNTS_URL: accounts.url,
    PMP_CLIENT_ID: options.credentials?.clientId ?? DEFAULT_CREDENTIALS.clientId,
    PMP_CLIENT_SECRET: options.credentials?.clientSecret ?? DEFAULT_CREDENTIALS.clientSecret,
    PMP_REFRESH_TOKEN: options.credentials?.refreshToken ?? DEFAULT_CREDENTIALS.refreshToken,
  };
  return {
    url: server.url,
    accountsUrl: accounts.url,
    config,
    cloudConfig: { ...config, PMP_AUTH: 'cloud' },
    setDay: (date) => spec.setDay(date),
    setFaults: (f) => server.setFaults(f),
    truth: () => spec.truth(),
    requestCount: () => server.requestCount() + accounts.requestCount(),
    async close() {
      await Promise.all([server.close(), accounts.close()]);
    },
  };
}

/** The kit's 429/5xx in PMP's error shape (newer docs show HTTP 500 with INTERNAL_ERROR). */
function kitErrorBody(status: number, message: string): SimResponse {
  const code = status === 429 ? 'TOO_MANY_REQUESTS' : 'INTERNAL_ERROR';
  return jsonResponse(status, { status: 'error', error_code: code, error_description: status === 429 ? message : 'dc.rest.api_internal_error' });
}

/** Zoho-like accounts server: POST /oauth/v2/token (form-encoded); errors are HTTP 200 `{error}`. */
function accountsSpec(auth: SimAuth): SimulatorSpec {
  return {
    name: 'pmp-accounts',
    handle(req: SimRequest) {
      if (req.method !== 'POST' || req.path !== '/oauth/v2/token') return jsonResponse(404, { error: 'not_found' });
      // Zoho takes the parameters as a form body or in the query string.
      const form = new URLSearchParams(req.body);
      for (const [k, v] of req.query) if (!form.has(k)) form.set(k, v);
      return jsonResponse(200, auth.token(form));
    },
    truth: () => ({}),
    setDay: () => {},
    setFaults: () => {},
  };
}

