/**
 * The demo's coverage section: each kind of cross-vendor gap of bi.coverage (per site: devices one
 * vendor knows and another does not) as one line with its worst sites, then the newest open findings
 * of bi.exceptions. Columns are looked up before they are read, so a view of an older or newer shape
 * loses a line rather than the demo.
 */
import type { Sql } from '../../warehouse/db.js';
import { shorten } from '../table.js';

type Exists = (sql: Sql, name: string) => Promise<boolean>;
type Row = Record<string, unknown>;

/** bi.coverage gap columns, in the order an MSP cares about them. */
export const GAPS: Array<[column: string, label: string]> = [
  ['billable_without_threatlocker', 'billable NinjaOne device, no ThreatLocker agent'],
  ['billable_without_pmp', 'billable NinjaOne device, no Patch Manager Plus agent'],
  ['threatlocker_not_in_rmm', 'ThreatLocker computer not in NinjaOne'],
  ['pmp_not_in_rmm', 'Patch Manager Plus system not in NinjaOne'],
  ['site_mismatches', 'vendors file the device under different sites'],
  ['threatlocker_on_spare', 'ThreatLocker agent on a spare device'],
  ['duplicate_hostnames', 'host name shared by several devices'],
];

async function columnsOf(sql: Sql, view: string): Promise<Set<string>> {
  const [schema, name] = view.split('.') as [string, string];
  const rows = await sql<{ name: string }[]>`
    select column_name as name from information_schema.columns where table_schema = ${schema} and table_name = ${name}`;
  return new Set(rows.map((r) => r.name));
}

/** One line per gap kind: devices, sites with the gap, the two worst sites. Null counts were not judged. */
export function gapLines(rows: Row[], present: Set<string>): Row[] {
  return GAPS.filter(([column]) => present.has(column)).map(([column, label]) => {
    const judged = rows.some((r) => r[column] !== null && r[column] !== undefined);
    const hit = rows.filter((r) => Number(r[column] ?? 0) > 0).sort((a, b) => Number(b[column]) - Number(a[column]) || String(a.site).localeCompare(String(b.site)));
    return {
      gap: label,
      devices: judged ? hit.reduce((n, r) => n + Number(r[column]), 0) : null,
      sites: judged ? hit.length : null,
      worst: judged ? hit.slice(0, 2).map((r) => `${String(r.site)} (${Number(r[column])})`).join(', ') : 'not judged: a source has not published the latest day',
    };
  });
}

export async function coverageSection(sql: Sql, exists: Exists): Promise<Array<{ title: string; rows?: Row[] }>> {
  if (!(await exists(sql, 'bi.coverage'))) return [{ title: 'Coverage gaps: bi.coverage is not in this version yet.' }];
  const present = await columnsOf(sql, 'bi.coverage');
  if (!present.has('site')) return [];
  const wanted = ['site', 'as_of', ...GAPS.map(([c]) => c)].filter((c) => present.has(c));
  const rows = await sql.unsafe<Row[]>(`select ${wanted.join(', ')} from bi.coverage`);
  const asOf = rows.find((r) => r.as_of)?.as_of;
  const day = asOf instanceof Date ? asOf.toISOString().slice(0, 10) : asOf ? String(asOf) : 'the latest day';
  const sections: Array<{ title: string; rows?: Row[] }> = [{ title: `Coverage gaps on ${day} (bi.coverage):`, rows: gapLines(rows, present) }];
  const findings = await openFindings(sql, exists);
  if (findings) sections.push(findings);
  return sections;
}

async function openFindings(sql: Sql, exists: Exists): Promise<{ title: string; rows: Row[] } | undefined> {
  if (!(await exists(sql, 'bi.exceptions'))) return undefined;
  const present = await columnsOf(sql, 'bi.exceptions');
  if (!['exception_id', 'site', 'kind', 'status', 'subject_name', 'detail', 'note', 'first_seen_on', 'source', 'instance', 'vendor_id'].every((c) => present.has(c))) return undefined;
  const [count] = await sql<{ open: number; acknowledged: number; resolved: number; since: string | null }[]>`
    select count(*) filter (where status = 'open')::int as open, count(*) filter (where status = 'acknowledged')::int as acknowledged,
           count(*) filter (where status = 'resolved')::int as resolved, min(first_seen_on)::text as since
    from bi.exceptions`;
  // The acknowledged ones first (an operator's decision), then the longest-open gaps an MSP acts on.
  const rows = await sql<Row[]>`
    select e.exception_id as id, e.site, e.kind,
           -- The name the vendor's console shows, beside the host name, when the vendor gives one.
           e.subject_name || coalesce(' (' || nullif(d.display_name, e.subject_name) || ')', '') as device,
           e.first_seen_on::text as "first seen", e.status, coalesce(e.note, e.detail) as detail
    from bi.exceptions as e
    left join bi.devices_current as d on d.source = e.source and d.instance = e.instance and d.vendor_id = e.vendor_id
    where e.status in ('open', 'acknowledged')
    order by e.status = 'acknowledged' desc,
             case e.kind when 'no_threatlocker' then 0 when 'no_pmp' then 1 when 'not_in_rmm' then 2 else 3 end, e.first_seen_on, e.site, e.subject_name
    limit 6`;
  const c = count ?? { open: 0, acknowledged: 0, resolved: 0, since: null };
  return {
    title: `Findings since ${c.since ?? 'the first day'}: ${c.open} open, ${c.acknowledged} acknowledged, ${c.resolved} resolved `
      + '(bi.exceptions; all of them: warehouse exceptions list; accept one: warehouse exceptions ack <id> --note "..."):',
    rows: rows.map((r) => ({ ...r, id: Number(r.id), detail: shorten(String(r.detail ?? ''), 72) })),
  };
}
