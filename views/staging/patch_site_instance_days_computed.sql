-- one row per site × source instance × day of the patch sources, judged on read from every device's day: devices per denominator and the facts of the in-scope ones
-- depends: staging.patch_device_days
-- depends: staging.patch_exposure
--
-- The definition of the per site × source instance aggregates. The rollup materialises it day by
-- day into rollup.patch_site_instance_days (rollups/patch-scope.ts); staging.patch_site_instance_days
-- reads those rows and judges here, on read, only the source-days they do not stand for.
create view staging.patch_site_instance_days_computed as
with devices as (
    select
        pdd.site_id,
        pdd.snapshot_day,
        pdd.source,
        pdd.source_instance_id,
        pdd.scope_status,
        pdd.scope_status = 'in_scope' as in_scope,
        pdd.missing_critical,
        pdd.missing_important,
        pdd.missing_moderate,
        pdd.missing_low,
        pdd.missing_unrated,
        pdd.missing_os,
        pdd.missing_third_party,
        pdd.missing_driver,
        pdd.missing_bios,
        pdd.known_health,
        pdd.scanned,
        pdd.scan_succeeded,
        pdd.scanned_within_window,
        pe.exposure_days
    from staging.patch_device_days as pdd
    left join staging.patch_exposure as pe
        on pe.site_id = pdd.site_id
        and pe.snapshot_day = pdd.snapshot_day
        and pe.device_id = pdd.device_id
)
select
    d.site_id,
    d.snapshot_day,
    d.source,
    d.source_instance_id,
    count(*) as devices_total,
    count(*) filter (where d.scope_status = 'in_scope') as devices_in_scope,
    count(*) filter (where d.scope_status = 'spare') as devices_spare,
    count(*) filter (where d.scope_status = 'stale_or_offline') as devices_stale_or_offline,
    count(*) filter (where d.scope_status = 'unknown') as devices_unknown,
    count(*) filter (where d.in_scope and d.missing_critical > 0) as devices_missing_critical,
    count(*) filter (where d.in_scope and d.missing_important > 0) as devices_missing_important,
    count(*) filter (where d.in_scope and d.missing_important is null) as devices_important_unknown,
    count(*) filter (where d.in_scope and d.missing_moderate is null) as devices_moderate_unknown,
    count(*) filter (where d.in_scope and d.missing_low is null) as devices_low_unknown,
    count(*) filter (where d.in_scope and d.missing_unrated is null) as devices_unrated_unknown,
    coalesce(sum(d.missing_critical) filter (where d.in_scope), 0) as missing_critical,
    coalesce(sum(d.missing_important) filter (where d.in_scope), 0) as missing_important,
    coalesce(sum(d.missing_moderate) filter (where d.in_scope), 0) as missing_moderate,
    coalesce(sum(d.missing_low) filter (where d.in_scope), 0) as missing_low,
    coalesce(sum(d.missing_unrated) filter (where d.in_scope), 0) as missing_unrated,
    sum(d.missing_os) filter (where d.in_scope) as missing_os,
    sum(d.missing_third_party) filter (where d.in_scope) as missing_third_party,
    sum(d.missing_driver) filter (where d.in_scope) as missing_driver,
    sum(d.missing_bios) filter (where d.in_scope) as missing_bios,
    coalesce(max(d.missing_critical) filter (where d.in_scope), 0) as max_critical_on_one_device,
    coalesce(max(d.missing_important) filter (where d.in_scope), 0) as max_important_on_one_device,
    coalesce(max(d.missing_moderate) filter (where d.in_scope), 0) as max_moderate_on_one_device,
    coalesce(max(d.missing_low) filter (where d.in_scope), 0) as max_low_on_one_device,
    coalesce(max(d.missing_unrated) filter (where d.in_scope), 0) as max_unrated_on_one_device,
    count(*) filter (where d.in_scope and d.known_health = 'healthy') as devices_healthy,
    count(*) filter (where d.in_scope and d.known_health = 'vulnerable') as devices_vulnerable,
    count(*) filter (where d.in_scope and d.known_health = 'highly_vulnerable') as devices_highly_vulnerable,
    count(*) filter (where d.in_scope and d.known_health is null) as devices_health_unknown,
    count(*) filter (where d.in_scope and d.scanned) as devices_scanned,
    count(*) filter (where d.in_scope and not d.scanned) as devices_not_scanned,
    count(*) filter (where d.in_scope and d.scanned is null) as devices_scan_unknown,
    count(*) filter (where d.in_scope and d.scanned and d.scan_succeeded) as devices_scan_succeeded,
    count(*) filter (where d.in_scope and d.scanned and not d.scan_succeeded) as devices_scan_not_succeeded,
    count(*) filter (where d.in_scope and d.scanned and d.scan_succeeded is null) as devices_scan_outcome_unknown,
    count(*) filter (where d.in_scope and d.scanned_within_window) as devices_scanned_within_window,
    count(*) filter (where d.in_scope and not d.scanned_within_window) as devices_not_scanned_within_window,
    count(*) filter (where d.in_scope and d.scanned_within_window is null) as devices_scan_window_unknown,
    -- bi.patch_compliance_site's exposure facts, of in-scope devices as every other fact
    count(*) filter (where d.in_scope and d.exposure_days > 30) as devices_exposed_over_30_days,
    max(d.exposure_days) filter (where d.in_scope) as max_exposure_days
from devices as d
group by d.site_id, d.snapshot_day, d.source, d.source_instance_id;
