-- one row per site × source instance × day of the patch sources: devices per denominator and the facts of the in-scope ones
-- depends: staging.patch_scope_source_days
-- depends: staging.patch_site_instance_days_computed
--
-- Materialised: the rows of every source-day the rollup has aggregated and that has not changed since
-- (rollup.patch_site_instance_days, rollups/patch-scope.ts; staging.patch_scope_source_days says which
-- still stand), so a read of the whole history, or of the latest day, reads a few rows per site and
-- day instead of judging every device's scope on every day held. The others (a day published but not
-- rolled up yet, a re-run, a changed compliance setting or time zone, a re-mapping) are judged on
-- read from their devices by staging.patch_site_instance_days_computed, the definition the rollup
-- materialises, so the rows are the same either way; staging.patch_site_instance_days_owed(day)
-- (views/functions/patch_scope.sql) reads those source-days alone, planning only their partitions,
-- once for each such day the query asks for.
create view staging.patch_site_instance_days as
select
    m.site_id,
    m.snapshot_day,
    m.source,
    m.source_instance_id,
    m.devices_total,
    m.devices_in_scope,
    m.devices_spare,
    m.devices_stale_or_offline,
    m.devices_unknown,
    m.devices_missing_critical,
    m.devices_missing_important,
    m.devices_important_unknown,
    m.devices_moderate_unknown,
    m.devices_low_unknown,
    m.devices_unrated_unknown,
    m.missing_critical,
    m.missing_important,
    m.missing_moderate,
    m.missing_low,
    m.missing_unrated,
    m.missing_os,
    m.missing_third_party,
    m.missing_driver,
    m.missing_bios,
    m.max_critical_on_one_device,
    m.max_important_on_one_device,
    m.max_moderate_on_one_device,
    m.max_low_on_one_device,
    m.max_unrated_on_one_device,
    m.devices_healthy,
    m.devices_vulnerable,
    m.devices_highly_vulnerable,
    m.devices_health_unknown,
    m.devices_scanned,
    m.devices_not_scanned,
    m.devices_scan_unknown,
    m.devices_scan_succeeded,
    m.devices_scan_not_succeeded,
    m.devices_scan_outcome_unknown,
    m.devices_scanned_within_window,
    m.devices_not_scanned_within_window,
    m.devices_scan_window_unknown,
    m.devices_exposed_over_30_days,
    m.max_exposure_days
from rollup.patch_site_instance_days as m
inner join staging.patch_scope_source_days as sd
    on sd.source_instance_id = m.source_instance_id
    and sd.snapshot_day = m.snapshot_day
where sd.materialised
union all
select
    o.site_id,
    d.snapshot_day,
    o.source,
    o.source_instance_id,
    o.devices_total,
    o.devices_in_scope,
    o.devices_spare,
    o.devices_stale_or_offline,
    o.devices_unknown,
    o.devices_missing_critical,
    o.devices_missing_important,
    o.devices_important_unknown,
    o.devices_moderate_unknown,
    o.devices_low_unknown,
    o.devices_unrated_unknown,
    o.missing_critical,
    o.missing_important,
    o.missing_moderate,
    o.missing_low,
    o.missing_unrated,
    o.missing_os,
    o.missing_third_party,
    o.missing_driver,
    o.missing_bios,
    o.max_critical_on_one_device,
    o.max_important_on_one_device,
    o.max_moderate_on_one_device,
    o.max_low_on_one_device,
    o.max_unrated_on_one_device,
    o.devices_healthy,
    o.devices_vulnerable,
    o.devices_highly_vulnerable,
    o.devices_health_unknown,
    o.devices_scanned,
    o.devices_not_scanned,
    o.devices_scan_unknown,
    o.devices_scan_succeeded,
    o.devices_scan_not_succeeded,
    o.devices_scan_outcome_unknown,
    o.devices_scanned_within_window,
    o.devices_not_scanned_within_window,
    o.devices_scan_window_unknown,
    o.devices_exposed_over_30_days,
    o.max_exposure_days
from (
    -- the days with a source-day the rows do not stand for (a filter on the day reaches here)
    select sd.snapshot_day
    from staging.patch_scope_source_days as sd
    where not sd.materialised
    group by sd.snapshot_day
) as d
cross join lateral staging.patch_site_instance_days_owed(d.snapshot_day) as o;
