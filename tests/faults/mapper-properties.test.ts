/**
 * Every vendor mapper is total: fed any JSON (a real record with fields replaced by arbitrary JSON,
 * strings holding NUL and lone surrogates included, or no record at all), it returns a row or a
 * quarantine reason and never throws. A row that passes validation holds no NUL and no lone
 * surrogate anywhere (text columns and extras), COPY-encodes, and the payload is jsonb-storable.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deviceRow, isMissingPatch, patchRowProblem, addMissingPatch, emptyPatchCounts, locationAlias, organizationAlias } from '../../collectors/ninjaone/map.js';
import type { NinjaLocation, NinjaOrganization } from '../../collectors/ninjaone/types.js';
import type { NinjaDetailedDevice, NinjaOsPatchRow } from '../../collectors/ninjaone/types.js';
import type { TlOrganization } from '../../collectors/threatlocker/types.js';
import { mapComputer, mapOrganization } from '../../collectors/threatlocker/map.js';
import type { TlComputer } from '../../collectors/threatlocker/types.js';
import { branchOfficeAlias, customerAlias, parseCustomers, toDevice, toPatchStatus } from '../../collectors/pmp/map.js';
import type { AllSystemsRow, ScanDetailsRow } from '../../collectors/pmp/types.js';
import { attempt, isRecord, FieldError, type Mapped } from '../../collectors/shared/fields.js';
import { cleanJson, hasUnstorable, jsonbSafe, jsonbText } from '../../warehouse/load/clean-text.js';
import { copyLine } from '../../warehouse/load/copy.js';
import { encodeDevice, encodePatch } from '../../warehouse/load/staging.js';
import { aliasProblem, deviceProblem, patchProblem } from '../../warehouse/load/validate.js';
import type { AliasRow, DeviceRow, PatchStatusRow } from '../../warehouse/rows.js';

/** The test's own "now" (validation judges timestamps against it), never the real clock. */
const NOW = Date.UTC(2026, 2, 1, 12);
const RUNS = { numRuns: 150, seed: 22 };

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uD83D', '\uDE00y', '--', ' ', '12', 'aa:bb:cc:dd:ee:ff'),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.jsonValue(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, {}, [], [null]),
  fc.array(fc.oneof(hostileString, fc.constant(null), fc.integer())),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

/** A real record with 1-4 of its fields (or new ones) replaced by hostile JSON. */
function drifted(samples: Array<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const keys = [...new Set(samples.flatMap((s) => Object.keys(s)))];
  const mutated = fc.tuple(fc.constantFrom(...samples), fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), hostileString), hostileValue), { minLength: 1, maxLength: 4 }))
    .map(([sample, edits]) => ({ ...structuredClone(sample), ...Object.fromEntries(edits) }));
  return fc.oneof({ weight: 4, arbitrary: mutated }, { weight: 1, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: hostileValue });
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (isRecord(value)) for (const [k, v] of Object.entries(value)) { out.push(k); strings(v, out); }
  return out;
}

/** What the streams do with a record: not an object is a quarantine, otherwise the mapper decides. */
function mapRecord<Row>(record: unknown, map: (r: Record<string, unknown>) => Row): Mapped<Row> {
  return attempt(() => {
    if (!isRecord(record)) throw new FieldError('not an object');
    return map(record);
  });
}

function checkDevice(record: unknown, outcome: Mapped<DeviceRow>): void {
  expect(jsonbSafe(record).json === null || !strings(jsonbSafe(record).json).some(hasUnstorable)).toBe(true);
  if ('reason' in outcome) {
    expect(outcome.reason).toMatch(/\S/u);
    return;
  }
  const problem = deviceProblem(outcome.row, NOW);
  if (problem !== undefined) return; // quarantined by the sink with this reason
  expect(strings(outcome.row).filter(hasUnstorable)).toEqual([]);
  expect(() => copyLine(encodeDevice(outcome.row))).not.toThrow();
}

function checkPatch(outcome: Mapped<PatchStatusRow>): void {
  if ('reason' in outcome || patchProblem(outcome.row, NOW) !== undefined) return;
  expect(strings(outcome.row).filter(hasUnstorable)).toEqual([]);
  expect(() => copyLine(encodePatch(outcome.row))).not.toThrow();
}

const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as Array<Record<string, unknown>>;

describe('mappers are total over arbitrary JSON', () => {
  it('NinjaOne devices', () => {
    const locations = new Map([[1, 'HQ']]);
    fc.assert(fc.property(drifted(fixture('ninjaone/devices-detailed.page-1.json')), (record) => {
      checkDevice(record, mapRecord(record, (r) => deviceRow(r as unknown as NinjaDetailedDevice, locations)));
    }), RUNS);
  });

  it('NinjaOne os-patches rows: counted when readable, named when not, never a throw', () => {
    const sample = { deviceId: 1, status: 'PENDING', severity: 'CRITICAL', type: 'PATCHES', timestamp: 1_772_000_000.5, kbNumber: 'KB1' };
    fc.assert(fc.property(drifted([sample]), (row) => {
      if (patchRowProblem(row) !== undefined) return;
      const counts = emptyPatchCounts();
      if (isMissingPatch(row as NinjaOsPatchRow)) addMissingPatch(counts, row as NinjaOsPatchRow);
      expect(counts.critical + counts.important + counts.moderate + counts.low + counts.unrated).toBeLessThanOrEqual(1);
    }), RUNS);
  });

  it('ThreatLocker computers', () => {
    fc.assert(fc.property(drifted(fixture('threatlocker/computers.page-1.json')), (record) => {
      checkDevice(record, mapRecord(record, (r) => mapComputer(r as unknown as TlComputer)));
    }), RUNS);
  });

  it('PMP systems, as devices and as patch status', () => {
    const sample: Record<string, unknown> = {
      resource_id: 301, resource_name: 'PC-01', 'resource.name': 'PC-01', fqdn_name: 'pc-01.corp.local', ip_address: '10.0.0.1, 10.0.0.2',
      mac_address: '00:11:22:33:44:55', branch_office_id: 1, branch_office_name: 'Local Office', customer_id: 7, os_name: 'Windows 11 Pro',
      os_platform_name: 'Windows', service_pack: '--', agent_version: '11.3.2400.1', agent_last_contact_time: 1_772_000_000_000,
      agent_logged_on_users: 'CORP\\ana', computer_live_status: 1, installation_status: 22, last_scan_time: 1_772_000_000_000,
      last_successful_scan: 1_772_000_000_000, scan_status: 229, resource_health_status: 1, 'managedcomputer.friendly_name': 'Ana',
      critical_patch_count: 2, important_patch_count: 0, missing_ms_patches: 2, installed_ms_patches: 40, missing_tp_patches: '--',
    };
    fc.assert(fc.property(drifted([sample]), fc.constantFrom('customers' as const, 'branch_offices' as const), (record, mode) => {
      checkDevice(record, mapRecord(record, (r) => toDevice(r as AllSystemsRow, { mode, customerId: 7 })));
      checkPatch(mapRecord(record, (r) => toPatchStatus(r as AllSystemsRow)));
    }), RUNS);
  });

  // A client alias cannot be set aside (it is a site's identity): the mapper names what is wrong
  // (a FieldError, which the stream turns into exit 7) or returns an alias the sink keys as it is,
  // or stops the run naming it (aliasProblem); never any other throw, never a key like "undefined".
  it('client aliases of every vendor: a keyable alias or a named refusal', () => {
    const checkAlias = (outcome: Mapped<AliasRow>) => {
      if ('reason' in outcome) return expect(outcome.reason).toMatch(/\S/u);
      const alias = cleanJson(outcome.row) as AliasRow;
      if (aliasProblem(alias) !== undefined) return undefined;
      expect(strings(alias).filter(hasUnstorable)).toEqual([]);
      return expect(alias.externalId).not.toMatch(/^(undefined|null|NaN|\[object)/u);
    };
    fc.assert(fc.property(drifted(fixture('ninjaone/organizations.page-1.json')), (r) => { checkAlias(mapRecord(r, (o) => organizationAlias(o as unknown as NinjaOrganization))); }), RUNS);
    fc.assert(fc.property(drifted(fixture('ninjaone/locations.page-1.json')), (r) => { checkAlias(mapRecord(r, (l) => locationAlias(l as unknown as NinjaLocation))); }), RUNS);
    fc.assert(fc.property(drifted(fixture('threatlocker/organizations.page-1.json')), (r) => { checkAlias(mapRecord(r, (o) => mapOrganization(o as unknown as TlOrganization))); }), RUNS);
    fc.assert(fc.property(drifted([{ resource_id: 1, branch_office_id: 3, branch_office_name: 'Local Office' }]), (r) => {
      checkAlias(mapRecord(r, (row) => branchOfficeAlias(row as unknown as ScanDetailsRow)));
    }), RUNS);
    fc.assert(fc.property(drifted([{ customer_id: 7, customer_name: 'Acme' }]), (r) => {
      for (const customer of parseCustomers({ customers: [r] }) ?? []) checkAlias({ row: customerAlias(customer) });
    }), RUNS);
  });

  it('a device with a NUL or lone surrogate in every text field maps to a clean, valid row', () => {
    const [sample] = fixture('ninjaone/devices-detailed.page-1.json');
    const dirty = { ...sample, displayName: 'A\u0000B', systemName: 'H\uD800', netbiosName: '\uDC00N', dnsName: 'x\u0000.corp' };
    const outcome = mapRecord(dirty, (r) => deviceRow(r as unknown as NinjaDetailedDevice, new Map()));
    expect('row' in outcome && deviceProblem(outcome.row, NOW)).toBeUndefined();
    if (!('row' in outcome)) return;
    expect(outcome.row).toMatchObject({ displayName: 'A\uFFFDB', hostname: 'H\uFFFD', extras: expect.objectContaining({ netbiosName: '\uFFFDN' }) as unknown });
  });
});

describe('raw pages as JSON text', () => {
  it('jsonbText says what jsonbSafe says: the same stored value, the same verbatim text', () => {
    const payload = fc.oneof(hostileValue, fc.array(hostileValue, { maxLength: 4 }), fc.constantFrom('\\u0000', { 'a\\ud800': 1 }, undefined));
    fc.assert(fc.property(payload, (value) => {
      const safe = jsonbSafe(value);
      const text = jsonbText(value);
      expect(text.verbatim).toBe(safe.verbatim);
      expect(text.text).toBe(JSON.stringify(safe.json));
      expect(strings(JSON.parse(text.text) as unknown).filter(hasUnstorable)).toEqual([]);
    }), { numRuns: 500, seed: 23 });
  });
});
