/**
 * `/`: this month so far against the last month-end, per client and source
 * (bi.billing_today_vs_last_month_end), with the billable split into workstations and servers from
 * bi.devices_current (now) and bi.billing_monthly (at that month-end); and billable seats per month
 * over the last 24 months (bi.billing_monthly), as a uPlot chart and as a table for readers without
 * JavaScript.
 */
import type { Answer, PageContext, Route } from '../server.js';
import { href, html, jsonBlock, num, percent, signed, table, type Column } from '../html.js';
import { SOURCES_SHOWN, select } from './filters.js';

export interface OverviewRow {
  site_id: number; site: string; source: string; instance: string; today_day: string | null; last_month_end_day: string | null;
  billable_today: number; spares_today: number; workstations_today: number; servers_today: number;
  billable_last_month_end: number; workstations_last_month_end: number | null; servers_last_month_end: number | null; spares_last_month_end: number | null;
  change: number;
}

export async function overviewRows(context: PageContext, source: string | undefined): Promise<OverviewRow[]> {
  return context.sql<OverviewRow[]>`
    with now_split as (
        select
            d.site_id,
            d.source,
            d.instance,
            (count(*) filter (where d.billing_status = 'billable' and d.billing_category = 'workstation'))::int as workstations,
            (count(*) filter (where d.billing_status = 'billable' and d.billing_category = 'server'))::int as servers
        from bi.devices_current as d
        where ${source ?? null}::text is null or d.source = ${source ?? null}::text
        group by d.site_id, d.source, d.instance
    )
    select
        t.site_id,
        t.site,
        t.source,
        t.instance,
        t.today_day::text as today_day,
        t.last_month_end_day::text as last_month_end_day,
        t.billable_today,
        t.spares_today,
        coalesce(n.workstations, 0) as workstations_today,
        coalesce(n.servers, 0) as servers_today,
        t.billable_last_month_end,
        m.workstations as workstations_last_month_end,
        m.servers as servers_last_month_end,
        m.spares as spares_last_month_end,
        t.change
    from bi.billing_today_vs_last_month_end as t
    left join now_split as n on n.site_id = t.site_id and n.source = t.source and n.instance = t.instance
    left join bi.billing_monthly as m
        on m.site_id = t.site_id and m.source = t.source and m.instance = t.instance and m.month = to_char(t.last_month_end_day, 'YYYY-MM')
    where ${source ?? null}::text is null or t.source = ${source ?? null}::text
    order by t.site, t.source, t.instance`;
}

export interface MonthTotal { month: string; source: string; billable: number }

/** Billable seats per month and source, the last 24 month-ends held. */
export async function monthlyTotals(context: PageContext): Promise<MonthTotal[]> {
  return context.sql<MonthTotal[]>`
    select m.month, m.source, sum(m.billable)::int as billable
    from bi.billing_monthly as m
    where m.month_start > (select max(x.month_start) from bi.billing_monthly as x) - interval '24 months'
    group by m.month, m.source
    order by m.month, m.source`;
}

const sum = (rows: OverviewRow[], pick: (r: OverviewRow) => number | null): number => rows.reduce((a, r) => a + (pick(r) ?? 0), 0);

function totalRow(rows: OverviewRow[], label: string): OverviewRow {
  return {
    site_id: 0, site: label, source: '', instance: '', today_day: null, last_month_end_day: null,
    billable_today: sum(rows, (r) => r.billable_today), spares_today: sum(rows, (r) => r.spares_today),
    workstations_today: sum(rows, (r) => r.workstations_today), servers_today: sum(rows, (r) => r.servers_today),
    billable_last_month_end: sum(rows, (r) => r.billable_last_month_end), workstations_last_month_end: sum(rows, (r) => r.workstations_last_month_end),
    servers_last_month_end: sum(rows, (r) => r.servers_last_month_end), spares_last_month_end: sum(rows, (r) => r.spares_last_month_end),
    change: sum(rows, (r) => r.change),
  };
}

const label = (r: OverviewRow) => (r.instance === 'default' || r.instance === '' ? r.source : `${r.source}/${r.instance}`);

export const overviewPage: Route = {
  params: ['source'],
  async handle(context): Promise<Answer> {
    const source = context.query.oneOf('source', SOURCES_SHOWN);
    const [rows, months] = await Promise.all([overviewRows(context, source), monthlyTotals(context)]);
    const lastMonth = months.at(-1)?.month;
    const lastMonthTotal = months.filter((m) => m.month === lastMonth).reduce((a, m) => a + m.billable, 0);
    const today = rows.map((r) => r.today_day).filter((d): d is string => d !== null).sort().at(-1);
    const monthEnd = rows.map((r) => r.last_month_end_day).filter((d): d is string => d !== null).sort().at(-1);
    // The client's name on the first of its rows only: the rows of one client read as a group.
    const firstOfClient = new Set(rows.filter((r, i) => rows[i - 1]?.site_id !== r.site_id));
    const columns: Column<OverviewRow>[] = [
      { label: 'Client', cell: (r) => (!r.site_id ? html`<strong>${r.site}</strong>` : firstOfClient.has(r) ? html`<a class="client" href="${href('/devices', { client: r.site_id })}">${r.site}</a>` : '') },
      { label: 'Source', cell: (r) => (r.site_id ? html`<a href="${href('/devices', { client: r.site_id, source: r.source })}">${label(r)}</a>` : label(r)) },
      { label: 'Wks', numeric: true, cell: (r) => num(r.workstations_today) },
      { label: 'Srv', numeric: true, cell: (r) => num(r.servers_today) },
      { label: 'Spares', numeric: true, cell: (r) => num(r.spares_today) },
      { label: 'Billable', numeric: true, cell: (r) => html`<strong>${num(r.billable_today)}</strong>` },
      { label: 'Wks', numeric: true, cell: (r) => num(r.workstations_last_month_end) },
      { label: 'Srv', numeric: true, cell: (r) => num(r.servers_last_month_end) },
      { label: 'Spares', numeric: true, cell: (r) => num(r.spares_last_month_end) },
      { label: 'Billable', numeric: true, cell: (r) => html`<strong>${num(r.billable_last_month_end)}</strong>` },
      { label: 'Seats', numeric: true, cell: (r) => html`<span class="${r.change > 0 ? 'up' : r.change < 0 ? 'down' : ''}">${signed(r.change)}</span>` },
      { label: '%', numeric: true, cell: (r) => percent(r.change, r.billable_last_month_end) },
    ];
    const groups = (lead: number): Array<[string, number]> => [['', lead], [`Now (${today ?? 'no snapshot'})`, 4], [`Month-end (${monthEnd ?? 'none yet'})`, 4], ['Change', 2]];
    const bySource = SOURCES_SHOWN.map((s) => rows.filter((r) => r.source === s)).filter((group) => group.length > 0);
    const sources = [...new Set(months.map((m) => m.source))];
    const monthList = [...new Set(months.map((m) => m.month))];
    const chart = { x: monthList.map((month) => Date.parse(`${month}-01T00:00:00Z`) / 1000), months: true, series: sources.map((s) => ({ label: s, values: monthList.map((month) => months.find((m) => m.month === month && m.source === s)?.billable ?? null) })) };
    const body = html`
<p class="lead">Latest snapshot ${today ?? '(none yet)'} against the last month-end ${monthEnd ?? '(none yet)'}. Wks = billable workstations, Srv = billable servers; a client opens its devices.
${lastMonth ? html`Month-end ${lastMonth}: <strong id="last-month-billable">${num(lastMonthTotal)}</strong> billable seats (<a href="${href('/billing', { month: lastMonth })}">billing ${lastMonth}</a>).` : ''}</p>
<form method="get" action="/" class="filters">${select('source', 'Source', SOURCES_SHOWN, source)} <button>Show</button></form>
<h2>Per client and source</h2>
${table(columns, rows, { footer: totalRow(rows, 'Total'), empty: 'Nothing collected yet: run `warehouse nightly`.', id: 'overview', groups: groups(2) })}
<h2>Totals per source</h2>
${table(columns.slice(1), bySource.map((group) => ({ ...totalRow(group, ''), source: group[0]?.source ?? '', instance: 'default' })), { footer: { ...totalRow(rows, ''), source: 'Total', instance: 'default' }, id: 'overview-sources', groups: groups(1) })}
<h2>Billable seats per month-end (last 24)</h2>
<div id="chart" class="chart" data-chart="chart-data" aria-label="Billable seats per month"></div>
${jsonBlock('chart-data', chart)}
${table<{ month: string }>([
  { label: 'Month', cell: (r) => html`<a href="${href('/billing', { month: r.month })}">${r.month}</a>` },
  ...sources.map((s) => ({ label: s, numeric: true, cell: (r: { month: string }) => num(months.find((m) => m.month === r.month && m.source === s)?.billable ?? null) })),
  { label: 'Total', numeric: true, cell: (r) => html`<strong>${num(months.filter((m) => m.month === r.month).reduce((a, m) => a + m.billable, 0))}</strong>` },
], [...monthList].reverse().map((month) => ({ month })), { empty: 'No month has ended yet.', id: 'monthly' })}`;
    return { kind: 'page', title: 'Today vs last month-end', body, scripts: ['/static/uPlot.iife.min.js', '/static/dashboard.js'], styles: ['/static/uPlot.min.css'] };
  },
};
