-- one row per source instance of the patch sources, at its latest published snapshot day: whether rollup.patch_device_latest stands for it
-- depends: staging.patch_scope_source_days
-- depends: staging.source_days_latest
--
-- The rollup's per-device rows of an instance's latest day (rollups/patch-device-latest.ts) stand
-- for it only while everything they were computed from holds, as for the per-site aggregates
-- (staging.patch_scope_source_days): that day is still the latest, the same publish, the same
-- compliance settings and time zone, the same exposure computation, no rollup request since, and no
-- later publish of any of the instance's days (a back-fill moves a device's first_seen_on). Otherwise
-- staging.patch_device_days_at_latest() reads the instance's day from its devices.
create view staging.patch_device_latest_sources as
select
    s.source_instance_id,
    s.snapshot_day,
    s.published_at,
    p.published_through,
    s.stale_after_days,
    s.scan_window_days,
    s.time_zone,
    s.exposure_computed_at,
    coalesce(
        c.snapshot_day = s.snapshot_day
        and c.published_at = s.published_at
        and c.published_through = p.published_through
        and c.stale_after_days = s.stale_after_days
        and c.scan_window_days = s.scan_window_days
        and c.time_zone = s.time_zone
        and c.exposure_computed_at is not distinct from s.exposure_computed_at
        and not exists (
            select 1 from ops.rollup_requests as r
            where r.request_id > c.requests_through and s.snapshot_day between r.first_day and r.last_day
        ),
        false
    ) as materialised
from staging.patch_scope_source_days as s
inner join staging.source_days_latest as l
    on l.source_instance_id = s.source_instance_id
    and l.snapshot_day = s.snapshot_day
cross join lateral (
    select max(sd.published_at) as published_through
    from ops.source_days as sd
    where sd.source_instance_id = s.source_instance_id
) as p
left join rollup.patch_device_latest_computed as c on c.source_instance_id = s.source_instance_id;
