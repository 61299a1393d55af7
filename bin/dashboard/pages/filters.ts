/** The fixed vocabularies the filters accept (DESIGN.md §6), and the form controls that offer them. */
import type { Sql } from 'postgres';
import { SOURCE_NAMES } from '../../../warehouse/config-table.js';
import { DEVICE_CLASSES } from '../../../warehouse/rows.js';
import { Html, html } from '../html.js';

export const SOURCES_SHOWN = SOURCE_NAMES;
export { DEVICE_CLASSES };
/** core.billing_status's answers (views/functions/billing.sql). */
export const BILLING_STATUSES = ['billable', 'spare', 'not_billed', 'internal'] as const;

const SELECTED = new Html(' selected');

/** A <select> whose first option means "any"; `options` are [value, label] pairs or plain values. */
export function select(name: string, label: string, options: ReadonlyArray<string | readonly [string, string]>, current: string | number | undefined): Html {
  const pairs = options.map((o) => (typeof o === 'string' ? [o, o] as const : o));
  return html`<label>${label} <select name="${name}"><option value="">any</option>${pairs.map(([value, text]) => html`<option value="${value}"${String(current ?? '') === value ? SELECTED : ''}>${text}</option>`)}</select></label>`;
}

/** A <select> without an "any" option: one of `options` is always chosen. */
export function choice(name: string, label: string, options: readonly string[], current: string): Html {
  return html`<label>${label} <select name="${name}">${options.map((value) => html`<option value="${value}"${value === current ? SELECTED : ''}>${value}</option>`)}</select></label>`;
}

export async function clientOptions(sql: Sql): Promise<Array<readonly [string, string]>> {
  const rows = await sql<{ id: number; name: string }[]>`select s.site_id as id, s.site as name from bi.sites as s order by s.site`;
  return rows.map((r) => [String(r.id), r.name] as const);
}
