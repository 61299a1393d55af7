/**
 * The compliance evidence of a month-end (rollup.month_end_compliance): with every month-end
 * materialisation, the verdict of every rule per scope and patch source on the month-end day, as
 * staging.compliance_verdicts gives it (the rows bi.compliance_checks shows that day, plus the
 * disabled rules). Runs inside materialiseLocked, so it is written and frozen exactly like the billing
 * month-end: refreshed while the month is open, left alone once it is closed, rewritten only by a
 * forced month-end rewrite (recorded in ops.forced_changes by the caller).
 *
 * A patch source's month-end day is the latest month-end day of its instances. While its dailies
 * are there the rows are rebuilt from them; once they are gone the stored values are kept and only
 * re-judged against the current rule settings and site overrides (a threshold change reaches every
 * open month, as a billing-policy change does).
 */
import type { TransactionSql } from 'postgres';

export interface ComplianceEvidenceResult { rebuilt: string[]; rejudged: string[] }

export async function storeComplianceEvidence(tx: TransactionSql, first: string): Promise<ComplianceEvidenceResult> {
  const ends = await tx<{ source: string; day: string; has_dailies: boolean }[]>`
    with ends as (
      select si.source, max(me.month_end_day) as day
      from rollup.month_ends as me
      inner join ops.source_instances as si on si.source_instance_id = me.source_instance_id
      where me.month = ${first}::date
      group by si.source
    )
    select e.source, e.day::text as day, exists (
        select 1 from core.device_days as dd
        inner join ops.source_instances as si on si.source_instance_id = dd.source_instance_id
        where dd.snapshot_day = e.day and si.source = e.source) as has_dailies
    from ends as e
    order by e.source`;
  const result: ComplianceEvidenceResult = { rebuilt: [], rejudged: [] };
  for (const end of ends) {
    if (end.has_dailies) {
      await rebuild(tx, first, end.source, end.day);
      result.rebuilt.push(`${end.source} ${end.day}`);
    } else {
      await rejudge(tx, first, end.source);
      result.rejudged.push(end.source);
    }
  }
  return result;
}

async function rebuild(tx: TransactionSql, first: string, source: string, day: string): Promise<void> {
  await tx`delete from rollup.month_end_compliance where month = ${first}::date and source = ${source}`;
  await tx`
    insert into rollup.month_end_compliance (month, source, scope, site_id, rule_id, month_end_day, rule_version, framework,
      check_description, severity, metric, value_min, value_max, denominator, comparator, threshold, unit, enabled,
      threshold_source, passed, status, reason, not_evaluable_reason, range_note, basis, devices_total, devices_in_scope,
      devices_undecided, rule_note)
    select ${first}::date, v.source, v.scope, v.site_id, v.rule_id, v.snapshot_day, v.rule_version, v.framework,
      v.check_description, v.severity, v.metric, v.value_min, v.value_max, v.denominator, v.comparator, v.threshold, v.unit, v.enabled,
      v.threshold_source, v.passed, v.status, v.reason, v.not_evaluable_reason, v.uncertainty, v.basis, v.devices_total, v.devices_in_scope,
      v.devices_undecided, v.rule_note
    from staging.compliance_verdicts as v
    where v.snapshot_day = ${day}::date and v.source = ${source}`;
}

/** The stored values against today's settings: the same functions as staging.compliance_verdicts. */
async function rejudge(tx: TransactionSql, first: string, source: string): Promise<void> {
  await tx`
    update rollup.month_end_compliance as e set
      rule_version = j.rule_version, comparator = j.comparator, threshold = j.threshold, enabled = j.enabled,
      threshold_source = j.threshold_source, passed = j.passed,
      status = case when j.passed then 'pass' when not j.passed then 'fail' else 'unknown' end,
      reason = core.compliance_reason(e.not_evaluable_reason, j.passed, e.value_min, e.value_max, e.range_note),
      judged_at = now()
    from (
      select m.scope, m.site_id, m.rule_id, cr.version as rule_version, cr.comparator,
        coalesce(o.threshold, cr.threshold) as threshold, coalesce(o.enabled, cr.enabled) as enabled,
        case when o.rule_id is not null then 'site override' else 'rule' end as threshold_source,
        core.compliance_passed(m.value_min, m.value_max, cr.comparator, coalesce(o.threshold, cr.threshold)) as passed
      from rollup.month_end_compliance as m
      inner join core.compliance_rules as cr on cr.rule_id = m.rule_id
      left join core.compliance_site_overrides as o on o.rule_id = m.rule_id and o.site_id = m.site_id
      where m.month = ${first}::date and m.source = ${source}
    ) as j
    where e.month = ${first}::date and e.source = ${source} and e.scope = j.scope and e.site_id is not distinct from j.site_id
      and e.rule_id = j.rule_id
      and (e.rule_version, e.comparator, e.threshold, e.enabled, e.threshold_source, e.passed)
        is distinct from (j.rule_version, j.comparator, j.threshold, j.enabled, j.threshold_source, j.passed)`;
}
