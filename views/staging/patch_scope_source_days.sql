-- one row per published source-day of the patch sources: whether rollup.patch_site_instance_days stands for it
--
-- The rollup's aggregates of a source-day (rollups/patch-scope.ts) stand for it only while everything
-- they were computed from still holds (rollup.patch_scope_computed): the same publish (a re-run or a
-- back-fill publishes anew), the same compliance settings (stale_after_days, scan_window_days: an
-- UPDATE of core.compliance_settings takes effect on the next read) and warehouse time zone (as_of),
-- the same exposure computation of the day (rollup.patch_exposure_days), and no rollup request filed
-- for the day since (a re-mapping moves device-days to another site in place). Any other source-day,
-- never rolled up or changed since, is judged on read by staging.patch_site_instance_days until the
-- next rollup recomputes it.
create view staging.patch_scope_source_days as
with settings as (
    -- as staging.patch_device_days reads them
    select
        coalesce(max(cs.value) filter (where cs.setting = 'stale_after_days'), 14) as stale_after_days,
        coalesce(max(cs.value) filter (where cs.setting = 'scan_window_days'), 14) as scan_window_days
    from core.compliance_settings as cs
)
select
    sd.source_instance_id,
    sd.snapshot_day,
    si.source,
    -- what the day is judged by now, as the rollup records it in rollup.patch_scope_computed
    sd.published_at,
    s.stale_after_days,
    s.scan_window_days,
    st.time_zone,
    e.computed_at as exposure_computed_at,
    coalesce(
        c.published_at = sd.published_at
        and c.stale_after_days = s.stale_after_days
        and c.scan_window_days = s.scan_window_days
        and c.time_zone = st.time_zone
        and c.exposure_computed_at is not distinct from e.computed_at
        and not exists (
            select 1 from ops.rollup_requests as r
            where r.request_id > c.requests_through and sd.snapshot_day between r.first_day and r.last_day
        ),
        false
    ) as materialised
from ops.source_days as sd
inner join ops.source_instances as si on si.source_instance_id = sd.source_instance_id
inner join core.source_roles as sr on sr.source = si.source
cross join settings as s
cross join core.settings as st
left join rollup.patch_scope_computed as c
    on c.source_instance_id = sd.source_instance_id
    and c.snapshot_day = sd.snapshot_day
left join rollup.patch_exposure_days as e on e.snapshot_day = sd.snapshot_day
where sr.reports_patches;
