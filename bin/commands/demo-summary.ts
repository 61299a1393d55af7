/**
 * The demo's closing summary: what an MSP looks at first. Billing this month against last month per
 * client, the compliance rules failing most widely, the cross-vendor coverage gaps and open findings,
 * and collection health. Each section reads only `bi` views; a view that is not in this version yet
 * is skipped with a note rather than failing the demo.
 */
import { SOURCE_NAMES, type SourceName } from '../../warehouse/config-table.js';
import { openDatabase, type Sql } from '../../warehouse/db.js';
import { renderTable } from '../table.js';
import { coverageSection } from './demo-coverage.js';

export interface HistoryFacts {
  today: string;
  first: string;
  monthEnds: string[];
  lastMonth: string | undefined;
  /** Partitions retention dropped: daily tables (device days, patch status, daily counts) and raw pages. */
  droppedDaily: number;
  droppedRaw: number;
  dailyDays: number;
  rawDays: number;
  monthEndMonths: number;
}

export async function exists(sql: Sql, name: string): Promise<boolean> {
  const [row] = await sql<{ ok: boolean }[]>`select to_regclass(${name}) is not null as ok`;
  return row?.ok ?? false;
}

const out = (text: string) => process.stdout.write(text);
const heading = (text: string) => out(`\n${text}\n`);

/** `siteSource` (WAREHOUSE_SITE_SOURCE) names the clients: the seat table shows its spares and is ordered by its seats. */
export async function printDemoSummary(url: string, facts: HistoryFacts, siteSource: SourceName): Promise<void> {
  const { sql, close } = openDatabase(url, { applicationName: 'warehouse:demo', max: 1 });
  try {
    heading(`History: ${facts.first} to ${facts.today}; month-ends of ${facts.monthEnds.join(', ') || '(no month has ended yet)'}. `
      + `Retention dropped ${facts.droppedDaily} daily partition(s) older than ${facts.dailyDays} days and ${facts.droppedRaw} of raw pages older than ${facts.rawDays} days; month-ends stay ${facts.monthEndMonths} months.`);
    await billingSection(sql, siteSource);
    await complianceSection(sql);
    for (const section of await coverageSection(sql, exists)) {
      heading(section.title);
      if (section.rows) out(renderTable(section.rows));
    }
    const health = await sql`
      select source, last_success_day::text as "last success", rows, last_run_status as "last run", consecutive_failures::int as failures
      from bi.collection_health order by source`;
    heading('Collection health (warehouse status):');
    out(renderTable(health));
  } finally {
    await close();
  }
}

/** "now (+change)" with both parts right-aligned, so a column of them lines up. */
export function seatCells(values: Array<{ now: number | null; change: number | null }>): string[] {
  const nows = values.map((v) => (v.now === null ? '' : String(v.now)));
  const changes = values.map((v) => (v.change === null ? '' : `(${v.change > 0 ? '+' : ''}${v.change})`));
  const wn = Math.max(...nows.map((s) => s.length));
  const wc = Math.max(...changes.map((s) => s.length));
  return values.map((_, i) => `${(nows[i] as string).padStart(wn)} ${(changes[i] as string).padStart(wc)}`.trimEnd());
}

interface SeatRow { client: string; source: string; now: number; change: number; spares: number; today_day: string | null; month_end_day: string | null }

async function billingSection(sql: Sql, siteSource: SourceName): Promise<void> {
  const rows = await sql<SeatRow[]>`
    select site as client, source, billable_today as now, change, spares_today as spares,
           today_day::text as today_day, last_month_end_day::text as month_end_day
    from bi.billing_today_vs_last_month_end where instance = 'default' order by site, source`;
  const sources: string[] = [...SOURCE_NAMES];
  const clients = [...new Set(rows.map((r) => r.client))];
  const find = (client: string, source: string) => rows.find((r) => r.client === client && r.source === source);
  const total = (source: string) => ({ now: sum(rows.filter((r) => r.source === source).map((r) => r.now)), change: sum(rows.filter((r) => r.source === source).map((r) => r.change)) });
  const columns = Object.fromEntries(sources.map((s) => [s, seatCells([...clients.map((c) => ({ now: find(c, s)?.now ?? null, change: find(c, s)?.change ?? null })), total(s)])]));
  const table = [...clients, 'TOTAL'].map((client, i) => ({
    client,
    ...Object.fromEntries(sources.map((s) => [s, (columns[s] as string[])[i]])),
    [`${siteSource} spares`]: client === 'TOTAL' ? sum(rows.filter((r) => r.source === siteSource).map((r) => r.spares)) : (find(client, siteSource)?.spares ?? null),
  }));
  table.sort((a, b) => (a.client === 'TOTAL' ? 1 : b.client === 'TOTAL' ? -1 : (find(b.client, siteSource)?.now ?? 0) - (find(a.client, siteSource)?.now ?? 0)));
  const day = rows.find((r) => r.today_day)?.today_day ?? 'today';
  const monthEnd = rows.find((r) => r.month_end_day)?.month_end_day;
  heading(`Billable seats per client: this month so far (${day}) against last month-end${monthEnd ? ` (${monthEnd})` : ' (none yet)'}, as "now (change)":`);
  out(renderTable(table));
  const monthly = await sql`
    select month, source, sum(billable)::int as billable, sum(previous_billable)::int as "previous month", sum(change)::int as change,
           sum(spares)::int as spares, min(month_end_day)::text as "month-end day", bool_and(is_exact) as "last day", bool_and(is_closed) as closed
    from bi.billing_monthly where instance = 'default' and month = (select max(month) from bi.billing_monthly)
    group by month, source order by source`;
  if (monthly.length > 0) {
    heading(`Last month-end (bi.billing_monthly; per client and device: warehouse export billing --month ${String(monthly[0]?.month)}):`);
    out(renderTable(monthly));
  }
}

interface RuleRow { rule: string; framework: string; severity: string; source: string; failing: number; evaluated: number; estate: string | null }

async function complianceSection(sql: Sql): Promise<void> {
  if (!(await exists(sql, 'bi.compliance_checks'))) {
    heading('Compliance: bi.compliance_checks is not in this version yet.');
    return;
  }
  const [latest] = await sql<{ day: string | null }[]>`select max(snapshot_day)::text as day from ops.source_days`;
  if (!latest?.day) return;
  const rules = await sql<RuleRow[]>`
    select c.rule_id as rule, c.framework, c.severity, c.source,
           (count(*) filter (where c.scope = 'site' and c.status = 'fail'))::int as failing,
           (count(*) filter (where c.scope = 'site' and c.status <> 'unknown'))::int as evaluated,
           max(c.status) filter (where c.scope = 'estate') as estate
    from bi.compliance_checks as c
    where c.snapshot_day = ${latest.day}::date
    group by c.rule_id, c.framework, c.severity, c.source
    having count(*) filter (where c.status = 'fail') > 0
    order by case c.severity when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end,
             count(*) filter (where c.scope = 'site' and c.status = 'fail') desc, c.rule_id, c.source
    limit 10`;
  heading(`Top compliance failures on ${latest.day} (bi.compliance_checks; unknown = not evaluable from the data):`);
  out(renderTable(rules.map((r) => ({
    rule: r.rule, framework: r.framework, severity: r.severity, source: r.source,
    'sites failing': `${r.failing} of ${r.evaluated}`, estate: r.estate ?? '',
  }))));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
