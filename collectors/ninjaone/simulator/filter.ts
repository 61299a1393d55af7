/**
 * The device filter (`df`) grammar as far as public clients use it (vendor-apis.md §1.6): terms
 * joined by AND; `org`/`organization`, `loc`/`location`, `class`, `id` and `status` (approval)
 * with `=`, `eq`, `!=`, `neq`, `in (...)` and `notin (...)`; bare `online` / `offline`.
 * Anything else is a 400, as an unknown filter is on the real service.
 */
import type { SimDevice } from './fleet.js';

export type DevicePredicate = (device: SimDevice) => boolean;

export class FilterError extends Error {}

const FIELDS: Record<string, (device: SimDevice) => string> = {
  org: (d) => String(d.organizationId),
  organization: (d) => String(d.organizationId),
  loc: (d) => String(d.locationId),
  location: (d) => String(d.locationId),
  class: (d) => d.nodeClass,
  id: (d) => String(d.id),
  status: (d) => d.approvalStatus,
};

const TERM = /^([a-z]+)\s*(=|!=|\beq\b|\bneq\b|\bnotin\b|\bin\b)\s*(.+)$/iu;

export function parseDeviceFilter(df: string | null): DevicePredicate {
  if (df === null || df.trim() === '') return () => true;
  const terms = df.trim().split(/\s+AND\s+/iu).map(parseTerm);
  return (device) => terms.every((term) => term(device));
}

function parseTerm(text: string): DevicePredicate {
  const term = text.trim();
  if (/^online$/iu.test(term)) return (d) => !d.offline;
  if (/^offline$/iu.test(term)) return (d) => d.offline;
  const match = TERM.exec(term);
  if (!match) throw new FilterError(`Invalid device filter term "${term}"`);
  const [, name, operator, rawValue] = match as unknown as [string, string, string, string];
  const field = FIELDS[name.toLowerCase()];
  if (field === undefined) throw new FilterError(`Unknown device filter field "${name}"`);
  const op = operator.toLowerCase();
  if (op === 'in' || op === 'notin') {
    const list = /^\((.*)\)$/u.exec(rawValue.trim());
    if (!list) throw new FilterError(`Expected a list in parentheses after "${operator}" in "${term}"`);
    const values = new Set(list[1]!.split(',').map((v) => v.trim().toUpperCase()).filter((v) => v !== ''));
    return op === 'in' ? (d) => values.has(field(d).toUpperCase()) : (d) => !values.has(field(d).toUpperCase());
  }
  const value = rawValue.trim().toUpperCase();
  return op === '=' || op === 'eq' ? (d) => field(d).toUpperCase() === value : (d) => field(d).toUpperCase() !== value;
}
