/**
 * `/devices`: every current device across sources (bi.devices_current), filtered by client, source,
 * class, billing status, stale and a text search on name, host name and serial, paged on the server.
 * Stale is the billing policy's rule (bi.billing_policy.stale_after_days): a billable device whose
 * last contact is older than that at the end of its snapshot day, as the month-end rows flag it.
 */
import type { Answer, PageContext, Route } from '../server.js';
import { likePattern } from '../params.js';
import { href, html, num, table, when, type Column } from '../html.js';
import { BILLING_STATUSES, DEVICE_CLASSES, SOURCES_SHOWN, clientOptions, select } from './filters.js';
import { pager } from './pager.js';

export interface DeviceFilter {
  client: number | null; source: string | null; deviceClass: string | null; status: string | null; stale: boolean | null; search: string | null;
}

export interface DeviceRow {
  source: string; instance: string; vendor_id: string; snapshot_day: string; site_id: number; site: string; display_name: string | null;
  hostname: string | null; serial_number: string | null; os_name: string | null; device_class: string; billing_status: string; billing_reason: string;
  last_contact_at: Date | null; last_user: string | null; is_stale: boolean;
}

/** The filtered devices, one page of them, and how many match (one statement: one snapshot of the data). */
export async function deviceRows(context: PageContext, filter: DeviceFilter, limit: number, offset: number): Promise<{ rows: DeviceRow[]; total: number }> {
  const pattern = filter.search === null ? null : likePattern(filter.search);
  const rows = await context.sql<(DeviceRow & { total: number })[]>`
    with policy as (
        select p.stale_after_days, p.time_zone from bi.billing_policy as p
    ),
    matching as (
        select
            d.source,
            d.instance,
            d.vendor_id,
            d.snapshot_day::text as snapshot_day,
            d.site_id,
            d.site,
            d.display_name,
            d.hostname,
            d.serial_number,
            d.os_name,
            d.device_class,
            d.billing_status,
            d.billing_reason,
            d.last_contact_at,
            d.last_user,
            coalesce(d.billing_status = 'billable'
                and d.last_contact_at < ((d.snapshot_day + 1)::timestamp at time zone p.time_zone) - make_interval(days => p.stale_after_days), false) as is_stale
        from bi.devices_current as d
        cross join policy as p
        where (${filter.client}::int is null or d.site_id = ${filter.client}::int)
            and (${filter.source}::text is null or d.source = ${filter.source}::text)
            and (${filter.deviceClass}::text is null or d.device_class = ${filter.deviceClass}::text)
            and (${filter.status}::text is null or d.billing_status = ${filter.status}::text)
            and (${pattern}::text is null or d.hostname ilike ${pattern}::text or d.display_name ilike ${pattern}::text or d.serial_number ilike ${pattern}::text)
    )
    select m.*, count(*) over ()::int as total
    from matching as m
    where ${filter.stale}::boolean is null or m.is_stale = ${filter.stale}::boolean
    order by m.site, lower(coalesce(m.hostname, m.display_name, m.vendor_id)), m.source, m.instance, m.vendor_id
    limit ${limit} offset ${offset}`;
  // Past the last page the window count is gone with the rows: count again, rarely.
  if (rows.length === 0 && offset > 0) return { rows: [], total: (await deviceRows(context, filter, 1, 0)).total };
  return { rows, total: rows[0]?.total ?? 0 };
}

export const devicesPage: Route = {
  params: ['client', 'source', 'class', 'status', 'stale', 'q', 'page', 'size'],
  async handle(context): Promise<Answer> {
    const { query } = context;
    const staleText = query.oneOf('stale', ['yes', 'no'] as const);
    const filter: DeviceFilter = {
      client: query.int('client', 1, 2_000_000_000) ?? null,
      source: query.oneOf('source', SOURCES_SHOWN) ?? null,
      deviceClass: query.oneOf('class', DEVICE_CLASSES) ?? null,
      status: query.oneOf('status', BILLING_STATUSES) ?? null,
      stale: staleText === undefined ? null : staleText === 'yes',
      search: query.text('q') ?? null,
    };
    const paging = query.paging();
    const [{ rows, total }, clients] = await Promise.all([deviceRows(context, filter, paging.size, paging.offset), clientOptions(context.sql)]);
    const filters = { client: filter.client, source: filter.source, class: filter.deviceClass, status: filter.status, stale: staleText, q: filter.search };
    const clientName = clients.find(([id]) => id === String(filter.client))?.[1];
    const columns: Column<DeviceRow>[] = [
      { label: 'Client', cell: (r) => html`<a href="${href('/devices', { ...filters, client: r.site_id, page: null })}">${r.site}</a>` },
      { label: 'Source', cell: (r) => (r.instance === 'default' ? r.source : `${r.source}/${r.instance}`) },
      { label: 'Host name', cell: (r) => r.hostname ?? '' },
      { label: 'Display name', cell: (r) => r.display_name ?? '' },
      { label: 'Serial', cell: (r) => r.serial_number ?? '' },
      { label: 'OS', cell: (r) => r.os_name ?? '' },
      { label: 'Class', cell: (r) => r.device_class },
      { label: 'Status', cell: (r) => html`<span class="status-${r.billing_status}" title="${r.billing_reason}">${r.billing_status}</span>${r.is_stale ? html` <span class="warn">stale</span>` : ''}` },
      { label: 'Last contact', cell: (r) => when(r.last_contact_at, context.timeZone) },
      { label: 'Last user', cell: (r) => r.last_user ?? '' },
    ];
    const body = html`
<form method="get" action="/devices" class="filters">
${select('client', 'Client', clients, filter.client ?? undefined)} ${select('source', 'Source', SOURCES_SHOWN, filter.source ?? undefined)}
${select('class', 'Class', DEVICE_CLASSES, filter.deviceClass ?? undefined)} ${select('status', 'Status', BILLING_STATUSES, filter.status ?? undefined)}
${select('stale', 'Stale', ['yes', 'no'], staleText)}
<label>Search <input type="search" name="q" maxlength="100" value="${filter.search ?? ''}" placeholder="name, host, serial"></label>
<button>Filter</button> <a href="/devices">clear</a></form>
<p class="lead"><strong id="device-count">${num(total)}</strong> device(s)${clientName ? html` at <strong>${clientName}</strong>` : ''} at each source's latest snapshot.</p>
${pager('/devices', filters, paging, total)}
${table(columns, rows, { empty: 'No device matches these filters.', id: 'devices' })}
${pager('/devices', filters, paging, total)}`;
    return { kind: 'page', title: clientName ? `Devices: ${clientName}` : 'Devices', body };
  },
};
