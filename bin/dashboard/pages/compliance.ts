/**
 * `/compliance`: the rules × clients matrix of one day and patch source (bi.compliance_checks: pass,
 * fail or not evaluable, with the reason on hover and in the list below), the daily trend of missing
 * critical and important patches at each month-end for the whole estate (bi.compliance_trend, the
 * rules on critical_count and important_count; the sources are never added together), and the PMP server's summary with its 7, 30 and
 * 90-day arrows (bi.pmp_summary_trend).
 */
import { BadRequest } from '../params.js';
import type { Answer, PageContext, Route } from '../server.js';
import { html, jsonBlock, num, signed, table, type Column, type Html } from '../html.js';
import { choice } from './filters.js';

const PATCH_SOURCES = ['ninjaone', 'pmp'] as const;
/** The trend looks back at most this many month-ends; the default is the last 24. */
export const MAX_TREND_MONTHS = 36;

export interface CheckCell {
  rule_id: string; framework: string; severity: string; check_description: string; scope: string; site_id: number | null; scope_name: string;
  status: string; reason: string | null; value: number | null; value_min: number | null; value_max: number | null; comparator: string; threshold: number | null; unit: string;
}

export async function checksOf(context: PageContext, day: string, source: string): Promise<CheckCell[]> {
  return context.sql<CheckCell[]>`
    select c.rule_id, c.framework, c.severity, c.check_description, c.scope, c.site_id, c.scope_name, c.status, c.reason,
           c.value::float8 as value, c.value_min::float8 as value_min, c.value_max::float8 as value_max, c.comparator, c.threshold::float8 as threshold, c.unit
    from bi.compliance_checks as c
    where c.snapshot_day = ${day}::date and c.source = ${source}
    order by case c.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end, c.rule_id, c.scope desc, c.scope_name`;
}

export interface TrendMonth { month: string; rule_id: string; value: number | null; value_min: number | null; value_max: number | null; status: string; status_change: string }

/** The estate's missing critical and important patches at each month-end (bi.compliance_trend), newest last. */
export async function missingTrend(context: PageContext, source: string, months: number): Promise<TrendMonth[]> {
  return context.sql<TrendMonth[]>`
    select t.month, t.rule_id, t.value::float8 as value, t.value_min::float8 as value_min, t.value_max::float8 as value_max, t.status, t.status_change
    from bi.compliance_trend as t
    where t.scope = 'estate' and t.source = ${source} and t.metric in ('critical_count', 'important_count') and t.month_ends_back <= ${months}
    order by t.month, t.rule_id`;
}

export interface PmpMetric {
  instance: string; snapshot_day: string; metric: string; higher_is_better: boolean | null; value: number | null;
  change_7d: number | null; direction_7d: string | null; change_30d: number | null; direction_30d: string | null; change_90d: number | null; direction_90d: string | null;
}

export async function pmpLatest(context: PageContext): Promise<PmpMetric[]> {
  // The latest day first, then its rows: a correlated max() would compute the view's windows per row.
  const [latest] = await context.sql<{ day: string | null }[]>`select max(x.snapshot_day)::text as day from bi.pmp_summary_trend as x`;
  if (!latest?.day) return [];
  return context.sql<PmpMetric[]>`
    select t.instance, t.snapshot_day::text as snapshot_day, t.metric, t.higher_is_better, t.value::float8 as value,
           t.change_7d::float8 as change_7d, t.direction_7d, t.change_30d::float8 as change_30d, t.direction_30d, t.change_90d::float8 as change_90d, t.direction_90d
    from bi.pmp_summary_trend as t
    where t.kind = 'count' and t.snapshot_day = ${latest.day}::date
    order by t.instance, t.metric`;
}

const STATUS_TEXT: Record<string, string> = { pass: 'pass', fail: 'FAIL', unknown: 'not evaluable' };

function arrow(direction: string | null, change: number | null, higherIsBetter: boolean | null): Html {
  if (direction === null) return html`<span class="note">–</span>`;
  const symbol = direction === 'up' ? '▲' : direction === 'down' ? '▼' : '=';
  const good = higherIsBetter === null || direction === 'unchanged' ? '' : (direction === 'up') === higherIsBetter ? 'good' : 'bad';
  return html`<span class="arrow ${good}" title="${direction}">${symbol} ${signed(change)}</span>`;
}

const shown = (v: number | null) => (v === null ? '' : Number.isInteger(v) ? num(v) : v.toFixed(1));

function valueText(c: CheckCell): string {
  if (c.value !== null) return shown(c.value);
  if (c.value_min !== null) return `${shown(c.value_min)}–${c.value_max === null ? '∞' : shown(c.value_max)}`;
  return '';
}

export const compliancePage: Route = {
  params: ['day', 'source', 'months'],
  async handle(context): Promise<Answer> {
    const { query, sql } = context;
    const source = query.oneOf('source', PATCH_SOURCES) ?? 'ninjaone';
    const trendMonths = query.int('months', 1, MAX_TREND_MONTHS) ?? 24;
    // Days from the daily counts (a rollup table): listing them from the checks would evaluate every day's checks.
    const dayList = (await sql<{ day: string }[]>`select distinct dc.day::text as day from bi.daily_counts as dc where dc.source = ${source} order by 1 desc limit 62`).map((r) => r.day);
    const wanted = query.raw('day');
    if (wanted !== undefined && !/^\d{4}-\d\d-\d\d$/u.test(wanted)) throw new BadRequest(`day=${wanted.slice(0, 40)} is not a day like 2026-10-31`);
    if (wanted !== undefined && !dayList.includes(wanted)) throw new BadRequest(`day=${wanted} is not one of the last ${dayList.length} days ${source} published`);
    const day = wanted ?? dayList[0];
    if (!day) return { kind: 'page', title: 'Compliance', body: html`<p class="empty">No compliance check has been evaluated yet: they follow the first collection with patch data.</p>` };
    const [checks, trend, pmp] = await Promise.all([checksOf(context, day, source), missingTrend(context, source, trendMonths), pmpLatest(context)]);
    const rules = [...new Map(checks.map((c) => [c.rule_id, c])).values()];
    const scopes = [...new Map(checks.map((c) => [`${c.scope}:${c.site_id ?? ''}`, c])).values()].sort((a, b) => (a.scope === b.scope ? a.scope_name.localeCompare(b.scope_name) : a.scope === 'estate' ? -1 : 1));
    // One look-up per matrix cell, not a search of every check per cell (rules × scopes × checks): half the render time at 100 clients.
    const cellKey = (rule: string, scope: string, site: number | null) => `${rule}\u0000${scope}\u0000${site ?? ''}`;
    const cells = new Map(checks.map((c) => [cellKey(c.rule_id, c.scope, c.site_id), c]));
    const cell = (rule: string, scope: CheckCell) => cells.get(cellKey(rule, scope.scope, scope.site_id));
    const matrix = html`<div class="scroll"><table id="compliance-matrix"><thead><tr><th scope="col">Rule</th><th scope="col">Severity</th>${scopes.map((s) => html`<th scope="col" class="vertical">${s.scope_name}</th>`)}</tr></thead><tbody>
${rules.map((r) => html`<tr><th scope="row" title="${r.check_description}">${r.rule_id}<br><span class="note">${r.framework}</span></th><td class="sev-${r.severity}">${r.severity}</td>${scopes.map((s) => {
  const c = cell(r.rule_id, s);
  if (!c) return html`<td></td>`;
  const title = `${c.scope_name}: ${valueText(c)} ${c.unit} (${c.comparator} ${shown(c.threshold)})${c.reason ? `; ${c.reason}` : ''}`;
  return html`<td class="check ${c.status}" title="${title}">${STATUS_TEXT[c.status] ?? c.status}</td>`;
})}</tr>`)}
</tbody></table></div>`;
    const notEvaluable = checks.filter((c) => c.status === 'unknown');
    const trendMonthsShown = [...new Set(trend.map((t) => t.month))];
    const pick = (month: string, metric: 'critical' | 'important') => trend.find((t) => t.month === month && t.rule_id.includes(metric === 'critical' ? 'critical' : 'important'));
    const rangeOf = (t: TrendMonth | undefined) => (t === undefined ? '' : t.value !== null ? shown(t.value) : t.value_min !== null ? `${shown(t.value_min)}–${t.value_max === null ? '∞' : shown(t.value_max)}` : 'not evaluable');
    const trendColumns: Column<{ month: string }>[] = [
      { label: 'Month-end', cell: (r) => r.month },
      { label: 'Missing critical (distinct patches)', numeric: true, cell: (r) => rangeOf(pick(r.month, 'critical')) },
      { label: 'Critical rule', cell: (r) => html`<span class="check ${pick(r.month, 'critical')?.status ?? ''}">${pick(r.month, 'critical')?.status ?? ''}</span>` },
      { label: 'Missing important (distinct patches)', numeric: true, cell: (r) => rangeOf(pick(r.month, 'important')) },
      { label: 'Important rule', cell: (r) => html`<span class="check ${pick(r.month, 'important')?.status ?? ''}">${pick(r.month, 'important')?.status ?? ''}</span>` },
    ];
    const upper = (t: TrendMonth | undefined) => (t === undefined ? null : t.value ?? t.value_max);
    const lower = (t: TrendMonth | undefined) => (t === undefined ? null : t.value ?? t.value_min);
    const chart = { x: trendMonthsShown.map((m) => Date.parse(`${m}-01T00:00:00Z`) / 1000), months: true, series: [
      { label: 'Critical, at least', values: trendMonthsShown.map((m) => lower(pick(m, 'critical'))) },
      { label: 'Critical, at most', values: trendMonthsShown.map((m) => upper(pick(m, 'critical'))) },
      { label: 'Important, at least', values: trendMonthsShown.map((m) => lower(pick(m, 'important'))) },
      { label: 'Important, at most', values: trendMonthsShown.map((m) => upper(pick(m, 'important'))) },
    ] };
    const pmpColumns: Column<PmpMetric>[] = [
      { label: 'Server', cell: (r) => r.instance },
      { label: 'Day', cell: (r) => r.snapshot_day },
      { label: 'Metric', cell: (r) => r.metric },
      { label: 'Value', numeric: true, cell: (r) => shown(r.value) },
      { label: '7 days', cell: (r) => arrow(r.direction_7d, r.change_7d, r.higher_is_better) },
      { label: '30 days', cell: (r) => arrow(r.direction_30d, r.change_30d, r.higher_is_better) },
      { label: '90 days', cell: (r) => arrow(r.direction_90d, r.change_90d, r.higher_is_better) },
    ];
    const body = html`
<form method="get" action="/compliance" class="filters">${choice('day', 'Day', dayList, day)} ${choice('source', 'Patch source', PATCH_SOURCES, source)}
<label>Trend month-ends <input type="number" name="months" min="1" max="${MAX_TREND_MONTHS}" value="${trendMonths}"></label> <button>Show</button></form>
<p class="lead">${day}, ${source}: ${num(checks.filter((c) => c.status === 'fail').length)} failing, ${num(checks.filter((c) => c.status === 'pass').length)} passing, ${num(notEvaluable.length)} not evaluable (of ${num(checks.length)} checks). Hover a cell for its value, threshold and reason.</p>
<h2>Rules × clients</h2>
${rules.length ? matrix : html`<p class="empty">No check for ${source} on ${day}.</p>`}
<h2>Missing critical and important patches, whole estate (${source}, last ${trendMonths} month-ends)</h2>
<p class="note">Distinct patches missing across the estate; where the data only bounds the number, the chart shows both bounds.</p>
<div id="trend-chart" class="chart" data-chart="trend-data" aria-label="Missing patches per month-end"></div>
${jsonBlock('trend-data', chart)}
${table(trendColumns, [...trendMonthsShown].reverse().map((month) => ({ month })), { id: 'missing-trend', empty: 'No month-end with patch data yet.' })}
<h2>Patch Manager Plus summary</h2>
${table(pmpColumns, pmp, { id: 'pmp-summary', empty: 'No PMP summary collected.' })}
<h2>Not evaluable, and why</h2>
${table<CheckCell>([
  { label: 'Rule', cell: (c) => c.rule_id }, { label: 'Scope', cell: (c) => c.scope_name }, { label: 'Reason', cell: (c) => c.reason ?? '' },
], notEvaluable, { id: 'not-evaluable', empty: 'Every check could be decided.' })}`;
    return { kind: 'page', title: 'Compliance', body, scripts: ['/static/uPlot.iife.min.js', '/static/dashboard.js'], styles: ['/static/uPlot.min.css'] };
  },
};
