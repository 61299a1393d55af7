-- one row per enabled rule × scope (each site, and the whole estate) × patch source × day: value, threshold, passed (null with a reason when not evaluable)
-- grain: rule_id, scope, site_id, source, snapshot_day
-- depends: staging.compliance_verdicts
--
-- The verdicts themselves are staging.compliance_verdicts (shared with the month-end evidence); this
-- view shows the enabled ones, with the site name. Their per-device facts are materialised by the
-- rollup (staging.patch_site_instance_days says which source-days, and how the rest are judged).
create view bi.compliance_checks as
select
    v.snapshot_day,
    v.scope,
    v.site_id,
    s.name as site,
    coalesce(s.name, '(whole estate)') as scope_name,
    v.source,
    v.rule_id,
    v.framework,
    v.check_description,
    v.severity,
    v.metric,
    case when v.value_min = v.value_max then v.value_min end as value,
    v.value_min,
    v.value_max,
    v.comparator,
    v.threshold,
    v.unit,
    v.passed,
    v.status,
    v.reason,
    v.uncertainty as range_note,
    v.basis,
    v.devices_total,
    v.devices_in_scope,
    v.devices_spare,
    v.devices_stale_or_offline,
    v.devices_unknown,
    v.devices_undecided,
    v.rule_note,
    v.threshold_source,
    v.rule_version,
    v.denominator
from staging.compliance_verdicts as v
left join core.sites as s on s.site_id = v.site_id
where v.enabled;

comment on view bi.compliance_checks is 'One row per enabled compliance rule (core.compliance_rules) × scope (each site, and the whole estate) × patch source (ninjaone, pmp) × snapshot day. Site and estate rows are computed alike from per-device patch status, so site devices and counts add up to the estate; the vulnerability DB and APD rules read the PMP summary. passed is null, with a reason, whenever the data cannot decide: never a pass. Materialised by the nightly rollup: the per-device facts are sums of the per site × source instance × day aggregates it stores (rollup.patch_site_instance_days), judged against the rules and site overrides on read, so a rule or override change applies at once; a source-day not rolled up yet, re-published, or judged by compliance settings (core.compliance_settings) or a site mapping changed since, is computed on read from its devices instead.';
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
comment on column bi.compliance_checks.threshold is 'The threshold in force: the site''s override (core.compliance_site_overrides) when it has one, else core.compliance_rules.threshold (changed by UPDATE, recorded in ops.compliance_rule_changes).';
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
comment on column bi.compliance_checks.threshold_source is 'Which setting applied: rule (core.compliance_rules) or site override (core.compliance_site_overrides for this site and rule; a field the override leaves null falls back to the rule). Always rule for the estate.';
comment on column bi.compliance_checks.rule_version is 'core.compliance_rules.version: raised by every change of the rule''s threshold, comparator or enabled flag (ops.compliance_rule_changes).';
comment on column bi.compliance_checks.denominator is 'What a percentage is a share of: in-scope devices (scanned ones, and those of unknown scan status, for scan_success_pct); null for counts and days.';
