-- one row per device per source instance per day, for the sources that report patch status: its compliance scope and scan facts
-- (no window over history here, so a filter on snapshot_day reaches the partitions; exposure is staging.patch_exposure)
-- Judged on read, by the compliance settings of the moment. Read through staging.patch_device_days_latest
-- (each instance's latest day) and staging.patch_site_instance_days_computed (per site × instance ×
-- day, materialised by the rollup into rollup.patch_site_instance_days), never whole on a bi read.
create view staging.patch_device_days as
with settings as (
    -- the seeded defaults stand in should an operator delete a setting row
    select
        coalesce(max(cs.value) filter (where cs.setting = 'stale_after_days'), 14) as stale_after_days,
        coalesce(max(cs.value) filter (where cs.setting = 'scan_window_days'), 14) as scan_window_days
    from core.compliance_settings as cs
),
patch_sources as (
    -- the sources that report patch status (core.source_roles: NinjaOne, PMP); ThreatLocker reports
    -- none, so its devices are not part of patch compliance
    select
        si.source_instance_id,
        si.source,
        si.instance
    from ops.source_instances as si
    inner join core.source_roles as sr on sr.source = si.source
    where sr.reports_patches
),
published_days as (
    -- the instant the day's data stands for: when the publishing run started, but never later than the
    -- end of the snapshot day in the warehouse's time zone (core.settings), so back-filled history is
    -- judged as of its own day
    select
        sd.source_instance_id,
        sd.snapshot_day,
        least(r.started_at, core.day_end(sd.snapshot_day, st.time_zone)) as as_of
    from ops.source_days as sd
    inner join ops.sync_runs as r on r.run_id = sd.run_id
    cross join core.settings as st
),
joined as (
    select
        dd.site_id,
        dd.snapshot_day,
        dd.device_id,
        dd.source_instance_id,
        ps_src.source,
        ps_src.instance,
        dd.vendor_id,
        dd.display_name,
        dd.hostname,
        dd.device_class,
        dd.is_spare,
        dd.spare_rule_id,
        dd.online,
        dd.last_contact_at,
        pd.as_of,
        ps.device_id is not null as has_patch_status,
        ps.missing_critical,
        ps.missing_important,
        ps.missing_moderate,
        ps.missing_low,
        ps.missing_unrated,
        ps.missing_os,
        ps.missing_third_party,
        ps.missing_driver,
        ps.missing_bios,
        ps.installed_count,
        ps.last_scan_at,
        ps.last_successful_scan_at,
        ps.scan_status,
        ps.health_status,
        ps.installed_os,
        ps.installed_third_party,
        ps.installed_driver,
        ps.installed_bios,
        ps.total_os,
        ps.total_third_party,
        ps.total_driver,
        ps.total_bios,
        ps.last_patched_at,
        dd.extras,
        dd.agent_version,
        dv.first_seen_on,
        greatest(dd.last_contact_at, ps.last_scan_at, ps.last_successful_scan_at) as last_seen_at,
        greatest(ps.last_scan_at, ps.last_successful_scan_at) as last_any_scan_at,
        s.stale_after_days,
        s.scan_window_days
    from core.device_days as dd
    inner join patch_sources as ps_src on ps_src.source_instance_id = dd.source_instance_id
    inner join published_days as pd
        on pd.source_instance_id = dd.source_instance_id
        and pd.snapshot_day = dd.snapshot_day
    cross join settings as s
    inner join core.devices as dv on dv.device_id = dd.device_id
    left join core.patch_status as ps
        on ps.site_id = dd.site_id
        and ps.snapshot_day = dd.snapshot_day
        and ps.device_id = dd.device_id
),
classified as (
    select
        j.*,
        case
            when j.is_spare then 'spare'
            when j.last_seen_at is null then 'unknown'
            when j.last_seen_at < j.as_of - make_interval(days => j.stale_after_days::int) then 'stale_or_offline'
            when not j.has_patch_status or j.missing_critical is null then 'unknown'
            else 'in_scope'
        end as scope_status,
        case
            when j.is_spare then 'spare: ' || coalesce(j.spare_rule_id, 'rule')
            when j.last_seen_at is null then 'no last contact or scan time'
            when j.last_seen_at < j.as_of - make_interval(days => j.stale_after_days::int)
                then 'no contact or scan for more than ' || j.stale_after_days::int || ' days'
            when not j.has_patch_status then 'no patch status reported for this device'
            when j.missing_critical is null then 'missing critical patch count not reported'
            else 'in scope'
        end as scope_reason,
        -- scanned: PMP says so in scan_status; otherwise a scan time is the evidence; else unknown
        case
            when j.scan_status is not null then j.scan_status <> 'not_scanned'
            when j.last_any_scan_at is not null then true
        end as scanned,
        case j.scan_status
            when 'success' then true
            when 'failed' then false
            when 'in_progress' then false
        end as scan_succeeded,
        case
            when j.last_any_scan_at is not null then j.last_any_scan_at >= j.as_of - make_interval(days => j.scan_window_days::int)
            when j.scan_status = 'not_scanned' then false
        end as scanned_within_window,
        -- PMP's own "unknown" health is as undecided as a missing one
        case
            when j.health_status in ('healthy', 'vulnerable', 'highly_vulnerable') then j.health_status
        end as known_health
    from joined as j
)
select
    c.site_id,
    c.snapshot_day,
    c.device_id,
    c.source_instance_id,
    c.source,
    c.instance,
    c.vendor_id,
    c.display_name,
    c.hostname,
    c.device_class,
    c.is_spare,
    c.spare_rule_id,
    c.online,
    c.last_contact_at,
    c.as_of,
    c.has_patch_status,
    c.scope_status,
    c.scope_reason,
    c.missing_critical,
    c.missing_important,
    c.missing_moderate,
    c.missing_low,
    c.missing_unrated,
    c.missing_os,
    c.missing_third_party,
    c.missing_driver,
    c.missing_bios,
    c.installed_count,
    c.last_scan_at,
    c.last_successful_scan_at,
    c.scan_status,
    c.health_status,
    c.known_health,
    c.last_seen_at,
    round((extract(epoch from c.as_of - c.last_seen_at) / 86400.0)::numeric, 1) as days_since_seen,
    round((extract(epoch from c.as_of - c.last_any_scan_at) / 86400.0)::numeric, 1) as scan_age_days,
    c.scanned,
    c.scan_succeeded,
    c.scanned_within_window,
    c.installed_os,
    c.installed_third_party,
    c.installed_driver,
    c.installed_bios,
    c.total_os,
    c.total_third_party,
    c.total_driver,
    c.total_bios,
    c.last_patched_at,
    c.extras,
    c.agent_version,
    c.first_seen_on
from classified as c;
