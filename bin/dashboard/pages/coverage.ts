/**
 * `/coverage`: per client, devices per vendor and each kind of gap (bi.coverage, as of the last
 * refresh of the findings), and the open findings with their age (bi.exceptions), filterable by
 * client and kind, paged.
 */
import type { Answer, PageContext, Route } from '../server.js';
import { href, html, num, table, type Column } from '../html.js';
import { clientOptions, select } from './filters.js';
import { pager } from './pager.js';

export const FINDING_KINDS = ['not_in_rmm', 'no_threatlocker', 'no_pmp', 'site_mismatch', 'threatlocker_on_spare', 'duplicate_hostname'] as const;

export interface CoverageRow {
  site_id: number; site: string; is_internal: boolean; is_unmapped: boolean; ninjaone_devices: number; ninjaone_billable: number; threatlocker_devices: number; pmp_devices: number;
  threatlocker_not_in_rmm: number | null; pmp_not_in_rmm: number | null; billable_without_threatlocker: number | null; billable_without_pmp: number | null;
  site_mismatches: number | null; threatlocker_on_spare: number | null; duplicate_hostnames: number | null; open_exceptions: number; acknowledged_exceptions: number; as_of: string | null;
}

export async function coverageRows(context: PageContext): Promise<CoverageRow[]> {
  return context.sql<CoverageRow[]>`
    select c.site_id, c.site, c.is_internal, c.is_unmapped, c.ninjaone_devices, c.ninjaone_billable, c.threatlocker_devices, c.pmp_devices,
           c.threatlocker_not_in_rmm, c.pmp_not_in_rmm, c.billable_without_threatlocker, c.billable_without_pmp, c.site_mismatches,
           c.threatlocker_on_spare, c.duplicate_hostnames, c.open_exceptions, c.acknowledged_exceptions, c.as_of::text as as_of
    from bi.coverage as c
    order by c.site`;
}

interface FindingRow { exception_id: number; site_id: number; site: string; kind: string; source: string; subject_name: string | null; detail: string; first_seen_on: string; last_seen_on: string; days_open: number }

export const coveragePage: Route = {
  params: ['client', 'kind', 'page', 'size'],
  async handle(context): Promise<Answer> {
    const { query, sql } = context;
    const client = query.int('client', 1, 2_000_000_000) ?? null;
    const kind = query.oneOf('kind', FINDING_KINDS) ?? null;
    const paging = query.paging();
    const [rows, clients, findings] = await Promise.all([
      coverageRows(context),
      clientOptions(sql),
      sql<(FindingRow & { total: number })[]>`
        select e.exception_id::int as exception_id, e.site_id, e.site, e.kind, e.source, e.subject_name, e.detail,
               e.first_seen_on::text as first_seen_on, e.last_seen_on::text as last_seen_on, e.days_open::int as days_open, count(*) over ()::int as total
        from bi.exceptions as e
        where e.status = 'open'
            and (${client}::int is null or e.site_id = ${client}::int)
            and (${kind}::text is null or e.kind = ${kind}::text)
        order by e.days_open desc, e.site, e.kind, e.exception_id
        limit ${paging.size} offset ${paging.offset}`,
    ]);
    const gap = (v: number | null) => (v === null ? html`<span class="note" title="not judged: a source had not published the as-of day">?</span>` : v > 0 ? html`<strong class="bad">${num(v)}</strong>` : '0');
    const columns: Column<CoverageRow>[] = [
      { label: 'Client', cell: (r) => html`<a href="${href('/coverage', { client: r.site_id })}">${r.site}</a>${r.is_internal ? html` <span class="note">internal</span>` : ''}${r.is_unmapped ? html` <span class="note">unmapped</span>` : ''}` },
      { label: 'NinjaOne', numeric: true, cell: (r) => num(r.ninjaone_devices) },
      { label: 'billable', numeric: true, cell: (r) => num(r.ninjaone_billable) },
      { label: 'ThreatLocker', numeric: true, cell: (r) => num(r.threatlocker_devices) },
      { label: 'PMP', numeric: true, cell: (r) => num(r.pmp_devices) },
      { label: 'ThreatLocker not in RMM', numeric: true, cell: (r) => gap(r.threatlocker_not_in_rmm) },
      { label: 'PMP not in RMM', numeric: true, cell: (r) => gap(r.pmp_not_in_rmm) },
      { label: 'Billable without ThreatLocker', numeric: true, cell: (r) => gap(r.billable_without_threatlocker) },
      { label: 'Billable without PMP', numeric: true, cell: (r) => gap(r.billable_without_pmp) },
      { label: 'Site mismatches', numeric: true, cell: (r) => gap(r.site_mismatches) },
      { label: 'ThreatLocker on spare', numeric: true, cell: (r) => gap(r.threatlocker_on_spare) },
      { label: 'Duplicate host names', numeric: true, cell: (r) => gap(r.duplicate_hostnames) },
      { label: 'Open findings', numeric: true, cell: (r) => num(r.open_exceptions) },
      { label: 'Acknowledged', numeric: true, cell: (r) => num(r.acknowledged_exceptions) },
    ];
    const findingColumns: Column<FindingRow>[] = [
      { label: 'Id', numeric: true, cell: (r) => r.exception_id },
      { label: 'Client', cell: (r) => r.site },
      { label: 'Kind', cell: (r) => r.kind },
      { label: 'Source', cell: (r) => r.source },
      { label: 'Device', cell: (r) => r.subject_name ?? '' },
      { label: 'Detail', cell: (r) => r.detail },
      { label: 'First seen', cell: (r) => r.first_seen_on },
      { label: 'Age (days)', numeric: true, cell: (r) => num(r.days_open) },
    ];
    const asOf = rows.map((r) => r.as_of).find((d) => d !== null);
    const total = findings[0]?.total ?? 0;
    const body = html`
<p class="lead">As of the last refresh of the findings${asOf ? html` (${asOf})` : ''}. A gap of <span class="note">?</span> was not judged: a source had not published that day.</p>
<h2>Devices and gaps per client</h2>
<div class="scroll">${table(columns, rows, { id: 'coverage', empty: 'No client yet.' })}</div>
<h2>Open findings</h2>
<form method="get" action="/coverage" class="filters">${select('client', 'Client', clients, client ?? undefined)} ${select('kind', 'Kind', FINDING_KINDS, kind ?? undefined)} <button>Filter</button></form>
${pager('/coverage', { client, kind }, paging, total)}
${table(findingColumns, findings, { id: 'findings', empty: 'No open finding.' })}
<p class="note">Acknowledge one with <code>warehouse exceptions ack &lt;id&gt; --note "…"</code> (the dashboard is read only).</p>`;
    return { kind: 'page', title: 'Coverage and exceptions', body };
  },
};
