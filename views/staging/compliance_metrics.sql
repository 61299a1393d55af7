-- one row per scope (site or estate) × patch source × day × metric: the range the metric's true value lies in, or why it is unknown
-- depends: staging.patch_scope_days
-- depends: staging.pmp_summary_days
--
-- Every metric is a range [value_min, value_max] rather than a number, because per-device data leaves
-- some things open: devices with no health or scan status could be either way, and per-device missing
-- counts bound the number of distinct missing patches (at least the most on one device, at most the
-- sum, and for PMP at most the server's own distinct count). A rule passes only when the whole range
-- passes; unknown devices are never counted as compliant. value_max null means unbounded.
create view staging.compliance_metrics as
with scopes as (
    select
        psd.*,
        psd.devices_in_scope::numeric as n,
        'no devices in scope (' || psd.devices_spare || ' spare, ' || psd.devices_stale_or_offline || ' stale or offline, '
            || psd.devices_unknown || ' unknown)' as no_scope_reason
    from staging.patch_scope_days as psd
),
ranges as (
    select
        sc.scope,
        sc.site_id,
        sc.snapshot_day,
        sc.source,
        sc.devices_total,
        sc.devices_in_scope,
        sc.devices_spare,
        sc.devices_stale_or_offline,
        sc.devices_unknown,
        sc.no_scope_reason,
        m.metric,
        m.unit,
        m.basis,
        m.value_min,
        m.value_max,
        m.devices_undecided,
        m.uncertainty,
        m.not_evaluable,
        m.denominator
    from scopes as sc
    cross join lateral (
        -- the PMP summaries of the servers whose devices make up the scope; a bound or a server-wide
        -- value is used only when every one of those servers has the metric that day
        select
            cardinality(sc.source_instance_ids) as instances,
            count(*) filter (where pmp.has_summary) as summaries,
            count(pmp.vuln_db_age_days) as vuln_db_known,
            case when count(pmp.critical_count) = cardinality(sc.source_instance_ids) then sum(pmp.critical_count) end as critical_bound,
            case when count(pmp.important_count) = cardinality(sc.source_instance_ids) then sum(pmp.important_count) end as important_bound,
            case when count(pmp.moderate_count) = cardinality(sc.source_instance_ids) then sum(pmp.moderate_count) end as moderate_bound,
            case when count(pmp.low_count) = cardinality(sc.source_instance_ids) then sum(pmp.low_count) end as low_bound,
            case when count(pmp.unrated_count) = cardinality(sc.source_instance_ids) then sum(pmp.unrated_count) end as unrated_bound,
            case when count(pmp.vuln_db_age_days) = cardinality(sc.source_instance_ids) then max(pmp.vuln_db_age_days) end as vuln_db_age_days,
            -- the estate has automated deployment only if every server has at least one task
            case when count(pmp.apd_tasks) = cardinality(sc.source_instance_ids) then min(pmp.apd_tasks) end as apd_tasks
        from staging.pmp_summary_days as pmp
        where pmp.source_instance_id = any(sc.source_instance_ids)
            and pmp.snapshot_day = sc.snapshot_day
            and sc.source = 'pmp'
    ) as su
    cross join lateral (
        values
        (
            'critical_count', 'count', 'per_device',
            sc.max_critical_on_one_device::numeric,
            greatest(sc.max_critical_on_one_device::numeric, least(sc.missing_critical::numeric, su.critical_bound)),
            0::bigint,
            'per-device counts cannot tell which missing critical patches are the same patch: at least '
                || sc.max_critical_on_one_device || ' (the most on one device), at most '
                || least(sc.missing_critical::numeric, su.critical_bound)
                || case when su.critical_bound < sc.missing_critical then ' (the PMP summary)' else ' (the sum over devices)' end,
            null::text,
            null::numeric
        ),
        (
            'important_count', 'count', 'per_device',
            sc.max_important_on_one_device::numeric,
            case when sc.devices_important_unknown = 0
                then greatest(sc.max_important_on_one_device::numeric, least(sc.missing_important::numeric, su.important_bound)) end,
            sc.devices_important_unknown,
            case
                when sc.devices_important_unknown > 0 then sc.devices_important_unknown || ' in-scope devices do not report important patches'
                else 'per-device counts cannot tell which missing important patches are the same patch: at least '
                    || sc.max_important_on_one_device || ', at most ' || least(sc.missing_important::numeric, su.important_bound)
            end,
            null,
            null
        ),
        (
            'moderate_count', 'count', 'per_device',
            sc.max_moderate_on_one_device::numeric,
            case when sc.devices_moderate_unknown = 0
                then greatest(sc.max_moderate_on_one_device::numeric, least(sc.missing_moderate::numeric, su.moderate_bound)) end,
            sc.devices_moderate_unknown,
            case
                when sc.devices_moderate_unknown > 0 then sc.devices_moderate_unknown || ' in-scope devices do not report moderate patches'
                else 'per-device counts cannot tell which missing moderate patches are the same patch'
            end,
            null,
            null
        ),
        (
            'low_count', 'count', 'per_device',
            sc.max_low_on_one_device::numeric,
            case when sc.devices_low_unknown = 0
                then greatest(sc.max_low_on_one_device::numeric, least(sc.missing_low::numeric, su.low_bound)) end,
            sc.devices_low_unknown,
            case
                when sc.devices_low_unknown > 0 then sc.devices_low_unknown || ' in-scope devices do not report low patches'
                else 'per-device counts cannot tell which missing low patches are the same patch'
            end,
            null,
            null
        ),
        (
            'unrated_count', 'count', 'per_device',
            sc.max_unrated_on_one_device::numeric,
            case when sc.devices_unrated_unknown = 0
                then greatest(sc.max_unrated_on_one_device::numeric, least(sc.missing_unrated::numeric, su.unrated_bound)) end,
            sc.devices_unrated_unknown,
            case
                when sc.devices_unrated_unknown > 0 then sc.devices_unrated_unknown || ' in-scope devices do not report unrated patches'
                else 'per-device counts cannot tell which missing unrated patches are the same patch'
            end,
            null,
            null
        ),
        (
            'highly_vulnerable_pct', 'percent', 'per_device',
            round(100 * sc.devices_highly_vulnerable / nullif(sc.n, 0), 2),
            round(100 * (sc.devices_highly_vulnerable + sc.devices_health_unknown) / nullif(sc.n, 0), 2),
            sc.devices_health_unknown,
            sc.devices_health_unknown || ' of ' || sc.devices_in_scope || ' in-scope devices have no known health status',
            null,
            sc.n
        ),
        (
            'healthy_pct', 'percent', 'per_device',
            round(100 * sc.devices_healthy / nullif(sc.n, 0), 2),
            round(100 * (sc.devices_healthy + sc.devices_health_unknown) / nullif(sc.n, 0), 2),
            sc.devices_health_unknown,
            sc.devices_health_unknown || ' of ' || sc.devices_in_scope || ' in-scope devices have no known health status',
            null,
            sc.n
        ),
        (
            'scanned_pct', 'percent', 'per_device',
            round(100 * sc.devices_scanned / nullif(sc.n, 0), 2),
            round(100 * (sc.devices_scanned + sc.devices_scan_unknown) / nullif(sc.n, 0), 2),
            sc.devices_scan_unknown,
            sc.devices_scan_unknown || ' of ' || sc.devices_in_scope || ' in-scope devices have neither a scan status nor a scan time',
            null,
            sc.n
        ),
        (
            'unscanned_systems', 'count', 'per_device',
            sc.devices_not_scanned::numeric,
            (sc.devices_not_scanned + sc.devices_scan_unknown)::numeric,
            sc.devices_scan_unknown,
            sc.devices_scan_unknown || ' of ' || sc.devices_in_scope || ' in-scope devices have neither a scan status nor a scan time',
            null,
            null
        ),
        (
            -- undecided devices are counted as scanned in the denominator: as failures for the minimum,
            -- as successes for the maximum
            'scan_success_pct', 'percent', 'per_device',
            round(100 * sc.devices_scan_succeeded / nullif(sc.devices_scanned + sc.devices_scan_unknown, 0)::numeric, 2),
            round(100 * (sc.devices_scan_succeeded + sc.devices_scan_unknown + sc.devices_scan_outcome_unknown)
                / nullif(sc.devices_scanned + sc.devices_scan_unknown, 0)::numeric, 2),
            sc.devices_scan_unknown + sc.devices_scan_outcome_unknown,
            (sc.devices_scan_unknown + sc.devices_scan_outcome_unknown) || ' in-scope devices have no scan outcome',
            case when sc.devices_in_scope > 0 and sc.devices_scanned + sc.devices_scan_unknown = 0 then 'no in-scope device was scanned' end,
            (sc.devices_scanned + sc.devices_scan_unknown)::numeric
        ),
        (
            'scanned_within_window_pct', 'percent', 'per_device',
            round(100 * sc.devices_scanned_within_window / nullif(sc.n, 0), 2),
            round(100 * (sc.devices_scanned_within_window + sc.devices_scan_window_unknown) / nullif(sc.n, 0), 2),
            sc.devices_scan_window_unknown,
            sc.devices_scan_window_unknown || ' of ' || sc.devices_in_scope || ' in-scope devices have no scan time',
            null,
            sc.n
        ),
        (
            'vuln_db_age_days', 'days', case when sc.source = 'pmp' then 'pmp_summary' else 'none' end,
            su.vuln_db_age_days,
            su.vuln_db_age_days,
            0::bigint,
            null,
            case
                when sc.source <> 'pmp' then sc.source || ' reports no vulnerability database'
                when su.vuln_db_age_days is null then 'no vulnerability DB update time (dbupdatestatus or PMP summary) for '
                    || (su.instances - su.vuln_db_known) || ' of ' || su.instances || ' PMP servers on this day'
            end,
            null
        ),
        (
            'apd_tasks', 'count', case when sc.source = 'pmp' then 'pmp_summary' else 'none' end,
            case when sc.scope = 'estate' then su.apd_tasks end,
            case when sc.scope = 'estate' then su.apd_tasks end,
            0::bigint,
            null,
            case
                when sc.source <> 'pmp' then sc.source || ' patch policies are not collected'
                when sc.scope = 'site' then 'PMP reports automated patch deployment tasks per server, not per site'
                when su.apd_tasks is null then 'no PMP summary with APD tasks for '
                    || (su.instances - su.summaries) || ' of ' || su.instances || ' PMP servers on this day'
            end,
            null
        ),
        (
            'os_patches_over_30d', 'count', 'none',
            null::numeric,
            null::numeric,
            0::bigint,
            null,
            'the release date of each missing patch is not collected, so patch age since release is unknown',
            null
        )
    ) as m (metric, unit, basis, value_min, value_max, devices_undecided, uncertainty, not_evaluable, denominator)
)
select
    r.scope,
    r.site_id,
    r.snapshot_day,
    r.source,
    r.metric,
    r.unit,
    r.basis,
    r.devices_total,
    r.devices_in_scope,
    r.devices_spare,
    r.devices_stale_or_offline,
    r.devices_unknown,
    case when r.not_evaluable is null and not (r.basis = 'per_device' and r.devices_in_scope = 0) then r.value_min end as value_min,
    case when r.not_evaluable is null and not (r.basis = 'per_device' and r.devices_in_scope = 0) then r.value_max end as value_max,
    case when r.basis = 'per_device' then r.devices_undecided end as devices_undecided,
    case
        when r.not_evaluable is not null then r.not_evaluable
        when r.basis = 'per_device' and r.devices_in_scope = 0 then r.no_scope_reason
    end as not_evaluable_reason,
    case
        when r.not_evaluable is null and not (r.basis = 'per_device' and r.devices_in_scope = 0)
            and r.value_max is distinct from r.value_min then r.uncertainty
    end as uncertainty,
    -- what a percentage is a share of; null for counts and days
    r.denominator
from ranges as r;
