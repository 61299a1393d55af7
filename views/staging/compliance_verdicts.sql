-- one row per compliance rule (enabled or not) × scope (each site, and the whole estate) × patch source × day: the setting that applies and the verdict
-- depends: staging.compliance_metrics
--
-- The one place a metric meets its rule: bi.compliance_checks shows the enabled rows, and every
-- month-end stores all of them (rollup.month_end_compliance), so the stored evidence equals the
-- checks of its day by construction. A site's override (core.compliance_site_overrides) replaces the
-- rule's threshold or enabled flag for that site only; the estate is always judged by the rule.
-- Every scope has a row for every metric (and core.compliance_rules.metric may only name one of
-- them), so joining metrics to rules yields one row per rule × scope without a second pass.
create view staging.compliance_verdicts as
with judged as (
    select
        cm.scope,
        cm.site_id,
        cm.snapshot_day,
        cm.source,
        cr.rule_id,
        cr.version as rule_version,
        cr.framework,
        cr.check_description,
        cr.severity,
        cr.metric,
        cr.comparator,
        coalesce(o.threshold, cr.threshold) as threshold,
        cr.unit,
        coalesce(o.enabled, cr.enabled) as enabled,
        case when o.rule_id is not null then 'site override' else 'rule' end as threshold_source,
        cr.note as rule_note,
        cm.basis,
        cm.devices_total,
        cm.devices_in_scope,
        cm.devices_spare,
        cm.devices_stale_or_offline,
        cm.devices_unknown,
        cm.devices_undecided,
        cm.value_min,
        cm.value_max,
        cm.denominator,
        cm.not_evaluable_reason,
        cm.uncertainty,
        core.compliance_passed(cm.value_min, cm.value_max, cr.comparator, coalesce(o.threshold, cr.threshold)) as passed
    from staging.compliance_metrics as cm
    inner join core.compliance_rules as cr on cr.metric = cm.metric
    left join core.compliance_site_overrides as o on o.rule_id = cr.rule_id and o.site_id = cm.site_id
)
select
    j.*,
    case when j.passed then 'pass' when not j.passed then 'fail' else 'unknown' end as status,
    core.compliance_reason(j.not_evaluable_reason, j.passed, j.value_min, j.value_max, j.uncertainty) as reason
from judged as j;
