-- one row per device per source instance of the patch sources at that instance's latest published snapshot day: staging.patch_device_days's rows of those days, with the day's exposure
-- depends: staging.source_days_latest
-- depends: staging.patch_device_days
-- depends: staging.patch_exposure
-- The latest days are known only when the query runs, so PostgreSQL cannot prune the day partitions
-- when it plans: a join with staging.source_days_latest judged every device's scope on every day
-- held (65 of them) to keep one, and naming the days with subqueries (as staging.device_days_latest
-- does) still plans every day's partitions of core.device_days, core.patch_status and
-- rollup.patch_exposure, hundreds of milliseconds. staging.patch_device_days_at_latest()
-- (views/functions/patch_scope.sql) looks the latest days up first and reads each as a constant.
create view staging.patch_device_days_latest as
select l.*
from staging.patch_device_days_at_latest() as l;
