-- one row per device per source instance (of the patch sources), at the latest published snapshot of that source instance
-- grain: source, instance, vendor_id
-- depends: staging.source_days_latest
-- depends: staging.patch_device_days
-- depends: staging.patch_exposure
create view bi.patch_compliance_device as
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
    pe.exposed_since,
    pe.exposure_days,
    coalesce(pe.exposure_is_lower_bound, false) as exposure_is_lower_bound,
    pdd.as_of
from staging.patch_device_days as pdd
inner join staging.source_days_latest as latest
    on latest.source_instance_id = pdd.source_instance_id
    and latest.snapshot_day = pdd.snapshot_day
inner join core.sites as s on s.site_id = pdd.site_id
left join staging.patch_exposure as pe
    on pe.site_id = pdd.site_id
    and pe.snapshot_day = pdd.snapshot_day
    and pe.device_id = pdd.device_id;

comment on view bi.patch_compliance_device is 'One row per device per source instance of the patch sources (ninjaone, pmp), at the latest published snapshot day of that source instance: whether it is in scope for compliance and why not, its missing patches, scans and how long it has had missing critical patches.';
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
comment on column bi.patch_compliance_device.exposed_since is 'First snapshot day of the current unbroken run of days with missing critical patches; null when none are missing.';
comment on column bi.patch_compliance_device.exposure_days is 'Consecutive calendar days, up to and including snapshot_day, the device has had missing critical patches (0 when none; null when unknown). A day with none, or with an unknown count, ends a run; days without a patch status row for the device do not.';
comment on column bi.patch_compliance_device.exposure_is_lower_bound is 'True when the run starts at the device''s first retained snapshot, so the exposure may be longer than the history kept.';
comment on column bi.patch_compliance_device.as_of is 'The instant ages are measured from: when the publishing run started, or the end of the snapshot day in the warehouse''s time zone (WAREHOUSE_TIMEZONE) for back-filled days.';
