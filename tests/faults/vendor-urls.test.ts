/**
 * A vendor URL that cannot be right (nothing listens there, the name does not resolve, the first
 * request is answered 404) is a configuration error: exit 2 at once, naming the key and the URL,
 * never a secret, and no retries. Once the vendor has answered, the same failures are an outage
 * (retried, exit 7) as before. Real sockets: a closed port, a `.invalid` name, the simulators.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../collectors/registry.js';
import { createBudget, createHttp, toCollectorError } from '../../collectors/shared/http.js';
import type { Simulator } from '../../warehouse/run/simulator.js';
import { runCollect, type RunResult } from '../../warehouse/run/runner.js';
import { EXIT } from '../../warehouse/errors.js';
import { silentLogger } from '../../warehouse/log.js';
import { testDatabase, type TestDatabase } from '../helpers/db.js';
import { cli, scratchHome } from './helpers/cli.js';

const DAY = '2026-03-02';
let db: TestDatabase;
let closedPort: string;
let ninja: Simulator;
let threatlocker: Simulator;
let pmp: Simulator;

beforeAll(async () => {
  db = await testDatabase();
  // A port that was just free: bound, then closed, so a connection is refused.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  [ninja, threatlocker, pmp] = await Promise.all([
    SOURCES.ninjaone.simulator({ devices: 5, seed: 1, date: DAY }),
    SOURCES.threatlocker.simulator({ devices: 5, seed: 1, date: DAY }),
    SOURCES.pmp.simulator({ devices: 5, seed: 1, date: DAY }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([ninja?.close(), threatlocker?.close(), pmp?.close()]);
  await db?.close();
});

async function collect(source: 'ninjaone' | 'threatlocker' | 'pmp', keys: Record<string, string>): Promise<{ result: RunResult; ms: number }> {
  const started = Date.now();
  const result = await runCollect({ source: SOURCES[source], env: { DATABASE_URL: db.url, WAREHOUSE_TIMEZONE: 'UTC', ...keys }, date: DAY, today: DAY });
  return { result, ms: Date.now() - started };
}

const secretOf = (keys: Record<string, string>, key: string): string => keys[key] ?? `(${key} unset)`;

function expectUrlError(outcome: { result: RunResult; ms: number }, key: string, url: string, what: RegExp, secret: string): void {
  const { result, ms } = outcome;
  expect(result.exitCode, result.error?.message).toBe(EXIT.usage);
  expect(result.error?.message).toContain(`${key} ${url}`);
  expect(result.error?.message).toMatch(what);
  expect(result.error?.hint).toMatch(new RegExp(`^Check ${key}: `, 'u'));
  expect(`${result.error?.message} ${result.error?.hint}`).not.toContain(secret);
  // No backoff: the default policy would spend 10 s and more before giving up.
  expect(ms).toBeLessThan(3000);
}

describe('a vendor URL that cannot be right exits 2 at once', () => {
  it('a closed port (NinjaOne)', async () => {
    const keys = { ...ninja.config, NINJAONE_BASE_URL: closedPort };
    expectUrlError(await collect('ninjaone', keys), 'NINJAONE_BASE_URL', closedPort, /refuses connections \(ECONNREFUSED\)/u, secretOf(keys, 'NINJAONE_CLIENT_SECRET'));
  });

  it('a name that cannot resolve (ThreatLocker)', async () => {
    // https only: the collector refuses a plain-http ThreatLocker URL before any request.
    const url = 'https://portalapi.warehouse-test.invalid';
    const keys = { ...threatlocker.config, THREATLOCKER_BASE_URL: url };
    expectUrlError(await collect('threatlocker', keys), 'THREATLOCKER_BASE_URL', url, /names a host that does not resolve \((ENOTFOUND|EAI_AGAIN)\)/u, secretOf(keys, 'THREATLOCKER_API_TOKEN'));
  });

  it('a path that answers 404 to the first request (NinjaOne behind a wrong proxy path)', async () => {
    const url = `${ninja.url}/no-such-prefix`;
    const keys = { ...ninja.config, NINJAONE_BASE_URL: url };
    expectUrlError(await collect('ninjaone', keys), 'NINJAONE_BASE_URL', url, /answered 404 Not Found to the first request/u, secretOf(keys, 'NINJAONE_CLIENT_SECRET'));
  });

  it('a path that answers 404 to the first request (ThreatLocker)', async () => {
    const url = `${threatlocker.url}/no-such-prefix`;
    const keys = { ...threatlocker.config, THREATLOCKER_BASE_URL: url };
    expectUrlError(await collect('threatlocker', keys), 'THREATLOCKER_BASE_URL', url, /answered 404 Not Found to the first request/u, secretOf(keys, 'THREATLOCKER_API_TOKEN'));
  });

  it('a closed port (PMP login)', async () => {
    const keys = { ...pmp.config, PMP_BASE_URL: closedPort };
    expectUrlError(await collect('pmp', keys), 'PMP_BASE_URL', closedPort, /refuses connections \(ECONNREFUSED\)/u, secretOf(keys, 'PMP_PASSWORD'));
  });

  it('from the CLI: one line naming the key and the URL, one saying what to do', async () => {
    const r = await cli(['collect', 'ninjaone', '--date', DAY, '--accept-past-date'], { WAREHOUSE_HOME: scratchHome(), DATABASE_URL: db.url, ...ninja.config, NINJAONE_BASE_URL: closedPort });
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^warehouse: ninjaone: NINJAONE_BASE_URL ${closedPort} \\(.*\\) refuses connections`, 'u'));
    expect(lines[1]).toMatch(/^→ Check NINJAONE_BASE_URL: /u);
  }, 60_000);
});

describe('once the vendor has answered, failures keep the outage semantics', () => {
  it('a 404 after the first page, and a refused connection later, are the vendor (7), retried', async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/first' ? 200 : 404, { 'content-type': 'application/json' });
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const budget = createBudget(20);
    const client = createHttp({ vendor: 'ninjaone', prefixUrl: base, budget, log: silentLogger, retry: { limit: 2, baseDelayMs: 1, maxDelayMs: 5 } });
    const fail = (path: string) => client.get(path).json().then(() => undefined, (error: unknown) => toCollectorError(error, 'ninjaone'));
    try {
      await client.get('first').json();
      expect((await fail('later'))?.exitCode).toBe(EXIT.vendorUnavailable);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const retriesBefore = budget.retries();
    const refused = await fail('after-the-server-went-away');
    expect(refused?.exitCode).toBe(EXIT.vendorUnavailable);
    expect(budget.retries() - retriesBefore).toBe(2);
  });

  it('a healthy vendor still collects', async () => {
    const { result } = await collect('threatlocker', threatlocker.config);
    expect(result.exitCode, result.error?.message).toBe(EXIT.ok);
  }, 60_000);
});
