-- one row per device per source instance per day of the patch sources: staging.patch_device_days with the day's exposure (staging.patch_exposure)
-- depends: staging.patch_device_days
-- depends: staging.patch_exposure
-- What bi.patch_compliance_device reads of each instance's latest day, always with the day as a
-- constant (staging.patch_device_days_at_latest(), and the rollup that materialises it into
-- rollup.patch_device_latest): the equality reaches core.device_days, core.patch_status,
-- rollup.patch_exposure and ops.source_days alike, so only that day's partitions are planned and read.
create view staging.patch_device_days_exposed as
select
    pdd.*,
    pe.exposed_since,
    pe.exposure_days,
    pe.exposure_is_lower_bound
from staging.patch_device_days as pdd
left join staging.patch_exposure as pe
    on pe.site_id = pdd.site_id
    and pe.snapshot_day = pdd.snapshot_day
    and pe.device_id = pdd.device_id;
