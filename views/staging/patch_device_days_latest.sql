-- one row per device per source instance of the patch sources at that instance's latest published snapshot day: staging.patch_device_days's rows of those days, with the day's exposure
-- depends: staging.patch_device_latest_sources
-- depends: staging.patch_device_days_exposed
-- Materialised: the rollup keeps each instance's latest day, device by device, in
-- rollup.patch_device_latest (rollups/patch-device-latest.ts), read while it stands
-- (staging.patch_device_latest_sources), so a filter on the site reaches its key. An instance whose
-- latest day is not rolled up yet, or changed since (a re-run, a back-fill, a compliance setting, the
-- time zone, a re-mapping), is judged on read from its devices (staging.patch_device_days_exposed).
-- That day is known only when the query runs, so PostgreSQL could not prune the day partitions when
-- it plans: a join with staging.source_days_latest judged every device's scope on every day held (65
-- of them) to keep one, and naming the days with subqueries still planned every day's partitions.
-- staging.patch_device_days_on(day, instance) (views/functions/patch_scope.sql) plans the day as a
-- constant, once for each such instance.
create view staging.patch_device_days_latest as
select
    m.site_id,
    m.snapshot_day,
    m.device_id,
    m.source_instance_id,
    m.source,
    m.instance,
    m.vendor_id,
    m.display_name,
    m.hostname,
    m.device_class,
    m.is_spare,
    m.spare_rule_id,
    m.online,
    m.last_contact_at,
    m.as_of,
    m.has_patch_status,
    m.scope_status,
    m.scope_reason,
    m.missing_critical,
    m.missing_important,
    m.missing_moderate,
    m.missing_low,
    m.missing_unrated,
    m.missing_os,
    m.missing_third_party,
    m.missing_driver,
    m.missing_bios,
    m.installed_count,
    m.last_scan_at,
    m.last_successful_scan_at,
    m.scan_status,
    m.health_status,
    m.known_health,
    m.last_seen_at,
    m.days_since_seen,
    m.scan_age_days,
    m.scanned,
    m.scan_succeeded,
    m.scanned_within_window,
    m.installed_os,
    m.installed_third_party,
    m.installed_driver,
    m.installed_bios,
    m.total_os,
    m.total_third_party,
    m.total_driver,
    m.total_bios,
    m.last_patched_at,
    m.extras,
    m.agent_version,
    m.first_seen_on,
    m.exposed_since,
    m.exposure_days,
    m.exposure_is_lower_bound
from rollup.patch_device_latest as m
inner join staging.patch_device_latest_sources as l
    on l.source_instance_id = m.source_instance_id
    and l.snapshot_day = m.snapshot_day
where l.materialised
union all
select
    o.site_id,
    o.snapshot_day,
    o.device_id,
    o.source_instance_id,
    o.source,
    o.instance,
    o.vendor_id,
    o.display_name,
    o.hostname,
    o.device_class,
    o.is_spare,
    o.spare_rule_id,
    o.online,
    o.last_contact_at,
    o.as_of,
    o.has_patch_status,
    o.scope_status,
    o.scope_reason,
    o.missing_critical,
    o.missing_important,
    o.missing_moderate,
    o.missing_low,
    o.missing_unrated,
    o.missing_os,
    o.missing_third_party,
    o.missing_driver,
    o.missing_bios,
    o.installed_count,
    o.last_scan_at,
    o.last_successful_scan_at,
    o.scan_status,
    o.health_status,
    o.known_health,
    o.last_seen_at,
    o.days_since_seen,
    o.scan_age_days,
    o.scanned,
    o.scan_succeeded,
    o.scanned_within_window,
    o.installed_os,
    o.installed_third_party,
    o.installed_driver,
    o.installed_bios,
    o.total_os,
    o.total_third_party,
    o.total_driver,
    o.total_bios,
    o.last_patched_at,
    o.extras,
    o.agent_version,
    o.first_seen_on,
    o.exposed_since,
    o.exposure_days,
    o.exposure_is_lower_bound
from staging.patch_device_latest_sources as l
cross join lateral staging.patch_device_days_on(l.snapshot_day, l.source_instance_id) as o
where not l.materialised;
