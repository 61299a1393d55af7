/**
 * Fault switches. Vendor-specific ones are validated here; the generic ones (rateLimit,
 * serverErrors, truncateBody, latencyMs) belong to the kit, which applies them to faults set over
 * HTTP. Simulator.setFaults() is a plain call with no HTTP round trip, so for it the same generic
 * switches are applied here, with the kit's own parser and semantics.
 */
import type { VendorFaults } from './routes.js';

const GENERIC = new Set(['rateLimit', 'serverErrors', 'truncateBody', 'latencyMs']);

export function parseVendorFaults(input: Record<string, unknown>): VendorFaults {
  const out: VendorFaults = {};
  for (const [name, value] of Object.entries(input)) {
    if (GENERIC.has(name) || value === undefined || value === null || value === false) continue;
    switch (name) {
      case 'skipPage': out.skipPage = { pageNumber: intField(value, name, 'pageNumber', 1) }; break;
      case 'repeatPage': out.repeatPage = { pageNumber: intField(value, name, 'pageNumber', 2) }; break;
      case 'pageSizeCap': out.pageSizeCap = { max: intField(value, name, 'max', 1) }; break;
      case 'badToken': out.badToken = value === true; break;
      case 'forbiddenOrg': out.forbiddenOrg = value === true ? {} : optional(value, name, 'organizationId'); break;
      case 'invalid417': out.invalid417 = value === true ? {} : invalid417(value); break;
      default: throw new Error(`unknown ThreatLocker fault "${name}" (known: skipPage, repeatPage, pageSizeCap, badToken, forbiddenOrg, invalid417, and the kit's ${[...GENERIC].join(', ')})`);
    }
  }
  return out;
}

function objectOf(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function intField(value: unknown, name: string, field: string, min: number): number {
  const n = objectOf(value, name)[field];
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new Error(`${name}.${field} must be an integer >= ${min}`);
  return n;
}

function optional(value: unknown, name: string, field: string): { organizationId?: string } {
  const v = objectOf(value, name)[field];
  if (v === undefined) return {};
  if (typeof v !== 'string') throw new Error(`${name}.${field} must be a string`);
  return { organizationId: v };
}

function invalid417(value: unknown): NonNullable<VendorFaults['invalid417']> {
  const o = objectOf(value, 'invalid417');
  const out: NonNullable<VendorFaults['invalid417']> = {};
  if (o['count'] !== undefined) {
    if (typeof o['count'] !== 'number' || !Number.isInteger(o['count']) || o['count'] < 0) throw new Error('invalid417.count must be a non-negative integer');
    out.count = o['count'];
  }
  if (o['message'] !== undefined) out.message = String(o['message']);
  return out;
}
