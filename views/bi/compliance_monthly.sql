-- one row per month × enabled compliance rule × scope (each site, and the whole estate) × patch source: the verdict stored at the month-end, with the setting that applied
-- grain: month, rule_id, scope, site_id, source
-- Reads rollup.month_end_compliance, written with every month-end (frozen once the month is closed,
-- kept for the month-end retention), so a month's verdicts outlive its dailies.
create view bi.compliance_monthly as
select
    to_char(e.month, 'YYYY-MM') as month,
    e.month as month_start,
    e.month_end_day,
    e.scope,
    e.site_id,
    s.name as site,
    coalesce(s.name, '(whole estate)') as scope_name,
    e.source,
    e.rule_id,
    e.rule_version,
    e.framework,
    e.check_description,
    e.severity,
    e.metric,
    case when e.value_min = e.value_max then e.value_min end as value,
    e.value_min,
    e.value_max,
    e.denominator,
    e.comparator,
    e.threshold,
    e.unit,
    e.threshold_source,
    e.passed,
    e.status,
    e.reason,
    e.range_note,
    e.basis,
    e.devices_total,
    e.devices_in_scope,
    e.devices_undecided,
    e.rule_note,
    (bm.month is not null) as is_closed,
    e.materialised_at,
    e.judged_at
from rollup.month_end_compliance as e
left join core.sites as s on s.site_id = e.site_id
left join ops.billing_months as bm on bm.month = e.month
where e.enabled;

comment on view bi.compliance_monthly is 'One row per month × enabled compliance rule × scope (each site, and the whole estate) × patch source: the verdict of bi.compliance_checks on the month-end day, stored with the month-end (rollup.month_end_compliance) with the metric value, denominator, comparator, threshold, rule version and the setting that applied. Kept for the month-end retention (24 months) after the dailies are gone; a closed month keeps the verdicts it closed with (only a forced month-end rewrite, recorded in ops.forced_changes, changes them); an open month is re-judged by the next rollup after a setting changes.';
comment on column bi.compliance_monthly.month is 'Month, YYYY-MM.';
comment on column bi.compliance_monthly.month_start is 'First day of the month (for date filters in BI tools).';
comment on column bi.compliance_monthly.month_end_day is 'The snapshot day the verdict is of: the patch source''s month-end day (the latest of its instances).';
comment on column bi.compliance_monthly.scope is 'site or estate (every site of the patch source together).';
comment on column bi.compliance_monthly.site_id is 'Canonical site id; null for the estate.';
comment on column bi.compliance_monthly.site is 'Canonical site name; null for the estate.';
comment on column bi.compliance_monthly.scope_name is 'The site name, or "(whole estate)".';
comment on column bi.compliance_monthly.source is 'Patch data source: ninjaone or pmp (never added together).';
comment on column bi.compliance_monthly.rule_id is 'Rule id, e.g. e8.critical_patches (core.compliance_rules).';
comment on column bi.compliance_monthly.rule_version is 'The rule''s version when the verdict was judged (ops.compliance_rule_changes has what each version changed).';
comment on column bi.compliance_monthly.framework is 'Framework and level, e.g. Essential Eight ML2/3, CIS v8 7.2, custom.';
comment on column bi.compliance_monthly.check_description is 'What the rule checks, in the framework''s words (as it read at the month-end).';
comment on column bi.compliance_monthly.severity is 'Rule severity: critical, high, medium or low.';
comment on column bi.compliance_monthly.metric is 'The metric the rule reads (see bi.compliance_checks.metric).';
comment on column bi.compliance_monthly.value is 'The metric''s value when the data pinned it down exactly (value_min = value_max); null otherwise.';
comment on column bi.compliance_monthly.value_min is 'Lowest value consistent with the month-end day''s data; null when not evaluable.';
comment on column bi.compliance_monthly.value_max is 'Highest value consistent with the data; null when not evaluable or unbounded.';
comment on column bi.compliance_monthly.denominator is 'What a percentage is a share of: in-scope devices (scanned ones, and those of unknown scan status, for scan_success_pct); null for counts and days.';
comment on column bi.compliance_monthly.comparator is 'How the value was compared with the threshold: <, <=, =, >= or >.';
comment on column bi.compliance_monthly.threshold is 'The threshold that applied (the site''s override, or the rule''s).';
comment on column bi.compliance_monthly.unit is 'count, percent or days.';
comment on column bi.compliance_monthly.threshold_source is 'Which setting applied: rule (core.compliance_rules) or site override (core.compliance_site_overrides). Always rule for the estate.';
comment on column bi.compliance_monthly.passed is 'True when every value between value_min and value_max met the threshold, false when none did, null (see reason) when the data could not decide.';
comment on column bi.compliance_monthly.status is 'pass, fail or unknown.';
comment on column bi.compliance_monthly.reason is 'Why the verdict is unknown; null when it is pass or fail.';
comment on column bi.compliance_monthly.range_note is 'Why the value is a range rather than a number, when it is.';
comment on column bi.compliance_monthly.basis is 'Where the value comes from: per_device, pmp_summary or none.';
comment on column bi.compliance_monthly.devices_total is 'Devices of the patch source in the scope on the month-end day.';
comment on column bi.compliance_monthly.devices_in_scope is 'Devices the check was about: not spare, not stale or offline, with a patch status.';
comment on column bi.compliance_monthly.devices_undecided is 'In-scope devices the metric could not classify; null for summary-based metrics.';
comment on column bi.compliance_monthly.rule_note is 'Caveats an auditor should read with the result.';
comment on column bi.compliance_monthly.is_closed is 'True when the month is closed (billing close): its verdicts are frozen.';
comment on column bi.compliance_monthly.materialised_at is 'When the values were computed from the month-end day''s dailies.';
comment on column bi.compliance_monthly.judged_at is 'When the verdict was last judged: later than materialised_at when a setting changed after the dailies were gone (open months only).';
