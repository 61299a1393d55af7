/**
 * `/billing?month=YYYY-MM`: a month's seats per client and source (bi.billing_monthly), closed or
 * open and the seal of a closed one (bi.billing_closes), the devices behind the seats with their
 * status, reason and spare rule (bi.billing_month_devices, paged), and what changed since the
 * previous month-end (bi.billing_changes). `/billing/export` hands out the same files as
 * `warehouse export billing`, built by the same code.
 */
import { fileStem } from '../../commands/export.js';
import { devicesCsv, summaryCsv } from '../../export/billing-csv.js';
import { loadBillingExport } from '../../export/billing-data.js';
import { NotFound } from '../params.js';
import type { Answer, PageContext, Route } from '../server.js';
import { Html, href, html, num, signed, table, when, type Column } from '../html.js';
import { BILLING_STATUSES, SOURCES_SHOWN, choice, clientOptions, select } from './filters.js';
import { pager } from './pager.js';

export interface BillingLine {
  site_id: number; site: string; source: string; instance: string; workstations: number; servers: number; spares: number;
  billable: number; total: number; previous_billable: number | null; change: number; month_end_day: string; is_exact: boolean; is_closed: boolean;
}

export async function billingLines(context: PageContext, month: string): Promise<BillingLine[]> {
  return context.sql<BillingLine[]>`
    select m.site_id, m.site, m.source, m.instance, m.workstations, m.servers, m.spares, m.billable, m.total,
           m.previous_billable, m.change, m.month_end_day::text as month_end_day, m.is_exact, m.is_closed
    from bi.billing_monthly as m
    where m.month = ${month}
    order by m.site, m.source, m.instance`;
}

interface CloseLine { closed_at: Date; closed_by: string; note: string | null; digest: string | null; sealed_devices: number | null; chain_position: number }
interface DeviceLine {
  site_id: number; site: string; source: string; instance: string; vendor_id: string; hostname: string | null; display_name: string | null;
  device_class: string; billing_status: string; reason: string; spare_rule: string | null; is_stale: boolean; last_contact_at: Date | null;
}
interface ChangeLine {
  site: string; source: string; instance: string; vendor_id: string; hostname: string | null; change: string; seat_delta: number; detail: string;
  previous_site: string | null; current_site: string | null; previous_class: string | null; current_class: string | null;
}

interface ChangeSummary { site_id: number; site: string; source: string; n: number; added: number; removed: number; moved_in: number; moved_out: number; reclassified: number; seats: number }

/** At most this many changes are listed (they come with a count and a filter by client). */
const CHANGES_SHOWN = 200;

/**
 * The month's changes under the filters, read once: the first CHANGES_SHOWN in the page's order, and
 * the counts per client and source (the page's totals are their sums). bi.billing_changes pairs the
 * month-end with the one before for every read of it, so the list, the totals and the summary as three
 * statements paired the same two month-ends three times (at 20,000 devices per source, about 60,000
 * devices a side each time).
 */
async function monthChanges(context: PageContext, month: string, filter: { client: number | null; source: string | null }): Promise<{ changes: ChangeLine[]; changeSummary: ChangeSummary[] }> {
  const [row] = await context.sql<{ changes: ChangeLine[] | null; summary: ChangeSummary[] | null }[]>`
    with c as materialized (
        select c.site_id, c.site, c.source, c.instance, c.vendor_id, c.hostname, c.change, c.seat_delta, c.detail, c.previous_site, c.current_site,
               c.previous_class, c.current_class
        from bi.billing_changes as c
        where c.month = ${month}
            and (${filter.client}::int is null or c.site_id = ${filter.client}::int)
            and (${filter.source}::text is null or c.source = ${filter.source}::text)
    )
    select
        (select json_agg(l order by l.site, l.change, lower(coalesce(l.hostname, l.vendor_id)), l.source, l.vendor_id)
         from (
             select c.site, c.source, c.instance, c.vendor_id, c.hostname, c.change, c.seat_delta, c.detail, c.previous_site, c.current_site,
                    c.previous_class, c.current_class
             from c
             order by c.site, c.change, lower(coalesce(c.hostname, c.vendor_id)), c.source, c.vendor_id
             limit ${CHANGES_SHOWN}
         ) as l) as changes,
        (select json_agg(g order by g.site, g.source)
         from (
             select c.site_id, c.site, c.source, count(*)::int as n,
                    (count(*) filter (where c.change = 'added'))::int as added, (count(*) filter (where c.change = 'removed'))::int as removed,
                    (count(*) filter (where c.change = 'moved_in'))::int as moved_in, (count(*) filter (where c.change = 'moved_out'))::int as moved_out,
                    (count(*) filter (where c.change = 'reclassified'))::int as reclassified, sum(c.seat_delta)::int as seats
             from c
             group by c.site_id, c.site, c.source
         ) as g) as summary`;
  return { changes: row?.changes ?? [], changeSummary: row?.summary ?? [] };
}

async function latestMonth(context: PageContext): Promise<string | undefined> {
  const [row] = await context.sql<{ month: string | null }[]>`select max(m.month) as month from bi.billing_monthly as m`;
  return row?.month ?? undefined;
}

const sum = (rows: BillingLine[], pick: (r: BillingLine) => number | null): number => rows.reduce((a, r) => a + (pick(r) ?? 0), 0);

export const billingPage: Route = {
  params: ['month', 'client', 'source', 'status', 'page', 'size'],
  async handle(context): Promise<Answer> {
    const { query, sql } = context;
    const month = query.month('month') ?? (await latestMonth(context));
    const client = query.int('client', 1, 2_000_000_000);
    const source = query.oneOf('source', SOURCES_SHOWN);
    const status = query.oneOf('status', BILLING_STATUSES);
    const paging = query.paging();
    if (!month) return { kind: 'page', title: 'Billing', body: html`<p class="empty">No month has ended yet: the first month-end appears after the first month's last day is collected and rolled up.</p>` };
    const filter = { client: client ?? null, source: source ?? null, status: status ?? null };
    // A filter on the month's first day, not on its text: the text is computed per row, so a filter
    // on it reads every month's partition of the month-end rows; month_start prunes to the month's.
    const monthStart = `${month}-01`;
    // Every read at once, the month's changes (the slowest) first: the pool starts them in this order.
    const [{ changes, changeSummary }, devices, [deviceCount], lines, months, closes, clients] = await Promise.all([
      monthChanges(context, month, filter),
      sql<DeviceLine[]>`
        select d.site_id, d.site, d.source, d.instance, d.vendor_id, d.hostname, d.display_name, d.device_class, d.billing_status,
               d.reason, d.spare_rule, d.is_stale, d.last_contact_at
        from bi.billing_month_devices as d
        where d.month_start >= ${monthStart}::date and d.month_start < (${monthStart}::date + interval '1 month')::date
            and (${filter.client}::int is null or d.site_id = ${filter.client}::int)
            and (${filter.source}::text is null or d.source = ${filter.source}::text)
            and (${filter.status}::text is null or d.billing_status = ${filter.status}::text)
        order by d.site, lower(coalesce(d.hostname, d.display_name, d.vendor_id)), d.source, d.instance, d.vendor_id
        limit ${paging.size} offset ${paging.offset}`,
      sql<{ n: number }[]>`
        select count(*)::int as n from bi.billing_month_devices as d
        where d.month_start >= ${monthStart}::date and d.month_start < (${monthStart}::date + interval '1 month')::date
            and (${filter.client}::int is null or d.site_id = ${filter.client}::int)
            and (${filter.source}::text is null or d.source = ${filter.source}::text)
            and (${filter.status}::text is null or d.billing_status = ${filter.status}::text)`,
      billingLines(context, month),
      sql<{ month: string }[]>`select distinct m.month from bi.billing_monthly as m order by m.month desc limit 36`,
      sql<CloseLine[]>`select c.closed_at, c.closed_by, c.note, c.digest, c.sealed_devices, c.chain_position::int as chain_position from bi.billing_closes as c where c.month = ${month}`,
      clientOptions(sql),
    ]);
    if (lines.length === 0) throw new NotFound(`No month-end for ${month}: pick a month from the list on /billing.`);
    const counts = changeSummary.reduce((a, r) => ({
      n: a.n + r.n, added: a.added + r.added, removed: a.removed + r.removed, moved: a.moved + r.moved_in + r.moved_out, reclassified: a.reclassified + r.reclassified,
    }), { n: 0, added: 0, removed: 0, moved: 0, reclassified: 0 });
    const closed = lines.every((l) => l.is_closed);
    const close = closes[0];
    const shown = lines.filter((l) => (client === undefined || l.site_id === client) && (source === undefined || l.source === source));
    const columns: Column<BillingLine>[] = [
      { label: 'Client', cell: (r) => (r.site_id ? html`<a href="${href('/billing', { month, client: r.site_id })}">${r.site}</a>` : html`<strong>${r.site}</strong>`) },
      { label: 'Source', cell: (r) => r.source },
      { label: 'Workstations', numeric: true, cell: (r) => num(r.workstations) },
      { label: 'Servers', numeric: true, cell: (r) => num(r.servers) },
      { label: 'Spares', numeric: true, cell: (r) => num(r.spares) },
      { label: 'Billable', numeric: true, cell: (r) => html`<strong>${num(r.billable)}</strong>` },
      { label: 'All devices', numeric: true, cell: (r) => num(r.total) },
      { label: 'Previous month-end', numeric: true, cell: (r) => num(r.previous_billable) },
      { label: 'Change', numeric: true, cell: (r) => signed(r.change) },
      { label: 'Month-end day', cell: (r) => (r.site_id ? html`${r.month_end_day}${r.is_exact ? '' : html` <span class="warn" title="not the calendar's last day">(not the last day)</span>`}` : '') },
    ];
    const footer: BillingLine = {
      site_id: 0, site: 'Total', source: '', instance: '', workstations: sum(shown, (r) => r.workstations), servers: sum(shown, (r) => r.servers),
      spares: sum(shown, (r) => r.spares), billable: sum(shown, (r) => r.billable), total: sum(shown, (r) => r.total),
      previous_billable: sum(shown, (r) => r.previous_billable), change: sum(shown, (r) => r.change), month_end_day: '', is_exact: true, is_closed: closed,
    };
    const download = (format: string, text: string): Html => html`<a class="button" href="${href('/billing/export', { month, format, client: client ?? null })}">${text}</a>`;
    const deviceColumns: Column<DeviceLine>[] = [
      { label: 'Client', cell: (r) => r.site },
      { label: 'Source', cell: (r) => r.source },
      { label: 'Host name', cell: (r) => r.hostname ?? r.display_name ?? r.vendor_id },
      { label: 'Class', cell: (r) => r.device_class },
      { label: 'Status', cell: (r) => html`<span class="status-${r.billing_status}">${r.billing_status}</span>${r.is_stale ? html` <span class="warn">stale</span>` : ''}` },
      { label: 'Reason', cell: (r) => r.reason },
      { label: 'Spare rule', cell: (r) => r.spare_rule ?? '' },
      { label: 'Last contact', cell: (r) => when(r.last_contact_at, context.timeZone) },
    ];
    const changeColumns: Column<ChangeLine>[] = [
      { label: 'Client', cell: (r) => r.site },
      { label: 'Source', cell: (r) => r.source },
      { label: 'Host name', cell: (r) => r.hostname ?? r.vendor_id },
      { label: 'Change', cell: (r) => r.change },
      { label: 'Seats', numeric: true, cell: (r) => signed(r.seat_delta) },
      { label: 'Detail', cell: (r) => r.detail },
    ];
    const body = html`
<form method="get" action="/billing" class="filters">
${choice('month', 'Month', months.map((m) => m.month), month)}
${select('client', 'Client', clients, client)} ${select('source', 'Source', SOURCES_SHOWN, source)} ${select('status', 'Device status', BILLING_STATUSES, status)}
<button>Show</button></form>
<p class="lead">${month}: <strong id="month-billable">${num(footer.billable)}</strong> billable seats${client || source ? ' (filtered)' : ''},
${closed ? html`<span class="closed">closed</span>${close ? html` ${when(close.closed_at, context.timeZone)} by ${close.closed_by}` : ''}` : html`<span class="open">open</span>: the figures may still change until <code>warehouse billing close ${month}</code>`}.</p>
${close?.digest ? html`<p>Sealed digest (chain position ${close.chain_position}, ${num(close.sealed_devices)} devices): <code class="digest">${close.digest}</code></p>` : ''}
<p class="downloads">Download (the files of <code>warehouse export billing</code>): ${download('xlsx', 'workbook (xlsx)')} ${download('summary-csv', 'summary (csv)')} ${download('devices-csv', 'devices (csv)')}</p>
<h2>Seats per client and source</h2>
${table(columns, shown, { footer, id: 'billing' })}
<h2>Changes since the previous month-end</h2>
<p>${num(counts.n)} change(s): ${num(counts.added)} added, ${num(counts.removed)} removed, ${num(counts.moved)} moved (in or out), ${num(counts.reclassified)} reclassified${counts.n > CHANGES_SHOWN ? `; the first ${CHANGES_SHOWN} shown, pick a client for the rest` : ''}.</p>
${table<ChangeSummary>([
  { label: 'Client', cell: (r) => html`<a href="${href('/billing', { month, client: r.site_id })}">${r.site}</a>` },
  { label: 'Source', cell: (r) => r.source },
  { label: 'Added', numeric: true, cell: (r) => num(r.added) },
  { label: 'Removed', numeric: true, cell: (r) => num(r.removed) },
  { label: 'Moved in', numeric: true, cell: (r) => num(r.moved_in) },
  { label: 'Moved out', numeric: true, cell: (r) => num(r.moved_out) },
  { label: 'Reclassified', numeric: true, cell: (r) => num(r.reclassified) },
  { label: 'Seats', numeric: true, cell: (r) => signed(r.seats) },
], changeSummary, { empty: 'No seat changed.', id: 'change-summary' })}
${changes.length ? html`<details${client ? new Html(' open') : ''}><summary>Each change (${num(Math.min(counts.n, CHANGES_SHOWN))} listed)</summary>${table(changeColumns, changes, { id: 'changes' })}</details>` : ''}
<h2>Devices</h2>
${pager('/billing', { month, client, source, status }, paging, deviceCount?.n ?? 0)}
${table(deviceColumns, devices, { empty: 'No device matches.', id: 'month-devices' })}
${pager('/billing', { month, client, source, status }, paging, deviceCount?.n ?? 0)}`;
    return { kind: 'page', title: `Billing ${month}`, body };
  },
};

export const billingExport: Route = {
  params: ['month', 'format', 'client'],
  async handle(context): Promise<Answer> {
    const month = context.query.month('month');
    if (!month) throw new NotFound('Name the month: /billing/export?month=YYYY-MM&format=xlsx');
    const format = context.query.oneOf('format', ['xlsx', 'summary-csv', 'devices-csv'] as const) ?? 'xlsx';
    const client = context.query.int('client', 1, 2_000_000_000);
    const data = { ...(await loadBillingExport(context.sql, month, client === undefined ? undefined : String(client))), timeZone: context.timeZone };
    const stem = fileStem(data);
    if (format === 'summary-csv') return { kind: 'file', name: `${stem}-summary.csv`, type: 'text/csv; charset=utf-8', content: summaryCsv(data) };
    if (format === 'devices-csv') return { kind: 'file', name: `${stem}.csv`, type: 'text/csv; charset=utf-8', content: devicesCsv(data) };
    const { billingWorkbook } = await import('../../export/billing-xlsx.js');
    return { kind: 'file', name: `${stem}.xlsx`, type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', content: Buffer.from(await billingWorkbook(data)) };
  },
};
