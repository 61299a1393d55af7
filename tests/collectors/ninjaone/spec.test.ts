/**
 * Every simulator response body validated against NinjaOne's official OpenAPI spec
 * (reference/specs/ninjaone-openapi.json, 2.0.9-draft) with ajv, the whole spec registered and
 * referenced into `#/components/schemas/...` and `#/paths/...`. A second, stricter pass lists keys the
 * spec does not declare: the only one allowed is volumes[].nodeId, which live output has (N6).
 *
 * Where the spec is silent the reference is the authority, and these tests say so: the spec has no
 * error body schema, no token endpoint and no `/api/v2` prefix.
 */
import { readSpec } from '../../helpers/specs.js';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NinjaOneSimulator } from '../../../collectors/ninjaone/simulator/index.js';
import { simulator } from './helpers.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const spec = readSpec('ninjaone-openapi.json') as Record<string, unknown>;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(spec, 'ninjaone');

const validators = new Map<string, ValidateFunction>();
function validator(pointer: string): ValidateFunction {
  let v = validators.get(pointer);
  if (!v) validators.set(pointer, (v = ajv.compile({ $ref: `ninjaone#${pointer}` })));
  return v;
}
const pathSchema = (path: string, code = 'default') => `/paths/${path.replaceAll('/', '~1')}/get/responses/${code}/content/application~1json/schema`;

function expectValid(pointer: string, value: unknown, what: string): void {
  const validate = validator(pointer);
  if (!validate(value)) throw new Error(`${what} does not match ${pointer}: ${ajv.errorsText(validate.errors, { separator: '\n' })}`);
}

type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, Schema>; items?: Schema };
function resolve(schema: Schema): Schema {
  if (schema.$ref) {
    const target = schema.$ref.slice(2).split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replaceAll('~1', '/')], spec);
    return resolve(target as Schema);
  }
  if (schema.allOf) return { properties: Object.assign({}, ...schema.allOf.map((s) => resolve(s).properties ?? {})) as Record<string, Schema> };
  return schema;
}

/** JSON paths of keys the spec does not declare (free-form objects such as userData excepted). */
function undeclared(value: unknown, schema: Schema, path: string, out: Set<string>): void {
  const s = resolve(schema);
  if (Array.isArray(value)) {
    if (s.items) for (const item of value) undeclared(item, s.items, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object' && s.properties) {
    for (const [key, item] of Object.entries(value)) {
      const declared = s.properties[key];
      if (declared === undefined) out.add(`${path}.${key}`);
      else undeclared(item, declared, `${path}.${key}`, out);
    }
  }
}
const component = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

describe('the NinjaOne simulator against the official OpenAPI spec', () => {
  let sim: NinjaOneSimulator;
  let auth: Record<string, string>;
  const get = async (path: string) => {
    const res = await fetch(`${sim.url}${path}`, { headers: auth });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  async function* listAll(path: string, pageSize: number) {
    let after: number | undefined;
    for (;;) {
      const { status, body } = await get(`${path}${path.includes('?') ? '&' : '?'}pageSize=${pageSize}${after === undefined ? '' : `&after=${after}`}`);
      expect(status).toBe(200);
      const page = body as Array<{ id: number }>;
      yield page;
      if (page.length === 0) return;
      after = page[page.length - 1]!.id;
    }
  }

  beforeAll(async () => {
    sim = await simulator(400, 5, '2025-06-10');
    sim.setDay('2025-06-12'); // a churned day: added, moved and pending devices included
    const res = await fetch(`${sim.url}/ws/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'c', client_secret: 's', scope: 'monitoring' }),
    });
    auth = { authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}` };
  });
  afterAll(async () => {
    await sim.close();
  });

  it('has teeth: a wrong type, enum or format fails, and an invented key is reported', () => {
    const device = structuredClone(sim.truth().devices.find((d) => d.deviceType === 'AgentDevice')!) as unknown as Record<string, unknown>;
    expect(() => expectValid('/components/schemas/AgentDevice', device, 'device')).not.toThrow();
    for (const [key, bad] of [['offline', 'false'], ['nodeClass', 'NMS'], ['uid', 'not-a-uuid'], ['lastContact', '1759136775.9'], ['id', 2 ** 31]] as const) {
      expect(() => expectValid('/components/schemas/AgentDevice', { ...device, [key]: bad }, key)).toThrow();
    }
    const extra = new Set<string>();
    undeclared({ ...device, publicIp: '1.2.3.4', os: { ...(device.os as object), version: '10' } }, component('AgentDevice'), '', extra);
    expect([...extra].sort()).toEqual(['.os.version', '.publicIp', '.volumes[].nodeId']);
  });

  it('organizations match Organization and the path schema', async () => {
    for await (const page of listAll('/v2/organizations', 7)) {
      expectValid(pathSchema('/v2/organizations'), page, 'organizations page');
      for (const org of page) expectValid('/components/schemas/Organization', org, `organization ${org.id}`);
    }
  });

  it('locations match LocationWithOrganizationRef, and per-organization locations match Location', async () => {
    for await (const page of listAll('/v2/locations', 10)) {
      expectValid(pathSchema('/v2/locations'), page, 'locations page');
      for (const location of page) expectValid('/components/schemas/LocationWithOrganizationRef', location, `location ${location.id}`);
    }
    const org = sim.truth().organizations[0]!.id;
    const { body } = await get(`/v2/organization/${org}/locations`);
    expectValid(pathSchema('/v2/organization/{id}/locations'), body, 'organization locations');
    for (const location of body as unknown[]) expectValid('/components/schemas/Location', location, 'organization location');
  });

  it('every detailed device matches the schema of its deviceType, with no key the spec lacks but volumes[].nodeId', async () => {
    const extra = new Set<string>();
    const types = new Set<string>();
    for await (const page of listAll('/v2/devices-detailed', 100)) {
      expectValid(pathSchema('/v2/devices-detailed'), page, 'devices-detailed page');
      for (const device of page as Array<{ id: number; deviceType: string }>) {
        types.add(device.deviceType);
        expectValid(`/components/schemas/${device.deviceType}`, device, `device ${device.id} (${device.deviceType})`);
        undeclared(device, component(device.deviceType), '', extra);
      }
    }
    expect(types).toEqual(new Set(['AgentDevice', 'VMGuest', 'VMHost']));
    expect([...extra]).toEqual(['.volumes[].nodeId']);
  });

  it('basic devices, per-organization devices and single devices match their schemas', async () => {
    for await (const page of listAll('/v2/devices', 150)) {
      expectValid(pathSchema('/v2/devices'), page, 'devices page');
      for (const device of page) expectValid('/components/schemas/Device', device, `basic device ${device.id}`);
    }
    const first = sim.truth().devices[0]!;
    const { body } = await get(`/v2/organization/${first.organizationId}/devices?pageSize=50`);
    expectValid(pathSchema('/v2/organization/{id}/devices'), body, 'organization devices');
    for (const device of sim.truth().devices.slice(0, 40)) {
      const one = await get(`/v2/device/${device.id}`);
      expectValid(pathSchema('/v2/device/{id}', '200'), one.body, `device ${device.id}`);
      expectValid(`/components/schemas/${device.deviceType}`, one.body, `device ${device.id}`);
    }
  });

  it('os-patches and os-patch-installs pages (the last, empty one included) match OSPatchReport', async () => {
    for (const query of ['/v2/queries/os-patches?pageSize=200', '/v2/queries/os-patch-installs?pageSize=500&status=INSTALLED&installedAfter=2025-05-01']) {
      const base = query.split('?')[0]!;
      const extra = new Set<string>();
      let { body } = await get(query);
      let pages = 0;
      for (;;) {
        pages += 1;
        expectValid(pathSchema(base), body, `${base} page ${pages}`);
        expectValid('/components/schemas/OSPatchReport', body, `${base} page ${pages}`);
        const page = body as { cursor: { name: string }; results: unknown[] };
        for (const row of page.results) expectValid('/components/schemas/DeviceOSPatch', row, `${base} row`);
        undeclared(page, component('OSPatchReport'), '', extra);
        if (page.results.length === 0) break;
        ({ body } = await get(`${query}&cursor=${page.cursor.name}`));
      }
      expect(pages).toBeGreaterThan(1);
      expect([...extra]).toEqual([]);
    }
  });

  it('error bodies have the reference shape (the spec declares no error schema)', async () => {
    const errorSchema = {
      type: 'object', required: ['resultCode', 'errorMessage', 'incidentId'], additionalProperties: false,
      properties: { resultCode: { const: 'FAILURE' }, errorMessage: { type: 'string' }, incidentId: { type: 'string', format: 'uuid' } },
    };
    const validate = ajv.compile(errorSchema);
    const answers = [
      await fetch(`${sim.url}/v2/devices-detailed`), // no token: 401
      await fetch(`${sim.url}/v2/nothing-here`, { headers: auth }),
      await fetch(`${sim.url}/v2/devices-detailed?df=colour%20%3D%20red`, { headers: auth }),
      await fetch(`${sim.url}/v2/device/1`, { headers: auth }),
      await fetch(`${sim.url}/v2/queries/os-patches?cursor=unknown`, { headers: auth }),
    ];
    expect(answers.map((r) => r.status)).toEqual([401, 404, 400, 404, 400]);
    for (const res of answers) expect(validate(await res.json())).toBe(true);
  });
});
