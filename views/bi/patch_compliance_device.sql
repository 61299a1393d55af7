-- one row per device per source instance (of the patch sources), at the latest published snapshot of that source instance
-- grain: source, instance, vendor_id
-- depends: staging.patch_device_days_latest
create view bi.patch_compliance_device as
with thresholds as (
    -- core.compliance_settings; the seeded defaults stand in should an operator delete a row
    select
        coalesce(max(cs.value) filter (where cs.setting = 'contact_active_days'), 7) as contact_active_days,
        coalesce(max(cs.value) filter (where cs.setting = 'contact_inactive_days'), 30) as contact_inactive_days,
        coalesce(max(cs.value) filter (where cs.setting = 'risk_critical_min_missing'), 1) as risk_critical_min,
        coalesce(max(cs.value) filter (where cs.setting = 'risk_important_min_missing'), 1) as risk_important_min,
        coalesce(max(cs.value) filter (where cs.setting = 'risk_moderate_min_missing'), 1) as risk_moderate_min,
        coalesce(max(cs.value) filter (where cs.setting = 'risk_low_min_missing'), 1) as risk_low_min
    from core.compliance_settings as cs
),
latest_days as (
    -- each instance's latest day and its exposure, bounded at run time (staging.patch_device_days_latest says how)
    select pdd.*
    from staging.patch_device_days_latest as pdd
),
picture as (
    -- the per-system picture's derived facts, each null when the data does not decide it
    select
        ld.*,
        ld.extras ->> 'domain' as domain,
        case
            when ld.extras ->> 'agentInstalled' = 'true' then 'installed'
            when ld.extras ->> 'agentInstalled' = 'false' then 'not_installed'
            -- an agent version is an agent reporting (NinjaOne's agent devices)
            when ld.agent_version is not null then 'installed'
        end as agent_status,
        case
            -- a system PMP lists is a computer it manages, agent or not
            when ld.source = 'pmp' then 'managed'
            when ld.extras ->> 'approvalStatus' = 'APPROVED' then 'managed'
            when ld.extras ->> 'approvalStatus' = 'PENDING' then 'pending_approval'
            when ld.extras ->> 'approvalStatus' is not null then lower(ld.extras ->> 'approvalStatus')
        end as managed_status,
        -- the vendor's own "added": PMP's agent installation, NinjaOne's device creation
        coalesce(ld.extras ->> 'agentInstalledAt', ld.extras ->> 'created')::timestamptz as date_added,
        round((extract(epoch from ld.as_of - ld.last_contact_at) / 86400.0)::numeric, 1) as days_since_contact,
        case
            when ld.last_contact_at is null then null
            when ld.last_contact_at >= ld.as_of - make_interval(days => t.contact_active_days::int) then 'active'
            when ld.last_contact_at >= ld.as_of - make_interval(days => t.contact_inactive_days::int) then 'stale'
            else 'inactive'
        end as contact_status,
        -- applicable = installed + missing, per kind, over the kinds the vendor gives both for
        ld.installed_os + coalesce(ld.installed_third_party, 0) + coalesce(ld.installed_driver, 0) + coalesce(ld.installed_bios, 0)
            as installed_known,
        ld.total_os + coalesce(ld.total_third_party, 0) + coalesce(ld.total_driver, 0) + coalesce(ld.total_bios, 0) as applicable_known,
        -- PMP's per-system rows carry no unrated count: missing patches by kind not covered by a rated
        -- severity are the unrated ones, when the OS kind is reported
        coalesce(
            ld.missing_unrated,
            greatest(ld.missing_os + coalesce(ld.missing_third_party, 0) + coalesce(ld.missing_driver, 0) + coalesce(ld.missing_bios, 0)
                - (ld.missing_critical + ld.missing_important + ld.missing_moderate + ld.missing_low), 0)
        ) as unrated_known,
        t.*
    from latest_days as ld
    cross join thresholds as t
)
select
    pdd.source,
    pdd.instance,
    pdd.vendor_id,
    pdd.snapshot_day,
    pdd.site_id,
    s.name as site,
    pdd.display_name,
    pdd.hostname,
    pdd.device_class,
    pdd.scope_status,
    pdd.scope_reason,
    pdd.is_spare,
    pdd.spare_rule_id as spare_rule,
    pdd.online,
    pdd.last_contact_at,
    pdd.last_scan_at,
    pdd.last_successful_scan_at,
    pdd.last_seen_at,
    pdd.days_since_seen,
    pdd.scan_age_days,
    pdd.scan_status,
    pdd.scanned_within_window,
    pdd.health_status,
    pdd.has_patch_status,
    pdd.missing_critical,
    pdd.missing_important,
    pdd.missing_moderate,
    pdd.missing_low,
    pdd.missing_unrated,
    pdd.missing_os,
    pdd.missing_third_party,
    pdd.missing_driver,
    pdd.missing_bios,
    pdd.installed_count,
    pdd.exposed_since,
    pdd.exposure_days,
    coalesce(pdd.exposure_is_lower_bound, false) as exposure_is_lower_bound,
    pdd.as_of,
    pdd.domain,
    pdd.agent_status,
    pdd.managed_status,
    pdd.date_added,
    pdd.first_seen_on,
    pdd.days_since_contact,
    pdd.contact_status,
    pdd.last_patched_at,
    pdd.total_os,
    pdd.installed_os,
    pdd.total_third_party,
    pdd.installed_third_party,
    pdd.total_driver,
    pdd.installed_driver,
    pdd.total_bios,
    pdd.installed_bios,
    pdd.applicable_known as applicable_patches,
    pdd.installed_known as installed_patches,
    round(100 * pdd.installed_known / nullif(pdd.applicable_known, 0)::numeric, 2) as compliance_pct,
    rk.risk_level,
    array_remove(array[
        case when pdd.domain is null then 'domain: ' || case when pdd.source = 'pmp' then 'not reported for this system' else pdd.source || ' reports none' end end,
        case when pdd.agent_status is null then 'agent_status: the source does not say whether an agent is installed' end,
        case when pdd.managed_status is null then 'managed_status: the source gives no approval or managed state' end,
        case when pdd.date_added is null then 'date_added: ' || case
            when pdd.source = 'pmp' then 'no agent installation time' else 'no creation time' end || ' (first_seen_on is when the warehouse first saw it)' end,
        case when pdd.contact_status is null then 'contact_status: no last agent contact time' end,
        case when pdd.last_patched_at is null then 'last_patched_at: ' || case
            when pdd.source = 'pmp' then 'PMP reports no patch installation for this system' else pdd.source || ' reports no last patch time' end end,
        case when pdd.total_os is null then 'per-kind totals and installed counts: ' || case
            when pdd.source = 'pmp' then 'not reported for this system' else pdd.source || ' reports missing patches only (its installed_count covers 30 days)' end end,
        case when pdd.total_os is not null and (pdd.total_driver is null or pdd.total_bios is null)
            then 'driver/BIOS: PMP gives none for this system (e.g. a VM or non-Windows); they are left out of compliance_pct' end,
        case when pdd.applicable_known is not null and pdd.applicable_known = 0 then 'compliance_pct: no applicable patches' end,
        case when rk.risk_level is null then 'risk_level: a missing-patch count it depends on is not reported' end
    ], null) as unknown_reasons
from picture as pdd
cross join lateral (
    select
        case
            when pdd.missing_critical >= pdd.risk_critical_min then 'critical'
            when pdd.missing_critical is null then null
            when pdd.missing_important >= pdd.risk_important_min then 'important'
            when pdd.missing_important is null then null
            when pdd.missing_moderate >= pdd.risk_moderate_min then 'moderate'
            when pdd.missing_moderate is null then null
            when coalesce(pdd.missing_low, 0) + coalesce(pdd.unrated_known, 0) >= pdd.risk_low_min then 'low'
            when pdd.missing_low is null or pdd.unrated_known is null then null
            else 'compliant'
        end as risk_level
) as rk
inner join core.sites as s on s.site_id = pdd.site_id;

comment on view bi.patch_compliance_device is 'One row per device per source instance of the patch sources (ninjaone, pmp), at the latest published snapshot day of that source instance: whether it is in scope for compliance and why not, its missing patches, scans and how long it has had missing critical patches; and the per-system picture (domain, agent and managed status, date added, contact status, last patch, per-kind totals, compliance percentage, risk level), with unknown_reasons saying why any of those is null. The exposure columns are materialised by the rollup (rollup.patch_exposure, each day from the day before), not windowed over history on each read: a day published but not yet rolled up has null exposure for its devices with missing critical patches. Everything else is judged on read from the latest day''s rows alone (the compliance settings apply at once).';
comment on column bi.patch_compliance_device.source is 'Patch data source: ninjaone or pmp.';
comment on column bi.patch_compliance_device.instance is 'Source instance.';
comment on column bi.patch_compliance_device.vendor_id is 'The vendor''s device id (NinjaOne id, PMP resource_id); with source and instance, the device''s identity.';
comment on column bi.patch_compliance_device.snapshot_day is 'The latest published snapshot day of the source instance.';
comment on column bi.patch_compliance_device.site_id is 'Canonical site id.';
comment on column bi.patch_compliance_device.site is 'Canonical site name.';
comment on column bi.patch_compliance_device.display_name is 'Display name as the vendor shows it.';
comment on column bi.patch_compliance_device.hostname is 'Host name as the vendor reports it.';
comment on column bi.patch_compliance_device.device_class is 'workstation, server, vm_host, vm_guest, mobile, network or other.';
comment on column bi.patch_compliance_device.scope_status is 'in_scope, spare, stale_or_offline or unknown: which compliance denominator the device falls in (checked in that order: spare, then stale, then unknown).';
comment on column bi.patch_compliance_device.scope_reason is 'Why, in words (the spare rule, the days without contact, the missing patch data).';
comment on column bi.patch_compliance_device.is_spare is 'True when a spare rule fired for the device that day.';
comment on column bi.patch_compliance_device.spare_rule is 'Id of the spare rule that fired (core.spare_rules).';
comment on column bi.patch_compliance_device.online is 'Online at collection time, where the vendor says.';
comment on column bi.patch_compliance_device.last_contact_at is 'Last agent contact reported by the vendor.';
comment on column bi.patch_compliance_device.last_scan_at is 'Last patch scan (PMP), or the latest missing-patch detection time (NinjaOne, only for devices with missing patches).';
comment on column bi.patch_compliance_device.last_successful_scan_at is 'Last successful patch scan (PMP).';
comment on column bi.patch_compliance_device.last_seen_at is 'The latest of last contact, last scan and last successful scan.';
comment on column bi.patch_compliance_device.days_since_seen is 'Days from last_seen_at to as_of; over compliance_settings.stale_after_days makes the device stale_or_offline.';
comment on column bi.patch_compliance_device.scan_age_days is 'Days from the last scan to as_of; null when no scan time is known.';
comment on column bi.patch_compliance_device.scan_status is 'success, failed, in_progress or not_scanned (PMP); null when the vendor does not say.';
comment on column bi.patch_compliance_device.scanned_within_window is 'Last scan within compliance_settings.scan_window_days (ISM-1702); null when unknown.';
comment on column bi.patch_compliance_device.health_status is 'Vendor health rating: healthy, vulnerable, highly_vulnerable or unknown (PMP); null when the vendor gives none.';
comment on column bi.patch_compliance_device.has_patch_status is 'False when the source reported no patch status for the device that day.';
comment on column bi.patch_compliance_device.missing_critical is 'Missing critical patches.';
comment on column bi.patch_compliance_device.missing_important is 'Missing important patches.';
comment on column bi.patch_compliance_device.missing_moderate is 'Missing moderate patches.';
comment on column bi.patch_compliance_device.missing_low is 'Missing low-severity patches.';
comment on column bi.patch_compliance_device.missing_unrated is 'Missing patches without a severity.';
comment on column bi.patch_compliance_device.missing_os is 'Missing OS patches (PMP: Microsoft patches).';
comment on column bi.patch_compliance_device.missing_third_party is 'Missing third-party application patches; null when the source does not say.';
comment on column bi.patch_compliance_device.missing_driver is 'Missing driver patches; null when the source does not say.';
comment on column bi.patch_compliance_device.missing_bios is 'Missing BIOS/firmware patches; null when the source does not say.';
comment on column bi.patch_compliance_device.installed_count is 'Installed patches (PMP: all installed; NinjaOne: installed in the last 30 days).';
comment on column bi.patch_compliance_device.exposed_since is 'First snapshot day of the current unbroken run of days with missing critical patches; null when none are missing (or the day is not rolled up yet). Materialised by the rollup: a run keeps its first day when retention drops the days it began on.';
comment on column bi.patch_compliance_device.exposure_days is 'Consecutive calendar days, up to and including snapshot_day, the device has had missing critical patches (0 when none; null when unknown, or when the day is not rolled up yet). A day with none, or with an unknown count, ends a run; days without a patch status row for the device do not. Materialised by the rollup (rollup.patch_exposure).';
comment on column bi.patch_compliance_device.exposure_is_lower_bound is 'True when the run starts on the first day the warehouse observed the device, so the exposure may be longer than the history it has. Materialised by the rollup, which keeps a run''s first day (and this flag) when retention drops the days it began on; a device not observed on any retained day starts anew when it returns.';
comment on column bi.patch_compliance_device.as_of is 'The instant ages are measured from: when the publishing run started, or the end of the snapshot day in the warehouse''s time zone (WAREHOUSE_TIMEZONE) for back-filled days.';
comment on column bi.patch_compliance_device.domain is 'Windows domain (NetBIOS) of the system (PMP domain_netbios_name); null when not reported (NinjaOne: not collected).';
comment on column bi.patch_compliance_device.agent_status is 'installed or not_installed (PMP installation_status 22/21; NinjaOne: installed when an agent version is reported); null when unknown.';
comment on column bi.patch_compliance_device.managed_status is 'managed (PMP: every system it lists; NinjaOne: approvalStatus APPROVED), pending_approval (NinjaOne PENDING), or NinjaOne''s other approval state in lower case; null when unknown.';
comment on column bi.patch_compliance_device.date_added is 'When the vendor added the system: PMP agent installation time (agent_installed_on), NinjaOne device creation time; null when not reported.';
comment on column bi.patch_compliance_device.first_seen_on is 'First snapshot day on which the warehouse saw the device from this source instance.';
comment on column bi.patch_compliance_device.days_since_contact is 'Days from the last agent contact to as_of; null without a contact time.';
comment on column bi.patch_compliance_device.contact_status is 'active (last contact at most compliance_settings.contact_active_days, default 7, before as_of), stale (up to contact_inactive_days, default 30), inactive (longer); null without a contact time.';
comment on column bi.patch_compliance_device.last_patched_at is 'When a patch was last installed (PMP last_patched_time); null when the vendor reports none.';
comment on column bi.patch_compliance_device.total_os is 'Applicable OS patches (PMP: Microsoft, total_ms_patches); null when not reported (NinjaOne).';
comment on column bi.patch_compliance_device.installed_os is 'Installed OS patches (PMP installed_ms_patches); null when not reported (NinjaOne).';
comment on column bi.patch_compliance_device.total_third_party is 'Applicable third-party patches (PMP total_tp_patches); null when not reported.';
comment on column bi.patch_compliance_device.installed_third_party is 'Installed third-party patches (PMP installed_tp_patches); null when not reported.';
comment on column bi.patch_compliance_device.total_driver is 'Applicable driver patches (PMP total_driver_patches); null when not reported (PMP gives none for VMs and non-Windows systems).';
comment on column bi.patch_compliance_device.installed_driver is 'Installed driver patches (PMP installed_driver_patches); null when not reported.';
comment on column bi.patch_compliance_device.total_bios is 'Applicable BIOS patches (PMP total_bios_patches); null when not reported (PMP gives none for VMs and non-Windows systems).';
comment on column bi.patch_compliance_device.installed_bios is 'Installed BIOS patches (PMP installed_bios_patches); null when not reported.';
comment on column bi.patch_compliance_device.applicable_patches is 'Applicable patches over the kinds reported (OS required; third-party, driver and BIOS where given); null when the OS kind is not reported.';
comment on column bi.patch_compliance_device.installed_patches is 'Installed patches over the same kinds as applicable_patches; null when the OS kind is not reported.';
comment on column bi.patch_compliance_device.compliance_pct is 'installed_patches / applicable_patches × 100, 2 decimals; null when not known or nothing is applicable.';
comment on column bi.patch_compliance_device.risk_level is 'critical, important, moderate, low or compliant: the highest severity with at least compliance_settings.risk_<level>_min_missing missing patches (low counts low and unrated; PMP''s unrated are the missing patches by kind beyond the rated ones); null when a count it depends on is not reported.';
comment on column bi.patch_compliance_device.unknown_reasons is 'Why each null field of the per-system picture is null, as "field: reason" texts; empty when everything is known.';
