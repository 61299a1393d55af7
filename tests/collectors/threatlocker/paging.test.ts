/**
 * Paging to the end with no per-computer calls: requests = floor(N / pageSize) + 1 computer pages
 * (the last one short or empty) plus the organizations page. The exact-multiple fleet, which broke
 * the predecessor system, must end on an empty page and still be complete. The bodies sent must
 * validate against the Swagger's ComputerParameterDto.
 */
import { readSpec } from '../../helpers/specs.js';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startThreatLockerSimulator, type ThreatLockerSimulator } from '../../../collectors/threatlocker/simulator/index.js';
import { collect } from './helpers.js';

const COMPUTERS = '/portalapi/computer/computergetbyallparameters';
const CHILDREN = '/portalapi/organization/organizationgetchildorganizationsbyparameters';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

function computerParameterValidator() {
  const spec = readSpec('threatlocker-openapi.json') as { components: { schemas: Record<string, unknown> } };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(spec.components.schemas['ComputerParameterDto'] as object);
}

describe('threatlocker paging with a fleet that is an exact multiple of the page size', () => {
  let sim: ThreatLockerSimulator;
  beforeAll(async () => {
    sim = await startThreatLockerSimulator({ devices: 1000, seed: 2024, date: '2025-01-31' });
  });
  afterAll(async () => sim.close());

  it.each([[500, 3], [100, 11], [300, 4], [1000, 2]])('pageSize %i: %i computer pages, the last one short or empty', async (pageSize, computerPages) => {
    const before = sim.requestCount();
    const bodiesBefore = sim.requestBodies().length;
    const ctx = await collect(sim, { env: { THREATLOCKER_PAGE_SIZE: String(pageSize) } });
    expect(ctx.sink.deviceRows).toHaveLength(1000);
    expect(new Set(ctx.sink.deviceRows.map((r) => r.vendorId)).size).toBe(1000);
    expect(ctx.sink.totals.get('devices')).toBe(1000);

    const requests = sim.requestCount() - before;
    expect(requests).toBe(Math.floor(1000 / pageSize) + 1 + 1);
    expect(requests).toBeLessThanOrEqual(Math.ceil(1000 / pageSize) + 2);
    const sent = sim.requestBodies().slice(bodiesBefore);
    expect(sent.filter((b) => b.path === COMPUTERS)).toHaveLength(computerPages);
    expect(sent.filter((b) => b.path === CHILDREN)).toHaveLength(1);
    expect(sent.every((b) => b.path === COMPUTERS || b.path === CHILDREN)).toBe(true);
    const pageNumbers = sent.filter((b) => b.path === COMPUTERS).map((b) => (b.body as { pageNumber: number }).pageNumber);
    expect(pageNumbers).toEqual(Array.from({ length: computerPages }, (_, i) => i + 1));
    expect(ctx.sink.pages.get('devices')).toBe(computerPages);
  });

  it('the page after the last full page really comes back empty', async () => {
    const response = await fetch(`${sim.url}/portalapi/Computer/ComputerGetByAllParameters`, {
      method: 'POST',
      headers: { authorization: 'any-token', managedorganizationid: sim.config['THREATLOCKER_ORGANIZATION_ID']!, 'content-type': 'application/json' },
      body: JSON.stringify({ pageNumber: 3, pageSize: 500, childOrganizations: true }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
    expect(response.headers.get('totalitems')).toBe('1000');
  });

  it('sends bodies that validate against ComputerParameterDto (ajv, strict false)', async () => {
    const validate = computerParameterValidator();
    const before = sim.requestBodies().length;
    await collect(sim, { env: { THREATLOCKER_PAGE_SIZE: '250' } });
    const bodies = sim.requestBodies().slice(before).filter((b) => b.path === COMPUTERS).map((b) => b.body);
    expect(bodies).toHaveLength(5);
    for (const body of bodies) {
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(body).toMatchObject({ childOrganizations: true, showDeleted: false, orderBy: 'computername', isAscending: true, pageSize: 250 });
    }
    // The validator really is strict about the DTO: an unknown key or a bad GUID fails.
    expect(validate({ ...(bodies[0] as object), limit: 500 })).toBe(false);
    expect(validate({ ...(bodies[0] as object), computerGroup: 'all' })).toBe(false);
  });

  it('pages a fleet that is not a multiple, ending on a short page', async () => {
    const small = await startThreatLockerSimulator({ devices: 250, seed: 5, date: '2025-01-31' });
    try {
      const ctx = await collect(small, { env: { THREATLOCKER_PAGE_SIZE: '100' } });
      expect(ctx.sink.deviceRows).toHaveLength(250);
      expect(small.requestCount()).toBe(3 + 1);
    } finally {
      await small.close();
    }
  });
});
