-- one row per device per source instance of the patch sources at that instance's latest published snapshot day: staging.patch_device_days's rows of those days, with the day's exposure
-- depends: staging.patch_device_latest_sources
-- depends: staging.patch_device_days_exposed
-- Materialised: the rollup keeps each instance's latest day, device by device, in
-- rollup.patch_device_latest (rollups/patch-device-latest.ts), read while it stands
-- (staging.patch_device_latest_sources); an instance whose latest day is not rolled up yet, or changed
-- since (a re-run, a back-fill, a compliance setting, the time zone, a re-mapping), is judged on read
-- from its devices (staging.patch_device_days_exposed). The latest days are known only when the query
-- runs, so PostgreSQL could not prune the day partitions when it plans: a join with
-- staging.source_days_latest judged every device's scope on every day held (65 of them) to keep one,
-- and naming the days with subqueries still planned every day's partitions. The function
-- staging.patch_device_days_at_latest() (views/functions/patch_scope.sql) looks the days up first and
-- reads each as a constant.
create view staging.patch_device_days_latest as
select l.*
from staging.patch_device_days_at_latest() as l;
