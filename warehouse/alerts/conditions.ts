/**
 * What each alert condition sees now: the subjects for which it holds, with the value judged and a
 * line saying so. Read-only: every query here reads views and catalogues, never writes (the alerts
 * never change billing or compliance data). Thresholds and enabled flags come from
 * core.alert_conditions at each evaluation.
 */
import type { Sql as Client, TransactionSql } from 'postgres';

/** A client or a transaction: the evaluation runs these inside its transaction. */
type Sql = Client | TransactionSql;
import type { AlertCondition } from '../schema/alerts.js';

export interface ConditionSetting { condition: AlertCondition; enabled: boolean; threshold: number | null; unit: string }

export interface Observation {
  condition: AlertCondition;
  subjectKey: string;
  subject: string;
  detail: string;
  value: number | null;
  threshold: number | null;
}

const GIB = 1024 ** 3;

/** Numbers as a person reads them: at most one decimal, no trailing zeros. */
const show = (n: number): string => String(Math.round(n * 10) / 10);

export async function loadConditions(sql: Sql): Promise<ConditionSetting[]> {
  const rows = await sql<{ condition: AlertCondition; enabled: boolean; threshold: string | null; unit: string }[]>`
    select condition, enabled, threshold::text as threshold, unit from core.alert_conditions order by condition`;
  return rows.map((r) => ({ ...r, threshold: r.threshold === null ? null : Number(r.threshold) }));
}

/**
 * The patch sources' latest published days up to `today`: the estate conditions judge each patch
 * source on its own latest day (the two sources are never added together, as in bi.compliance_checks).
 */
async function latestPatchDays(sql: Sql, today: string): Promise<Array<{ source: string; day: string }>> {
  return sql<{ source: string; day: string }[]>`
    select si.source, max(sd.snapshot_day)::text as day
    from ops.source_days as sd
    inner join ops.source_instances as si on si.source_instance_id = sd.source_instance_id
    where si.source in ('ninjaone', 'pmp') and sd.snapshot_day <= ${today}::date
    group by si.source
    order by si.source`;
}

async function sourceFailures(sql: Sql, threshold: number): Promise<Observation[]> {
  const rows = await sql<{ source: string; instance: string; failures: number; last_error: string | null }[]>`
    select source, instance, consecutive_failures::int as failures, last_error
    from bi.collection_health
    where consecutive_failures >= ${threshold}
    order by source, instance`;
  return rows.map((r) => {
    const name = r.instance === 'default' ? r.source : `${r.source}/${r.instance}`;
    const error = r.last_error === null ? '' : `; last error: ${(r.last_error.split('\n')[0] ?? '').slice(0, 200)}`;
    return {
      condition: 'source_failures', subjectKey: `${r.source}/${r.instance}`, subject: name, value: r.failures, threshold,
      detail: `${r.failures} consecutive failed or refused runs of ${name} since its last success (threshold ${show(threshold)})${error}`,
    };
  });
}

async function estatePassRate(sql: Sql, threshold: number, days: Array<{ source: string; day: string }>): Promise<Observation[]> {
  const found: Observation[] = [];
  for (const { source, day } of days) {
    // One source and day at a time, so the filters reach the per-device scans under the view.
    const [row] = await sql<{ passed: number; decided: number; unknown: number }[]>`
      select count(*) filter (where passed)::int as passed, count(passed)::int as decided, count(*) filter (where passed is null)::int as unknown
      from bi.compliance_checks
      where scope = 'estate' and source = ${source} and snapshot_day = ${day}::date`;
    if (!row || row.decided === 0) continue;
    const rate = (100 * row.passed) / row.decided;
    if (!(rate < threshold)) continue;
    found.push({
      condition: 'estate_pass_rate', subjectKey: source, subject: `estate (${source})`, value: Math.round(rate * 10) / 10, threshold,
      detail: `estate pass rate ${show(rate)} % on ${day} (${row.passed} of ${row.decided} decided checks pass${row.unknown > 0 ? `, ${row.unknown} unknown left out` : ''}; threshold ${show(threshold)} %)`,
    });
  }
  return found;
}

async function criticalMissing(sql: Sql, threshold: number, days: Array<{ source: string; day: string }>): Promise<Observation[]> {
  const found: Observation[] = [];
  for (const { source, day } of days) {
    const [row] = await sql<{ value_min: string | null; value_max: string | null }[]>`
      select value_min::text as value_min, value_max::text as value_max
      from staging.compliance_metrics
      where scope = 'estate' and source = ${source} and snapshot_day = ${day}::date and metric = 'critical_count'`;
    // The lowest value the data allows: an alert says what is certain, never a guess.
    if (!row || row.value_min === null) continue;
    const least = Number(row.value_min);
    if (!(least > threshold)) continue;
    const exact = row.value_max !== null && Number(row.value_max) === least;
    found.push({
      condition: 'critical_missing', subjectKey: source, subject: `estate (${source})`, value: least, threshold,
      detail: `${exact ? '' : 'at least '}${least} distinct critical patches missing across the estate on ${day} (threshold ${show(threshold)})`,
    });
  }
  return found;
}

async function databaseSize(sql: Sql, thresholdGiB: number): Promise<Observation[]> {
  const [row] = await sql<{ bytes: string }[]>`select pg_database_size(current_database())::text as bytes`;
  const gib = Math.round((Number(row?.bytes ?? 0) / GIB) * 1000) / 1000;
  if (!(gib > thresholdGiB)) return [];
  return [{
    condition: 'database_size', subjectKey: 'database', subject: 'database', value: gib, threshold: thresholdGiB,
    detail: `the warehouse database holds ${gib} GiB (threshold ${show(thresholdGiB)} GiB): check that retention runs (\`warehouse retention --dry-run\`) and the disk`,
  }];
}

async function newFindings(sql: Sql): Promise<Observation[]> {
  const rows = await sql<{ exception_id: number; site: string | null; kind_description: string; subject_name: string | null; detail: string }[]>`
    select exception_id::int as exception_id, site, kind_description, subject_name, detail
    from bi.exceptions
    where status = 'open'
    order by exception_id`;
  return rows.map((r) => ({
    condition: 'new_finding', subjectKey: `exception:${r.exception_id}`,
    subject: `${r.site ?? '(no site)'}: ${r.subject_name ?? '(unnamed)'}`, value: null, threshold: null,
    detail: `cross-vendor finding ${r.exception_id}: ${r.kind_description}: ${r.detail} (acknowledge with \`warehouse exceptions ack ${r.exception_id} --note ...\`)`,
  }));
}

/** Every enabled condition's observations; a condition with no threshold where it needs one is skipped. */
export async function observe(sql: Sql, settings: ConditionSetting[], today: string): Promise<Observation[]> {
  const days = await latestPatchDays(sql, today);
  const found: Observation[] = [];
  for (const s of settings.filter((c) => c.enabled)) {
    const t = s.threshold;
    if (s.condition === 'new_finding') found.push(...await newFindings(sql));
    else if (t === null) continue;
    else if (s.condition === 'source_failures') found.push(...await sourceFailures(sql, t));
    else if (s.condition === 'estate_pass_rate') found.push(...await estatePassRate(sql, t, days));
    else if (s.condition === 'critical_missing') found.push(...await criticalMissing(sql, t, days));
    else found.push(...await databaseSize(sql, t));
  }
  return found;
}
