-- one row per enabled rule × scope (each site, and the whole estate) × patch source × day: value, threshold, passed (null with a reason when not evaluable)
-- grain: rule_id, scope, site_id, source, snapshot_day
-- depends: staging.compliance_metrics
--
-- Every scope has a row for every metric (and core.compliance_rules.metric may only name one of them),
-- so joining metrics to rules yields one row per rule × scope without a second pass over the scopes.
create view bi.compliance_checks as
with rules as (
    select
        cr.rule_id,
        cr.framework,
        cr.check_description,
        cr.metric,
        cr.comparator,
        cr.threshold,
        cr.unit,
        cr.severity,
        cr.note
    from core.compliance_rules as cr
    where cr.enabled
),
metrics as (
    select
        cm.scope,
        cm.site_id,
        cm.snapshot_day,
        cm.source,
        cm.metric,
        cm.basis,
        cm.devices_total,
        cm.devices_in_scope,
        cm.devices_spare,
        cm.devices_stale_or_offline,
        cm.devices_unknown,
        cm.value_min,
        cm.value_max,
        cm.devices_undecided,
        cm.not_evaluable_reason,
        cm.uncertainty
    from staging.compliance_metrics as cm
),
evaluated as (
    -- a range passes only when every value in it passes, and fails only when every value fails
    select
        m.scope,
        m.site_id,
        m.snapshot_day,
        m.source,
        r.rule_id,
        r.framework,
        r.check_description,
        r.severity,
        r.metric,
        r.comparator,
        r.threshold,
        r.unit,
        r.note,
        m.basis,
        m.devices_total,
        m.devices_in_scope,
        m.devices_spare,
        m.devices_stale_or_offline,
        m.devices_unknown,
        m.devices_undecided,
        m.value_min,
        m.value_max,
        m.not_evaluable_reason,
        m.uncertainty,
        case
            when m.value_min is null then null
            when r.comparator = '=' then
                case
                    when m.value_min = r.threshold and m.value_max = r.threshold then true
                    when m.value_min > r.threshold or m.value_max < r.threshold then false
                end
            when r.comparator = '<=' then
                case when m.value_max <= r.threshold then true when m.value_min > r.threshold then false end
            when r.comparator = '<' then
                case when m.value_max < r.threshold then true when m.value_min >= r.threshold then false end
            when r.comparator = '>=' then
                case when m.value_min >= r.threshold then true when m.value_max < r.threshold then false end
            when r.comparator = '>' then
                case when m.value_min > r.threshold then true when m.value_max <= r.threshold then false end
        end as passed
    from metrics as m
    inner join rules as r on r.metric = m.metric
)
select
    e.snapshot_day,
    e.scope,
    e.site_id,
    s.name as site,
    coalesce(s.name, '(whole estate)') as scope_name,
    e.source,
    e.rule_id,
    e.framework,
    e.check_description,
    e.severity,
    e.metric,
    case when e.value_min = e.value_max then e.value_min end as value,
    e.value_min,
    e.value_max,
    e.comparator,
    e.threshold,
    e.unit,
    e.passed,
    case when e.passed then 'pass' when not e.passed then 'fail' else 'unknown' end as status,
    case
        when e.not_evaluable_reason is not null then e.not_evaluable_reason
        when e.passed is null then 'undecided: the value lies between ' || e.value_min || ' and '
            || coalesce(e.value_max::text, 'an unknown maximum') || ' because ' || e.uncertainty
    end as reason,
    e.uncertainty as range_note,
    e.basis,
    e.devices_total,
    e.devices_in_scope,
    e.devices_spare,
    e.devices_stale_or_offline,
    e.devices_unknown,
    e.devices_undecided,
    e.note as rule_note
from evaluated as e
left join core.sites as s on s.site_id = e.site_id;

comment on view bi.compliance_checks is 'One row per enabled compliance rule (core.compliance_rules) × scope (each site, and the whole estate) × patch source (ninjaone, pmp) × snapshot day. Site and estate rows are computed alike from per-device patch status, so site devices and counts add up to the estate; the vulnerability DB and APD rules read the PMP summary. passed is null, with a reason, whenever the data cannot decide: never a pass.';
comment on column bi.compliance_checks.snapshot_day is 'Snapshot day (MSP time zone) the check was evaluated for.';
comment on column bi.compliance_checks.scope is 'site or estate (every site of the patch source together).';
comment on column bi.compliance_checks.site_id is 'Canonical site id; null for the estate.';
comment on column bi.compliance_checks.site is 'Canonical site name; null for the estate.';
comment on column bi.compliance_checks.scope_name is 'The site name, or "(whole estate)".';
comment on column bi.compliance_checks.source is 'Patch data source the check reads: ninjaone (OS-patch queries) or pmp (Patch Manager Plus). A device managed by both appears once in each, so the sources are never added together.';
comment on column bi.compliance_checks.rule_id is 'Rule id, e.g. e8.critical_patches (core.compliance_rules).';
comment on column bi.compliance_checks.framework is 'Framework and level, e.g. Essential Eight ML2/3, CIS v8 7.2, custom.';
comment on column bi.compliance_checks.check_description is 'What the rule checks, in the framework''s words.';
comment on column bi.compliance_checks.severity is 'Rule severity: critical, high, medium or low.';
comment on column bi.compliance_checks.metric is 'The metric the rule reads: critical_count, important_count, moderate_count, low_count, unrated_count (distinct missing patches), highly_vulnerable_pct, healthy_pct, scanned_pct, scan_success_pct, scanned_within_window_pct (percent of in-scope devices, scan success of scanned ones), unscanned_systems, vuln_db_age_days, apd_tasks, os_patches_over_30d.';
comment on column bi.compliance_checks.value is 'The metric''s value when the data pins it down exactly (value_min = value_max); null otherwise.';
comment on column bi.compliance_checks.value_min is 'Lowest value consistent with the data; null when not evaluable.';
comment on column bi.compliance_checks.value_max is 'Highest value consistent with the data; null when not evaluable or unbounded.';
comment on column bi.compliance_checks.comparator is 'How the value is compared with the threshold: <, <=, =, >= or >.';
comment on column bi.compliance_checks.threshold is 'The threshold in force (core.compliance_rules.threshold, changed by UPDATE).';
comment on column bi.compliance_checks.unit is 'count, percent or days.';
comment on column bi.compliance_checks.passed is 'True when every value between value_min and value_max meets the threshold, false when none does, null (see reason) when the data cannot decide.';
comment on column bi.compliance_checks.status is 'pass, fail or unknown (passed as text, for BI tools).';
comment on column bi.compliance_checks.reason is 'Why passed is null: not evaluable from the data the warehouse holds, no devices in scope, or a range that straddles the threshold. Null when passed is not null.';
comment on column bi.compliance_checks.range_note is 'Why the value is a range rather than a number (undecided devices, distinct patches bounded by per-device counts), when it is.';
comment on column bi.compliance_checks.basis is 'Where the value comes from: per_device (core.patch_status of in-scope devices), pmp_summary (the PMP /patch/summary of the servers scanning the scope) or none.';
comment on column bi.compliance_checks.devices_total is 'Devices of the patch source in the scope that day (in scope + spare + stale or offline + unknown).';
comment on column bi.compliance_checks.devices_in_scope is 'Devices the check is about: not spare, seen within compliance_settings.stale_after_days, with a patch status.';
comment on column bi.compliance_checks.devices_spare is 'Devices excluded as spare.';
comment on column bi.compliance_checks.devices_stale_or_offline is 'Devices excluded as stale or offline (no contact and no scan within compliance_settings.stale_after_days).';
comment on column bi.compliance_checks.devices_unknown is 'Devices excluded as unknown: no patch status, no critical count, or no contact or scan time at all.';
comment on column bi.compliance_checks.devices_undecided is 'In-scope devices the metric cannot classify (no health, scan status or count), which widen the range; null for summary-based metrics.';
comment on column bi.compliance_checks.rule_note is 'Caveats an auditor should read with the result (core.compliance_rules.note).';
